"""No acknowledged push is ever lost: several pushers PUT, POST and DELETE over
keep-alive connections while flowgate (--persistence.sync=always, compacting
every 300ms) is killed with SIGKILL at a random moment (now and then the moment
a compaction starts writing its snapshot, or while it recovers at start; a few
times SIGTERM instead), again and again. After every restart each group must
hold at least its last acknowledged push and at most its last sent one, whole
(every series of a push carries its sequence number), with a push time no
earlier than that push was sent; /metrics must parse and /api/v1/metrics must
be JSON.

Aggregating pushers add 1 to their own counter under /aggregate with an
Idempotency-Key each, and after a kill send the unanswered push again with
the same key before any other: after every restart a counter holds exactly
its acknowledged pushes (plus the unanswered one, if flowgate applied it),
so no aggregated increment is lost or counted twice.

FLOWGATE_CRASH_CYCLES sets the number of kill -9 cycles (50 in CI; try 1000;
the SIGTERM cycles come on top), FLOWGATE_DURABILITY_SEED replays a run's
choices (not its timing)."""
import collections
import http.client
import os
import random
import shutil
import threading
import time

import store_view

CYCLES = int(os.environ.get("FLOWGATE_CRASH_CYCLES", "50"))
PUSHERS = 4
AGGREGATORS = 2
AGGREGATE_JOB = "crash_aggregate"
ROWS_PER_PUT = 16  # series per PUT, all carrying its sequence number: a torn group shows
KILL_DELAY_SECONDS = (0.02, 0.9)  # several compactions (every 300ms) fit in the longest one
FLAGS = ["--persistence.interval=300ms"]  # --persistence.sync=always is the default
# Groups pushed once before the first kill: they make each compaction's snapshot
# big enough (about 1 MB) that kills land in the middle of writing it, and must
# survive every cycle unchanged.
STATIC_GROUPS, ROWS_PER_STATIC_GROUP = 500, 10
HUNTED_KILLS = 0.3  # the share of kills aimed at a compaction writing its snapshot
KILLS_WHILE_STARTING = 0.2  # the share of cycles with one more kill, during the recovery
GRACEFUL_STOPS = 0.1  # the share of cycles ended by SIGTERM while the pushers push
SHARED_JOB = "crash_shared"


class GroupHistory:
    """What one pusher did to one group (or, for the shared group, to its own
    family in it): every operation sent, in order, and how far they were
    acknowledged. One keep-alive connection per pusher sends them one at a time,
    so what flowgate holds is the state after some operation between the last
    acknowledged and the last sent one."""

    def __init__(self):
        self.operations = []  # (sequence number or None for a DELETE, time the request was sent)
        self.acknowledged = -1  # index into operations

    def sent(self, sequence):
        self.operations.append((sequence, time.time()))

    def acknowledge(self):
        self.acknowledged = len(self.operations) - 1

    def possible_states(self):
        """Sequence numbers (None = absent) flowgate may hold, oldest first."""
        start = self.acknowledged
        states = [None] if start < 0 else []
        states += [sequence for sequence, _ in self.operations[max(start, 0):]]
        return states

    def last_acknowledged_send_time(self):
        """When the last acknowledged push (not DELETE) was sent, or None."""
        if self.acknowledged < 0 or self.operations[self.acknowledged][0] is None:
            return None
        return self.operations[self.acknowledged][1]

    def lost(self, held):
        """True when `held` predates the last acknowledged operation."""
        if held in self.possible_states():
            return False
        earlier = [sequence for sequence, _ in self.operations[:self.acknowledged]]
        return held is None or held in earlier


