// The agent desk: JsSIP softphone (the agent's own PJSIP endpoint over WebSocket),
// queue state through /api/v1/desk, screen pops from /ws/agent, cases from /api/v1/cases.
"use strict";
const STATES = {
  logged_out: "ออกจากคิว · Logged out", available: "พร้อมรับสาย · Available",
  ringing: "สายเรียกเข้า · Ringing", on_call: "กำลังสนทนา · On call",
  wrap_up: "สรุปงานหลังวางสาย · Wrap-up", paused: "พัก · Paused",
};
const STAGES = { ringing: "เรียกเข้า · Ringing", connected: "ต่อสายแล้ว · Connected",
  missed: "ไม่ได้รับ · Missed", ended: "จบสาย · Ended", outbound: "โทรออก · Outbound" };
const CASE_STATUS = { new: "ใหม่ · New", in_progress: "กำลังดำเนินการ · In progress",
  referred: "ส่งต่อแล้ว · Referred", waiting_for_caller: "รอผู้ร้อง · Waiting for caller",
  resolved: "แก้ไขแล้ว · Resolved", closed: "ปิดเรื่อง · Closed" };
const desk = { dialling: null, sip: null, ua: null, session: null, consult: null, host: "", pop: null,
  taxonomy: null, reasons: {}, held: false, muted: false, codes: {}, wrapCall: null, talkSince: 0, timer: 0 };

function showError(text) { const e = $("error"); e.textContent = text; e.hidden = !text; }

