"""TLS and basic auth from an exporter-toolkit web config file (--web.config.file):
the Python client's basic_auth_handler pushes over https to flowgate and, with
the very same file, to the Pushgateway; prometheus-cpp's Gateway pushes with
basic auth over plain HTTP; wrong or missing credentials get 401. The
Authorization header is read as strictly by both; flowgate's password checks
stay off its HTTP threads."""
import ssl
import subprocess
import threading
import time
import types

import pytest

import exposition_normalizer
import push_clients
import raw_http
import servers
from push_clients import series

from credentials import PASSWORD, USER, bcrypt_hash
from credentials import authorization as basic_authorization


@pytest.fixture(scope="module")
def web_config(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and a bcrypt'd user, as the
    exporter-toolkit file format both servers read."""
    directory = tmp_path_factory.mktemp("web-config")
    cert = directory / "cert.pem"
    key = directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    password_hash = bcrypt_hash(PASSWORD, cost=10)
    users = f"basic_auth_users:\n  {USER}: '{password_hash}'\n"
    config = directory / "web.yml"
    config.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n{users}")
    plain_config = directory / "web-plain.yml"
    plain_config.write_text(users)
    return {"config": str(config), "plain_config": str(plain_config), "cert": str(cert)}


@pytest.fixture(params=["pushgateway", "flowgate"])
def tls_server(request, web_config):
    context = ssl.create_default_context(cafile=web_config["cert"])
    start = servers.SERVER_KINDS[request.param]
    with start([f"--web.config.file={web_config['config']}"], scheme="https", ssl_context=context,
               ready_headers={"Authorization": basic_authorization(USER, PASSWORD)}) as server:
        yield server


@pytest.fixture(params=["pushgateway", "flowgate"])
def auth_server(request, web_config):
    """Basic auth without TLS: prometheus-cpp's libcurl would not trust our CA."""
    start = servers.SERVER_KINDS[request.param]
    with start([f"--web.config.file={web_config['plain_config']}"],
               ready_headers={"Authorization": basic_authorization(USER, PASSWORD)}) as server:
        yield server


def test_cpp_client_basic_auth_push_and_delete(auth_server):
    credentials = ["--user", USER, "--password", PASSWORD]
    pushed = push_clients.run("cpp", auth_server.url, "secure", {"instance": "c1"}, value=5,
                              extra=credentials)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    scrape = raw_http.get(auth_server, "/metrics",
                          headers={"Authorization": basic_authorization(USER, PASSWORD)})
    samples = exposition_normalizer.pushed_samples(scrape.text())
    assert samples[series("cpp_push_gauge", instance="c1", job="secure")] == "5"
    refused = push_clients.run("cpp", auth_server.url, "secure", {"instance": "c1"}, value=5,
                               extra=["--user", USER, "--password", "nope"])
    # libcurl echoes the response body before the program prints the status.
    assert refused.returncode == 1 and refused.stdout.splitlines()[-1] == "401"
    deleted = push_clients.run("cpp", auth_server.url, "secure", {"instance": "c1"}, delete=True,
                               extra=credentials)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr


def test_python_basic_auth_push_over_tls_reaches_metrics(tls_server, web_config):
    trust = {"SSL_CERT_FILE": web_config["cert"]}
    grouping = {"instance": "tls/1"}
    labels = {"instance": "tls/1", "job": "secure"}
    pushed = push_clients.run("python", tls_server.url, "secure", grouping, value=9, env=trust,
                              extra=["--user", USER, "--password", PASSWORD])
    assert pushed.returncode == 0, pushed.stderr

    scrape = raw_http.get(tls_server, "/metrics",
                          headers={"Authorization": basic_authorization(USER, PASSWORD)})
    assert scrape.status == 200
    samples = exposition_normalizer.pushed_samples(scrape.text())
    assert samples[series("python_push_gauge", **labels)] == "9"

    deleted = push_clients.run("python", tls_server.url, "secure", grouping, delete=True, env=trust,
                               extra=["--user", USER, "--password", PASSWORD])
    assert deleted.returncode == 0, deleted.stderr


def test_wrong_password_is_refused_with_401(tls_server, web_config):
    refused = push_clients.run("python", tls_server.url, "secure", {}, value=1,
                               env={"SSL_CERT_FILE": web_config["cert"]},
                               extra=["--user", USER, "--password", "wrong"])
    assert refused.returncode == 1
    assert "401" in refused.stderr


def test_missing_credentials_get_401_with_basic_challenge(tls_server):
    for method, path in [("GET", "/metrics"), ("PUT", "/metrics/job/x"), ("GET", "/api/v1/status")]:
        response = raw_http.request(tls_server, method, path, b"a 1\n" if method == "PUT" else b"")
        assert response.status == 401, (method, path)
        assert response.header("WWW-Authenticate").lower().startswith("basic")


def test_plain_http_gets_no_metrics(tls_server):
    plain = types.SimpleNamespace(scheme="http", port=tls_server.port, ssl_context=None)
    try:
        assert raw_http.get(plain, "/metrics").status != 200
    except OSError:
        pass  # closing the connection is as good as refusing
    assert tls_server.running()


@pytest.mark.parametrize("header, status", [
    (basic_authorization(USER, PASSWORD), 200),
    ("bAsIc " + basic_authorization(USER, PASSWORD).split(" ", 1)[1], 200),      # the scheme in any case
    ("Basic  " + basic_authorization(USER, PASSWORD).split(" ", 1)[1], 401),     # two spaces
    (basic_authorization(USER, PASSWORD + "\0"), 401),                           # password then NUL
    (basic_authorization(USER, PASSWORD + "\0junk"), 401),
    (basic_authorization(USER, PASSWORD).rstrip("="), 401),                       # unpadded base64
    (basic_authorization(USER, PASSWORD) + " x", 401),                            # trailing garbage
])
def test_authorization_header_is_read_alike(auth_server, header, status):
    assert basic_authorization(USER, PASSWORD).endswith("=")  # the unpadded case really drops padding
    assert raw_http.get(auth_server, "/-/healthy", headers={"Authorization": header}).status == status


def test_wrong_password_flood_leaves_cached_clients_fast(tmp_path):
    """8 clients sending wrong passwords for a cost-12 user (~0.6 s of bcrypt
    each here) while a client whose password is cached asks /-/healthy: with
    bcrypt on the HTTP threads those answers waited seconds behind the flood."""
    dear = bcrypt_hash("right", cost=12)
    cheap = bcrypt_hash(PASSWORD, cost=4)
    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  {USER}: '{cheap}'\n  victim: '{dear}'\n")
    valid = {"Authorization": basic_authorization(USER, PASSWORD)}
    # The readiness probe's request puts the valid password in the cache.
    with servers.flowgate([f"--web.config.file={config}"], ready_headers=valid) as server:
        stop = threading.Event()
        flood_statuses = []

        def flood():
            wrong = {"Authorization": basic_authorization("victim", "wrong")}
            while not stop.is_set():
                flood_statuses.append(raw_http.get(server, "/-/healthy", headers=wrong).status)

        flooders = [threading.Thread(target=flood) for _ in range(8)]
        for flooder in flooders:
            flooder.start()
        slowest = 0.0
        try:
            for _ in range(20):
                started = time.monotonic()
                assert raw_http.get(server, "/-/healthy", headers=valid).status == 200
                slowest = max(slowest, time.monotonic() - started)
                time.sleep(0.05)
        finally:
            stop.set()
            for flooder in flooders:
                flooder.join()
        # Measured: 0.004 s now, 0.8-1.2 s with bcrypt on the HTTP threads.
        assert slowest < 0.5, f"a cached client waited {slowest:.2f} s behind the flood"
        assert flood_statuses and set(flood_statuses) <= {401, 503}
        assert server.running()
