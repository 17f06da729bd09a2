#!/usr/bin/env python3
"""A marketing campaign flow (Prefect 3) that pushes its numbers to flowgate.

Each run finds leads through a search API, scores them with an LLM API (the
first attempt hits a 429 and is retried), e-mails them through an e-mail API
and records the campaign's leads, hot leads, conversions and e-mails
sent/opened/clicked. Every API call is counted and priced (calls x price per
call), with the API's rate limit, a daily budget per API and a monthly budget
for all APIs, small on purpose so FlowgateApiDailySpendHigh and
FlowgateApiMonthlyBudgetSpent fire after a few runs.

    FLOWGATE_URL=http://127.0.0.1:9091 python campaign_flow.py --runs 0 --every 30

Feeds the "Campaigns and cost" dashboard; see README.md.
"""

import argparse
import random
import sys
import time

from prefect import flow, runtime, task

from flowgate_push import add_run_options, run_repeatedly, task_metrics, task_metrics_pushed

# Dollars per call, and calls allowed per window, of the (made-up) APIs.
PRICE_PER_CALL = {"serpapi": 0.01, "openai": 0.004, "sendgrid": 0.001}
RATE_LIMITS = {"serpapi": {"1h": 1000}, "openai": {"1m": 500, "1d": 10000}, "sendgrid": {"1s": 100}}
DAILY_BUDGET_DOLLARS = 0.5


class RateLimited(Exception):
    """The API answered 429."""


def _use_api(registry, api, calls, errors_by_code=None, monthly_budget_dollars=None):
    """Makes (pretends to make) `calls` calls and counts and prices them."""
    time.sleep(min(calls * 0.002, 1.0))
    task_metrics.api_usage(registry, api, requests=calls, errors_by_code=errors_by_code or {},
                           cost_dollars=calls * PRICE_PER_CALL[api], limits_by_window=RATE_LIMITS[api],
                           daily_budget_dollars=DAILY_BUDGET_DOLLARS,
                           monthly_budget_dollars=monthly_budget_dollars)


@task(name="find-leads", retries=2, retry_delay_seconds=1)
def find_leads(monthly_budget_dollars):
    with task_metrics_pushed(retries=2) as registry:
        searches = random.randint(20, 40)
        _use_api(registry, "serpapi", searches, errors_by_code={500: random.randint(0, 1)},
                 monthly_budget_dollars=monthly_budget_dollars)
        return searches * random.randint(8, 12)


@task(name="score-leads", retries=2, retry_delay_seconds=1)
def score_leads(leads):
    """One LLM call per lead; the first attempt of every run is rate limited
    after a few calls (a retry, FlowgateTaskRetrying), the second gets through."""
    with task_metrics_pushed(retries=2) as registry:
        if runtime.task_run.run_count == 1:
            _use_api(registry, "openai", 10, errors_by_code={429: 1})
            raise RateLimited("openai answered 429 Too Many Requests")
        _use_api(registry, "openai", leads)
        return sum(random.random() < 0.1 for _ in range(leads))


@task(name="send-emails")
def send_emails(leads):
    with task_metrics_pushed() as registry:
        sent = leads - random.randint(0, max(1, leads // 20))  # bounced or unsubscribed
        _use_api(registry, "sendgrid", sent)
        opened = int(sent * random.uniform(0.3, 0.5))
        clicked = int(opened * random.uniform(0.1, 0.3))
        return sent, opened, clicked


@task(name="record-campaign")
def record_campaign(campaign, leads, hot_leads, sent, opened, clicked):
    with task_metrics_pushed() as registry:
        conversions = int(clicked * random.uniform(0.05, 0.2))
        task_metrics.campaign(registry, campaign, leads=leads, hot_leads=hot_leads, conversions=conversions,
                              sent=sent, opened=opened, clicked=clicked)
        return conversions


@flow(name="marketing-campaign")
def campaign_flow(campaign: str = "spring-launch", monthly_budget_dollars: float = 5.0):
    leads = find_leads(monthly_budget_dollars)
    hot_leads = score_leads(leads)
    sent, opened, clicked = send_emails(leads)
    record_campaign(campaign, leads, hot_leads, sent, opened, clicked)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_options(parser)
    parser.add_argument("--campaign", default="spring-launch", help="the campaign label (default %(default)s)")
    parser.add_argument("--monthly-budget", type=float, default=5.0, metavar="DOLLARS",
                        help="api_monthly_budget_dollars to push (default %(default)s)")
    args = parser.parse_args(argv)
    return run_repeatedly(campaign_flow, args.runs, args.every, campaign=args.campaign,
                          monthly_budget_dollars=args.monthly_budget)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
