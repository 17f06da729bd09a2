#!/usr/bin/env python3
"""Writes grafana/dashboards/*.json, the six flowgate dashboards.

The JSON files are what Grafana loads and what deploy/generate copies; this
script is where they are edited. Run it after a change (then deploy/generate);
`--check` changes nothing and exits 1 when a JSON file differs from what the
script would write (tests/grafana runs it).

Metric names come only from docs/metrics.md and docs/task-metrics.md.
"""

import argparse
import json
import pathlib
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from dashboard_builder import (dashboard, job_variables, selector, stat, table, target,  # noqa: E402
                               timeseries)

DASHBOARDS = pathlib.Path(__file__).resolve().parent / "dashboards"
R = "$__rate_interval"
M = selector()
IDLE = selector('mode="idle"')
BUSY = selector('mode!="idle"')
FAILED_SELECTOR = selector('state_type=~"FAILED|CRASHED"')
RUNNING = selector('state_type="RUNNING"')
LATE = selector('state_name="Late"')
PUSH_HANDLER = selector('handler="push"')
REAL_FS = selector('fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs"', 'mountpoint!=""')
NIC = selector('device!="lo"')
TASK_ALERTS = ('ALERTS{alertstate="firing", alertname=~"FlowgateTask.*|FlowgatePush.*|'
               'FlowgateCircuitBreakerOpen", job=~"$job"}')
PER_HOUR = "suffix:/h"


def task_health_panels():
    """What every pushing task reports: duration, retries, push age."""
    return [
        timeseries("Task duration", "Wall-clock duration of each task's last run "
                   "(prefect_task_duration_seconds); FlowgateTaskSlow fires above the task's threshold "
                   "(60 s by default).", "s",
                   [target(f"prefect_task_duration_seconds{M}", "{{job}} / {{task}}")], width=8),
        timeseries("Task retries", "Retries per hour (prefect_task_retries_total) and retries "
                   "exhausted per hour (prefect_task_retries_exhausted_total), by flow and task.", PER_HOUR,
                   [target(f"sum by (job, task) (rate(prefect_task_retries_total{M}[{R}])) * 3600",
                           "retries {{job}} / {{task}}"),
                    target(f"sum by (job, task) (rate(prefect_task_retries_exhausted_total{M}[{R}])) * 3600",
                           "exhausted {{job}} / {{task}}")], width=8),
        timeseries("Time since last push", "Seconds since each task's group was last pushed successfully "
                   "(flowgate_group_last_push_age_seconds); FlowgatePushStale compares it with "
                   "prefect_task_expected_push_interval_seconds.", "s",
                   [target(f"flowgate_group_last_push_age_seconds{M}", "{{job}} / {{instance}} / {{task}}")],
                   width=8),
    ]


