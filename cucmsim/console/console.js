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
      cell(tr, c.requestsInProgress + " / " + c.maxConcurrentRequests).className = "in-progress";
      cell(tr, n.name);
      cell(tr, n.addr);
      cell(tr, n.up ? "up" : "down").className = n.up ? "up" : "down";
      cell(tr, n.latencyMs ? n.latencyMs.toFixed(1) + " ms" : "–").className = "latency";
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

// --- devices and users ---

const devicePage = 20;
let deviceOffset = 0;
let deviceTotal = 0;
let openDevice = null; // {cluster, name} of the device view
let searchSeq = 0;

async function searchDevices() {
  const cluster = $("device-cluster").value;
  const q = $("device-q").value.trim();
  const path = "/v1/clusters/" + seg(cluster) + "/devices?q=" + encodeURIComponent(q) +
    "&offset=" + deviceOffset + "&limit=" + devicePage;
  const mine = ++searchSeq;
  const r = await api("GET", path);
  if (mine !== searchSeq) return; // a later search has been sent: its answer wins
  if (r.status !== 200) { $("device-error").textContent = errorText(r); return; }
  $("device-error").textContent = "";
  deviceTotal = r.body.total;
  const shown = r.body.devices.length;
  $("device-total").textContent = shown === 0 ? r.body.total + " found" :
    (deviceOffset + 1) + "–" + (deviceOffset + shown) + " of " + r.body.total;
  $("device-prev").disabled = deviceOffset === 0;
  $("device-next").disabled = deviceOffset + shown >= deviceTotal;
  const rows = r.body.devices.map((d) => {
    const tr = document.createElement("tr");
    tr.dataset.device = d.name;
    cell(tr, d.name);
    cell(tr, d.model);
    cell(tr, d.user ? d.user + (d.emcc ? " (EMCC)" : "") : "");
    cell(tr, d.profile);
    cell(tr, button("Open", () => { $("device-view-error").textContent = ""; showDevice(cluster, d.name); }, "device-open"));
    return tr;
  });
  document.querySelector("#device-list tbody").replaceChildren(...rows);
}

function newSearch(ev) {
  if (ev) ev.preventDefault();
  deviceOffset = 0;
  searchDevices();
}

function pageDevices(delta) {
  deviceOffset = Math.max(0, deviceOffset + delta * devicePage);
  searchDevices();
}

function field(dl, name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value === undefined || value === null || value === "" ? "—" : String(value);
  dd.dataset.field = name;
  dl.append(dt, dd);
}

async function showDevice(cluster, name) {
  openDevice = { cluster, name };
  const r = await api("GET", "/v1/clusters/" + seg(cluster) + "/devices/" + seg(name));
  $("device-view").hidden = false;
  $("device-title").textContent = cluster + " / " + name;
  const dl = $("device-fields");
  dl.replaceChildren();
  if (r.status !== 200) { $("device-view-error").textContent = errorText(r); return; }
  const d = r.body;
  field(dl, "Model", d.model);
  field(dl, "Logged in", d.user ? d.user + (d.emcc ? " (EMCC)" : "") : "nobody");
  field(dl, "Profile", d.profile);
  field(dl, "EM enabled", d.emEnabled ? "yes" : "no");
  field(dl, "EMCC capable", d.emccCapable ? "yes" : "no");
  field(dl, "Call history", d.callHistory);
  const last = d.resets.length ? d.resets[d.resets.length - 1] : null;
  field(dl, "Resets", d.resets.length + (last ? " (last " + (last.hard ? "hard" : "soft") + " at " + last.time + ")" : ""));
  field(dl, "Last user", d.lastLogin);
}

// deviceAction runs a control API call on the open device, then shows the device again.
async function deviceAction(method, suffix, body, want) {
  if (!openDevice) return;
  const base = "/v1/clusters/" + seg(openDevice.cluster);
  const r = await api(method, base + suffix(seg(openDevice.name)), body);
  $("device-view-error").textContent = r.status === want ? "" : errorText(r) + (r.body && r.body.code !== undefined ? " (code " + r.body.code + ")" : "");
  await showDevice(openDevice.cluster, openDevice.name);
  await searchDevices();
}

