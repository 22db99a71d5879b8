// All cases for supervisors (GET /api/v1/cases, which masks personal data by role): search by
// text, number, phone, service line, status, dates and follow-ups due; paged with the total;
// a row opens the case (GET /api/v1/cases/{id}). Times in the centre's zone, Asia/Bangkok.
"use strict";
(() => {
  const form = $("search"), body = document.querySelector("#results tbody");
  const PAGE = 50;
  const STATUS = {new: "ใหม่ · new", in_progress: "กำลังดำเนินการ · in progress", referred: "ส่งต่อ · referred",
    waiting_for_caller: "รอผู้ร้อง · waiting for caller", resolved: "แก้ไขแล้ว · resolved", closed: "ปิด · closed"};
  const CHANNEL = {phone: "โทรศัพท์ · phone", walk_in: "มาด้วยตนเอง · walk-in", email: "อีเมล · e-mail",
    line: "LINE", facebook: "Facebook", web: "เว็บ · web"};
  const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", {timeZone: "Asia/Bangkok", dateStyle: "short", timeStyle: "short"}) : "–");
  const label = (l) => (l ? `${l.label_th} · ${l.label_en}` : "–");
  let offset = 0, total = 0;

  for (const [code, text] of Object.entries(STATUS)) form.status.append(new Option(text, code));

  async function api(url) {
    const r = await fetch(url, {credentials: "same-origin"});
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.message || `${r.status}`);
    return data;
  }

  function query() {
    const p = new URLSearchParams({limit: PAGE, offset});
    for (const name of ["q", "number", "phone", "service_line", "status"]) {
      const v = form[name].value.trim();
      if (v) p.set(name, v);
    }
    // A date alone is that day in the centre's time zone.
    if (form.from.value) p.set("from", `${form.from.value}T00:00:00+07:00`);
    if (form.to.value) p.set("to", `${form.to.value}T23:59:59+07:00`);
    if (form.follow_up_due.checked) p.set("follow_up_due", "true");
    return p;
  }

  async function search() {
    $("found").textContent = "กำลังค้นหา · searching…";
    let data;
    try { data = await api(`/api/v1/cases?${query()}`); } catch (e) { $("found").textContent = e.message; return; }
    total = data.total;
    const now = Date.now();
    body.replaceChildren(...data.items.map((c) => {
      const tr = document.createElement("tr");
      tr.dataset.id = c.id;
      const due = c.follow_up_at && Date.parse(c.follow_up_at) <= now && !["resolved", "closed"].includes(c.status);
      tr.classList.toggle("due", Boolean(due));
      for (const text of [c.number, when(c.created_at), `${label(c.service_line)}${c.category ? ` / ${label(c.category)}` : ""}`,
        CHANNEL[c.channel] || c.channel, STATUS[c.status] || c.status, `${c.caller_name || ""} ${c.caller_phone || ""}`.trim() || "–",
        c.follow_up_at ? when(c.follow_up_at) : "–"]) tr.insertCell().textContent = text;
      tr.addEventListener("click", () => open(c.id));
      return tr;
    }));
    const last = Math.min(offset + data.items.length, total);
    $("found").textContent = `พบ ${total} เรื่อง · ${total} found`;
    $("page").textContent = total ? `${offset + 1}–${last} จาก · of ${total}` : "";
    $("prev").disabled = offset === 0;
    $("next").disabled = last >= total;
  }

  async function open(id) {
    const box = $("detail");
    let c;
    try { c = await api(`/api/v1/cases/${id}`); } catch (e) { box.hidden = false; box.textContent = e.message; return; }
    const rows = [
      ["เลขเรื่อง · Case", c.number], ["สถานะ · Status", STATUS[c.status] || c.status],
      ["สายงาน · Line", label(c.service_line)], ["หมวด · Category", label(c.category)],
      ["ผู้ร้อง · Caller", `${c.caller_name} ${c.caller_phone}`.trim() || "–"],
      ["รายละเอียด · Details", c.description || "–"], ["ผลการดำเนินการ · Resolution", c.resolution || "–"],
      ["ส่งต่อ · Referrals", c.referrals.map((r) => `${r.agency}${r.returned ? " (ส่งกลับแล้ว · returned)" : ""}`).join(", ") || "–"],
      ["สาย · Calls", String(c.calls.length)], ["ติดตาม · Follow-up", when(c.follow_up_at)],
    ];
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      dl.append(dt, dd);
    }
    const h = document.createElement("h2");
    h.textContent = `${c.number}${c.personal_data_masked ? " · ข้อมูลส่วนบุคคลถูกปิดบัง · personal data masked" : ""}`;
    box.replaceChildren(h, dl);
    box.hidden = false;
    box.scrollIntoView({block: "nearest"});
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; search(); });
  $("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); search(); });
  $("next").addEventListener("click", () => { offset += PAGE; search(); });
  signOutLink();
  api("/api/v1/cases/taxonomy?active_only=true").then((t) => {
    for (const s of t.service_lines) form.service_line.append(new Option(`${s.label_th} · ${s.label_en}`, s.code));
  }).catch(() => {});
  search();
})();
