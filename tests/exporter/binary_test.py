"""The flowgate binary over real sockets: TLS with basic auth from a web
config, SIGHUP keeping data, SIGTERM saving the store for the next start.

Run by ctest as `python3 -m pytest binary_test.py --flowgate=<binary>`."""
import base64
import os
import re
import signal
import socket
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

# alice / s3cret at bcrypt cost 4 (made with Python's crypt module).
ALICE_HASH = "$2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm"
ALICE = "Basic " + base64.b64encode(b"alice:s3cret").decode()


class Flowgate:
    def __init__(self, binary, *flags, cwd):
        self.process = subprocess.Popen(
            [binary, "--web.listen-address=127.0.0.1:0", "--collector.host=false", *flags],
            stderr=subprocess.PIPE, text=True, cwd=cwd)
        self.log = []
        for line in self.process.stderr:
            self.log.append(line)
            found = re.search(r'msg="Listening on" address=127\.0\.0\.1:(\d+)', line)
            if found:
                self.port = int(found.group(1))
            if "msg=\"TLS is" in line:  # the last start-up line
                break
        else:
            raise RuntimeError("flowgate did not start:\n" + "".join(self.log))

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        rest, _ = self.process.communicate(timeout=20)
        self.log.append(rest)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def start(request, tmp_path):
    started = []

    def launch(*flags):
        gate = Flowgate(request.config.getoption("flowgate"), *flags, cwd=tmp_path)
        started.append(gate)
        return gate

    yield launch
    for gate in started:
        gate.kill()


def call(url, method="GET", body=None, headers=None, context=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=context, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def make_certificate(folder):
    """tls.crt and tls.key in `folder`: self-signed for 127.0.0.1, RSA."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   cwd=folder, check=True, capture_output=True)


def test_tls_with_basic_auth_serves_pushes_and_scrapes(start, tmp_path):
    make_certificate(tmp_path)
    (tmp_path / "web.yml").write_text(
        "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"
        f"basic_auth_users:\n  alice: {ALICE_HASH}\n")
    gate = start("--persistence.file=", "--web.config.file=web.yml")
    assert any('msg="TLS is enabled."' in line for line in gate.log)
    context = ssl.create_default_context(cafile=str(tmp_path / "tls.crt"))
    base = f"https://127.0.0.1:{gate.port}"

    status, _, headers = call(base + "/metrics", context=context)
    assert status == 401
    assert headers["WWW-Authenticate"] == "Basic"

    status, _, _ = call(base + "/metrics/job/tls", "PUT", b"m 1\n", {"Authorization": ALICE}, context)
    assert status == 200
    status, body, _ = call(base + "/metrics", headers={"Authorization": ALICE}, context=context)
    assert status == 200
    assert 'm{instance="",job="tls"} 1\n' in body
    assert gate.stop() == 0


def handshake(port, cafile, cipher):
    """The cipher suite a TLS 1.2 client offering only `cipher` gets, or None
    when the server takes none of it."""
    context = ssl.create_default_context(cafile=cafile)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(cipher)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.cipher()[0]
    except ssl.SSLError:
        return None


def test_tls_cipher_suites_and_curves_of_the_web_config_are_applied(start, tmp_path):
    make_certificate(tmp_path)
    (tmp_path / "web.yml").write_text(
        "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  max_version: TLS12\n"
        "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n  curve_preferences: [CurveP384]\n")
    gate = start("--persistence.file=", "--web.config.file=web.yml")
    cafile = str(tmp_path / "tls.crt")
    assert handshake(gate.port, cafile, "ECDHE-RSA-AES256-GCM-SHA384") == "ECDHE-RSA-AES256-GCM-SHA384"
    assert handshake(gate.port, cafile, "ECDHE-RSA-AES128-GCM-SHA256") is None
    assert gate.stop() == 0


def test_sighup_keeps_serving_and_keeps_data(start):
    gate = start("--persistence.file=")
    base = f"http://127.0.0.1:{gate.port}"
    assert call(base + "/metrics/job/hup", "PUT", b"m 2\n")[0] == 200
    gate.process.send_signal(signal.SIGHUP)
    status, body, _ = call(base + "/metrics")
    assert status == 200
    assert 'm{instance="",job="hup"} 2\n' in body
    assert gate.stop() == 0


def test_sigterm_saves_the_store_for_the_next_start(start, tmp_path):
    gate = start()  # the default --persistence.file=data/flowgate.db, under tmp_path
    assert call(f"http://127.0.0.1:{gate.port}/metrics/job/kept", "PUT", b"m 3\n")[0] == 200
    assert gate.stop() == 0
    assert (tmp_path / "data" / "flowgate.db").exists()

    again = start()
    assert any('msg="metrics restored"' in line for line in again.log)
    status, body, _ = call(f"http://127.0.0.1:{again.port}/metrics")
    assert 'm{instance="",job="kept"} 3\n' in body
    assert again.stop(signal.SIGINT) == 0


def test_bad_web_config_refuses_to_start(request, tmp_path):
    (tmp_path / "web.yml").write_text("basic_auth_users:\n  alice: [unclosed\n")
    result = subprocess.run([request.config.getoption("flowgate"), "--web.listen-address=127.0.0.1:0",
                             "--persistence.file=", "--web.config.file=web.yml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "invalid --web.config.file" in result.stderr
