// QA page: search the recordings catalogue, play a call (waveform, speed, hold/transfer markers),
// score it on a versioned form (sections, weights, scales, N/A, critical items, item notes),
// compare auditors (calibration). Every search, play and score is audited server-side.
"use strict";
// Every time is the centre's (Asia/Bangkok), whatever the browser's own zone is.
const TZ = "Asia/Bangkok", TZ_OFFSET = "+07:00";  // Thailand keeps no daylight saving
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "short", timeStyle: "medium", timeZone: TZ});
const PAGE = 50;        // rows per page
const SCALES = {"0-100": [0, 100], "1-5": [1, 5], "yes_no": [0, 1]};  // recordings/qa.py
let offset = 0;         // the first row of the page shown
let found = 0;          // how many rows match (every page)
let forms = [];         // the active QA forms (each one's newest version)
let form = null;        // the form picked for scoring
let me = null;          // the signed-in user
let current = null;     // the selected recording
let mine = null;        // my newest, not superseded evaluation of it (superseding needs a reason)
let audioUrl = null;    // the object URL of the audio fetched once (one audited play)
let peaks = [], markers = [];

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("search"))) {
    if (!v) continue;
    if (k === "from" || k === "to") {  // a datetime-local value is the centre's wall clock
      params.set(k, `${v.length === 16 ? `${v}:00` : v}${TZ_OFFSET}`);
    } else if (k === "length") {
      const [lo, hi] = v.split("-");
      params.set("min_duration_s", lo);
      if (hi) params.set("max_duration_s", hi);
    } else if (k === "score") {
      if (v === "critical") params.set("critical", "true");
      else { const [lo, hi] = v.split("-"); params.set("min_score", lo); params.set("max_score", hi); }
    } else if (k === "case") {
      params.set("has_case", v === "with" ? "true" : "false");
    } else params.set(k, v);
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
    if (r.status === 401) { signInAgain(); return; }
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

function qaState(r) {
  if (!r.qa_scored) return "ยังไม่ประเมิน · not scored";
  return `✓ ${r.qa_score} / 100` + (r.qa_critical_fail ? " ⚠ ไม่ผ่านข้อวิกฤต · critical fail" : "") +
    (r.qa_disputed ? " · เจ้าหน้าที่โต้แย้ง · disputed" : "");
}

const queueName = (r) => r.queue_label_th ? `${r.queue_label_th} · ${r.queue_label_en}` : r.queue;

function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.id = r.id;
  if (current && current.id === r.id) tr.classList.add("selected");
  // A recording much shorter than its call's talk lost media: say so next to its length.
  const length = fmtLen(r.duration_s) + (r.incomplete ? ` ⚠ ไม่ครบ · incomplete (talk ${fmtLen(r.talk_s)})` : "");
  const cells = [fmtTime(r.started_at), queueName(r), r.agent_name || r.agent || "–", r.caller, length,
    qaState(r)];
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
    `เก็บถึง · kept until ${r.retain_until ? fmtTime(r.retain_until) : "–"} (${r.upload_state})` +
    (r.case_id ? ` · เรื่อง · case #${r.case_id}` : "");
  $("hold").checked = r.legal_hold;
  $("score-result").textContent = "";
  renderForm();
  await Promise.all([loadAudio(r), loadMarkers(r), loadEvaluations()]);
}

// ---- audio: fetched once (one audited access), played from memory, drawn as a waveform ----

async function loadAudio(r) {
  const player = $("player");
  if (audioUrl) { URL.revokeObjectURL(audioUrl); audioUrl = null; }
  player.removeAttribute("src"); player.load();
  peaks = []; drawWave();
  $("audio-state").textContent = "กำลังโหลดเสียง · loading audio…";
  try {
    const resp = await fetch(`/api/v1/recordings/${r.id}/audio`, {credentials: "same-origin"});
    if (!resp.ok) throw new Error((await resp.json().catch(() => ({}))).message || `HTTP ${resp.status}`);
    const bytes = await resp.arrayBuffer();
    if (current !== r) return;
    audioUrl = URL.createObjectURL(new Blob([bytes], {type: resp.headers.get("content-type") || "audio/ogg"}));
    player.src = audioUrl;
    player.playbackRate = Number($("speed").value);
    $("audio-state").textContent = "";
    peaks = await wavePeaks(bytes.slice(0));
    $("wave").dataset.peaks = String(peaks.length);
    drawWave();
  } catch (e) { $("audio-state").textContent = `ฟังไม่ได้ · audio unavailable: ${e.message}`; }
}

