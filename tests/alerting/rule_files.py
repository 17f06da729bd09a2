"""Reads alerting-rules/: the rule files, their unit tests and the metric docs."""

import glob
import os
import re

import yaml

REPO = os.environ.get("FLOWGATE_SOURCE_DIR",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
RULES_DIR = os.path.join(REPO, "alerting-rules", "rules")
RULE_TESTS_DIR = os.path.join(REPO, "alerting-rules", "tests")
ALERTMANAGER_DIR = os.path.join(REPO, "alerting-rules", "alertmanager")
RUNBOOK_BASE = "https://github.com/flowgate/flowgate/blob/main/docs/runbooks/"


def rule_files():
    return sorted(glob.glob(os.path.join(RULES_DIR, "*.yml")))


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def rules():
    """(file, group, rule) for every rule of every file."""
    for path in rule_files():
        for group in load_yaml(path)["groups"]:
            for rule in group["rules"]:
                yield path, group, rule


def alerting_rules():
    return [rule for _, _, rule in rules() if "alert" in rule]


def recording_rules():
    return [rule for _, _, rule in rules() if "record" in rule]


def rule_tests():
    """(test file, test group) for every promtool test group."""
    for path in sorted(glob.glob(os.path.join(RULE_TESTS_DIR, "*.test.yml"))):
        for group in load_yaml(path)["tests"]:
            yield path, group


_PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "sum", "min", "max", "avg", "count", "topk", "bottomk",
    "quantile", "stddev", "stdvar", "count_values", "group", "abs", "absent", "rate",
    "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "label_replace",
    "label_join", "scalar", "vector", "time", "timestamp", "avg_over_time", "max_over_time",
    "min_over_time", "sum_over_time", "count_over_time", "last_over_time",
    "quantile_over_time", "histogram_quantile", "clamp_min", "clamp_max", "round",
    "day_of_month", "day_of_week", "hour", "minute", "month", "year", "changes", "resets",
    "sort", "sort_desc", "absent_over_time", "present_over_time", "ln", "log2", "log10",
    "exp", "sqrt", "ceil", "floor", "sgn", "inf", "nan",
}


def metric_names(expr):
    """The series names an expression selects (functions, keywords and labels removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    tokens = re.findall(r"(?<![\w:.])[a-zA-Z_:][\w:]*", text)
    return {t for t in tokens if t.lower() not in _PROMQL_WORDS}


def documented_metric_patterns():
    """Regexes for every name in backticks in docs/metrics.md and docs/task-metrics.md."""
    patterns = []
    for doc in ("metrics.md", "task-metrics.md"):
        with open(os.path.join(REPO, "docs", doc), encoding="utf-8") as f:
            for quoted in re.findall(r"`([^`]+)`", f.read()):
                name = re.sub(r"\{[^{}]*\}$", "", quoted.strip())
                if not re.fullmatch(r"[\w*{},]+", name):
                    continue
                regex = re.escape(name).replace(r"\*", r"\w+")
                regex = re.sub(r"\\\{([\w,]+)\\\}", lambda m: "(" + m.group(1).replace(",", "|") + ")", regex)
                patterns.append(re.compile(regex))
    return patterns