// Desk calls send JSON; a refusal reads the API's hint, message and error id.
async function deskApi(path, options = {}) {
  const { r, data } = await request(path, { headers: { "content-type": "application/json" }, ...options });
  if (!r.ok) {
    const hint = data.details && data.details.hint_th ? `${data.details.hint_th} · ` : "";
    throw new Error(`${hint}${data.message || r.statusText} (${data.error_id || r.status})`);
  }
  return data;
}
const post = (path, body) => deskApi(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
async function guarded(fn) { try { showError(""); await fn(); } catch (e) { if (e.message !== SIGNED_OUT) showError(e.message); } }

// ---- agent state -----------------------------------------------------------------
function paintState(s) {
  const el = $("agent-state");
  el.dataset.state = s.state;
  el.dataset.pauseRequested = String(Boolean(s.pause_requested));
  if (s.state === "wrap_up") $("wrap").dataset.state = "due";
  // Asterisk pauses at once, but a ringing or live call goes on: say the pause is waiting.
  const requested = s.pause_requested
    ? ` — ขอพักแล้ว (พักหลังจบสาย) · Pause requested (after this call): ${desk.reasons[s.pause_reason] || s.pause_reason}` : "";
  el.textContent = (STATES[s.state] || s.state) + (s.reason ? ` — ${desk.reasons[s.reason] || s.reason}` : "") + requested;
  $("agent-id").textContent = s.agent_id;
  const box = $("queues");
  if (!box.querySelector("input")) {
    for (const q of s.queues) {
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" checked> <span></span>`;
      label.querySelector("input").value = q.queue;
      label.querySelector("span").textContent = `${q.label_th} · ${q.label_en} (${q.penalty})`;
      box.appendChild(label);
    }
  }
  for (const q of s.queues) {
    const input = box.querySelector(`input[value="${q.queue}"]`);
    if (input) input.parentElement.dataset.state = q.state;
  }
  const wrap = s.queues.filter((q) => q.state === "wrap_up");
  $("wrapup").hidden = wrap.length === 0;
  $("wrapup").textContent = wrap.length ? `สรุปงาน ${wrap[0].wrapup_s} วินาที · Wrap-up ${wrap[0].wrapup_s} s` : "";
}
async function refreshState() { try { paintState(await deskApi("/api/v1/desk/state")); } catch (e) { /* next poll */ } }
function chosenQueues() { return [...$("queues").querySelectorAll("input:checked")].map((i) => i.value); }

// ---- softphone -----------------------------------------------------------------------
function setSip(state, text) { $("sip-status").dataset.state = state; $("sip-status").textContent = text; }
function setCall(state, text) {
  $("call-status").dataset.state = state; $("call-status").textContent = text;
  if (state === "talking" && !desk.talkSince) startTimer();
  if (state === "idle") stopTimer();
  const live = state === "talking", ringing = state === "ringing";
  $("answer").disabled = !ringing; $("hangup").disabled = !(live || ringing);
  for (const id of ["hold", "mute", "transfer-blind", "transfer-attended"]) $(id).disabled = !live;
  $("dial").disabled = live || ringing;
}
// ---- call timer: talk time from the answer (m:ss, h:mm:ss past an hour) ----------------
function clock(s) {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
function tick() { $("call-timer").textContent = clock(Math.max(0, Math.floor((Date.now() - desk.talkSince) / 1000))); }
function startTimer() {
  desk.talkSince = Date.now(); $("call-timer").hidden = false; $("call-timer").dataset.running = "true";
  tick(); clearInterval(desk.timer); desk.timer = setInterval(tick, 1000);
}
function stopTimer() {
  if (!desk.talkSince) return;
  tick(); clearInterval(desk.timer); desk.talkSince = 0; $("call-timer").dataset.running = "false";
}
function mediaConstraints() {
  const mic = $("mic").value;
  return { audio: mic ? { deviceId: { exact: mic } } : true, video: false };
}
const uri = (target) => `sip:${target}@${desk.host}`;

function startPhone(cfg) {
  desk.sip = cfg; desk.host = new URL(cfg.uri.replace("sip:", "sip://")).hostname;
  const socket = new JsSIP.WebSocketInterface(cfg.ws_url);
  const ua = new JsSIP.UA({ sockets: [socket], uri: cfg.uri, authorization_user: cfg.authorization_user,
    password: cfg.password, display_name: cfg.display_name, register: true, session_timers: false,
    register_expires: 120 });
  ua.on("connecting", () => setSip("connecting", "กำลังเชื่อมต่อ · Connecting"));
  ua.on("disconnected", () => setSip("failed", "หลุดการเชื่อมต่อ · Disconnected"));
  ua.on("registered", () => setSip("registered", "โทรศัพท์พร้อม · Phone registered"));
  ua.on("unregistered", () => setSip("idle", "ยกเลิกการลงทะเบียน · Unregistered"));
  ua.on("registrationFailed", (e) => setSip("failed", `ลงทะเบียนไม่สำเร็จ · Registration failed: ${e.cause}`));
  ua.on("newRTCSession", (e) => onSession(e.session, e.originator));
  ua.start(); desk.ua = ua;
}

function onSession(session, originator) {
  if (originator === "local") return; // consult calls are tracked where they start
  if (desk.session) { session.terminate({ status_code: 486 }); return; }
  desk.session = session;
  const who = session.remote_identity.uri.user, out = desk.dialling && desk.dialling.number === who ? desk.dialling : null;
  wireSession(session, () => {
    desk.session = null; desk.held = desk.muted = false; setCall("idle", "ไม่มีสาย · No call");
    if (out) { desk.dialling = null; loadRecent(); }
  });
  if (out) {
    // The dial pad's own call: Asterisk rings this phone first; answering dials the number.
    setCall("ringing", `โทรออก · Calling: ${who}`);
    if (out.call_id) wrapUpFor(out.call_id, who, "โทรออก · Outbound", false);
    answer();
    return;
  }
  setCall("ringing", `สายเรียกเข้า · Incoming: ${who}`);
}

function wireSession(session, onEnd) {
  session.on("peerconnection", (e) => attachAudio(e.peerconnection));
  session.on("confirmed", () => { if (session === desk.session) setCall("talking", "กำลังสนทนา · Talking"); });
  session.on("ended", onEnd); session.on("failed", onEnd);
  if (session.connection) attachAudio(session.connection);
}
function attachAudio(pc) {
  pc.addEventListener("track", (e) => { $("remote-audio").srcObject = e.streams[0]; });
}

function answer() {
  if (!desk.session) return;
  desk.session.answer({ mediaConstraints: mediaConstraints(), pcConfig: { iceServers: [] } });
}
function hangup() { if (desk.session) desk.session.terminate(); }
function toggleHold() {
  const s = desk.session; if (!s) return;
  desk.held = !desk.held; desk.held ? s.hold() : s.unhold();
  $("hold").setAttribute("aria-pressed", String(desk.held));
}
function toggleMute() {
  const s = desk.session; if (!s) return;
  desk.muted = !desk.muted; desk.muted ? s.mute({ audio: true }) : s.unmute({ audio: true });
  $("mute").setAttribute("aria-pressed", String(desk.muted));
}
// Once Asterisk accepts the REFER the caller is its business: our leg is done.
function referHandlers(session) {
  return {
    requestSucceeded: () => { if (!session.isEnded()) session.terminate(); },
    requestFailed: (e) => showError(`โอนสายไม่สำเร็จ · Transfer failed: ${e.cause || ""}`),
  };
}
function blindTransfer() {
  const t = $("transfer-target").value, s = desk.session;
  if (s && t) s.refer(uri(t), { eventHandlers: referHandlers(s) });
}
function consult() {
  const t = $("transfer-target").value; if (!desk.session || !t) return;
  if (!desk.held) toggleHold();
  const c = desk.ua.call(uri(t), { mediaConstraints: mediaConstraints(), pcConfig: { iceServers: [] } });
  desk.consult = c;
  wireSession(c, () => { desk.consult = null; $("transfer-complete").hidden = true; $("transfer-complete").disabled = true; });
  c.on("confirmed", () => { $("transfer-complete").hidden = false; $("transfer-complete").disabled = false; });
}
function completeTransfer() {
  const s = desk.session;
  if (s && desk.consult) s.refer(desk.consult.remote_identity.uri, { replaces: desk.consult, eventHandlers: referHandlers(s) });
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  for (const [id, kind] of [["mic", "audioinput"], ["speaker", "audiooutput"]]) {
    const sel = $(id); sel.innerHTML = "";
    sel.appendChild(new Option("ค่าเริ่มต้น · Default", ""));
    devices.filter((d) => d.kind === kind).forEach((d, n) => sel.appendChild(new Option(d.label || `${kind} ${n + 1}`, d.deviceId)));
  }
}
async function chooseSpeaker() {
  const audio = $("remote-audio");
  if (audio.setSinkId) await audio.setSinkId($("speaker").value).catch((e) => showError(e.message));
}

// ---- screen pop --------------------------------------------------------------------
function openStream() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`);
  ws.onopen = () => { $("link").dataset.state = "live"; $("link").textContent = "live"; };
  ws.onclose = () => { $("link").dataset.state = "closed"; $("link").textContent = "offline"; setTimeout(openStream, 2000); };
  ws.onmessage = (m) => { for (const msg of JSON.parse(m.data)) onMessage(msg.data || {}); };
}
function onMessage(data) {
  if (data.kind === "calls") { const last = data.calls[data.calls.length - 1]; if (last) paintPop(last); return; }
  if (data.kind === "call") { paintPop(data.call); return; }
  if (data.type === "callback") paintCallback(data);  // the callbacks dialer's pop
}
function paintPop(call) {
  if ($("pop").dataset.call !== call.call_id) $("pop-callback").hidden = true;
  desk.pop = call;
  $("pop").dataset.call = call.call_id; $("pop").dataset.stage = call.stage;
  $("pop-caller").textContent = call.caller || "ไม่ทราบหมายเลข · Unknown number";
  pill("pop-queue", call.queue ? `${call.queue_th} · ${call.queue_en}` : "");
  // The language the caller chose in the IVR (CC_LANG): the agent greets them in it.
  pill("pop-lang", call.language === "en" ? "English · อังกฤษ" : call.language === "th" ? "ภาษาไทย · Thai" : call.language || "");
  pill("pop-stage", STAGES[call.stage] || call.stage);
  if (["connected", "ended"].includes(call.stage)) wrapUpFor(call.call_id, call.caller, call.queue ? `${call.queue_th} · ${call.queue_en}` : "", call.stage === "ended");
  if (call.stage === "ended") loadRecent();
  if ($("case-link-call").dataset.call !== call.call_id) {
    // A new call: the case form offers to link it and takes the caller's number.
    $("case-link-call").dataset.call = call.call_id; $("case-link-call").disabled = false; $("case-link-call").checked = true;
    $("case-call").textContent = call.caller || "";
    if (call.caller) $("case-phone").value = call.caller;
    $("case-channel").value = "phone";
    paintLinkButtons();
  }
  const line = desk.taxonomy && desk.taxonomy.service_lines.find((l) => l.queue === call.queue);
  if (line && $("pop").dataset.lineFor !== call.call_id) { $("case-line").value = line.code; paintCategories(); $("pop").dataset.lineFor = call.call_id; }
  const h = call.history;
  if (!h) return;
  fillList("pop-contacts", h.contacts, (c) => `${when(c.at)} — ${c.queue_th} · ${c.queue_en} — ${c.outcome || "?"}${c.agent ? ` (${c.agent})` : ""}`);
  fillList("pop-cases", h.cases, (c) => `${c.number || "#" + c.id} — ${lineLabel(c.service_line)} — ${c.status} — ${when(c.created_at)}`);
  if (h.callback) paintCallback(h.callback); else $("pop-callback").hidden = true;
}
function pill(id, text) { $(id).textContent = text; $(id).hidden = !text; }
function lineLabel(code) {
  const line = desk.taxonomy && desk.taxonomy.service_lines.find((l) => l.code === code);
  return line ? `${line.label_th} · ${line.label_en}` : code;
}
function paintCallback(cb) {
  // The dialer's pop (type "callback"), or the callback a ringing caller is still owed.
  const at = cb.dropped_at;
  const el = $("pop-callback");
  el.hidden = false;
  el.textContent = cb.text_th && cb.text_en ? `${cb.text_th} · ${cb.text_en}`
    : `โทรกลับ · Callback${cb.number ? `: ${cb.number}` : ""}${at ? ` — สายหลุดเมื่อ · dropped at ${when(at)}` : ""}`;
  if (cb.type === "callback" && cb.number) {
    $("pop-caller").textContent = cb.number;
    pill("pop-stage", "โทรกลับ · Callback");
  }
}
function fillList(id, items, text) {
  const ul = $(id); ul.innerHTML = "";
  if (!items || !items.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "ไม่มี · None"; ul.appendChild(li); return; }
  for (const item of items) { const li = document.createElement("li"); li.textContent = text(item); ul.appendChild(li); }
}
function when(at) {
  const d = typeof at === "number" ? new Date(at * 1000) : new Date(at);
  return d.toLocaleString("th-TH", { timeZone: "Asia/Bangkok", dateStyle: "short", timeStyle: "short" });
}

// ---- cases ------------------------------------------------------------------------
async function loadTaxonomy() {
  // Active entries only: a retired service line, category or agency is not offered.
  try { desk.taxonomy = await deskApi("/api/v1/cases/taxonomy?active_only=true"); } catch (e) { desk.taxonomy = null; return; }
  const line = $("case-line"); line.innerHTML = "";
  for (const l of desk.taxonomy.service_lines) line.appendChild(new Option(`${l.label_th} · ${l.label_en}`, l.code));
  for (const a of desk.taxonomy.agencies) $("case-agency").appendChild(new Option(`${a.label_th} · ${a.label_en}`, a.code));
  paintCategories();
}
function paintCategories() {
  const sel = $("case-category"); sel.innerHTML = ""; sel.appendChild(new Option("—", ""));
  const line = desk.taxonomy && desk.taxonomy.service_lines.find((l) => l.code === $("case-line").value);
  for (const c of (line ? line.categories : [])) sel.appendChild(new Option(`${c.label_th} · ${c.label_en}`, c.code));
}
async function createCase(event) {
  event.preventDefault();
  const call = $("case-link-call").checked ? desk.pop : null;
  const agency = $("case-agency").value, follow = $("case-follow-up").value;
  const body = { channel: $("case-channel").value, service_line: $("case-line").value, category: $("case-category").value || null,
    caller_phone: $("case-phone").value || null, caller_name: $("case-name").value || null,
    caller_email: $("case-email").value || null,
    description: $("case-description").value || null, fcr_flag: $("case-fcr").checked,
    follow_up_at: follow ? `${follow}:00+07:00` : null,  // the centre's time (Asia/Bangkok)
    referrals: agency ? [{ agency }] : [], status: agency ? "referred" : "new",
    call: call ? { linkedid: call.call_id, call_id: call.uniqueid || null, queue: call.queue || null } : null };
  await guarded(async () => {
    const c = await post("/api/v1/cases", body);
    $("case-result").dataset.caseId = c.id;
    $("case-result").textContent = `สร้างเรื่อง ${c.number || c.id} แล้ว · Case ${c.number || c.id} created`;
    for (const id of ["case-name", "case-description", "case-email", "case-follow-up", "case-q", "case-status"]) $(id).value = "";
    loadCases(); loadDue();  // the newest first: the new case heads the list
  });
}
function caseQuery() {
  // A case number, a phone number, or free text (Thai or English).
  const q = $("case-q").value.trim(), params = new URLSearchParams({ limit: "50" });
  if (/^1212-/i.test(q)) params.set("number", q);
  else if (/^[+0-9][0-9 -]{7,}$/.test(q)) params.set("phone", q);
  else if (q) params.set("q", q);
  if ($("case-status").value) params.set("status", $("case-status").value);
  return params;
}
async function loadCases(event) {
  if (event) event.preventDefault();
  await guarded(async () => {
    const found = await deskApi(`/api/v1/cases?${caseQuery()}`);
    $("case-count").textContent = `พบ ${found.total} เรื่อง · ${found.total} found${found.total > found.items.length ? ` (แสดง ${found.items.length} · showing ${found.items.length})` : ""}`;
    paintCaseList("case-list", found.items);
  });
}
async function loadDue() {
  try {
    const due = await deskApi("/api/v1/cases?follow_up_due=true&limit=20");
    paintCaseList("due-list", due.items);
  } catch (e) { /* shown by the next search */ }
}
function paintCaseList(id, items) {
  const ul = $(id); ul.innerHTML = "";
  if (!items.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "ไม่มี · None"; ul.appendChild(li); return; }
  for (const c of items) {
    const li = document.createElement("li"); li.dataset.caseId = c.id; li.dataset.number = c.number;
    const head = document.createElement("b"); head.textContent = c.number;
    const text = document.createElement("span");
    const follow = c.follow_up_at ? ` — ติดตาม · follow up ${when(c.follow_up_at)}` : "";
    text.textContent = ` ${CASE_STATUS[c.status] || c.status} — ${c.service_line.label_th} · ${c.service_line.label_en}` +
      `${c.caller_name ? ` — ${c.caller_name}` : ""} — ${when(c.created_at)}${follow}`;
    const link = document.createElement("button"); link.type = "button"; link.className = "link-call";
    link.textContent = "ผูกกับสายล่าสุด · Link to last call";
    link.onclick = () => linkCase(c.id, c.number);
    li.append(head, text, link); ul.appendChild(li);
  }
  paintLinkButtons();
}
function paintLinkButtons() {
  document.querySelectorAll("button.link-call").forEach((b) => { b.disabled = !desk.pop; });
}
async function linkCase(id, number) {
  const call = desk.pop; if (!call) return;
  await guarded(async () => {
    await post(`/api/v1/cases/${id}/calls`, { linkedid: call.call_id, call_id: call.uniqueid || null, queue: call.queue || null });
    $("case-result").dataset.linked = id;
    $("case-result").textContent = `ผูกเรื่อง ${number} กับสาย ${call.caller || call.call_id} แล้ว · Case ${number} linked to the call`;
  });
}

// ---- dial pad: an outbound call through the centre's route ---------------------------------
async function dialOut(event) {
  event.preventDefault();
  const number = $("dial-number").value.replace(/[\s-]/g, ""); if (!number) return;
  // Asterisk may ring this phone before the answer to the request arrives: the phone must
  // already know which incoming call is its own outbound one (and answer it by itself).
  const out = { number, call_id: null };
  desk.dialling = out;
  await guarded(async () => {
    try {
      const d = await post("/api/v1/desk/dial", { number });
      out.call_id = d.call_id;
      $("dial-result").dataset.call = d.call_id;
      $("dial-result").textContent = `กำลังโทรหา ${d.number} · Calling ${d.number}`;
      wrapUpFor(d.call_id, d.number, "โทรออก · Outbound", false);
      // The caller card (and so a new case, or "link to last call") is now this call's.
      paintPop({ call_id: d.call_id, uniqueid: d.call_id, stage: "outbound", caller: d.number,
        queue: "", queue_th: "", queue_en: "", history: null });
      fillList("pop-contacts", [], () => "");
      const earlier = await deskApi(`/api/v1/cases/by-caller?phone=${encodeURIComponent(d.number)}`).catch(() => []);
      fillList("pop-cases", earlier, (c) => `${c.number} — ${c.service_line.label_th} · ${c.service_line.label_en} — ${CASE_STATUS[c.status] || c.status} — ${when(c.created_at)}`);
    } catch (e) {
      if (desk.dialling === out) desk.dialling = null;
      throw e;
    }
  });
}
function pressKey(key) {
  if (desk.session && $("call-status").dataset.state === "talking") { desk.session.sendDTMF(key, { transportType: "RFC2833" }); return; }
  $("dial-number").value += key;
}

// ---- wrap-up: a disposition code per call; saving it ends wrap-up -----------------------
function wrapUpFor(callId, number, where, due) {
  desk.wrapCall = callId;
  $("wrap-call").textContent = `${number || "ไม่ทราบหมายเลข · Unknown number"}${where ? ` — ${where}` : ""}`;
  $("wrap-call").dataset.call = callId;
  $("disposition-submit").disabled = false;
  if (due) $("wrap").dataset.state = "due";
}
async function loadCodes() {
  const codes = await deskApi("/api/v1/desk/dispositions");
  const sel = $("disposition"); sel.innerHTML = ""; sel.appendChild(new Option("— เลือก · Choose —", ""));
  for (const c of codes) { desk.codes[c.code] = `${c.label_th} · ${c.label_en}`; sel.appendChild(new Option(desk.codes[c.code], c.code)); }
}
async function submitDisposition(event) {
  event.preventDefault();
  if (!desk.wrapCall) return;
  await guarded(async () => {
    const done = await post("/api/v1/desk/dispositions", { call_id: desk.wrapCall, code: $("disposition").value, note: $("disposition-note").value });
    $("disposition-result").dataset.code = done.code; $("disposition-result").dataset.call = done.call_id;
    $("disposition-result").textContent = `บันทึกผล "${done.label_th}" แล้ว · Saved "${done.label_en}"` +
      (done.wrapup_ended ? " — จบการสรุปงาน พร้อมรับสาย · wrap-up ended, ready for calls" : "");
    $("disposition-note").value = ""; $("disposition").value = ""; $("wrap").dataset.state = "done";
    paintState(done.state); loadRecent();
  });
}
async function loadRecent() {
  let rows; try { rows = await deskApi("/api/v1/desk/calls"); } catch (e) { return; }
  const ul = $("recent-calls"); ul.innerHTML = "";
  if (!rows.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "ไม่มี · None"; ul.appendChild(li); return; }
  for (const c of rows) {
    const li = document.createElement("li"); li.dataset.call = c.call_id; li.dataset.disposition = c.disposition || "";
    const dir = c.direction === "outbound" ? "โทรออก · Out" : "สายเข้า · In";
    const talk = c.talk_s != null ? ` — ${clock(c.talk_s)}` : "";
    const text = document.createElement("span");
    text.textContent = `${when(c.at)} — ${dir} — ${c.number || "?"}${c.queue ? ` — ${c.label_th} · ${c.label_en}` : ""}${talk} — `;
    const code = document.createElement("b"); code.className = "code";
    code.textContent = c.disposition ? (desk.codes[c.disposition] || c.disposition) : "ยังไม่สรุปผล · No disposition";
    const pick = document.createElement("button"); pick.type = "button"; pick.textContent = "สรุปผล · Wrap up";
    pick.onclick = () => wrapUpFor(c.call_id, c.number, c.queue ? `${c.label_th} · ${c.label_en}` : "", false);
    li.append(text, code, pick); ul.appendChild(li);
  }
}

// ---- start --------------------------------------------------------------------------
function wire() {
  $("queue-login").onclick = () => guarded(async () => paintState(await post("/api/v1/desk/login", { queues: chosenQueues() })));
  $("ready").onclick = () => guarded(async () => paintState(await post("/api/v1/desk/ready")));
  $("queue-logout").onclick = () => guarded(async () => paintState(await post("/api/v1/desk/logout")));
  $("pause").onclick = () => guarded(async () => paintState(await post("/api/v1/desk/pause", { reason: $("pause-reason").value })));
  $("answer").onclick = answer; $("hangup").onclick = hangup; $("hold").onclick = toggleHold; $("mute").onclick = toggleMute;
  $("transfer-blind").onclick = blindTransfer; $("transfer-attended").onclick = consult; $("transfer-complete").onclick = completeTransfer;
  $("speaker").onchange = chooseSpeaker; $("case-line").onchange = paintCategories; $("case-form").onsubmit = createCase;
  $("case-search").onsubmit = loadCases; $("dial-form").onsubmit = dialOut; $("wrap-form").onsubmit = submitDisposition;
  for (const [code, label] of Object.entries(CASE_STATUS)) $("case-status").appendChild(new Option(label, code));
  for (const key of "123456789*0#") {
    const b = document.createElement("button"); b.type = "button"; b.textContent = key;
    b.onclick = () => pressKey(key);
    $("dtmf").appendChild(b);
  }
}
async function main() {
  wire();
  await guarded(async () => {
    const reasons = await deskApi("/api/v1/desk/pause-reasons");
    for (const r of reasons) { desk.reasons[r.code] = `${r.label_th} · ${r.label_en}`; $("pause-reason").appendChild(new Option(desk.reasons[r.code], r.code)); }
    const dir = await deskApi("/api/v1/desk/directory");
    const kinds = { queue: "คิว · Queue", supervisor: "หัวหน้างาน · Supervisor", agent: "เจ้าหน้าที่ · Agent" };
    for (const t of dir.targets) $("transfer-target").appendChild(new Option(`${kinds[t.kind]}: ${t.label_th}${t.label_en !== t.label_th ? " · " + t.label_en : ""}`, t.dial));
    paintState(await deskApi("/api/v1/desk/state"));
    startPhone(await deskApi("/api/v1/desk/sip"));
  });
  loadTaxonomy(); listDevices(); openStream(); loadCases(); loadDue();
  guarded(loadCodes).then(loadRecent);
  setInterval(loadDue, 60_000);
  setInterval(refreshState, 1500);
}
main();
