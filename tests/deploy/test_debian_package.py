"""The Debian package, as a user gets it: cpack builds it from this build
tree, dpkg installs it on this machine (root), and the installed flowgate
answers --version and starts from the installed unit's ExecStart line. The
package is purged afterwards, and before, should an earlier run have left it."""

import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

import manifest_checks as checks
from test_plain_machine_files import owning_package, tool

PACKAGE = "flowgate"


def build_dir():
    path = os.environ.get("FLOWGATE_BUILD_DIR")
    assert path and (pathlib.Path(path) / "CPackConfig.cmake").exists(), \
        "needs the configured build tree (FLOWGATE_BUILD_DIR, set by tests/deploy/CMakeLists.txt)"
    return pathlib.Path(path)


def purge():
    checks.run(["dpkg", "--purge", PACKAGE])


@pytest.fixture(scope="module")
def deb():
    out = checks.work_dir() / "package"
    checks.run(["cpack", "-G", "DEB", "-B", str(out)], cwd=build_dir())
    found, = out.glob(f"{PACKAGE}_*.deb")
    return found


@pytest.fixture(scope="module")
def installed(deb):
    assert os.geteuid() == 0, "installing the .deb needs root (dpkg -i)"
    purge()
    checks.run(["dpkg", "-i", str(deb)])
    try:
        yield {line for line in checks.run(["dpkg", "-L", PACKAGE]).splitlines()}
    finally:
        purge()


def depends(deb):
    field = checks.run(["dpkg-deb", "-f", str(deb), "Depends"])
    return {entry.strip().split(" ")[0] for entry in field.split(",")}


def test_package_depends_on_the_debian_package_of_every_library_flowgate_links(deb, installed):
    libraries = re.findall(r"=> (/\S+) \(", checks.run(["ldd", "/usr/bin/flowgate"]))
    assert libraries, "ldd listed no shared libraries"
    sanitizer = re.compile(r"^lib(asan|ubsan|lsan|tsan)\d+$")
    packages = {owning_package(library) for library in libraries}
    missing = {package for package in packages if not sanitizer.match(package)} - depends(deb)
    assert missing == set(), f"Depends: lacks {sorted(missing)}"
    assert {"libprometheus-cpp-core1.0", "libstatgrab10", "libssl3"} <= depends(deb)


def test_package_installs_binary_man_page_completions_unit_docs_dashboards_and_rules(installed):
    expected = {
        "/usr/bin/flowgate", "/usr/share/man/man1/flowgate.1.gz",
        "/usr/share/bash-completion/completions/flowgate", "/usr/share/zsh/vendor-completions/_flowgate",
        "/usr/lib/systemd/system/flowgate.service", "/usr/share/doc/flowgate/deployment.md",
        "/usr/share/doc/flowgate/README.md", "/usr/share/flowgate/deploy/prometheus/prometheus.yml",
    }
    expected |= {f"/usr/share/flowgate/grafana/dashboards/{path.name}"
                 for path in (checks.REPO / "grafana" / "dashboards").glob("*.json")}
    expected |= {f"/usr/share/flowgate/alerting-rules/rules/{path.name}"
                 for path in (checks.REPO / "alerting-rules" / "rules").glob("*.yml")}
    assert sorted(expected - installed) == []


def test_installed_flowgate_prints_its_version(installed):
    output = checks.run(["/usr/bin/flowgate", "--version"])
    version = re.search(r"project\(flowgate VERSION (\S+)", (checks.REPO / "CMakeLists.txt").read_text()).group(1)
    assert output.startswith(f"flowgate, version {version} ")


def test_installed_unit_points_at_the_installed_binary_and_docs(installed):
    unit = pathlib.Path("/usr/lib/systemd/system/flowgate.service").read_text()
    assert "Documentation=file:///usr/share/doc/flowgate/deployment.md" in unit
    assert pathlib.Path("/usr/share/doc/flowgate/deployment.md").exists()
    assert exec_start(unit)[0] == "/usr/bin/flowgate"


def exec_start(unit):
    """The ExecStart command line, continuation lines joined, as words."""
    joined = re.sub(r"\\\n", " ", unit)
    line, = [line for line in joined.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_overrides(words, overrides):
    """Drops systemd's $ARGS (from /etc/default/flowgate, absent here) and
    replaces or adds each --flag=value of overrides."""
    words = [word for word in words if not word.startswith("$")]
    for flag, value in overrides.items():
        words = [word for word in words if not word.startswith(f"{flag}=")] + [f"{flag}={value}"]
    return words


def wait_until_ready(process, url):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"flowgate exited {process.returncode} before it was ready"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 30 s")


def test_installed_unit_exec_start_serves_and_stops_on_sigterm(installed, tmp_path):
    words = exec_start(pathlib.Path("/usr/lib/systemd/system/flowgate.service").read_text())
    port = free_port()
    persistence = tmp_path / "flowgate.db"
    command = with_overrides(words, {"--web.listen-address": f"127.0.0.1:{port}",
                                     "--persistence.file": str(persistence)})
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until_ready(process, f"http://127.0.0.1:{port}/-/ready") == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert persistence.exists(), output


def test_installed_man_page_renders_without_warnings(installed):
    result = subprocess.run(["man", "--warnings=w", "-l", "-Tutf8", "/usr/share/man/man1/flowgate.1.gz"],
                            capture_output=True, text=True, env={**os.environ, "MANWIDTH": "200"})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "--persistence.file" in result.stdout


def test_installed_bash_completion_completes_flags_and_their_choices(installed):
    script = ('source /usr/share/bash-completion/completions/flowgate; '
              'for line in "flowgate --web.listen-a" "flowgate --log.level=w" "flowgate --no-collector.h"; do '
              'COMP_LINE=$line; COMP_POINT=${#line}; _flowgate; echo "${COMPREPLY[*]}"; done')
    output = checks.run(["bash", "-c", script]).splitlines()
    assert output == ["--web.listen-address=", "warn", "--no-collector.host"]


def test_installed_zsh_completion_parses(installed):
    zsh = tool("zsh", "zsh")
    checks.run([zsh, "-n", "/usr/share/zsh/vendor-completions/_flowgate"])
