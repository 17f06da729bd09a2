"""examples/task_metrics.py against a real server: counters keep counting across
runs of a task even though every run's process starts them at 0; runs pushing
into one group at once add their counts through flowgate's /aggregate route."""

import concurrent.futures
import functools
import json
import urllib.request

from prometheus_client import CollectorRegistry

import alerting_stack as stack

GROUP = {"job": "scrape-shops", "instance": "e2e", "task": "fetch-pages"}


def group_families(server):
    with urllib.request.urlopen(f"{server.url}/api/v1/metrics", timeout=5) as response:
        groups = json.load(response)["data"]
    return next(g for g in groups if g["labels"] == GROUP)


def values(families, name, **labels):
    """The values of a family's series that carry `labels`."""
    return [float(m["value"]) for m in families[name]["metrics"] if labels.items() <= m["labels"].items()]


def push_run(examples, server, pages, duration_seconds):
    registry = CollectorRegistry()
    examples.scraper(registry, "shop.example", page_load_seconds=[0.3] * pages, items=10 * pages,
                     errors_by_code={503: 1}, captchas=0)
    examples.task_health(registry, duration_seconds=duration_seconds, flow_run_id=f"run-{pages}",
                         flow_run_name="r")
    examples.push_group(server.url, GROUP["job"], GROUP["instance"], GROUP["task"], registry)


def test_two_runs_with_equal_counts_add_up_while_gauges_show_the_last_run():
    examples = stack.examples_module()
    with stack.push_server() as server:
        push_run(examples, server, pages=3, duration_seconds=40)
        push_run(examples, server, pages=3, duration_seconds=70)
        families = group_families(server)

    value = functools.partial(values, families)

    assert value("scraper_pages_total") == [6]
    assert value("scraper_items_total") == [60]
    assert value("scraper_http_errors_total", code="503") == [2]
    assert value("scraper_captchas_total") == [0]
    histogram = families["scraper_page_load_duration_seconds"]["metrics"][0]
    assert float(histogram["count"]) == 6 and float(histogram["buckets"]["0.5"]) == 6
    assert abs(float(histogram["sum"]) - 1.8) < 1e-9
    assert value("prefect_task_duration_seconds") == [70]
    assert [m["labels"]["flow_run_id"] for m in families["prefect_task_run_info"]["metrics"]] == ["run-3"]


def test_first_push_of_a_group_starts_from_the_runs_own_counts():
    examples = stack.examples_module()
    with stack.push_server() as server:
        push_run(examples, server, pages=2, duration_seconds=5)
        families = group_families(server)
    assert [float(m["value"]) for m in families["scraper_pages_total"]["metrics"]] == [2]


def add_run(examples, server, pages, idempotency_key):
    registry = CollectorRegistry()
    examples.scraper(registry, "shop.example", page_load_seconds=[0.3] * pages, items=10 * pages,
                     errors_by_code={503: 1}, captchas=0)
    examples.add_to_group(server.url, GROUP["job"], GROUP["instance"], GROUP["task"], registry, idempotency_key)


def test_concurrent_runs_add_their_counts_once_each_and_a_post_replaces_only_the_gauges():
    """Needs flowgate (the Pushgateway has no /aggregate): FLOWGATE_BINARY."""
    examples = stack.examples_module()
    with stack.servers.flowgate() as server:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda pages: add_run(examples, server, pages, f"run-{pages}"), [1, 2, 3, 4]))
        add_run(examples, server, 4, "run-4")  # run 4 retried: adds nothing
        health = CollectorRegistry()
        examples.task_health(health, duration_seconds=12, flow_run_id="run-4", flow_run_name="r")
        examples.replace_in_group(server.url, GROUP["job"], GROUP["instance"], GROUP["task"],
                                  examples.Only(health, counting=False))
        families = group_families(server)

    value = functools.partial(values, families)

    assert value("scraper_pages_total") == [10]
    assert value("scraper_items_total") == [100]
    assert value("scraper_http_errors_total", code="503") == [4]
    histogram = families["scraper_page_load_duration_seconds"]["metrics"][0]
    assert float(histogram["count"]) == 10 and float(histogram["buckets"]["0.5"]) == 10
    assert value("prefect_task_duration_seconds") == [12]
    assert "prefect_task_retries_total" not in families  # a counter: not in the replacing push
