#!/usr/bin/env python3
"""Push the task metrics of docs/task-metrics.md to flowgate (or any Pushgateway).

Each kind of metric has one function that fills a fresh CollectorRegistry the
way a Prefect task would; `push_group` sends it to the task's own group
/metrics/job/<flow>/instance/<deployment>/task/<task>. When many runs of one
task push into its group at once, `add_to_group` adds each run's counts
through flowgate's /aggregate route instead, and `replace_in_group` replaces
the group's gauges without dropping those totals (docs/aggregation.md).

    python3 examples/task_metrics.py --gateway http://127.0.0.1:9091 all
    FLOWGATE_URL=http://flowgate:9091 python3 examples/task_metrics.py api

Inside a Prefect task (prefect.runtime gives the names):

    from prefect import runtime, task

    @task
    def enrich(leads):
        registry, started = CollectorRegistry(), time.monotonic()
        try:
            ...  # the work, counting into metrics registered on `registry`
        finally:
            task_health(registry, duration_seconds=time.monotonic() - started,
                        flow_run_id=runtime.flow_run.id,
                        flow_run_name=runtime.flow_run.name,
                        task_run_id=runtime.task_run.id)
            push_group(os.environ["FLOWGATE_URL"], runtime.flow_run.flow_name,
                       runtime.deployment.name or socket.gethostname(), "enrich", registry)

Works with prometheus_client 0.16 (Debian 12) and later.
"""

import argparse
import json
import os
import random
import socket
import sys
import urllib.request

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import push_to_gateway, pushadd_to_gateway
from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString


def push_group(gateway, flow, deployment, task, registry, accumulate=True):
    """PUT the registry as the task's group, replacing what the task pushed last time.

    Each run's process starts its counters at 0, so with `accumulate` the
    counters and histograms continue from the values the group already holds
    (read from the gateway's /api/v1/metrics): they only grow across runs, as
    Prometheus expects of counters, and two runs with equal counts still add up.
    Counter and histogram series the group holds but this run did not count
    (an error code met only last time) are pushed again unchanged rather than
    dropped. Runs of one task must not push to the same group concurrently:
    when they do, `add_to_group` their counts instead."""
    grouping_key = {"instance": deployment, "task": task}
    if accumulate:
        previous = _pushed_totals(gateway, {"job": flow, **grouping_key})
        if previous:
            registry = _Accumulated(registry, previous)
    push_to_gateway(gateway, job=flow, registry=registry, grouping_key=grouping_key, timeout=10)


def add_to_group(gateway, flow, deployment, task, registry, idempotency_key):
    """Adds the registry's counters, histograms and summaries onto what the task's
    group holds, through flowgate's aggregating gateway URL `<gateway>/aggregate`
    (docs/aggregation.md): concurrent runs of one task each push only their own
    counts and the group keeps the total, with no read-then-write.

    `idempotency_key` goes as the grouping label of that name, which flowgate
    takes out of the group's key: a push repeating a key it has applied (within
    --push.idempotency-window) adds nothing. Give each piece of work its own key
    and every retry of it the same one. Gauges replace theirs (the default gauge
    rule) but, unlike a plain push, the series a push does not carry stay: push
    a gauge whose labels change from run to run with `replace_in_group`."""
    grouping_key = {"instance": deployment, "task": task, "idempotency_key": idempotency_key}
    push_to_gateway(gateway.rstrip("/") + "/aggregate", job=flow, registry=registry,
                    grouping_key=grouping_key, timeout=10)


def replace_in_group(gateway, flow, deployment, task, registry):
    """POSTs the registry to the task's group: its families replace the group's
    families of those names, and the group's other families (the totals
    `add_to_group` adds up) stay. A PUT (`push_group`) would drop them."""
    pushadd_to_gateway(gateway, job=flow, registry=registry,
                       grouping_key={"instance": deployment, "task": task}, timeout=10)


# What an aggregating push adds up; families of the other types replace theirs.
COUNTING_TYPES = frozenset({"counter", "histogram", "summary"})


class Only:
    """A registry's counting families (COUNTING_TYPES), or with `counting=False`
    all the others: what each of two pushes sends when a task adds its counts
    and replaces its gauges."""

    def __init__(self, registry, counting):
        self._registry = registry
        self._counting = counting

    def collect(self):
        return [family for family in self._registry.collect() if (family.type in COUNTING_TYPES) == self._counting]


def _sample_key(name, labels):
    """A sample's identity; `le` compared as a number ("1" and "1.0" are one bucket)."""
    return name, tuple(sorted((k, float(v) if k == "le" else v) for k, v in labels.items()))


