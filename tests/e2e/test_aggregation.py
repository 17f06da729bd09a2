"""Aggregating pushes from unchanged clients: prometheus_client processes
push their page counts at once to the gateway URL ending in /aggregate, and
the scrape shows the exact totals (counters added, not replaced). The same
pushes to the plain gateway URL leave only the last one, as the Pushgateway
does."""
import concurrent.futures
import random
import subprocess
import sys

import exposition_normalizer
import raw_http
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
