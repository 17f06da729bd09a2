"""Bytes on a socket, exactly as an attacker writes them: no client library
fixes up a header, a path or a framing mistake on the way, and replies are
read one by one so a second, smuggled reply would be seen."""
import socket


def connect(server, timeout=10):
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def send(server, data, timeout=10):
    """Sends `data` and reads every reply until the server closes the
    connection or goes quiet: a list of (status, headers {lower: [values]}, body)."""
    with connect(server, timeout) as sock:
        sock.sendall(data)
        return read_replies(sock, timeout)


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def exactly(self, count):
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def _read_reply(reader):
    status_line = reader.line()
    status = int(status_line.split(b" ", 2)[1])
    headers = {}
    while True:
        line = reader.line()
        if not line:
            break
        name, _, value = line.partition(b":")
        headers.setdefault(name.decode("latin-1").strip().lower(), []).append(value.decode("latin-1").strip())
    if "content-length" in headers:
        body = reader.exactly(int(headers["content-length"][0]))
    elif headers.get("transfer-encoding") == ["chunked"]:
        body = b""
        while True:
            size = int(reader.line().split(b";")[0], 16)
            if size == 0:
                while reader.line():
                    pass
                break
            body += reader.exactly(size)
            reader.line()
    else:
        body = b""
    return status, headers, body


def read_replies(sock, timeout=10):
    sock.settimeout(timeout)
    reader = _Reader(sock)
    replies = []
    while True:
        try:
            replies.append(_read_reply(reader))
        except (EOFError, ConnectionResetError, TimeoutError, socket.timeout):
            return replies
        if replies[-1][1].get("connection") == ["close"]:
            return replies
        sock.settimeout(1.0)  # more replies only if the server already sent them
