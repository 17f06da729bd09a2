"""The web UI as a user meets it, in headless Chromium: groups with their
state, expanding families, filtering, deleting and wiping behind a
confirmation, the Status page, keyboard use, a phone-sized window, a route
prefix, Grafana links, and 10,000 groups paged."""
import json
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import servers
from ui_support import group_ids, push, push_many

ETL = """# HELP etl_rows_processed_total Rows the ETL task wrote.
# TYPE etl_rows_processed_total counter
etl_rows_processed_total{table="orders"} 1200
etl_rows_processed_total{table="customers"} 37
"""
# A declared push interval far shorter than any page load: the group is stale at once.
STALE = "# TYPE prefect_task_expected_push_interval_seconds gauge\nprefect_task_expected_push_interval_seconds 0.001\nbackup_bytes 5e9\n"


# Per load: ms from navigation start to the first page of groups drawn, and the
# bytes the page, its script, stylesheet and JSON took on the wire.
PAGE_LOAD_FIGURES = """
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    return {first_render_ms: window.flowgateFirstRenderMs,
            bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
            api_bytes: resources.filter(r => r.name.includes('api/v1/groups'))
                                .reduce((sum, r) => sum + r.transferSize, 0)};"""


def push_demo_groups(server):
    assert push(server, "/metrics/job/etl/instance/worker-1", ETL) == 200
    assert push(server, "/metrics/job/backup/instance/db-1", STALE) == 200
    assert push(server, "/metrics/job/billing", "# TYPE invoices_sent gauge\ninvoices_sent 12\n") == 200
    # A later push refused by the consistency check (etl's family is a counter) marks the group failed.
    assert push(server, "/metrics/job/billing", "# TYPE etl_rows_processed_total gauge\netl_rows_processed_total 1\n") == 400


def row(page, job):
    rows = [li for li in page.find_all("#groups > li") if f"job={job}" in li.text.replace("\n", "")]
    assert len(rows) == 1, [li.text for li in page.find_all("#groups > li")]
    return rows[0]


def test_groups_show_labels_state_and_expand_to_help_type_and_values(page, flowgate):
    push_demo_groups(flowgate)
    page.open_groups(flowgate.url)
    assert page.group_rows() == ["job=backup instance=db-1", "job=billing", "job=etl instance=worker-1"] or \
        sorted(page.group_rows()) == sorted(["instance=db-1 job=backup", "job=billing", "instance=worker-1 job=etl"])
    assert "Groups 1–3 of 3" in page.summary()
    assert row(page, "billing").find_element(By.CSS_SELECTOR, ".badge").text == "last push failed"
    assert row(page, "backup").find_element(By.CSS_SELECTOR, ".badge").text == "stale"
    etl = row(page, "etl")
    assert etl.find_element(By.CSS_SELECTOR, ".badge").text == "fresh"
    assert etl.find_element(By.CSS_SELECTOR, "time").text.endswith("ago")
    assert "state-failed" in row(page, "billing").get_attribute("class")
    page.screenshot("groups-overview", docs_name="web-ui-groups")

    etl.find_element(By.CSS_SELECTOR, ".group-toggle").click()
    families = etl.find_elements(By.CSS_SELECTOR, ".family")
    assert [f.find_element(By.CSS_SELECTOR, ".name").text for f in families] == [
        "etl_rows_processed_total", "push_failure_time_seconds", "push_time_seconds"]
    family = families[0]
    assert family.find_element(By.CSS_SELECTOR, ".type").text == "counter"
    family.find_element(By.CSS_SELECTOR, ".family-toggle").click()
    assert family.find_element(By.CSS_SELECTOR, ".help").text == "Rows the ETL task wrote."
    samples = family.find_element(By.CSS_SELECTOR, ".samples").text
    assert 'etl_rows_processed_total{instance="worker-1",job="etl",table="orders"} 1200' in samples
    assert family.find_element(By.CSS_SELECTOR, ".family-toggle").get_attribute("aria-expanded") == "true"
    page.screenshot("group-expanded", docs_name="web-ui-group-expanded")
    # Collapsing hides the families again.
    etl.find_element(By.CSS_SELECTOR, ".group-toggle").click()
    assert not etl.find_element(By.CSS_SELECTOR, ".families").is_displayed()


def test_filter_by_label_and_by_metric_name(page, flowgate):
    push_demo_groups(flowgate)
    page.open_groups(flowgate.url)
    box = page.find("#filter")
    box.send_keys("job=bill")
    page.wait("the filter to apply", lambda: page.summary().startswith("Groups 1–1 of 1 matching"))
    assert [r.replace(" ", "") for r in page.group_rows()] == ["job=billing"]
    box.clear()
    box.send_keys("rows_processed")
    page.wait("the metric-name filter", lambda: "of 1 matching" in page.summary() and
              any("job=etl" in r for r in page.group_rows()))
    box.clear()
    box.send_keys("nothing-has-this")
    page.wait("an empty result", lambda: page.summary().startswith("No groups"))
    assert page.find_all("#groups > li") == []
    # The filter is kept in the address, so a reload shows the same list.
    box.clear()
    box.send_keys("instance=db")
    page.wait("the filter in the URL", lambda: "match=instance%3Ddb" in page.driver.current_url)
    page.driver.refresh()
    page.wait_loaded()
    assert page.find("#filter").get_attribute("value") == "instance=db"
    assert len(page.group_rows()) == 1