def _pushed_totals(gateway, group_labels):
    """The counters and histograms the gateway holds for one group:
    {family name as prometheus_client spells it: (type, help, {sample key: value})}."""
    url = gateway if gateway.startswith(("http://", "https://")) else "http://" + gateway
    with urllib.request.urlopen(url.rstrip("/") + "/api/v1/metrics", timeout=10) as response:
        groups = json.load(response)["data"]
    totals = {}
    for group in groups:
        if group["labels"] != group_labels:
            continue
        for name, family in group.items():
            # Besides families a group has "labels" and "last_push_successful".
            if not isinstance(family, dict) or family.get("type") not in ("COUNTER", "HISTOGRAM"):
                continue
            values = {}
            for metric in family["metrics"]:
                labels = {k: v for k, v in metric["labels"].items() if k not in group_labels}
                if family["type"] == "COUNTER":
                    values[_sample_key(name, labels)] = float(metric["value"])
                    continue
                for le, count in sorted(metric["buckets"].items(), key=lambda bucket: float(bucket[0])):
                    values[_sample_key(name + "_bucket", {**labels, "le": le})] = float(count)
                values[_sample_key(name + "_sum", labels)] = float(metric["sum"])
                values[_sample_key(name + "_count", labels)] = float(metric["count"])
            # prometheus_client names a counter family without its _total.
            family_name = name[:-len("_total")] if family["type"] == "COUNTER" and name.endswith("_total") else name
            totals[family_name] = (family["type"].lower(), family.get("help", ""), values)
    return totals


class _Accumulated:
    """A registry's families with the `previous` totals added to their cumulative
    samples, and previous counter and histogram series it lacks carried over."""

    def __init__(self, registry, previous):
        self._registry = registry
        self._previous = previous

    def collect(self):
        carried = dict(self._previous)
        for family in self._registry.collect():
            kind, _, previous = carried.pop(family.name, (None, None, {}))
            if family.type in ("counter", "histogram") and family.type == kind:
                family.samples = [
                    sample if sample.name.endswith("_created") else sample._replace(
                        value=sample.value + previous.get(_sample_key(sample.name, sample.labels), 0.0))
                    for sample in family.samples]
                counted = {_sample_key(sample.name, sample.labels) for sample in family.samples}
                family.samples += [_sample(key, value) for key, value in previous.items() if key not in counted]
            yield family
        for name, (kind, help_text, previous) in carried.items():
            family = Metric(name, help_text, kind)
            family.samples = [_sample(key, value) for key, value in previous.items()]
            yield family


def _sample(key, value):
    name, labels = key
    return Sample(name, {k: floatToGoString(v) if k == "le" else v for k, v in labels}, value)


def task_health(registry, duration_seconds, flow_run_id, flow_run_name, task_run_id="",
                slow_threshold_seconds=None, expected_push_interval_seconds=None,
                retries=0, retries_exhausted=0):
    """Duration, optional thresholds, retries and the run's identity."""
    Gauge("prefect_task_duration_seconds", "Wall-clock duration of the task's last run.",
          registry=registry).set(duration_seconds)
    if slow_threshold_seconds is not None:
        Gauge("prefect_task_slow_threshold_seconds",
              "Duration above which this task counts as slow.",
              registry=registry).set(slow_threshold_seconds)
    if expected_push_interval_seconds is not None:
        Gauge("prefect_task_expected_push_interval_seconds",
              "Longest normal gap between two pushes of this group.",
              registry=registry).set(expected_push_interval_seconds)
    Counter("prefect_task_retries", "Retries the task made after its first attempt.",
            registry=registry).inc(retries)
    Counter("prefect_task_retries_exhausted",
            "Times the task gave up after its last retry.", registry=registry).inc(retries_exhausted)
    Gauge("prefect_task_run_info", "The flow run this group's values come from.",
          ["flow_run_id", "flow_run_name", "task_run_id"],
          registry=registry).labels(flow_run_id, flow_run_name, task_run_id).set(1)


def _count_by_code(registry, name, help_text, label, value, counts_by_code):
    """A counter of errors by status code (or `timeout`) for one API or site."""
    counter = Counter(name, help_text, [label, "code"], registry=registry)
    for code, count in counts_by_code.items():
        counter.labels(value, str(code)).inc(count)


def circuit_breaker(registry, breaker, state):
    """One series per state, 1 for the current one."""
    gauge = Gauge("circuit_breaker_state", "Current state of a circuit breaker (1 = in this state).",
                  ["breaker", "state"], registry=registry)
    for candidate in ("closed", "open", "half_open"):
        gauge.labels(breaker, candidate).set(1 if candidate == state else 0)


def api_usage(registry, api, requests, errors_by_code, cost_dollars, limits_by_window,
              daily_budget_dollars=None, monthly_budget_dollars=None):
    """Calls, errors, spend, rate limits and budgets of one external API."""
    Counter("api_requests", "Calls made to an external API.", ["api"],
            registry=registry).labels(api).inc(requests)
    _count_by_code(registry, "api_request_errors", "Calls to an external API answered with an error.",
                   "api", api, errors_by_code)
    Counter("api_cost_dollars", "Money spent on an external API, in US dollars.", ["api"],
            registry=registry).labels(api).inc(cost_dollars)
    limit = Gauge("api_rate_limit_requests", "Calls an external API allows per window.",
                  ["api", "window"], registry=registry)
    for window, allowed in limits_by_window.items():
        limit.labels(api, window).set(allowed)
    if daily_budget_dollars is not None:
        Gauge("api_daily_budget_dollars", "Daily spend allowed on an external API, in US dollars.",
              ["api"], registry=registry).labels(api).set(daily_budget_dollars)
    if monthly_budget_dollars is not None:
        Gauge("api_monthly_budget_dollars",
              "Spend allowed on all external APIs over 30 days, in US dollars.",
              registry=registry).set(monthly_budget_dollars)


