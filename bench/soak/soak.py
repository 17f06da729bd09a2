"""A soak of flowgate under mixed normal and hostile clients (issue 15).

Normal clients keep pushing their own group (PUT of an increasing value,
behind basic auth) while hostile clients send everything the adversarial
tests send: oversized headers, lines with a hundred thousand labels, bad
protobuf names, native histograms claiming 2^32 buckets, smuggling framings,
invalid UTF-8 grouping keys, wrong passwords, bodies that never finish and
slowloris sockets. It measures the normal pushes' p99 while quiet and under
attack, samples the server's RSS, then kills flowgate with SIGKILL, restarts it
on the same files and checks that every acknowledged push is there.

    bench/soak/run [--seconds 600] [--quiet-seconds 60] [--flowgate BINARY]

Prints a table; exits 1 when a normal push failed, the server died, or an
acknowledged push was lost. The p99 ratio against the goal (<= 2x) is
printed, not asserted: it is a figure of a shared machine.
"""
import argparse
import base64
import json
import os
import random
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))

import protobuf_body  # noqa: E402
import servers  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402

USER, PASSWORD = "pusher", "soak password"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


# Attackers come from other loopback addresses than the normal pushers, as
# they would from other hosts: a per-client connection cap must not hit both.
HOSTILE_SOURCE = ("127.0.0.3", 0)
SLOW_SOURCE = ("127.0.0.2", 0)