def open_delete_dialog(page, job):
    row(page, job).find_element(By.CSS_SELECTOR, "button.delete").click()
    dialog = page.find("#confirm")
    page.wait("the dialog to open", lambda: dialog.get_attribute("open") is not None)
    return dialog


def test_delete_asks_for_confirmation_and_cancel_keeps_the_group(page, flowgate):
    push_demo_groups(flowgate)
    page.open_groups(flowgate.url)
    dialog = open_delete_dialog(page, "etl")
    assert 'job="etl"' in page.find("#confirm-text").text
    page.screenshot("delete-confirmation", docs_name="web-ui-delete-confirmation")
    page.find("#confirm-cancel").click()
    page.wait("the dialog to close", lambda: dialog.get_attribute("open") is None)
    assert "instance=worker-1 job=etl" in group_ids(flowgate)

    dialog = open_delete_dialog(page, "etl")
    page.driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # Escape cancels too
    page.wait("the dialog to close", lambda: dialog.get_attribute("open") is None)
    assert "instance=worker-1 job=etl" in group_ids(flowgate)

    open_delete_dialog(page, "etl")
    page.find("#confirm-ok").click()
    page.wait("the list without the group", lambda: page.summary().startswith("Groups 1–2 of 2"))
    assert "instance=worker-1 job=etl" not in group_ids(flowgate)
    assert len(group_ids(flowgate)) == 2


def test_wipe_deletes_every_group_only_after_confirmation(page, flowgate):
    push_demo_groups(flowgate)
    page.open_groups(flowgate.url)
    page.find("#wipe").click()
    dialog = page.find("#confirm")
    page.wait("the dialog to open", lambda: dialog.get_attribute("open") is not None)
    assert page.find("#confirm-title").text == "Delete all groups?"
    page.find("#confirm-cancel").click()
    assert len(group_ids(flowgate)) == 3
    page.find("#wipe").click()
    page.wait("the dialog to open", lambda: dialog.get_attribute("open") is not None)
    page.find("#confirm-ok").click()
    page.wait("the empty list", lambda: page.summary().startswith("No groups"))
    assert group_ids(flowgate) == []
    assert page.find("#wipe").get_attribute("disabled") is not None


def test_wipe_button_is_absent_without_the_admin_api(page):
    with servers.flowgate() as server:
        page.open_groups(server.url)
        assert page.find_all("#wipe") == []


def test_status_page_shows_build_flags_persistence_and_collectors(page, tmp_path):
    flags = [f"--persistence.file={tmp_path}/flowgate.db", "--collector.process"]
    with servers.flowgate(flags) as server:
        assert push(server, "/metrics/job/etl", ETL) == 200
        page.driver.set_window_size(1280, 1500)
        page.driver.get(server.url + "/status")
        headings = [h.text for h in page.find_all("h2")]
        assert headings == ["Build information", "Persistence", "Collectors", "Flags"]
        text = page.find("main").text
        assert "Write-ahead log size" in text and "Last compaction" in text
        assert "--persistence.file" in text and f"{tmp_path}/flowgate.db" in text
        assert "not configured (--prefect.api-url is empty)" in text
        assert page.find("nav a[aria-current=page]").text == "Status"
        page.screenshot("status", docs_name="web-ui-status")
        page.find("nav a[href='./']").click()
        page.wait_loaded()
        assert page.group_rows() == ["job=etl"]


def test_keyboard_alone_filters_expands_and_cancels(page, flowgate):
    push_demo_groups(flowgate)
    page.open_groups(flowgate.url)
    body = page.find("body")
    body.send_keys("/")
    assert page.driver.switch_to.active_element.get_attribute("id") == "filter"
    page.driver.switch_to.active_element.send_keys("job=etl")
    page.wait("the filter", lambda: "of 1 matching" in page.summary())
    # Tab past the hint and the wipe button to the group's toggle; Enter opens it.
    active = page.driver.switch_to.active_element
    for _ in range(6):
        active.send_keys(Keys.TAB)
        active = page.driver.switch_to.active_element
        if "group-toggle" in (active.get_attribute("class") or ""):
            break
    assert "group-toggle" in active.get_attribute("class")
    active.send_keys(Keys.ENTER)
    assert active.get_attribute("aria-expanded") == "true"
    assert page.find(".families").is_displayed()
    # Every form control has a label.
    assert page.find("label[for=filter]").text == "Filter by label or metric name"


