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
  }
  return el;
}

// The queues in the IVR's order (the server's "order": centre.toml), not alphabetical.
function queueNames() {
  const names = (board.order || []).filter((n) => n in board.queues);
  return [...names, ...Object.keys(board.queues).filter((n) => !names.includes(n))];
}

function bar(el, sel, value, good, note) {
  const b = el.querySelector(sel);
  b.querySelector(".v").textContent = fmtPct(value);
  b.title = value == null && note ? `${note.th} · ${note.en}` : "";
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
  const note = q.kpi_note;
  bar(el, ".sl", k.sl_pct, (v) => v >= 90, note);
  bar(el, ".ans", k.answer_rate_pct, (v) => v > 98, note);
  bar(el, ".abn", k.abandon_rate_pct, (v) => v <= 3, note);
  // Why the bars read "–": said on the card, not left to guess (kpi-v1.1's base).
  const why = el.querySelector(".kpi-note");
  why.textContent = note ? `– = ${note.th} · ${note.en}` : "";
  why.hidden = !note;
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
    s.dataset.count = agents[key] ?? 0;
    // Pause reasons by name (Thai · English), never the raw code.
    const extra = key === "paused" && q.paused ? q.paused.map((p) => `${p.label_th} · ${p.label_en} ${p.count}`).join(", ") : "";
    s.textContent = `${th} · ${en}: ${agents[key] ?? 0}${extra ? ` (${extra})` : ""}`;
    return s;
  }));
}

// Waiting callers of a queue: position, wait (runs on), IVR choice, owed a callback; the
// number masked.
function paintCalls(el, q) {
  const list = el.querySelector(".calls");
  if (!list) return;
  list.replaceChildren(...(q.calls || []).map((c) => {
    const li = document.createElement("li");
    li.dataset.entered = c.entered_at;
    li.dataset.owed = c.owed_callback ? "1" : "0";
    const owed = c.owed_callback ? " · ค้างโทรกลับ owed a callback" : "";
    const wait = document.createElement("b");
    wait.className = "wait";
    li.append(`#${c.position} `, wait, ` · ${c.caller || "–"} · IVR ${c.ivr_digit} ${c.ivr_th} · ${c.ivr_en}${owed}`);
    return li;
  }));
}

const ACTIONS = [["listen", "ฟัง · Listen"], ["whisper", "กระซิบ · Whisper"], ["barge", "ร่วมสาย · Barge"]];
const STATE_NAMES = Object.fromEntries(STATES.map(([k, th, en]) => [k, `${th} · ${en}`]));

