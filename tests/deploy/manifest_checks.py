"""Renders flowgate's Kubernetes manifests and checks them.

Three kinds of check, each returning a list of sentences (empty = fine):
  - schema_violations: the pinned kubernetes-models / prometheus-operator
    schemas (npm, see package-lock.json), run with node;
  - policy_violations: what those schemas let through and what we promise in
    docs/deployment.md: hardening, probes, sidecar shape, honor labels,
    numeric target ports, pinned images, unknown fields.
Renderers (kustomize, helm) return the parsed objects.
"""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
KUBERNETES = REPO / "deploy" / "kubernetes"
HERE = pathlib.Path(__file__).resolve().parent
FLOWGATE_PORT = 9091

# Fields of the objects we ship, from the Kubernetes API reference: a field not
# listed is a misspelling (the npm schemas let unknown fields through).
TOP_LEVEL_FIELDS = {"apiVersion", "kind", "metadata", "spec", "data", "stringData", "binaryData",
                    "type", "immutable",
                    # ServiceAccount
                    "automountServiceAccountToken", "secrets", "imagePullSecrets"}
CONTAINER_FIELDS = {"name", "image", "imagePullPolicy", "command", "args", "workingDir", "ports",
                    "env", "envFrom", "resources", "resizePolicy", "restartPolicy", "volumeMounts",
                    "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
                    "terminationMessagePath", "terminationMessagePolicy", "securityContext",
                    "stdin", "stdinOnce", "tty"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}


