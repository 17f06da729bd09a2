"""Fixtures of the browser tests: one headless Chromium for the session
(Debian's chromium and chromedriver, python3-selenium), a fresh flowgate per
test (tests/e2e/servers.py), pushes over HTTP, and screenshots saved as test
artifacts in FLOWGATE_WEBUI_ARTIFACTS."""
import os
import sys
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))

import servers  # noqa: E402
from ui_support import Page  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def artifacts():
    folder = os.environ.get("FLOWGATE_WEBUI_ARTIFACTS") or tempfile.mkdtemp(prefix="flowgate-webui-")
    os.makedirs(folder, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"{path} is missing: .ci/install-deps installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.TemporaryDirectory(prefix="flowgate-chromium-")
    # The machine has no network but loopback: without the background-networking
    # switches Chromium keeps trying (and failing) to reach its own services.
    for switch in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile.name}"):
        options.add_argument(switch)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


@pytest.fixture
def page(browser, artifacts, request):
    """The browser, reset to a desktop window, with helpers; after the test, the
    screenshot <test name>.png and no JavaScript error in the console."""
    browser.set_window_size(1280, 900)
    browser.get("about:blank")
    browser.get_log("browser")  # drop what earlier tests left
    helper = Page(browser, artifacts)
    yield helper
    helper.screenshot(request.node.name)
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"JavaScript console errors: {errors}"


@pytest.fixture
def flowgate():
    with servers.flowgate(["--web.enable-admin-api"]) as server:
        yield server