async function wavePeaks(bytes) {
  const Ctx = window.OfflineAudioContext || window.webkitOfflineAudioContext;
  if (!Ctx) return [];
  const buffer = await new Ctx(1, 8000, 8000).decodeAudioData(bytes);
  const data = buffer.getChannelData(0), n = 400, step = Math.max(1, Math.floor(data.length / n)), out = [];
  for (let i = 0; i < n && i * step < data.length; i++) {
    let peak = 0;
    for (let j = i * step; j < Math.min(data.length, (i + 1) * step); j++) peak = Math.max(peak, Math.abs(data[j]));
    out.push(peak);
  }
  const top = Math.max(...out, 1e-6);
  return out.map((p) => p / top);
}

function duration() {
  const d = $("player").duration;
  return Number.isFinite(d) && d > 0 ? d : current ? current.duration_s : 0;
}

function drawWave() {
  const canvas = $("wave"), ctx = canvas.getContext("2d");
  canvas.width = canvas.clientWidth * (window.devicePixelRatio || 1);
  canvas.height = 80 * (window.devicePixelRatio || 1);
  const w = canvas.width, h = canvas.height, mid = h / 2;
  ctx.clearRect(0, 0, w, h);
  const played = duration() ? $("player").currentTime / duration() : 0;
  peaks.forEach((p, i) => {
    const x = (i / peaks.length) * w, bar = Math.max(1, w / peaks.length - 1);
    ctx.fillStyle = i / peaks.length < played ? "#2fbf71" : "#8aa0b4";
    ctx.fillRect(x, mid - p * mid * 0.9, bar, Math.max(1, p * h * 0.9));
  });
  if (!peaks.length) { ctx.fillStyle = "#2b3a4a"; ctx.fillRect(0, mid - 1, w, 2); }
  for (const m of markers) {
    const x = duration() ? (m.at_s / duration()) * w : 0;
    ctx.fillStyle = m.kind === "transfer" ? "#f5a524" : m.kind === "hold" ? "#e5484d" : "#7cc4ff";
    ctx.fillRect(x, 0, 2 * (window.devicePixelRatio || 1), h);
  }
  ctx.fillStyle = "#e8eef4";
  ctx.fillRect(played * w, 0, 1, h);
}

function seek(seconds) {
  const player = $("player");
  player.currentTime = Math.max(0, Math.min(seconds, duration()));
  drawWave();
}

const MARKER_TEXT = {
  hold: "พักสาย · hold", unhold: "กลับมาคุย · off hold", transfer: "โอนสาย · transfer",
};

async function loadMarkers(r) {
  markers = [];
  $("markers").replaceChildren();
  try { markers = await api(`/api/v1/recordings/${r.id}/events`); } catch { markers = []; }
  if (current !== r) return;
  $("markers").replaceChildren(...markers.map((m) => {
    const b = el("button", {type: "button", className: `marker ${m.kind}`,
      textContent: `${fmtLen(m.at_s)} ${MARKER_TEXT[m.kind] || m.kind}${m.detail ? ` → ${m.detail}` : ""}`});
    b.dataset.at = m.at_s;
    b.addEventListener("click", () => seek(m.at_s));
    return el("li", {}, b);
  }));
  drawWave();
}

// ---- the score form ----

const itemLabel = (c) => `${c.label_th} · ${c.label_en} (×${c.weight})`;

function ratingInput(c) {
  const [lo, hi] = SCALES[c.scale];
  if (c.scale === "0-100") {
    const input = el("input", {type: "number", min: lo, max: hi, step: "any", name: c.key, required: true});
    input.addEventListener("input", total);
    return input;
  }
  const select = el("select", {name: c.key, required: true}, new Option("— เลือก · choose", ""));
  if (c.scale === "yes_no") select.append(new Option("ใช่ · yes", "1"), new Option("ไม่ · no", "0"));
  else for (let v = lo; v <= hi; v++) select.append(new Option(String(v), String(v)));
  select.addEventListener("change", total);
  return select;
}

