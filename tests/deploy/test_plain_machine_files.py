"""The files for running flowgate outside Kubernetes: the example
prometheus.yml (promtool), the systemd unit (systemd-analyze) and the
Dockerfile (its build packages against .ci/install-deps, the .deb it installs)."""

import os
import re
import shutil
import subprocess

import yaml

import manifest_checks as checks

DEPLOY = checks.REPO / "deploy"
UNIT = DEPLOY / "systemd" / "flowgate.service"


def tool(name, package):
    path = shutil.which(name)
    assert path, f"{name} is needed: apt-get install {package} (.ci/install-deps installs it)"
    return path


# --- prometheus.yml ----------------------------------------------------------

def test_example_prometheus_config_passes_promtool_with_the_alerting_rules():
    config = DEPLOY / "prometheus" / "prometheus.yml"
    output = checks.run([tool("promtool", "prometheus"), "check", "config", str(config)])
    rule_files = sorted((checks.REPO / "alerting-rules" / "rules").glob("*.yml"))
    assert f"SUCCESS: {len(rule_files)} rule files found" in output


def test_example_prometheus_config_scrapes_flowgate_with_honor_labels_and_alerts_to_alertmanager():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    job, = [job for job in config["scrape_configs"] if job["job_name"] == "flowgate"]
    assert job["honor_labels"] is True
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:9091"]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["127.0.0.1:9093"]
    assert config["rule_files"] == ["../../alerting-rules/rules/*.yml"]


# --- systemd -----------------------------------------------------------------

def unit_with_runnable_binary(tmp_path):
    """systemd-analyze verify insists the ExecStart binary exists: point it at
    the built flowgate, or at /bin/true when this build has none."""
    binary = os.environ.get("FLOWGATE_BINARY")
    binary = binary if binary and os.path.exists(binary) else "/bin/true"
    copy = tmp_path / "flowgate.service"
    copy.write_text(UNIT.read_text().replace("/usr/local/bin/flowgate", binary))
    return copy


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = tool("systemd-analyze", "systemd")
    result = subprocess.run([analyze, "verify", str(unit_with_runnable_binary(tmp_path))],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout + result.stderr == "", \
        f"systemd-analyze verify (exit {result.returncode}):\n{result.stdout}{result.stderr}"


def test_systemd_unit_sandbox_exposure_is_rated_ok(tmp_path):
    analyze = tool("systemd-analyze", "systemd")
    output = checks.run([analyze, "security", "--offline=true", "--no-pager",
                         str(unit_with_runnable_binary(tmp_path))])
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", output).group(1))
    # 0 is fully locked down, 10 unprotected; systemd calls < 2.0 "OK". The
    # unit scores 1.4 (systemd 252); the remainder is the network access
    # flowgate exists for.
    assert exposure < 2.0, output


def test_systemd_unit_sandboxes_the_service():
    directives = {}
    for line in UNIT.read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not line.startswith("#"):
            directives.setdefault(key.strip(), []).append(value.strip())
    expected = {
        "DynamicUser": "yes", "StateDirectory": "flowgate", "ProtectSystem": "strict",
        "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes", "CapabilityBoundingSet": "",
        "ReadWritePaths": "/var/lib/flowgate", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    }
    for key, value in expected.items():
        assert directives.get(key) == [value], key
    assert "@system-service" in directives["SystemCallFilter"]
    assert "--persistence.file=/var/lib/flowgate/flowgate.db" in UNIT.read_text()


# --- Dockerfile --------------------------------------------------------------

def install_deps_sections():
    """The packages=( ... ) list of .ci/install-deps, by its '# section' comments."""
    text = (checks.REPO / ".ci" / "install-deps").read_text()
    block = re.search(r"^packages=\($(.*?)^\)$", text, flags=re.MULTILINE | re.DOTALL).group(1)
    sections, current = {}, None
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("#"):
            current = line.lstrip("# ").split(" ")[0]
        elif line:
            sections.setdefault(current, []).extend(line.split())
    return sections


def dockerfile_stages():
    """Maps each stage's base image to the packages its apt-get install names."""
    stages, current = {}, None
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("FROM "):
            current = line.split()[1]
            stages[current] = []
        match = re.search(r"apt-get install -y --no-install-recommends (.*?)(&&|$)", line)
        if match:
            stages[current].extend(match.group(1).split())
    return stages


def test_dockerfile_build_stage_installs_the_build_and_library_packages_of_install_deps():
    sections = install_deps_sections()
    assert sorted(dockerfile_stages()["debian:12"]) == sorted(sections["build"] + sections["libraries"])


def test_dockerfile_builds_with_the_release_workflow_and_runs_as_a_non_root_number():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "cmake --workflow --preset release" in text
    assert "cpack -G DEB --config build/release/CPackConfig.cmake" in text
    assert re.search(r"^USER \d+:\d+$", text, flags=re.MULTILINE)
    assert re.search(r"^EXPOSE 9091$", text, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["/usr/bin/flowgate"]' in text
    assert "FROM debian:12-slim" in text


def owning_package(library):
    """dpkg records /lib or /usr/lib paths as shipped; Debian 12 merges /usr."""
    real = os.path.realpath(library)
    for candidate in dict.fromkeys([library, real, real.removeprefix("/usr"), library.removeprefix("/usr")]):
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    return f"(no package owns {library})"


def test_dockerfile_runtime_stage_installs_the_package_built_in_the_build_stage():
    # The package's Depends cover every library flowgate links: checked on the
    # real package by test_debian_package.py.
    text = (DEPLOY / "Dockerfile").read_text()
    assert "COPY --from=build /out/flowgate.deb /tmp/flowgate.deb" in text
    assert sorted(dockerfile_stages()["debian:12-slim"]) == ["/tmp/flowgate.deb", "ca-certificates"]
