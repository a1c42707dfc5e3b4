// @ts-check
// Inline SVG plots. Each figure has a caption, a text summary for screen readers and the
// data as a table; series differ by colour, dash pattern and marker shape, never colour only.

import { h, s } from "./dom.js";

// Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
export const PALETTE = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2"];
const MARKERS = ["circle", "square", "triangle", "diamond", "cross", "circle-open", "square-open"];

let plotSeq = 0;

/** Draw at about the size shown, so that labels keep a readable size on phones. */
function chartWidth() {
  return Math.round(Math.max(300, Math.min(640, (window.innerWidth || 640) - 56)));
}

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

function ticks(min, max, target) {
  const step = niceStep(max - min, target);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

function marker(kind, x, y, color) {
  const r = 3.5;
  switch (kind) {
    case "square": return s("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color });
    case "square-open": return s("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: "#fff", stroke: color, "stroke-width": 1.5 });
    case "triangle": return s("path", { d: `M${x},${y - r - 1}L${x + r + 1},${y + r}L${x - r - 1},${y + r}Z`, fill: color });
    case "diamond": return s("path", { d: `M${x},${y - r - 1}L${x + r + 1},${y}L${x},${y + r + 1}L${x - r - 1},${y}Z`, fill: color });
    case "cross": return s("path", { d: `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`, stroke: color, "stroke-width": 2 });
    case "circle-open": return s("circle", { cx: x, cy: y, r, fill: "#fff", stroke: color, "stroke-width": 1.5 });
    default: return s("circle", { cx: x, cy: y, r, fill: color });
  }
}

function legendItem(series) {
  const swatch = s("svg", { viewBox: "0 0 28 12", "aria-hidden": "true", focusable: "false" },
    s("line", { x1: 0, y1: 6, x2: 28, y2: 6, stroke: series.color, "stroke-width": 2, "stroke-dasharray": series.dash || null }),
    marker(series.marker, 14, 6, series.color));
  return h("li", {}, swatch, series.name);
}

function dataTable(columns, rows) {
  return h("details", {},
    h("summary", {}, "Show the data as a table"),
    h("div", { class: "table-wrap" },
      h("table", {},
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))))));
}

/**
 * A line chart. opts: {title, summary, series: [{name, points: [{x, y}]}], xLabel, yLabel,
 * xFormat, yMin, yMax, xMin, xMax, band: {from, to, label}, height, tableX}
 */
