// QA page: search the recordings catalogue, play a call, score it (every action audited server-side).
"use strict";
const $ = (id) => document.getElementById(id);
const fmtLen = (s) => { const t = Math.round(s); return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`; };
// Every time is the centre's (Asia/Bangkok), whatever the browser's own zone is.
const TZ = "Asia/Bangkok", TZ_OFFSET = "+07:00";  // Thailand keeps no daylight saving
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "short", timeStyle: "medium", timeZone: TZ});
const PAGE = 50;        // rows per page
let offset = 0;         // the first row of the page shown
let found = 0;          // how many rows match (every page)
let form = null;        // the active QA form (criteria with weights)
let current = null;     // the selected recording
let latest = null;      // its newest, not superseded evaluation

async function api(path, options = {}) {
  const r = await fetch(path, {credentials: "same-origin", ...options});
  if (r.status === 401) { location.assign("/login?next=/qa"); throw new Error("signed out"); }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.message || `HTTP ${r.status}`);
  return data;
}

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("search"))) {
    if (!v) continue;
    // A datetime-local value is the centre's wall clock, not the browser's.
    params.set(k, k === "from" || k === "to" ? `${v.length === 16 ? `${v}:00` : v}${TZ_OFFSET}` : v);
  }
  params.set("limit", PAGE);
  params.set("offset", offset);
  return params;
}

async function search(event) {
  if (event) { event.preventDefault(); offset = 0; }
  $("status").textContent = "กำลังค้นหา · searching…";
  try {
    const r = await fetch(`/api/v1/recordings?${query()}`, {credentials: "same-origin"});
    if (r.status === 401) { location.assign("/login?next=/qa"); return; }
    const rows = await r.json();
    if (!r.ok) throw new Error(rows.message || `HTTP ${r.status}`);
    found = Number(r.headers.get("X-Total-Count") || rows.length);
    $("results").tBodies[0].replaceChildren(...rows.map(row));
    const n = found.toLocaleString("en-US");
    $("status").textContent = `พบ ${n} รายการ · ${n} found`;
    const first = rows.length ? offset + 1 : 0, last = offset + rows.length;
    $("page-info").textContent = `${first}–${last} จาก ${n} · of ${n}`;
    $("pager").hidden = found <= PAGE && offset === 0;
    $("prev").disabled = offset === 0;
    $("next").disabled = last >= found;
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

function page(step) {
  offset = Math.max(0, offset + step * PAGE);
  search();
}

async function loadChoices() {
  const c = await api("/api/v1/qa/choices");
  const fill = (select, items) => select.append(...items.map(([value, text]) => new Option(text, value)));
  fill($("search").elements.queue, c.queues.map((q) => [q.name, `${q.label_th} · ${q.label_en}`]));
  fill($("search").elements.agent, c.agents.map((a) => [a.id, a.name]));
}

const queueName = (r) => r.queue_label_th ? `${r.queue_label_th} · ${r.queue_label_en}` : r.queue;

function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.id = r.id;
  // A recording much shorter than its call's talk lost media: say so next to its length.
  const length = fmtLen(r.duration_s) + (r.incomplete ? ` ⚠ ไม่ครบ · incomplete (talk ${fmtLen(r.talk_s)})` : "");
  const cells = [fmtTime(r.started_at), queueName(r), r.agent_name || r.agent || "–", r.caller, length,
    r.qa_scored ? "✓ ให้คะแนนแล้ว · scored" : "ยังไม่ประเมิน · not scored"];
  for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
  const td = document.createElement("td"), b = document.createElement("button");
  b.type = "button"; b.className = "open"; b.textContent = "ฟัง/ประเมิน · Play/score";
  b.addEventListener("click", () => open(r, tr));
  td.append(b); tr.append(td);
  return tr;
}

async function open(r, tr) {
  current = r;
  document.querySelectorAll("#results tr.selected").forEach((x) => x.classList.remove("selected"));
  tr.classList.add("selected");
  $("detail").hidden = false;
  $("detail-title").textContent = `${queueName(r)} · ${r.agent_name || r.agent || "–"} · ${fmtTime(r.started_at)}`;
  $("detail-meta").textContent = `${r.codec}, ${Math.round(r.size_bytes / 1024)} kB, sha256 ${r.sha256.slice(0, 12)}…, ` +
    `เก็บถึง · kept until ${r.retain_until ? fmtTime(r.retain_until) : "–"} (${r.upload_state})`;
  $("hold").checked = r.legal_hold;
  $("player").src = `/api/v1/recordings/${r.id}/audio`;
  $("score-result").textContent = "";
  await loadEvaluations();
}

async function loadEvaluations() {
  const list = await api(`/api/v1/recordings/${current.id}/evaluations`);
  latest = [...list].reverse().find((e) => !e.superseded) || null;
  $("reason-row").hidden = !latest;
  $("evaluations").replaceChildren(...list.map((e) => {
    const li = document.createElement("li");
    li.className = e.superseded ? "superseded" : "";
    li.textContent = `${e.score} / 100 — ${fmtTime(e.submitted_at)}${e.comments ? ` — ${e.comments}` : ""}` +
      (e.supersede_reason ? ` (แก้เพราะ · superseded because: ${e.supersede_reason})` : "");
    return li;
  }));
}

function renderForm() {
  $("form-name").textContent = form.name;
  $("criteria").replaceChildren(...form.criteria.map((c) => {
    const label = document.createElement("label");
    label.className = "criterion";
    label.innerHTML = `<span></span><input type="number" min="0" max="100" step="1" required>`;
    label.querySelector("span").textContent = `${c.label_th} · ${c.label_en} (×${c.weight})`;
    const input = label.querySelector("input");
    input.name = c.key;  // empty until the auditor rates it: no score is assumed
    input.addEventListener("input", total);
    return label;
  }));
  total();
}

function ratings() {
  return Object.fromEntries(form.criteria.map((c) => [c.key, Number($("score").elements[c.key].value)]));
}

function total() {
  const f = $("score").elements;
  if (form.criteria.some((c) => f[c.key].value === "")) { $("total").textContent = "–"; return; }
  const r = ratings(), weight = form.criteria.reduce((a, c) => a + c.weight, 0);
  $("total").textContent = (form.criteria.reduce((a, c) => a + c.weight * r[c.key], 0) / weight).toFixed(2);
}

async function submitScore(event) {
  event.preventDefault();
  const f = $("score").elements;
  const body = {form_id: form.id, ratings: ratings(), comments: f.comments.value};
  if (latest) Object.assign(body, {supersedes_id: latest.id, reason: f.reason.value});
  try {
    const e = await api(`/api/v1/recordings/${current.id}/evaluations`, {
      method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
    $("score-result").textContent = `ส่งแล้ว · submitted: ${e.score} / 100`;
    f.comments.value = ""; f.reason.value = "";
    await loadEvaluations();
  } catch (err) { $("score-result").textContent = `ผิดพลาด · error: ${err.message}`; }
}

async function toggleHold() {
  try {
    current = await api(`/api/v1/recordings/${current.id}/legal-hold`, {
      method: "PUT", headers: {"content-type": "application/json"}, body: JSON.stringify({on: $("hold").checked})});
  } catch (e) { $("hold").checked = !$("hold").checked; $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

$("search").addEventListener("submit", search);
$("prev").addEventListener("click", () => page(-1));
$("next").addEventListener("click", () => page(1));
$("score").addEventListener("submit", submitScore);
$("hold").addEventListener("change", toggleHold);
$("logout").addEventListener("click", async (e) => {
  e.preventDefault();
  await fetch("/api/v1/auth/logout", {method: "POST"});
  location.assign("/login?next=/qa");
});
Promise.all([api("/api/v1/qa/forms").then((forms) => { form = forms[0]; renderForm(); }), loadChoices()])
  .then(() => search());