def raw_exchange(port, data, timeout=10.0):
    """Sends bytes, returns the first status code (0: no answer) and closes."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                      source_address=HOSTILE_SOURCE) as sock:
            sock.sendall(data)
            head = sock.recv(64)
            parts = head.split(b" ", 2)
            return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except OSError:
        return 0


def request_bytes(method, path, body=b"", headers=b"", auth=True):
    auth_line = f"Authorization: {AUTH}\r\n".encode() if auth else b""
    return (f"{method} {path} HTTP/1.1\r\nHost: soak\r\nContent-Length: {len(body)}\r\n".encode() + auth_line +
            headers + b"\r\n" + body)


def zigzag(number):
    return (number << 1) ^ (number >> 63)


def huge_native_histogram():
    inner = protobuf_body._uint(1, 1) + protobuf_body._double(2, 1.0) + protobuf_body._uint(5, 0)
    for _ in range(50):
        inner += protobuf_body._bytes(12, protobuf_body._uint(1, 0) + protobuf_body._uint(2, 2**32 - 1))
    inner += protobuf_body._uint(13, zigzag(1))
    return protobuf_body.delimited(protobuf_body.family("native", "histogram", [protobuf_body._bytes(7, inner)]))


def hostile_requests():
    """(kind, bytes) pairs; each is refused by a hardened flowgate."""
    wide = ("wide{" + ",".join(f'l{i}="v"' for i in range(100_000)) + "} 1\n").encode()
    spoof = protobuf_body.delimited(protobuf_body.family('x 1\nspoofed{job="billing"} 666\n# x', "gauge",
                                                         [protobuf_body.metric(value=1)]))
    protobuf = f"Content-Type: {protobuf_body.CONTENT_TYPE}\r\n".encode()
    return [
        ("oversized_header", b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n"),
        ("wide_line", request_bytes("PUT", "/metrics/job/hostile", wide)),
        ("spoofed_name", request_bytes("PUT", "/metrics/job/hostile", spoof, protobuf)),
        ("huge_native_histogram", request_bytes("PUT", "/metrics/job/hostile", huge_native_histogram(), protobuf)),
        ("invalid_utf8_key", request_bytes("PUT", "/metrics/job/poison/l/%FF", b"x 1\n")),
        ("smuggling", b"PUT /metrics/job/front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
                      b"Content-Length: 5\r\n\r\n0\r\n\r\n" + request_bytes("PUT", "/metrics/job/smuggled", b"x 1\n")),
        ("header_injection", b"GET //x%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("wrong_password", b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                           base64.b64encode(b"pusher:wrong") + b"\r\n\r\n"),
    ]


class Soak:
    def __init__(self, port, pushers):
        self.port = port
        self.pushers = pushers
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = {}  # pusher -> last acknowledged value
        self.latencies = {"quiet": [], "hostile": []}
        self.phase = "quiet"
        self.push_failures = []
        self.hostile_counts = {}
        self.hostile_unexpected = {}

    def normal_pusher(self, index):
        value = 0
        connection = None
        while not self.stop.is_set():
            value += 1
            body = f"# TYPE soak_value gauge\nsoak_value {value}\n".encode()
            started = time.monotonic()
            try:
                import http.client
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("PUT", f"/metrics/job/soak/pusher/{index}", body, {"Authorization": AUTH})
                reply = connection.getresponse()
                reply.read()
                status = reply.status
            except OSError as error:
                status = repr(error)
                connection = None
            elapsed = time.monotonic() - started
            with self.lock:
                if status == 200:
                    self.acknowledged[index] = value
                    self.latencies[self.phase].append(elapsed)
                else:
                    self.push_failures.append((index, value, status))
            time.sleep(0.01)

    def hostile_client(self, seed):
        generator = random.Random(seed)
        requests = hostile_requests()
        while not self.stop.is_set():
            if self.phase != "hostile":
                time.sleep(0.05)
                continue
            kind, data = generator.choice(requests)
            status = raw_exchange(self.port, data)
            with self.lock:
                self.hostile_counts[kind] = self.hostile_counts.get(kind, 0) + 1
                if status in (200, 202):
                    self.hostile_unexpected[kind] = self.hostile_unexpected.get(kind, 0) + 1

    def slow_sockets(self, count):
        sockets = []
        while not self.stop.is_set():
            if self.phase != "hostile":
                time.sleep(0.05)
                continue
            while len(sockets) < count:
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=2,
                                                    source_address=SLOW_SOURCE)
                    sock.sendall(b"PUT /metrics/job/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n")
                    sockets.append(sock)
                except OSError:
                    break
            alive = []
            for sock in sockets:
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                    alive.append(sock)
                except OSError:
                    sock.close()
            sockets = alive
            self.stop.wait(1.0)
        for sock in sockets:
            sock.close()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def p99(values):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def read_values(port):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/api/v1/metrics", headers={"Authorization": AUTH})
    data = json.loads(connection.getresponse().read())
    values = {}
    for group in data["data"]:
        labels = group["labels"]
        if labels.get("job") == "soak" and "soak_value" in group:
            values[int(labels["pusher"])] = int(float(group["soak_value"]["metrics"][0]["value"]))
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flowgate", required=True)
    parser.add_argument("--seconds", type=float, default=600, help="length of the hostile phase")
    parser.add_argument("--quiet-seconds", type=float, default=60, help="length of the quiet phase before it")
    parser.add_argument("--pushers", type=int, default=4)
    parser.add_argument("--hostile", type=int, default=6, help="hostile client threads")
    parser.add_argument("--slow-sockets", type=int, default=200)
    args = parser.parse_args()
    os.environ["FLOWGATE_BINARY"] = args.flowgate

    work = tempfile.mkdtemp(prefix="flowgate-soak-")
    config = os.path.join(work, "web.yml")
    with open(config, "w", encoding="utf-8") as out:
        out.write(f"basic_auth_users:\n  {USER}: '{crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))}'\n")
    flags = [f"--persistence.file={work}/flowgate.db", f"--web.config.file={config}"]
    server = servers.flowgate(flags, ready_headers={"Authorization": AUTH})
    soak = Soak(server.port, args.pushers)
    threads = [threading.Thread(target=soak.normal_pusher, args=(i,), daemon=True) for i in range(args.pushers)]
    threads += [threading.Thread(target=soak.hostile_client, args=(seed,), daemon=True) for seed in range(args.hostile)]
    threads.append(threading.Thread(target=soak.slow_sockets, args=(args.slow_sockets,), daemon=True))
    rss = {"quiet": [], "hostile": []}
    for thread in threads:
        thread.start()
    began = time.monotonic()
    while time.monotonic() - began < args.quiet_seconds + args.seconds and server.running():
        soak.phase = "quiet" if time.monotonic() - began < args.quiet_seconds else "hostile"
        rss[soak.phase].append(rss_bytes(server.process.pid))
        time.sleep(1.0)
    soak.stop.set()
    for thread in threads:
        thread.join(timeout=15)
    alive = server.running()
    acknowledged = dict(soak.acknowledged)
    if alive:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    server.log.close()
    restarted = servers.flowgate(flags, ready_headers={"Authorization": AUTH})
    try:
        recovered = read_values(restarted.port)
    finally:
        restarted.stop()
        restarted.log.close()
    lost = {index: (value, recovered.get(index)) for index, value in acknowledged.items()
            if recovered.get(index, -1) < value}

    quiet, hostile = p99(soak.latencies["quiet"]), p99(soak.latencies["hostile"])
    print(f"soak: {args.quiet_seconds:.0f} s quiet, {args.seconds:.0f} s hostile; {args.pushers} pushers, "
          f"{args.hostile} hostile threads, {args.slow_sockets} slow sockets")
    print(f"normal pushes acknowledged    quiet {len(soak.latencies['quiet'])}  hostile {len(soak.latencies['hostile'])}")
    print(f"normal push p99 (ms)          quiet {quiet * 1e3:.2f}  hostile {hostile * 1e3:.2f}  "
          f"ratio {hostile / quiet:.2f} (goal <= 2)")
    print(f"normal push p50 (ms)          quiet {statistics.median(soak.latencies['quiet'] or [0]) * 1e3:.2f}  "
          f"hostile {statistics.median(soak.latencies['hostile'] or [0]) * 1e3:.2f}")
    print(f"RSS MiB (min/max)             quiet {min(rss['quiet'] or [0]) / 2**20:.1f}/{max(rss['quiet'] or [0]) / 2**20:.1f}"
          f"  hostile {min(rss['hostile'] or [0]) / 2**20:.1f}/{max(rss['hostile'] or [0]) / 2**20:.1f}")
    print("hostile requests sent         " + ", ".join(f"{k} {v}" for k, v in sorted(soak.hostile_counts.items())))
    print(f"hostile requests accepted     {soak.hostile_unexpected or 'none'}")
    print(f"normal push failures          {len(soak.push_failures)} {soak.push_failures[:5]}")
    print(f"server alive at the end       {alive}")
    print(f"acknowledged pushes lost after kill -9: {len(lost)} {lost}")
    ok = alive and not lost and not soak.push_failures and not soak.hostile_unexpected
    print("soak: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
