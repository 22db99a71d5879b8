// An agent's own QA evaluations: read each (form version, items, notes) and acknowledge it or
// dispute it with a reason (one answer each; the server audits it and keeps it append-only).
"use strict";
const TZ = "Asia/Bangkok";
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "short", timeStyle: "short", timeZone: TZ});

function rating(c, v) {
  if (v === null || v === undefined) return "ไม่เกี่ยวข้อง · N/A";
  if (c.scale === "yes_no") return v ? "ใช่ · yes" : "ไม่ · no";
  if (c.scale === "1-5") return `${v} / 5`;
  return `${v} / 100`;
}

function card(e) {
  const box = el("article", {className: "panel evaluation"});
  box.dataset.id = e.id;
  box.append(el("h2", {textContent: `${e.score} / 100` + (e.critical_fail ? " ⚠ ไม่ผ่านข้อวิกฤต · critical fail" : "")}));
  box.append(el("p", {className: "dim", textContent:
    `${e.queue_label_th} · ${e.queue_label_en} — ${fmtTime(e.started_at)} (${fmtLen(e.duration_s)}) — ` +
    `${e.form_name} v${e.form_version} — ผู้ประเมิน · auditor ${e.evaluator}, ${fmtTime(e.submitted_at)}`}));
  const items = el("table", {className: "items"});
  let section = null;
  for (const c of e.form.criteria) {
    const title = [c.section_th, c.section_en].filter(Boolean).join(" · ");
    if (title && title !== section) {
      section = title;
      items.append(el("tr", {}, el("th", {colSpan: 2, textContent: title})));
    }
    const note = e.item_comments[c.key];
    const tr = el("tr", {className: c.critical && e.ratings[c.key] === 0 ? "failed" : ""},
      el("td", {textContent: `${c.label_th} · ${c.label_en}${c.critical ? " ⚠" : ""}`}),
      el("td", {textContent: rating(c, e.ratings[c.key]) + (note ? ` — ${note}` : "")}));
    items.append(tr);
  }
  box.append(items);
  if (e.comments) box.append(el("p", {textContent: `ความคิดเห็น · Comments: ${e.comments}`}));
  box.append(answer(e));
  return box;
}

function answer(e) {
  const part = el("div", {className: "answer"});
  if (e.response) {
    const text = e.response.action === "acknowledge" ? "คุณรับทราบแล้ว · you acknowledged" : "คุณโต้แย้งแล้ว · you disputed";
    part.append(el("p", {className: `response ${e.response.action}`,
      textContent: `${text} ${fmtTime(e.response.at)}${e.response.reason ? `: ${e.response.reason}` : ""}`}));
    return part;
  }
  const ack = el("button", {type: "button", className: "ack", textContent: "รับทราบ · Acknowledge"});
  const dispute = el("button", {type: "button", className: "dispute", textContent: "โต้แย้ง · Dispute"});
  const reason = el("textarea", {name: "reason", rows: 2, maxLength: 2000,
    placeholder: "เหตุผลที่โต้แย้ง (จำเป็น) · why you dispute it (required)"});
  const form = el("div", {className: "dispute-form", hidden: true}, reason,
    el("button", {type: "button", className: "send", textContent: "ส่งคำโต้แย้ง · Send dispute"}));
  const result = el("p", {role: "status", className: "result"});
  const send = async (action) => {
    if (action === "dispute" && !reason.value.trim()) { result.textContent = "ต้องระบุเหตุผล · a reason is needed"; return; }
    try {
      const done = await api(`/api/v1/qa/evaluations/${e.id}/response`, {method: "POST",
        headers: {"content-type": "application/json"}, body: JSON.stringify({action, reason: reason.value})});
      part.replaceWith(answer({...e, response: done.response}));
    } catch (err) { result.textContent = `ผิดพลาด · error: ${err.message}`; }
  };
  ack.addEventListener("click", () => send("acknowledge"));
  dispute.addEventListener("click", () => { form.hidden = false; reason.focus(); });
  form.querySelector(".send").addEventListener("click", () => send("dispute"));
  part.append(el("div", {className: "buttons"}, ack, dispute), form, result);
  return part;
}

async function load() {
  try {
    const list = await api("/api/v1/qa/my-evaluations");
    $("status").textContent = list.length
      ? `${list.length} ผลประเมิน · evaluations, ${list.filter((e) => !e.response).length} รอคุณตอบ · awaiting your answer`
      : "ยังไม่มีผลประเมินสายของคุณ · no evaluations of your calls yet";
    $("mine").replaceChildren(...list.map(card));
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

signOutLink();
load();
