"""Aggregating pushes add up exactly, from every kind of client (issue 20).

Concurrent workers run the real clients of tests/clients/ -- Python's
prometheus_client, client_golang, prometheus-cpp -- and the system curl, each
push one random whole increment V to one of a few groups through the gateway
URL ending in /aggregate: a counter <kind>_push_events_total += V, a histogram
or summary <kind>_push_duration_seconds with one observation V, and a gauge
<kind>_push_gauge = V (rule `last`). The final scrape must hold exactly the
sums of every push, per group and client kind.

Then again while flowgate is killed with SIGKILL in the middle and restarted
on the same --persistence.file and port: every push carries an idempotency key
(the Idempotency-Key header where the client can set headers -- Python through
its handler, Go through Pusher.Header, curl -- or the `idempotency_key`
grouping label, always for prometheus-cpp) and a client whose push failed
sends it again with the same key until it is answered. Sums exact: a push
applied before the kill whose reply was lost is not counted twice, and none
is lost.

Each test prints one summary line: pushes, kills, retries, mismatches (0).
FLOWGATE_AGGREGATION_PUSHES (default 400) and FLOWGATE_AGGREGATION_KILLS
(default 8) make a bigger run; FLOWGATE_DURABILITY_SEED replays the choices
(not the timing)."""
import concurrent.futures
import dataclasses
import os
import random
import subprocess
import threading
import time

import push_clients
import store_view

PUSHES = int(os.environ.get("FLOWGATE_AGGREGATION_PUSHES", "400"))
KILLS = int(os.environ.get("FLOWGATE_AGGREGATION_KILLS", "8"))
WORKERS = 8
GROUPS = 4
JOB = "aggregation_property"
KINDS = ("python", "go", "cpp", "curl")
BOUNDS = (0.5, 1.0, 5.0)  # the histogram bounds of the Go, C++ and curl pushers
RETRY_GIVE_UP_SECONDS = 60  # a push that fails this long is a failure, not a kill


@dataclasses.dataclass
class Push:
    kind: str
    group: str
    increment: int
    method: str  # PUT or POST; both add under /aggregate
    key: str
    key_in_label: bool  # the idempotency_key grouping label instead of the header
    attempts: int = 0


def plan(rng, count, run):
    """`count` pushes of random kinds, groups, increments and key forms."""
    pushes = []
    for number in range(count):
        kind = rng.choice(KINDS)
        pushes.append(Push(kind=kind, group=f"g{rng.randrange(GROUPS)}", increment=rng.randint(1, 10),
                           method=rng.choice(["PUT", "POST"]), key=f"{run}-{number}",
                           key_in_label=kind == "cpp" or rng.random() < 0.5))
    return pushes


def curl_body(increment):
    buckets = "".join(f'curl_push_duration_seconds_bucket{{le="{bound}"}} {int(increment <= bound)}\n'
                      for bound in BOUNDS)
    return (f"# TYPE curl_push_events_total counter\ncurl_push_events_total {increment}\n"
            f"# TYPE curl_push_gauge gauge\ncurl_push_gauge {increment}\n"
            f"# TYPE curl_push_duration_seconds histogram\n{buckets}"
            f'curl_push_duration_seconds_bucket{{le="+Inf"}} 1\n'
            f"curl_push_duration_seconds_sum {increment}\ncurl_push_duration_seconds_count 1\n")


def send_with_curl(gateway, push):
    """(answered 2xx, what happened)"""
    path = f"{gateway}/metrics/job/{JOB}/group/{push.group}"
    headers = ["-H", "Content-Type: text/plain; version=0.0.4"]
    if push.key_in_label:
        path += f"/idempotency_key/{push.key}"
    else:
        headers += ["-H", f"Idempotency-Key: {push.key}"]
    done = subprocess.run(["curl", "-sS", "--max-time", "30", "-X", push.method, *headers,
                           "--data-binary", "@-", "-o", "/dev/stderr", "-w", "%{http_code}", path],
                          input=curl_body(push.increment), capture_output=True, text=True, timeout=60)
    return done.returncode == 0 and done.stdout.startswith("2"), f"curl {done.returncode} {done.stdout} {done.stderr}"


def send_with_client(gateway, push):
    grouping = {"group": push.group}
    extra = []
    if push.key_in_label:
        grouping["idempotency_key"] = push.key
    else:
        extra = ["--header", f"Idempotency-Key: {push.key}"]
    done = push_clients.run(push.kind, gateway, JOB, grouping=grouping, value=push.increment,
                            add=push.method == "POST", extra=extra)
    return done.returncode == 0, f"{push.kind} {done.returncode} {done.stdout} {done.stderr}"


def deliver(gateway, push):
    """Sends `push` until it is answered 2xx, with the same key each time."""
    send = send_with_curl if push.kind == "curl" else send_with_client
    deadline = time.monotonic() + RETRY_GIVE_UP_SECONDS
    while True:
        push.attempts += 1
        answered, detail = send(gateway, push)
        if answered:
            return
        assert time.monotonic() < deadline, f"push {push} still failing: {detail}"
        time.sleep(0.05)  # flowgate is being restarted


