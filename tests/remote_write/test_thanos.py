"""flowgate as a sidecar remote-writing into a real distributed TSDB: a Thanos
Receive hashring of 3 receivers with replication factor 2 and a Thanos Query
in front (Thanos v0.42.5 from the peers cache). While pushes go on, the
receiver flowgate writes to is killed with SIGKILL and started again on its
data (with replication factor 2 a write needs one replica, so killing
another receiver would not be felt by the sender: the hashring copes
alone; killing this one, flowgate must keep what it could not send). Afterwards
every job's latest pushed value, and the set of values it pushed (one per
push), read back through Thanos Query's HTTP API, equal what flowgate
acknowledged: writes refused while the hashring lacked a replica were
retried from the write-ahead log until they landed."""
import json
import pathlib
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(TESTS / "support" / "peers"))
import go_peers  # noqa: E402
import servers  # noqa: E402

JOBS = 8
PUSHES_PER_JOB = 24


class Hashring:
    def __init__(self, work_dir, binary, count=3):
        self.work_dir, self.binary, self.count = work_dir, binary, count
        self.ports = [{kind: servers.free_port() for kind in ("grpc", "http", "write", "capnp")} for _ in range(count)]
        endpoints = [f"127.0.0.1:{p['grpc']}" for p in self.ports]
        pathlib.Path(work_dir, "hashring.json").write_text(json.dumps([{"hashring": "default", "endpoints": endpoints}]))
        self.receivers = [None] * count

    def start(self, i):
        p = self.ports[i]
        self.receivers[i] = servers.ServerProcess(f"receive-{i}", [
            self.binary, "receive", f"--tsdb.path={self.work_dir}/receive-{i}",
            f"--grpc-address=127.0.0.1:{p['grpc']}", f"--http-address=127.0.0.1:{p['http']}",
            f"--remote-write.address=127.0.0.1:{p['write']}", f"--receive.capnproto-address=127.0.0.1:{p['capnp']}",
            "--receive.replication-factor=2", f"--receive.hashrings-file={self.work_dir}/hashring.json",
            f"--receive.local-endpoint=127.0.0.1:{p['grpc']}", f'--label=receive_replica="r{i}"',
            "--tsdb.retention=1d", "--log.level=warn"], p["http"]).start()

    def kill(self, i):
        self.receivers[i].process.send_signal(signal.SIGKILL)
        self.receivers[i].process.wait()

    def write_url(self, i):
        return f"http://127.0.0.1:{self.ports[i]['write']}/api/v1/receive"

    def stop(self):
        for receiver in self.receivers:
            if receiver:
                receiver.stop()


def query(base_url, expression):
    arguments = urllib.parse.urlencode({"query": expression, "dedup": "true"})
    with urllib.request.urlopen(f"{base_url}/api/v1/query?{arguments}", timeout=20) as response:
        return json.load(response)["data"]["result"]


def pushed_values(base_url):
    """{job: set of values} of push_seq over the last hour, through Thanos Query."""
    result = query(base_url, 'push_seq{cluster="eu-1"}[1h]')
    found = {}
    for series in result:
        found.setdefault(series["metric"]["job"], set()).update(value for _, value in series["values"])
    return found


def latest_values(base_url):
    return {s["metric"]["job"]: s["value"][1] for s in query(base_url, 'push_seq{cluster="eu-1"}')}


def test_every_acknowledged_push_lands_in_a_thanos_hashring_that_loses_a_receiver():
    binary = str(go_peers.ensure(go_peers.PEERS["thanos"]))
    with tempfile.TemporaryDirectory() as work_dir:
        ring = Hashring(work_dir, binary)
        query_ports = (servers.free_port(), servers.free_port())
        thanos_query = None
        try:
            for i in range(ring.count):
                ring.start(i)
            thanos_query = servers.ServerProcess("query", [
                binary, "query", f"--http-address=127.0.0.1:{query_ports[0]}",
                f"--grpc-address=127.0.0.1:{query_ports[1]}", "--query.replica-label=receive_replica",
                "--log.level=warn", *[f"--endpoint=127.0.0.1:{p['grpc']}" for p in ring.ports]],
                query_ports[0]).start()
            query_url = f"http://127.0.0.1:{query_ports[0]}"
            config = pathlib.Path(work_dir, "remote-write.yml")
            config.write_text(f"""global:
  external_labels:
    cluster: eu-1
remote_write:
  - url: {ring.write_url(0)}
    name: thanos
    headers:
      THANOS-TENANT: marketing
    queue_config:
      min_backoff: 100ms
      max_backoff: 1s
""")
            flags = [f"--persistence.file={work_dir}/flowgate.db", f"--remote-write.config-file={config}",
                     "--remote-write.interval=2s"]
            with servers.flowgate(flags) as gateway:
                acknowledged = run_load_killing_a_receiver(gateway, ring)
                expected_sets = {job: {str(v) for v in values} for job, values in acknowledged.items()}
                try:
                    servers.wait_for("every acknowledged push in Thanos Query",
                                     lambda: pushed_values(query_url) == expected_sets, seconds=60)
                except AssertionError:
                    found = pushed_values(query_url)
                    missing = {job: sorted(expected_sets[job] - found.get(job, set()), key=int) for job in expected_sets}
                    with urllib.request.urlopen(f"{gateway.url}/metrics", timeout=10) as response:
                        remote = [line for line in response.read().decode().splitlines()
                                  if "remote_" in line and not line.startswith("#")]
                    raise AssertionError(f"missing per job: {missing}\n" + "\n".join(remote) + "\n" + gateway.output())
                latest = {job: str(max(values)) for job, values in acknowledged.items()}
                assert latest_values(query_url) == latest
                # The kill was felt: writes were refused and sent again.
                retried = metric(gateway, "prometheus_remote_storage_samples_retried_total")
                assert retried > 0, gateway.output()
                assert 'msg="remote write failing"' in gateway.output()
                assert metric(gateway, "prometheus_remote_storage_samples_failed_total") == 0
                print(f"Thanos hashring (3 receivers, RF 2, the one written to killed and restarted): "
                      f"{sum(len(v) for v in acknowledged.values())} pushes acknowledged, "
                      f"{sum(len(v) for v in pushed_values(query_url).values())} read back, "
                      f"{retried:.0f} samples retried")
        finally:
            if thanos_query:
                thanos_query.stop()
            ring.stop()


def metric(gateway, name):
    with urllib.request.urlopen(f"{gateway.url}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not served")


def run_load_killing_a_receiver(gateway, ring):
    """Pushes push_seq=1..N per job; receiver 0 (flowgate's) is killed a third of the way in and started again at
    two thirds.
    Returns {job: [values acknowledged]}."""
    acknowledged = {f"job-{j}": [] for j in range(JOBS)}
    total = JOBS * PUSHES_PER_JOB
    done = 0
    for sequence in range(1, PUSHES_PER_JOB + 1):
        for j in range(JOBS):
            body = f"# TYPE push_seq gauge\npush_seq {sequence}\n".encode()
            request = urllib.request.Request(f"{gateway.url}/metrics/job/job-{j}", data=body, method="PUT")
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    acknowledged[f"job-{j}"].append(sequence)
            done += 1
            if done == total // 3:
                ring.kill(0)
            if done == 2 * total // 3:
                time.sleep(2)  # pushes keep arriving in the log while the receiver is away
                ring.start(0)
        time.sleep(0.1)
    return acknowledged
