#!/usr/bin/python3
"""Pushes a small registry with Debian's prometheus_client, unchanged, so the
e2e tests see exactly what the Python client sends (text 0.0.4, quote_plus,
@base64 for '/' and empty values, basic auth over TLS).

  python_push.py --url U --job J [--grouping k=v]... [--value V]
                 [--add | --delete] [--user U --password P]
                 [--header "Name: value"]...

Pushes gauge python_push_gauge=V, counter python_push_events_total=V and a
summary python_push_duration_seconds with one observation V. For https URLs
the server certificate is trusted through SSL_CERT_FILE. --header adds a
request header (e.g. Idempotency-Key) through the client's handler argument.
Exit 0 on success.
"""
import argparse
import sys

from prometheus_client import CollectorRegistry, Counter, Gauge, Summary
from prometheus_client.exposition import (basic_auth_handler, default_handler,
                                          delete_from_gateway, push_to_gateway,
                                          pushadd_to_gateway)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--job", required=True)
    parser.add_argument("--grouping", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--value", type=float, default=1.0)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--add", action="store_true", help="POST (pushadd_to_gateway)")
    action.add_argument("--delete", action="store_true", help="DELETE (delete_from_gateway)")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--header", action="append", default=[], metavar="NAME: VALUE")
    return parser.parse_args(argv)


def build_registry(value):
    registry = CollectorRegistry()
    Gauge("python_push_gauge", "Value given on the command line.", registry=registry).set(value)
    Counter("python_push_events", "Incremented by the value.", registry=registry).inc(value)
    Summary("python_push_duration_seconds", "One observation of the value.",
            registry=registry).observe(value)
    return registry


def main(argv):
    options = parse_arguments(argv)
    grouping = dict(pair.split("=", 1) for pair in options.grouping)
    extra_headers = [tuple(part.strip() for part in line.split(":", 1)) for line in options.header]

    def handler(url, method, timeout, headers, data):
        headers = [*headers, *extra_headers]
        if options.user is None:
            return default_handler(url, method, timeout, headers, data)
        return basic_auth_handler(url, method, timeout, headers, data, options.user, options.password)
    try:
        if options.delete:
            delete_from_gateway(options.url, job=options.job, grouping_key=grouping, handler=handler)
        else:
            push = pushadd_to_gateway if options.add else push_to_gateway
            push(options.url, job=options.job, registry=build_registry(options.value),
                 grouping_key=grouping, handler=handler)
    except OSError as error:
        print(f"python_push: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