function loginDevice(ev) {
  ev.preventDefault();
  const body = { user: $("device-user").value.trim() };
  const profile = $("device-profile").value.trim();
  if (profile) body.profile = profile;
  deviceAction("PUT", (d) => "/logins/" + d, body, 204);
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
      cell(tr, f.probability ? Math.round(f.probability * 1000) / 10 + " %" : "always");
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
  const spec = {};
  const code = $("fault-code").value;
  if (code !== "") spec.emCode = Number(code);
  const op = $("fault-operation").value;
  if (op) spec.operation = op;
  const name = $("fault-name").value.trim();
  if (name) spec[$("fault-scope").value] = name;
  const problem = faultHits(spec) || faultLatency(spec);
  if (!problem && code === "" && !spec.latency) {
    $("fault-error").textContent = "choose an EM code, a latency, or both";
    return;
  }
  if (problem) { $("fault-error").textContent = problem; return; }
  const r = await api("POST", "/v1/clusters/" + seg($("fault-cluster").value) + "/faults", spec);
  $("fault-error").textContent = r.status === 201 ? "" : errorText(r);
  await loadFaults();
}

// faultHits sets the fault's count or probability from the form; it returns a problem or "".
function faultHits(spec) {
  if ($("fault-hits").value === "probability") {
    const pct = Number($("fault-probability").value);
    if (!(pct > 0 && pct <= 100)) return "the probability must be more than 0 and at most 100 %";
    if (pct < 100) spec.probability = pct / 100;
    return "";
  }
  const count = Number($("fault-count").value || "0");
  if (!Number.isInteger(count) || count < 0) return "count must be a whole number of 0 or more";
  if (count > 0) spec.count = count;
  return "";
}

// faultLatency sets the fault's latency from the milliseconds of the form.
function faultLatency(spec) {
  const v = $("fault-latency").value.trim();
  if (v === "") return "";
  const ms = Number(v);
  if (!Number.isInteger(ms) || ms < 0 || ms > 600000) return "latency must be a whole number of milliseconds, 0..600000";
  if (ms > 0) spec.latency = ms + "ms";
  return "";
}

function showHits() {
  const prob = $("fault-hits").value === "probability";
  $("fault-probability-label").hidden = !prob;
  $("fault-count-label").hidden = prob;
}

// --- live request log ---

function logRow(e) {
  const tr = document.createElement("tr");
  tr.className = "log-entry";
  tr.dataset.seq = e.seq;
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
  tr.addEventListener("click", () => showRequest(e));
  return tr;
}

// prettyXML indents an XML document, one element a line; the text as it came when it does not
// parse (a truncated entry, say).
function prettyXML(text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length > 0) return text;
  const lines = [];
  const walk = (el, depth) => {
    const pad = "  ".repeat(depth);
    const attrs = Array.from(el.attributes).map((a) => " " + a.name + '="' + a.value + '"').join("");
    const kids = Array.from(el.childNodes).filter((n) => n.nodeType === Node.ELEMENT_NODE ||
      (n.nodeType === Node.TEXT_NODE && n.nodeValue.trim() !== ""));
    if (kids.length === 0) { lines.push(pad + "<" + el.tagName + attrs + "/>"); return; }
    if (kids.length === 1 && kids[0].nodeType === Node.TEXT_NODE) {
      lines.push(pad + "<" + el.tagName + attrs + ">" + kids[0].nodeValue.trim() + "</" + el.tagName + ">");
      return;
    }
    lines.push(pad + "<" + el.tagName + attrs + ">");
    for (const k of kids) {
      if (k.nodeType === Node.ELEMENT_NODE) walk(k, depth + 1);
      else lines.push(pad + "  " + k.nodeValue.trim());
    }
    lines.push(pad + "</" + el.tagName + ">");
  };
  walk(doc.documentElement, 0);
  return lines.join("\n");
}

// showRequest shows every field of a log entry and its request XML (appCertificate masked;
// AXL bodies, which carry PINs, are never kept).
function showRequest(e) {
  $("log-detail").hidden = false;
  $("log-detail-seq").textContent = "#" + e.seq;
  const dl = $("log-detail-fields");
  dl.replaceChildren();
  const hasCode = e.code !== undefined && e.code !== null;
  field(dl, "Time", e.time);
  field(dl, "Cluster", e.cluster);
  field(dl, "Node", e.node);
  field(dl, "Method", e.method);
  field(dl, "Operation", e.operation);
  field(dl, "Device", e.device);
  field(dl, "User", e.user);
  field(dl, "App ID", e.appID);
  field(dl, "EM code", hasCode ? e.code : "none");
  field(dl, "HTTP status", e.status === 0 ? "0 (connection dropped)" : e.status);
  field(dl, "Fault", e.fault);
  $("log-detail-xml").textContent = e.xml ? prettyXML(e.xml) :
    "(no request XML kept: the request sent none, or it was AXL, whose bodies hold PINs and are never logged)";
}

