// Chat inbox: conversations by SLA urgency, take, reply, close. /ws/chat says when something
// changed (ids only); the page then reloads over HTTP. A slow poll covers a lost socket.
"use strict";
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 15000;
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "short", timeStyle: "medium"});
const fmtSpan = (s) => {
  const t = Math.abs(Math.round(s)), m = Math.floor(t / 60), sec = String(t % 60).padStart(2, "0");
  return `${s < 0 ? "-" : ""}${m}:${sec}`;
};
const STATES = {bot: "บอต · bot", queued: "รอเจ้าหน้าที่ · waiting", assigned: "มีผู้รับแล้ว · taken", closed: "ปิดแล้ว · closed"};
const DELIVERY = {pending: "⏳ กำลังส่ง · sending", sent: "✓ ส่งแล้ว · sent", failed: "✗ ส่งไม่สำเร็จ · failed"};
let me = null;        // the signed-in user
let selected = null;  // the open conversation's id

async function api(path, options = {}) {
  const r = await fetch(path, {credentials: "same-origin", ...options});
  if (r.status === 401) { location.assign("/login?next=/chat"); throw new Error("signed out"); }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.message || `HTTP ${r.status}`);
  return data;
}

const post = (path, body) => api(path, {
  method: "POST", headers: {"Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined,
});

const customer = (c) => (c.customer_name && c.customer_name !== "?" ? `${c.customer_name} ` : "") + `(${c.customer_id})`;

function item(c) {
  const li = document.createElement("li");
  li.dataset.id = c.id;
  li.classList.toggle("selected", c.id === selected);
  const left = document.createElement("span");
  left.className = "left";
  if (c.time_left_s !== null) {
    li.classList.add(c.time_left_s < 0 ? "late" : c.time_left_s < 300 ? "soon" : "ok");
    left.textContent = c.time_left_s < 0 ? `เกิน · late ${fmtSpan(-c.time_left_s)}` : `เหลือ · left ${fmtSpan(c.time_left_s)}`;
  } else if (c.first_human_reply_at) {
    left.textContent = "ตอบแล้ว · answered";
  }
  const who = document.createElement("b");
  who.textContent = customer(c);
  const meta = document.createElement("small");
  const waited = c.waiting_s !== null ? ` · รอ · waited ${fmtSpan(c.waiting_s)}` : "";
  const failed = c.failed_sends ? ` · ✗ ${c.failed_sends} ส่งไม่สำเร็จ · failed` : "";
  meta.textContent = ` ${c.channel.toUpperCase()} · ${STATES[c.state] || c.state}${waited}${failed}`;
  const last = document.createElement("span");
  last.className = "last";
  last.textContent = c.last_message;
  li.append(left, who, meta, last);
  li.addEventListener("click", () => open(c.id));
  return li;
}

async function refresh() {
  try {
    const list = await api(`/api/v1/chat/conversations?state=${$("filter").value}`);
    $("conversations").replaceChildren(...list.map(item));
    $("status").textContent = `${list.length} บทสนทนา · conversations`;
    if (selected !== null) await show(selected);
    await supervisor();
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

function message(m) {
  const li = document.createElement("li");
  li.className = m.direction;
  if (m.direction === "internal") {
    li.textContent = m.kind === "handoff" ? "— ส่งต่อให้เจ้าหน้าที่ · handed to the admins —" : "— ปิดการสนทนา · closed —";
    return li;
  }
  const author = m.author === "customer" ? "ลูกค้า · customer" : m.author === "bot" ? "บอต · bot" : "เจ้าหน้าที่ · admin";
  const head = document.createElement("small");
  head.textContent = `${author} · ${fmtTime(m.at)}`;
  const text = document.createElement("div");
  text.textContent = m.text;
  li.append(head, text);
  for (const a of m.attachments || []) {
    const link = document.createElement("a");
    link.href = `/api/v1/chat/conversations/${selected}/attachments/${a.id}`;
    link.className = "file";
    link.textContent = `📎 ${a.filename} (${Math.ceil(a.size / 1024)} KB)`;
    li.append(link);
  }
  if (m.delivery) {
    const d = document.createElement("span");
    d.className = `delivery ${m.delivery}`;
    d.textContent = DELIVERY[m.delivery] + (m.delivery_method ? ` (${m.delivery_method})` : "") +
      (m.delivery_error ? ` — ${m.delivery_error}` : "");
    li.append(d);
  }
  return li;
}

async function show(id) {
  const c = await api(`/api/v1/chat/conversations/${id}`);
  $("detail").hidden = false;
  $("detail").dataset.id = c.id;
  $("detail-title").textContent = `${customer(c)} · ${STATES[c.state] || c.state}`;
  const due = c.reply_due_at ? ` · ตอบภายใน · reply by ${fmtTime(c.reply_due_at)}` : "";
  const subject = c.subject ? ` · ${c.subject}` : "";
  $("detail-meta").textContent = `${c.channel.toUpperCase()}${subject} · ${c.service_line || "–"} · ${c.lang}${due}`;
  const mine = me !== null && c.assigned_user_id === me.id;
  $("take").disabled = c.state === "closed" || mine;
  $("close").disabled = c.state === "closed";
  for (const id of ["send", "send-canned", "send-picture"]) $(id).disabled = c.state === "closed";
  $("messages").replaceChildren(...c.messages.map(message));
  $("open-case").disabled = c.case_id !== null;
  $("case").textContent = c.case_id === null ? "" : `เรื่องร้องเรียน · Case ${await caseNumber(c.case_id)}`;
  await history(c.id);
}

async function history(id) {
  // the same person on other channels and on the phone; only for those who see their data
  try {
    const h = await api(`/api/v1/chat/conversations/${id}/history`);
    const rows = [
      ...h.conversations.map((c) => `💬 ${c.channel.toUpperCase()} · ${fmtTime(c.started_at)} · ${STATES[c.state] || c.state}${c.subject ? " · " + c.subject : ""}`),
      ...h.cases.map((c) => `📁 ${c.number || "#" + c.id} · ${c.channel} · ${c.status} · ${fmtTime(c.created_at)}`),
    ];
    $("history-items").replaceChildren(...rows.map((text) => Object.assign(document.createElement("li"), {textContent: text})));
    $("history").hidden = rows.length === 0;
  } catch { $("history").hidden = true; }
}

async function loadCanned() {
  try {
    const list = await api("/api/v1/chat/canned");
    $("canned").replaceChildren(...list.map((c) => Object.assign(document.createElement("option"), {value: c.id, textContent: `${c.title_th} · ${c.title_en}`})));
  } catch { $("canned").replaceChildren(); }
}

async function supervisor() {
  if (!me || !["supervisor", "admin"].includes(me.role)) return;
  try {
    const view = await api("/api/v1/chat/supervisor");
    $("supervisor").hidden = false;
    const most = Math.max(1, ...view.admins.map((a) => a.load));
    $("admins").replaceChildren(...view.admins.map((a) => {
      const li = document.createElement("li");
      li.dataset.user = a.user_id;
      li.classList.toggle("late", a.breached > 0);
      const name = Object.assign(document.createElement("span"), {className: "name", textContent: a.display_name || a.username});
      const bar = Object.assign(document.createElement("span"), {className: "bar"});
      bar.style.width = `${(a.load / most) * 100}%`;
      const figures = Object.assign(document.createElement("span"), {className: "figures",
        textContent: `ถือ · holds ${a.load} · รอตอบ · unanswered ${a.waiting} · เกินเวลา · breached ${a.breached} · ตอบช้า 24 ชม. · late 24 h ${a.late_24h}`});
      li.append(name, bar, figures);
      return li;
    }));
    const q = view.queue;
    $("queue-line").textContent = `คิวที่ยังไม่มีผู้รับ · unassigned ${q.unassigned} · เกินเวลา · breached ${q.breached}`;
  } catch (e) { $("queue-line").textContent = `ผิดพลาด · error: ${e.message}`; }
  try {
    const list = await api("/api/v1/chat/broadcasts");
    const STATUS = {draft: "ร่าง · draft", scheduled: "ตั้งเวลาแล้ว · scheduled", sending: "กำลังส่ง · sending",
      sent: "ส่งแล้ว · sent", failed: "ส่งไม่สำเร็จ · failed", cancelled: "ยกเลิก · cancelled"};
    $("broadcasts").replaceChildren(...list.slice(0, 10).map((b) => {
      const li = document.createElement("li");
      li.dataset.id = b.id;
      const who = b.audience === "all" ? "ผู้ติดตามทั้งหมด · all friends" : `${b.tags.join(", ")} (${b.recipients ?? "?"})`;
      li.textContent = `${STATUS[b.status] || b.status} · ${b.send_at ? fmtTime(b.send_at) : "–"} · ${who} · ${b.text.slice(0, 60)}${b.image ? " 🖼" : ""}`;
      return li;
    }));
  } catch { $("broadcasts").replaceChildren(); }
  try {
    const quota = await api("/api/v1/chat/broadcasts/quota");
    $("quota").textContent = quota.value === null
      ? `LINE: ใช้ไป · used ${quota.total_usage} ข้อความเดือนนี้ · messages this month`
      : `LINE: ใช้ไป · used ${quota.total_usage} / ${quota.value} ข้อความเดือนนี้ · messages this month (เหลือ · left ${quota.remaining})`;
  } catch { $("quota").textContent = "LINE: โควตาไม่ทราบ · quota unknown"; }
}

const numbers = new Map();  // case id → its number, looked up once
async function caseNumber(id) {
  if (!numbers.has(id)) {
    try { numbers.set(id, (await api(`/api/v1/cases/${id}`)).number); } catch { return `#${id}`; }
  }
  return numbers.get(id);
}

async function open(id) {
  selected = id;
  document.querySelectorAll("#conversations li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.id) === id));
  try { await show(id); } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

async function act(what, body) {
  try {
    await post(`/api/v1/chat/conversations/${selected}/${what}`, body);
    $("reply-result").textContent = "";
    await refresh();
    return true;
  } catch (e) { $("reply-result").textContent = `ผิดพลาด · error: ${e.message}`; return false; }
}

$("take").addEventListener("click", () => act("take"));
$("close").addEventListener("click", () => act("close"));
$("open-case").addEventListener("click", () => act("case", {}));
$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("reply").elements.text;
  if (await act("reply", {text: box.value})) box.value = "";
});
$("send-canned").addEventListener("click", () => $("canned").value && act("reply", {canned: $("canned").value}));
$("send-picture").addEventListener("click", async () => {
  const file = $("picture").files[0];
  if (!file) { $("reply-result").textContent = "เลือกรูปก่อน · choose a picture first"; return; }
  try {
    await api(`/api/v1/chat/conversations/${selected}/reply-image`, {method: "POST", headers: {"Content-Type": file.type}, body: file});
    $("picture").value = "";
    $("reply-result").textContent = "";
    await refresh();
  } catch (e) { $("reply-result").textContent = `ผิดพลาด · error: ${e.message}`; }
});
$("broadcast").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("broadcast").elements;
  try {
    const tags = form.tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    const draft = await post("/api/v1/chat/broadcasts", {text: form.text.value, tags});
    const image = form.image.files[0];
    if (image) {
      await api(`/api/v1/chat/broadcasts/${draft.id}/image`, {method: "PUT", headers: {"Content-Type": image.type}, body: image});
    }
    const at = form.at.value ? new Date(form.at.value).toISOString() : undefined;
    await post(`/api/v1/chat/broadcasts/${draft.id}/schedule`, at ? {at} : {});
    $("broadcast").reset();
    $("broadcast-result").textContent = "บันทึกแล้ว · saved";
    await supervisor();
  } catch (e) { $("broadcast-result").textContent = `ผิดพลาด · error: ${e.message}`; }
});
$("filter").addEventListener("change", refresh);
$("logout").addEventListener("click", async (event) => {
  event.preventDefault();
  await fetch("/api/v1/auth/logout", {method: "POST", credentials: "same-origin"});
  location.assign("/login?next=/chat");
});

let pending = null;  // one reload for a burst of changes
function changed() {
  if (pending === null) pending = setTimeout(() => { pending = null; refresh(); }, 150);
}

// The desk says when an unanswered conversation's due time comes near ("soon") or passes
// ("late"), by the due time stored at its hand-off (business hours counted).
function slaAlert(raw) {
  let frames = [];
  try { frames = JSON.parse(raw); } catch { return; }
  for (const frame of Array.isArray(frames) ? frames : [frames]) {
    const d = frame && frame.data;
    if (!d || !d.sla) continue;
    const alert = $("sla-alert");
    alert.hidden = false;
    alert.textContent = d.sla === "late"
      ? `⚠ บทสนทนา #${d.conversation_id} เกินเวลาตอบ · conversation #${d.conversation_id} is past its reply time (${fmtTime(d.due_at)})`
      : `⏳ บทสนทนา #${d.conversation_id} ใกล้ครบเวลาตอบ · conversation #${d.conversation_id} is due at ${fmtTime(d.due_at)}`;
  }
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/chat`);
  ws.onopen = () => { $("link").className = "pill ok"; $("link").textContent = "สด · live"; changed(); };
  ws.onmessage = (event) => { slaAlert(event.data); changed(); };
  ws.onclose = (event) => {
    $("link").className = "pill bad";
    $("link").textContent = "ขาดการเชื่อมต่อ · disconnected";
    if (event.code === 4401) { location.assign("/login?next=/chat"); return; }
    if (event.code !== 4403) setTimeout(connect, 2000);
  };
}

(async () => {
  try {
    me = await api("/api/v1/auth/me");
    $("me").textContent = `${me.display_name || me.username} · ${me.role}`;
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
  await loadCanned();
  await refresh();
  connect();
  setInterval(refresh, REFRESH_MS);
})();
