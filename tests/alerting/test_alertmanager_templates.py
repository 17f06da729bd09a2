"""The message templates put summary, value and one link in every notification."""

import json
import os
import shutil
import subprocess


import rule_files as rf

AMTOOL = os.environ.get("FLOWGATE_AMTOOL", "amtool")
TEMPLATES = os.path.join(rf.ALERTMANAGER_DIR, "templates")


def alert(status="firing", run_id=None, **labels):
    labels = {"alertname": "FlowgatePrefectFlowRunFailed", "severity": "critical", "job": "etl", **labels}
    if run_id:
        labels["flow_run_id"] = run_id
    return {"status": status, "labels": labels,
            "annotations": {"summary": f"Flow {labels.get('flow_name', 'etl')} failed",
                            "description": "1 run(s) failed.", "value": "1 failed run(s) in 10m",
                            "runbook_url": rf.RUNBOOK_BASE + "FlowgatePrefectFlowRunFailed.md"}}


def render(template, alerts, templates_dir=TEMPLATES, tmp_path=None, kind="text"):
    data = {"receiver": "discord", "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
            "alerts": alerts, "groupLabels": {"alertname": alerts[0]["labels"]["alertname"], "job": "etl"},
            "commonLabels": {k: v for k, v in alerts[0]["labels"].items()
                             if all(a["labels"].get(k) == v for a in alerts)},
            "commonAnnotations": {}, "externalURL": "http://alertmanager.example:9093"}
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(data))
    out = subprocess.run([AMTOOL, "template", "render", f"--template.type={kind}",
                          f"--template.glob={templates_dir}/*.tmpl", f"--template.data={data_file}",
                          f'--template.text={{{{ template "{template}" . }}}}'],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_title_counts_firing_alerts_and_names_alert_severity_and_job(tmp_path):
    title = render("flowgate.title", [alert(run_id="a"), alert(flow_name="b")], tmp_path=tmp_path)
    assert title.strip() == "[FIRING:2] FlowgatePrefectFlowRunFailed (critical) etl"


def test_text_links_the_prefect_flow_run_when_the_alert_names_one(tmp_path):
    text = render("flowgate.text", [alert(run_id="0b7d6e1a")], tmp_path=tmp_path)
    assert "Flow etl failed — 1 failed run(s) in 10m" in text
    assert "Flow run: http://localhost:4200/runs/flow-run/0b7d6e1a" in text
    assert "Runbook: " + rf.RUNBOOK_BASE + "FlowgatePrefectFlowRunFailed.md" in text


def test_text_links_the_dashboards_when_there_is_no_flow_run(tmp_path):
    text = render("flowgate.text", [alert()], tmp_path=tmp_path)
    assert "Dashboard: http://localhost:3000/dashboards?tag=flowgate" in text
    assert "flow-run" not in text


def test_text_marks_resolved_alerts(tmp_path):
    text = render("flowgate.text", [alert(run_id="x"), alert(status="resolved", flow_name="old")],
                  tmp_path=tmp_path)
    assert text.index("Flow etl failed") < text.index("RESOLVED: Flow old failed")


def test_email_html_carries_summary_value_and_links(tmp_path):
    html = render("flowgate.email.html", [alert(run_id="0b7d6e1a")], tmp_path=tmp_path, kind="html")
    assert "<strong>Flow etl failed</strong> — 1 failed run(s) in 10m" in html
    assert 'href="http://localhost:4200/runs/flow-run/0b7d6e1a"' in html


def test_prefect_ui_url_comes_from_the_replaceable_links_template(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "links.tmpl").write_text(
        '{{ define "flowgate.prefect_ui_url" }}https://app.prefect.cloud/account/a/workspace/w{{ end }}\n'
        '{{ define "flowgate.grafana_url" }}https://grafana.example{{ end }}\n')
    text = render("flowgate.text", [alert(run_id="0b7d"), alert(flow_name="b")],
                  templates_dir=templates, tmp_path=tmp_path)
    assert "https://app.prefect.cloud/account/a/workspace/w/runs/flow-run/0b7d" in text
    assert "https://grafana.example/dashboards?tag=flowgate" in text