def expected_samples(pushes):
    """{(sample name, group, le or None): exact total} and {(gauge, group): values it may hold}."""
    totals, gauges = {}, {}

    def add(name, group, amount, le=None):
        totals[(name, group, le)] = totals.get((name, group, le), 0) + amount

    for push in pushes:
        prefix, v = f"{push.kind}_push", push.increment
        add(f"{prefix}_events_total", push.group, v)
        add(f"{prefix}_duration_seconds_sum", push.group, v)
        add(f"{prefix}_duration_seconds_count", push.group, 1)
        if push.kind != "python":  # Python's is a summary without quantiles
            for bound in (*BOUNDS, float("inf")):
                add(f"{prefix}_duration_seconds_bucket", push.group, int(v <= bound), bound)
        gauges.setdefault((f"{prefix}_gauge", push.group), set()).add(v)
    return totals, gauges


NOT_PUSHED = ("push_time_seconds", "push_failure_time_seconds", "flowgate_group_up",
              "flowgate_group_last_push_age_seconds")


def held_samples(server):
    """The same view of what flowgate serves: the pushers' series of JOB
    (Python's _created gauges, the push times and flowgate's per-group
    freshness gauges left out)."""
    totals, gauges = {}, {}
    for (name, label_pairs), value in store_view.scrape(server).items():
        labels = dict(label_pairs)
        if labels.get("job") != JOB or name.endswith("_created") or name in NOT_PUSHED:
            continue
        if name.endswith("_gauge"):
            gauges[(name, labels["group"])] = value
        else:
            le = float(labels["le"]) if "le" in labels else None
            totals[(name, labels["group"], le)] = value
    return totals, gauges


def mismatches(server, pushes):
    """Every series whose total differs from the sum of the pushes (or that
    should not be there), and every gauge holding a value no push sent."""
    expected, expected_gauges = expected_samples(pushes)
    held, held_gauges = held_samples(server)
    wrong = [(key, held.get(key), total) for key, total in expected.items() if held.get(key) != total]
    wrong += [(key, value, None) for key, value in held.items() if key not in expected]
    wrong += [(key, held_gauges.get(key), sorted(values)) for key, values in expected_gauges.items()
              if held_gauges.get(key) not in values]
    return wrong


def push_all(gateway, pushes, while_pushing=None):
    """Delivers every push from WORKERS threads; `while_pushing(done)` runs
    meanwhile, done() being the number of pushes answered so far."""
    answered = [0]
    lock = threading.Lock()

    def deliver_one(push):
        deliver(gateway, push)
        with lock:
            answered[0] += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(deliver_one, push) for push in pushes]
        if while_pushing is not None:
            while_pushing(lambda: answered[0])
        for future in futures:
            future.result()


def report(capsys, what, seed, pushes, kills, wrong):
    retries = sum(push.attempts - 1 for push in pushes)
    by_kind = {kind: sum(push.kind == kind for push in pushes) for kind in KINDS}
    with capsys.disabled():
        print(f"\naggregation property ({what}, seed {seed}): pushes={len(pushes)} {by_kind} kills={kills} "
              f"retries={retries} mismatches={len(wrong)}")
    return retries


def test_concurrent_aggregating_pushes_of_every_client_add_up_exactly(gate, seed, capsys):
    pushes = plan(random.Random(seed), PUSHES, "calm")
    server = gate.start()
    push_all(f"{server.url}/aggregate", pushes)
    wrong = mismatches(server, pushes)
    retries = report(capsys, "no kill", seed, pushes, 0, wrong)
    assert not wrong, f"{len(wrong)} series differ from the sums (series, held, expected): {wrong[:10]}"
    assert retries == 0, "no push may fail while flowgate runs"


def test_retried_aggregating_pushes_count_once_across_kill_9(gate, seed, capsys):
    rng = random.Random(seed)
    pushes = plan(rng, PUSHES, "killed")
    server = gate.start()
    port, kills = server.port, []

    def kill_and_restart(done):
        """Kill number i lands once about i/(KILLS+1) of the pushes are answered."""
        for number in range(1, KILLS + 1):
            while done() < number * len(pushes) // (KILLS + 1):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.1))
            gate.kill()
            kills.append(done())
            gate.start(port=port)

    push_all(f"{server.url}/aggregate", pushes, kill_and_restart)
    wrong = mismatches(gate.server, pushes)
    retries = report(capsys, f"kill -9 after {kills} answered pushes", seed, pushes, len(kills), wrong)
    assert len(kills) == KILLS
    assert not wrong, (f"{len(wrong)} series differ from the sums (series, held, expected): {wrong[:10]}; "
                       f"the log of the last restart:\n{gate.log()}")
    assert retries > 0, "no push was interrupted by a kill: the test proved nothing"
    assert gate.stop() == 0
    gate.start(port=port)
    assert not mismatches(gate.server, pushes), "the totals changed across a clean restart"
