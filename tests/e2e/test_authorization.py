"""Per-job authorization (--web.authorization.file, docs/authorization.md):
the real Python client's push_to_gateway and delete_from_gateway with its
basic_auth_handler push inside and outside each user's scope; outside gets 403
naming the user and the grouping key, and the store does not change. The
rules are re-read on SIGHUP. flowgate only: the Pushgateway has no tenancy."""
import json
import signal
import time
import urllib.error

import pytest
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import basic_auth_handler, delete_from_gateway, push_to_gateway

import exposition_normalizer
import raw_http
import servers
from push_clients import series

import credentials
from credentials import bcrypt_hash

# stranger is in the web config but not in the rules: scrape only.
PASSWORDS = {"billing": "bill pass", "reader": "read pass", "ops": "ops pass", "stranger": "who pass"}
RULES = """# e2e rules
users:
  billing:
    push:
      - '{job="billing"}'
      - '{job=~"billing-.*", instance=~"h[0-9]+"}'
  reader:
    scrape: true
  ops:
    push: ['{}']
    admin: true
"""


def authorization(user):
    return credentials.authorization(user, PASSWORDS[user])


def handler_for(user):
    def handler(url, method, timeout, headers, data):
        return basic_auth_handler(url, method, timeout, headers, data, user, PASSWORDS[user])
    return handler


def registry_with(value):
    registry = CollectorRegistry()
    Gauge("tenant_value", "Value pushed by a tenant.", registry=registry).set(value)
    return registry


@pytest.fixture
def files(tmp_path):
    users = "".join(
        f"  {user}: '{bcrypt_hash(password)}'\n"
        for user, password in PASSWORDS.items())
    web_config = tmp_path / "web.yml"
    web_config.write_text("basic_auth_users:\n" + users)
    rules = tmp_path / "authorization.yml"
    rules.write_text(RULES)
    return {"web": web_config, "rules": rules}


@pytest.fixture
def gate(files):
    flags = [f"--web.config.file={files['web']}", f"--web.authorization.file={files['rules']}",
             "--web.enable-admin-api"]
    with servers.flowgate(flags, ready_headers={"Authorization": authorization("ops")}) as server:
        yield server


def scrape(server, user="ops"):
    response = raw_http.get(server, "/metrics", headers={"Authorization": authorization(user)})
    assert response.status == 200, response.text()
    return exposition_normalizer.pushed_samples(response.text())


def refused(action):
    with pytest.raises(urllib.error.HTTPError) as caught:
        action()
    return caught.value.code, caught.value.read().decode()


def test_pushes_inside_the_scope_are_stored(gate):
    push_to_gateway(gate.url, job="billing", registry=registry_with(1), grouping_key={"instance": "a"},
                    handler=handler_for("billing"))
    push_to_gateway(gate.url, job="billing-nightly", registry=registry_with(2), grouping_key={"instance": "h7"},
                    handler=handler_for("billing"))
    samples = scrape(gate)
    assert samples[series("tenant_value", instance="a", job="billing")] == "1"
    assert samples[series("tenant_value", instance="h7", job="billing-nightly")] == "2"
    delete_from_gateway(gate.url, job="billing", grouping_key={"instance": "a"}, handler=handler_for("billing"))
    assert series("tenant_value", instance="a", job="billing") not in scrape(gate)


def test_push_and_delete_outside_the_scope_are_403_and_change_nothing(gate):
    push_to_gateway(gate.url, job="payments", registry=registry_with(7), grouping_key={"instance": "p1"},
                    handler=handler_for("ops"))
    ops = {"Authorization": authorization("ops")}
    before = raw_http.get(gate, "/api/v1/metrics", headers=ops).text()

    code, message = refused(lambda: push_to_gateway(
        gate.url, job="payments", registry=registry_with(8), grouping_key={"instance": "p1"},
        handler=handler_for("billing")))
    assert code == 403
    assert message == ('user "billing" may not push to grouping key {job="payments",instance="p1"} '
                       '(--web.authorization.file)\n')
    # Inside the job's regex but outside the instance matcher.
    code, message = refused(lambda: push_to_gateway(
        gate.url, job="billing-nightly", registry=registry_with(8), grouping_key={"instance": "web"},
        handler=handler_for("billing")))
    assert code == 403 and '{job="billing-nightly",instance="web"}' in message
    code, message = refused(lambda: delete_from_gateway(
        gate.url, job="payments", grouping_key={"instance": "p1"}, handler=handler_for("billing")))
    assert code == 403 and 'user "billing" may not delete grouping key {job="payments",instance="p1"}' in message

    after = raw_http.get(gate, "/api/v1/metrics", headers=ops).text()
    assert json.loads(after) == json.loads(before)  # no new group, no failure recorded, no deletion
    assert scrape(gate)[series("tenant_value", instance="p1", job="payments")] == "7"


def test_scrape_only_and_unlisted_users_may_not_push(gate):
    for user in ("reader", "stranger"):
        code, message = refused(lambda: push_to_gateway(gate.url, job="billing", registry=registry_with(1),
                                                        handler=handler_for(user)))
        assert code == 403 and f'user "{user}" may not push to grouping key {{job="billing"}}' in message
        status = raw_http.get(gate, "/api/v1/status", headers={"Authorization": authorization(user)})
        assert status.status == 200
        scrape(gate, user=user)


def test_admin_api_needs_the_admin_right(gate):
    wipe = raw_http.request(gate, "PUT", "/api/v1/admin/wipe",
                            headers={"Authorization": authorization("billing")})
    assert wipe.status == 403
    assert wipe.text() == 'user "billing" may not use the admin API (--web.authorization.file)\n'
    assert raw_http.request(gate, "PUT", "/api/v1/admin/wipe",
                            headers={"Authorization": authorization("ops")}).status == 202


def test_sighup_rereads_the_rules(gate, files):
    code, _ = refused(lambda: push_to_gateway(gate.url, job="reader", registry=registry_with(1),
                                              handler=handler_for("reader")))
    assert code == 403
    files["rules"].write_text(RULES.replace("    scrape: true\n", "    push: ['{job=\"reader\"}']\n"))
    gate.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        try:
            push_to_gateway(gate.url, job="reader", registry=registry_with(3), handler=handler_for("reader"))
            break
        except urllib.error.HTTPError as error:
            assert error.code == 403
            assert time.monotonic() < deadline, "the rules were not reloaded within 10 s"
            time.sleep(0.05)
    assert scrape(gate)[series("tenant_value", instance="", job="reader")] == "3"
    assert gate.running()
