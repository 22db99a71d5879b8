// Wallboard live help: listen to, whisper to or barge into an agent's call (POST /api/v1/supervise).
"use strict";
(() => {
  const MODES = [["listen", "ฟัง · Listen"], ["whisper", "กระซิบ · Whisper"], ["barge", "ร่วมสาย · Barge"]];
  const STATES = { on_call: "กำลังสนทนา · on call", ringing: "สายเรียกเข้า · ringing", wrap_up: "สรุปงาน · wrap-up",
    available: "ว่าง · available", paused: "พัก · paused", logged_out: "ออกจากคิว · logged out" };
  const body = document.querySelector("#spy-agents tbody");
  const result = document.getElementById("spy-result");

  async function spy(agentId, mode) {
    const phone = document.getElementById("spy-phone").value.trim();
    const r = await fetch("/api/v1/supervise", { method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: agentId, mode, phone: phone || null }) });
    const data = await r.json().catch(() => ({}));
    result.textContent = r.ok
      ? `กำลังโทรเข้าโทรศัพท์ ${data.phone} · Ringing your phone ${data.phone} (${data.mode} ${agentId})`
      : `${data.message || r.statusText} (${data.error_id || r.status})`;
  }

  async function refresh() {
    const r = await fetch("/api/v1/supervise/agents", { credentials: "same-origin" });
    if (!r.ok) return;
    body.innerHTML = "";
    const agents = await r.json();
    if (!agents.length) {
      const td = body.insertRow().insertCell();
      td.textContent = "ยังไม่มีเจ้าหน้าที่เข้าคิวจากโต๊ะเจ้าหน้าที่ · No desk agents in queues yet";
    }
    for (const a of agents) {
      const tr = document.createElement("tr");
      tr.dataset.agent = a.agent_id; tr.dataset.state = a.state;
      const name = document.createElement("td"); name.textContent = a.agent_id;
      const state = document.createElement("td"); state.textContent = (STATES[a.state] || a.state) + (a.reason ? ` (${a.reason})` : "");
      tr.append(name, state);
      for (const [mode, label] of MODES) {
        const td = document.createElement("td"), b = document.createElement("button");
        b.textContent = label; b.className = `spy-${mode}`; b.disabled = a.state !== "on_call";
        b.onclick = () => spy(a.agent_id, mode);
        td.appendChild(b); tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }
  refresh();
  setInterval(refresh, 3000);
})();