def work_dir():
    """Where installs and scratch files go: the ctest binary dir, never the source tree."""
    path = pathlib.Path(os.environ.get("FLOWGATE_DEPLOY_WORK", REPO / "build" / "deploy-tests"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(command, **kwargs):
    """Runs a command; a failure raises with its output, so the test says why."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result.stdout


def parse_documents(text):
    return [document for document in yaml.safe_load_all(text) if document]


def kustomize(overlay, components=()):
    """Renders an overlay, optionally with components, as `kubectl kustomize` does."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with kustomize) is needed: it is in the base image of this project's machines"
    overlay = KUBERNETES / "overlays" / overlay
    if not components:
        return parse_documents(run([kubectl, "kustomize", str(overlay)]))
    with tempfile.TemporaryDirectory(dir=work_dir()) as scratch:
        # kustomize wants relative paths to other kustomization roots.
        relative = lambda path: os.path.relpath(path, scratch)
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [relative(overlay)],
            "components": [relative(KUBERNETES / "components" / name) for name in components],
        }
        (pathlib.Path(scratch) / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
        return parse_documents(run([kubectl, "kustomize", scratch]))


# --- schema validation (npm) -------------------------------------------------

def _npm_dir():
    """Installs the pinned npm packages once per lockfile into the work dir."""
    target = work_dir() / "npm"
    target.mkdir(exist_ok=True)
    for name in ("package.json", "package-lock.json", "validate_schemas.mjs"):
        shutil.copyfile(HERE / name, target / name)
    stamp = target / "node_modules" / ".flowgate-lock"
    lock = (HERE / "package-lock.json").read_text()
    if not stamp.exists() or stamp.read_text() != lock:
        npm = shutil.which("npm")
        assert npm, "npm is needed to install the pinned schema packages (tests/deploy/package-lock.json)"
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target)
        stamp.write_text(lock)
    return target


def schema_violations(objects):
    directory = _npm_dir()
    normalised = []
    for document in objects:
        document = json.loads(json.dumps(document))
        if document.get("kind") == "Secret":
            # kustomize folds base64 over lines; the API server's decoder
            # skips newlines, the schema's "byte" format does not.
            document["data"] = {key: "".join(value.split())
                                for key, value in (document.get("data") or {}).items()}
        normalised.append(document)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=directory, delete=False) as handle:
        json.dump(normalised, handle)
    try:
        result = subprocess.run([shutil.which("node") or "node", "validate_schemas.mjs", handle.name],
                                cwd=directory, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    if result.returncode == 0:
        return []
    return [line for line in result.stdout.splitlines() if line.startswith("FAIL")] or \
        [f"node exited {result.returncode}: {result.stderr}"]


# --- policy ------------------------------------------------------------------

def _name(document):
    return f"{document['kind']}/{document['metadata']['name']}"


def pod_specs(objects):
    for document in objects:
        if document["kind"] in WORKLOAD_KINDS:
            yield document, document["spec"]["template"]


def is_flowgate(container):
    repository = container["image"].rsplit(":", 1)[0]
    return repository.rsplit("/", 1)[-1] == "flowgate"


def _probe_path(container, probe):
    return ((container.get(probe) or {}).get("httpGet") or {}).get("path")


def _container_violations(where, container, pod_security, sidecar):
    found = []
    unknown = set(container) - CONTAINER_FIELDS
    if unknown:
        found.append(f"{where}: unknown container fields {sorted(unknown)}")
    image = container.get("image", "")
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
    if not tag or tag == "latest":
        found.append(f"{where}: image {image!r} is not pinned to a tag")
    security = container.get("securityContext") or {}
    merged = {**pod_security, **security}
    if merged.get("runAsNonRoot") is not True:
        found.append(f"{where}: runAsNonRoot is not true")
    if not isinstance(merged.get("runAsUser"), int) or merged.get("runAsUser") == 0:
        found.append(f"{where}: runAsUser is not a numeric non-root user")
    if security.get("readOnlyRootFilesystem") is not True:
        found.append(f"{where}: readOnlyRootFilesystem is not true")
    if security.get("allowPrivilegeEscalation") is not False:
        found.append(f"{where}: allowPrivilegeEscalation is not false")
    if security.get("privileged"):
        found.append(f"{where}: privileged")
    capabilities = security.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []) or capabilities.get("add"):
        found.append(f"{where}: capabilities do not drop ALL (or add some back)")
    if (merged.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        found.append(f"{where}: seccompProfile is not RuntimeDefault")
    resources = container.get("resources") or {}
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in (resources.get(kind) or {}):
                found.append(f"{where}: no {kind}.{resource}")
    if sidecar is not None or "restartPolicy" in container:
        if container.get("restartPolicy") != "Always":
            found.append(f"{where}: init container restartPolicy {container.get('restartPolicy')!r}, "
                         "a native sidecar needs Always")
    for probe in ("livenessProbe", "readinessProbe"):
        if probe not in container:
            found.append(f"{where}: no {probe}")
    if is_flowgate(container):
        found.extend(_flowgate_violations(where, container, sidecar))
    return found


def _flowgate_violations(where, container, sidecar):
    found = []
    if _probe_path(container, "livenessProbe") != "/-/healthy":
        found.append(f"{where}: livenessProbe is not on /-/healthy")
    if _probe_path(container, "readinessProbe") != "/-/ready":
        found.append(f"{where}: readinessProbe is not on /-/ready")
    if sidecar is not None and _probe_path(container, "startupProbe") != "/-/ready":
        found.append(f"{where}: the sidecar has no startupProbe on /-/ready, the worker could push before it listens")
    ports = [port.get("containerPort") for port in container.get("ports") or []]
    if FLOWGATE_PORT not in ports:
        found.append(f"{where}: does not expose port {FLOWGATE_PORT}")
    arguments = container.get("args") or []
    if not any(argument.startswith("--web.config.file=") for argument in arguments):
        found.append(f"{where}: no --web.config.file")
    return found


def _volume_violations(where, workload, pod, container):
    """Files flowgate reads or writes must be on volumes of the right kind
    (a StatefulSet's volumeClaimTemplates are claims too)."""
    found = []
    volumes = {template["metadata"]["name"]: {"persistentVolumeClaim": {}}
               for template in workload["spec"].get("volumeClaimTemplates") or []}
    volumes.update({volume["name"]: volume for volume in pod["spec"].get("volumes") or []})
    mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts") or []}

    def volume_at(path):
        best = max((mount for mount in mounts if path.startswith(mount.rstrip("/") + "/")),
                   key=len, default=None)
        return volumes.get(mounts[best]["name"]) if best else None

    for argument in container.get("args") or []:
        flag, _, value = argument.partition("=")
        if flag == "--web.config.file":
            volume = volume_at(value)
            if not volume or "secret" not in volume:
                found.append(f"{where}: --web.config.file {value} is not on a Secret volume")
        if flag == "--persistence.file" and value:
            volume = volume_at(value)
            if not volume or not ({"emptyDir", "persistentVolumeClaim"} & set(volume)):
                found.append(f"{where}: --persistence.file {value} is not on an emptyDir or PVC")
    return found


def _labels_match(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def policy_violations(objects):
    found = []
    names = {(document["kind"], document["metadata"]["name"]) for document in objects}
    for document in objects:
        unknown = set(document) - TOP_LEVEL_FIELDS
        if unknown:
            found.append(f"{_name(document)}: unknown top-level fields {sorted(unknown)}")
    pods = list(pod_specs(objects))
    for workload, pod in pods:
        spec = pod["spec"]
        pod_security = spec.get("securityContext") or {}
        if pod_security.get("runAsNonRoot") is not True:
            found.append(f"{_name(workload)}: pod runAsNonRoot is not true")
        if spec.get("automountServiceAccountToken") is not False:
            found.append(f"{_name(workload)}: mounts a service account token it does not need")
        for group in ("initContainers", "containers"):
            for container in spec.get(group) or []:
                where = f"{_name(workload)} {group}/{container['name']}"
                sidecar = container if group == "initContainers" else None
                found.extend(_container_violations(where, container, pod_security, sidecar))
                found.extend(_volume_violations(where, workload, pod, container))
        for volume in spec.get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and ("PersistentVolumeClaim", claim) not in names:
                found.append(f"{_name(workload)}: volume {volume['name']} needs PVC {claim}, not rendered")
    service_ports = {}
    for document in objects:
        if document["kind"] != "Service":
            continue
        selector = document["spec"].get("selector") or {}
        if not any(_labels_match(selector, pod["metadata"].get("labels") or {}) for _, pod in pods):
            found.append(f"{_name(document)}: selector {selector} matches no rendered pod")
        for port in document["spec"].get("ports") or []:
            service_ports.setdefault(document["metadata"]["name"], set()).add(port.get("name"))
            if not isinstance(port.get("targetPort"), int):
                found.append(f"{_name(document)}: targetPort {port.get('targetPort')!r} is not numeric "
                             "(named ports of native sidecars resolve only from Kubernetes 1.32)")
            elif port.get("port") == FLOWGATE_PORT and port["targetPort"] != FLOWGATE_PORT:
                found.append(f"{_name(document)}: port {FLOWGATE_PORT} does not target {FLOWGATE_PORT}")
    found.extend(_monitor_violations(objects, pods, service_ports))
    found.extend(_dashboard_violations(objects))
    return found


def _monitor_violations(objects, pods, service_ports):
    found = []
    container_ports = {port.get("name") for _, pod in pods
                       for group in ("initContainers", "containers")
                       for container in pod["spec"].get(group) or []
                       for port in container.get("ports") or []}
    for document in objects:
        kind = document["kind"]
        if kind not in ("ServiceMonitor", "PodMonitor"):
            continue
        endpoints = document["spec"].get("endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints")
        if not endpoints:
            found.append(f"{_name(document)}: no endpoints")
        known = set().union(*service_ports.values()) if kind == "ServiceMonitor" else container_ports
        for endpoint in endpoints or []:
            if endpoint.get("honorLabels") is not True:
                found.append(f"{_name(document)}: honorLabels is not true, pushed job/instance would be renamed")
            if endpoint.get("port") not in known:
                found.append(f"{_name(document)}: port {endpoint.get('port')!r} names no rendered port")
        selector = document["spec"]["selector"].get("matchLabels") or {}
        if kind == "PodMonitor":
            labelled = [pod["metadata"].get("labels") or {} for _, pod in pods]
        else:
            labelled = [other["metadata"].get("labels") or {} for other in objects if other["kind"] == "Service"]
        if not any(_labels_match(selector, labels) for labels in labelled):
            found.append(f"{_name(document)}: selector {selector} matches nothing rendered")
    return found


def _dashboard_violations(objects):
    found = []
    for document in objects:
        labels = document["metadata"].get("labels") or {}
        if document["kind"] != "ConfigMap" or "grafana_dashboard" not in labels:
            continue
        if labels["grafana_dashboard"] != "1":
            found.append(f"{_name(document)}: grafana_dashboard label is not \"1\"")
        for key, value in (document.get("data") or {}).items():
            try:
                json.loads(value)
            except ValueError as error:
                found.append(f"{_name(document)}: {key} is not JSON ({error})")
    return found


def rule_groups_from_sources():
    groups = []
    for path in sorted((REPO / "alerting-rules" / "rules").glob("*.yml")):
        groups.extend(yaml.safe_load(path.read_text()).get("groups") or [])
    return groups


# --- helm --------------------------------------------------------------------

HELM_MODULE = "helm.sh/helm/v3/cmd/helm"
HELM_VERSION = "v3.19.5"
CHART = REPO / "deploy" / "helm" / "flowgate"
# helm template's default cluster is older than the chart's kubeVersion floor.
KUBE_VERSION = "1.31.0"


def helm():
    """Helm is not packaged by Debian: build the pinned release through the Go
    module proxy into the work dir (about two minutes the first time)."""
    tools = work_dir() / "tools"
    binary = tools / "helm"
    if binary.exists() and HELM_VERSION in run([binary, "version", "--short"]):
        return binary
    go = "/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else shutil.which("go")
    assert go, "go is needed to build helm from the Go module proxy (no Debian package of helm exists)"
    environment = {**os.environ, "GOBIN": str(tools), "GOFLAGS": "-buildvcs=false"}
    run([go, "install", f"{HELM_MODULE}@{HELM_VERSION}"], env=environment, cwd=work_dir())
    return binary


def helm_template(values_file=None, release="flowgate"):
    command = [helm(), "template", release, str(CHART), "--kube-version", KUBE_VERSION]
    if values_file:
        command += ["-f", str(values_file)]
    return parse_documents(run(command))
