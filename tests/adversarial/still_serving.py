"""The invariant after every attack: flowgate is alive and its outputs are
well-formed. A scrape that expfmt cannot parse would make Prometheus drop the
whole target, which is as bad as a crash for every other pusher."""
import http.client
import json
import os
import subprocess
import time

HEALTH_DEADLINE_SECONDS = 2.0


def go_reference():
    path = os.environ.get("FLOWGATE_TEXT_GO_REFERENCE", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"FLOWGATE_TEXT_GO_REFERENCE={path!r} is not the built expfmt reference")
    return path


def expfmt_verdict(body):
    """'OK', or expfmt's complaint: the reference reads the whole body (no line
    length limit) and writes it back, failing on anything it cannot parse."""
    answer = subprocess.run([go_reference()], input=body, capture_output=True, timeout=120)
    if answer.returncode == 0:
        return "OK"
    return answer.stderr.decode("utf-8", "replace").strip() or f"exit status {answer.returncode}"


def get(server, path, headers=None, timeout=HEALTH_DEADLINE_SECONDS):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", server.route_prefix + path, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def assert_still_serving(server, headers=None):
    """Healthy within 2 s, /metrics parsed by expfmt, /api/v1/metrics valid UTF-8 JSON."""
    assert server.running(), server.output()
    started = time.monotonic()
    status, _ = get(server, "/-/healthy", headers)
    assert status == 200
    assert time.monotonic() - started < HEALTH_DEADLINE_SECONDS
    status, scrape = get(server, "/metrics", headers, timeout=30)
    assert status == 200, scrape[:500]
    verdict = expfmt_verdict(scrape)
    assert verdict == "OK", f"expfmt says {verdict} for the scrape:\n{scrape.decode('utf-8', 'replace')[:2000]}"
    status, api = get(server, "/api/v1/metrics", headers, timeout=30)
    assert status == 200
    json.loads(api.decode("utf-8"))  # strict: invalid UTF-8 raises
    return scrape.decode("utf-8")


def group_keys(server, headers=None):
    """The grouping keys of every stored group, as sorted (name, value) tuples."""
    status, api = get(server, "/api/v1/metrics", headers, timeout=30)
    assert status == 200
    return sorted(tuple(sorted(group["labels"].items())) for group in json.loads(api)["data"])


def stored_families(server, headers=None):
    """Names of the pushed families of every group, without the
    push_time_seconds and push_failure_time_seconds each group carries."""
    status, api = get(server, "/api/v1/metrics", headers, timeout=30)
    assert status == 200
    own = {"labels", "last_push_successful", "push_time_seconds", "push_failure_time_seconds"}
    return sorted({name for group in json.loads(api)["data"] for name in group if name not in own})
