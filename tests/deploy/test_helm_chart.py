"""The Helm chart lints, renders with every ci/ values file, passes the same
schemas and policy as the kustomize manifests and documents every value."""

import json
import re
import subprocess
import tempfile

import pytest
import yaml

import manifest_checks as checks

VALUES_FILES = sorted((checks.CHART / "ci").glob("*-values.yaml"))


def workload(objects):
    """The one Deployment or StatefulSet the chart renders."""
    found, = [document for document in objects if document["kind"] in ("Deployment", "StatefulSet")]
    return found


def pod_spec(objects):
    return workload(objects)["spec"]["template"]["spec"]


def flowgate_container(objects):
    container, = [container for container in pod_spec(objects)["containers"] if container["name"] == "flowgate"]
    return container


def of_kind(objects, kind):
    return [document for document in objects if document["kind"] == kind]


def render(values):
    """Renders the chart with these values (a dict, as a -f file would hold)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=checks.work_dir()) as handle:
        yaml.safe_dump(values, handle)
        handle.flush()
        return checks.helm_template(handle.name)


def render_error(values):
    """helm template's error output for values the chart must refuse."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=checks.work_dir()) as handle:
        yaml.safe_dump(values, handle)
        handle.flush()
        result = subprocess.run([checks.helm(), "template", "flowgate", str(checks.CHART), "-f", handle.name,
                                 "--kube-version", checks.KUBE_VERSION], capture_output=True, text=True)
    assert result.returncode != 0, "helm template accepted values it should refuse"
    return result.stderr


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
    # (tests/exporter/config_differential.py).
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


# --- values shared with the prometheus-community pushgateway chart -----------

SELECTOR = {"app.kubernetes.io/name": "flowgate", "app.kubernetes.io/instance": "flowgate"}


def test_chart_renders_no_optional_objects_by_default():
    objects = checks.helm_template()
    kinds = sorted(document["kind"] for document in objects)
    assert kinds == ["Deployment", "Secret", "Service", "ServiceAccount"]