let logSource = null;

// logQuery is the stream's query string from the filter form; null when the form is invalid.
function logQuery() {
  const q = new URLSearchParams();
  if ($("log-cluster").value) q.set("cluster", $("log-cluster").value);
  if ($("log-operation").value) q.set("operation", $("log-operation").value);
  const device = $("log-device").value.trim();
  if (device) q.set("device", device);
  const code = $("log-code").value.trim();
  if (code) {
    if (!/^[0-9]{1,4}$/.test(code)) { $("log-error").textContent = "the EM code must be 0..9999"; return null; }
    q.set("code", code);
  }
  $("log-error").textContent = "";
  return q.toString();
}

// watchRequests (re)connects the live log with the filter's query; the rows shown so far
// are dropped, as they may not match it.
function watchRequests() {
  const query = logQuery();
  if (query === null) return;
  if (logSource) logSource.close();
  const body = document.querySelector("#log-rows tbody");
  body.replaceChildren();
  const state = $("log-state");
  state.textContent = "connecting";
  state.className = "state";
  const src = new EventSource("/v1/requests/stream" + (query ? "?" + query : ""));
  logSource = src;
  src.addEventListener("open", () => { state.textContent = query ? "live, filtered" : "live"; state.className = "state live"; });
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

function filterLog(ev) {
  ev.preventDefault();
  watchRequests();
}

function clearLogFilter() {
  $("log-filter").reset();
  watchRequests();
}

// --- scenario ---

async function loadScenario(ev) {
  ev.preventDefault();
  await putScenario($("scenario-text").value);
}

// putScenario sends a scenario document (PUT /v1/scenario) and shows the outcome.
async function putScenario(doc) {
  const problems = $("scenario-problems");
  problems.replaceChildren();
  $("scenario-status").textContent = "Loading…";
  const r = await api("PUT", "/v1/scenario", doc);
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

// loadPreset fetches an embedded preset and loads it; the text area shows what was sent.
async function loadPreset(file, title) {
  const resp = await fetch("/ui/presets/" + seg(file));
  const doc = await resp.text();
  if (!resp.ok) { $("scenario-status").textContent = "Preset not found: " + title; return; }
  $("scenario-text").value = doc;
  await putScenario(doc);
  if ($("scenario-status").textContent === "Scenario loaded.") $("scenario-status").textContent = "Preset loaded: " + title + ".";
}

// shellQuote quotes s for a POSIX shell: inside single quotes, nothing is special but '.
function shellQuote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }

// showCurl shows the curl command that PUTs the current scenario back to this control API.
async function showCurl() {
  const r = await api("GET", "/v1/scenario");
  const pre = $("scenario-curl-text");
  pre.hidden = false;
  if (r.status !== 200) { pre.textContent = "Cannot read the scenario: " + errorText(r); return; }
  pre.textContent = "curl -sS -X PUT -H 'Content-Type: application/json' \\\n  --data-binary " +
    shellQuote(JSON.stringify(r.body)) + " \\\n  " + shellQuote(location.origin + "/v1/scenario");
  const range = document.createRange();
  range.selectNodeContents(pre);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  // Best effort: the clipboard API needs a secure context (loopback is one) and permission.
  if (navigator.clipboard) navigator.clipboard.writeText(pre.textContent).catch(() => {});
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
  $("fault-hits").addEventListener("change", showHits);
  $("device-search").addEventListener("submit", newSearch);
  $("device-cluster").addEventListener("change", newSearch);
  $("device-prev").addEventListener("click", () => pageDevices(-1));
  $("device-next").addEventListener("click", () => pageDevices(1));
  $("device-login").addEventListener("submit", loginDevice);
  $("device-logout").addEventListener("click", () => deviceAction("DELETE", (d) => "/logins/" + d, undefined, 204));
  $("device-reset").addEventListener("click", () => deviceAction("POST", (d) => "/devices/" + d + "/reset", undefined, 204));
  newSearch();
  $("scenario-form").addEventListener("submit", loadScenario);
  $("scenario-curl").addEventListener("click", showCurl);
  for (const b of document.querySelectorAll("button.preset")) {
    b.addEventListener("click", () => loadPreset(b.dataset.preset, b.textContent));
  }
  $("scenario-file").addEventListener("change", readScenarioFile);
  $("log-filter").addEventListener("submit", filterLog);
  $("log-clear").addEventListener("click", clearLogFilter);
  watchRequests();
  refresh();
  setInterval(refresh, refreshMs);
});