def campaign(registry, name, leads, hot_leads, conversions, sent, opened, clicked):
    counts = {
        "campaign_leads": ("Leads found.", leads),
        "campaign_hot_leads": ("Leads scored hot.", hot_leads),
        "campaign_conversions": ("Leads that converted.", conversions),
        "campaign_emails_sent": ("Emails sent.", sent),
        "campaign_emails_opened": ("Emails opened (first open per email).", opened),
        "campaign_emails_clicked": ("Emails with at least one click.", clicked),
    }
    for metric, (help_text, value) in counts.items():
        Counter(metric, help_text, ["campaign"], registry=registry).labels(name).inc(value)


def scraper(registry, site, page_load_seconds, items, errors_by_code, captchas):
    Counter("scraper_pages", "Pages fetched.", ["site"],
            registry=registry).labels(site).inc(len(page_load_seconds))
    Counter("scraper_items", "Items extracted.", ["site"], registry=registry).labels(site).inc(items)
    _count_by_code(registry, "scraper_http_errors", "Responses with HTTP status 400 or above.",
                   "site", site, errors_by_code)
    Counter("scraper_captchas", "CAPTCHA pages met.", ["site"],
            registry=registry).labels(site).inc(captchas)
    load = Histogram("scraper_page_load_duration_seconds", "Time to load a page.", ["site"],
                     buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=registry)
    for seconds in page_load_seconds:
        load.labels(site).observe(seconds)


def etl(registry, table, processed, loaded, failed, stage_seconds, succeeded_at=None):
    Counter("etl_records_processed", "Records read and transformed.", ["table"],
            registry=registry).labels(table).inc(processed)
    Counter("etl_records_loaded", "Records written to the destination.", ["table"],
            registry=registry).labels(table).inc(loaded)
    Counter("etl_records_failed", "Records rejected by validation or the load.", ["table"],
            registry=registry).labels(table).inc(failed)
    duration = Gauge("etl_duration_seconds", "Duration of the last run's stage.", ["stage"],
                     registry=registry)
    for stage, seconds in stage_seconds.items():
        duration.labels(stage).set(seconds)
    if succeeded_at is not None:
        Gauge("etl_last_success_timestamp_seconds",
              "Unix time of the last run that loaded without error.",
              registry=registry).set(succeeded_at)


def demo(gateway, kinds, deployment):
    """Pushes made-up values for each kind, one group per task."""
    run_id = "00000000-0000-4000-8000-%012x" % random.getrandbits(48)

    def push(flow, task, fill):
        registry = CollectorRegistry()
        fill(registry)
        task_health(registry, duration_seconds=random.uniform(5, 90), flow_run_id=run_id,
                    flow_run_name="example-run", expected_push_interval_seconds=3600)
        push_group(gateway, flow, deployment, task, registry)
        print(f"pushed job={flow} instance={deployment} task={task}")

    if "health" in kinds:
        push("enrich-leads", "call-crm", lambda r: circuit_breaker(r, "crm-api", "closed"))
    if "api" in kinds:
        push("enrich-leads", "call-openai", lambda r: api_usage(
            r, "openai", requests=120, errors_by_code={429: 3}, cost_dollars=0.84,
            limits_by_window={"1m": 500, "1d": 10000}, monthly_budget_dollars=300))
    if "campaign" in kinds:
        push("outreach", "send-emails", lambda r: campaign(
            r, "spring-launch", leads=400, hot_leads=35, conversions=4, sent=380, opened=150,
            clicked=41))
    if "scraper" in kinds:
        push("scrape-shops", "fetch-pages", lambda r: scraper(
            r, "shop.example", page_load_seconds=[random.uniform(0.2, 4) for _ in range(50)],
            items=480, errors_by_code={404: 2, 503: 1}, captchas=1))
    if "etl" in kinds:
        push("nightly-etl", "load-warehouse", lambda r: etl(
            r, "orders", processed=10000, loaded=9990, failed=10,
            stage_seconds={"extract": 12.5, "transform": 30.1, "load": 8.2}))


def main(argv):
    kinds = ("health", "api", "campaign", "scraper", "etl")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=os.environ.get("FLOWGATE_URL", "http://127.0.0.1:9091"),
                        help="flowgate or Pushgateway URL (default: $FLOWGATE_URL or %(default)s)")
    parser.add_argument("--deployment", default=socket.gethostname(),
                        help="the instance grouping label (default: this host's name)")
    parser.add_argument("kind", nargs="*", choices=kinds + ("all",), default=["all"])
    args = parser.parse_args(argv)
    demo(args.gateway, kinds if "all" in args.kind else args.kind, args.deployment)


if __name__ == "__main__":
    main(sys.argv[1:])
