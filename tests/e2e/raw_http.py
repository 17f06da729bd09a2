"""A raw HTTP exchange with a test server: never follows redirects, never adds
headers the step did not ask for (beyond Host/Content-Length), so 301/307,
405 Allow lists and error bodies are seen exactly as the server sent them."""
import dataclasses
import http.client


@dataclasses.dataclass
class Response:
    status: int
    headers: dict  # lower-case name -> value
    body: bytes

    def header(self, name):
        return self.headers.get(name.lower())

    def text(self):
        return self.body.decode("utf-8", "replace")


def request(server, method, path, body=b"", headers=None, timeout=10):
    """Sends one request to `server` (a servers.ServerProcess); `path` is sent
    verbatim, so percent-escapes and `//` reach the server untouched."""
    if server.scheme == "https":
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=timeout,
                                                 context=server.ssl_context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        send_headers = dict(headers or {})
        if body or method in ("PUT", "POST"):
            send_headers.setdefault("Content-Length", str(len(body)))
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in send_headers.items():
            connection.putheader(name, value)
        connection.endheaders(body if body else None)
        reply = connection.getresponse()
        payload = b"" if method == "HEAD" else reply.read()
        return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, payload)
    finally:
        connection.close()


def get(server, path, headers=None):
    return request(server, "GET", path, headers=headers)
