// The agent desk: JsSIP softphone (the agent's own PJSIP endpoint over WebSocket),
// queue state through /api/v1/desk, screen pops from /ws/agent, cases from /api/v1/cases.
"use strict";
const $ = (id) => document.getElementById(id);
const STATES = {
  logged_out: "ออกจากคิว · Logged out", available: "พร้อมรับสาย · Available",
  ringing: "สายเรียกเข้า · Ringing", on_call: "กำลังสนทนา · On call",
  wrap_up: "สรุปงานหลังวางสาย · Wrap-up", paused: "พัก · Paused",
};
const STAGES = { ringing: "เรียกเข้า · Ringing", connected: "ต่อสายแล้ว · Connected",
  missed: "ไม่ได้รับ · Missed", ended: "จบสาย · Ended" };
const desk = { sip: null, ua: null, session: null, consult: null, host: "", pop: null,
  taxonomy: null, reasons: {}, held: false, muted: false };

function showError(text) { const e = $("error"); e.textContent = text; e.hidden = !text; }

async function api(path, options = {}) {
  const r = await fetch(path, { credentials: "same-origin", headers: { "content-type": "application/json" }, ...options });
  if (r.status === 401) { location.assign("/login?next=/desk"); throw new Error("login"); }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const hint = data.details && data.details.hint_th ? `${data.details.hint_th} · ` : "";
    throw new Error(`${hint}${data.message || r.statusText} (${data.error_id || r.status})`);
  }
  return data;
}
const post = (path, body) => api(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
async function guarded(fn) { try { showError(""); await fn(); } catch (e) { if (e.message !== "login") showError(e.message); } }

// ---- agent state -----------------------------------------------------------------
function paintState(s) {
  const el = $("agent-state");
  el.dataset.state = s.state;
  el.textContent = (STATES[s.state] || s.state) + (s.reason ? ` — ${desk.reasons[s.reason] || s.reason}` : "");
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
async function refreshState() { try { paintState(await api("/api/v1/desk/state")); } catch (e) { /* next poll */ } }
function chosenQueues() { return [...$("queues").querySelectorAll("input:checked")].map((i) => i.value); }

// ---- softphone -----------------------------------------------------------------------
function setSip(state, text) { $("sip-status").dataset.state = state; $("sip-status").textContent = text; }
function setCall(state, text) {
  $("call-status").dataset.state = state; $("call-status").textContent = text;
  const live = state === "talking", ringing = state === "ringing";
  $("answer").disabled = !ringing; $("hangup").disabled = !(live || ringing);
  for (const id of ["hold", "mute", "transfer-blind", "transfer-attended"]) $(id).disabled = !live;
  $("dtmf").querySelectorAll("button").forEach((b) => { b.disabled = !live; });
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
  setCall("ringing", `สายเรียกเข้า · Incoming: ${session.remote_identity.uri.user}`);
  wireSession(session, () => { desk.session = null; desk.held = desk.muted = false; setCall("idle", "ไม่มีสาย · No call"); });
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
  $("pop-queue").textContent = `${call.queue_th} · ${call.queue_en}`;
  // The language the caller chose in the IVR (CC_LANG): the agent greets them in it.
  $("pop-lang").hidden = !call.language;
  $("pop-lang").textContent = call.language === "en" ? "English · อังกฤษ" : call.language === "th" ? "ภาษาไทย · Thai" : call.language || "";
  $("pop-stage").textContent = STAGES[call.stage] || call.stage;
  $("case-create").disabled = !["ringing", "connected", "ended"].includes(call.stage);
  const line = desk.taxonomy && desk.taxonomy.service_lines.find((l) => l.queue === call.queue);
  if (line && $("pop").dataset.lineFor !== call.call_id) { $("case-line").value = line.code; paintCategories(); $("pop").dataset.lineFor = call.call_id; }
  const h = call.history;
  if (!h) return;
  fillList("pop-contacts", h.contacts, (c) => `${when(c.at)} — ${c.queue_th} · ${c.queue_en} — ${c.outcome || "?"}${c.agent ? ` (${c.agent})` : ""}`);
  fillList("pop-cases", h.cases, (c) => `${c.number || "#" + c.id} — ${lineLabel(c.service_line)} — ${c.status} — ${when(c.created_at)}`);
  if (h.callback) paintCallback(h.callback); else $("pop-callback").hidden = true;
}
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
    $("pop-stage").textContent = "โทรกลับ · Callback";
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
  try { desk.taxonomy = await api("/api/v1/cases/taxonomy?active_only=true"); } catch (e) { desk.taxonomy = null; return; }
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
  const call = desk.pop; if (!call) return;
  const agency = $("case-agency").value;
  const body = { channel: "phone", service_line: $("case-line").value, category: $("case-category").value || null,
    caller_phone: call.caller || null, caller_name: $("case-name").value || null,
    description: $("case-description").value || null, fcr_flag: $("case-fcr").checked,
    referrals: agency ? [{ agency }] : [], status: agency ? "referred" : "new",
    call: { linkedid: call.call_id, call_id: call.uniqueid || null, queue: call.queue || null } };
  await guarded(async () => {
    const c = await post("/api/v1/cases", body);
    $("case-result").dataset.caseId = c.id;
    $("case-result").textContent = `สร้างเรื่อง ${c.number || c.id} แล้ว · Case ${c.number || c.id} created`;
  });
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
  for (const key of "123456789*0#") {
    const b = document.createElement("button"); b.type = "button"; b.textContent = key; b.disabled = true;
    b.onclick = () => desk.session && desk.session.sendDTMF(key, { transportType: "RFC2833" });
    $("dtmf").appendChild(b);
  }
}
async function main() {
  wire();
  await guarded(async () => {
    const reasons = await api("/api/v1/desk/pause-reasons");
    for (const r of reasons) { desk.reasons[r.code] = `${r.label_th} · ${r.label_en}`; $("pause-reason").appendChild(new Option(desk.reasons[r.code], r.code)); }
    const dir = await api("/api/v1/desk/directory");
    const kinds = { queue: "คิว · Queue", supervisor: "หัวหน้างาน · Supervisor", agent: "เจ้าหน้าที่ · Agent" };
    for (const t of dir.targets) $("transfer-target").appendChild(new Option(`${kinds[t.kind]}: ${t.label_th}${t.label_en !== t.label_th ? " · " + t.label_en : ""}`, t.dial));
    paintState(await api("/api/v1/desk/state"));
    startPhone(await api("/api/v1/desk/sip"));
  });
  loadTaxonomy(); listDevices(); openStream();
  setInterval(refreshState, 1500);
}
main();
