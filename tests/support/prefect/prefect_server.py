"""A real Prefect server for tests: one shared venv with the pinned Prefect
(requirements.txt next to this file), a server on a free loopback port with a
throwaway PREFECT_HOME (SQLite), and Python flows run inside that venv.

    import prefect_server
    with prefect_server.PrefectServer() as prefect:       # waits for /health and /ready
        prefect.run_flow("my_flow.py")                      # PREFECT_API_URL points at it
        prefect.post("/flow_runs/count", {})                # -> JSON
    # stopped (SIGTERM to its process group, SIGKILL after 30 s) however the block ends

The venv lives at $PREFECT_VENV (CMake sets it to <build>/prefect-venv for
every test that requires the ctest fixture `prefect_venv`); ensure_venv()
creates it with Debian's /usr/bin/python3 when it is missing or was made from
other requirements, under a file lock so concurrent tests never race.
$PREFECT_REQUIREMENTS names another requirements file (the fixture
`prefect_venv_oldest`: requirements-oldest.txt, the oldest Prefect tested). Run as
a script (`prefect_server.py ensure-venv`) it only does that: the ctest
fixture's setup step. Standard library only, so Debian's python3 can import it.
"""

import ctypes
import fcntl
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

REQUIREMENTS = pathlib.Path(__file__).resolve().with_name("requirements.txt")
SYSTEM_PYTHON = "/usr/bin/python3"
READY_TIMEOUT_SECONDS = 180

# The server's background services, shortened so that a test sees a
# scheduled run go Late and an idle worker go offline within seconds.
FAST_SERVICES = {
    "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "1",
}


def venv_path():
    """Where the shared venv lives: $PREFECT_VENV (set by CMake)."""
    path = os.environ.get("PREFECT_VENV", "")
    if not path:
        raise RuntimeError("PREFECT_VENV is not set (CMake sets it for tests that require the prefect_venv "
                           "fixture; by hand: PREFECT_VENV=<build>/prefect-venv)")
    return pathlib.Path(path)


def requirements_path():
    """The pins the venv is made from: $PREFECT_REQUIREMENTS, else requirements.txt."""
    return pathlib.Path(os.environ.get("PREFECT_REQUIREMENTS") or REQUIREMENTS)


