"""Builds classic Grafana dashboard JSON the way every flowgate dashboard needs it.

One `datasource` variable, `job`/`instance` query variables, a dashboard link by
the `flowgate` tag, an annotation of the Prometheus ALERTS series, and panels
laid out left to right on Grafana's 24-column grid. grafana/generate_dashboards.py
describes the six dashboards with these pieces; nothing here knows a metric.
"""

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39  # Grafana 10.4; newer Grafanas migrate it forward on load.
TAG = "flowgate"


def selector(*matchers, job="job", instance="instance"):
    """The label matchers of a panel query: the job and instance variables, then extras."""
    return "{" + ", ".join((f'job=~"${job}"', f'instance=~"${instance}"') + matchers) + "}"


def target(expr, legend="", instant=False):
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend,
            "range": not instant, "instant": instant, "editorMode": "code"}


class Panel:
    """A panel and the size it takes on the grid."""

    def __init__(self, kind, title, description, unit, targets, width=12, height=8,
                 options=None, field_config=None, extra=None):
        self.width, self.height = width, height
        self.body = {
            "type": kind, "title": title, "description": description, "datasource": DATASOURCE,
            "fieldConfig": {"defaults": {"unit": unit, **(field_config or {})}, "overrides": []},
            "options": options or {},
            "targets": [dict(t, refId=chr(ord("A") + i)) for i, t in enumerate(targets)],
            **(extra or {}),
        }


def timeseries(title, description, unit, targets, stacked=False, bars=False, **kwargs):
    custom = {"drawStyle": "bars" if bars else "line", "fillOpacity": 30 if stacked or bars else 10,
              "lineWidth": 1, "showPoints": "never",
              "stacking": {"mode": "normal" if stacked else "none", "group": "A"}}
    options = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return Panel("timeseries", title, description, unit, targets, options=options,
                 field_config={"custom": custom, **kwargs.pop("field_config", {})}, **kwargs)


def thresholds(*steps):
    """Green below the first step; then each (value, colour)."""
    return {"mode": "absolute",
            "steps": [{"color": "green", "value": None}] + [{"color": c, "value": v} for v, c in steps]}


def stat(title, description, unit, targets, steps=(), width=4, height=4, kind="stat", **kwargs):
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": "value", "graphMode": "none", "textMode": "auto", "justifyMode": "auto"}
    if kind == "gauge":
        options = {"reduceOptions": options["reduceOptions"], "showThresholdMarkers": True}
    if kind == "bargauge":
        options = {"reduceOptions": options["reduceOptions"], "displayMode": "gradient",
                   "orientation": "horizontal"}
    return Panel(kind, title, description, unit, [dict(t, range=False, instant=True) for t in targets],
                 width=width, height=height, options=options,
                 field_config={"thresholds": thresholds(*steps), "color": {"mode": "thresholds"},
                               **kwargs.pop("field_config", {})},
                 **kwargs)


def table(title, description, targets, width=24, height=8, hidden=("Time", "Value", "__name__")):
    return Panel("table", title, description, "none",
                 [dict(t, range=False, instant=True, format="table") for t in targets],
                 width=width, height=height, options={"showHeader": True},
                 extra={"transformations": [{"id": "organize", "options": {
                     "excludeByName": {name: True for name in hidden}}}]})


def _query_variable(name, query):
    return {"name": name, "label": name, "type": "query", "datasource": DATASOURCE,
            "query": query, "definition": query, "refresh": 2, "sort": 1, "hide": 0,
            "multi": True, "includeAll": True, "allValue": ".+",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": [],
            "regex": ""}


def job_variables(metric, job="job", instance="instance"):
    """`job` from the label values of `metric`, `instance` filtered by the chosen jobs."""
    return [_query_variable(job, f"label_values({metric}, job)"),
            _query_variable(instance, f'label_values({metric}{{job=~"${job}"}}, instance)')]


def _layout(panels):
    """Left to right, wrapping at 24 columns; each row is as tall as its tallest panel."""
    x = y = row_height = 0
    laid_out = []
    for number, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        laid_out.append({"id": number, "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
                         **panel.body})
        x += panel.width
        row_height = max(row_height, panel.height)
    return laid_out


def dashboard(uid, title, description, variables, panels, alerts_expr, time_from="now-6h"):
    """A whole dashboard: `alerts_expr` selects the ALERTS series shown as annotations."""
    return {
        "id": None, "uid": uid, "title": title, "description": description,
        "tags": [TAG], "timezone": "browser", "editable": True, "graphTooltip": 1,
        "time": {"from": time_from, "to": "now"}, "refresh": "1m", "fiscalYearStartMonth": 0,
        "liveNow": False, "weekStart": "", "schemaVersion": SCHEMA_VERSION, "version": 1,
        "links": [{"type": "dashboards", "tags": [TAG], "asDropdown": True, "title": "flowgate dashboards",
                   "includeVars": False, "keepTime": True, "targetBlank": False, "icon": "external link",
                   "tooltip": "", "url": ""}],
        "annotations": {"list": [
            {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
             "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
             "type": "dashboard"},
            {"datasource": DATASOURCE, "enable": True, "hide": False, "iconColor": "red",
             "name": "Firing alerts", "expr": alerts_expr, "step": "60s",
             "titleFormat": "{{alertname}}", "textFormat": "{{severity}}: {{job}} {{instance}}",
             "tagKeys": "severity", "useValueForTime": False},
        ]},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": [], "includeAll": False,
             "multi": False},
            *variables,
        ]},
        "panels": _layout(panels),
    }
