"""The Alertmanager config keeps secrets out of the repository and is valid
once a deployment supplies them."""

import os
import subprocess

import alerting_stack as stack
import rule_files as rf

AMTOOL = os.environ.get("FLOWGATE_AMTOOL", "amtool")
CONFIG = os.path.join(rf.ALERTMANAGER_DIR, "alertmanager.yml")


def receivers():
    return {r["name"]: r for r in rf.load_yaml(CONFIG)["receivers"]}


def test_slack_and_smtp_secrets_are_read_from_files():
    config = rf.load_yaml(CONFIG)
    assert "slack_api_url" not in config["global"] and "smtp_auth_password" not in config["global"]
    assert config["global"]["slack_api_url_file"].startswith("/etc/alertmanager/secrets/")
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
    for receiver in receivers().values():
        for slack in receiver.get("slack_configs", []):
            assert "api_url" not in slack
        for mail in receiver.get("email_configs", []):
            assert "auth_password" not in mail


def test_discord_webhook_is_the_placeholder_deployments_replace():
    assert [c["webhook_url"] for c in receivers()["discord"]["discord_configs"]] == [stack.DISCORD_PLACEHOLDER]


def test_config_with_test_secret_files_and_loopback_receivers_is_valid(tmp_path):
    with stack.CaptureServer() as capture:
        smtp = stack.SmtpSink()
        path = stack.alertmanager_test_config(str(tmp_path), capture, smtp)
    out = subprocess.run([AMTOOL, "check-config", path], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 receivers" in out.stdout and "2 inhibit rules" in out.stdout
