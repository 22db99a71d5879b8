// Live wallboard: a snapshot on connect, then changes, over /ws/wallboard.
"use strict";
const STATES = [
  ["available", "ว่าง", "available"], ["ringing", "กำลังดัง", "ringing"],
  ["on_call", "สนทนา", "on call"], ["wrap_up", "สรุปงาน", "wrap-up"],
  ["paused", "พัก", "paused"], ["logged_out", "ออฟไลน์", "logged out"],
];
let board = {queues: {}, centre: null, alerts: []};
let clockOffset = 0; // server time − local time, seconds
let lastSeq = null;

const fmtPct = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(1)}%`);
const fmtSec = (v) => (v === null || v === undefined ? "–" : v >= 60 ? `${Math.floor(v / 60)}m ${Math.round(v % 60)}s` : `${Math.round(v)} s`);

function card(name) {
  const id = `q-${name}`;
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement("section");
    el.id = id;
    el.className = "queue";
    el.dataset.queue = name;
    el.append(document.getElementById("queue-card").content.cloneNode(true));
    document.getElementById("queues").append(el);
  }
  return el;
}

function bar(el, sel, value, good) {
  const b = el.querySelector(sel);
  b.querySelector(".v").textContent = fmtPct(value);
  b.querySelector("em").style.width = `${Math.max(0, Math.min(100, value ?? 0))}%`;
  b.classList.toggle("miss", value !== null && value !== undefined && !good(value));
}

function paint(el, q) {
  const k = q.kpi || {}, k60 = q.kpi_60m || {};
  el.querySelector(".th").textContent = q.label_th || q.name;
  el.querySelector(".en").textContent = q.label_en || "";
  el.querySelector(".waiting").textContent = q.waiting ?? 0;
  el.querySelector(".answered").textContent = k.answered ?? 0;
  el.querySelector(".offered").textContent = k.offered ?? 0;
  bar(el, ".sl", k.sl_pct, (v) => v >= 90);
  bar(el, ".ans", k.answer_rate_pct, (v) => v > 98);
  bar(el, ".abn", k.abandon_rate_pct, (v) => v <= 3);
  el.querySelector(".asa").textContent = fmtSec(k.asa_s);
  el.querySelector(".aht").textContent = fmtSec(k.aht_s);
  el.querySelector(".aht").classList.toggle("miss", k.aht_s > 900);
  el.querySelector(".sl60").textContent = fmtPct(k60.sl_pct);
  el.dataset.oldest = q.oldest_entered_at ?? "";
  const agents = q.agents || {};
  el.querySelector(".agents").replaceChildren(...STATES.map(([key, th, en]) => {
    const s = document.createElement("span");
    s.className = `agent-state ${key}`;
    s.dataset.state = key;
    const extra = key === "paused" && q.paused_reasons ? Object.entries(q.paused_reasons).map(([r, n]) => `${r} ${n}`).join(", ") : "";
    s.textContent = `${th} · ${en}: ${agents[key] ?? 0}${extra ? ` (${extra})` : ""}`;
    return s;
  }));
}

function tick() {
  paintCallbacks(board.callbacks);
  paintStaffing(board.staffing, board.centre);
  const now = Date.now() / 1000 + clockOffset;
  for (const el of document.querySelectorAll(".queue")) {
    const oldest = parseFloat(el.dataset.oldest);
    const wait = Number.isFinite(oldest) ? Math.max(0, now - oldest) : 0;
    const longest = el.querySelector(".longest");
    if (longest) {
      longest.textContent = fmtSec(wait);
      longest.classList.toggle("miss", wait > 15);
    }
  }
}

function render() {
  const c = board.centre;
  const centre = document.getElementById("centre");
  if (c) {
    if (!centre.childElementCount) centre.append(document.getElementById("queue-card").content.cloneNode(true));
    paint(centre, {...c, label_th: "ทั้งศูนย์", label_en: "Whole centre"});
  }
  for (const [name, q] of Object.entries(board.queues)) paint(card(name), q);
  const complete = document.getElementById("complete");
  complete.className = `pill ${board.complete === true ? "ok" : board.complete === false ? "bad" : "unknown"}`;
  complete.textContent = board.complete === true ? "ข้อมูลครบ · data complete" : board.complete === false ? "ข้อมูลไม่ครบ · data incomplete" : "ข้อมูลครบ? · data complete?";
  document.getElementById("definition").textContent = board.definition || "kpi-v1.1";
  // Critical first: the alert list is capped in height, the most urgent must stay in view.
  const alerts = [...(board.alerts || [])].sort((a, b) => (b.severity === "critical") - (a.severity === "critical"));
  document.getElementById("alerts").replaceChildren(...alerts.map((a) => {
    const p = document.createElement("p");
    p.className = `alert ${a.severity || "warning"}`;
    p.textContent = `${a.text_th} · ${a.text_en}`;
    return p;
  }));
  if (board.as_of) document.getElementById("asof").textContent = new Date(board.as_of * 1000).toLocaleTimeString("th-TH");
  tick();
}

// Open callbacks, the oldest one's age; red when one is close to its 30-minute deadline.
function paintCallbacks(cb) {
  const el = document.getElementById("callbacks");
  if (!cb) return;
  el.className = `pill ${cb.deadline_soon ? "bad" : cb.open ? "unknown" : "ok"}`;
  // The age runs on between pushes, like the longest wait.
  const age = cb.oldest_dropped_at == null ? null : Math.max(0, Date.now() / 1000 + clockOffset - cb.oldest_dropped_at);
  const oldest = age == null ? "" : ` · เก่าสุด oldest ${fmtSec(age)}`;
  const soon = cb.deadline_soon ? " · ใกล้ครบกำหนด! due soon!" : "";
  // What the dialer did in the last 24 h: ringing now, reached, rang out / busy (retried or failed).
  const steps = cb.reached_24h === undefined ? "" : ` · กำลังโทร dialing ${cb.dialing} · โทรถึง reached ${cb.reached_24h} · ไม่ติด not reached ${cb.not_reached_24h}`;
  el.textContent = `โทรกลับค้าง · callbacks open ${cb.open}${oldest}${soon}${steps}`;
  el.dataset.open = cb.open;
  el.dataset.reached = cb.reached_24h ?? "";
  el.dataset.soon = cb.deadline_soon ? "1" : "0";
}

// The current interval: agents Erlang C needs for the forecast calls, beside the agents logged
// in (any state but logged out) and available now; red when fewer are logged in than needed.
function paintStaffing(st, centre) {
  const el = document.getElementById("staffing");
  if (!st || !centre) return;
  const by = centre.agents || {};
  const loggedIn = Object.entries(by).filter(([k]) => k !== "logged_out").reduce((n, [, v]) => n + v, 0);
  const available = by.available ?? 0;
  el.className = `pill ${loggedIn < st.agents_needed ? "bad" : "ok"}`;
  el.textContent = `อัตรากำลัง · staffing ${st.interval_start.slice(11, 16)}: ต้องการ needed ${st.agents_needed} · เข้าระบบ logged in ${loggedIn} · ว่าง available ${available}`;
  el.dataset.needed = st.agents_needed;
  el.dataset.loggedIn = loggedIn;
  el.dataset.available = available;
}

function apply(message) {
  if (message.type === "snapshot") {
    board = {...message.data};
  } else {
    const d = message.data;
    board.queues = {...board.queues, ...(d.queues || {})};
    for (const key of ["centre", "complete", "alerts", "as_of", "definition", "callbacks", "staffing"]) if (key in d) board[key] = d[key];
  }
  if (board.as_of) clockOffset = board.as_of - Date.now() / 1000;
  lastSeq = message.seq;
}

function connect() {
  const link = document.getElementById("link");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`);
  ws.onopen = () => { link.className = "pill ok"; link.textContent = "สด · live"; };
  ws.onmessage = (event) => { for (const m of JSON.parse(event.data)) apply(m); render(); };
  ws.onclose = (event) => {
    link.className = "pill bad";
    link.textContent = "ขาดการเชื่อมต่อ · disconnected";
    if (event.code === 4401) { location.assign("/login?next=/wallboard"); return; }
    if (event.code !== 4403) setTimeout(connect, 2000);
  };
}

document.getElementById("logout").addEventListener("click", async (e) => {
  e.preventDefault();
  await fetch("/api/v1/auth/logout", {method: "POST"});
  location.assign("/login");
});
setInterval(tick, 1000);
connect();
