"""Every alert is named, labelled, annotated, documented and unit-tested alike,
and rules select only the metrics the docs promise."""

import os
import re

import pytest

import rule_files as rf

ALERTS = rf.alerting_rules()
ALERT_NAMES = sorted({rule["alert"] for rule in ALERTS})


def test_rule_files_exist():
    assert len(rf.rule_files()) >= 5
    assert len(ALERT_NAMES) >= 20


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: f'{r["alert"]}-{r["labels"]["severity"]}')
def test_alert_is_camel_case_with_flowgate_prefix(rule):
    assert re.fullmatch(r"Flowgate(?:[A-Z][a-z0-9]+)+", rule["alert"])


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: f'{r["alert"]}-{r["labels"]["severity"]}')
def test_alert_has_severity_and_all_annotations(rule):
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    assert set(rule["annotations"]) == {"summary", "description", "value", "runbook_url"}


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: f'{r["alert"]}-{r["labels"]["severity"]}')
def test_runbook_url_points_at_an_existing_runbook_page(rule):
    assert rule["annotations"]["runbook_url"] == f'{rf.RUNBOOK_BASE}{rule["alert"]}.md'
    page = os.path.join(rf.REPO, "docs", "runbooks", f'{rule["alert"]}.md')
    assert os.path.isfile(page), page
    with open(page, encoding="utf-8") as f:
        assert f.readline().strip() == f'# {rule["alert"]}'


def test_recording_rules_are_named_level_metric_operations():
    for rule in rf.recording_rules():
        assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_:]+", rule["record"]), rule["record"]


def test_rules_select_only_documented_metrics():
    patterns = rf.documented_metric_patterns()
    recorded = {rule["record"] for rule in rf.recording_rules()}
    builtin = {"up"}
    undocumented = set()
    for _, _, rule in rf.rules():
        for name in rf.metric_names(rule["expr"]):
            if name in recorded or name in builtin:
                continue
            if not any(p.fullmatch(name) for p in patterns):
                undocumented.add(name)
    assert not undocumented, f"metrics used by rules but in neither docs/metrics.md nor docs/task-metrics.md: {sorted(undocumented)}"


@pytest.mark.parametrize("alert", ALERT_NAMES)
def test_every_alert_has_a_firing_unit_test(alert):
    firing = [case for _, group in rf.rule_tests() for case in group.get("alert_rule_test", [])
              if case["alertname"] == alert and case.get("exp_alerts")]
    assert firing, f"no promtool test expects {alert} to fire"


@pytest.mark.parametrize("alert", [a for a in ALERT_NAMES if a != "FlowgateWatchdog"])
def test_every_alert_has_a_silent_unit_test(alert):
    silent = [case for _, group in rf.rule_tests() for case in group.get("alert_rule_test", [])
              if case["alertname"] == alert and not case.get("exp_alerts")]
    assert silent, f"no promtool test expects {alert} to stay silent"


def test_every_rule_file_is_unit_tested():
    tested = set()
    for path in sorted(os.listdir(rf.RULE_TESTS_DIR)):
        if path.endswith(".test.yml"):
            for rule_file in rf.load_yaml(os.path.join(rf.RULE_TESTS_DIR, path))["rule_files"]:
                tested.add(os.path.basename(rule_file))
    assert {os.path.basename(p) for p in rf.rule_files()} <= tested
