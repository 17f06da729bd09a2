#!/usr/bin/env python3
"""The daily report (Prefect 3): a summary of the day from Prometheus, sent to
Slack, Discord and by email, with a link to each dashboard.

It asks Prometheus' HTTP API the queries of the Grafana dashboards, read from
grafana/dashboards/*.json (the generated files Grafana loads), so the report
and the dashboards never disagree: flow runs by state and the worst flows,
failures by exception type, slow tasks, API spend of the day and of the month
to date against the budget, and host peaks.

    PROMETHEUS_URL=http://127.0.0.1:9090 GRAFANA_URL=http://127.0.0.1:3000 \\
    SLACK_WEBHOOK_URL=... DISCORD_WEBHOOK_URL=... SMTP_HOST=... SMTP_TO=team@example.com \\
        python daily_report.py                      # one report now
        python daily_report.py --serve "0 18 * * *" # a deployment on a cron schedule

A Prometheus that does not answer fails the run with the reason, and nothing
is sent; a destination that refuses fails the run after the others got theirs.
See README.md for every setting.
"""

import argparse
import dataclasses
import datetime
import email.message
import html
import json
import os
import pathlib
import re
import smtplib
import sys
import zoneinfo

import httpx
from prefect import flow, get_run_logger, task
from prefect.schedules import Cron

DEFAULT_DASHBOARDS_DIR = pathlib.Path(__file__).resolve().parents[2] / "grafana" / "dashboards"
# The alerts' default when a task pushes no prefect_task_slow_threshold_seconds (docs/task-metrics.md).
DEFAULT_SLOW_THRESHOLD_SECONDS = 60
SLOW_THRESHOLD_QUERY = 'max by (job, task) (prefect_task_slow_threshold_seconds{job=~".+"})'
OVERVIEW, CAMPAIGNS, HOSTS, ETL = "flowgate-prefect-overview", "flowgate-campaigns", "flowgate-hosts", "flowgate-etl"
# The order of the dashboard links (any other dashboard of the folder follows).
LINK_ORDER = (OVERVIEW, "flowgate-scrapers", ETL, CAMPAIGNS, HOSTS, "flowgate-self")
TOP = 5  # rows per list: the worst flows, exception types, slow tasks, APIs
HTTP_TIMEOUT_SECONDS = 10


class ReportError(Exception):
    """The report cannot be made or delivered; the message says why."""


# -- settings ---------------------------------------------------------------

def _env(name, default=None):
    return os.environ.get(name) or default


@dataclasses.dataclass
class Settings:
    """Where to read and where to send. Webhook URLs and the SMTP password are
    secrets: they come from the environment only, never from flow parameters,
    which Prefect stores and shows in its UI."""
    prometheus_url: str
    grafana_url: str
    timezone: str
    day: str
    monthly_budget_dollars: float | None
    email_to: list
    dashboards_dir: str
    peak_step: str
    rate_interval: str
    at: datetime.datetime | None
    slack_webhook_url: str = dataclasses.field(default_factory=lambda: _env("SLACK_WEBHOOK_URL"))
    discord_webhook_url: str = dataclasses.field(default_factory=lambda: _env("DISCORD_WEBHOOK_URL"))
    smtp_host: str = dataclasses.field(default_factory=lambda: _env("SMTP_HOST"))
    smtp_port: int = dataclasses.field(default_factory=lambda: int(_env("SMTP_PORT", "25")))
    smtp_from: str = dataclasses.field(default_factory=lambda: _env("SMTP_FROM", "flowgate-report@localhost"))
    smtp_user: str = dataclasses.field(default_factory=lambda: _env("SMTP_USER"))
    smtp_password: str = dataclasses.field(default_factory=lambda: _env("SMTP_PASSWORD"))
    smtp_starttls: bool = dataclasses.field(default_factory=lambda: _env("SMTP_STARTTLS", "0") == "1")


# -- the dashboards' queries --------------------------------------------------

