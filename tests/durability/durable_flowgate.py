"""One flowgate whose --persistence.file lives in a folder of the test's own:
started, killed with SIGKILL, stopped with SIGTERM and started again on the same
files. Every run's log is kept for assertions and failure messages. One start
is one attempt (a second attempt would recover from files the first one already
changed), except when the probed port was taken meanwhile."""
import pathlib
import signal
import subprocess
import tempfile
import time

import servers


class FlowgateExited(RuntimeError):
    """flowgate exited (or never became ready) instead of serving."""

    def __init__(self, returncode, log):
        super().__init__(f"flowgate exited with {returncode}:\n{log}")
        self.returncode = returncode
        self.log = log


class DurableFlowgate:
    def __init__(self, folder, flags=()):
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store = self.folder / "flowgate.db"
        self.flags = list(flags)
        self.server = None
        self.logs = []  # the whole log of every finished run, oldest first

    @property
    def wal_folder(self):
        return pathlib.Path(f"{self.store}.wal")

    @property
    def pid(self):
        return self.server.process.pid

    def start(self, flags=(), port=None):
        """Starts flowgate (self.flags + flags) and waits until it is ready;
        raises FlowgateExited if it exits or never gets ready. `port`: listen
        there (one attempt; clients that keep their gateway URL across a
        restart need it), else on a free one."""
        assert self.server is None, "flowgate is already running"
        for _ in range(1 if port else 3):
            listen_port = port or servers.free_port()
            server = servers.ServerProcess("flowgate", self._argv(listen_port, flags), listen_port)
            try:
                self.server = server.start()
                return self.server
            except RuntimeError:
                server.stop()
                log = server.output()
                server.log.close()
                if "in use" not in log.lower():
                    self.logs.append(log)
                    raise FlowgateExited(server.process.returncode, log) from None
        raise RuntimeError(f"port {port} is in use" if port else "no free port for flowgate after 3 tries")

    def kill_while_starting(self, delay_seconds, flags=()):
        """Starts flowgate and kills it with SIGKILL `delay_seconds` later, ready
        or not (in the middle of recovering its files, say)."""
        assert self.server is None, "flowgate is already running"
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(self._argv(servers.free_port(), flags), stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            time.sleep(delay_seconds)
            process.kill()
            process.wait()
            log.seek(0)
            self.logs.append(log.read().decode("utf-8", "replace"))

    def kill(self):
        """SIGKILL: no chance to flush, sync or compact anything."""
        if self.server is not None:
            self.server.process.kill()
            self.server.process.wait()
            self._finish()

    def stop(self, sig=signal.SIGTERM):
        """A graceful stop; returns the exit status."""
        self.server.process.send_signal(sig)
        returncode = self.server.process.wait(timeout=60)
        self._finish()
        return returncode

    def restart_after_kill(self, flags=()):
        self.kill()
        return self.start(flags)

    def log(self):
        """The running flowgate's log so far."""
        return self.server.output()

    def _argv(self, port, flags):
        return [servers.flowgate_binary(), f"--web.listen-address=127.0.0.1:{port}",
                f"--persistence.file={self.store}", "--collector.host=false", *self.flags, *flags]

    def _finish(self):
        self.logs.append(self.server.output())
        self.server.log.close()
        self.server = None