class Pusher:
    def __init__(self, index, seed):
        self.index = index
        self.rng = random.Random(f"{seed}/{index}")
        self.sequence = 0
        self.own = GroupHistory()  # PUT /metrics/job/crash/pusher/<i>
        self.shared = GroupHistory()  # POST of family crash_shared_seq_<i> into job crash_shared
        self.scratch = GroupHistory()  # PUT or DELETE /metrics/job/crash_scratch/pusher/<i>
        self.acknowledged_pushes = 0
        self.unexpected = []  # non-2xx answers: no push may fail here

    def run(self, port, stop):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while not stop.is_set():
                self.sequence += 1
                method, path, body, history = self.next_operation()
                history.sent(None if method == "DELETE" else self.sequence)
                try:
                    connection.request(method, path, body=body)
                    reply = connection.getresponse()
                    answer = reply.read()
                except (OSError, http.client.HTTPException):
                    return  # flowgate was killed: this operation stays sent, unacknowledged
                if 200 <= reply.status < 300:
                    history.acknowledge()
                    self.acknowledged_pushes += 1
                else:
                    self.unexpected.append(f"{method} {path}: {reply.status} {answer!r}")
                    return
        finally:
            connection.close()

    def next_operation(self):
        n, i = self.sequence, self.index
        roll = self.rng.random()
        if roll < 0.5:
            rows = "".join(f'crash_row{{row="{row}"}} {n}\n' for row in range(ROWS_PER_PUT))
            body = f"# TYPE crash_seq gauge\ncrash_seq {n}\n# TYPE crash_row gauge\n{rows}"
            return "PUT", f"/metrics/job/crash/pusher/{i}", body.encode(), self.own
        if roll < 0.85:
            body = f"# TYPE crash_shared_seq_{i} gauge\ncrash_shared_seq_{i} {n}\n"
            return "POST", f"/metrics/job/{SHARED_JOB}", body.encode(), self.shared
        path = f"/metrics/job/crash_scratch/pusher/{i}"
        scratch_exists = self.scratch.operations and self.scratch.operations[-1][0] is not None
        if scratch_exists and self.rng.random() < 0.5:
            return "DELETE", path, None, self.scratch
        return "PUT", path, f"crash_scratch_seq {n}\n".encode(), self.scratch


class Aggregator:
    """Adds 1 to its counter per aggregating push, each with a new idempotency
    key; a push left unanswered by a kill is sent again, same key, first."""

    def __init__(self, index):
        self.index = index
        self.next_key = 0
        self.pending = None  # the key of the push sent but not answered
        self.acknowledged_pushes = 0
        self.unexpected = []

    def run(self, port, stop):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = f'# TYPE crash_aggregated counter\ncrash_aggregated{{aggregator="{self.index}"}} 1\n'.encode()
        try:
            while not stop.is_set():
                if self.pending is None:
                    self.pending = f"{self.index}-{self.next_key}"
                    self.next_key += 1
                try:
                    connection.request("POST", f"/aggregate/metrics/job/{AGGREGATE_JOB}", body=body,
                                       headers={"Idempotency-Key": self.pending})
                    reply = connection.getresponse()
                    answer = reply.read()
                except (OSError, http.client.HTTPException):
                    return  # killed: the push stays pending, sent again next cycle
                if not 200 <= reply.status < 300:
                    self.unexpected.append(f"aggregating push {self.pending}: {reply.status} {answer!r}")
                    return
                self.acknowledged_pushes += 1
                self.pending = None
        finally:
            connection.close()

    def check(self, samples, problems, lost):
        held = store_view.value(samples, "crash_aggregated_total", **store_view.group_labels(AGGREGATE_JOB),
                                aggregator=str(self.index))
        held = 0 if held is None else int(held)
        possible = {self.acknowledged_pushes} | ({self.acknowledged_pushes + 1} if self.pending else set())
        if held < self.acknowledged_pushes:
            lost.append(f"aggregator {self.index}: holds {held}, {self.acknowledged_pushes} pushes acknowledged")
        elif held not in possible:
            problems.append(f"aggregator {self.index}: holds {held}, possible {sorted(possible)}: counted twice")


def held_sequence(samples, name, labels, rows=0):
    """The sequence number a group holds in `name`, None if absent; a push whose
    rows disagree with it is reported as torn."""
    held = store_view.value(samples, name, **labels)
    problems = []
    for row in range(rows):
        row_value = store_view.value(samples, "crash_row", row=str(row), **labels)
        if row_value != held:
            problems.append(f"{labels}: crash_row{{row={row}}} is {row_value}, crash_seq is {held}")
    return (None if held is None else int(held)), problems


def check_history(what, history, held, problems, lost):
    if history.lost(held):
        lost.append(f"{what}: holds {held}, the last acknowledged operation was "
                    f"{history.operations[history.acknowledged]} (sent: {history.operations[-3:]})")
    elif held not in history.possible_states():
        problems.append(f"{what}: holds {held}, possible: {history.possible_states()}")