function renderForm() {
  if (!form) return;
  let section = null, box = null;
  const parts = [];
  for (const c of form.criteria) {
    const title = [c.section_th, c.section_en].filter(Boolean).join(" · ");
    if (!box || title !== section) {
      section = title;
      box = el("fieldset", {className: "section"});
      if (title) box.append(el("legend", {textContent: title}));
      parts.push(box);
    }
    const item = el("div", {className: `criterion${c.critical ? " critical" : ""}`});
    item.dataset.key = c.key;
    const name = el("span", {textContent: itemLabel(c)});
    if (c.critical) name.append(el("b", {className: "crit", textContent: " ⚠ ข้อวิกฤต · critical"}));
    const scale = c.scale === "yes_no" ? "ใช่/ไม่ · yes/no" : c.scale === "1-5" ? "1–5" : "0–100";
    name.append(el("small", {textContent: ` ${scale}`}));
    const controls = el("div", {className: "controls"}, ratingInput(c));
    if (c.allow_na) {
      const na = el("input", {type: "checkbox", name: `na_${c.key}`});
      na.addEventListener("change", () => {
        const input = $("score").elements[c.key];
        input.disabled = na.checked; input.required = !na.checked;
        total();
      });
      controls.append(el("label", {className: "na"}, na, " ไม่เกี่ยวข้อง · N/A"));
    }
    const note = el("input", {name: `note_${c.key}`, placeholder: "หมายเหตุข้อนี้ · note on this item", maxLength: 1000});
    item.append(name, controls, note);
    box.append(item);
  }
  $("criteria").replaceChildren(...parts);
  total();
}

function ratings() {
  const f = $("score").elements;
  return Object.fromEntries(form.criteria.map((c) => {
    if (c.allow_na && f[`na_${c.key}`].checked) return [c.key, null];
    return [c.key, f[c.key].value === "" ? undefined : Number(f[c.key].value)];
  }));
}

function itemComments() {
  const f = $("score").elements;
  return Object.fromEntries(form.criteria.map((c) => [c.key, f[`note_${c.key}`].value.trim()]).filter(([, v]) => v));
}

// The same rule as recordings/qa.py (qa-v2): N/A leaves the weight; a failed critical item → 0.
function total() {
  const r = ratings();
  $("critical-note").hidden = true;
  if (form.criteria.some((c) => r[c.key] === undefined)) { $("total").textContent = "–"; return; }
  let num = 0, den = 0, critical = false;
  for (const c of form.criteria) {
    if (r[c.key] === null) continue;
    const [lo, hi] = SCALES[c.scale], pts = (100 * (r[c.key] - lo)) / (hi - lo);
    if (c.critical && pts === 0) critical = true;
    num += c.weight * pts; den += c.weight;
  }
  if (!den) { $("total").textContent = "–"; return; }
  $("critical-note").hidden = !critical;
  $("total").textContent = critical ? "0" : (num / den).toFixed(2);
}