def prefect_overview():
    finished = f"prefect_flow_runs_finished_total{M}"
    failed = f"prefect_flow_runs_finished_total{FAILED_SELECTOR}"
    duration = f"prefect_flow_run_duration_seconds_bucket{M}"
    return dashboard(
        "flowgate-prefect-overview", "flowgate / Prefect overview",
        "Flow runs, deployments, work pools and workers as flowgate's Prefect collector sees them.",
        job_variables("prefect_up"),
        [
            stat("Prefect API", "1 when flowgate's last poll of the Prefect API succeeded (prefect_up); "
                 "FlowgatePrefectApiUnreachable fires after 5 minutes at 0.", "bool_yes_no",
                 [target(f"min(prefect_up{M})")],
                 field_config={"thresholds": {"mode": "absolute", "steps": [
                     {"color": "red", "value": None}, {"color": "green", "value": 1}]}}),
            stat("Running runs", "Flow runs in state RUNNING now (prefect_flow_runs).", "short",
                 [target(f'sum(prefect_flow_runs{RUNNING})')]),
            stat("Late runs", "Scheduled flow runs past their expected start (state Late).", "short",
                 [target(f'sum(prefect_flow_runs{LATE})')],
                 steps=((1, "orange"),)),
            stat("Stuck running", "Runs in RUNNING longer than --prefect.stuck-running-after "
                 "(prefect_flow_runs_stuck_running).", "short",
                 [target(f"sum(prefect_flow_runs_stuck_running{M})")], steps=((1, "red"),)),
            stat("Failure rate", "Share of finished runs that FAILED or CRASHED over the last "
                 "rate interval.", "percentunit",
                 [target(f"sum(rate({failed}[{R}])) / sum(rate({finished}[{R}]))")],
                 steps=((0.05, "orange"), (0.2, "red"))),
            stat("Deployments", "Deployments known to Prefect (prefect_deployments_total).", "short",
                 [target(f"max(prefect_deployments_total{M})")]),
            timeseries("Finished runs by state", "Flow runs reaching a terminal state per hour, by state "
                       "(prefect_flow_runs_finished_total).", PER_HOUR,
                       [target(f"sum by (state_name) (rate({finished}[{R}])) * 3600", "{{state_name}}")],
                       stacked=True, bars=True),
            timeseries("Current runs by state", "Non-terminal flow runs by state (prefect_flow_runs): "
                       "Scheduled, Late, Pending, Running, Paused, Cancelling.", "short",
                       [target(f"sum by (state_name) (prefect_flow_runs{M})", "{{state_name}}")], stacked=True),
            timeseries("Failure rate by flow", "Share of each flow's finished runs that FAILED or "
                       "CRASHED.", "percentunit",
                       [target(f"sum by (flow_name) (rate({failed}[{R}])) / "
                               f"sum by (flow_name) (rate({finished}[{R}]))", "{{flow_name}}")]),
            timeseries("Failures by exception type", "Failed or crashed runs per hour, by the exception "
                       "type named in the state message (prefect_flow_run_failures_total).", PER_HOUR,
                       [target(f"sum by (exception_type) (rate(prefect_flow_run_failures_total{M}[{R}])) * 3600",
                               "{{exception_type}}")], bars=True),
            timeseries("Run duration percentiles by flow", "Median and 95th percentile run time of "
                       "finished runs, by flow (prefect_flow_run_duration_seconds).", "s",
                       [target(f"histogram_quantile(0.5, sum by (flow_name, le) (rate({duration}[{R}])))",
                               "p50 {{flow_name}}"),
                        target(f"histogram_quantile(0.95, sum by (flow_name, le) (rate({duration}[{R}])))",
                               "p95 {{flow_name}}")]),
            timeseries("Late and running by flow", "Runs late and runs running now, by flow "
                       "(prefect_flow_runs); how late they are is on the Lateness panel.", "short",
                       [target(f'sum by (flow_name) (prefect_flow_runs{LATE})',
                               "late {{flow_name}}"),
                        target(f'sum by (flow_name) (prefect_flow_runs{RUNNING})',
                               "running {{flow_name}}")]),
            timeseries("Lateness", "Largest lateness (now - expected start) of runs still scheduled, by "
                       "flow (prefect_flow_run_lateness_seconds); FlowgatePrefectFlowRunLate fires above "
                       "300 s.", "s",
                       [target(f"max by (flow_name) (prefect_flow_run_lateness_seconds{M})", "{{flow_name}}")]),
            timeseries("Task runs by state", "Non-terminal task runs by state (prefect_task_runs).", "short",
                       [target(f"sum by (state_name) (prefect_task_runs{M})", "{{state_name}}")], width=6),
            timeseries("Task run retries", "Task run retries per hour by flow, as the Prefect API reports "
                       "them (prefect_task_run_retries_total).", PER_HOUR,
                       [target(f"sum by (flow_name) (rate(prefect_task_run_retries_total{M}[{R}])) * 3600",
                               "{{flow_name}}")], width=6),
            table("Latest failures", "The most recent failed or crashed runs "
                  "(prefect_flow_run_last_failure_info), with the run id to open in the Prefect UI.",
                  [target(f"prefect_flow_run_last_failure_info{M}")], width=12),
            table("Deployment status", "One row per deployment (prefect_info_deployment): work pool and "
                  "queue, READY/NOT_READY, paused, schedule active.",
                  [target(f"prefect_info_deployment{M}")], width=12),
            table("Work pools", "One row per work pool (prefect_info_work_pools; value 1 when not "
                  "paused) with its type and status.",
                  [target(f"prefect_info_work_pools{M}")], width=6, hidden=("Time", "__name__")),
            timeseries("Late runs in work queues", "Late runs waiting in each work queue "
                       "(prefect_work_queues_late_runs_count).", "short",
                       [target(f"sum by (work_pool_name, work_queue_name) "
                               f"(prefect_work_queues_late_runs_count{M})",
                               "{{work_pool_name}} / {{work_queue_name}}")], width=6),
            timeseries("Workers online", "Workers whose status is ONLINE, by work pool "
                       "(prefect_worker_online).", "short",
                       [target(f"sum by (work_pool_name) (prefect_worker_online{M})", "{{work_pool_name}}")],
                       width=6),
            timeseries("Worker heartbeat age", "Seconds since each worker's last heartbeat "
                       "(prefect_worker_heartbeat_age_seconds).", "s",
                       [target(f"max by (work_pool_name, worker_name) (prefect_worker_heartbeat_age_seconds{M})",
                               "{{work_pool_name}} / {{worker_name}}")], width=6),
        ],
        'ALERTS{alertstate="firing", alertname=~"FlowgatePrefect.*"}')


