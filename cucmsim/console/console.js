// cucmsim console (cmd/cucmsim/README.md, "Console"). It calls the control API of the
// listener that served it, and nothing else. Data reaches the page through textContent only.
"use strict";

const maxLogRows = 200;
const refreshMs = 3000;

const $ = (id) => document.getElementById(id);

// api calls the control API; it resolves to {status, body} (body parsed when JSON).
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: keep the text */ }
  return { status: resp.status, body: parsed };
}

// errorText is the control API's error text of a failed answer.
function errorText(r) {
  if (r.body && typeof r.body === "object" && r.body.error) return r.body.error;
  return "HTTP " + r.status;
}

// cell appends a td holding text (or a node) to tr.
function cell(tr, value) {
  const td = document.createElement("td");
  if (value instanceof Node) td.appendChild(value);
  else td.textContent = value === undefined || value === null ? "" : String(value);
  tr.appendChild(td);
  return td;
}

function button(label, onClick, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

function seg(s) { return encodeURIComponent(s); }

// --- clusters and nodes ---

let clusterCodes = [];

async function loadClusters() {
  const r = await api("GET", "/v1/clusters");
  if (r.status !== 200) { $("nodes-error").textContent = errorText(r); return; }
  $("nodes-error").textContent = "";
  clusterCodes = r.body.map((c) => c.code);
  const rows = [];
  for (const c of r.body) {
    for (const n of c.nodes) {
      const tr = document.createElement("tr");
      tr.dataset.cluster = c.code;
      tr.dataset.node = n.name;
      cell(tr, c.code);
      cell(tr, n.name);
      cell(tr, n.addr);
      cell(tr, n.up ? "up" : "down").className = n.up ? "up" : "down";
      const next = n.up ? "down" : "up";
      cell(tr, button(n.up ? "Take down" : "Bring up", () => setNode(c.code, n.name, next), "node-" + next));
      rows.push(tr);
    }
  }
  document.querySelector("#nodes tbody").replaceChildren(...rows);
}

async function setNode(cluster, node, state) {
  const r = await api("POST", "/v1/clusters/" + seg(cluster) + "/nodes/" + seg(node) + "/" + state);
  $("nodes-error").textContent = r.status === 204 ? "" : errorText(r);
  await loadClusters();
}

// --- faults ---

function effectText(f) {
  const parts = [];
  if (f.emCode !== undefined) parts.push("code " + f.emCode + (f.emText ? " " + f.emText : ""));
  if (f.httpStatus) parts.push("HTTP " + f.httpStatus);
  if (f.drop) parts.push("drop");
  if (f.body) parts.push("body " + f.body);
  if (f.latency) parts.push("latency " + f.latency);
  if (f.after) parts.push("after");
  return parts.join(", ");
}

async function loadFaults() {
  const rows = [];
  for (const code of clusterCodes) {
    const r = await api("GET", "/v1/clusters/" + seg(code) + "/faults");
    if (r.status !== 200) continue;
    for (const f of r.body) {
      const tr = document.createElement("tr");
      tr.dataset.cluster = code;
      tr.dataset.fault = f.id;
      cell(tr, code);
      cell(tr, f.id);
      cell(tr, f.operation || "any");
      cell(tr, f.device);
      cell(tr, f.user);
      cell(tr, effectText(f));
      cell(tr, f.count ? f.count : "no limit");
      cell(tr, f.remaining);
      cell(tr, f.hits);
      cell(tr, button("Remove", () => removeFault(code, f.id), "fault-remove"));
      rows.push(tr);
    }
  }
  document.querySelector("#fault-list tbody").replaceChildren(...rows);
}

// faultsChanged reloads the faults soon (once for a burst of hits) so their counts follow
// the live log.
let faultsTimer = null;
function faultsChanged() {
  if (faultsTimer !== null) return;
  faultsTimer = setTimeout(() => { faultsTimer = null; loadFaults(); }, 300);
}

async function removeFault(cluster, id) {
  const r = await api("DELETE", "/v1/clusters/" + seg(cluster) + "/faults/" + seg(id));
  $("fault-error").textContent = r.status === 204 ? "" : errorText(r);
  await loadFaults();
}

async function addFault(ev) {
  ev.preventDefault();
  const spec = { emCode: Number($("fault-code").value) };
  const op = $("fault-operation").value;
  if (op) spec.operation = op;
  const name = $("fault-name").value.trim();
  if (name) spec[$("fault-scope").value] = name;
  const count = Number($("fault-count").value || "0");
  if (!Number.isInteger(count) || count < 0) {
    $("fault-error").textContent = "count must be a whole number of 0 or more";
    return;
  }
  if (count > 0) spec.count = count;
  const r = await api("POST", "/v1/clusters/" + seg($("fault-cluster").value) + "/faults", spec);
  $("fault-error").textContent = r.status === 201 ? "" : errorText(r);
  await loadFaults();
}

// --- live request log ---

function logRow(e) {
  const tr = document.createElement("tr");
  const t = new Date(e.time);
  cell(tr, isNaN(t) ? e.time : t.toISOString().slice(11, 23));
  cell(tr, e.cluster);
  cell(tr, e.node);
  cell(tr, e.operation);
  cell(tr, e.device);
  cell(tr, e.user);
  const hasCode = e.code !== undefined && e.code !== null;
  cell(tr, hasCode ? String(e.code) : "HTTP " + e.status).className = "code";
  cell(tr, e.fault);
  return tr;
}

function watchRequests() {
  const body = document.querySelector("#log-rows tbody");
  const state = $("log-state");
  const src = new EventSource("/v1/requests/stream");
  src.addEventListener("open", () => { state.textContent = "live"; state.className = "state live"; });
  src.addEventListener("error", () => { state.textContent = "reconnecting"; state.className = "state"; });
  src.addEventListener("message", (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch (err) { return; }
    body.insertBefore(logRow(e), body.firstChild);
    while (body.children.length > maxLogRows) body.removeChild(body.lastChild);
    if (e.fault) faultsChanged();
  });
  src.addEventListener("dropped", (m) => {
    const tr = document.createElement("tr");
    let n = "?";
    try { n = JSON.parse(m.data).dropped; } catch (err) { /* keep ? */ }
    const td = cell(tr, n + " request(s) not shown: the page did not keep up");
    td.colSpan = 8;
    body.insertBefore(tr, body.firstChild);
  });
}

// --- scenario ---

async function loadScenario(ev) {
  ev.preventDefault();
  const problems = $("scenario-problems");
  problems.replaceChildren();
  $("scenario-status").textContent = "Loading…";
  const r = await api("PUT", "/v1/scenario", $("scenario-text").value);
  if (r.status === 204) {
    $("scenario-status").textContent = "Scenario loaded.";
  } else {
    $("scenario-status").textContent = "Not loaded: " + errorText(r);
    for (const p of (r.body && r.body.problems) || []) {
      const li = document.createElement("li");
      li.textContent = p;
      problems.appendChild(li);
    }
  }
  await refresh();
}

function readScenarioFile() {
  const f = $("scenario-file").files[0];
  if (!f) return;
  f.text().then((t) => { $("scenario-text").value = t; });
}

async function refresh() {
  await loadClusters();
  await loadFaults();
}

document.addEventListener("DOMContentLoaded", () => {
  $("fault-form").addEventListener("submit", addFault);
  $("scenario-form").addEventListener("submit", loadScenario);
  $("scenario-file").addEventListener("change", readScenarioFile);
  watchRequests();
  refresh();
  setInterval(refresh, refreshMs);
});
