"""The Helm chart lints, renders with every ci/ values file, passes the same
schemas and policy as the kustomize manifests and documents every value."""

import json
import re

import pytest
import yaml

import manifest_checks as checks

VALUES_FILES = sorted((checks.CHART / "ci").glob("*-values.yaml"))


def flowgate_container(objects):
    deployment, = [document for document in objects if document["kind"] == "Deployment"]
    container, = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("values", VALUES_FILES, ids=lambda path: path.stem)
def test_chart_passes_helm_lint_strict(values):
    checks.run([checks.helm(), "lint", "--strict", str(checks.CHART), "-f", str(values),
                "--kube-version", checks.KUBE_VERSION])


@pytest.mark.parametrize("values", VALUES_FILES, ids=lambda path: path.stem)
def test_rendered_chart_passes_schemas_and_policy(values):
    objects = checks.helm_template(values)
    assert checks.schema_violations(objects) == []
    assert checks.policy_violations(objects) == []


def test_chart_runs_the_same_flowgate_container_as_the_kustomize_base():
    from_chart = flowgate_container(checks.helm_template())
    from_kustomize = flowgate_container(checks.kustomize("standalone"))
    for field in ("args", "ports", "securityContext", "resources", "livenessProbe", "readinessProbe",
                  "startupProbe", "volumeMounts"):
        assert from_chart[field] == from_kustomize[field], field


def test_chart_renders_every_rule_group_and_dashboard_it_carries():
    # Against the chart's copies; deploy.generated_copies_are_up_to_date
    # checks the copies against alerting-rules/ and grafana/.
    files = checks.CHART / "files"
    objects = checks.helm_template(checks.CHART / "ci" / "monitoring-values.yaml")
    rule, = [document for document in objects if document["kind"] == "PrometheusRule"]
    assert rule["spec"]["groups"] == [group for path in sorted((files / "rules").glob("*.yml"))
                                      for group in yaml.safe_load(path.read_text())["groups"]]
    dashboards = {key: json.loads(value) for document in objects if document["kind"] == "ConfigMap"
                  for key, value in document["data"].items()}
    assert dashboards == {path.name: json.loads(path.read_text())
                          for path in sorted((files / "dashboards").glob("*.json"))}


def test_chart_puts_basic_auth_on_the_probes_when_configured():
    objects = checks.helm_template(checks.CHART / "ci" / "basic-auth-values.yaml")
    container = flowgate_container(objects)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["httpHeaders"][0]["name"] == "Authorization"
    secret, = [document for document in objects if document["kind"] == "Secret"]
    assert "basic_auth_users" in yaml.safe_load(secret["stringData"]["web-config.yml"])


@pytest.mark.parametrize("values", [None, checks.CHART / "ci" / "basic-auth-values.yaml"],
                         ids=["default", "basic-auth"])
def test_chart_web_config_is_one_promtool_accepts_as_rendered(values, tmp_path):
    # No workaround for a YAML subset: the default `content: {}` is rendered as
    # it is, and flowgate reads what promtool reads
    # (tests/exporter/web_config_differential.py).
    secret, = [document for document in checks.helm_template(values) if document["kind"] == "Secret"]
    rendered = secret["stringData"]["web-config.yml"]
    if values is None:
        assert yaml.safe_load(rendered) == {}, rendered  # values.yaml's content, not a stand-in
    web_config = tmp_path / "web-config.yml"
    web_config.write_text(rendered)
    checks.run(["promtool", "check", "web-config", str(web_config)])


def documented_values(text):
    """Reads values.yaml the helm-docs way: a key whose comment block starts
    with "# --" is a documented value (its children are part of it). Returns
    the documented dotted paths and the keys covered by no such comment."""
    documented, uncovered, stack = [], [], []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z][\w]*):(.*)$", line)
        if not match:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        comment = []
        for previous in reversed(lines[:number]):
            if not previous.lstrip().startswith("#"):
                break
            comment.insert(0, previous.strip())
        path = ".".join([name for _, name, _ in stack] + [match.group(2)])
        covered = any(is_documented for _, _, is_documented in stack)
        is_documented = bool(comment) and comment[0].startswith("# --")
        following = next((other for other in lines[number + 1:] if other.strip()), "")
        is_parent = not match.group(3).strip() and \
            len(following) - len(following.lstrip()) > indent and not following.lstrip().startswith("-")
        if is_documented and not covered:
            documented.append(path)
        elif not covered and not is_parent:
            uncovered.append(path)
        stack.append((indent, match.group(2), is_documented or covered))
    return documented, uncovered


def test_every_value_is_commented_and_in_the_readme_table():
    documented, uncovered = documented_values((checks.CHART / "values.yaml").read_text())
    assert uncovered == [], "values.yaml keys without a '# --' comment"
    readme = (checks.CHART / "README.md").read_text()
    in_table = re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE)
    assert sorted(set(documented) - set(in_table)) == [], "values missing from README.md's table"
    assert sorted(set(in_table) - set(documented)) == [], "README.md lists values values.yaml does not have"
