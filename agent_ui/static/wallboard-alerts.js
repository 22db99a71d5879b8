// Wallboard alert settings and history: each queue's own thresholds (PUT
// /api/v1/alerts/thresholds, audited), and the incidents since the service started
// (GET /api/v1/alerts/history) with who acknowledged them.
"use strict";
(() => {
  const table = document.getElementById("thresholds");
  const list = document.getElementById("alert-history");
  const result = document.getElementById("threshold-result");
  if (!table) return;
  const when = (t) => new Date(t * 1000).toLocaleTimeString("en-GB", {timeZone: "Asia/Bangkok"});

  async function loadThresholds() {
    const r = await fetch("/api/v1/alerts/thresholds", {credentials: "same-origin"});
    if (!r.ok) return;
    const rows = (await r.json()).thresholds;
    const rules = [...new Map(rows.map((x) => [x.rule, x])).values()];
    const scopes = [...new Map(rows.map((x) => [x.scope, x])).values()];
    const head = document.createElement("tr");
    head.append(Object.assign(document.createElement("th"), {textContent: "คิว · Queue"}));
    for (const rule of rules) head.append(Object.assign(document.createElement("th"), {textContent: `${rule.rule_th} · ${rule.rule_en}${rule.unit ? ` (${rule.unit})` : ""}`}));
    const body = scopes.map((scope) => {
      const tr = document.createElement("tr");
      tr.dataset.scope = scope.scope;
      tr.append(Object.assign(document.createElement("td"), {textContent: `${scope.label_th} · ${scope.label_en}`}));
      for (const rule of rules) {
        const td = document.createElement("td");
        const cell = rows.find((x) => x.rule === rule.rule && x.scope === scope.scope);
        if (cell) {
          const input = document.createElement("input");
          Object.assign(input, {type: "number", min: cell.min, max: cell.max, step: "any", value: cell.threshold, className: `t-${cell.rule}`});
          input.setAttribute("aria-label", `${cell.rule_en} ${scope.label_en}`);
          input.classList.toggle("changed", cell.changed);
          input.title = `ค่าตั้งต้น · configured ${cell.configured}`;
          input.addEventListener("change", async () => {
            const value = input.value === "" ? null : Number(input.value);
            if (value === cell.threshold || (value === null && !cell.changed)) return; // nothing new
            const put = await fetch("/api/v1/alerts/thresholds", {method: "PUT", credentials: "same-origin",
              headers: {"content-type": "application/json"}, body: JSON.stringify({rule: cell.rule, scope: cell.scope, threshold: value})});
            const data = await put.json().catch(() => ({}));
            result.textContent = put.ok ? `บันทึกแล้ว · saved ${cell.rule_en}, ${scope.label_en}: ${data.text_en}` : `${data.message || put.status}`;
            loadThresholds();
          });
          td.append(input);
        }
        tr.append(td);
      }
      return tr;
    });
    table.replaceChildren(head, ...body);
  }

  async function loadHistory() {
    const r = await fetch("/api/v1/alerts/history", {credentials: "same-origin"});
    if (!r.ok) return;
    const items = (await r.json()).incidents.slice(0, 30);
    list.replaceChildren(...items.map((i) => {
      const li = document.createElement("li");
      li.dataset.id = i.id;
      li.className = i.ended ? "ended" : `firing ${i.severity}`;
      const span = i.ended ? `${when(i.since)}–${when(i.ended)}` : `${when(i.since)}– ยังเกิดอยู่ · firing`;
      const ack = i.acknowledged_by ? ` · รับทราบโดย · acknowledged by ${i.acknowledged_by}` : "";
      li.textContent = `${span} · ${i.text_th} · ${i.text_en}${ack}`;
      return li;
    }));
  }
  loadThresholds();
  loadHistory();
  setInterval(loadHistory, 5000);
})();
