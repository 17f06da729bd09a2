#!/usr/bin/env python3
"""A scraper flow (Prefect 3) whose concurrent task runs add their page counts up in flowgate.

Each run scrapes three (simulated) shops in batches of pages, one task run per
batch, all running at once. The runs of a site's task (`scrape-shop-a`, ...)
push into that site's group through flowgate's aggregating route
(`<FLOWGATE_URL>/aggregate`, docs/aggregation.md), so the group holds the
sum over every batch of every run: pages fetched, items extracted, page load
times (a histogram), HTTP errors by status code and CAPTCHA pages. Each task
run pushes its counts with its own idempotency key, so the retry of a failed
task adds nothing. The task's duration and the run's identity replace theirs
(a plain POST).

`shop-c.example` puts a CAPTCHA wall up: its task fails on every attempt, runs
out of retries (FlowgateTaskRetriesExhausted), and the flow run ends Failed
with a CaptchaWall exception (FlowgatePrefectFlowRunFailed, "Failures by
exception type" on the Prefect overview). `--no-wall` leaves that site out.
Each run prints what its task runs fetched, by site ("fetched by site: ").

    FLOWGATE_URL=http://127.0.0.1:9091 python scraper_flow.py --runs 0 --every 30

Feeds the "Scrapers" dashboard; see README.md.
"""

import argparse
import json
import random
import sys
import time

from prefect import flow, runtime, task
from prometheus_client import CollectorRegistry

from flowgate_push import add_run_options, add_task_run_counts, run_repeatedly, task_metrics, task_metrics_pushed

# Site: (pages per run, median page load seconds, share of pages with a CAPTCHA).
SITES = {"shop-a.example": (40, 0.4, 0.0), "shop-b.example": (25, 1.2, 0.04)}
WALLED_SITE = "shop-c.example"
WALL = (3, 0.3, 1.0)
PAGES_PER_BATCH = 10
RETRIES = 1
FETCHED_PREFIX = "fetched by site: "  # tests/grafana/prefect_examples.py reads these lines


class CaptchaWall(Exception):
    """Every page of the site answers with a CAPTCHA; `counts` is what the batch fetched."""

    def __init__(self, site, counts):
        super().__init__(f"{site}: every page answers with a CAPTCHA")
        self.site, self.counts = site, counts

    def __reduce__(self):  # pickled whole, should Prefect persist the failed run's result
        return CaptchaWall, (self.site, self.counts)


def fetch(site, first_page, pages, median_load_seconds, captcha_share):
    """What fetching the batch sees: (page load seconds, items, errors by code,
    CAPTCHAs). The same for every attempt of a task run, as fetching the same
    pages again would be: the draws are seeded by the flow run, site and batch."""
    draw = random.Random(f"{runtime.flow_run.id}/{site}/{first_page}")
    loads = [draw.lognormvariate(0, 0.6) * median_load_seconds for _ in range(pages)]
    captchas = sum(draw.random() < captcha_share for _ in range(pages))
    errors = {404: draw.randint(0, 1), 503: draw.randint(0, 1)}
    if site == WALLED_SITE:
        captchas, errors = pages, {403: pages}
    items = 0 if captchas == pages else max(pages - captchas - sum(errors.values()), 0) * 12
    return loads, items, errors, captchas


@task(retries=RETRIES, retry_delay_seconds=1)
def scrape_pages(site, first_page, pages, median_load_seconds, captcha_share):
    """One batch of a site: fetches it, adds its counts to the site's group
    (once per task run), returns {"pages", "items"}."""
    with task_metrics_pushed(retries=RETRIES, concurrent=True):
        loads, items, errors, captchas = fetch(site, first_page, pages, median_load_seconds, captcha_share)
        time.sleep(sum(loads) / 20)  # pages load in parallel, about 20 at a time
        counted = CollectorRegistry()
        task_metrics.scraper(counted, site, page_load_seconds=loads, items=items, errors_by_code=errors,
                             captchas=captchas)
        add_task_run_counts(counted)
        counts = {"pages": pages, "items": items}
        if site == WALLED_SITE:
            raise CaptchaWall(site, counts)
        return counts


def _counts(future):
    """What a finished task run fetched: its result, or what its CaptchaWall says."""
    outcome = future.result(raise_on_failure=False)
    if isinstance(outcome, CaptchaWall):
        return outcome.counts
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@flow(name="scrape-shops")
def scraper_flow(wall: bool = True, pages_per_batch: int = PAGES_PER_BATCH):
    sites = dict(SITES, **({WALLED_SITE: WALL} if wall else {}))
    # One task name per site (its group), one task run per batch, all submitted
    # at once to Prefect's thread pool: the runs of a site add into its group.
    futures = []
    for site, (pages, *settings) in sites.items():
        scrape = scrape_pages.with_options(name=f"scrape-{site.split('.')[0]}")
        futures += [(site, scrape.submit(site, first, min(pages_per_batch, pages - first), *settings))
                    for first in range(0, pages, pages_per_batch)]
    fetched = {site: [] for site in sites}
    for site, future in futures:
        fetched[site].append(_counts(future))
    print(FETCHED_PREFIX + json.dumps(fetched), flush=True)
    for _, future in futures:
        future.result()  # re-raises the walled site's exception: the run ends Failed with it
    return fetched


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_options(parser)
    parser.add_argument("--no-wall", action="store_true", help=f"leave out {WALLED_SITE}: runs complete")
    args = parser.parse_args(argv)
    return run_repeatedly(scraper_flow, args.runs, args.every, wall=not args.no_wall)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
