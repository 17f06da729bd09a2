"""The gateway topologies of docs/scale-out.md on loopback, with real parts:
flowgate, Thanos Receive and Thanos Query (v0.42.5, peers cache), Debian's
Prometheus 2.42 and Debian's nginx.

HA pair: two flowgates receive every push (the client pushes to both) and
both remote-write, each with its own `replica` label; Thanos Query
deduplicates on it. One of the pair is killed mid-load: every job still reads
as one series holding every pushed value.

Sharded gateways: flowgates behind nginx `hash $job consistent`; a job's
pushes always land on one node. A node is added: some jobs move, and the old
owner's series of a moved job end within --push.group-ttl (its group
expires and staleness markers end the series), after which a query shows
only the new owner's value."""
import json
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(TESTS / "support" / "peers"))
import go_peers  # noqa: E402
import servers  # noqa: E402


def instant(base_url, expression, dedup=True):
    arguments = urllib.parse.urlencode({"query": expression, "dedup": "true" if dedup else "false"})
    with urllib.request.urlopen(f"{base_url}/api/v1/query?{arguments}", timeout=20) as response:
        return json.load(response)["data"]["result"]


def put(url, body):
    request = urllib.request.Request(url, data=body.encode(), method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError):
        return None


def remote_write_config(work_dir, name, url, replica=None, gateway=None):
    """An HA replica labels its series with `replica` (write_relabel_configs, per destination); a shard with
    `gateway` (external label): two shards must never write one series, or the receiver refuses the
    older samples of the one behind as out of order."""
    relabel = (f"    write_relabel_configs:\n      - target_label: replica\n        replacement: {replica}\n"
               if replica else "")
    shard = f"    gateway: {gateway}\n" if gateway else ""
    path = pathlib.Path(work_dir, f"{name}.yml")
    path.write_text(f"""global:
  external_labels:
    cluster: eu-1
{shard}remote_write:
  - url: {url}
    name: {name}
    queue_config:
      min_backoff: 50ms
      max_backoff: 500ms
{relabel}""")
    return path


def start_thanos(binary, work_dir):
    """One receiver and a Query deduplicating on `replica`; returns (receiver, query, write URL, query URL)."""
    grpc, http_port, write, capnp = (servers.free_port() for _ in range(4))
    receiver = servers.ServerProcess("receive", [
        binary, "receive", f"--tsdb.path={work_dir}/receive", f"--grpc-address=127.0.0.1:{grpc}",
        f"--http-address=127.0.0.1:{http_port}", f"--remote-write.address=127.0.0.1:{write}",
        f"--receive.capnproto-address=127.0.0.1:{capnp}", '--label=receive_replica="r0"', "--log.level=warn"],
        http_port).start()
    query_http, query_grpc = servers.free_port(), servers.free_port()
    query = servers.ServerProcess("query", [
        binary, "query", f"--http-address=127.0.0.1:{query_http}", f"--grpc-address=127.0.0.1:{query_grpc}",
        "--query.replica-label=replica", "--query.replica-label=receive_replica", "--log.level=warn",
        f"--endpoint=127.0.0.1:{grpc}"], query_http).start()
    return receiver, query, f"http://127.0.0.1:{write}/api/v1/receive", f"http://127.0.0.1:{query_http}"


def test_ha_pair_keeps_every_value_as_one_series_when_one_gateway_dies():
    binary = str(go_peers.ensure(go_peers.PEERS["thanos"]))
    with tempfile.TemporaryDirectory() as work_dir:
        receiver, query, write_url, query_url = start_thanos(binary, work_dir)
        pair = []
        try:
            for name in ("a", "b"):
                config = remote_write_config(work_dir, f"gateway-{name}", write_url, replica=f"flowgate-{name}")
                pair.append(servers.flowgate([f"--persistence.file={work_dir}/{name}.db",
                                              f"--remote-write.config-file={config}", "--remote-write.interval=1s"]))
            pushes = 30
            for sequence in range(1, pushes + 1):
                for gateway in pair:
                    if gateway.running():
                        assert put(f"{gateway.url}/metrics/job/campaign", f"emails_sent {sequence}\n") == 200
                if sequence == pushes // 2:
                    pair[1].process.send_signal(signal.SIGKILL)
                    pair[1].process.wait()
                time.sleep(0.1)

            def one_series_with_every_value():
                result = instant(query_url, 'emails_sent{job="campaign"}[1h]')
                values = {value for series in result for _, value in series["values"]}
                return len(result) == 1 and values == {str(v) for v in range(1, pushes + 1)}
            servers.wait_for("one deduplicated series with every value", one_series_with_every_value, seconds=60)
            [latest] = instant(query_url, 'emails_sent{job="campaign"}')
            assert latest["value"][1] == str(pushes)
            assert "replica" not in latest["metric"]
            # Without deduplication both replicas are there: the pair really wrote twice.
            assert len(instant(query_url, 'emails_sent{job="campaign"}', dedup=False)) == 2
        finally:
            for gateway in pair:
                gateway.stop()
            query.stop()
            receiver.stop()