def check_push_time(what, push_time, earliest, problems):
    """A group's push time is when flowgate received the last change it applied,
    so never before that change was sent."""
    if earliest is not None and (push_time is None or push_time < earliest):
        problems.append(f"{what}: push_time_seconds {push_time} < {earliest}, when a push it "
                        "must hold was sent")


def earliest_shared_push_time(pushers):
    """The POST flowgate applied last to the shared group is some pusher's last
    acknowledged POST or a later one, so it was sent no earlier than the earliest
    of those (concurrent POSTs may be applied out of their send order)."""
    sent = [pusher.shared.last_acknowledged_send_time() for pusher in pushers]
    return None if None in sent else min(sent)


def check_store(gate, server, pushers, aggregators=()):
    """(lost, other problems) found in what the restarted flowgate serves."""
    samples = store_view.scrape(server)
    store_view.api_groups(server)
    problems, lost = [], []
    for aggregator in aggregators:
        aggregator.check(samples, problems, lost)
    check_static_groups(samples, problems)
    stale = [name for name in leftover_temporary_files(gate) if not name.endswith(f".{gate.pid}")]
    if stale:
        problems.append(f"temporary snapshot files of earlier runs still there: {stale}")

    def push_time(labels):
        return store_view.value(samples, "push_time_seconds", **labels)

    shared_labels = store_view.group_labels(SHARED_JOB)
    for pusher in pushers:
        own_labels = store_view.group_labels("crash", pusher=str(pusher.index))
        held, torn = held_sequence(samples, "crash_seq", own_labels, ROWS_PER_PUT)
        problems += torn
        check_history(f"PUT group {own_labels}", pusher.own, held, problems, lost)
        if held is not None:
            check_push_time(own_labels, push_time(own_labels),
                            pusher.own.last_acknowledged_send_time(), problems)

        held = store_view.value(samples, f"crash_shared_seq_{pusher.index}", **shared_labels)
        check_history(f"POSTed family crash_shared_seq_{pusher.index}", pusher.shared,
                      None if held is None else int(held), problems, lost)

        scratch_labels = store_view.group_labels("crash_scratch", pusher=str(pusher.index))
        held, _ = held_sequence(samples, "crash_scratch_seq", scratch_labels)
        check_history(f"scratch group {scratch_labels}", pusher.scratch, held, problems, lost)
        if held is not None:
            check_push_time(scratch_labels, push_time(scratch_labels),
                            pusher.scratch.last_acknowledged_send_time(), problems)
    check_push_time(shared_labels, push_time(shared_labels), earliest_shared_push_time(pushers), problems)
    return lost, problems


def push_static_groups(gate):
    """The static groups, pushed without waiting for an fsync each, then compacted
    by a clean stop."""
    server = gate.start(["--persistence.sync=interval"])
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for group in range(STATIC_GROUPS):
        rows = "".join(f'crash_static{{row="{row}"}} {group}\n' for row in range(ROWS_PER_STATIC_GROUP))
        connection.request("PUT", f"/metrics/job/crash_static/group/{group}", body=rows.encode())
        reply = connection.getresponse()
        assert reply.status == 200, reply.read()
        reply.read()
    connection.close()
    assert gate.stop() == 0


def check_static_groups(samples, problems):
    held = {}
    for (name, label_pairs), sample_value in samples.items():
        if name == "crash_static":
            labels = dict(label_pairs)
            held.setdefault(int(labels["group"]), set()).add((labels["row"], sample_value))
    expected = {group: {(str(row), group) for row in range(ROWS_PER_STATIC_GROUP)}
                for group in range(STATIC_GROUPS)}
    if held != expected:
        wrong = [group for group in expected if held.get(group) != expected[group]]
        problems.append(f"{len(wrong)} static groups differ from what was pushed, e.g. "
                        f"{[(group, held.get(group)) for group in wrong[:3]]}")


def wait_for_compaction(gate):
    """Returns as soon as a compaction's temporary snapshot file shows up (or
    after two compaction intervals, the kill then lands wherever it lands)."""
    known = set(leftover_temporary_files(gate))
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline and set(leftover_temporary_files(gate)) <= known:
        pass