export function lineChart(opts) {
  const id = `plot-${++plotSeq}`;
  const W = chartWidth();
  const H = opts.height || 220;
  const m = { l: 46, r: 14, t: 14, b: 38 };
  const series = opts.series.map((ser, i) => ({
    color: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length],
    marker: MARKERS[i % MARKERS.length], ...ser,
  }));
  const all = series.flatMap((ser) => ser.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  let xMin = opts.xMin ?? Math.min(...xs);
  let xMax = opts.xMax ?? Math.max(...xs);
  if (!(xMax > xMin)) { xMin -= 1; xMax += 1; }
  const yMin = opts.yMin ?? Math.min(0, ...ys);
  let yMax = opts.yMax ?? Math.max(...ys, opts.band ? opts.band.to : -Infinity);
  if (!(yMax > yMin)) yMax = yMin + 1;
  if (opts.yMax === undefined) yMax = ticks(yMin, yMax * 1.08, 4).at(-1) || yMax;
  const X = (x) => m.l + ((x - xMin) / (xMax - xMin)) * (W - m.l - m.r);
  const Y = (y) => H - m.b - ((y - yMin) / (yMax - yMin)) * (H - m.t - m.b);
  const fmtX = opts.xFormat || ((x) => String(x));
  const fmtY = opts.yFormat || ((y) => String(Math.round(y)));

  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, preserveAspectRatio: "xMidYMid meet" },
    s("title", { id: `${id}-t` }, opts.title),
    s("desc", { id: `${id}-d` }, opts.summary || ""));
  if (opts.band) {
    const top = Y(Math.min(opts.band.to, yMax));
    const bottom = Y(Math.max(opts.band.from, yMin));
    svg.append(s("rect", { class: "band", x: m.l, y: top, width: W - m.l - m.r, height: Math.max(0, bottom - top) }));
    if (opts.band.label) svg.append(s("text", { class: "band-label", x: W - m.r - 4, y: top + 12, "text-anchor": "end" }, opts.band.label));
  }
  for (const t of ticks(yMin, yMax, 4)) {
    svg.append(s("line", { class: "grid", x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t) }));
    svg.append(s("text", { x: m.l - 6, y: Y(t) + 4, "text-anchor": "end" }, fmtY(t)));
  }
  const xTicks = opts.xTicks || ticks(xMin, xMax, W < 420 ? 4 : 6);
  for (const t of xTicks) {
    svg.append(s("line", { class: "axis", x1: X(t), x2: X(t), y1: H - m.b, y2: H - m.b + 4 }));
    svg.append(s("text", { x: X(t), y: H - m.b + 16, "text-anchor": "middle" }, fmtX(t)));
  }
  svg.append(s("line", { class: "axis", x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  svg.append(s("line", { class: "axis", x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }));
  if (opts.xLabel) svg.append(s("text", { x: (m.l + W - m.r) / 2, y: H - 4, "text-anchor": "middle" }, opts.xLabel));
  if (opts.yLabel) svg.append(s("text", { x: 12, y: (m.t + H - m.b) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})` }, opts.yLabel));
  for (const ser of series) {
    const pts = ser.points.filter((p) => Number.isFinite(p.y));
    if (pts.length > 1) {
      svg.append(s("polyline", {
        points: pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" "),
        fill: "none", stroke: ser.color, "stroke-width": 2, "stroke-dasharray": ser.dash || null,
        "stroke-linejoin": "round",
      }));
    }
    const every = Math.max(1, Math.ceil(pts.length / 40));
    pts.forEach((p, i) => { if (i % every === 0 || pts.length < 40) svg.append(marker(ser.marker, X(p.x), Y(p.y), ser.color)); });
  }

  const columns = [opts.tableX || opts.xLabel || "x", ...series.map((ser) => ser.name)];
  const keys = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const rows = keys.map((k) => [fmtX(k), ...series.map((ser) => {
    const p = ser.points.find((q) => q.x === k);
    return p && Number.isFinite(p.y) ? fmtY(p.y) : "—";
  })]);
  return h("figure", { class: "plot" },
    h("figcaption", {}, opts.title),
    svg,
    series.length > 1 || opts.legend ? h("ul", { class: "plot-legend" }, series.map(legendItem)) : null,
    dataTable(columns, rows));
}

/**
 * Horizontal strips over time, one per row: solid where true, hatched where false, dotted
 * grey where not measured. opts: {title, summary, duration, rows: [{name, spans: [{from, to,
 * state}]}], xFormat, trueLabel, falseLabel}
 */
export function stripChart(opts) {
  const id = `plot-${++plotSeq}`;
  const W = chartWidth();
  const rowH = 26;
  const m = { l: W < 420 ? 96 : 116, r: 14, t: 8, b: 30 };
  const H = m.t + m.b + opts.rows.length * (rowH + 8);
  const X = (t) => m.l + (t / Math.max(opts.duration, 1e-6)) * (W - m.l - m.r);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d` },
    s("title", { id: `${id}-t` }, opts.title),
    s("desc", { id: `${id}-d` }, opts.summary || ""),
    s("defs", {},
      s("pattern", { id: `${id}-hatch`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        s("rect", { width: 6, height: 6, fill: "#fbeae8" }),
        s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#a3261b", "stroke-width": 2 })),
      s("pattern", { id: `${id}-dots`, width: 5, height: 5, patternUnits: "userSpaceOnUse" },
        s("rect", { width: 5, height: 5, fill: "#f5f7f6" }),
        s("circle", { cx: 2.5, cy: 2.5, r: 0.9, fill: "#8c959f" }))));
  opts.rows.forEach((row, i) => {
    const y = m.t + i * (rowH + 8);
    svg.append(s("text", { x: m.l - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "row-name" }, row.name));
    for (const span of row.spans) {
      const fill = span.state === true ? "#1d6b47" : span.state === false ? `url(#${id}-hatch)` : `url(#${id}-dots)`;
      svg.append(s("rect", { x: X(span.from), y, width: Math.max(0.5, X(span.to) - X(span.from)), height: rowH, fill }));
    }
    svg.append(s("rect", { x: m.l, y, width: W - m.l - m.r, height: rowH, fill: "none", stroke: "#59636e", "stroke-width": 1 }));
  });
  const fmt = opts.xFormat || ((t) => `${t}`);
  const axisY = H - m.b;
  for (const t of ticks(0, opts.duration, W < 420 ? 4 : 6)) {
    svg.append(s("line", { class: "axis", x1: X(t), x2: X(t), y1: axisY, y2: axisY + 4 }));
    svg.append(s("text", { x: X(t), y: axisY + 16, "text-anchor": "middle" }, fmt(t)));
  }
  // The swatches use the chart's own patterns (same document, so the ids resolve).
  const swatch = (fill) => s("svg", { viewBox: "0 0 28 12", "aria-hidden": "true", focusable: "false" },
    s("rect", { x: 0, y: 0, width: 28, height: 12, fill, stroke: "#59636e" }));
  const legend = h("ul", { class: "plot-legend" },
    h("li", {}, swatch("#1d6b47"), opts.trueLabel || "yes"),
    h("li", {}, swatch(`url(#${id}-hatch)`), opts.falseLabel || "no"),
    h("li", {}, swatch(`url(#${id}-dots)`), "not measured"));
  const rows = [];
  for (const row of opts.rows) {
    for (const span of row.spans) {
      rows.push([row.name, `${fmt(span.from)}–${fmt(span.to)}`,
        span.state === true ? opts.trueLabel || "yes" : span.state === false ? opts.falseLabel || "no" : "not measured"]);
    }
  }
  return h("figure", { class: "plot" }, h("figcaption", {}, opts.title), svg, legend,
    dataTable(["Signal", "Time", "State"], rows));
}
