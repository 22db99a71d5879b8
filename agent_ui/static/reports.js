// Report packs: the catalogue (newest first), file downloads, and rebuilds for supervisors.
"use strict";
const KIND = {daily: "รายวัน · daily", weekly: "รายสัปดาห์ · weekly", monthly: "รายเดือน · monthly",
              annual: "รายปี · annual"};
// th-TH formats dates in the Buddhist Era.
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Bangkok"});

function cell(label, ...children) {
  const td = el("td", {}, ...children);
  td.dataset.label = label;
  return td;
}

function row(p) {
  const files = p.status === "built"
    ? p.files.map((f) => el("a", {href: `/api/v1/reports/${p.id}/files/${encodeURIComponent(f.name)}`,
                                  textContent: f.name, download: f.name}))
    : [el("span", {textContent: p.status === "late" ? "ล่าช้า · late" : `ไม่สำเร็จ · failed: ${p.error}`})];
  const data = p.complete === null ? "" : p.complete ? "ครบ · complete" : "ไม่ครบ · incomplete";
  const tr = el("tr", {className: p.status},
    cell("Kind", KIND[p.kind] || p.kind),
    cell("Period", `${p.period} (${p.lang})`),
    cell("Revision", p.revision === null ? "–" : String(p.revision)),
    cell("Built", fmtTime(p.built_at)),
    cell("Data", data),
    el("td", {className: "files"}, ...files));
  tr.dataset.kind = p.kind;
  tr.dataset.period = p.period;
  return tr;
}

async function refresh() {
  const kind = $("filters").elements.kind.value;
  $("status").textContent = "กำลังโหลด · loading…";
  try {
    const packs = await api(`/api/v1/reports${kind ? `?kind=${kind}` : ""}`);
    $("packs").tBodies[0].replaceChildren(...packs.map(row));
    $("status").textContent = packs.length ? "" : "ยังไม่มีรายงาน · no packs yet";
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

$("filters").addEventListener("change", refresh);
$("rebuild").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  $("status").textContent = "กำลังสร้าง · building…";
  try {
    const p = await api("/api/v1/reports/rebuild", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({kind: f.kind.value, period: f.period.value.trim(), lang: f.lang.value}),
    });
    await refresh();
    $("status").textContent = `สร้างแล้ว · built: ${p.kind} ${p.period} ฉบับ ${p.revision}`;
  } catch (err) { $("status").textContent = `ผิดพลาด · error: ${err.message}`; }
});
signOutLink();

(async () => {
  const me = await signedIn();
  $("rebuild").hidden = !["supervisor", "admin"].includes(me.role);
  await refresh();
})();
