"""Real servers for the end-to-end tests: each runs on 127.0.0.1 on a free port,
is waited for until ready, and is always stopped (context managers).

ServerProcess is the one launcher; pushgateway(), flowgate() and prometheus()
only build its command line. The binaries come from Debian (/usr/bin) except
flowgate, whose path CMake passes in FLOWGATE_BINARY.
"""
import contextlib
import http.client
import os
import socket
import pathlib
import subprocess
import sys
import tempfile
import time

# The reference Pushgateway: Debian's 1.5.1 unless a test names another build.
PUSHGATEWAY_BINARY = os.environ.get("FLOWGATE_PUSHGATEWAY_BINARY", "/usr/bin/prometheus-pushgateway")
PROMETHEUS_BINARY = "/usr/bin/prometheus"
READY_TIMEOUT_SECONDS = 20.0


def free_port():
    """A port nobody listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_config(work_dir, name, http_body, workers=1):
    """Writes WORK_DIR/NAME.conf for Debian's nginx run in the foreground as
    `nginx -c FILE -p WORK_DIR`: `workers` worker processes, pid, logs and
    temporary files in work_dir, no access log, `http_body` (server blocks etc.)
    inside http {}."""
    path = pathlib.Path(work_dir, f"{name}.conf")
    path.write_text(f"""daemon off;
worker_processes {workers};
pid {work_dir}/{name}.pid;
error_log {work_dir}/{name}-error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {work_dir}/{name}-body;
  proxy_temp_path {work_dir}/{name}-proxy;
{http_body}
}}
""")
    return path


def wait_for(what, condition, seconds=60):
    """condition()'s first truthy value, asked every 0.25 s; an AssertionError naming
    `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up after {seconds} s waiting for {what}"
        time.sleep(0.25)


def flowgate_binary():
    """The flowgate binary under test; missing it is a loud failure, not a skip."""
    path = os.environ.get("FLOWGATE_BINARY", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"FLOWGATE_BINARY={path!r} is not an executable flowgate binary")
    return path


class ServerProcess:
    """One started server. `url` is the base URL including the route prefix."""

    def __init__(self, name, argv, port, route_prefix="", scheme="http", ready_path="/-/ready",
                 ssl_context=None, ready_headers=None):
        self.name = name
        self.argv = argv
        self.port = port
        self.route_prefix = route_prefix
        self.scheme = scheme
        self.ready_path = ready_path
        self.ssl_context = ssl_context
        self.ready_headers = ready_headers or {}
        self.log = tempfile.TemporaryFile()
        self.process = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"{self.scheme}://{self.host}{self.route_prefix}"

    def start(self):
        self.process = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            if self._answers_ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {READY_TIMEOUT_SECONDS}s:\n{self.output()}")

    def _answers_ready(self):
        if self.scheme == "https":
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=2,
                                                     context=self.ssl_context)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", self.route_prefix + self.ready_path, headers=self.ready_headers)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def running(self):
        return self.process is not None and self.process.poll() is None

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.final_output = self.output()  # kept for tests that inspect a crash or sanitizer report
        self.log.close()

    def exited_cleanly(self):
        """True once stopped with exit status 0 (SIGTERM is a graceful stop for both
        servers); a crash, a sanitizer report or a leak at exit is not clean."""
        return self.process is not None and self.process.returncode == 0


def _start_with_retry(make):
    """A free port can be taken between probing and binding; try a few ports."""
    last_error = None
    for _ in range(3):
        server = make(free_port())
        try:
            return server.start()
        except RuntimeError as error:
            server.stop()
            server.log.close()
            last_error = error
    raise last_error


def _pushgateway_style_flags(port, flags):
    """Both servers share the Pushgateway's flag names; memory-only persistence
    unless the caller names a --persistence.file itself."""
    persistence = [] if any(flag.startswith("--persistence.file=") for flag in flags) else [
        "--persistence.file="]
    return [f"--web.listen-address=127.0.0.1:{port}", *persistence, *flags]


def route_prefix_of(flags):
    """The path prefix a --web.route-prefix flag puts in front of every route."""
    for flag in flags:
        name, _, value = flag.partition("=")
        if name == "--web.route-prefix":
            value = value.strip("/")
            return "/" + value if value else ""
    return ""


def pushgateway_binary(version):
    """The reference Pushgateway of `version`: Debian's 1.5.1, or the current
    upstream release built once per machine (tests/support/peers)."""
    if version == "1.5.1":
        return PUSHGATEWAY_BINARY
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support", "peers"))
    import go_peers  # noqa: E402
    peer = go_peers.PEERS["pushgateway"]
    if peer.version != "v" + version:
        raise RuntimeError(f"no Pushgateway {version}: the peers build {peer.version}")
    return str(go_peers.ensure(peer))


def pushgateway(flags=(), scheme="http", ssl_context=None, ready_headers=None, version="1.5.1"):
    """The real Pushgateway (Debian's 1.5.1 unless `version` names another) with the given extra flags."""
    flags = list(flags)
    binary = pushgateway_binary(version)
    return _start_with_retry(lambda port: ServerProcess(
        "pushgateway", [binary, *_pushgateway_style_flags(port, flags)], port,
        route_prefix=route_prefix_of(flags), scheme=scheme, ssl_context=ssl_context,
        ready_headers=ready_headers))


def flowgate(flags=(), scheme="http", ssl_context=None, ready_headers=None):
    """flowgate with the given extra flags (Pushgateway flag names)."""
    flags = list(flags)
    binary = flowgate_binary()
    return _start_with_retry(lambda port: ServerProcess(
        "flowgate", [binary, *_pushgateway_style_flags(port, flags)], port,
        route_prefix=route_prefix_of(flags), scheme=scheme, ssl_context=ssl_context,
        ready_headers=ready_headers))


SERVER_KINDS = {"pushgateway": pushgateway, "flowgate": flowgate}


@contextlib.contextmanager
def prometheus(scrape_target, work_dir, scrape_interval="1s", flags=(), binary=PROMETHEUS_BINARY,
               scrape_options=(), extra_yaml=""):
    """A real Prometheus scraping `scrape_target` (host:port) with honor_labels, or
    nothing when it is None (a remote-write receiver); Debian's unless `binary`.
    `scrape_options` are more `key: value` lines for the scrape job, `extra_yaml` more
    top-level YAML (e.g. an `otlp:` section)."""
    config_path = os.path.join(work_dir, "prometheus.yml")
    with open(config_path, "w", encoding="utf-8") as config:
        config.write(
            "global:\n"
            f"  scrape_interval: {scrape_interval}\n"
            f"  evaluation_interval: {scrape_interval}\n")
        if scrape_target is not None:
            config.write(
                "scrape_configs:\n"
                "  - job_name: flowgate\n"
                "    honor_labels: true\n"
                "    static_configs:\n"
                f"      - targets: ['{scrape_target}']\n")
            config.write("".join(f"    {option}\n" for option in scrape_options))
        config.write(extra_yaml)
    storage = os.path.join(work_dir, "tsdb")

    def make(port):
        return ServerProcess("prometheus", [
            binary, f"--config.file={config_path}", f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}", *flags], port)

    server = _start_with_retry(make)
    try:
        yield server
    finally:
        server.stop()
        server.log.close()