class DashboardQueries:
    """The panel queries of the generated dashboards, with Grafana's variables
    replaced the way Grafana does for "All" ($job and $instance match any
    value) and the time variables given by the report's window."""

    def __init__(self, directory):
        self.dashboards = {}
        for path in sorted(pathlib.Path(directory).glob("*.json")):
            board = json.loads(path.read_text(encoding="utf-8"))
            self.dashboards[board["uid"]] = board
        if not self.dashboards:
            raise ReportError(f"no dashboards in {directory} (set FLOWGATE_DASHBOARDS_DIR to grafana/dashboards)")

    def expr(self, uid, title, ref="A", window_ms=None, rate_interval=None):
        board = self.dashboards.get(uid)
        panels = [p for p in (board or {}).get("panels", []) if p.get("title") == title]
        targets = [t for p in panels for t in p.get("targets", []) if t.get("refId") == ref]
        if not targets:
            raise ReportError(f"dashboard {uid} has no panel {title!r} with query {ref}: "
                              "the report and grafana/generate_dashboards.py disagree")
        expr = targets[0]["expr"]
        window = f"{window_ms}ms" if window_ms else None
        for variable, value in (("$__rate_interval", rate_interval or window), ("$__range", window),
                                ("$job", ".+"), ("$instance", ".+")):
            if variable in expr and value is None:
                raise ReportError(f"panel {title!r} of {uid} needs {variable}, which the report does not set")
            expr = expr.replace(variable, value or "")
        if "$" in expr:
            raise ReportError(f"panel {title!r} of {uid} uses a variable the report cannot fill: {expr}")
        return expr

    def title(self, uid):
        return self.dashboards[uid]["title"].removeprefix("flowgate / ")

    def link(self, grafana_url, uid, time_range):
        return f"{grafana_url.rstrip('/')}/d/{uid}?from={time_range[0]}&to={time_range[1]}"


def _ratio_parts(expr):
    """The numerator and denominator of a panel query `A / B` (the failure rate by flow)."""
    parts = expr.split(" / ")
    if len(parts) != 2:
        raise ReportError(f"expected a ratio of two sums, got {expr}")
    return parts


# -- Prometheus ---------------------------------------------------------------

class Prometheus:
    def __init__(self, url, at):
        self.url, self.at = url.rstrip("/"), at

    def query(self, expr):
        """The instant vector of `expr` at the report's time, as [(labels, value)]; NaN left out."""
        try:
            response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr, "time": self.at.timestamp()},
                                 timeout=HTTP_TIMEOUT_SECONDS)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ReportError(f"Prometheus at {self.url} did not answer: {type(error).__name__}: {error}") from None
        if answer.get("status") != "success":
            raise ReportError(f"Prometheus at {self.url} refused {expr!r}: HTTP {response.status_code}, "
                              f"{answer.get('errorType')}: {answer.get('error')}")
        return [(item["metric"], float(item["value"][1])) for item in answer["data"]["result"]
                if item["value"][1] not in ("NaN", "+Inf", "-Inf")]

    def by(self, expr, *labels):
        return {tuple(m.get(label, "") for label in labels): v for m, v in self.query(expr)}

    def scalar(self, expr):
        values = [v for _, v in self.query(expr)]
        return values[0] if values else None


# -- gathering ----------------------------------------------------------------

def report_window(settings):
    """(end, start of day, start of month) in the report's time zone: today so far,
    or all of yesterday (end at midnight) with settings.day == "yesterday"."""
    zone = zoneinfo.ZoneInfo(settings.timezone)
    now = settings.at or datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    now = now.astimezone(zone)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = midnight if settings.day == "yesterday" else now
    day_start = midnight - datetime.timedelta(days=1) if settings.day == "yesterday" else midnight
    month_start = day_start.replace(day=1)
    return end, day_start, month_start


def _ms(later, earlier):
    return max(1000, int((later - earlier).total_seconds() * 1000))