def scrapers():
    pages = f"scraper_pages_total{M}"
    errors = f"scraper_http_errors_total{M}"
    load = f"scraper_page_load_duration_seconds_bucket{M}"
    return dashboard(
        "flowgate-scrapers", "flowgate / Scrapers",
        "What scraper tasks push: pages, items, HTTP errors, CAPTCHAs and page load time, by site.",
        job_variables("scraper_pages_total"),
        [
            # Many task runs add into a site's group through /aggregate (docs/aggregation.md):
            # the counter's value is the total over all of them.
            stat("Pages fetched by site, all task runs", "Pages fetched since each site's group began: "
                 "every task run adds its pages to the group through flowgate's /aggregate route "
                 "(scraper_pages_total).", "short",
                 [target(f"sum by (site) ({pages})", "{{site}}")], kind="bargauge", width=8, height=6),
            stat("Pages fetched in range by site", "Pages fetched over the selected time range, all "
                 "task runs together (increase of scraper_pages_total).", "short",
                 [target(f"sum by (site) (increase({pages}[$__range]))", "{{site}}")], kind="bargauge",
                 width=8, height=6),
            stat("Items extracted by site, all task runs", "Items extracted since each site's group "
                 "began, summed over every task run (scraper_items_total).", "short",
                 [target(f"sum by (site) (scraper_items_total{M})", "{{site}}")], kind="bargauge",
                 width=8, height=6),
            timeseries("Pages fetched and failed by site", "Pages fetched per second "
                       "(scraper_pages_total) and responses with HTTP status >= 400 "
                       "(scraper_http_errors_total), by site.", "reqps",
                       [target(f"sum by (site) (rate({pages}[{R}]))", "fetched {{site}}"),
                        target(f"sum by (site) (rate({errors}[{R}]))", "failed {{site}}")]),
            timeseries("Error ratio by site", "Share of fetched pages answered with HTTP status >= 400.",
                       "percentunit",
                       [target(f"sum by (site) (rate({errors}[{R}])) / sum by (site) (rate({pages}[{R}]))",
                               "{{site}}")]),
            timeseries("Items extracted", "Items extracted per hour, by site (scraper_items_total).",
                       PER_HOUR, [target(f"sum by (site) (rate(scraper_items_total{M}[{R}])) * 3600", "{{site}}")]),
            timeseries("Page load time", "Median and 95th percentile time to load a page, by site "
                       "(scraper_page_load_duration_seconds).", "s",
                       [target(f"histogram_quantile(0.5, sum by (site, le) (rate({load}[{R}])))", "p50 {{site}}"),
                        target(f"histogram_quantile(0.95, sum by (site, le) (rate({load}[{R}])))", "p95 {{site}}")]),
            timeseries("HTTP errors by code", "Responses with HTTP status >= 400 per second, by status "
                       "code (scraper_http_errors_total).", "reqps",
                       [target(f"sum by (code) (rate({errors}[{R}]))", "{{code}}")], stacked=True, bars=True),
            timeseries("CAPTCHA rate", "Share of fetched pages that were CAPTCHA pages "
                       "(scraper_captchas_total / scraper_pages_total), by site.", "percentunit",
                       [target(f"sum by (site) (rate(scraper_captchas_total{M}[{R}])) / "
                               f"sum by (site) (rate({pages}[{R}]))", "{{site}}")]),
            *task_health_panels(),
        ],
        TASK_ALERTS)


