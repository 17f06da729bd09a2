"""Every kustomize overlay, alone and with the components that fit it, renders
offline, passes the Kubernetes and prometheus-operator schemas and our policy."""

import copy
import json
import os
import re
import textwrap

import pytest
import yaml

import manifest_checks as checks

COMPONENTS = ["persistence", "podmonitor", "servicemonitor", "prometheusrule", "grafana-dashboards"]
CASES = {
    "standalone": ("standalone", []),
    "sidecar": ("sidecar", []),
    "standalone+all-components": ("standalone", COMPONENTS),
    "sidecar+all-components": ("sidecar", COMPONENTS),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def rendered(request):
    overlay, components = CASES[request.param]
    return checks.kustomize(overlay, components)


def kinds(objects):
    return sorted(document["kind"] for document in objects)


def only(objects, kind, name=None):
    found = [document for document in objects
             if document["kind"] == kind and (name is None or document["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, rendered {kinds(objects)}"
    return found[0]


def test_rendered_objects_pass_the_kubernetes_and_operator_schemas(rendered):
    assert checks.schema_violations(rendered) == []


def test_rendered_objects_meet_the_hardening_and_scrape_policy(rendered):
    assert checks.policy_violations(rendered) == []


def test_sidecar_overlay_runs_flowgate_as_native_sidecar_of_the_prefect_worker():
    objects = checks.kustomize("sidecar")
    pod = only(objects, "Deployment", "prefect-worker")["spec"]["template"]["spec"]
    sidecar, = pod["initContainers"]
    assert checks.is_flowgate(sidecar)
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["startupProbe"]["httpGet"] == {"path": "/-/ready", "port": 9091}
    worker, = pod["containers"]
    assert worker["image"].startswith("prefecthq/prefect:3-")
    assert worker["command"][:3] == ["prefect", "worker", "start"]
    assert "--pool" in worker["command"]
    env = {variable["name"]: variable.get("value") for variable in worker["env"]}
    assert env["FLOWGATE_URL"] == "http://127.0.0.1:9091"
    assert not any(document["kind"] == "Deployment" and document["metadata"]["name"] == "flowgate"
                   for document in objects)


def test_standalone_overlay_serves_flowgate_on_9091_behind_a_service():
    objects = checks.kustomize("standalone")
    pod = only(objects, "Deployment", "flowgate")["spec"]["template"]["spec"]
    assert "initContainers" not in pod
    container, = pod["containers"]
    assert checks.is_flowgate(container)
    port, = only(objects, "Service", "flowgate")["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (9091, 9091)


def test_flowgate_keeps_data_on_an_empty_dir_unless_the_persistence_component_adds_a_claim():
    def data_volume(objects):
        pod = only(objects, "Deployment", "flowgate")["spec"]["template"]["spec"]
        return next(volume for volume in pod["volumes"] if volume["name"] == "data")

    assert "emptyDir" in data_volume(checks.kustomize("standalone"))
    with_claim = checks.kustomize("standalone", ["persistence"])
    assert data_volume(with_claim) == {"name": "data", "persistentVolumeClaim": {"claimName": "flowgate-data"}}
    only(with_claim, "PersistentVolumeClaim", "flowgate-data")


def test_monitors_keep_pushed_labels():
    objects = checks.kustomize("standalone", ["podmonitor", "servicemonitor"])
    assert only(objects, "ServiceMonitor")["spec"]["endpoints"][0]["honorLabels"] is True
    assert only(objects, "PodMonitor")["spec"]["podMetricsEndpoints"][0]["honorLabels"] is True


def test_prometheus_rule_holds_every_group_of_the_generated_copy():
    # deploy.generated_copies_are_up_to_date checks the copy against alerting-rules/.
    generated = checks.KUBERNETES / "components" / "prometheusrule" / "prometheusrule.yaml"
    objects = checks.kustomize("standalone", ["prometheusrule"])
    groups = only(objects, "PrometheusRule")["spec"]["groups"]
    assert groups == yaml.safe_load(generated.read_text())["spec"]["groups"]
    assert groups, "no rule groups: alerting-rules/rules/ holds some"


def test_grafana_dashboards_component_makes_one_labelled_config_map_per_dashboard():
    objects = checks.kustomize("standalone", ["grafana-dashboards"])
    maps = {document["metadata"]["name"]: document for document in objects
            if document["kind"] == "ConfigMap" and "grafana_dashboard" in document["metadata"].get("labels", {})}
    # Against the component's copies (deploy.generated_copies_are_up_to_date
    # checks them against grafana/dashboards/).
    copies = checks.KUBERNETES / "components" / "grafana-dashboards" / "dashboards"
    expected = {path.name: json.loads(path.read_text()) for path in sorted(copies.glob("*.json"))}
    assert sorted(maps) == sorted(f"flowgate-dashboard-{name[:-len('.json')]}" for name in expected)
    for name, dashboard in expected.items():
        data = maps[f"flowgate-dashboard-{name[:-len('.json')]}"]["data"]
        assert json.loads(data[name]) == dashboard


def test_policy_catches_each_weakened_setting():
    """The policy is only worth something if it fails on what it is meant to catch."""
    good = checks.kustomize("sidecar", ["podmonitor", "servicemonitor"])
    assert checks.policy_violations(good) == []

    def weakened(change):
        objects = copy.deepcopy(good)
        change(objects)
        return checks.policy_violations(objects)

    def sidecar(objects):
        return only(objects, "Deployment")["spec"]["template"]["spec"]["initContainers"][0]

    breakages = {
        "escalation": lambda o: sidecar(o)["securityContext"].update(allowPrivilegeEscalation=True),
        "writable root": lambda o: sidecar(o)["securityContext"].pop("readOnlyRootFilesystem"),
        "capabilities": lambda o: sidecar(o)["securityContext"]["capabilities"].update(drop=[]),
        "seccomp": lambda o: [d["spec"]["template"]["spec"]["securityContext"].pop("seccompProfile")
                              and sidecar(o)["securityContext"].pop("seccompProfile")
                              for d in o if d["kind"] == "Deployment"],
        "root user": lambda o: sidecar(o)["securityContext"].update(runAsUser=0),
        "no limits": lambda o: sidecar(o)["resources"].pop("limits"),
        "no liveness": lambda o: sidecar(o).pop("livenessProbe"),
        "ready probe path": lambda o: sidecar(o)["readinessProbe"]["httpGet"].update(path="/"),
        "no startup probe": lambda o: sidecar(o).pop("startupProbe"),
        "not a native sidecar": lambda o: sidecar(o).pop("restartPolicy"),
        "misspelt field": lambda o: sidecar(o).update(restartPolicyy="Always"),
        "latest image": lambda o: sidecar(o).update(image="flowgate:latest"),
        "named target port": lambda o: only(o, "Service")["spec"]["ports"][0].update(targetPort="metrics"),
        "honor labels off": lambda o: only(o, "PodMonitor")["spec"]["podMetricsEndpoints"][0].update(
            honorLabels=False),
        "monitor port": lambda o: only(o, "ServiceMonitor")["spec"]["endpoints"][0].update(port="web"),
    }
    for what, change in breakages.items():
        assert weakened(change), f"policy let through: {what}"


def test_schemas_catch_a_wrong_type():
    objects = checks.kustomize("standalone", ["servicemonitor"])
    only(objects, "ServiceMonitor")["spec"]["endpoints"][0]["honorLabels"] = "yes"
    assert any("honorLabels" in violation for violation in checks.schema_violations(objects))


def test_the_kustomization_docs_deployment_md_shows_renders_and_passes(tmp_path):
    docs = (checks.REPO / "docs" / "deployment.md").read_text()
    block = re.search(r"```yaml\n( *apiVersion: kustomize.config.k8s.io/v1beta1\n.*?) *```", docs, re.DOTALL)
    example = textwrap.dedent(block.group(1))
    directory = tmp_path / "my-flowgate"
    directory.mkdir()
    relative = os.path.relpath(checks.REPO / "deploy", directory)
    (directory / "kustomization.yaml").write_text(example.replace("../deploy/", relative + "/"))
    objects = checks.parse_documents(checks.run(["kubectl", "kustomize", str(directory)]))
    assert checks.policy_violations(objects) == []
    assert checks.schema_violations(objects) == []
    worker = only(objects, "Deployment", "prefect-worker")["spec"]["template"]["spec"]
    assert worker["initContainers"][0]["image"] == "registry.example.com/flowgate:0.1.0"
    settings = only(objects, "ConfigMap")["data"]
    assert settings["PREFECT_WORK_POOL"] == "my-process-pool"
