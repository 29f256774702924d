// status.js: the status page fetches itself every data-interval seconds
// (dashboard.statusRefresh, 30 by default) and swaps in
// its new content, keeping open lists open; it stops while the tab is
// hidden and when the session has ended.
"use strict";
(function () {
  const root = document.getElementById("status-live");
  const status = document.getElementById("status-refresh");
  if (!root || !status) {
    return;
  }
  const SECONDS = Number(status.dataset.interval) || 30;
  const INTERVAL_MS = SECONDS * 1000;
  let timer = 0;
  let stopped = false;

  async function refresh() {
    const resp = await fetch(location.href, { credentials: "same-origin", redirect: "manual" });
    if (resp.type === "opaqueredirect" || resp.status === 401 || resp.status === 403) {
      status.textContent = "Not refreshed: the session has ended; reload to sign in.";
      return false;
    }
    if (!resp.ok && resp.status !== 400) {
      status.textContent = "Not refreshed: the dashboard answered " + resp.status + ".";
      return true;
    }
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    const next = doc.getElementById("status-live");
    if (!next) {
      return true;
    }
    const open = Array.from(root.querySelectorAll("details[open]")).map(function (d) { return d.id; });
    root.replaceChildren.apply(root, Array.from(next.childNodes).map(function (n) { return document.adoptNode(n); }));
    open.forEach(function (id) {
      const d = id && document.getElementById(id);
      if (d) {
        d.open = true;
      }
    });
    status.textContent = "Refreshed at " + new Date().toISOString().slice(11, 19) + " UTC; refreshes every " + SECONDS + " seconds.";
    return true;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, INTERVAL_MS);
  }

  async function poll() {
    if (document.hidden) {
      return; // visibilitychange schedules the next one
    }
    let again = true;
    try {
      again = await refresh();
    } catch (e) {
      status.textContent = "Not refreshed: the dashboard could not be reached.";
    }
    if (again) {
      schedule();
    } else {
      stopped = true;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) {
      schedule();
    }
  });
  schedule();
})();
