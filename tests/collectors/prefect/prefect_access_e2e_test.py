"""The Prefect collector in the real flowgate binary reaching a real Prefect
server with CSRF protection on, through a real HTTP proxy (Debian's
tinyproxy), and labelling runs by their tags (issue 21, item 4).

One Prefect server with PREFECT_SERVER_CSRF_PROTECTION_ENABLED and a CSRF
token that lives 8 s, so that tokens expire while flowgate polls; flows.py
makes runs tagged env:prod/team:data and env:dev plus a `note` tag holding
a quote, a backslash and a newline. https is tested with CONNECT through
tinyproxy to a local TLS front (a certificate made with openssl for
127.0.0.1, trusted through SSL_CERT_FILE) that forwards to Prefect.

Environment: FLOWGATE_BINARY, PREFECT_VENV (set by CMake)."""

import contextlib
import pathlib
import select
import socket
import ssl
import subprocess
import tempfile
import threading
import urllib.request

import pytest

import prefect_collector_e2e_test as base
from prefect_collector_e2e_test import HERE, POOL, prefect_server, scrape, total, wait_for

TOKEN_SECONDS = 8
CSRF_SERVER = {"PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
               "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION": f"PT{TOKEN_SECONDS}S"}
PROXY_USER, PROXY_PASSWORD = "ann", "s3cret"

# The test's own requests (scrapes, Prefect's API) never take the proxy the
# tests put in the environment for flowgate.
urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))


@pytest.fixture(scope="module")
def prefect():
    with prefect_server.PrefectServer(settings=CSRF_SERVER) as server:
        base.post(server, "/work_pools/", {"name": POOL, "type": "process"})
        server.run_flow(HERE / "flows.py", POOL)
        yield server


def flowgate(prefect, *flags, url=None):
    return base.flowgate(prefect, *flags, *([f"--prefect.api-url={url}"] if url else []))


def log_of(server):
    return server.output() if hasattr(server, "output") else ""


def up(samples):
    return total(samples, "prefect_up")


# -- tinyproxy ----------------------------------------------------------------
class TinyProxy:
    """tinyproxy on a free 127.0.0.1 port asking for PROXY_USER's basic auth;
    `log()` is its log so far. Stopped on leaving the block, or by stop()."""

    def __init__(self, folder, extra=""):
        self.port = prefect_server.free_port()
        self.config = pathlib.Path(folder) / f"tinyproxy-{self.port}.conf"
        self.config.write_text(
            f"Port {self.port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 20\n"
            f"BasicAuth {PROXY_USER} {PROXY_PASSWORD}\nUser nobody\nGroup nogroup\nLogLevel Info\n{extra}")
        self.output = tempfile.TemporaryFile()
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(["/usr/bin/tinyproxy", "-d", "-c", str(self.config)], stdout=self.output,
                                        stderr=subprocess.STDOUT)
        try:
            wait_for("tinyproxy to listen", lambda: "Accepting connections" in self.log(), seconds=30)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def log(self):
        self.output.seek(0)
        return self.output.read().decode(errors="replace")


def proxy_url(port, password=PROXY_PASSWORD):
    return f"http://{PROXY_USER}:{password}@127.0.0.1:{port}"