def write_nginx_config(work_dir, port, gateways):
    servers_block = "\n".join(f"    server {g.host};" for g in gateways)
    return servers.nginx_config(work_dir, "nginx", f"""  map $uri $job {{
    ~^/metrics/job/(?<name>[^/]+) $name;
    default "";
  }}
  upstream gateways {{
    hash $job consistent;
{servers_block}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://gateways;
    }}
  }}""")


def nginx_workers(master_pid):
    """The pids of the nginx master's worker processes."""
    found = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def owners(gateways, jobs):
    """{job: index of the gateway holding its group}, every job on exactly one."""
    found = {}
    for index, gateway in enumerate(gateways):
        with urllib.request.urlopen(f"{gateway.url}/api/v1/metrics", timeout=10) as response:
            for group in json.load(response)["data"]:
                job = group["labels"]["job"]
                if job in jobs:
                    assert job not in found, f"{job} on two gateways"
                    found[job] = index
    return found


def test_sharded_gateways_keep_a_job_on_one_node_and_a_moved_job_ends_on_its_old_owner():
    ttl_seconds = 4
    with tempfile.TemporaryDirectory() as work_dir, servers.prometheus(
            None, work_dir, flags=["--web.enable-remote-write-receiver"]) as prometheus:
        gateways = []
        nginx = None
        port = servers.free_port()
        try:
            def add_gateway(index):
                config = remote_write_config(work_dir, f"shard-{index}", f"{prometheus.url}/api/v1/write",
                                             gateway=f"shard-{index}")
                gateways.append(servers.flowgate([
                    f"--persistence.file={work_dir}/shard-{index}.db", f"--remote-write.config-file={config}",
                    "--remote-write.interval=1s", f"--push.group-ttl={ttl_seconds}s"]))
            for index in range(2):
                add_gateway(index)
            config = write_nginx_config(work_dir, port, gateways)
            nginx = subprocess.Popen(["nginx", "-c", str(config), "-p", work_dir], stderr=subprocess.PIPE)
            servers.wait_for("nginx", lambda: put(f"http://127.0.0.1:{port}/metrics/job/probe", "probe 1\n") == 200)
            jobs = [f"scraper-{n}" for n in range(48)]  # a new node takes a third: none moving is (2/3)^48
            for round_number in range(3):  # the same job always lands on the same node
                for job in jobs:
                    assert put(f"http://127.0.0.1:{port}/metrics/job/{job}", f"pages {round_number}\n") == 200
                before = owners(gateways, jobs)
                assert len(before) == len(jobs)
            assert set(before.values()) == {0, 1}, before  # both nodes own some jobs
            add_gateway(2)
            write_nginx_config(work_dir, port, gateways)
            old_workers = nginx_workers(nginx.pid)
            subprocess.run(["nginx", "-c", str(config), "-p", work_dir, "-s", "reload"], check=True)
            # A reload returns before the master has started workers on the new config and retired
            # the old ones; until then a push can still land on the old ring.
            servers.wait_for("nginx's workers on the new config",
                             lambda: nginx_workers(nginx.pid) and not nginx_workers(nginx.pid) & old_workers,
                             seconds=20)
            for job in jobs:
                assert put(f"http://127.0.0.1:{port}/metrics/job/{job}", "pages 100\n") == 200
            moved = [job for job in jobs if job in {j for j, i in owners(gateways[2:], jobs).items()}]
            assert moved, "adding a node moved no job"
            assert all(before[job] in (0, 1) for job in moved)
            # Until the old owner's group expires, a moved job reads as two series (old and new owner); after
            # --push.group-ttl and one expiry tick, only the new value remains.
            servers.wait_for("a moved job as two series, one per owner", lambda: len(
                instant(prometheus.url, f'pages{{job="{moved[0]}"}}')) == 2, seconds=10)
            def only_new_values():
                # The moved jobs go on pushing, as live tasks do, so only the old owner's copy expires; the
                # new owner's would too after the same TTL, and the test would race the two expiries.
                for job in moved:
                    assert put(f"http://127.0.0.1:{port}/metrics/job/{job}", "pages 100\n") == 200
                for job in moved:
                    result = instant(prometheus.url, f'pages{{job="{job}"}}')
                    if [(s["metric"]["gateway"], s["value"][1]) for s in result] != [("shard-2", "100")]:
                        return False
                return True
            servers.wait_for("moved jobs to show only the new owner's value", only_new_values,
                             seconds=ttl_seconds + 15)
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait()
            for gateway in gateways:
                gateway.stop()
