// live.js: the first history page asks /api/history (same filters) every
// few seconds and puts rows newer than the newest shown on top, without a
// reload. The DOM is built with textContent only: values may hold markup.
"use strict";
(function () {
  const INTERVAL_MS = 2000;
  const NEW_MS = 4000; // how long a new row stays marked

  const root = document.getElementById("live-history");
  if (!root) {
    return;
  }
  const status = document.getElementById("live-status");
  const tbody = root.querySelector("tbody");
  let newestMs = root.dataset.newestTime ? Date.parse(root.dataset.newestTime) : -Infinity;
  let newestIDs = new Set(JSON.parse(root.dataset.newestIds || "[]"));
  let timer = 0;
  let busy = false;
  let stopped = false;

  // isNew says whether an API row is newer than the newest shown: a later
  // time, or the same millisecond and an id not shown yet.
  function isNew(row) {
    const ms = Date.parse(row.time);
    return ms > newestMs || (ms === newestMs && !newestIDs.has(row.id));
  }

  // when formats like the server's pages: "2026-01-31 08:00:00.000" (UTC).
  function when(iso) {
    return new Date(Date.parse(iso)).toISOString().replace("T", " ").replace("Z", "");
  }

  // cell adds a cell; cls is its class (rows.html's: "long" wraps and
  // clamps, "c-client" and "c-actor" hide on a tablet).
  function cell(tr, text, href, cls) {
    const td = document.createElement("td");
    if (cls) {
      td.className = cls;
    }
    if (cls === "long" && !href) {
      const span = document.createElement("span");
      span.title = text;
      span.textContent = text;
      td.appendChild(span);
    } else if (href && text !== "") {
      const a = document.createElement("a");
      a.href = href;
      a.title = text;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    tr.appendChild(td);
  }

  // detail links to a device's or a user's page like the server's links
  // (links.go): one escaped path segment, or the filtered history for "."
  // and "..", which a browser would fold.
  function detail(prefix, param, value) {
    if (value === "." || value === "..") {
      return "/history?" + new URLSearchParams([[param, value]]).toString();
    }
    return prefix + encodeURIComponent(value);
  }

  function build(row) {
    const tr = document.createElement("tr");
    tr.classList.add("o-" + row.outcome, "new");
    cell(tr, when(row.time));
    cell(tr, row.op);
    cell(tr, row.device, detail("/devices/", "device", row.device), "long");
    cell(tr, row.user, detail("/users/", "user", row.user), "long");
    cell(tr, row.cluster);
    cell(tr, String(row.code));
    cell(tr, row.outcome);
    cell(tr, row.text, "", "long");
    cell(tr, String(row.durationMs));
    cell(tr, row.client, "", "c-client long");
    cell(tr, row.actor, "", "c-actor long");
    setTimeout(function () { tr.classList.remove("new"); }, NEW_MS);
    return tr;
  }

  // show puts the new rows (newest first, as the API gives them) on top
  // and announces how many came.
  function show(rows) {
    const frag = document.createDocumentFragment();
    rows.forEach(function (row) { frag.appendChild(build(row)); });
    tbody.insertBefore(frag, tbody.firstChild);
    const empty = root.querySelector(".live-empty");
    if (empty) {
      empty.remove();
    }
    root.querySelector(".scroll").hidden = false;
    status.textContent = rows.length === 1 ? "1 new request" : rows.length + " new requests";

    const top = Date.parse(rows[0].time);
    if (top !== newestMs) {
      newestMs = top;
      newestIDs = new Set();
    }
    rows.forEach(function (row) {
      if (Date.parse(row.time) === newestMs) {
        newestIDs.add(row.id);
      }
    });
  }

  async function refresh() {
    const resp = await fetch("/api/history?" + root.dataset.query, {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
    });
    if (resp.status === 401 || resp.status === 403) {
      stopped = true; // the session ended: a reload shows the sign-in page
      return;
    }
    if (!resp.ok) {
      return; // the history may be back next time
    }
    const page = await resp.json();
    const rows = (page.rows || []).filter(isNew);
    if (rows.length > 0) {
      show(rows);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, INTERVAL_MS);
  }

  // poll runs one refresh and schedules the next; a hidden tab does not
  // poll until it is shown again.
  async function poll() {
    timer = 0;
    if (stopped || busy || document.visibilityState === "hidden") {
      return;
    }
    busy = true;
    try {
      await refresh();
    } catch (e) {
      // a network hiccup: try again next time
    } finally {
      busy = false;
      if (!stopped) {
        schedule();
      }
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !timer && !busy) {
      poll();
    }
  });
  schedule();
})();
