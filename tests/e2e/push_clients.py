"""The real client programs of tests/clients/, each run as a subprocess with the
same command line: --url U --job J [--grouping k=v]... [--value V] [--add|--delete]."""
import os
import subprocess
import sys


def python_command():
    """Debian's prometheus_client needs Debian's interpreter, which runs the tests."""
    return [sys.executable, os.environ["FLOWGATE_PYTHON_PUSH"]]


def cpp_command():
    path = os.environ.get("FLOWGATE_CPP_PUSH", "")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"FLOWGATE_CPP_PUSH={path!r} is not built")
    return [path]


def go_command():
    """Helper B's client_golang program; ctest builds it (fixture go_push_binary,
    see tests/clients/go_push/README.md) and passes its path in FLOWGATE_GO_PUSH."""
    path = os.environ.get("FLOWGATE_GO_PUSH", "")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"FLOWGATE_GO_PUSH={path!r} is not built (ctest -R clients.go_push.build)")
    return [path, "push"]


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