def ensure_venv(venv=None):
    """The venv with the pinned Prefect, made (or remade) if needed; returns its path.
    The stamp file holds the requirements it was made from and is written last,
    so a half-finished install is redone."""
    venv = pathlib.Path(venv) if venv else venv_path()
    requirements = requirements_path()
    wanted = requirements.read_text()
    stamp = venv / ".flowgate-requirements"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / (venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted:
            return venv
        _run([SYSTEM_PYTHON, "-m", "venv", "--clear", str(venv)])
        _run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
              "-r", str(requirements)])
        stamp.write_text(wanted)
    return venv


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent():
    """Runs in the child before exec: SIGTERM when the test process dies, even
    by SIGKILL (a ctest timeout), so no Prefect server outlives its test."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def clean_environment(extra=None):
    """os.environ without any PREFECT_* of the caller (a developer's profile or
    API URL must not leak into the test), plus `extra`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    environment["DO_NOT_TRACK"] = "1"
    # A flow run without an API URL starts a temporary server and gives it 20 s
    # by default. With two tests on two busy cores that was too little
    # (alerting.daily_report failed so, its log showing the server's telemetry
    # writes meeting "database is locked"). Telemetry off, and a deadline, not
    # a speed check.
    environment["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    environment["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"
    environment.update(extra or {})
    return environment


class PrefectServer:
    """`prefect server start --host 127.0.0.1 --port <free> --no-ui --analytics-off`
    with a throwaway PREFECT_HOME. `url` is the API base (http://127.0.0.1:<port>/api).
    `settings` adds server environment variables (e.g. PREFECT_SERVER_API_AUTH_STRING).
    `home` is a PREFECT_HOME to use and keep (a benchmark's filled database)."""

    def __init__(self, venv=None, settings=None, home=None):
        self.venv = ensure_venv(venv)
        self.keep_home = home is not None
        if home is not None:
            pathlib.Path(home).mkdir(parents=True, exist_ok=True)
        self.home = pathlib.Path(home) if home is not None else pathlib.Path(tempfile.mkdtemp(prefix="prefect-home-"))
        self.settings = {**FAST_SERVICES, **(settings or {})}
        self.process = None
        self.port = None
        self.url = None
        # With CSRF protection on, call() sends the token headers on changes.
        self.csrf = str(self.settings.get("PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "")).lower() == "true"
        self.csrf_client = str(uuid.uuid4())
        self.csrf_token = None

    # -- lifetime ---------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        if not self.keep_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def start(self, port=None):
        """Starts the server (a free port can be taken meanwhile: three tries).
        `port`: this one (a restart on the port clients know), tried once."""
        for attempt in range(3 if port is None else 1):
            self.port = port or free_port()
            self.url = f"http://127.0.0.1:{self.port}/api"
            environment = clean_environment({"PREFECT_HOME": str(self.home),
                                             "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **self.settings})
            with open(self.log_path, "a") as log:
                self.process = subprocess.Popen(
                    [str(self.venv / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1",
                     "--port", str(self.port), "--no-ui", "--analytics-off"],
                    env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True, preexec_fn=_die_with_parent)
            if self._wait_ready():
                return self
            if attempt == 2 or port is not None:
                raise RuntimeError(f"Prefect exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        return self

    def _wait_ready(self):
        """True once /health says true and /ready answers 200 (/health answers
        before the services and the database are up; /ready then still says 503)."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self.get("/health") is True:
                    self.get("/ready")
                    return True
            except OSError:  # refused, or 503 (HTTPError is an OSError)
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Prefect not ready after {READY_TIMEOUT_SECONDS} s:\n{self.log()[-3000:]}")

    def stop(self):
        """SIGTERM to the server's process group (uvicorn runs as a child), SIGKILL after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def log_path(self):
        return self.home / "server.log"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- the API ----------------------------------------------------------
    def call(self, method, path, body=None, timeout=30):
        """One API request; returns the decoded JSON (None for an empty body).
        A 503 (Prefect's answer when SQLite is busy; the transaction was rolled
        back) is retried a few times, as Prefect's own client does. Raises
        urllib.error.HTTPError on other 4xx/5xx, or on a 503 that persists."""
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(5):
            headers = {"Content-Type": "application/json", **self._csrf_headers(method)}
            request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout) as answer:
                    text = answer.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as error:
                if error.code == 403 and self.csrf and attempt < 4:  # the token expired: a new one
                    self.csrf_token = None
                    continue
                if error.code != 503 or attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))

    def _csrf_headers(self, method):
        """Prefect-Csrf-Token/-Client for a change when the server wants them."""
        if not self.csrf or method == "GET":
            return {}
        if self.csrf_token is None:
            self.csrf_token = self.get(f"/csrf-token?client={self.csrf_client}")["token"]
        return {"Prefect-Csrf-Token": self.csrf_token, "Prefect-Csrf-Client": self.csrf_client}

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body):
        return self.call("POST", path, body)

    # -- flows ------------------------------------------------------------
    def flow_environment(self, extra=None):
        """The environment a flow process of this server runs with."""
        return clean_environment({"PREFECT_API_URL": self.url, "PREFECT_HOME": str(self.home / "client"),
                                  **(extra or {})})

    def run_flow(self, script, *args, env=None, timeout=120, check=True):
        """Runs `python script args...` inside the venv against this server;
        returns the CompletedProcess (stdout/stderr as text). With check, a
        non-zero exit raises with the output."""
        command = [str(self.venv / "bin" / "python"), str(script), *map(str, args)]
        done = subprocess.run(command, env=self.flow_environment(env), capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done


def main(argv):
    if argv[1:] == ["ensure-venv"]:
        print(ensure_venv())
        return 0
    print(f"usage: {argv[0]} ensure-venv   (makes $PREFECT_VENV if needed)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
