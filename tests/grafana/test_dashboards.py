"""The dashboards of grafana/dashboards pass the structural checks of dashboard_lint.py,
use only documented metrics, parse with Prometheus' own parser (promtool), and match
their source, grafana/generate_dashboards.py. The checks themselves are shown to fail
on broken copies."""

import copy
import os
import subprocess
import sys
import tempfile

import pytest
import yaml

import dashboard_lint as dl

PROMTOOL = os.environ.get("FLOWGATE_PROMTOOL", "/usr/bin/promtool")
EXPECTED_UIDS = {"flowgate-prefect-overview", "flowgate-scrapers", "flowgate-etl",
                 "flowgate-campaigns", "flowgate-hosts", "flowgate-self"}
PATHS = dl.dashboard_paths()
KNOWN_ALERTS = {rule["alert"] for rule in dl.rule_files.alerting_rules()}


def _by_name(path):
    return os.path.basename(path)


@pytest.fixture(scope="module")
def hosts():
    return dl.load(os.path.join(dl.DASHBOARDS_DIR, "hosts.json"))


def promtool_problems(dashboard):
    """promtool's verdict on every expression, each put into a throwaway recording rule."""
    rules = [{"record": f"dashboard_check:expr{n}", "expr": dl.substituted(expr)}
             for n, (_, _, expr) in enumerate(dl.expressions(dashboard))]
    wheres = [where for where, _, _ in dl.expressions(dashboard)]
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as rule_file:
        yaml.safe_dump({"groups": [{"name": dashboard["uid"], "rules": rules}]}, rule_file)
        rule_file.flush()
        result = subprocess.run([PROMTOOL, "check", "rules", rule_file.name],
                                capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return []
    return [f"promtool: {result.stdout}{result.stderr}"] + [
        f"  expr{n} = {where}" for n, where in enumerate(wheres)
        if f"expr{n}" in result.stdout + result.stderr or f"rule {n + 1}" in result.stderr]


def test_the_six_dashboards_have_their_stable_uids():
    uids = [dl.load(path)["uid"] for path in PATHS]
    assert len(uids) == len(set(uids)), uids
    assert set(uids) == EXPECTED_UIDS


def test_dashboard_files_match_their_generator():
    result = subprocess.run([sys.executable, os.path.join(dl.REPO, "grafana", "generate_dashboards.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", PATHS, ids=_by_name)
def test_docs_name_the_dashboard_and_each_of_its_panels(path):
    with open(os.path.join(dl.REPO, "docs", "dashboards.md"), encoding="utf-8") as f:
        docs = " ".join(f.read().split())
    dashboard = dl.load(path)
    assert f"`{dashboard['uid']}`" in docs
    assert [p["title"] for p in dl.panels(dashboard) if p["title"] not in docs] == []


@pytest.mark.parametrize("path", PATHS, ids=_by_name)
def test_dashboard_passes_structural_checks(path):
    assert dl.lint(dl.load(path), KNOWN_ALERTS) == []


@pytest.mark.parametrize("path", PATHS, ids=_by_name)
def test_dashboard_uses_only_documented_metrics(path):
    assert dl.undocumented_metrics(dl.load(path)) == []


@pytest.mark.parametrize("path", PATHS, ids=_by_name)
def test_every_expression_parses_with_promtool(path):
    assert promtool_problems(dl.load(path)) == []


# The checks can fail: each breaks one thing in a copy of the hosts dashboard.

def _first_target(dashboard):
    return dashboard["panels"][0]["targets"][0]


def _problems_after(hosts, breaks):
    broken = copy.deepcopy(hosts)
    breaks(broken)
    return dl.lint(broken, KNOWN_ALERTS)


def test_lint_reports_a_missing_datasource_variable(hosts):
    problems = _problems_after(hosts, lambda d: d["templating"]["list"].pop(0))
    assert any("datasource variable" in p for p in problems), problems


def test_lint_reports_an_import_placeholder(hosts):
    def breaks(d):
        d["panels"][0]["datasource"] = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    problems = _problems_after(hosts, breaks)
    assert any("import placeholders" in p for p in problems), problems
    assert any("panel datasource" in p for p in problems), problems


def test_lint_reports_a_selector_without_job_and_instance_matchers(hosts):
    def breaks(d):
        _first_target(d)["expr"] = "rate(node_cpu_seconds_total[$__rate_interval])"
    problems = _problems_after(hosts, breaks)
    assert any('lacks job=~"$<variable>"' in p for p in problems), problems
    assert any('lacks instance=~"$<variable>"' in p for p in problems), problems


def test_lint_reports_job_and_instance_variables_against_the_conventions(hosts):
    def breaks(d):
        job, instance = d["templating"]["list"][1:3]
        job.update(label="flow", multi=False)
        instance.update(allValue=".*")
    problems = _problems_after(hosts, breaks)
    for expected in ("job: label is not `job`", "job: not multi-value", "instance: needs includeAll"):
        assert any(expected in p for p in problems), (expected, problems)


def test_lint_reports_a_fixed_rate_range(hosts):
    def breaks(d):
        _first_target(d)["expr"] = 'rate(node_cpu_seconds_total{job=~"$job", instance=~"$instance"}[5m])'
    problems = _problems_after(hosts, breaks)
    assert any("rate() over [5m]" in p for p in problems), problems


def test_lint_reports_missing_unit_description_and_title(hosts):
    def breaks(d):
        panel = d["panels"][1]
        del panel["fieldConfig"]["defaults"]["unit"]
        panel["description"] = ""
        panel["title"] = " "
    problems = _problems_after(hosts, breaks)
    for missing in ("no unit", "no description", "no title"):
        assert any(missing in p for p in problems), (missing, problems)


def test_lint_reports_repeated_panel_ids_and_titles(hosts):
    def breaks(d):
        d["panels"][1].update(id=d["panels"][0]["id"], title=d["panels"][0]["title"])
    problems = _problems_after(hosts, breaks)
    assert any("panel ids" in p for p in problems), problems
    assert any("panel titles repeated" in p for p in problems), problems


def test_lint_reports_missing_links_and_alert_annotation(hosts):
    def breaks(d):
        d["links"] = []
        d["annotations"]["list"] = d["annotations"]["list"][:1]
    problems = _problems_after(hosts, breaks)
    assert any("no link" in p for p in problems), problems
    assert any("ALERTS" in p for p in problems), problems


def test_lint_reports_an_alert_annotation_matching_no_alert(hosts):
    def breaks(d):
        d["annotations"]["list"][1]["expr"] = 'ALERTS{alertname=~"NoSuchAlert.*"}'
    problems = _problems_after(hosts, breaks)
    assert any("matches no alert" in p for p in problems), problems


def test_metric_check_reports_an_undocumented_metric(hosts):
    broken = copy.deepcopy(hosts)
    _first_target(broken)["expr"] = 'node_cpu_seconds{job=~"$job", instance=~"$instance"}'
    assert ("panel 1 'CPU busy' target A", "node_cpu_seconds") in dl.undocumented_metrics(broken)


def test_promtool_reports_an_expression_that_does_not_parse(hosts):
    broken = copy.deepcopy(hosts)
    _first_target(broken)["expr"] = 'sum(rate(node_load1{job=~"$job"}[$__rate_interval])'
    problems = promtool_problems(broken)
    assert problems and "expr0" in problems[0], problems