def test_ingress_routes_each_host_to_the_service_with_tls_and_extra_paths_first():
    extra = {"path": "/oauth2", "pathType": "Prefix",
             "backend": {"service": {"name": "oauth2-proxy", "port": {"number": 4180}}}}
    objects = render({"ingress": {
        "enabled": True, "className": "nginx", "annotations": {"a": "b"}, "hosts": ["one.example", "two.example"],
        "path": "/push", "pathType": "Exact", "extraPaths": [extra],
        "tls": [{"secretName": "flowgate-tls", "hosts": ["one.example"]}]}})
    ingress, = of_kind(objects, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {"a": "b"}
    assert ingress["spec"]["tls"] == [{"secretName": "flowgate-tls", "hosts": ["one.example"]}]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["one.example", "two.example"]
    for rule in ingress["spec"]["rules"]:
        assert rule["http"]["paths"] == [extra, {
            "path": "/push", "pathType": "Exact",
            "backend": {"service": {"name": "flowgate", "port": {"number": 9091}}}}]
    assert checks.schema_violations(objects) == []


def test_ingress_without_hosts_answers_every_host():
    ingress, = of_kind(render({"ingress": {"enabled": True}}), "Ingress")
    rule, = ingress["spec"]["rules"]
    assert "host" not in rule and rule["http"]["paths"][0]["pathType"] == "Prefix"


@pytest.mark.parametrize("policy, peers", [
    ({"allowAll": False}, [{"podSelector": {}}]),
    ({"allowAll": True}, [{"namespaceSelector": {}}]),
    ({"allowAll": True, "customSelectors": [{"podSelector": {"matchLabels": {"app": "worker"}}}]},
     [{"podSelector": {"matchLabels": {"app": "worker"}}}]),
], ids=["release-namespace", "allow-all", "custom-selectors"])
def test_network_policy_admits_the_chosen_peers_to_port_9091(policy, peers):
    objects = render({"networkPolicy": policy})
    network_policy, = of_kind(objects, "NetworkPolicy")
    assert network_policy["spec"]["podSelector"] == {"matchLabels": SELECTOR}
    assert network_policy["spec"]["policyTypes"] == ["Ingress"]
    assert network_policy["spec"]["ingress"] == [{"ports": [{"port": 9091, "protocol": "TCP"}], "from": peers}]
    assert checks.schema_violations(objects) == []


def test_pod_disruption_budget_takes_the_given_spec_and_selects_the_pods():
    objects = render({"podDisruptionBudget": {"minAvailable": 1}})
    budget, = of_kind(objects, "PodDisruptionBudget")
    assert budget["spec"] == {"minAvailable": 1, "selector": {"matchLabels": SELECTOR}}
    assert checks.schema_violations(objects) == []


def test_service_account_is_created_without_a_mounted_token_and_used_by_the_pods():
    objects = render({"serviceAccount": {"annotations": {"iam": "role"}}, "serviceAccountLabels": {"team": "data"}})
    account, = of_kind(objects, "ServiceAccount")
    assert account["metadata"]["name"] == "flowgate"
    assert account["metadata"]["annotations"] == {"iam": "role"}
    assert account["metadata"]["labels"]["team"] == "data"
    assert account["automountServiceAccountToken"] is False
    assert pod_spec(objects)["serviceAccountName"] == "flowgate"
    assert pod_spec(objects)["automountServiceAccountToken"] is False


@pytest.mark.parametrize("account, name", [({"create": False}, "default"),
                                           ({"create": False, "name": "shared"}, "shared"),
                                           ({"create": True, "name": "own"}, "own")])
def test_service_account_name_follows_create_and_name(account, name):
    objects = render({"serviceAccount": account})
    assert pod_spec(objects)["serviceAccountName"] == name
    assert [document["metadata"]["name"] for document in of_kind(objects, "ServiceAccount")] == \
        ([name] if account["create"] else [])


def test_automount_service_account_token_can_be_switched_on_for_extra_containers():
    objects = render({"automountServiceAccountToken": True})
    assert pod_spec(objects)["automountServiceAccountToken"] is True
    assert of_kind(objects, "ServiceAccount")[0]["automountServiceAccountToken"] is True


def test_extra_volumes_mounts_containers_and_init_containers_join_the_pod():
    init = {"name": "migrate", "image": "busybox:1.36", "command": ["true"]}
    sidecar = {"name": "proxy", "image": "nginx:1.27"}
    objects = render({"extraVolumes": [{"name": "extra", "emptyDir": {}}],
                      "extraVolumeMounts": [{"name": "extra", "mountPath": "/extra"}],
                      "extraContainers": [sidecar], "extraInitContainers": [init]})
    spec = pod_spec(objects)
    assert spec["initContainers"] == [init]
    assert [container["name"] for container in spec["containers"]] == ["flowgate", "proxy"]
    assert spec["containers"][1] == sidecar
    assert {"name": "extra", "emptyDir": {}} in spec["volumes"]
    assert flowgate_container(objects)["volumeMounts"][-1] == {"name": "extra", "mountPath": "/extra"}
    assert checks.schema_violations(objects) == []


def test_priority_class_and_topology_spread_reach_the_pod_with_a_default_label_selector():
    own_selector = {"matchLabels": {"custom": "yes"}}
    objects = render({"priorityClassName": "high", "topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
        {"maxSkew": 2, "topologyKey": "host", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": own_selector}]})
    spec = pod_spec(objects)
    assert spec["priorityClassName"] == "high"
    first, second = spec["topologySpreadConstraints"]
    assert first == {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                     "labelSelector": {"matchLabels": SELECTOR}}
    assert second["labelSelector"] == own_selector


def data_volume(objects):
    volume, = [volume for volume in pod_spec(objects)["volumes"] if volume["name"] == "data"]
    return volume


def test_persistent_volume_creates_one_claim_for_the_deployment():
    objects = render({"persistentVolume": {"enabled": True, "storageClass": "-", "size": "3Gi",
                                           "annotations": {"keep": "yes"}, "subPath": "flowgate"}})
    claim, = of_kind(objects, "PersistentVolumeClaim")
    assert claim["metadata"]["annotations"] == {"keep": "yes"}
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                             "resources": {"requests": {"storage": "3Gi"}}}
    assert data_volume(objects) == {"name": "data", "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}
    mount, = [mount for mount in flowgate_container(objects)["volumeMounts"] if mount["name"] == "data"]
    assert mount == {"name": "data", "mountPath": "/data", "subPath": "flowgate"}


def test_persistent_volume_uses_an_existing_claim_without_creating_one():
    objects = render({"persistentVolume": {"enabled": True, "existingClaim": "mine"}})
    assert of_kind(objects, "PersistentVolumeClaim") == []
    assert data_volume(objects)["persistentVolumeClaim"] == {"claimName": "mine"}


def test_stateful_set_mode_gives_each_replica_its_own_claim_and_a_headless_service():
    objects = checks.helm_template(checks.CHART / "ci" / "statefulset-values.yaml")
    assert of_kind(objects, "Deployment") == [] and of_kind(objects, "PersistentVolumeClaim") == []
    statefulset, = of_kind(objects, "StatefulSet")
    template, = statefulset["spec"]["volumeClaimTemplates"]
    assert template["metadata"]["name"] == "data"
    assert template["metadata"]["annotations"] == {"backup.example.com/enabled": "true"}
    assert template["spec"] == {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                                "resources": {"requests": {"storage": "5Gi"}}}
    assert [volume["name"] for volume in pod_spec(objects)["volumes"]] == ["web-config"]
    assert "--persistence.file=/data/flowgate.db" in flowgate_container(objects)["args"]
    headless, = [service for service in of_kind(objects, "Service") if service["spec"].get("clusterIP") == "None"]
    assert statefulset["spec"]["serviceName"] == headless["metadata"]["name"]
    assert statefulset["spec"]["replicas"] == 2


def test_stateful_set_mode_without_a_persistent_volume_keeps_groups_on_an_emptydir():
    objects = render({"runAsStatefulSet": True})
    assert "volumeClaimTemplates" not in workload(objects)["spec"]
    assert data_volume(objects)["emptyDir"] == {"sizeLimit": "1Gi"}


@pytest.mark.parametrize("old, new", [("enabled", "persistentVolume.enabled"),
                                      ("existingClaim", "persistentVolume.existingClaim"),
                                      ("storageClassName", "persistentVolume.storageClass"),
                                      ("size", "persistentVolume.size")])
def test_chart_refuses_the_claim_values_renamed_in_0_2_0_by_their_new_name(old, new):
    error = render_error({"persistence": {old: "x"}})
    assert f"persistence.{old} was renamed to {new}" in error