def leftover_temporary_files(gate):
    """Files in the snapshot's folder besides the snapshot, the log folder and
    the lock file: temporary snapshots of compactions a kill interrupted."""
    return [path.name for path in gate.folder.iterdir()
            if path.name not in (gate.store.name, gate.wal_folder.name, gate.store.name + ".lock")]


def totals(pushers):
    return sum(pusher.acknowledged_pushes for pusher in pushers)


def push_until_killed(gate, server, pushers, rng):
    """The pushers push until flowgate is killed, at a random moment or, now
    and then, the moment a compaction starts writing its snapshot; a few cycles
    end with a graceful stop instead (pushes answered meanwhile must be kept
    too). Returns how the cycle ended."""
    stop = threading.Event()
    threads = [threading.Thread(target=pusher.run, args=(server.port, stop)) for pusher in pushers]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(*KILL_DELAY_SECONDS))
    ending = rng.choices(["graceful", "hunted", "kill"],
                         [GRACEFUL_STOPS, HUNTED_KILLS, 1 - GRACEFUL_STOPS - HUNTED_KILLS])[0]
    if ending == "graceful":
        assert gate.stop() == 0, gate.logs[-1]
    else:
        if ending == "hunted":
            wait_for_compaction(gate)
        gate.kill()
    stop.set()
    for thread in threads:
        thread.join()
    return ending


def kills(endings):
    return endings["kill"] + endings["hunted"]


def test_no_acknowledged_push_is_lost_across_kill_9(gate, seed, tmp_path, capsys):
    rng = random.Random(seed)
    push_static_groups(gate)
    gate.flags = FLAGS
    pushers = [Pusher(index, seed) for index in range(PUSHERS)]
    aggregators = [Aggregator(index) for index in range(AGGREGATORS)]
    files_before_restart = tmp_path / "files-before-last-restart"
    temporary_files = set()  # one per kill that interrupted a compaction
    endings = collections.Counter()
    while True:
        server = gate.start()
        lost, problems = check_store(gate, server, pushers, aggregators)
        unexpected = [answer for pusher in pushers + aggregators for answer in pusher.unexpected]
        assert not (lost or problems or unexpected), (
            f"seed {seed}, after {dict(endings)} cycles, {totals(pushers)} acknowledged pushes: "
            f"{len(lost)} lost {lost[:8]}, other problems {problems[:8]}, unexpected answers "
            f"{unexpected[:8]}; the files before that restart are in {files_before_restart}; the "
            f"log of that restart:\n{gate.log()}")
        if kills(endings) == CYCLES:
            break
        endings[push_until_killed(gate, server, pushers + aggregators, rng)] += 1
        if rng.random() < KILLS_WHILE_STARTING:
            gate.kill_while_starting(rng.uniform(0.0, 0.05))
            endings["while starting"] += 1
        temporary_files |= set(leftover_temporary_files(gate))
        shutil.rmtree(files_before_restart, ignore_errors=True)
        shutil.copytree(gate.folder, files_before_restart)
    assert gate.stop() == 0
    lost, problems = check_store(gate, gate.start(), pushers, aggregators)  # and after a clean stop
    assert not (lost or problems), f"seed {seed}, after SIGTERM: lost {lost}, other problems {problems}"
    assert gate.stop() == 0
    cuts = collections.Counter(line.get("reason") for log in gate.logs
                               for line in store_view.log_records(log, "write-ahead log tail cut"))
    with capsys.disabled():
        print(f"\ncrash test (seed {seed}): {kills(endings)} kill -9 cycles ({endings['hunted']} aimed "
              f"at a compaction; {len(temporary_files)} kills hit one), "
              f"{endings['graceful']} SIGTERM cycles, {endings['while starting']} more kills during "
              f"recovery; {totals(pushers)} acknowledged pushes (DELETEs included), 0 lost; "
              f"{totals(aggregators)} acknowledged aggregating pushes, sums exact; "
              f"temporary snapshot files left after the last restart: "
              f"{len(leftover_temporary_files(gate))}; torn tails cut at restarts: {dict(cuts)}")
    assert totals(pushers) > CYCLES  # the pushers really pushed between the kills
