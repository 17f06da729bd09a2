#!/usr/bin/env python3
"""A scraper flow (Prefect 3) that pushes what each site's scraper saw to flowgate.

Each run scrapes three (simulated) shops, one task per site, so each site's
scraper has its own group: pages fetched, items extracted, page load times (a
histogram), HTTP errors by status code and CAPTCHA pages. `shop-c.example`
puts a CAPTCHA wall up: its task fails on every attempt, runs out of retries
(FlowgateTaskRetriesExhausted), and the flow run ends Failed with a
CaptchaWall exception (FlowgatePrefectFlowRunFailed, "Failures by exception
type" on the Prefect overview). `--no-wall` leaves that site out.

    FLOWGATE_URL=http://127.0.0.1:9091 python scraper_flow.py --runs 0 --every 30

Feeds the "Scrapers" dashboard; see README.md.
"""

import argparse
import random
import sys
import time

from prefect import flow, task

from flowgate_push import add_run_options, run_repeatedly, task_metrics, task_metrics_pushed

# Site: (pages per run, median page load seconds, share of pages with a CAPTCHA).
SITES = {"shop-a.example": (40, 0.4, 0.0), "shop-b.example": (25, 1.2, 0.04)}
WALLED_SITE = "shop-c.example"
RETRIES = 1


class CaptchaWall(Exception):
    """Every page of the site answers with a CAPTCHA."""


@task(retries=RETRIES, retry_delay_seconds=1)
def scrape_site(site, pages, median_load_seconds, captcha_share):
    with task_metrics_pushed(retries=RETRIES) as registry:
        loads = [random.lognormvariate(0, 0.6) * median_load_seconds for _ in range(pages)]
        captchas = sum(random.random() < captcha_share for _ in range(pages))
        errors = {404: random.randint(0, 2), 503: random.randint(0, 1)}
        if site == WALLED_SITE:
            loads, captchas, errors = loads[:3], 3, {403: 3}
        time.sleep(sum(loads) / 20)  # pages load in parallel, about 20 at a time
        items = 0 if captchas == len(loads) else (len(loads) - captchas - sum(errors.values())) * 12
        task_metrics.scraper(registry, site, page_load_seconds=loads, items=max(items, 0),
                             errors_by_code=errors, captchas=captchas)
        if site == WALLED_SITE:
            raise CaptchaWall(f"{site}: every page answers with a CAPTCHA")
        return items


@flow(name="scrape-shops")
def scraper_flow(wall: bool = True):
    sites = dict(SITES)
    if wall:
        sites[WALLED_SITE] = (3, 0.3, 1.0)
    # One task name per site: each site's counters live in their own group
    # (a push replaces its whole group), and the other sites still run when one fails.
    states = {site: scrape_site.with_options(name=f"scrape-{site.split('.')[0]}")(
                  site, *settings, return_state=True)
              for site, settings in sites.items()}
    for state in states.values():
        state.result()  # re-raises the failed site's exception: the run ends Failed with it
    return {site: state.result() for site, state in states.items()}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_options(parser)
    parser.add_argument("--no-wall", action="store_true", help=f"leave out {WALLED_SITE}: runs complete")
    args = parser.parse_args(argv)
    return run_repeatedly(scraper_flow, args.runs, args.every, wall=not args.no_wall)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