def gather(settings):
    """Everything the report says, as plain data (JSON-able, for Prefect's result)."""
    end, day_start, month_start = report_window(settings)
    day_ms, month_ms = _ms(end, day_start), _ms(end, month_start)
    # A rate over the whole day times the day's length is the day's count: per second for the
    # parts of the failure rate, per hour for the per-hour panels.
    seconds, hours = day_ms / 1000, day_ms / 3_600_000
    prometheus = Prometheus(settings.prometheus_url, end)
    queries = DashboardQueries(settings.dashboards_dir)
    overview, campaigns, hosts, etl = OVERVIEW, CAMPAIGNS, HOSTS, ETL
    linked = sorted(queries.dashboards, key=lambda uid: (LINK_ORDER + (uid,)).index(uid))

    states = prometheus.by(queries.expr(overview, "Finished runs by state", window_ms=day_ms), "state_name")
    failed, finished = (prometheus.by(part, "flow_name") for part in _ratio_parts(
        queries.expr(overview, "Failure rate by flow", window_ms=day_ms)))
    exceptions = prometheus.by(queries.expr(overview, "Failures by exception type", window_ms=day_ms),
                               "exception_type")
    return {
        "date": day_start.date().isoformat(), "timezone": settings.timezone, "as_of": end.isoformat(),
        "whole_day": settings.day == "yesterday", "failed_runs": round(sum(failed.values()) * seconds),
        "runs_by_state": _counts({k[0]: v * hours for k, v in states.items()}),
        "worst_flows": _worst_flows({k[0]: v * seconds for k, v in failed.items()},
                                    {k[0]: v * seconds for k, v in finished.items()}),
        "failures_by_exception": _counts({k[0]: v * hours for k, v in exceptions.items()}),
        "slow_tasks": _slow_tasks(prometheus, queries.expr(etl, "Task duration"), day_ms, settings.peak_step),
        "spend": _spend(prometheus, queries, campaigns, day_ms, month_ms, settings.monthly_budget_dollars),
        "hosts": _host_peaks(prometheus, queries, hosts, day_ms, settings),
        "links": {uid: (queries.title(uid), queries.link(settings.grafana_url, uid, _time_from(settings, uid)))
                  for uid in linked},
    }


def _time_from(settings, uid):
    """The dashboard's time range in the link: the report's day (the month for spend)."""
    if uid == "flowgate-campaigns":
        return ("now/M", "now")
    return ("now-1d/d", "now-1d/d") if settings.day == "yesterday" else ("now/d", "now")


def _counts(values):
    """[(name, count)] of the non-zero counts, largest first."""
    counted = ((name or "unknown", round(value)) for name, value in values.items())
    return sorted(((n, c) for n, c in counted if c > 0), key=lambda item: (-item[1], item[0]))


def _worst_flows(failed, finished):
    rows = [(flow_name, round(failed.get(flow_name, 0)), round(total)) for flow_name, total in finished.items()]
    rows = [row for row in rows if row[1] > 0 and row[2] > 0]
    return sorted(rows, key=lambda r: (-r[1] / r[2], -r[1], r[0]))[:TOP]


def _peak(expr, window_ms, step):
    return f"max_over_time(({expr})[{window_ms}ms:{step}])"


def _slow_tasks(prometheus, duration_expr, day_ms, step):
    """Tasks whose longest run of the day was above their threshold, slowest first."""
    peaks = prometheus.by(f"max by (job, task) ({_peak(duration_expr, day_ms, step)})", "job", "task")
    thresholds = prometheus.by(SLOW_THRESHOLD_QUERY, "job", "task")
    rows = [(job, name, peak, thresholds.get((job, name), DEFAULT_SLOW_THRESHOLD_SECONDS))
            for (job, name), peak in peaks.items()]
    return sorted((r for r in rows if r[2] > r[3]), key=lambda r: (-r[2], r[0], r[1]))[:TOP]


def _spend(prometheus, queries, uid, day_ms, month_ms, budget_override):
    def total(window_ms):
        return prometheus.scalar(queries.expr(uid, "Month-to-date spend", window_ms=window_ms)) or 0.0

    by_api = prometheus.by(queries.expr(uid, "API spend by API in range", window_ms=day_ms), "api")
    budget = budget_override if budget_override is not None else prometheus.scalar(
        queries.expr(uid, "Monthly budget"))
    month = total(month_ms)
    return {"day": total(day_ms), "month": month, "budget": budget,
            "budget_share": month / budget if budget else None,
            "by_api": sorted(((k[0], v) for k, v in by_api.items() if v > 0), key=lambda i: (-i[1], i[0]))[:TOP]}


