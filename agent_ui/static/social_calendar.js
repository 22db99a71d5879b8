// Content calendar: a month's posts and videos, targets, drafting, files, approval, results.
"use strict";
const STATUS = {
  draft: "ร่าง · draft", approved: "อนุมัติแล้ว · approved", scheduled: "ตั้งเวลาแล้ว · scheduled",
  published: "เผยแพร่แล้ว · published", failed: "ล้มเหลว · failed",
};
const KIND = {post: "โพสต์ · post", video: "วิดีโอ · video"};
const EDITABLE = ["draft", "approved", "failed"];
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "medium", timeStyle: "short"});
let month = new Date().toLocaleDateString("sv-SE", {timeZone: "Asia/Bangkok"}).slice(0, 7);

function shift(by) {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  load();
}

function target(node, label, t) {
  const goal = t.most ? `${t.least}–${t.most}` : `${t.least}`;
  const scale = Math.max(t.most || t.least, t.planned, 1);
  const bar = el("div", {className: "tbar", role: "img",
    ariaLabel: `${t.published} published, ${t.planned} planned, target ${goal}`});
  bar.append(
    el("i", {className: "done", style: `width:${(100 * t.published) / scale}%`}),
    el("i", {className: "planned", style: `width:${(100 * Math.max(0, t.planned - t.published)) / scale}%`}),
  );
  const mark = el("b", {className: "goal", style: `left:${(100 * t.least) / scale}%`});
  bar.append(mark);
  node.replaceChildren(
    el("div", {className: "tlabel"}, `${label} `,
      el("b", {className: "count"}, `${t.published}/${goal}`),
      el("span", {className: t.met ? "met" : "dim"}, t.met ? " ✓ ครบ · met" : ` · วางแผน ${t.planned} planned`)),
    bar,
  );
}

function card(item) {
  const li = el("li", {className: `item ${item.status}`});
  li.dataset.id = item.id;
  const head = el("div", {className: "head"},
    el("span", {className: `badge status ${item.status}`}, STATUS[item.status] || item.status),
    el("span", {}, KIND[item.kind]), el("time", {dateTime: item.planned_at}, fmtTime(item.planned_at)),
    el("span", {className: "dim"}, item.channels.map((c) => (c === "line" ? "LINE" : "Facebook")).join(" + ")));
  li.append(head, el("h3", {}, item.title), el("p", {className: "text"}, item.body));
  if (item.asset_name) {
    li.append(el("p", {className: "dim"}, "ไฟล์ · file: ",
      el("a", {href: `/api/v1/social/calendar/${item.id}/asset`, target: "_blank", rel: "noopener"}, item.asset_name)));
  }
  if (item.reach !== null) {
    li.append(el("p", {className: "results"},
      `เข้าถึง · reach ${item.reach.toLocaleString()} · รีแอ็กชัน · reactions ${item.reactions} · แชร์ · shares ${item.shares}`));
  }
  if (item.error) li.append(el("p", {className: "error"}, item.error));
  const actions = el("div", {className: "actions"});
  if (item.status === "draft") actions.append(button("approve", "อนุมัติ · Approve", () => act(item, "approve")));
  if (["approved", "failed"].includes(item.status)) {
    actions.append(button("send-back", "ส่งกลับแก้ไข · Send back", () => act(item, "send-back", {note: ""})));
  }
  if (EDITABLE.includes(item.status)) {
    const file = el("input", {type: "file", accept: "image/png,image/jpeg,image/gif,video/mp4", className: "asset"});
    file.setAttribute("aria-label", "attach a file");
    file.addEventListener("change", () => attach(item, file.files[0]));
    actions.append(el("label", {className: "attach"}, "แนบไฟล์ · Attach ", file));
    actions.append(button("delete", "ลบ · Delete", () => remove(item)));
  }
  const note = el("p", {className: "note", role: "status"});
  li.append(actions, note);
  return li;
}

function button(cls, text, onClick) {
  const b = el("button", {type: "button", className: cls}, text);
  b.addEventListener("click", onClick);
  return b;
}

function noteOf(item) { return document.querySelector(`li.item[data-id="${item.id}"] .note`); }

