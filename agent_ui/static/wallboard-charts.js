// Wallboard charts through the day (GET /api/v1/live/charts, kpi-v1.1): offered and answered
// per 15 minutes, SL per interval against the 90 % line, each beside the same weekday last
// week; today's wait distribution. Inline SVG drawn here: no CDN, no library.
"use strict";
(() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 720, H = 180, PAD = {l: 34, r: 8, t: 10, b: 22};
  const select = document.getElementById("chart-queue");
  if (!select) return;

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function frame(id, label) {
    const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart"});
    document.getElementById(id).replaceChildren(svg);
    return svg;
  }

  function axis(svg, max, suffix) {
    for (const f of [0, 0.5, 1]) {
      const y = PAD.t + (H - PAD.t - PAD.b) * (1 - f);
      svg.append(el("line", {x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: "grid"}));
      svg.append(el("text", {x: PAD.l - 4, y: y + 4, "text-anchor": "end", class: "tick"}, `${Math.round(max * f)}${suffix}`));
    }
  }

  function xTicks(svg, slots, x) {
    slots.forEach((s, i) => {
      if (s.endsWith(":00") && (i === 0 || Number(s.slice(0, 2)) % 2 === 0)) {
        svg.append(el("text", {x: x(i), y: H - 6, "text-anchor": "middle", class: "tick"}, s));
      }
    });
  }

  function volume(data) {
    const svg = frame("chart-volume", "offered, answered and abandoned per 15 minutes");
    const rows = data.intervals, n = Math.max(rows.length, 1);
    const max = Math.max(1, ...rows.map((r) => Math.max(r.today?.offered ?? 0, r.last_week?.offered ?? 0)));
    const bw = (W - PAD.l - PAD.r) / n, y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
    const x = (i) => PAD.l + bw * (i + 0.5);
    axis(svg, max, "");
    rows.forEach((r, i) => {
      const t = r.today || {};
      if (t.offered) svg.append(el("rect", {x: PAD.l + bw * i + 1, y: y(t.offered), width: Math.max(1, bw - 2), height: y(0) - y(t.offered), class: "offered", "data-start": r.start, "data-offered": t.offered}));
      if (t.answered) svg.append(el("rect", {x: PAD.l + bw * i + 1, y: y(t.answered), width: Math.max(1, bw - 2), height: y(0) - y(t.answered), class: "answered", "data-answered": t.answered}));
      // Abandoned (kpi-v1.1: short abandons not counted) stacked on the answered, in red.
      const a = t.answered ?? 0;
      if (t.abandoned) svg.append(el("rect", {x: PAD.l + bw * i + 1, y: y(a + t.abandoned), width: Math.max(1, bw - 2), height: y(a) - y(a + t.abandoned), class: "lost abandoned", "data-abandoned": t.abandoned}));
    });
    const pts = rows.map((r, i) => (r.last_week ? `${x(i)},${y(r.last_week.offered)}` : null)).filter(Boolean);
    if (pts.length) svg.append(el("polyline", {points: pts.join(" "), class: "last-week"}));
    xTicks(svg, rows.map((r) => r.start), x);
  }

  function serviceLevel(data) {
    const svg = frame("chart-sl", "SL per 15 minutes against the 90 % line");
    const rows = data.intervals, n = Math.max(rows.length, 1);
    const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / 100);
    const x = (i) => PAD.l + ((W - PAD.l - PAD.r) / n) * (i + 0.5);
    axis(svg, 100, "%");
    svg.append(el("line", {x1: PAD.l, x2: W - PAD.r, y1: y(data.sl_target_pct), y2: y(data.sl_target_pct), class: "target", "data-target": data.sl_target_pct}));
    svg.append(el("text", {x: W - PAD.r, y: y(data.sl_target_pct) - 3, "text-anchor": "end", class: "tick target-label"}, `${data.sl_target_pct}%`));
    const line = (key, cls) => {
      const pts = rows.map((r, i) => (r[key] && r[key].sl_pct != null ? `${x(i)},${y(r[key].sl_pct)}` : null)).filter(Boolean);
      if (pts.length) svg.append(el("polyline", {points: pts.join(" "), class: cls}));
    };
    line("last_week", "last-week");
    line("today", "sl");
    rows.forEach((r, i) => {
      const v = r.today?.sl_pct;
      if (v != null) svg.append(el("circle", {cx: x(i), cy: y(v), r: 3, class: v >= data.sl_target_pct ? "dot ok" : "dot miss", "data-start": r.start, "data-sl": v}));
    });
    xTicks(svg, rows.map((r) => r.start), x);
  }

  function waits(data) {
    const svg = frame("chart-waits", "how long counted callers waited today");
    const bars = data.waits, n = bars.length;
    const max = Math.max(1, ...bars.map((b) => b.answered + b.lost));
    const bw = (W - PAD.l - PAD.r) / n, y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
    axis(svg, max, "");
    let prev = 0;
    bars.forEach((b, i) => {
      const x0 = PAD.l + bw * i + 4, w = bw - 8;
      svg.append(el("rect", {x: x0, y: y(b.answered), width: w, height: y(0) - y(b.answered), class: "answered", "data-answered": b.answered}));
      svg.append(el("rect", {x: x0, y: y(b.answered + b.lost), width: w, height: y(b.answered) - y(b.answered + b.lost), class: "lost", "data-lost": b.lost}));
      const label = b.up_to_s == null ? `> ${prev} s` : `${prev}–${b.up_to_s} s`;
      svg.append(el("text", {x: x0 + w / 2, y: H - 6, "text-anchor": "middle", class: "tick"}, label));
      prev = b.up_to_s ?? prev;
    });
  }

  async function load() {
    const q = select.value;
    const r = await fetch(`/api/v1/live/charts${q ? `?queue=${encodeURIComponent(q)}` : ""}`, {credentials: "same-origin"});
    if (!r.ok) return;
    const data = await r.json();
    volume(data); serviceLevel(data); waits(data);
    const def = document.getElementById("chart-def");
    def.textContent = `${data.definition} (docs/kpi-v1.md) · ${data.day} เทียบกับ · vs ${data.compared_with} (${data.tz})`;
    def.dataset.intervals = data.intervals.length;
  }

  // The queue list follows the board (IVR order) once its first snapshot is in.
  function fillQueues() {
    const cards = [...document.querySelectorAll("#queues section.queue")];
    if (!cards.length || select.options.length > 1) return;
    for (const c of cards) {
      const th = c.querySelector(".th")?.textContent, en = c.querySelector(".en")?.textContent;
      select.add(new Option(`${th} · ${en}`, c.dataset.queue));
    }
  }
  select.addEventListener("change", load);
  setInterval(() => { fillQueues(); }, 1000);
  load();
  setInterval(load, 60_000);
})();