def etl():
    return dashboard(
        "flowgate-etl", "flowgate / ETL",
        "What ETL tasks push: records processed, loaded and failed by table, stage durations, last success.",
        job_variables("etl_records_processed_total"),
        [
            timeseries("Records by table", "Records processed (read and transformed), loaded and "
                       "failed per hour, by table (etl_records_*_total).", PER_HOUR,
                       [target(f"sum by (table) (rate(etl_records_{kind}_total{M}[{R}])) * 3600",
                               f"{kind} {{{{table}}}}") for kind in ("processed", "loaded", "failed")]),
            timeseries("Failed record ratio", "Share of processed records rejected by validation or "
                       "the load, by table.", "percentunit",
                       [target(f"sum by (table) (rate(etl_records_failed_total{M}[{R}])) / "
                               f"sum by (table) (rate(etl_records_processed_total{M}[{R}]))", "{{table}}")]),
            timeseries("Stage duration", "Duration of the last run's extract, transform and load "
                       "stages (etl_duration_seconds).", "s",
                       [target(f"max by (job, stage) (etl_duration_seconds{M})", "{{job}} {{stage}}")],
                       stacked=True, bars=True),
            timeseries("Time since last success", "Seconds since the last run that loaded without "
                       "error (etl_last_success_timestamp_seconds).", "s",
                       [target(f"time() - max by (job, instance) (etl_last_success_timestamp_seconds{M})",
                               "{{job}} / {{instance}}")]),
            *task_health_panels(),
        ],
        TASK_ALERTS)


