// Dashboard over any period: the same figures as the packs (GET /api/v1/reports/figures,
// which is the KPI API's detail), tiles, an SVG chart, per-queue and per-agent tables.
"use strict";
const TILES = [
  ["offered", "สายเข้า", "offered"], ["answered", "รับสาย", "answered"],
  ["abandoned", "วางสาย", "abandoned"], ["sl_pct", "SL %", "≥ 90", (v) => v >= 90],
  ["answer_rate_pct", "รับสาย %", "> 98", (v) => v > 98],
  ["abandon_rate_pct", "วางสาย %", "≤ 3", (v) => v <= 3], ["asa_s", "ASA s", "ASA"],
  ["aht_s", "AHT s", "≤ 900", (v) => v <= 900], ["max_wait_s", "รอนานสุด s", "max wait"],
];
const COLUMNS = ["offered", "answered", "abandoned", "short_abandoned", "timeout", "no_agents",
                 "sl_pct", "asa_s", "aht_s", "max_wait_s"];
const fmt = (v) => v === null || v === undefined ? "–" : typeof v === "number" ? v.toLocaleString("en-US", {maximumFractionDigits: 2}) : String(v);

function bangkokDate(d) {  // YYYY-MM-DD of `d` in Asia/Bangkok
  return new Date(d.getTime() + 7 * 3600e3).toISOString().slice(0, 10);
}

function table(node, header, rows) {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, ...header.map((h) => el("th", {textContent: h})))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((v) => el("td", {textContent: fmt(v)}))))));
}

function chart(rows) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const w = 1000, h = 220, n = Math.max(rows.length, 1), top = Math.max(1, ...rows.map((r) => r.offered));
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const bw = w / n;
  const points = [];
  rows.forEach((r, i) => {
    for (const [key, scale] of [["offered", 0.9], ["answered", 0.5]]) {
      const rect = document.createElementNS(ns, "rect");
      const bh = (r[key] / top) * (h - 20);
      rect.setAttribute("x", i * bw + bw * (key === "offered" ? 0.05 : 0.3));
      rect.setAttribute("width", bw * scale * 0.5);
      rect.setAttribute("y", h - bh);
      rect.setAttribute("height", bh);
      rect.setAttribute("class", key);
      rect.dataset.start = r.start;
      rect.dataset.count = r[key];
      const title = document.createElementNS(ns, "title");
      title.textContent = `${r.start}: ${key} ${r[key]}, SL ${fmt(r.sl_pct)}%`;
      rect.append(title);
      svg.append(rect);
    }
    if (r.sl_pct !== null) points.push(`${i * bw + bw / 2},${h - (r.sl_pct / 100) * (h - 20)}`);
  });
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  $("chart").replaceChildren(svg);
}

async function show() {
  const f = $("filters").elements;
  const from = `${f.from.value}T00:00:00+07:00`;
  const end = new Date(`${f.to.value}T00:00:00+07:00`);
  const to = `${bangkokDate(new Date(end.getTime() + 86400e3))}T00:00:00+07:00`;
  const p = new URLSearchParams({from, to});
  if (f.queue.value) p.set("queue", f.queue.value);
  $("status").textContent = "กำลังโหลด · loading…";
  try {
    const b = await api(`/api/v1/reports/figures?${p}`);
    $("tiles").replaceChildren(...TILES.map(([key, th, en, ok]) => {
      const v = b[key];
      const cls = ok && v !== null ? (ok(v) ? "met" : "miss") : "";
      const t = el("div", {className: `tile ${cls}`}, el("b", {textContent: fmt(v)}), el("span", {textContent: `${th} · ${en}`}));
      t.dataset.key = key;
      return t;
    }));
    chart(b.intervals || []);
    if (b.queues && f.queue.options.length === 1) {
      for (const q of Object.keys(b.queues)) f.queue.append(el("option", {value: q, textContent: q}));
    }
    table($("queues"), ["queue", ...COLUMNS],
      Object.entries(b.queues || {}).map(([q, k]) => [q, ...COLUMNS.map((c) => k[c])]));
    $("agents-panel").hidden = !b.agents;
    if (b.agents) table($("agents"), ["agent", "answered", "aht_s", "avg_talk_s", "asa_s"],
      b.agents.map((a) => [a.agent, a.answered, a.aht_s, a.avg_talk_s, a.asa_s]));
    const more = ["callbacks_owed", "callback_attempt_pct", "callback_reached_pct", "cases_opened",
                  "cases_closed", "fcr_pct", "fcr_agent_flagged_pct"];
    table($("more"), ["figure", "value"], more.map((k) => [k, b[k]]));
    const range = new URLSearchParams({from, to});
    $("exports").replaceChildren(...["calls", "callbacks", "cases"].flatMap((what) => ["csv", "xlsx"].map((format) =>
      el("a", {href: `/api/v1/reports/export/${what}?${range}&format=${format}`, textContent: `${what}.${format}`, className: "export"}))));
    const complete = b.complete ? "ข้อมูลครบ · complete" : "ข้อมูลยังไม่ครบ · NOT complete (queue_log disagrees)";
    $("status").textContent = `${b.definition} · ${b.interval} · ${complete}`;
  } catch (e) { $("status").textContent = `ผิดพลาด · error: ${e.message}`; }
}

$("filters").addEventListener("submit", (e) => { e.preventDefault(); show(); });
$("filters").elements.queue.addEventListener("change", show);
signOutLink();
const today = bangkokDate(new Date());
$("filters").elements.from.value = new URLSearchParams(location.search).get("from") || today;
$("filters").elements.to.value = new URLSearchParams(location.search).get("to") || today;
show();
