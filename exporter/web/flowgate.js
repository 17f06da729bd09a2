// flowgate's Groups page: fills the server-rendered shell (exporter/groups_page.cpp)
// one page at a time from api/v1/groups (exporter/groups_api.hpp). Plain
// browser JavaScript, no build step, no network beyond this server; every
// value from the server goes into the page as text (textContent), never as HTML.
(function () {
  "use strict";

  var root = document.getElementById("groups-page");
  if (!root) return;

  var PAGE_SIZE = 50;
  var FILTER_DELAY_MS = 200;
  var adminEnabled = root.dataset.admin === "true";
  var grafanaUrl = safeBaseUrl(root.dataset.grafanaUrl || "");
  var list = document.getElementById("groups");
  var summary = document.getElementById("summary");
  var filter = document.getElementById("filter");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var pageLabel = document.getElementById("page");
  var dialog = document.getElementById("confirm");
  var params = new URLSearchParams(location.search);
  var state = { offset: Number(params.get("offset")) || 0, match: params.get("match") || "", matched: 0 };
  var request = 0;

  // Only http(s) base URLs become links (no javascript: from a flag).
  function safeBaseUrl(url) {
    return /^https?:\/\//i.test(url) ? url.replace(/\/+$/, "") : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function ageText(seconds) {
    if (seconds < 60) return Math.round(seconds) + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
    return Math.floor(seconds / 86400) + " d " + Math.floor((seconds % 86400) / 3600) + " h";
  }

  function timeText(unixSeconds) {
    return unixSeconds > 0 ? new Date(unixSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z") : "never";
  }

  function keyText(labels) {
    return "{" + labels.map(function (l) { return l.name + "=" + JSON.stringify(l.value); }).join(", ") + "}";
  }

  function labelValue(labels, name) {
    for (var i = 0; i < labels.length; i++) if (labels[i].name === name) return labels[i].value;
    return "";
  }

  // A button that shows and hides `panel`, announced as expanded or not.
  function toggle(button, panel, onFirstOpen) {
    var opened = false;
    button.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      if (open && !opened && onFirstOpen) onFirstOpen();
      opened = opened || open;
      button.setAttribute("aria-expanded", String(open));
      panel.hidden = !open;
    });
  }

  var STATE_TEXT = { fresh: "fresh", stale: "stale", failed: "last push failed", never: "no successful push" };

  function stateBadge(group) {
    var badge = el("span", "badge state-" + group.state, STATE_TEXT[group.state] || group.state);
    if (group.state === "stale") badge.title = "older than its deadline of " + ageText(group.deadline);
    if (group.state === "failed") badge.title = "last failure " + timeText(group.last_failure);
    return badge;
  }

  function familyItem(family, id) {
    var item = el("li", "family");
    var button = el("button", "toggle family-toggle");
    button.type = "button";
    button.appendChild(el("span", "name", family.name));
    button.appendChild(el("span", "type", family.type));
    button.appendChild(el("span", "count", family.series + (family.series === 1 ? " series" : " series")));
    button.setAttribute("aria-controls", id);
    var panel = el("div", "family-body");
    panel.id = id;
    if (family.help) panel.appendChild(el("p", "help", family.help));
    var samples = el("pre", "samples", family.samples + (family.truncated ? "… (cut; the full family is on /metrics)\n" : ""));
    samples.tabIndex = 0;
    samples.setAttribute("aria-label", "Series of " + family.name);
    panel.appendChild(samples);
    toggle(button, panel);
    item.appendChild(button);
    item.appendChild(panel);
    return item;
  }

  function grafanaLinks(group) {
    var job = labelValue(group.labels, "job");
    var instance = labelValue(group.labels, "instance");
    var span = el("span", "links");
    var dashboards = [
      { title: "Freshness", uid: "flowgate-self", vars: { pushed_job: job, pushed_instance: instance } },
      { title: "ETL", uid: "flowgate-etl", vars: { job: job, instance: instance } },
      { title: "Campaigns", uid: "flowgate-campaigns", vars: { job: job, instance: instance } }
    ];
    dashboards.forEach(function (d) {
      var query = new URLSearchParams();
      Object.keys(d.vars).forEach(function (k) { if (d.vars[k]) query.set("var-" + k, d.vars[k]); });
      var link = el("a", "grafana", d.title);
      link.href = grafanaUrl + "/d/" + d.uid + "?" + query.toString();
      link.setAttribute("aria-label", "Grafana dashboard " + d.title + " for " + keyText(group.labels));
      span.appendChild(link);
    });
    return span;
  }

  function groupHeader(group, panelId) {
    var head = el("div", "group-head");
    var button = el("button", "toggle group-toggle");
    button.type = "button";
    button.setAttribute("aria-controls", panelId);
    group.labels.forEach(function (l) {
      var label = el("span", "label");
      label.appendChild(el("span", "label-name", l.name));
      label.appendChild(document.createTextNode("="));
      label.appendChild(el("span", "label-value", l.value));
      button.appendChild(label);
    });
    head.appendChild(button);
    head.appendChild(stateBadge(group));
    var pushed = el("span", "pushed");
    if (group.last_push > 0) {
      var time = el("time", "", ageText(group.age) + " ago");
      time.dateTime = timeText(group.last_push);
      time.title = "last push " + timeText(group.last_push);
      pushed.appendChild(time);
    }
    head.appendChild(pushed);
    if (grafanaUrl) head.appendChild(grafanaLinks(group));
    var remove = el("button", "danger delete", "Delete");
    remove.type = "button";
    remove.setAttribute("aria-label", "Delete group " + keyText(group.labels));
    remove.addEventListener("click", function () { confirmDeleteGroup(group); });
    head.appendChild(remove);
    return { head: head, button: button };
  }

  function groupItem(group, index) {
    var item = el("li", "group state-" + group.state);
    var panelId = "group-" + (state.offset + index);
    var header = groupHeader(group, panelId);
    var panel = el("ul", "families");
    panel.id = panelId;
    toggle(header.button, panel, function () {
      group.families.forEach(function (family, i) { panel.appendChild(familyItem(family, panelId + "-f" + i)); });
    });
    item.appendChild(header.head);
    item.appendChild(panel);
    return item;
  }

  function render(data) {
    state.matched = data.matched;
    list.replaceChildren();
    var fragment = document.createDocumentFragment();
    data.groups.forEach(function (group, i) { fragment.appendChild(groupItem(group, i)); });
    list.appendChild(fragment);
    var first = data.matched === 0 ? 0 : data.offset + 1;
    var last = data.offset + data.groups.length;
    var shown = data.matched === 0 ? "No groups" : "Groups " + first + "–" + last + " of " + data.matched;
    if (data.matched !== data.total) shown += " matching, " + data.total + " in all";
    summary.textContent = shown + ".";
    var pages = Math.max(1, Math.ceil(data.matched / PAGE_SIZE));
    pageLabel.textContent = "Page " + (Math.floor(data.offset / PAGE_SIZE) + 1) + " of " + pages;
    prev.disabled = data.offset === 0;
    next.disabled = last >= data.matched;
    var wipe = document.getElementById("wipe");
    if (wipe) wipe.disabled = data.total === 0;
  }

  function load() {
    var mine = ++request;
    var query = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE_SIZE) });
    if (state.match) query.set("match", state.match);
    var shown = new URLSearchParams();
    if (state.match) shown.set("match", state.match);
    if (state.offset) shown.set("offset", String(state.offset));
    history.replaceState(null, "", shown.toString() ? "?" + shown.toString() : location.pathname);
    root.dataset.loaded = "false";
    return fetch("api/v1/groups?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || response.status + " " + response.statusText);
          return body.data;
        });
      })
      .then(function (data) {
        if (mine !== request) return;
        if (data.offset > 0 && data.groups.length === 0 && data.matched > 0) {
          state.offset = Math.floor((data.matched - 1) / PAGE_SIZE) * PAGE_SIZE;
          return load();
        }
        render(data);
        // Milliseconds from the start of navigation to the first page of groups on screen.
        window.flowgateFirstRenderMs = window.flowgateFirstRenderMs || performance.now();
        root.dataset.loaded = "true";
      })
      .catch(function (error) {
        if (mine !== request) return;
        summary.textContent = "Could not load the groups: " + error.message;
        root.dataset.loaded = "error";
      });
  }

  // The confirmation dialog: `action` runs only when the user picks Delete.
  function confirmThen(title, text, action) {
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    dialog.returnValue = "";
    var opener = document.activeElement;
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (opener && opener.focus) opener.focus();
      if (dialog.returnValue === "delete") action();
    });
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  }

  function change(method, url, what) {
    return fetch(url, { method: method }).then(function (response) {
      if (response.ok) {
        summary.textContent = what + ".";
        return load();
      }
      return response.text().then(function (text) {
        summary.textContent = "Refused (" + response.status + "): " + text;
      });
    }).catch(function (error) {
      summary.textContent = "Request failed: " + error.message;
    });
  }

  function confirmDeleteGroup(group) {
    var key = keyText(group.labels);
    confirmThen("Delete group?", "Delete the group " + key + " and its " + group.families.length +
      " metric families? Prometheus stops seeing them at its next scrape.", function () {
      change("DELETE", "metrics/" + group.delete_path, "Deleted " + key);
    });
  }

  var wipe = document.getElementById("wipe");
  if (wipe && adminEnabled) {
    wipe.addEventListener("click", function () {
      confirmThen("Delete all groups?", "Delete every pushed group (" + state.matched +
        " shown by the filter are among them)? This cannot be undone.", function () {
        change("PUT", "api/v1/admin/wipe", "Deleted every group");
      });
    });
  }

  var timer = 0;
  filter.value = state.match;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      state.match = filter.value.trim();
      state.offset = 0;
      load();
    }, FILTER_DELAY_MS);
  });
  document.getElementById("filter-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    state.match = filter.value.trim();
    state.offset = 0;
    load();
  });
  prev.addEventListener("click", function () { state.offset = Math.max(0, state.offset - PAGE_SIZE); load(); });
  next.addEventListener("click", function () { state.offset += PAGE_SIZE; load(); });
  // "/" focuses the filter, as on many list pages.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== filter && !dialog.open) {
      event.preventDefault();
      filter.focus();
    }
  });
  load();
})();
