"""grafana/provisioning/ holds a Prometheus data source and a file provider for
grafana/dashboards, in Grafana's provisioning format (apiVersion 1)."""

import os

import yaml

import dashboard_lint as dl

PROVISIONING = os.path.join(dl.REPO, "grafana", "provisioning")


def _load(kind):
    with open(os.path.join(PROVISIONING, kind, "flowgate.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_datasource_is_a_default_prometheus_with_a_fixed_uid():
    document = _load("datasources")
    assert document["apiVersion"] == 1
    [source] = document["datasources"]
    assert source["type"] == "prometheus" and source["access"] == "proxy"
    assert source["uid"] and source["isDefault"] is True
    assert source["url"] == "${PROMETHEUS_URL}"


def test_dashboard_provider_reads_a_folder_of_files_into_the_flowgate_folder():
    document = _load("dashboards")
    assert document["apiVersion"] == 1
    [provider] = document["providers"]
    assert provider["type"] == "file" and provider["folder"] == "flowgate"
    assert provider["options"]["path"] == "${FLOWGATE_DASHBOARDS_DIR}"
