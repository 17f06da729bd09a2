"""A receiver that fails on demand, for the remote write tests: a loopback
HTTP server (TLS when given a context) that answers each POST by its path and
records what it was sent. It stands in for a receiver misbehaving in ways a
real one cannot be made to on cue; the real receivers are tested elsewhere."""
import contextlib
import http.server
import threading
import time
import urllib.parse


class FailingReceiver(http.server.ThreadingHTTPServer):
    """Answers each POST by its path: /status/<code>[?retry_after=N], /redirect/<code> (to /status/204),
    /hang (never answers in time). Records every request's path and headers."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FailingReceiverHandler)
        self.seen = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class FailingReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.path, dict(self.headers), len(body)))
        path, _, query_text = self.path.partition("?")
        arguments = urllib.parse.parse_qs(query_text)
        if path == "/hang":
            time.sleep(3)
        parts = path.strip("/").split("/")
        headers = {}
        status = 204
        if parts[0] == "status":
            status = int(parts[1])
            if "retry_after" in arguments:
                headers["Retry-After"] = arguments["retry_after"][0]
        elif parts[0] == "redirect":
            status = int(parts[1])
            headers["Location"] = "/status/204"
        text = b"" if status == 204 else f"receiver says {status}\n".encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


@contextlib.contextmanager
def failing_receiver(tls_context=None):
    server = FailingReceiver()
    if tls_context:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