def test_phone_sized_window_keeps_everything_readable(page, flowgate):
    push_demo_groups(flowgate)
    page.driver.set_window_size(390, 844)
    page.open_groups(flowgate.url)
    width = page.driver.execute_script("return document.documentElement.scrollWidth")
    viewport = page.driver.execute_script("return window.innerWidth")
    assert width <= viewport, f"the page scrolls sideways: {width} > {viewport}"
    assert page.find("button.delete").is_displayed()
    page.screenshot("groups-phone", docs_name="web-ui-phone")


def flowgate_under(flags, prefix):
    """flowgate answering under `prefix` (its readiness is asked there too)."""
    return servers._start_with_retry(lambda port: servers.ServerProcess(
        "flowgate", [servers.flowgate_binary(), f"--web.listen-address=127.0.0.1:{port}", "--persistence.file=",
                     *flags], port, route_prefix=prefix))


@pytest.mark.parametrize("flag", ["--web.route-prefix=/gateway", "--web.external-url=http://proxy.example/gateway/"])
def test_ui_works_under_a_route_prefix(page, flag):
    with flowgate_under([flag, "--web.enable-admin-api"], "/gateway") as server:
        assert push(server, "/metrics/job/etl", ETL) == 200
        page.open_groups(server.url)
        assert page.group_rows() == ["job=etl"]
        assert page.driver.execute_script(
            "return getComputedStyle(document.querySelector('.bar')).display") == "flex"  # the stylesheet loaded
        open_delete_dialog(page, "etl")
        page.find("#confirm-ok").click()
        page.wait("the empty list", lambda: page.summary().startswith("No groups"))
        page.find("nav a[href=status]").click()
        assert page.driver.current_url == server.url + "/status"
        assert page.find("h1").text == "Status"


def test_groups_link_to_grafana_dashboards_when_the_flag_is_set(page):
    with servers.flowgate(["--web.grafana-url=https://grafana.example/"]) as server:
        assert push(server, "/metrics/job/etl/instance/worker-1", ETL) == 200
        page.open_groups(server.url)
        links = {a.text: a.get_attribute("href") for a in page.find_all("a.grafana")}
        assert links["Freshness"] == ("https://grafana.example/d/flowgate-self"
                                      "?var-pushed_job=etl&var-pushed_instance=worker-1")
        assert links["ETL"] == "https://grafana.example/d/flowgate-etl?var-job=etl&var-instance=worker-1"
    with servers.flowgate() as server:
        assert push(server, "/metrics/job/etl", ETL) == 200
        page.open_groups(server.url)
        assert page.find_all("a.grafana") == []


def test_labels_and_help_are_shown_as_text_never_as_markup(page, flowgate):
    evil = "<img src=x onerror=document.title='owned'>"
    body = f"# HELP x {evil}\nx 1\n"
    assert push(flowgate, "/metrics/job@base64/" + __import__("base64").urlsafe_b64encode(evil.encode()).decode(),
                body) == 200
    page.open_groups(flowgate.url)
    assert page.find(".label-value").text == evil
    page.find(".group-toggle").click()
    family = [f for f in page.find_all(".family") if f.find_element(By.CSS_SELECTOR, ".name").text == "x"][0]
    family.find_element(By.CSS_SELECTOR, ".family-toggle").click()
    assert family.find_element(By.CSS_SELECTOR, ".help").text == evil
    assert page.driver.title == "flowgate · Groups"
    assert page.find_all("main img") == []


def test_ten_thousand_groups_load_one_page_at_a_time(page, flowgate, artifacts):
    pushes = [(f"/metrics/job/task-{i // 100}/instance/run-{i}",
               f"# HELP task_rows Rows.\n# TYPE task_rows counter\ntask_rows {i}\ntask_seconds {i / 10}\n")
              for i in range(10_000)]
    assert push_many(flowgate, pushes) == []
    loads = []
    for _ in range(5):  # a measurement, written down, not a timed assertion
        page.open_groups(flowgate.url)
        loads.append(page.driver.execute_script(PAGE_LOAD_FIGURES))
    assert "Groups 1–50 of 10000" in page.summary()
    assert len(page.find_all("#groups > li")) == 50
    # A size, not a time: the first page must stay small whatever the store holds.
    assert all(load["bytes"] < 500 * 1024 for load in loads), loads
    renders = sorted(load["first_render_ms"] for load in loads)
    figures = {"groups": 10_000, "first_render_ms_median": renders[2], "first_render_ms_max": renders[-1],
               "first_page_bytes": loads[-1]["bytes"], "api_bytes": loads[-1]["api_bytes"], "loads": loads}
    with open(os.path.join(artifacts, "page_load_10000.json"), "w") as out:
        json.dump(figures, out, indent=2)
    print("10,000 groups, first page:", figures)
    page.find("#next").click()
    page.wait("the second page", lambda: "Groups 51–100 of 10000" in page.summary())
    assert page.find("#page").text == "Page 2 of 200"
    page.find("#filter").send_keys("job=task-42 instance=run-4217")
    page.wait("the filter", lambda: page.summary().startswith("Groups 1–1 of 1 matching, 10000 in all"))
