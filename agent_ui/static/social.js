// Social listening page: filters, volume chart (inline SVG), ranked mentions, influencers.
// Relabel a mention's sentiment or make it a complaint case from its card.
"use strict";
const SENTIMENTS = ["negative", "neutral", "positive"];
const LABEL = {negative: "ลบ · negative", neutral: "กลาง · neutral", positive: "บวก · positive"};
const CHANNEL = {x: "X", facebook: "Facebook", youtube: "YouTube", news: "ข่าว · news"};
const fmtTime = (iso) => new Date(iso).toLocaleString("th-TH", {dateStyle: "medium", timeStyle: "short"});
let picked = null;  // a bar clicked: {from, to} narrows the mentions to its hour or day

function period() {
  const f = $("filters").elements;
  const days = Number(f.days.value);
  const to = new Date(Math.ceil(Date.now() / 3600e3) * 3600e3);  // the next full hour
  return {from: new Date(to - days * 86400e3), to, bucket: days <= 1 ? "hour" : "day"};
}

function params(extra) {
  const f = $("filters").elements;
  const p = new URLSearchParams();
  for (const name of ["keyword_id", "channel"]) if (f[name].value) p.set(name, f[name].value);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") p.set(k, v);
  return p;
}

async function refresh() {
  const {from, to, bucket} = period();
  $("status").textContent = "กำลังโหลด · loading…";
  try {
    const range = {from: from.toISOString(), to: to.toISOString()};
    const [volume, voices, located] = await Promise.all([
      api(`/api/v1/social/volume?${params({...range, bucket})}`),
      api(`/api/v1/social/influencers?${params({...range, limit: 5})}`),
      api(`/api/v1/social/provinces?${params(range)}`),
    ]);
    $("provinces").replaceChildren(...located.slice(0, 15).map((p) => province(p, located[0].total)));
    await drawMap(located);
    drawChart(volume, from, to, bucket);
    $("influencers").replaceChildren(...voices.map(influencer));
    await loadMentions();
    $("status").textContent = "";
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

async function loadMentions() {
  const f = $("filters").elements;
  const {from, to, province} = picked || period();
  const q = params({from: from.toISOString(), to: to.toISOString(), sentiment: f.sentiment.value,
    sort: f.sort.value, limit: 30, province});
  const page = await api(`/api/v1/social/mentions?${q}`);
  $("total").textContent = `(${page.total}${page.more ? "+" : ""})`;
  $("mentions").replaceChildren(...page.items.map(mention));
}

function drawChart(points, from, to, bucket) {
  const step = bucket === "hour" ? 3600e3 : 86400e3;
  const starts = [];
  // Bars start on Bangkok hours or days, as the API counts them.
  const first = bucket === "hour" ? Math.floor(from / step) * step
    : Math.floor((from.getTime() + 7 * 3600e3) / step) * step - 7 * 3600e3;
  for (let t = first; t < to; t += step) starts.push(t);
  const sums = new Map(starts.map((t) => [t, {negative: 0, neutral: 0, positive: 0}]));
  for (const p of points) {
    const key = new Date(p.start).getTime();
    if (sums.has(key)) sums.get(key)[p.sentiment] += p.count;
  }
  const most = Math.max(1, ...[...sums.values()].map((s) => s.negative + s.neutral + s.positive));
  const W = 320, H = 140, gap = 1, bw = W / starts.length;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 14}`);
  starts.forEach((t, i) => {
    let y = H;
    for (const s of SENTIMENTS) {
      const n = sums.get(t)[s];
      if (!n) continue;
      const h = (n / most) * (H - 4);
      const r = document.createElementNS(svg.namespaceURI, "rect");
      Object.entries({x: i * bw + gap, y: y - h, width: Math.max(1, bw - 2 * gap), height: h}).forEach(
        ([k, v]) => r.setAttribute(k, v));
      r.setAttribute("class", s);
      r.dataset.start = new Date(t).toISOString();
      r.dataset.count = n;
      const title = document.createElementNS(svg.namespaceURI, "title");
      title.textContent = `${fmtTime(t)} · ${LABEL[s]}: ${n}`;
      r.append(title);
      r.addEventListener("click", () => pick(t, step));
      svg.append(r);
      y -= h;
    }
  });
  const axis = document.createElementNS(svg.namespaceURI, "text");
  axis.setAttribute("x", 0); axis.setAttribute("y", H + 12); axis.setAttribute("fill", "#8aa0b4");
  axis.setAttribute("font-size", "10");
  axis.textContent = `${fmtTime(from)} – ${fmtTime(to)} · สูงสุด max ${most}`;
  svg.append(axis);
  $("chart").replaceChildren(svg);
}

async function pick(start, step) {
  picked = {from: new Date(start), to: new Date(start + step)};
  $("picked").hidden = false;
  $("picked").replaceChildren(`เฉพาะ · only ${fmtTime(picked.from)} – ${fmtTime(picked.to)} `,
    el("button", {type: "button", textContent: "ทั้งหมด · all", onclick: () => {
      picked = null; $("picked").hidden = true; loadMentions(); }}));
  await loadMentions();
}

function mention(m) {
  const badge = el("span", {className: `badge ${m.sentiment}`, textContent: LABEL[m.sentiment]});
  const relabel = el("select", {ariaLabel: "relabel"},
    ...SENTIMENTS.map((s) => el("option", {value: s, textContent: LABEL[s], selected: s === m.sentiment})));
  relabel.addEventListener("change", async () => {
    try {
      const done = await api(`/api/v1/social/mentions/${m.id}/sentiment`, {method: "PUT",
        headers: {"content-type": "application/json"}, body: JSON.stringify({sentiment: relabel.value})});
      badge.className = `badge ${done.sentiment}`; badge.textContent = `${LABEL[done.sentiment]} ✎`;
    } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
  });
  const caseSlot = el("span", {className: "case"});
  if (m.case_id) caseSlot.textContent = `เรื่อง · case #${m.case_id}`;
  else caseSlot.append(el("button", {type: "button", className: "open-case",
    textContent: "เปิดเรื่องร้องเรียน · open case", onclick: () => openCase(m, caseSlot)}));
  const card = el("li", {className: "mention"},
    el("div", {className: "head"}, badge, el("b", {textContent: m.author || "–"}),
      el("span", {textContent: CHANNEL[m.channel] || m.channel}), el("span", {textContent: fmtTime(m.published_at)}),
      m.province ? el("span", {textContent: `จังหวัด · ${m.province}`}) : ""),
    el("p", {className: "text", textContent: m.text}),
    el("div", {className: "actions"},
      el("span", {textContent: `ถูกใจ likes ${m.likes} · แชร์ shares ${m.shares} · ตอบ replies ${m.replies}`}),
      el("a", {href: m.url, target: "_blank", rel: "noopener noreferrer", className: "source",
        textContent: "ต้นทาง · source"}), relabel, caseSlot));
  card.dataset.id = m.id;
  return card;
}

async function openCase(m, slot) {
  try {
    const done = await api(`/api/v1/social/mentions/${m.id}/case`, {method: "POST",
      headers: {"content-type": "application/json"}, body: JSON.stringify({service_line: $("service-line").value})});
    slot.textContent = `เปิดเรื่องแล้ว · case ${done.case_number}`;
  } catch (e) { slot.append(el("span", {className: "error", textContent: ` ${e.message}`})); }
}

function province(p, most) {
  const bar = el("span", {className: "pbar"},
    ...SENTIMENTS.filter((s) => p[s]).map((s) => el("i", {className: s, style: `width:${(p[s] / most) * 100}%`})));
  return el("li", {className: "province"}, el("span", {textContent: `${p.province_th} · ${p.province}`}),
    el("b", {textContent: ` ${p.total}`}), bar);
}

// The province map: Natural Earth outlines (shipped, no tiles), shaded by located mentions.
let shapes = null;
async function drawMap(located) {
  shapes = shapes || await api("/api/v1/social/map");
  const counts = new Map(located.map((p) => [p.province, p]));
  const most = Math.max(1, ...located.map((p) => p.total));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", shapes.view_box);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "แผนที่จังหวัด · province map");
  for (const shape of shapes.provinces) {
    const p = counts.get(shape.province);
    const path = document.createElementNS(svg.namespaceURI, "path");
    path.setAttribute("d", shape.d);
    path.dataset.province = shape.province;
    path.dataset.count = p ? p.total : 0;
    // more mentions, deeper red; none: the land colour
    path.setAttribute("class", p ? "located" : "empty");
    if (p) path.style.fillOpacity = (0.25 + 0.75 * (p.total / most)).toFixed(2);
    const title = document.createElementNS(svg.namespaceURI, "title");
    title.textContent = `${shape.province_th} · ${shape.province}: ${p ? p.total : 0}`;
    path.append(title);
    if (p) path.addEventListener("click", () => pickProvince(shape));
    svg.append(path);
  }
  $("map").replaceChildren(svg);
}

async function pickProvince(shape) {
  picked = {...period(), province: shape.province};
  $("picked").hidden = false;
  $("picked").replaceChildren(`เฉพาะจังหวัด · only ${shape.province_th} · ${shape.province} `,
    el("button", {type: "button", textContent: "ทั้งหมด · all", onclick: () => {
      picked = null; $("picked").hidden = true; loadMentions(); }}));
  await loadMentions();
}

function influencer(v) {
  return el("li", {},
    el("b", {textContent: v.author}), ` · ${CHANNEL[v.channel] || v.channel} · `,
    el("span", {textContent: `ผู้ติดตาม reach ${v.reach.toLocaleString()} × การมีส่วนร่วม engagement ${v.engagement.toLocaleString()}`}),
    el("div", {className: "dim"}, ...v.top_mentions.map((m) =>
      el("a", {href: m.url, target: "_blank", rel: "noopener noreferrer", textContent: `${m.text.slice(0, 60)}… `}))));
}

async function start() {
  const [keywords, taxonomy] = await Promise.all([
    api("/api/v1/social/keywords"), api("/api/v1/cases/taxonomy?active_only=true").catch(() => null)]);
  $("filters").elements.keyword_id.append(...keywords.filter((k) => k.active).map(
    (k) => el("option", {value: k.id, textContent: k.keyword})));
  const lines = taxonomy ? taxonomy.service_lines : [];
  $("service-line").append(...lines.map((l) => el("option", {value: l.code, textContent: `${l.label_th} · ${l.label_en}`})));
  await refresh();
}

$("filters").addEventListener("change", (e) => {
  if (e.target.id === "service-line") return;
  picked = null; $("picked").hidden = true;
  (e.target.name === "sentiment" || e.target.name === "sort" ? loadMentions() : refresh());
});
signOutLink();
start();