async function submitScore(event) {
  event.preventDefault();
  const f = $("score").elements;
  const body = {form_id: form.id, ratings: ratings(), item_comments: itemComments(), comments: f.comments.value};
  if (mine) Object.assign(body, {supersedes_id: mine.id, reason: f.reason.value});
  try {
    const e = await api(`/api/v1/recordings/${current.id}/evaluations`, {
      method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
    $("score-result").textContent = `ส่งแล้ว · submitted: ${e.score} / 100${e.critical_fail ? " — ไม่ผ่านข้อวิกฤต · critical fail" : ""}`;
    f.comments.value = ""; f.reason.value = "";
    renderForm();
    await Promise.all([loadEvaluations(), search()]);  // the list shows the new score
  } catch (err) { $("score-result").textContent = `ผิดพลาด · error: ${err.message}`; }
}

const RESPONSE_TEXT = {acknowledge: "เจ้าหน้าที่รับทราบ · agent acknowledged", dispute: "เจ้าหน้าที่โต้แย้ง · agent disputed"};

const formCache = new Map();  // form id → that version (an evaluation is read with its own)

async function formOf(id) {
  if (!formCache.has(id)) formCache.set(id, await api(`/api/v1/qa/forms/${id}`));
  return formCache.get(id);
}

async function loadEvaluations() {
  const list = await api(`/api/v1/recordings/${current.id}/evaluations`);
  const used = new Map(await Promise.all([...new Set(list.map((e) => e.form_id))].map(async (id) => [id, await formOf(id)])));
  const label = (e, key) => {
    const c = used.get(e.form_id).criteria.find((x) => x.key === key);
    return c ? `${c.label_th} · ${c.label_en}` : key;
  };
  mine = [...list].reverse().find((e) => !e.superseded && me && e.evaluator_id === me.id) || null;
  $("reason-row").hidden = !mine;
  $("evaluations").replaceChildren(...list.map((e) => {
    const li = el("li", {className: e.superseded ? "superseded" : ""});
    li.dataset.id = e.id;
    li.textContent = `${e.score} / 100${e.critical_fail ? " ⚠ ไม่ผ่านข้อวิกฤต · critical fail" : ""} — ` +
      `${e.evaluator} — ${e.form_name} v${e.form_version} — ${fmtTime(e.submitted_at)}` +
      (e.comments ? ` — ${e.comments}` : "") +
      (e.supersede_reason ? ` (แก้เพราะ · superseded because: ${e.supersede_reason})` : "");
    const notes = Object.entries(e.item_comments || {});
    if (notes.length) li.append(el("ul", {className: "notes"}, ...notes.map(([k, v]) => el("li", {textContent: `${label(e, k)}: ${v}`}))));
    if (e.response) {
      li.append(el("p", {className: `response ${e.response.action}`,
        textContent: `${RESPONSE_TEXT[e.response.action]} ${fmtTime(e.response.at)}${e.response.reason ? `: ${e.response.reason}` : ""}`}));
    }
    return li;
  }));
  if (me && (me.role === "supervisor" || me.role === "admin")) await loadCalibration();
}

async function loadCalibration() {
  const c = await api(`/api/v1/recordings/${current.id}/calibration`);
  $("calibration").hidden = false;
  const head = $("calibration-table").tHead, body = $("calibration-table").tBodies[0];
  if (c.auditors.length < 2) {
    $("calibration-note").textContent = "ต้องมีผู้ประเมินอย่างน้อย 2 คนในสายเดียวกัน · needs two auditors scoring this call";
    head.replaceChildren(); body.replaceChildren();
    return;
  }
  const pts = (v) => v === null ? "N/A" : String(v);
  $("calibration-note").textContent = `${c.form_name} v${c.form_version}: ` +
    `ต่างกันรวม ${c.score_spread} คะแนน · total difference ${c.score_spread} points` +
    (c.other_forms ? ` (${c.other_forms} บนแบบฟอร์มอื่น ไม่นำมาเทียบ · on other forms, left out)` : "");
  head.replaceChildren(el("tr", {}, el("th", {textContent: "ข้อ · Item"}),
    ...c.auditors.map((a) => el("th", {textContent: a.evaluator})), el("th", {textContent: "ต่าง · Diff."})));
  const rows = c.items.map((i) => {
    const tr = el("tr", {className: i.spread ? "differs" : ""}, el("td", {textContent: `${i.label_th} · ${i.label_en}`}),
      ...i.points.map((p) => el("td", {textContent: pts(p)})), el("td", {textContent: i.spread === null ? "–" : String(i.spread)}));
    tr.dataset.key = i.key;
    return tr;
  });
  const totalRow = el("tr", {className: "total"}, el("th", {textContent: "คะแนนรวม · Total"}),
    ...c.auditors.map((a) => el("th", {textContent: `${a.score}${a.critical_fail ? " ⚠" : ""}`})),
    el("th", {textContent: String(c.score_spread)}));
  body.replaceChildren(...rows, totalRow);
}

async function toggleHold() {
  try {
    current = await api(`/api/v1/recordings/${current.id}/legal-hold`, {
      method: "PUT", headers: {"content-type": "application/json"}, body: JSON.stringify({on: $("hold").checked})});
  } catch (e) { $("hold").checked = !$("hold").checked; $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

function pickForm() {
  form = forms.find((f) => String(f.id) === $("form-pick").value) || forms[0];
  renderForm();
}

// ---- the form editor: a new form, or the next version of one (audited server-side) ----

const EDIT_FIELDS = [
  ["key", "รหัส · key", "text"], ["label_th", "ชื่อข้อ (ไทย) · label (Thai)", "text"],
  ["label_en", "ชื่อข้อ (อังกฤษ) · label (English)", "text"], ["section_th", "หมวด (ไทย) · section (Thai)", "text"],
  ["section_en", "หมวด (อังกฤษ) · section (English)", "text"], ["weight", "น้ำหนัก · weight", "number"],
];
const SCALE_TEXT = {"0-100": "0–100", "1-5": "1–5", "yes_no": "ใช่/ไม่ · yes/no"};

function editRow(c = {weight: 1, scale: "yes_no"}) {
  const row = el("div", {className: "edit-item"});
  for (const [name, text, type] of EDIT_FIELDS) {
    const input = el("input", {name, type, value: c[name] ?? "", required: ["key", "label_th", "label_en", "weight"].includes(name)});
    if (type === "number") Object.assign(input, {min: "0.1", step: "any"});
    row.append(el("label", {}, text, input));
  }
  const scale = el("select", {name: "scale"}, ...Object.entries(SCALE_TEXT).map(([v, t]) => new Option(t, v)));
  scale.value = c.scale || "0-100";
  row.append(el("label", {}, "มาตร · scale", scale));
  for (const [name, text] of [["allow_na", "ให้เลือก N/A ได้ · N/A allowed"], ["critical", "ข้อวิกฤต · critical"]]) {
    row.append(el("label", {className: "check"}, el("input", {type: "checkbox", name, checked: Boolean(c[name])}), ` ${text}`));
  }
  const drop = el("button", {type: "button", className: "drop", textContent: "ลบข้อ · Remove"});
  drop.addEventListener("click", () => row.remove());
  row.append(drop);
  return row;
}

function editPick() {
  const picked = forms.find((f) => String(f.id) === $("edit-pick").value);
  $("edit-name-row").hidden = Boolean(picked);
  $("edit-items").replaceChildren(...(picked ? picked.criteria : [undefined]).map((c) => editRow(c)));
  $("edit-result").textContent = "";
}

async function editSave() {
  const criteria = [...$("edit-items").querySelectorAll(".edit-item")].map((row) => {
    const v = (n) => row.querySelector(`[name="${n}"]`);
    return {key: v("key").value.trim(), label_th: v("label_th").value.trim(), label_en: v("label_en").value.trim(),
      section_th: v("section_th").value.trim(), section_en: v("section_en").value.trim(),
      weight: Number(v("weight").value), scale: v("scale").value, allow_na: v("allow_na").checked, critical: v("critical").checked};
  });
  const picked = forms.find((f) => String(f.id) === $("edit-pick").value);
  try {
    const saved = await api(picked ? `/api/v1/qa/forms/${picked.id}/versions` : "/api/v1/qa/forms", {
      method: "POST", headers: {"content-type": "application/json"},
      body: JSON.stringify(picked ? {criteria} : {name: $("edit-name").value.trim(), criteria})});
    await loadForms(saved.id);
    $("edit-result").textContent = `บันทึกแล้ว · saved: ${saved.name} v${saved.version}`;
  } catch (e) { $("edit-result").textContent = `ผิดพลาด · error: ${e.message}`; }
}

async function loadForms(select) {
  forms = await api("/api/v1/qa/forms");
  const keep = select ?? form?.id;
  form = forms.find((f) => f.id === keep) || forms[0];
  const options = () => forms.map((f) => new Option(`${f.name} (v${f.version})`, f.id));
  $("form-pick").replaceChildren(...options());
  $("form-pick").value = String(form.id);
  $("edit-pick").replaceChildren(new Option("+ แบบฟอร์มใหม่ · new form", ""), ...options());
  $("edit-pick").value = select ? String(select) : "";
  editPick();
  renderForm();
}

$("search").addEventListener("submit", search);
$("edit-pick").addEventListener("change", editPick);
$("edit-add").addEventListener("click", () => $("edit-items").append(editRow()));
$("edit-save").addEventListener("click", editSave);
$("prev").addEventListener("click", () => page(-1));
$("next").addEventListener("click", () => page(1));
$("score").addEventListener("submit", submitScore);
$("hold").addEventListener("change", toggleHold);
$("form-pick").addEventListener("change", pickForm);
$("speed").addEventListener("change", () => { $("player").playbackRate = Number($("speed").value); });
$("player").addEventListener("timeupdate", drawWave);
$("player").addEventListener("loadedmetadata", drawWave);
$("wave").addEventListener("click", (e) => {
  const box = $("wave").getBoundingClientRect();
  seek(((e.clientX - box.left) / box.width) * duration());
});
window.addEventListener("resize", drawWave);
signOutLink();
Promise.all([
  api("/api/v1/auth/me").then((u) => { me = u; }),
  loadForms(),
  loadChoices(),
]).then(() => search());