async function act(item, what, body) {
  try {
    await api(`/api/v1/social/calendar/${item.id}/${what}`, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {}),
    });
    await load();
  } catch (e) { noteOf(item).textContent = e.message; }
}

async function attach(item, file) {
  if (!file) return;
  try {
    await api(`/api/v1/social/calendar/${item.id}/asset?filename=${encodeURIComponent(file.name)}`, {
      method: "PUT", headers: {"Content-Type": file.type || "application/octet-stream"}, body: file,
    });
    await load();
  } catch (e) { noteOf(item).textContent = e.message; }
}

async function remove(item) {
  try { await api(`/api/v1/social/calendar/${item.id}`, {method: "DELETE"}); await load(); }
  catch (e) { noteOf(item).textContent = e.message; }
}

async function load() {
  const [y, m] = month.split("-").map(Number);
  $("month-name").textContent = new Date(y, m - 1, 1).toLocaleDateString("th-TH", {year: "numeric", month: "long"})
    + ` · ${month}`;
  $("status").textContent = "กำลังโหลด · loading…";
  try {
    const data = await api(`/api/v1/social/calendar?month=${month}`);
    target($("target-posts"), "โพสต์ · posts", data.posts);
    target($("target-videos"), "วิดีโอ · videos", data.videos);
    $("items").replaceChildren(...data.items.map(card));
    $("status").textContent = data.items.length ? "" : "ยังไม่มีรายการเดือนนี้ · nothing planned this month";
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

$("new-item").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target.elements;
  const channels = ["facebook", "line"].filter((c) => f[c].checked);
  try {
    const planned = new Date(f.planned_at.value);
    await api("/api/v1/social/calendar", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({kind: f.kind.value, title: f.title.value, body: f.body.value,
                            channels, planned_at: planned.toISOString()}),
    });
    event.target.reset();
    month = planned.toLocaleDateString("sv-SE", {timeZone: "Asia/Bangkok"}).slice(0, 7);
    await load();
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
});
$("prev").addEventListener("click", () => shift(-1));
$("next").addEventListener("click", () => shift(1));
load();

// The weekly digest: the newest one, edited in place, then sent.
let digest = null;

async function loadDigest() {
  try {
    const list = await api("/api/v1/social/digests");
    showDigest(list[0] || null);
  } catch (e) { $("digest-state").textContent = `ผิดพลาด · error: ${e.message}`; }
}

function showDigest(d) {
  digest = d;
  const form = $("digest-form");
  if (!d) { form.hidden = true; $("digest-state").textContent = "ยังไม่มีสรุป · no digest yet"; return; }
  form.hidden = false;
  for (const name of ["subject", "body", "line_text"]) form.elements[name].value = d[name];
  const sent = d.status === "sent";
  for (const field of form.elements) field.disabled = sent;
  const state = sent ? `ส่งแล้ว · sent ${fmtTime(d.sent_at)}` : "ร่าง แก้ไขได้ · draft, editable";
  $("digest-state").textContent = `สัปดาห์ · week of ${d.week_start}: ${state}${d.error ? ` — ${d.error}` : ""}`;
}

async function saveDigest() {
  const f = $("digest-form").elements;
  const body = {subject: f.subject.value, body: f.body.value, line_text: f.line_text.value};
  showDigest(await api(`/api/v1/social/digests/${digest.id}`, {
    method: "PATCH", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  }));
}

$("digest-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try { await saveDigest(); } catch (e) { $("digest-state").textContent = `ผิดพลาด · error: ${e.message}`; }
});
document.querySelector("#digest-form .send").addEventListener("click", async () => {
  try {
    await saveDigest();
    showDigest(await api(`/api/v1/social/digests/${digest.id}/send`, {method: "POST"}));
  } catch (e) { $("digest-state").textContent = `ผิดพลาด · error: ${e.message}`; }
});
$("digest-build").addEventListener("click", async () => {
  try { showDigest(await api("/api/v1/social/digests", {method: "POST"})); }
  catch (e) { $("digest-state").textContent = `ผิดพลาด · error: ${e.message}`; }
});
loadDigest();
signOutLink();
