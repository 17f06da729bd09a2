"""A TCP proxy on 127.0.0.1 that loses replies: it passes every request on to
the server, and for the first `drop` connections reads the server's reply (so
the server has applied the request and answered) and then cuts the client's
connection with a reset instead of passing the reply on. What a client sees
when the network fails after the server did its work; later connections are
passed through untouched."""
import select
import socket
import struct
import threading


class ReplyDroppingProxy:
    def __init__(self, upstream_port, drop):
        self.upstream_port = upstream_port
        self.to_drop = drop
        self.dropped = []  # the status line of every reply the client never saw
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        with self.lock:
            self.connections += 1
            drop = self.to_drop > 0
            self.to_drop -= drop
        if drop:
            self._drop_reply(client, upstream)
            return
        threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
        _pipe(upstream, client)
        client.close()
        upstream.close()

    def _drop_reply(self, client, upstream):
        """Passes the request on until the reply's head is in, then resets the
        client's connection. One thread: a close() while another thread reads
        the socket would not reset it until that read returns."""
        reply = b""
        while b"\r\n\r\n" not in reply:
            readable, _, _ = select.select([client, upstream], [], [])
            if client in readable:
                request = client.recv(65536)
                if not request:
                    break  # the client gave up first
                upstream.sendall(request)
            if upstream in readable:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                reply += chunk
        with self.lock:
            self.dropped.append(reply.split(b"\r\n", 1)[0].decode("latin-1"))
        # SO_LINGER 0: close() sends a reset, the client reads no reply at all.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        upstream.close()


def _pipe(source, sink):
    """Copies `source` to `sink` until either side ends."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