def campaigns():
    def total(metric, by=""):
        return f"sum{by} (increase({metric}{M}[$__range]))"

    def per_hour(metric, by=" by (campaign)"):
        return f"sum{by} (rate({metric}{M}[{R}])) * 3600"

    def ratio(numerator, denominator):
        return (f"sum by (campaign) (rate(campaign_{numerator}_total{M}[{R}])) / "
                f"sum by (campaign) (rate(campaign_{denominator}_total{M}[{R}]))")

    in_range = "over the selected time range"
    # The budget is global, pushed by any flow or once from a shell (instance ""), so it is
    # not filtered by the job and instance variables (an exclusion of tests/grafana).
    spend_vs_budget = f"{total('api_cost_dollars_total')} / scalar(max(api_monthly_budget_dollars))"
    return dashboard(
        "flowgate-campaigns", "flowgate / Campaigns and cost",
        "Daily campaign numbers (leads, conversions, open rate, CTR, cost per lead) and external API "
        "spend against budget.",
        job_variables('{__name__=~"campaign_leads_total|api_cost_dollars_total"}'),
        [
            stat("Leads", f"Leads found {in_range} (campaign_leads_total).", "short",
                 [target(total("campaign_leads_total"))]),
            stat("Hot leads", f"Leads scored hot {in_range} (campaign_hot_leads_total).", "short",
                 [target(total("campaign_hot_leads_total"))]),
            stat("Conversions", f"Leads that converted {in_range} (campaign_conversions_total).", "short",
                 [target(total("campaign_conversions_total"))]),
            stat("Open rate", f"Emails opened / emails sent {in_range}.", "percentunit",
                 [target(f"{total('campaign_emails_opened_total')} / {total('campaign_emails_sent_total')}")]),
            stat("CTR", f"Emails with a click / emails sent {in_range}.", "percentunit",
                 [target(f"{total('campaign_emails_clicked_total')} / {total('campaign_emails_sent_total')}")]),
            stat("Cost per lead", f"API spend of the selected flows / leads they found, {in_range}.",
                 "currencyUSD",
                 [target(f"{total('api_cost_dollars_total')} / {total('campaign_leads_total')}")]),
            timeseries("Leads per hour by campaign", "Leads found and leads scored hot per hour "
                       "(campaign_leads_total, campaign_hot_leads_total).", PER_HOUR,
                       [target(per_hour("campaign_leads_total"), "leads {{campaign}}"),
                        target(per_hour("campaign_hot_leads_total"), "hot {{campaign}}")]),
            timeseries("Conversions per hour by campaign", "Leads that converted per hour "
                       "(campaign_conversions_total).", PER_HOUR,
                       [target(per_hour("campaign_conversions_total"), "{{campaign}}")]),
            timeseries("Open rate and CTR by campaign", "Emails opened / sent and emails clicked / "
                       "sent, by campaign.", "percentunit",
                       [target(ratio("emails_opened", "emails_sent"), "open rate {{campaign}}"),
                        target(ratio("emails_clicked", "emails_sent"), "CTR {{campaign}}")]),
            timeseries("Conversion rate by campaign", "Conversions / leads found, by campaign.",
                       "percentunit", [target(ratio("conversions", "leads"), "{{campaign}}")]),
            timeseries("API spend by API", "Dollars per hour spent on each external API "
                       "(api_cost_dollars_total).", "currencyUSD",
                       [target(per_hour("api_cost_dollars_total", " by (api)"), "{{api}}")], stacked=True),
            stat("API spend by API in range", f"Dollars spent on each external API {in_range}.", "currencyUSD",
                 [target(total("api_cost_dollars_total", " by (api)"), "{{api}}")], kind="bargauge",
                 width=12, height=8),
            stat("Month-to-date spend", "Dollars spent on all external APIs since the start of the "
                 "month (panel time range: this month so far).", "currencyUSD",
                 [target(total("api_cost_dollars_total"))], width=8, height=6, extra={"timeFrom": "now/M"}),
            stat("Monthly budget", "The budget for all API spend (largest api_monthly_budget_dollars "
                 "pushed); FlowgateApiMonthlyBudgetSpent uses the rolling 30 days.", "currencyUSD",
                 [target("max(api_monthly_budget_dollars)")], width=8, height=6),
            stat("Month-to-date spend against budget", "Spend since the start of the month / monthly "
                 "budget; orange from 80%, red from 100% (the thresholds of "
                 "FlowgateApiMonthlyBudgetSpent).", "percentunit",
                 [target(spend_vs_budget)], kind="gauge", steps=((0.8, "orange"), (1, "red")),
                 width=8, height=6, extra={"timeFrom": "now/M"}),
            timeseries("API calls and errors", "Calls per second to each API (api_requests_total) and "
                       "calls answered with an error, by code (api_request_errors_total).", "reqps",
                       [target(f"sum by (api) (rate(api_requests_total{M}[{R}]))", "calls {{api}}"),
                        target(f"sum by (api, code) (rate(api_request_errors_total{M}[{R}]))",
                               "errors {{api}} {{code}}")]),
            timeseries("Cost per call by API", "Dollars per call to each external API: spend / calls "
                       "(api_cost_dollars_total / api_requests_total).", "currencyUSD",
                       [target(f"sum by (api) (rate(api_cost_dollars_total{M}[{R}])) / "
                               f"sum by (api) (rate(api_requests_total{M}[{R}]))", "{{api}}")]),
        ],
        'ALERTS{alertstate="firing", alertname=~"FlowgateApi.*|FlowgateMetricDeviatesFromBaseline"}')


