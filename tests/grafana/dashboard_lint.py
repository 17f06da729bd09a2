"""Structural checks of flowgate's Grafana dashboards, after grafana/dashboard-linter's rules.

`lint(dashboard, known_alerts)` returns a list of problems (strings naming the
panel), empty when the dashboard is fine. `expressions(dashboard)` lists every
PromQL expression with where it comes from, for the promtool and live-query
tests. Metric names are checked against the docs by the tests, with
tests/alerting/rule_files.py (the one PromQL name extractor).
"""

import glob
import json
import os
import re
import sys

REPO = os.environ.get("FLOWGATE_SOURCE_DIR",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DASHBOARDS_DIR = os.path.join(REPO, "grafana", "dashboards")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Series no job/instance variable may filter, with the reason (dashboard-linter's .lint exclusions).
UNFILTERED = {
    "api_monthly_budget_dollars": "one budget for all flows, pushed by any of them or once from a "
                                  "shell (/metrics/job/budget, instance \"\")",
}
# Panels showing one number for the whole time range may total it with $__range.
WHOLE_RANGE_PANELS = {"stat", "gauge", "bargauge", "table"}

sys.path.insert(0, os.path.join(REPO, "tests", "alerting"))
import rule_files  # noqa: E402  (tests/alerting/rule_files.py)


def dashboard_paths():
    return sorted(glob.glob(os.path.join(DASHBOARDS_DIR, "*.json")))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def substituted(expr, rate_interval="5m", whole_range="1d"):
    """The expression Prometheus receives from Grafana, with every variable matching anything."""
    expr = expr.replace("$__rate_interval", rate_interval).replace("$__range", whole_range)
    expr = expr.replace("$__interval", "1m")
    return re.sub(r"\$\{?\w+\}?", ".+", expr)


def panels(dashboard):
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def expressions(dashboard):
    """(where, panel or None, expr) for every panel target and annotation query."""
    for panel in panels(dashboard):
        for t in panel.get("targets", []):
            yield f"panel {panel.get('id')} {panel.get('title')!r} target {t.get('refId')}", panel, t.get("expr", "")
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if "expr" in annotation:
            yield f"annotation {annotation.get('name')!r}", None, annotation["expr"]


def _strings_masked(expr):
    """expr with each string literal replaced by "#<n>", and the literals."""
    literals = []

    def mask(match):
        literals.append(match.group(0)[1:-1])
        return f'"#{len(literals) - 1}"'

    return re.sub(r'"(?:[^"\\]|\\.)*"', mask, expr), literals


_CLAUSES = r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"


def selectors(expr):
    """(metric name, {label: (operator, value)}) for every vector selector of expr."""
    masked, literals = _strings_masked(expr)
    masked = re.sub(_CLAUSES, " ", masked)
    masked = re.sub(r"\[[^\]]*\]", "", masked)
    found = []
    for match in re.finditer(r"(?<![\w:.$#])([a-zA-Z_:][\w:]*)?\s*(\{[^}]*\})?", masked):
        name, braces = match.group(1), match.group(2)
        if not name and not braces:
            continue
        after = masked[match.end():].lstrip()
        if name and not braces and (after.startswith("(") or name.lower() in rule_files._PROMQL_WORDS):
            continue
        matchers = {}
        for label, op, index in re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"#(\d+)"', braces or ""):
            matchers[label] = (op, literals[int(index)])
        found.append((name or "", matchers))
    return found


def _range_functions(expr):
    """(function, range) for every rate/irate/increase call."""
    calls = []
    for match in re.finditer(r"\b(rate|irate|increase)\s*\(", expr):
        depth, i = 1, match.end()
        while i < len(expr) and depth:
            depth += {"(": 1, ")": -1}.get(expr[i], 0)
            i += 1
        ranges = re.findall(r"\[([^\]]*)\]", expr[match.end():i])
        calls.append((match.group(1), ranges[-1] if ranges else ""))
    return calls


def _variable_names(dashboard):
    return {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}


def _check_templating(dashboard):
    problems = []
    variables = dashboard.get("templating", {}).get("list", [])
    sources = [v for v in variables if v.get("type") == "datasource"]
    if len(sources) != 1 or sources[0].get("name") != "datasource" or sources[0].get("query") != "prometheus":
        problems.append("needs exactly one datasource variable named `datasource` of type prometheus")
    for name in ("job", "instance"):
        if not any(v.get("name") == name and v.get("type") == "query" for v in variables):
            problems.append(f"no `{name}` query variable")
    for v in variables:
        if v.get("name") in ("job", "instance") and v.get("label") != v.get("name"):
            problems.append(f"variable {v.get('name')}: label is not `{v.get('name')}`")
        if v.get("type") == "query" and not v.get("multi"):
            problems.append(f"variable {v.get('name')}: not multi-value")
        if v.get("type") == "query" and v.get("datasource") != DATASOURCE:
            problems.append(f"variable {v.get('name')}: datasource is not ${{datasource}}")
        if v.get("type") == "query" and (not v.get("includeAll") or v.get("allValue") != ".+"):
            problems.append(f"variable {v.get('name')}: needs includeAll with allValue .+")
    return problems


def _check_panel(panel):
    where = f"panel {panel.get('id')} {panel.get('title')!r}"
    problems = []
    if panel.get("type") == "row":
        return problems
    for key in ("title", "description"):
        if not str(panel.get(key, "")).strip():
            problems.append(f"{where}: no {key}")
    if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
        problems.append(f"{where}: no unit")
    if panel.get("datasource") != DATASOURCE:
        problems.append(f"{where}: panel datasource is not ${{datasource}}")
    if not panel.get("targets"):
        problems.append(f"{where}: no targets")
    for t in panel.get("targets", []):
        if t.get("datasource") != DATASOURCE:
            problems.append(f"{where} target {t.get('refId')}: datasource is not ${{datasource}}")
    return problems


def _check_expression(where, panel, expr, variables):
    problems = []
    if not expr.strip():
        return [f"{where}: empty expression"]
    for name, matchers in selectors(expr):
        if name in UNFILTERED:
            continue
        for label in ("job", "instance"):
            op, value = matchers.get(label, ("", ""))
            variable = re.fullmatch(r"\$\{?(\w+)\}?", value)
            if panel is not None and (op != "=~" or not variable or variable.group(1) not in variables):
                problems.append(f"{where}: selector {name or '{}'} lacks {label}=~\"$<variable>\"")
    for function, interval in _range_functions(expr):
        whole_range = panel is not None and panel.get("type") in WHOLE_RANGE_PANELS
        if interval != "$__rate_interval" and not (interval == "$__range" and whole_range):
            problems.append(f"{where}: {function}() over [{interval}], not [$__rate_interval]")
    return problems


def _check_links_and_annotations(dashboard, known_alerts):
    problems = []
    if "flowgate" not in dashboard.get("tags", []):
        problems.append("no `flowgate` tag")
    if not any(link.get("type") == "dashboards" and "flowgate" in link.get("tags", [])
               for link in dashboard.get("links", [])):
        problems.append("no link to the other dashboards (type dashboards, tag flowgate)")
    alert_annotations = [a for a in dashboard.get("annotations", {}).get("list", [])
                         if re.match(r"\s*ALERTS\s*\{", a.get("expr", ""))]
    if not alert_annotations:
        problems.append("no annotation of the ALERTS series")
    for annotation in alert_annotations:
        if annotation.get("datasource") != DATASOURCE:
            problems.append(f"annotation {annotation.get('name')!r}: datasource is not ${{datasource}}")
        matchers = dict(selectors(annotation["expr"])[0][1])
        op, pattern = matchers.get("alertname", ("=~", ".+"))
        pattern = substituted(pattern)
        shown = [a for a in known_alerts if re.fullmatch(pattern, a) if op in ("=", "=~")]
        if not shown:
            problems.append(f"annotation {annotation.get('name')!r}: its alertname matches no alert "
                            f"of alerting-rules/rules")
    return problems


def lint(dashboard, known_alerts):
    """Every problem of one dashboard; known_alerts are the alert names of alerting-rules."""
    problems = []
    text = json.dumps(dashboard)
    if "${DS_" in text or "__inputs" in dashboard:
        problems.append("import placeholders (__inputs / ${DS_...}) break file provisioning")
    for key in ("uid", "title"):
        if not dashboard.get(key):
            problems.append(f"no {key}")
    problems += _check_templating(dashboard)
    ids = [panel.get("id") for panel in panels(dashboard)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if duplicates or None in ids:
        problems.append(f"panel ids missing or repeated: {duplicates}")
    titles = [panel.get("title") for panel in panels(dashboard)]
    repeated = sorted({t for t in titles if titles.count(t) > 1}, key=str)
    if repeated:
        problems.append(f"panel titles repeated: {repeated}")
    variables = _variable_names(dashboard)
    for panel in panels(dashboard):
        problems += _check_panel(panel)
    for where, panel, expr in expressions(dashboard):
        problems += _check_expression(where, panel, expr, variables)
    problems += _check_links_and_annotations(dashboard, known_alerts)
    return problems


def _numbered_variants():
    """Names the docs write with numbered variants, `node_load1/5/15` for node_load1, 5 and 15."""
    names = set()
    for doc in ("metrics.md", "task-metrics.md"):
        with open(os.path.join(REPO, "docs", doc), encoding="utf-8") as f:
            for stem, first, rest in re.findall(r"`([a-z_]+?)(\d+)((?:/\d+)+)`", f.read()):
                names.update(stem + number for number in [first] + rest.strip("/").split("/"))
    return names


def _documented(name, patterns, extra):
    """Documented as it is, or as the histogram whose _bucket/_sum/_count series it is."""
    family = re.sub(r"_(bucket|sum|count)$", "", name)
    return name in extra or any(p.fullmatch(n) for p in patterns for n in {name, family})


def undocumented_metrics(dashboard):
    """(where, name) for every metric a query uses that no doc and no recording rule names."""
    allowed = rule_files.documented_metric_patterns()
    numbered = _numbered_variants()
    recorded = {rule["record"] for rule in rule_files.recording_rules()}
    missing = []
    queries = [(where, expr) for where, _, expr in expressions(dashboard)]
    queries += [(f"variable {v.get('name')}", re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", v["query"]))
                for v in dashboard["templating"]["list"] if v.get("type") == "query"]
    for where, expr in queries:
        for name in sorted(rule_files.metric_names(substituted(expr))):
            if name in recorded or (name == "ALERTS" and where.startswith("annotation")):
                continue
            if not _documented(name, allowed, numbered):
                missing.append((where, name))
    return missing