HOST_PANELS = (("cpu", "CPU busy", "A"), ("memory", "Memory used", "A"), ("disk", "Disk space used", "A"),
               ("load1", "Load", "A"))


def _host_peaks(prometheus, queries, uid, day_ms, settings):
    """{instance: {cpu, memory, disk, load1}}: each panel's highest value of the day, sampled every peak_step."""
    peaks = {}
    for key, title, ref in HOST_PANELS:
        expr = queries.expr(uid, title, ref, rate_interval=settings.rate_interval)
        for (instance,), value in prometheus.by(
                f"max by (instance) ({_peak(expr, day_ms, settings.peak_step)})", "instance").items():
            peaks.setdefault(instance, {})[key] = value
    return sorted(peaks.items())


# -- what the report says, whatever the channel -------------------------------

def _money(dollars):
    return f"${dollars:,.2f}"


def _percent(share):
    return f"{share * 100:.0f}%"


def _seconds(value):
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def headline(report):
    when = report["date"] if report["whole_day"] else f"{report['date']} until {report['as_of'][11:16]}"
    return f"flowgate daily report: {when} ({report['timezone']})"


def summary(report):
    finished = sum(count for _, count in report["runs_by_state"])
    spend = report["spend"]
    text = f"{finished} flow runs finished, {report['failed_runs']} failed; {_money(spend['day'])} spent on APIs"
    if spend["budget_share"] is not None:
        text += f", {_percent(spend['budget_share'])} of the monthly budget used"
    return text + "."


def status(report):
    """good, warning or danger: the colour of the Slack and Discord messages."""
    share = report["spend"]["budget_share"] or 0
    if report["failed_runs"] or share >= 1:
        return "danger"
    return "warning" if share >= 0.8 or report["slow_tasks"] else "good"


def sections(report):
    """[(title, dashboard uid, lines)]: the report's body, in plain text lines."""
    runs = report["runs_by_state"]
    spend = report["spend"]
    month = f"Month to date: {_money(spend['month'])}"
    if spend["budget"]:
        month += f" of the {_money(spend['budget'])} budget ({_percent(spend['budget_share'])})"
    else:
        month += " (no monthly budget set or pushed)"
    return [
        ("Flow runs by state", OVERVIEW,
         [f"{count} {state}" for state, count in runs] or ["No flow run finished."]),
        ("Worst flows", OVERVIEW,
         [f"{name}: {failed} of {total} runs failed ({_percent(failed / total)})"
          for name, failed, total in report["worst_flows"]] or ["No flow failed."]),
        ("Failures by exception type", OVERVIEW,
         [f"{name}: {count}" for name, count in report["failures_by_exception"][:TOP]] or ["No failures."]),
        ("Slow tasks", ETL,
         [f"{job} / {name}: {_seconds(peak)} (threshold {_seconds(threshold)})"
          for job, name, peak, threshold in report["slow_tasks"]] or ["No task ran longer than its threshold."]),
        ("API spend", CAMPAIGNS,
         [f"{'On ' + report['date'] if report['whole_day'] else 'Today'}: {_money(spend['day'])}"
          + (" (" + ", ".join(f"{api} {_money(v)}" for api, v in spend["by_api"]) + ")" if spend["by_api"] else ""),
          month]),
        ("Host peaks", HOSTS,
         [_host_line(instance, peaks) for instance, peaks in report["hosts"]] or ["No host metrics."]),
    ]


def _host_line(instance, peaks):
    parts = [f"{label} {_percent(peaks[key])}" for key, label in (("cpu", "CPU"), ("memory", "memory"),
                                                                  ("disk", "disk")) if key in peaks]
    if "load1" in peaks:
        parts.append(f"load {peaks['load1']:.2f}")
    return f"{instance}: " + ", ".join(parts)


# -- one message per channel ---------------------------------------------------

def plain_text(report):
    lines = [headline(report), "", summary(report)]
    for title, uid, body in sections(report):
        lines += ["", f"{title} ({report['links'][uid][1]})"] + [f"  - {line}" for line in body]
    lines += ["", "Dashboards:"] + [f"  {name}: {url}" for name, url in report["links"].values()]
    return "\n".join(lines) + "\n"