def hosts():
    cpu = f"node_cpu_seconds_total{IDLE}"
    return dashboard(
        "flowgate-hosts", "flowgate / Hosts",
        "CPU, memory, disk, network and load of the hosts running flows, from flowgate's host "
        "collector or node_exporter (same names).",
        job_variables("node_boot_time_seconds"),
        [
            timeseries("CPU busy", "1 - idle share of all CPUs (node_cpu_seconds_total); "
                       "FlowgateHostCpuHigh fires above 80% for 15 minutes.", "percentunit",
                       [target(f"1 - avg by (instance) (rate({cpu}[{R}]))", "{{instance}}")],
                       field_config={"max": 1, "min": 0}),
            timeseries("CPU by mode", "Share of all CPUs spent in each mode but idle.", "percentunit",
                       [target(f'sum by (instance, mode) (rate(node_cpu_seconds_total{BUSY}[{R}])) '
                               f"/ on (instance) group_left () count by (instance) ({cpu})",
                               "{{instance}} {{mode}}")], stacked=True),
            timeseries("Memory used", "1 - MemAvailable / MemTotal; FlowgateHostMemoryHigh fires above "
                       "85% for 15 minutes.", "percentunit",
                       [target(f"1 - node_memory_MemAvailable_bytes{M} / node_memory_MemTotal_bytes{M}",
                               "{{instance}}")], field_config={"max": 1, "min": 0}),
            timeseries("Memory", "Total, available, cached and buffer memory (node_memory_*_bytes).", "bytes",
                       [target(f"node_memory_{kind}_bytes{M}", f"{kind} {{{{instance}}}}")
                        for kind in ("MemTotal", "MemAvailable", "Cached", "Buffers")]),
            timeseries("Disk space used", "Used share of each real filesystem (tmpfs, overlay and the "
                       "like left out); FlowgateHostDiskSpaceHigh fires above 90%.", "percentunit",
                       [target(f"1 - node_filesystem_avail_bytes{REAL_FS} / node_filesystem_size_bytes{REAL_FS}",
                               "{{instance}} {{mountpoint}}")], field_config={"max": 1, "min": 0}),
            timeseries("Disk I/O", "Bytes read and written per second, by device "
                       "(node_disk_read_bytes_total, node_disk_written_bytes_total).", "Bps",
                       [target(f"rate(node_disk_read_bytes_total{M}[{R}])", "read {{instance}} {{device}}"),
                        target(f"rate(node_disk_written_bytes_total{M}[{R}])", "written {{instance}} {{device}}")]),
            timeseries("Network traffic", "Bytes received and transmitted per second, by interface "
                       "(loopback left out).", "Bps",
                       [target(f"rate(node_network_receive_bytes_total{NIC}[{R}])", "in {{instance}} {{device}}"),
                        target(f"rate(node_network_transmit_bytes_total{NIC}[{R}])", "out {{instance}} {{device}}")]),
            timeseries("Network errors and drops", "Packets per second received or sent with errors, "
                       "or dropped, by interface.", "pps",
                       [target(f"rate(node_network_{d}_{k}_total{NIC}[{R}])",
                               f"{d} {k} {{{{instance}}}} {{{{device}}}}")
                        for d in ("receive", "transmit") for k in ("errs", "drop")]),
            timeseries("Load", "1, 5 and 15 minute load averages, and the number of CPUs for scale.", "short",
                       [*(target(f"node_load{m}{M}", f"load{m} {{{{instance}}}}") for m in (1, 5, 15)),
                        target(f"count by (instance) ({cpu})", "CPUs {{instance}}")]),
            timeseries("Processes", "Processes running and blocked on I/O (node_procs_running, "
                       "node_procs_blocked).", "short",
                       [target(f"node_procs_running{M}", "running {{instance}}"),
                        target(f"node_procs_blocked{M}", "blocked {{instance}}")]),
        ],
        'ALERTS{alertstate="firing", alertname=~"FlowgateHost.*", job=~"$job", instance=~"$instance"}')


