"""What the browser tests share beyond fixtures: a Page wrapper with waits and
finders, and pushes and listings through flowgate's HTTP API."""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 15


class Page:
    def __init__(self, driver, artifacts):
        self.driver = driver
        self.artifacts = artifacts

    def screenshot(self, name, docs_name=None):
        """<artifacts>/<name>.png; with `docs_name`, also docs/images/<docs_name>.png
        when FLOWGATE_WEBUI_DOCS_IMAGES names that folder (how the README's
        screenshots are refreshed)."""
        path = os.path.join(self.artifacts, f"{name}.png")
        self.driver.save_screenshot(path)
        docs = os.environ.get("FLOWGATE_WEBUI_DOCS_IMAGES")
        if docs_name and docs:
            self.driver.save_screenshot(os.path.join(docs, f"{docs_name}.png"))
        return path

    def wait(self, what, condition, seconds=WAIT_SECONDS):
        return WebDriverWait(self.driver, seconds).until(lambda driver: condition(), message=what)

    def open_groups(self, url):
        """The Groups page at `url` once its first page of groups is shown."""
        self.driver.get(url + "/")
        self.wait_loaded()

    def wait_loaded(self):
        self.wait("the groups to load", lambda: self.find("#groups-page").get_attribute("data-loaded") == "true")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def group_rows(self):
        """Each shown group's grouping labels as text, e.g. 'instance=a job=etl'."""
        return [" ".join(label.text for label in row.find_elements(By.CSS_SELECTOR, ".label"))
                for row in self.find_all("#groups > li")]

    def summary(self):
        return self.find("#summary").text


def push(server, path, body, method="PUT", headers=None):
    """A push (or delete) to `server`; returns the HTTP status."""
    request = urllib.request.Request(server.url + path, data=body.encode() if body is not None else None,
                                     method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def group_ids(server, match=""):
    """The grouping keys the JSON API lists, as 'name=value ...' strings."""
    query = urllib.parse.urlencode({"limit": 500, "match": match})
    with urllib.request.urlopen(f"{server.url}/api/v1/groups?{query}", timeout=10) as answer:
        data = json.load(answer)["data"]
    return [" ".join(f"{label['name']}={label['value']}" for label in group["labels"]) for group in data["groups"]]


def push_many(server, pushes, connections=4):
    """Each (path, body) of `pushes` PUT over `connections` kept-alive connections;
    the statuses that were not 200."""
    import http.client
    import threading
    failures = []
    chunks = [pushes[i::connections] for i in range(connections)]

    def run(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for path, body in chunk:
            connection.request("PUT", server.route_prefix + path, body=body.encode())
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                failures.append((path, answer.status))
        connection.close()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