# -- a TLS front for Prefect --------------------------------------------------
@contextlib.contextmanager
def tls_front(prefect, folder):
    """A TLS listener on 127.0.0.1 forwarding each connection to Prefect;
    yields (its https API URL, the CA file that trusts it)."""
    cert, key = pathlib.Path(folder) / "front.pem", pathlib.Path(folder) / "front.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def relay(secure, upstream):
        """Both directions in one thread: an SSL socket is not for two threads at once."""
        peer = {secure: upstream, upstream: secure}
        with secure, upstream, contextlib.suppress(OSError):
            while True:
                readable, _, _ = select.select(list(peer), [], [], 60)
                if not readable:
                    return
                for source in readable:
                    try:
                        chunk = source.recv(65536)
                    except ssl.SSLWantReadError:
                        continue
                    while chunk and source is secure and secure.pending():
                        chunk += secure.recv(secure.pending())
                    if not chunk:
                        return
                    peer[source].sendall(chunk)

    def serve():
        while not stopping.is_set():
            with contextlib.suppress(OSError, ssl.SSLError):
                client, _ = listener.accept()
                secure = context.wrap_socket(client, server_side=True)
                upstream = socket.create_connection(("127.0.0.1", prefect.port))
                threading.Thread(target=relay, args=(secure, upstream), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/api", cert
    finally:
        stopping.set()
        listener.close()


# -- CSRF ---------------------------------------------------------------------
def test_without_csrf_the_poll_fails_saying_to_enable_it(prefect):
    with flowgate(prefect) as watcher:
        samples = scrape(watcher)
        assert up(samples) == 0
        assert total(samples, "flowgate_scrape_collector_success", collector="prefect") == 0
        assert "Missing CSRF token." in log_of(watcher)
        assert "start flowgate with --prefect.csrf" in log_of(watcher)


def test_with_csrf_every_poll_succeeds_across_token_expiry_and_counts_match(prefect):
    with flowgate(prefect, "--prefect.csrf") as watcher:
        expected = base.terminal_count(prefect)
        samples = wait_for("a third CSRF token (two expiries)", lambda: (lambda s: s if total(
            s, "flowgate_prefect_csrf_token_fetches_total") >= 3 else None)(scrape(watcher)), seconds=4 * TOKEN_SECONDS)
        assert up(samples) == 1
        assert total(samples, "prefect_flow_runs_finished_total") == expected
        polls = total(samples, "flowgate_prefect_polls_total")
        later = base.after_next_polls(watcher, 2)
        assert up(later) == 1 and total(later, "flowgate_prefect_polls_total") >= polls + 2
        assert "Prefect API poll failed" not in log_of(watcher)


# -- tags ---------------------------------------------------------------------
def test_tags_label_the_flow_run_families(prefect):
    with flowgate(prefect, "--prefect.csrf", "--prefect.tag-labels=env,team,note") as watcher:
        samples = base.after_next_polls(watcher, 1)
        finished = "prefect_flow_runs_finished_total"
        assert total(samples, finished, flow_name="etl", state_type="COMPLETED", tag_env="prod", tag_team="data") == 1
        assert total(samples, finished, flow_name="etl", state_type="FAILED", tag_env="dev", tag_team="",
                     tag_note='say "hi"\\ then\nstop') == 1
        assert total(samples, finished, flow_name="crasher", tag_env="") == 1
        assert total(samples, "prefect_flow_run_failures_total", exception_type="ValueError", tag_env="dev") == 1
        assert total(samples, "prefect_info_deployment", deployment_name="daily", tag_env="prod") == 1
        assert total(samples, "prefect_flow_runs_finished_total") == base.terminal_count(prefect)
        assert total(samples, "flowgate_prefect_tags_refused_total") == 0


def test_an_allow_list_entry_that_cannot_be_a_label_name_stops_the_start(prefect):
    done = subprocess.run([base.servers.flowgate_binary(), f"--prefect.api-url={prefect.url}",
                           "--prefect.tag-labels=env,cost-center"], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert '--prefect.tag-labels: \\"cost-center\\" cannot follow tag_' in done.stderr or \
        '--prefect.tag-labels: "cost-center" cannot follow tag_' in done.stderr, done.stderr


# -- the proxy ------------------------------------------------------------------
def test_http_goes_through_the_proxy_named_by_the_flag(prefect, tmp_path):
    with TinyProxy(tmp_path) as proxy, \
            flowgate(prefect, "--prefect.csrf", f"--prefect.proxy-url={proxy_url(proxy.port)}") as watcher:
        assert up(base.after_next_polls(watcher, 1)) == 1
        assert f"POST {prefect.url}/flow_runs/filter" in proxy.log()


def test_http_proxy_from_the_environment_and_no_proxy_bypassing_it(prefect, tmp_path, monkeypatch):
    with TinyProxy(tmp_path) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy.port))
        with flowgate(prefect, "--prefect.csrf") as watcher:
            assert up(base.after_next_polls(watcher, 1)) == 1
            assert f"GET {prefect.url}/admin/version" in proxy.log()
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        requests_before = proxy.log().count("Request (file descriptor")
        with flowgate(prefect, "--prefect.csrf") as watcher:
            assert up(base.after_next_polls(watcher, 1)) == 1
        assert proxy.log().count("Request (file descriptor") == requests_before


def test_a_proxy_refusing_the_password_fails_the_poll_clearly_and_counts_it(prefect, tmp_path):
    with TinyProxy(tmp_path) as proxy, \
            flowgate(prefect, "--prefect.csrf", f"--prefect.proxy-url={proxy_url(proxy.port, 'wrong')}") as watcher:
        samples = base.after_next_polls(watcher, 1)
        assert up(samples) == 0
        assert total(samples, "flowgate_scrape_collector_success", collector="prefect") == 0
        # tinyproxy answers wrong credentials with 401 (no credentials: 407).
        assert "HTTP 401" in log_of(watcher)
        assert f"from the proxy http://127.0.0.1:{proxy.port}: check the user and password" in log_of(watcher)
        assert PROXY_PASSWORD not in log_of(watcher) and "wrong" not in log_of(watcher)


def test_https_tunnels_through_the_proxy_and_a_stopped_proxy_keeps_the_last_values(prefect, tmp_path, monkeypatch):
    with tls_front(prefect, tmp_path) as (url, ca_file):
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        authority = url.split("/")[2]
        with TinyProxy(tmp_path) as proxy, \
                flowgate(prefect, "--prefect.csrf", f"--prefect.proxy-url={proxy_url(proxy.port)}", url=url) as watcher:
            samples = base.after_next_polls(watcher, 1)
            assert up(samples) == 1
            assert total(samples, "prefect_flow_runs_finished_total") == base.terminal_count(prefect)
            assert f"CONNECT {authority}" in proxy.log()
            proxy.stop()
            failed = wait_for("a failed poll", lambda: (lambda s: s if up(s) == 0 else None)(scrape(watcher)))
            assert total(failed, "prefect_flow_runs_finished_total") == base.terminal_count(prefect)
            assert f"cannot reach the proxy http://127.0.0.1:{proxy.port}: Connection refused" in log_of(watcher)


def test_a_proxy_refusing_the_tunnel_names_itself_and_its_answer(prefect, tmp_path, monkeypatch):
    with tls_front(prefect, tmp_path) as (url, ca_file):
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        with TinyProxy(tmp_path, extra="ConnectPort 443\n") as proxy, \
                flowgate(prefect, "--prefect.csrf", f"--prefect.proxy-url={proxy_url(proxy.port)}", url=url) as watcher:
            assert up(base.after_next_polls(watcher, 1)) == 0
            assert f"the proxy http://127.0.0.1:{proxy.port} (CONNECT {url.split('/')[2]}) answered 403" in log_of(watcher)