def html_text(report):
    e = html.escape
    parts = [f"<h2>{e(headline(report))}</h2>", f"<p>{e(summary(report))}</p>"]
    for title, uid, body in sections(report):
        parts.append(f'<h3><a href="{e(report["links"][uid][1])}">{e(title)}</a></h3>')
        parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in body) + "</ul>")
    parts.append("<p>Dashboards: " + " · ".join(f'<a href="{e(url)}">{e(name)}</a>'
                                               for name, url in report["links"].values()) + "</p>")
    return "<html><body>\n" + "\n".join(parts) + "\n</body></html>\n"


def _slack_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SLACK_SECTION_LIMIT = 3000  # characters of a section block's text


def slack_message(report):
    """Block Kit: a header, the summary, one section per part of the report and the dashboard links;
    `text` is what notifications show."""
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": headline(report)[:150]}},
              {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(summary(report))}}]
    for title, uid, body in sections(report):
        text = f"*<{report['links'][uid][1]}|{_slack_escape(title)}>*\n" + "\n".join(
            f"• {_slack_escape(line)}" for line in body)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_SECTION_LIMIT]}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Dashboards: " + " · ".join(
        f"<{url}|{_slack_escape(name)}>" for name, url in report["links"].values())}]})
    return {"text": f"{headline(report)}: {summary(report)}", "blocks": blocks}


DISCORD_COLOURS = {"good": 0x2EB67D, "warning": 0xECB22E, "danger": 0xE01E5A}
# Discord's limits: embed title 256, description 4096, field value 1024, 25 fields, 6000 in all.
DISCORD_FIELD_LIMIT = 1024
# Every line starts with a bullet, so only the markers that work mid-line are escaped.
_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|<\[\]])")


def _discord_escape(text):
    return _DISCORD_MARKDOWN.sub(r"\\\1", text)


def discord_message(report):
    """One embed: the summary and the dashboard links as description, one field per part."""
    fields = []
    for title, uid, body in sections(report):
        link = f"\n[dashboard]({report['links'][uid][1]})"
        value = "\n".join(f"• {_discord_escape(line)}" for line in body)
        fields.append({"name": title, "value": value[:DISCORD_FIELD_LIMIT - len(link)] + link})
    links = " · ".join(f"[{name}]({url})" for name, url in report["links"].values())
    embed = {"title": headline(report)[:256], "url": report["links"][OVERVIEW][1],
             "description": f"{_discord_escape(summary(report))}\n\nDashboards: {links}"[:4096],
             "color": DISCORD_COLOURS[status(report)], "fields": fields, "timestamp": report["as_of"]}
    return {"username": "flowgate", "allowed_mentions": {"parse": []}, "embeds": [embed]}


def email_message(report, sender, recipients):
    message = email.message.EmailMessage()
    message["Subject"] = headline(report)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(plain_text(report))
    message.add_alternative(html_text(report), subtype="html")
    return message


# -- the flow -----------------------------------------------------------------