async function post(path, body) {
  const r = await fetch(path, {method: "POST", credentials: "same-origin",
    headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  const data = await r.json().catch(() => ({}));
  document.getElementById("grid-result").textContent = r.ok ? `ทำแล้ว · done: ${body.action || body.mode} ${body.interface || body.agent_id}`
    : `${data.message || r.statusText} (${data.error_id || r.status})`;
  return r.ok;
}

function gridActions(a) {
  const td = document.createElement("td");
  td.className = "actions";
  const button = (cls, text, onClick) => {
    const b = document.createElement("button");
    b.type = "button"; b.className = cls; b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  };
  if (a.spy) {
    for (const [mode, text] of ACTIONS) {
      td.append(button(`spy-${mode}`, text, () => {
        const phone = document.getElementById("spy-phone")?.value.trim() || null;
        post("/api/v1/supervise", {agent_id: a.agent, mode, phone});
      }));
    }
  }
  const reason = document.createElement("select");
  reason.className = "reason";
  reason.setAttribute("aria-label", "เหตุผลการพัก · pause reason");
  reason.replaceChildren(...Object.entries(board.pause_reasons || {}).map(([code, [th, en]]) => new Option(`${th} · ${en}`, code)));
  td.append(reason, button("pause", "พัก · Pause", () => post("/api/v1/supervise/agent-actions", {interface: a.interface, action: "pause", reason: reason.value})));
  td.append(button("unpause", "กลับมาว่าง · Unpause", () => post("/api/v1/supervise/agent-actions", {interface: a.interface, action: "unpause"})));
  td.append(button("logout", "ออกจากคิว · Log out", () => {
    if (confirm(`ออกจากคิว · Log ${a.agent} out of every queue?`)) post("/api/v1/supervise/agent-actions", {interface: a.interface, action: "logout"});
  }));
  const queue = document.createElement("select");
  queue.className = "pq";
  queue.setAttribute("aria-label", "คิว · queue");
  // Every queue of the centre (its skills first, marked ✓): a penalty for one it has, or a
  // skill added or taken away.
  const names = [...a.queues, ...Object.keys(board.queues || {}).filter((n) => !a.queues.includes(n))];
  queue.replaceChildren(...names.map((n) => new Option(`${a.queues.includes(n) ? "✓ " : ""}${board.queues[n]?.label_en || n}`, n)));
  const penalty = document.createElement("input");
  penalty.type = "number"; penalty.min = "0"; penalty.max = "99"; penalty.value = "0"; penalty.className = "penalty";
  penalty.setAttribute("aria-label", "ลำดับ · penalty");
  const act = (action) => () => post("/api/v1/supervise/agent-actions", {interface: a.interface, action, queue: queue.value, penalty: Number(penalty.value)});
  td.append(queue, penalty, button("set-penalty", "ตั้งลำดับ · Set penalty", act("penalty")),
    button("add-queue", "เพิ่มคิว · Add skill", act("add_queue")),
    button("remove-queue", "ถอนคิว · Remove skill", act("remove_queue")));
  return td;
}

// The agent grid: one row per logged-in agent, kept (with its controls) across pushes.
function paintGrid(agents) {
  const body = document.querySelector("#agent-grid tbody");
  if (!body) return;
  const rows = new Map([...body.querySelectorAll("tr[data-interface]")].map((tr) => [tr.dataset.interface, tr]));
  const wanted = [];
  for (const a of agents || []) {
    let tr = rows.get(a.interface);
    const queues = a.queues.join(",");
    if (!tr || tr.dataset.queues !== queues) {
      tr = document.createElement("tr");
      tr.dataset.interface = a.interface;
      tr.dataset.queues = queues;
      for (let i = 0; i < 7; i++) tr.insertCell();
      tr.append(gridActions(a));
    }
    tr.dataset.agent = a.agent;
    tr.dataset.state = a.state;
    tr.dataset.since = a.since ?? "";
    const c = tr.cells;
    c[0].textContent = a.name && a.name !== a.agent ? `${a.name} (${a.agent})` : a.agent;
    c[1].textContent = `${STATE_NAMES[a.state] || a.state}${a.state === "paused" ? ` · ${a.reason_th} · ${a.reason_en}` : ""}`;
    c[1].className = `agent-state ${a.state}`;
    c[2].className = "for";
    const q = a.queue ? board.queues[a.queue] : null;
    c[3].textContent = q ? `${q.label_th} · ${q.label_en}` : "–";
    c[4].textContent = a.caller || "–";
    c[5].textContent = a.answered_today;
    c[6].textContent = fmtSec(a.aht_today_s);
    c[6].title = `${board.definition || "kpi-v1.1"}: talk + wrap-up of answered calls`;
    tr.cells[7].querySelector(".pause").hidden = a.state === "paused";
    tr.cells[7].querySelector(".reason").hidden = a.state === "paused";
    tr.cells[7].querySelector(".unpause").hidden = a.state !== "paused";
    for (const b of tr.cells[7].querySelectorAll("[class^=spy-]")) b.disabled = a.state !== "on_call";
    wanted.push(tr);
  }
  if (!wanted.length) {
    const tr = document.createElement("tr");
    const td = tr.insertCell();
    td.colSpan = 8;
    td.textContent = "ยังไม่มีเจ้าหน้าที่เข้าคิว · No agent is logged in";
    wanted.push(tr);
  }
  if (wanted.some((tr, i) => body.children[i] !== tr) || body.children.length !== wanted.length) body.replaceChildren(...wanted);
}

function tick() {
  paintCallbacks(board.callbacks);
  paintCsat(board.csat);
  paintStaffing(board.staffing, board.centre);
  paintChat(board.chat);
  const now = Date.now() / 1000 + clockOffset;
  for (const li of document.querySelectorAll(".calls li")) {
    li.querySelector(".wait").textContent = fmtSec(Math.max(0, now - parseFloat(li.dataset.entered)));
  }
  for (const tr of document.querySelectorAll("#agent-grid tr[data-since]")) {
    const since = parseFloat(tr.dataset.since);
    tr.cells[2].textContent = Number.isFinite(since) ? fmtSec(Math.max(0, now - since)) : "–";
  }
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
  const cards = queueNames().map((name) => { const el = card(name); paint(el, board.queues[name]); paintCalls(el, board.queues[name]); return el; });
  paintGrid(board.agents);
  const main = document.getElementById("queues");
  if (cards.some((el, i) => main.children[i] !== el)) main.replaceChildren(...cards);
  const complete = document.getElementById("complete");
  complete.className = `pill ${board.complete === true ? "ok" : board.complete === false ? "bad" : "unknown"}`;
  complete.textContent = board.complete === true ? "ข้อมูลครบ · data complete" : board.complete === false ? "ข้อมูลไม่ครบ · data incomplete" : "ข้อมูลครบ? · data complete?";
  document.getElementById("definition").textContent = board.definition || "kpi-v1.1";
  paintAlerts(board.alerts || []);
  if (board.as_of) document.getElementById("asof").textContent = new Date(board.as_of * 1000).toLocaleTimeString("th-TH");
  tick();
}

// Alerts grouped by rule (one banner per kind, its queues listed), critical first; each group
// can be acknowledged (seen: shown quieter until the incident ends) or snoozed (hidden for a
// while). Both are a supervisor's audited actions (POST /api/v1/alerts/...).
function paintAlerts(items) {
  const now = Date.now() / 1000 + clockOffset;
  const shown = items.filter((a) => !(a.snoozed_until && a.snoozed_until > now));
  const snoozed = items.length - shown.length;
  const groups = new Map();
  for (const a of shown) {
    const key = `${a.rule}|${a.severity}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  const ordered = [...groups.values()].sort((a, b) =>
    (b[0].severity === "critical") - (a[0].severity === "critical") ||
    a.every((x) => x.acknowledged_by) - b.every((x) => x.acknowledged_by));
  const els = ordered.map((group) => {
    const first = group[0];
    const acked = group.every((a) => a.acknowledged_by);
    const box = document.createElement("div");
    box.className = `alert ${first.severity || "warning"}${acked ? " acked" : ""}`;
    box.dataset.rule = first.rule;
    box.dataset.count = group.length;
    const head = document.createElement("p");
    const title = first.title_th ? `${first.title_th} · ${first.title_en}` : `${first.text_th} · ${first.text_en}`;
    head.className = "title";
    head.textContent = `${title}${group.length > 1 ? ` (${group.length})` : ""}`;
    const list = document.createElement("ul");
    list.replaceChildren(...group.map((a) => {
      const li = document.createElement("li");
      li.dataset.id = a.id;
      li.textContent = `${a.text_th} · ${a.text_en}`;
      return li;
    }));
    box.append(head, list);
    if (acked) {
      const who = document.createElement("p");
      who.className = "who";
      who.textContent = `รับทราบแล้วโดย · acknowledged by ${[...new Set(group.map((a) => a.acknowledged_by))].join(", ")}`;
      box.append(who);
    } else {
      const ids = group.map((a) => a.id);
      box.append(alertButton("ack", "รับทราบ · Acknowledge", "/api/v1/alerts/acknowledge", {ids}),
                 alertButton("snooze", "เลื่อน 15 นาที · Snooze 15 min", "/api/v1/alerts/snooze", {ids, minutes: 15}));
    }
    return box;
  });
  if (snoozed) {
    const p = document.createElement("p");
    p.className = "alert snoozed";
    p.textContent = `เลื่อนไว้ ${snoozed} รายการ · ${snoozed} snoozed`;
    els.push(p);
  }
  document.getElementById("alerts").replaceChildren(...els);
}

function alertButton(kind, text, path, body) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = kind;
  b.textContent = text;
  b.addEventListener("click", async () => {
    b.disabled = true;
    const r = await fetch(path, {method: "POST", credentials: "same-origin",
      headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
    if (!r.ok) {
      b.disabled = false;
      const e = await r.json().catch(() => ({}));
      b.title = e.message || `HTTP ${r.status}`;
    }
  });
  return b;
}

// Today's post-call ratings (1-5): the mean, how many rated, the share of 4-5 and the response rate.
function paintCsat(c) {
  const el = document.getElementById("csat");
  if (!el || !c) return;
  if (!c.csat_responses) {
    el.className = "pill unknown";
    el.textContent = `ความพึงพอใจวันนี้ · CSAT today – (${c.csat_offered} offered)`;
  } else {
    el.className = `pill ${c.csat_avg >= 4 ? "ok" : c.csat_avg >= 3 ? "unknown" : "bad"}`;
    el.textContent = `ความพึงพอใจวันนี้ · CSAT today ${c.csat_avg.toFixed(2)}/5 · ${c.csat_responses} ตอบ rated · 4-5: ${c.csat_top2_pct}% · ตอบ response ${c.csat_response_rate_pct}%`;
  }
  el.dataset.avg = c.csat_avg ?? "";
  el.dataset.responses = c.csat_responses;
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

// Today's chat desk (chat-v1): the share answered within each channel's first-reply SLA,
// chats waiting for an admin; red under 90 %, hidden on a day without chats.
function paintChat(chat) {
  const el = document.getElementById("chat");
  if (!el) return;
  el.hidden = !chat;
  if (!chat) return;
  const t = chat.total;
  const sl = t.chat_sl_pct;
  el.className = `pill ${sl === null ? "unknown" : sl >= 90 ? "ok" : "bad"}`;
  const per = Object.entries(chat.channels).map(([c, f]) => `${c} ${f.chat_offered}`).join(" · ");
  el.textContent = `แชต · chat ${t.chat_offered} (${per}): ทันเวลา in SLA ${sl === null ? "–" : sl + " %"} · รอ waiting ${t.chat_waiting}`;
  el.dataset.offered = t.chat_offered;
  el.dataset.sl = sl ?? "";
  el.dataset.waiting = t.chat_waiting;
}

function apply(message) {
  if (message.type === "snapshot") {
    board = {...message.data};
  } else {
    const d = message.data;
    board.queues = {...board.queues, ...(d.queues || {})};
    for (const key of ["centre", "complete", "alerts", "as_of", "definition", "callbacks", "order", "agents", "pause_reasons", "staffing", "chat", "csat"]) if (key in d) board[key] = d[key];
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
// TV mode (/wallboard?tv=1[&rotate=SECONDS]): for a wall screen: large figures, no controls,
// the centre always and one queue at a time, rotating in the IVR's order.
const params = new URLSearchParams(location.search);
if (params.has("tv")) {
  document.body.classList.add("tv");
  let shown = -1;
  const rotate = () => {
    const cards = [...document.querySelectorAll("#queues section.queue")];
    if (!cards.length) return;
    shown = (shown + 1) % cards.length;
    cards.forEach((c, i) => c.classList.toggle("tv-current", i === shown));
    document.body.dataset.tvQueue = cards[shown].dataset.queue;
  };
  const every = Math.max(2, Number(params.get("rotate")) || 10) * 1000;
  setInterval(rotate, every);
  setTimeout(rotate, 500);
}
setInterval(tick, 1000);
connect();