def flowgate_itself():
    pushed = selector(job="pushed_job", instance="pushed_instance")
    requests = f"flowgate_http_requests_total{M}"

    def quantiles(handler, legend):
        matcher = f'handler="{handler}"'
        buckets = f"flowgate_http_request_duration_seconds_bucket{selector(matcher)}"
        return [target(f"histogram_quantile({q}, sum by (instance, le) (rate({buckets}[{R}])))",
                       f"{legend} p{round(q * 100)} {{{{instance}}}}") for q in (0.5, 0.99)]

    return dashboard(
        "flowgate-self", "flowgate / flowgate itself",
        "The push server's own health: pushes, rejections, what it stores, scrape time, collectors.",
        job_variables("flowgate_build_info")
        + job_variables("push_time_seconds", job="pushed_job", instance="pushed_instance"),
        [
            stat("Version", "flowgate version and revision (flowgate_build_info).", "none",
                 [target(f"count by (version, revision) (flowgate_build_info{M})", "{{version}} {{revision}}")],
                 width=6, extra={"options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                                               "values": False},
                                             "textMode": "name", "colorMode": "none", "graphMode": "none"}}),
            stat("Groups stored", "Groups held (flowgate_store_groups).", "short",
                 [target(f"sum(flowgate_store_groups{M})")], width=6),
            stat("Series stored", "Pushed series held, push time gauges not counted "
                 "(flowgate_store_series).", "short", [target(f"sum(flowgate_store_series{M})")], width=6),
            stat("Bytes stored", "Bytes held by stored groups (flowgate_store_bytes).", "bytes",
                 [target(f"sum(flowgate_store_bytes{M})")], width=6),
            timeseries("Push requests", "PUT/POST pushes answered per second, by method and status code "
                       "(flowgate_http_requests_total{handler=\"push\"}).", "reqps",
                       [target(f'sum by (method, code) (rate(flowgate_http_requests_total{PUSH_HANDLER}[{R}]))',
                               "{{method}} {{code}}")], width=8),
            timeseries("Pushes by job", "Pushes seen in the past hour for each pushed job, counted as "
                       "changes of its groups' push_time_seconds (at most one per scrape).", "short",
                       [target(f"sum by (job) (changes(push_time_seconds{pushed}[1h]))", "{{job}}")], width=8),
            timeseries("Push rejections", "Pushes refused per second, by reason "
                       "(flowgate_push_rejections_total).", "reqps",
                       [target(f"sum by (reason) (rate(flowgate_push_rejections_total{M}[{R}]))", "{{reason}}")],
                       width=8),
            timeseries("Groups whose last push failed", "Groups with push_failure_time_seconds later than "
                       "push_time_seconds, by job (FlowgatePushFailed).", "short",
                       [target(f"sum by (job) (push_failure_time_seconds{pushed} > bool push_time_seconds{pushed})",
                               "{{job}}")], width=8),
            timeseries("Time since last push", "Seconds since each group's last successful push "
                       "(flowgate_group_last_push_age_seconds).", "s",
                       [target(f"flowgate_group_last_push_age_seconds{pushed}", "{{job}} / {{instance}} / {{task}}")],
                       width=8),
            timeseries("Groups down", "Groups whose last push failed or that are older than the push "
                       "interval they declare (else their time to live), by job: the groups whose flowgate_group_up is 0 "
                       "(docs/aggregation.md, Freshness of a group).", "short",
                       [target(f"sum by (job) (1 - flowgate_group_up{pushed})", "{{job}}")], width=8),
            timeseries("Stored groups and series", "What the store holds over time.", "short",
                       [target(f"flowgate_store_groups{M}", "groups {{instance}}"),
                        target(f"flowgate_store_series{M}", "series {{instance}}")], width=8),
            timeseries("Scrape duration", "Median and 99th percentile time to answer a scrape of "
                       "/metrics (flowgate_http_request_duration_seconds{handler=\"metrics\"}).", "s",
                       quantiles("metrics", "scrape"), width=8),
            timeseries("Push duration", "Median and 99th percentile time to answer a push.", "s",
                       quantiles("push", "push"), width=8),
            timeseries("Push size", "Median and 99th percentile body size of pushes "
                       "(flowgate_http_push_size_bytes).", "bytes",
                       [target(f"histogram_quantile({q}, sum by (le) "
                               f"(rate(flowgate_http_push_size_bytes_bucket{M}[{R}])))",
                               f"p{round(q * 100)}") for q in (0.5, 0.99)], width=8),
            timeseries("Collector health", "1 when each collector's last refresh succeeded "
                       "(flowgate_scrape_collector_success); FlowgateCollectorFailing fires after 10 "
                       "minutes at 0.", "bool",
                       [target(f"min by (collector) (flowgate_scrape_collector_success{M})", "{{collector}}")],
                       width=8),
            timeseries("Collector duration", "How long each collector's last refresh took "
                       "(flowgate_scrape_collector_duration_seconds).", "s",
                       [target(f"max by (collector) (flowgate_scrape_collector_duration_seconds{M})",
                               "{{collector}}")], width=8),
            timeseries("Requests by handler", "Requests answered per second, by handler and status code "
                       "(flowgate_http_requests_total).", "reqps",
                       [target(f"sum by (handler, code) (rate({requests}[{R}]))", "{{handler}} {{code}}")],
                       width=8),
            timeseries("Process CPU", "CPU seconds per second used by flowgate (process_cpu_seconds_total).",
                       "percentunit", [target(f"rate(process_cpu_seconds_total{M}[{R}])", "{{instance}}")],
                       width=8),
            timeseries("Process memory", "Resident memory of flowgate (process_resident_memory_bytes).",
                       "bytes", [target(f"process_resident_memory_bytes{M}", "{{instance}}")], width=8),
            timeseries("Open file descriptors", "Open file descriptors / the limit (process_open_fds, "
                       "process_max_fds).", "percentunit",
                       [target(f"process_open_fds{M} / process_max_fds{M}", "{{instance}}")], width=8),
            timeseries("Remote write: samples sent", "Samples each remote write destination acknowledged per "
                       "second, and those retried, refused and dropped (prometheus_remote_storage_*; "
                       "docs/scale-out.md).", "short",
                       [target(f"sum by (remote_name) (rate(prometheus_remote_storage_samples_total{M}[{R}]))",
                               "sent {{remote_name}}"),
                        target(f"sum by (remote_name) "
                               f"(rate(prometheus_remote_storage_samples_retried_total{M}[{R}]))",
                               "retried {{remote_name}}"),
                        target(f"sum by (remote_name) "
                               f"(rate(prometheus_remote_storage_samples_failed_total{M}[{R}]))",
                               "refused {{remote_name}}")], width=8),
            timeseries("Remote write: how far behind", "Age of the newest sample each destination "
                       "acknowledged (FlowgateRemoteWriteBehind fires past 5 minutes).", "s",
                       [target(f"time() - max by (remote_name) "
                               f"(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{M})",
                               "{{remote_name}}")], width=8),
            timeseries("Remote write: backlog", "Write-ahead log bytes not yet sent to each destination, and "
                       "the rate at which the backlog bound drops the oldest (flowgate_remote_write_backlog_bytes, "
                       "flowgate_remote_write_backlog_dropped_bytes_total).", "bytes",
                       [target(f"max by (remote_name) (flowgate_remote_write_backlog_bytes{M})",
                               "backlog {{remote_name}}"),
                        target(f"sum by (remote_name) "
                               f"(rate(flowgate_remote_write_backlog_dropped_bytes_total{M}[{R}]))",
                               "dropped per second {{remote_name}}")], width=8),
        ],
        'ALERTS{alertstate="firing", alertname=~"FlowgateDown|FlowgateAbsent|FlowgateCollectorFailing|'
        'FlowgatePush.*|FlowgateRemoteWrite.*"}')


DASHBOARD_FUNCTIONS = {"prefect-overview": prefect_overview, "scrapers": scrapers, "etl": etl,
                       "campaigns": campaigns, "hosts": hosts, "flowgate": flowgate_itself}


def rendered():
    return {f"{name}.json": json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
            for name, build in DASHBOARD_FUNCTIONS.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a dashboard file differs from its source")
    check = parser.parse_args().check
    stale = []
    for name, text in rendered().items():
        path = DASHBOARDS / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not check:
            DASHBOARDS.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote grafana/dashboards/{name}")
    if check and stale:
        print("stale: " + ", ".join(stale) + " (run grafana/generate_dashboards.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