def _post(url, payload, channel):
    try:
        response = httpx.post(url, json=payload, timeout=HTTP_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise ReportError(f"{channel} webhook did not answer: {type(error).__name__}: {error}") from None
    if response.status_code >= 300:
        raise ReportError(f"{channel} webhook refused the report: HTTP {response.status_code} {response.text[:200]}")


@task(name="query-prometheus")
def gather_report(settings):
    return gather(settings)


@task(name="send-to-slack")
def send_to_slack(url, report):
    _post(url, slack_message(report), "Slack")


@task(name="send-to-discord")
def send_to_discord(url, report):
    _post(url, discord_message(report), "Discord")


@task(name="send-email")
def send_email(settings, report):
    message = email_message(report, settings.smtp_from, settings.email_to)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=HTTP_TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise ReportError(f"SMTP server {settings.smtp_host}:{settings.smtp_port} did not take the report: "
                          f"{type(error).__name__}: {error}") from None


def deliveries(settings):
    """(channel, task, arguments) for every destination configured."""
    sends = []
    if settings.slack_webhook_url:
        sends.append(("Slack", send_to_slack, (settings.slack_webhook_url,)))
    if settings.discord_webhook_url:
        sends.append(("Discord", send_to_discord, (settings.discord_webhook_url,)))
    if settings.smtp_host and settings.email_to:
        sends.append(("email", send_email, (settings,)))
    if not sends:
        raise ReportError("no destination: set SLACK_WEBHOOK_URL, DISCORD_WEBHOOK_URL, or SMTP_HOST and SMTP_TO")
    return sends


@flow(name="daily-report")
def daily_report(prometheus_url: str | None = None, grafana_url: str | None = None,
                 monthly_budget_dollars: float | None = None, email_to: list[str] | None = None,
                 timezone: str | None = None, day: str = "today", at: datetime.datetime | None = None,
                 peak_step: str = "1m", rate_interval: str = "5m", dashboards_dir: str | None = None):
    """Sends the report of `day` ("today" so far, or all of "yesterday") in `timezone`.

    Unset parameters come from PROMETHEUS_URL, GRAFANA_URL, MONTHLY_BUDGET_DOLLARS (else the
    pushed api_monthly_budget_dollars), SMTP_TO (comma-separated), REPORT_TIMEZONE (UTC) and
    FLOWGATE_DASHBOARDS_DIR. `at` reports as of that moment instead of now. Host peaks and the
    longest task runs are sampled every `peak_step`; CPU is averaged over `rate_interval`."""
    if day not in ("today", "yesterday"):
        raise ReportError(f"day must be 'today' or 'yesterday', not {day!r}")
    budget = monthly_budget_dollars if monthly_budget_dollars is not None else _env("MONTHLY_BUDGET_DOLLARS")
    settings = Settings(
        prometheus_url=prometheus_url or _env("PROMETHEUS_URL", "http://127.0.0.1:9090"),
        grafana_url=grafana_url or _env("GRAFANA_URL", "http://127.0.0.1:3000"),
        timezone=timezone or _env("REPORT_TIMEZONE", "UTC"), day=day,
        monthly_budget_dollars=float(budget) if budget is not None else None,
        email_to=email_to or [a.strip() for a in _env("SMTP_TO", "").split(",") if a.strip()],
        dashboards_dir=dashboards_dir or _env("FLOWGATE_DASHBOARDS_DIR", str(DEFAULT_DASHBOARDS_DIR)),
        peak_step=peak_step, rate_interval=rate_interval, at=at)
    sends = deliveries(settings)
    report = gather_report(settings)
    futures = {channel: send.submit(*arguments, report) for channel, send, arguments in sends}
    for future in futures.values():
        future.wait()
    refused = {channel: future.state.message for channel, future in futures.items()
               if not future.state.is_completed()}
    get_run_logger().info("report sent to %s", ", ".join(c for c in futures if c not in refused) or "nobody")
    if refused:
        raise ReportError("not delivered to " + "; ".join(f"{c} ({m})" for c, m in refused.items()))
    return report


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", metavar="CRON", help='serve a deployment "daily" on this cron schedule '
                        '(e.g. "0 18 * * *"; in REPORT_TIMEZONE) instead of reporting once')
    parser.add_argument("--day", choices=("today", "yesterday"), default="today")
    parser.add_argument("--at", type=float, metavar="UNIX_SECONDS", help="report as of this moment, not now")
    parser.add_argument("--peak-step", default="1m", help="resolution of the peaks (default 1m)")
    parser.add_argument("--budget", type=float, metavar="DOLLARS", help="monthly budget (else the pushed one)")
    options = parser.parse_args(argv)
    parameters = {"day": options.day, "peak_step": options.peak_step, "monthly_budget_dollars": options.budget}
    if options.serve:
        zone = _env("REPORT_TIMEZONE", "UTC")
        daily_report.serve(name="daily", schedule=Cron(options.serve, timezone=zone), parameters=parameters)
        return 0
    at = datetime.datetime.fromtimestamp(options.at, datetime.timezone.utc) if options.at else None
    daily_report(at=at, **parameters)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
