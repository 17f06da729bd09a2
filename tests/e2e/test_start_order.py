"""Start order (issue 19): flowgate listens before its collectors have
answered. A Prefect API that accepts connections but never answers holds
the first poll; meanwhile flowgate is ready, takes pushes and serves them.
Each collector's first successful refresh is logged once ("collector ready",
with its duration). No timing is asserted: the silent API holds its
connection until the test has pushed and scraped."""
import socket
import threading

import raw_http
import servers


class SilentApi:
    """A TCP listener that accepts every connection and never answers."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            self.accepted.set()

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_pushes_and_scrapes_are_served_while_the_first_prefect_poll_hangs():
    api = SilentApi()
    try:
        # servers.flowgate returns only once /-/ready answers 200.
        with servers.flowgate([f"--prefect.api-url=http://127.0.0.1:{api.port}/api",
                               "--prefect.request-timeout=10m", "--prefect.poll-timeout=10m"]) as gate:
            assert api.accepted.wait(60), "flowgate never polled the Prefect API"
            pushed = raw_http.request(gate, "PUT", "/metrics/job/early", b"early_metric 1\n")
            assert pushed.status == 200, pushed.text()
            scrape = raw_http.request(gate, "GET", "/metrics").text()
            assert 'early_metric{instance="",job="early"} 1' in scrape
            assert 'flowgate_scrape_collector_success{collector="prefect"}' not in scrape, (
                "the hanging poll has not finished, so it has no result yet")
            # The local collectors answered on their own threads and said so once.
            servers.wait_for("the host collector's first refresh",
                             lambda: "collector ready" in gate.output() and "collector=host" in gate.output())
            ready_lines = [line for line in gate.output().splitlines() if 'msg="collector ready"' in line]
            assert any("collector=host" in line and "duration_seconds=" in line for line in ready_lines), ready_lines
            assert not any("collector=prefect" in line for line in ready_lines), ready_lines
            raw_http.request(gate, "GET", "/metrics")
            assert len([line for line in gate.output().splitlines()
                        if 'msg="collector ready"' in line and "collector=host" in line]) == 1
            api.close()  # the hanging poll fails now, so the stop below is graceful
        assert gate.exited_cleanly(), gate.final_output
    finally:
        api.close()
