"""The real client programs of tests/clients/, each run as a subprocess with the
same command line: --url U --job J [--grouping k=v]... [--value V] [--add|--delete]."""
import os
import subprocess
import sys
import tempfile

_go_binary = None


def python_command():
    """Debian's prometheus_client needs Debian's interpreter, which runs the tests."""
    return [sys.executable, os.environ["FLOWGATE_PYTHON_PUSH"]]


def cpp_command():
    path = os.environ.get("FLOWGATE_CPP_PUSH", "")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"FLOWGATE_CPP_PUSH={path!r} is not built")
    return [path]


def go_command():
    """Helper B's client_golang program (tests/clients/go_push), built once per
    session with the Go toolchain unless FLOWGATE_GO_PUSH names a built binary."""
    global _go_binary
    prebuilt = os.environ.get("FLOWGATE_GO_PUSH", "")
    if prebuilt:
        return [prebuilt, "push"]
    if _go_binary is None:
        source = os.environ["FLOWGATE_GO_PUSH_DIR"]
        output = os.path.join(tempfile.mkdtemp(prefix="flowgate-go-push-"), "go_push")
        subprocess.run(["go", "build", "-o", output, "."], cwd=source, check=True,
                       capture_output=True, timeout=600)
        _go_binary = output
    return [_go_binary, "push"]


COMMANDS = {"python": python_command, "cpp": cpp_command, "go": go_command}


def run(client, url, job, grouping=None, value=None, add=False, delete=False, env=None,
        extra=()):
    """Runs one push; returns the CompletedProcess (check returncode)."""
    argv = [*COMMANDS[client](), "--url", url, "--job", job]
    for name, label_value in (grouping or {}).items():
        argv += ["--grouping", f"{name}={label_value}"]
    if value is not None:
        argv += ["--value", repr(float(value))]
    if add:
        argv.append("--add")
    if delete:
        argv.append("--delete")
    argv += list(extra)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def series(name, **labels):
    """The key pushed_samples() uses: name{labels sorted by name, le/quantile last}."""
    if not labels:
        return name
    ordered = sorted(labels.items(), key=lambda item: (item[0] in ("le", "quantile"), item[0]))
    body = ",".join(f'{key}="{value}"' for key, value in ordered)
    return f"{name}{{{body}}}"
