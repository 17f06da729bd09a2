"""The flowgate binary with --remote-write.config-file, writing into a real
Prometheus 2.42 receiver (--web.enable-remote-write-receiver): pushes arrive
at their push time with their grouping labels and the external labels,
rounds carry all of /metrics, DELETE ends series with staleness markers, a
receiver outage is buffered in the write-ahead log and delivered afterwards
(also across kill -9 of flowgate), the backlog bound drops the oldest and
says so once, SIGHUP reloads, and a bad config stops the start naming it."""
import contextlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import servers  # noqa: E402
from failing_receiver import failing_receiver  # noqa: E402


class Receiver:
    """Prometheus 2.42 taking remote writes on a fixed port, stoppable and restartable on its data."""

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.port = servers.free_port()
        self.server = None
        pathlib.Path(work_dir, "prometheus.yml").write_text("global:\n  scrape_interval: 15s\n")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.server = servers.ServerProcess("prometheus", [
            servers.PROMETHEUS_BINARY, f"--config.file={self.work_dir}/prometheus.yml",
            f"--storage.tsdb.path={self.work_dir}/tsdb", f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-remote-write-receiver"], self.port).start()

    def stop(self):
        self.server.stop()

    def samples(self, selector, window="1h"):
        """{labels without __name__: [(timestamp_seconds, value), ...]} of every series `selector` matches."""
        arguments = urllib.parse.urlencode({"query": f"{selector}[{window}]"})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{arguments}", timeout=10) as response:
            result = json.load(response)["data"]["result"]
        return {tuple(sorted((k, v) for k, v in s["metric"].items() if k != "__name__")):
                [(float(t), v) for t, v in s["values"]] for s in result}

    def instant(self, query):
        arguments = urllib.parse.urlencode({"query": query})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{arguments}", timeout=10) as response:
            return json.load(response)["data"]["result"]


def config(receiver, cluster="eu-1", extra=""):
    return f"""global:
  external_labels:
    cluster: {cluster}
remote_write:
  - url: {receiver.url}/api/v1/write
    name: prometheus
    queue_config:
      min_backoff: 50ms
      max_backoff: 200ms
{extra}"""


@contextlib.contextmanager
def setup(flags=(), extra_config=""):
    with tempfile.TemporaryDirectory() as work_dir:
        receiver = Receiver(work_dir)
        receiver.start()
        config_file = pathlib.Path(work_dir, "remote-write.yml")
        config_file.write_text(config(receiver, extra=extra_config))
        all_flags = [f"--persistence.file={work_dir}/flowgate.db", f"--remote-write.config-file={config_file}",
                     "--remote-write.interval=1s", *flags]
        try:
            yield receiver, all_flags, config_file
        finally:
            receiver.stop()


def push(gateway, path, body, method="PUT"):
    request = urllib.request.Request(f"{gateway.url}/metrics/{path}", data=body.encode(), method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def flowgate_metric(gateway, name):
    with urllib.request.urlopen(f"{gateway.url}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
    return None


def push_times(gateway):
    """{job: push_time_seconds} of every group, from the JSON API."""
    with urllib.request.urlopen(f"{gateway.url}/api/v1/metrics", timeout=10) as response:
        groups = json.load(response)["data"]
    return {g["labels"]["job"]: float(g["push_time_seconds"]["metrics"][0]["value"]) for g in groups}


def test_a_push_arrives_at_its_push_time_with_its_grouping_and_external_labels():
    with setup() as (receiver, flags, _), servers.flowgate(flags) as gateway:
        push(gateway, "job/scraper/instance/task-1", "# TYPE pages_total counter\npages_total{site=\"a\"} 17\n")
        pushed_at = push_times(gateway)["scraper"]
        key = (("cluster", "eu-1"), ("instance", "task-1"), ("job", "scraper"), ("site", "a"))
        servers.wait_for("the push in Prometheus", lambda: key in receiver.samples("pages_total"), seconds=20)
        first_time, first_value = receiver.samples("pages_total")[key][0]
        assert (round(first_time, 3), first_value) == (round(pushed_at, 3), "17")
        # Rounds: flowgate's own metrics too, every --remote-write.interval, one time per round.
        servers.wait_for("two rounds", lambda: len(receiver.samples("flowgate_build_info").get(
            next(iter(receiver.samples("flowgate_build_info")), ()), [])) >= 2, seconds=20)
        [labels] = receiver.samples("flowgate_build_info")
        assert ("cluster", "eu-1") in labels


def threads_by_name(pid):
    """{thread name: [(scheduling policy, nice value), ...]} of the process's threads."""
    named = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        named.setdefault(name, []).append((os.sched_getscheduler(int(task.name)), int(fields[16])))
    return named


def test_each_destination_sends_from_its_own_sched_idle_thread_and_pushes_keep_their_priority():
    # A slow or dead receiver, or a backlog being caught up, takes only the CPU pushes leave.
    with setup() as (_, flags, _config), servers.flowgate(flags) as gateway:
        push(gateway, "job/scraper", "pages_total 1\n")
        process = (os.sched_getscheduler(gateway.process.pid), os.getpriority(os.PRIO_PROCESS, gateway.process.pid))
        assert process[0] == os.SCHED_OTHER
        named = threads_by_name(gateway.process.pid)
        # The queue's own thread and the ones it starts (Asio's resolver) inherit the policy.
        assert {policy for policy, _ in named.pop("remote-write")} == {os.SCHED_IDLE}
        assert named and all(thread == process for values in named.values() for thread in values), named


def test_delete_ends_the_groups_series_with_staleness_markers():
    with setup() as (receiver, flags, _), servers.flowgate(flags) as gateway:
        push(gateway, "job/etl", "rows_loaded 42\n")
        servers.wait_for("the push", lambda: receiver.instant('rows_loaded{job="etl"}'), seconds=20)
        request = urllib.request.Request(f"{gateway.url}/metrics/job/etl", method="DELETE")
        assert urllib.request.urlopen(request, timeout=10).status == 202
        # Without a marker the last value would answer for 5 minutes (the lookback).
        servers.wait_for("the series to end", lambda: not receiver.instant('rows_loaded{job="etl"}'), seconds=20)


def test_pushes_during_an_outage_arrive_afterwards_even_across_kill_9():
    with setup() as (receiver, flags, _):
        gateway = servers.flowgate(flags)
        try:
            push(gateway, "job/warmup", "up_before 1\n")
            servers.wait_for("the warm-up push", lambda: receiver.instant("up_before"), seconds=20)
            receiver.stop()
            for value in range(1, 6):
                push(gateway, f"job/campaign-{value}", f"emails_sent {value * 100}\n")
            pushed = push_times(gateway)
            servers.wait_for("the queue to say it fails",
                             lambda: flowgate_metric(gateway, "flowgate_remote_write_failing") == 1, seconds=20)
            gateway.process.send_signal(signal.SIGKILL)
            gateway.process.wait()
        finally:
            gateway.stop()
        receiver.start()
        with servers.flowgate(flags) as restarted:
            def arrived():
                found = receiver.samples("emails_sent")
                return {dict(k)["job"]: v[0] for k, v in found.items()}
            servers.wait_for("every acknowledged push", lambda: len(arrived()) == 5, seconds=30)
            for job, (timestamp, value) in arrived().items():
                number = int(job.split("-")[1])
                assert value == str(number * 100)
                assert round(timestamp, 3) == round(pushed[job], 3)
            assert flowgate_metric(restarted, "flowgate_remote_write_failing") == 0


def test_a_backlog_over_its_bound_drops_the_oldest_and_says_so_once():
    body = "".join(f'filler{{n="{n}"}} {n}\n' for n in range(2000))
    bound = 256 * 1024
    with setup(["--remote-write.max-backlog-bytes=256KiB", "--persistence.interval=1s"]) as (receiver, flags, _):
        receiver.stop()
        with servers.flowgate(flags) as gateway:
            for round_number in range(8):
                push(gateway, f"job/bulk-{round_number}", body)
                time.sleep(1.2)  # a compaction between pushes: one log segment each
            servers.wait_for("dropped bytes", lambda: (flowgate_metric(
                gateway, "flowgate_remote_write_backlog_dropped_bytes_total") or 0) > 0, seconds=20)
            segments = sorted(pathlib.Path(flags[0].split("=", 1)[1] + ".wal").glob("*.log"))
            largest = max(path.stat().st_size for path in segments)
            # Whole segments are skipped, never the one being written: the bound holds to one segment.
            servers.wait_for("the backlog back under its bound", lambda: flowgate_metric(
                gateway, "flowgate_remote_write_backlog_bytes") <= bound + largest, seconds=20)
            assert sum(path.stat().st_size for path in segments) <= bound + 2 * largest
            gateway.stop()
            log = gateway.output()
        assert log.count('msg="remote write failing"') == 1, log
        assert "remote write dropped pushes unsent" in log
        assert "--remote-write.max-backlog-bytes" in log
        receiver.start()


def test_sighup_reloads_the_destinations_without_losing_pushes():
    with setup() as (receiver, flags, config_file), servers.flowgate(flags) as gateway:
        push(gateway, "job/first", "value_a 1\n")
        servers.wait_for("the first push", lambda: receiver.instant('value_a{cluster="eu-1"}'), seconds=20)
        config_file.write_text(config(receiver, cluster="eu-2"))
        gateway.process.send_signal(signal.SIGHUP)
        servers.wait_for("the reload", lambda: "remote write config reloaded" in gateway.output(), seconds=10)
        push(gateway, "job/second", "value_b 2\n")
        servers.wait_for("the second push with the new label",
                         lambda: receiver.instant('value_b{cluster="eu-2"}'), seconds=20)


def test_a_bad_config_stops_the_start_naming_the_line_and_key():
    with tempfile.TemporaryDirectory() as work_dir:
        config_file = pathlib.Path(work_dir, "rw.yml")
        config_file.write_text("remote_write:\n  - url: http://127.0.0.1:1/api/v1/write\n    queue_config:\n"
                               "      max_shard: 3\n")
        done = subprocess.run([servers.flowgate_binary(), f"--persistence.file={work_dir}/f.db",
                               f"--remote-write.config-file={config_file}", "--web.listen-address=127.0.0.1:0"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode != 0
        assert "line 4: remote_write[0].queue_config.max_shard: field max_shard not found" in done.stderr, done.stderr
        config_file.write_text("remote_write:\n  - url: http://127.0.0.1:1/api/v1/write\n")
        memory_only = subprocess.run([servers.flowgate_binary(), "--persistence.file=",
                                      f"--remote-write.config-file={config_file}",
                                      "--web.listen-address=127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        assert memory_only.returncode != 0
        assert "--remote-write.config-file needs --persistence.file" in memory_only.stderr, memory_only.stderr


FAULTS = {
    # path on the failing receiver (or a URL of its own): the log line of the episode and the counter that grows
    "400": ("/status/400", 'msg="remote write batch refused by the receiver"', "prometheus_remote_storage_samples_failed_total"),
    "404": ("/status/404", 'msg="remote write batch refused by the receiver"', "prometheus_remote_storage_samples_failed_total"),
    "413": ("/status/413", 'msg="remote write batch refused by the receiver"', "prometheus_remote_storage_samples_failed_total"),
    "301": ("/redirect/301", 'msg="remote write batch refused by the receiver"', "prometheus_remote_storage_samples_failed_total"),
    "429": ("/status/429", 'msg="remote write failing"', "prometheus_remote_storage_samples_retried_total"),
    "500": ("/status/500", 'msg="remote write failing"', "prometheus_remote_storage_samples_retried_total"),
    "503": ("/status/503", 'msg="remote write failing"', "prometheus_remote_storage_samples_retried_total"),
    "slow": ("/hang", 'msg="remote write failing"', "prometheus_remote_storage_samples_retried_total"),
    "down": ("http://127.0.0.1:{free}/api/v1/write", 'msg="remote write failing"',
             "prometheus_remote_storage_samples_retried_total"),
    "dns": ("http://flowgate-test.invalid/api/v1/write", 'msg="remote write failing"',
            "prometheus_remote_storage_samples_retried_total"),
    "tls": ("https://127.0.0.1:{receiver}/status/204", 'msg="remote write failing"',
            "prometheus_remote_storage_samples_retried_total"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_receiver_fault_is_counted_logged_once_and_leaves_pushes_alone(fault):
    path, episode_line, counter = FAULTS[fault]
    with failing_receiver() as receiver, tempfile.TemporaryDirectory() as work_dir:
        url = path.format(free=servers.free_port(), receiver=receiver.server_address[1])
        url = url if url.startswith("http") else receiver.url + url
        config = pathlib.Path(work_dir, "rw.yml")
        config.write_text(f"remote_write:\n  - url: {url}\n    name: faulty\n    remote_timeout: 1s\n"
                          "    queue_config:\n      min_backoff: 20ms\n      max_backoff: 100ms\n")
        flags = [f"--persistence.file={work_dir}/f.db", f"--remote-write.config-file={config}",
                 "--remote-write.interval=500ms"]
        with servers.flowgate(flags) as gateway:
            for number in range(20):  # pushes are answered as usual
                push(gateway, f"job/task-{number}", f"rows {number}\n")
            servers.wait_for(f"{counter} to grow", lambda: (flowgate_metric(gateway, counter) or 0) > 0, seconds=20)
            time.sleep(1)  # more attempts, rounds and pushes of the same episode
            push(gateway, "job/late", "rows 99\n")
            assert gateway.output().count(episode_line) == 1, gateway.output()
            if "refused" in episode_line:
                assert flowgate_metric(gateway, "prometheus_remote_storage_samples_retried_total") == 0
            else:
                assert flowgate_metric(gateway, "flowgate_remote_write_failing") == 1
                assert flowgate_metric(gateway, "prometheus_remote_storage_samples_failed_total") == 0
