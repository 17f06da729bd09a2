"""Aggregating pushes from unchanged clients: prometheus_client processes
push their page counts at once to the gateway URL ending in /aggregate, and
the scrape shows the exact totals (counters added, not replaced). The same
pushes to the plain gateway URL leave only the last one, as the Pushgateway
does. A push whose reply is lost after flowgate applied it is retried with
its idempotency key and counted once.
"""
import concurrent.futures
import random
import subprocess
import sys

import pytest

import exposition_normalizer
import raw_http
import reply_dropping_proxy
import servers

PUSHER = """
import sys
from prometheus_client import CollectorRegistry, Counter, push_to_gateway
registry = CollectorRegistry()
pages = Counter('pages_fetched', 'Pages fetched by one scraper task', ['site'], registry=registry)
pages.labels(site=sys.argv[2]).inc(int(sys.argv[3]))
push_to_gateway(sys.argv[1], job='scraper', registry=registry)
"""


def push_all(gateway, pushes):
    def push(site_and_pages):
        site, count = site_and_pages
        subprocess.run([sys.executable, "-c", PUSHER, gateway, site, str(count)], check=True, timeout=60)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(push, pushes))


def totals(server):
    samples = exposition_normalizer.pushed_samples(raw_http.get(server, "/metrics").text())
    return {key: float(value) for key, value in samples.items() if key.startswith("pages_fetched_total")}


def test_concurrent_prometheus_client_pushes_add_up_through_the_aggregate_url():
    rng = random.Random(20)
    pushes = [(rng.choice(["a.com", "b.com", "c.com"]), rng.randint(1, 100)) for _ in range(24)]
    expected = {}
    for site, count in pushes:
        key = f'pages_fetched_total{{instance="",job="scraper",site="{site}"}}'
        expected[key] = expected.get(key, 0) + count
    with servers.flowgate() as server:
        push_all(f"http://127.0.0.1:{server.port}/aggregate", pushes)
        assert totals(server) == expected
        # Plain pushes to another job replace: one site's last push is all that is left.
        subprocess.run([sys.executable, "-c", PUSHER.replace("job='scraper'", "job='plain'"),
                        f"http://127.0.0.1:{server.port}", "a.com", "5"], check=True, timeout=60)
        subprocess.run([sys.executable, "-c", PUSHER.replace("job='scraper'", "job='plain'"),
                        f"http://127.0.0.1:{server.port}", "a.com", "7"], check=True, timeout=60)
        assert totals(server)['pages_fetched_total{instance="",job="plain",site="a.com"}'] == 7


def retry_through_a_lost_reply(server, path, headers=()):
    """curl pushes `pages 5` (aggregating) through a proxy that lets flowgate
    apply the push and answer, then cuts the connection before curl reads the
    reply; curl retries on its own (--retry-all-errors), the same request.
    Returns (the dropped reply's status line, curl's exit status, the retry's
    HTTP status, proxy connections, the total scraped)."""
    with reply_dropping_proxy.ReplyDroppingProxy(server.port, drop=1) as proxy:
        header_args = [argument for header in headers for argument in ("-H", header)]
        done = subprocess.run(
            ["curl", "-sS", "--retry", "1", "--retry-all-errors", "--retry-delay", "1", "--max-time", "20",
             "-X", "POST", "--data-binary", "# TYPE pages counter\npages 5\n", *header_args,
             "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{proxy.port}{path}"],
            capture_output=True, text=True, timeout=60)
        samples = exposition_normalizer.pushed_samples(raw_http.get(server, "/metrics").text())
        total = float(samples['pages{instance="",job="retried"}'])
        return proxy.dropped, done.returncode, done.stdout, proxy.connections, total


@pytest.mark.parametrize("key_form", ["header", "grouping label"])
def test_a_retry_after_a_lost_reply_with_the_same_idempotency_key_counts_once(key_form):
    with servers.flowgate() as server:
        if key_form == "header":
            outcome = retry_through_a_lost_reply(server, "/aggregate/metrics/job/retried",
                                                 ["Idempotency-Key: task-41-try"])
        else:
            outcome = retry_through_a_lost_reply(server, "/aggregate/metrics/job/retried/idempotency_key/task-41-try")
        dropped, curl_status, retry_status, connections, total = outcome
        assert dropped == ["HTTP/1.1 200 OK"], "flowgate applied and answered the first push"
        assert (curl_status, retry_status, connections) == (0, "200", 2), "the retry is answered like the first"
        assert total == 5, "the retry added nothing"


def test_a_retry_after_a_lost_reply_without_an_idempotency_key_counts_twice():
    """What the key prevents; also shows the lost reply really was applied."""
    with servers.flowgate() as server:
        dropped, curl_status, retry_status, connections, total = retry_through_a_lost_reply(
            server, "/aggregate/metrics/job/retried")
        assert (dropped, curl_status, retry_status, connections) == (["HTTP/1.1 200 OK"], 0, "200", 2)
        assert total == 10
