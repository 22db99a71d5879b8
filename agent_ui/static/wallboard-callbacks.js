// Wallboard callbacks panel (GET /api/v1/callbacks): open tasks with the time left to their
// 30-minute deadline (overdue in red), cancel or assign to one agent with a reason (POST
// …/cancel, …/assign, recorded with the supervisor's name), and the recent outcomes with each task's timestamped steps.
// Numbers are masked here: the board hangs on a wall.
"use strict";
(() => {
  const open = document.querySelector("#cb-open tbody");
  const history = document.getElementById("cb-history");
  if (!open) return;
  const OPEN = new Set(["pending", "dialing", "retry_wait"]);
  const STATE = {pending: "รอโทร · pending", dialing: "กำลังโทร · dialing", retry_wait: "รอโทรซ้ำ · retry",
    reached: "โทรถึง · reached", failed: "ไม่สำเร็จ · failed", cancelled: "ยกเลิก · cancelled", not_callable: "โทรไม่ได้ · not callable"};
  const mask = (n) => (n && n.length > 4 ? "*".repeat(n.length - 4) + n.slice(-4) : "****");
  const hhmmss = (iso) => new Date(iso).toLocaleTimeString("en-GB", {timeZone: "Asia/Bangkok"});
  const left = (s) => `${s < 0 ? "−" : ""}${Math.floor(Math.abs(s) / 60)}:${String(Math.floor(Math.abs(s) % 60)).padStart(2, "0")}`;
  let rows = [];

  function queueName(q) {
    const card = document.querySelector(`#queues section.queue[data-queue="${q}"] .en`);
    return card ? card.textContent : q;
  }

  function paintOpen() {
    const now = Date.now() / 1000;
    const tasks = rows.filter((t) => OPEN.has(t.state)).sort((a, b) => a.deadline_at.localeCompare(b.deadline_at));
    const keep = new Map([...open.querySelectorAll("tr[data-task]")].map((tr) => [tr.dataset.task, tr]));
    const wanted = tasks.map((t) => {
      let tr = keep.get(String(t.id));
      if (!tr) {
        tr = document.createElement("tr");
        tr.dataset.task = t.id;
        for (let i = 0; i < 5; i++) tr.insertCell();
        const td = tr.insertCell();
        const reason = document.createElement("input");
        reason.className = "cb-reason"; reason.maxLength = 500;
        reason.placeholder = "เหตุผล · reason";
        reason.setAttribute("aria-label", "เหตุผลที่ยกเลิก · reason to cancel");
        const b = document.createElement("button");
        b.type = "button"; b.className = "cb-cancel"; b.textContent = "ยกเลิก · Cancel";
        b.addEventListener("click", async () => {
          const why = reason.value.trim();
          const result = document.getElementById("cb-result");
          if (!why) { result.textContent = "โปรดระบุเหตุผล · give a reason"; reason.focus(); return; }
          b.disabled = true;
          const r = await fetch(`/api/v1/callbacks/${t.id}/cancel`, {method: "POST", credentials: "same-origin",
            headers: {"content-type": "application/json"}, body: JSON.stringify({reason: why})});
          const data = await r.json().catch(() => ({}));
          result.textContent = r.ok ? `ยกเลิกแล้ว · cancelled #${t.id}` : `${data.message || r.status}`;
          b.disabled = false;
          load();
        });
        // Give it to one logged-in agent (the dialer rings only them for it), with the reason.
        const who = document.createElement("select");
        who.className = "cb-agent";
        who.setAttribute("aria-label", "มอบหมายให้ · assign to");
        who.addEventListener("focus", () => fillAgents(who));
        fillAgents(who);
        const give = document.createElement("button");
        give.type = "button"; give.className = "cb-assign"; give.textContent = "มอบหมาย · Assign";
        give.addEventListener("click", async () => {
          const why = reason.value.trim();
          const result = document.getElementById("cb-result");
          if (!why) { result.textContent = "โปรดระบุเหตุผล · give a reason"; reason.focus(); return; }
          give.disabled = true;
          const r = await fetch(`/api/v1/callbacks/${t.id}/assign`, {method: "POST", credentials: "same-origin",
            headers: {"content-type": "application/json"}, body: JSON.stringify({agent: who.value || null, reason: why})});
          const data = await r.json().catch(() => ({}));
          result.textContent = r.ok ? `มอบหมายแล้ว · assigned #${t.id} → ${data.assigned_to || "any agent"}` : `${data.message || r.status}`;
          give.disabled = false;
          load();
        });
        td.append(reason, b, who, give);
      }
      tr.dataset.assigned = t.assigned_to || "";
      const deadline = Date.parse(t.deadline_at) / 1000, rest = deadline - now;
      tr.dataset.deadline = deadline;
      tr.classList.toggle("overdue", rest < 0);
      const c = tr.cells;
      c[0].textContent = `#${t.id} ${mask(t.number)}`;
      c[1].textContent = queueName(t.queue);
      c[2].textContent = (STATE[t.state] || t.state) + (t.assigned_to ? ` → ${t.assigned_to}` : "");
      c[3].textContent = `${t.attempts}`;
      c[4].className = "cb-left";
      return tr;
    });
    if (!wanted.length) {
      const tr = document.createElement("tr");
      const td = tr.insertCell(); td.colSpan = 6;
      td.textContent = "ไม่มีงานโทรกลับค้าง · No callback is due";
      wanted.push(tr);
    }
    if (wanted.some((tr, i) => open.children[i] !== tr) || open.children.length !== wanted.length) open.replaceChildren(...wanted);
    tick();
  }

  // The logged-in agents of the wallboard's grid (wallboard.js keeps `board`); "" = any.
  function fillAgents(select) {
    const agents = (typeof board !== "undefined" && board.agents) || [];
    const keep = select.value;
    select.replaceChildren(new Option("ใครก็ได้ในคิว · any agent", ""),
      ...agents.map((a) => new Option(a.name && a.name !== a.agent ? `${a.name} (${a.agent})` : a.agent, a.agent)));
    select.value = keep;
  }

  function tick() {
    const now = Date.now() / 1000;
    for (const tr of open.querySelectorAll("tr[data-deadline]")) {
      const rest = parseFloat(tr.dataset.deadline) - now;
      tr.cells[4].textContent = rest >= 0 ? `เหลือ · left ${left(rest)}` : `เกินกำหนด · overdue ${left(-rest)}`;
      tr.classList.toggle("overdue", rest < 0);
    }
  }

  function paintHistory() {
    const done = rows.filter((t) => !OPEN.has(t.state)).slice(0, 20);
    history.replaceChildren(...done.map((t) => {
      const d = document.createElement("details");
      d.dataset.task = t.id; d.dataset.state = t.state;
      const s = document.createElement("summary");
      const why = t.cancel_reason ? ` · ${t.cancel_reason}` : "";
      s.textContent = `#${t.id} ${mask(t.number)} · ${queueName(t.queue)} · ${STATE[t.state] || t.state}${t.outcome ? ` (${t.outcome})` : ""}${why} · ${hhmmss(t.closed_at || t.dropped_at)}`;
      const ol = document.createElement("ol");
      ol.replaceChildren(...t.events.map((e) => {
        const li = document.createElement("li");
        li.textContent = `${hhmmss(e.at)} ${e.kind}${e.state ? ` → ${e.state}` : ""}${e.detail ? ` · ${e.detail}` : ""}`;
        return li;
      }));
      d.append(s, ol);
      return d;
    }));
  }

  async function load() {
    const r = await fetch("/api/v1/callbacks?limit=100", {credentials: "same-origin"});
    if (!r.ok) return;
    rows = (await r.json()).callbacks;
    paintOpen();
    paintHistory();
  }
  load();
  setInterval(load, 5000);
  setInterval(tick, 1000);
})();
