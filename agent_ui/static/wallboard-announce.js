// Wallboard: the IVR's emergency announcement, switched on or off by a supervisor
// (POST /api/v1/ivr/announcement, audited); the latest switches below.
"use strict";
(() => {
  const box = document.getElementById("announce");
  if (!box) return;
  const $ = (id) => document.getElementById(id);
  const when = (iso) => new Date(iso).toLocaleString("en-GB", {timeZone: "Asia/Bangkok"});

  function paint(state) {
    const current = state.choices.find((c) => c.id === state.prompt);
    $("announce-now").textContent = current ? `${current.th} · ${current.en}` : "ไม่มี · none";
    box.dataset.on = state.prompt ? "yes" : "no";
    const select = $("announce-prompt");
    const chosen = select.value;
    select.replaceChildren(...state.choices.map((c) => Object.assign(document.createElement("option"), {value: c.id, textContent: c.id, title: `${c.th} · ${c.en}`})));
    if (chosen) select.value = chosen;
    $("announce-history").replaceChildren(...state.history.map((h) => Object.assign(document.createElement("li"), {
      textContent: `${when(h.at)} · ${h.username} · ${h.action === "on" ? "เปิด · on" : "ปิด · off"} ${h.prompt_id}${h.reason ? ` — ${h.reason}` : ""}`,
    })));
  }

  async function load() {
    const r = await fetch("/api/v1/ivr/announcement", {credentials: "same-origin"});
    if (r.ok) paint(await r.json());
  }

  async function send(prompt) {
    const r = await fetch("/api/v1/ivr/announcement", {method: "POST", credentials: "same-origin",
      headers: {"content-type": "application/json"}, body: JSON.stringify({prompt, reason: $("announce-reason").value})});
    const data = await r.json().catch(() => ({}));
    if (r.ok) {
      paint(data);
      $("announce-result").textContent = prompt ? "เปิดแล้ว · switched on" : "ปิดแล้ว · switched off";
    } else {
      $("announce-result").textContent = data.message || String(r.status);
    }
  }

  $("announce-on").addEventListener("click", () => send($("announce-prompt").value));
  $("announce-off").addEventListener("click", () => send(null));
  load();
  setInterval(load, 10000);
})();
