/**
 * The Insights charts as plain generated SVG, no chart library: a few hundred lines we own
 * instead of a dependency, no inline script or style (the console's Content-Security-Policy
 * stays strict), colours from classes in console.css, and every mark with a <title> (its
 * tooltip and accessible name). The view puts a <table> of the same numbers beside each chart.
 *
 * A chart is first a tree of plain objects `{tag, attrs, children}` (children: nodes or
 * strings), so node tests check it without a browser; `toSvg` then makes DOM nodes of it with
 * createElementNS, setAttribute and text nodes — strings are never parsed as markup.
 * Marks that open conversations carry `data-figure` (and `data-day` for one day).
 */

export const SVG_NS = "http://www.w3.org/2000/svg";

/** A node of the tree; null and false children are left out. */
export function node(tag, attrs = {}, ...children) {
  return { tag, attrs, children: children.flat().filter((c) => c !== null && c !== undefined && c !== false) };
}

/** The smallest "nice" number (1, 2, 2.5 or 5 × 10ⁿ) at or above `n`, at least 1: the axis' top. */
export function niceMax(n) {
  if (!(n > 0)) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(n)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= n) return Math.max(1, m * exp);
  return 10 * exp;
}

/** At most `max` characters, an ellipsis replacing the rest. */
export function clip(text, max) {
  const s = String(text ?? "");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

const round = (v) => Math.round(v * 10) / 10;

/** The series of the time series, bottom to top: each day's conversations by outcome. */
export const SERIES = [
  { key: "bot_resolved", label: "resolved by the bot", cls: "s-bot" },
  { key: "escalated", label: "escalated", cls: "s-esc" },
  { key: "unresolved", label: "unresolved", cls: "s-unres" },
  { key: "not_engaged", label: "not engaged", cls: "s-idle" },
];

/** A day's count of one series; `not_engaged` is conversations − engaged. */
export function seriesValue(row, key) {
  const n = (v) => (typeof v === "number" && v > 0 ? v : 0);
  if (key === "not_engaged") return Math.max(0, n(row.conversations) - n(row.engaged));
  return n(row[key]);
}

function frame(id, title, desc, width, height, children) {
  return node(
    "svg",
    { xmlns: SVG_NS, viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img", "aria-labelledby": `${id}-title ${id}-desc`, "data-chart": id },
    node("title", { id: `${id}-title` }, title),
    node("desc", { id: `${id}-desc` }, desc),
    children,
  );
}

/**
 * Columns per day (rows of /v1/insights/timeseries: {day, conversations, engaged,
 * bot_resolved, escalated, unresolved}), each stacked by outcome, on a y axis from 0 to a
 * nice maximum; one label every few days so that at most 8 show.
 */
export function timeSeriesChart(rows, { id = "timeseries", width = 960, height = 240 } = {}) {
  const days = Array.isArray(rows) ? rows.filter((r) => r && typeof r.day === "string") : [];
  const total = days.reduce((sum, r) => sum + SERIES.reduce((s, se) => s + seriesValue(r, se.key), 0), 0);
  const desc = days.length
    ? `${total} conversations over ${days.length} days, by day and outcome; the table beside it has the numbers.`
    : "No days in this range.";
  const m = { top: 10, right: 10, bottom: 26, left: 40 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const max = niceMax(Math.max(0, ...days.map((r) => SERIES.reduce((s, se) => s + seriesValue(r, se.key), 0))));
  const y = (v) => m.top + plotH - (v / max) * plotH;
  const children = [];
  for (const tick of [0, max / 2, max]) {
    children.push(node("line", { class: "grid", x1: m.left, x2: width - m.right, y1: round(y(tick)), y2: round(y(tick)) }));
    children.push(node("text", { class: "axis", x: m.left - 6, y: round(y(tick)) + 4, "text-anchor": "end" }, String(Math.round(tick * 10) / 10)));
  }
  if (!days.length) {
    children.push(node("text", { class: "axis empty", x: width / 2, y: height / 2, "text-anchor": "middle" }, "No data"));
    return frame(id, "Conversations per day", desc, width, height, children);
  }
  const step = plotW / days.length;
  const barW = Math.max(1, Math.min(40, step * 0.8));
  // At most 8 labels, evenly spaced back from the last day (always labelled).
  const every = Math.ceil(days.length / 8);
  days.forEach((row, i) => {
    const x = round(m.left + i * step + (step - barW) / 2);
    let base = 0;
    const marks = [];
    for (const se of SERIES) {
      const v = seriesValue(row, se.key);
      if (!v) continue;
      const figure = se.key === "not_engaged" ? "conversations" : se.key;
      marks.push(
        node(
          "rect",
          { class: "mark " + se.cls, x, y: round(y(base + v)), width: round(barW), height: round(y(base) - y(base + v)), "data-figure": figure, "data-day": row.day },
          node("title", {}, `${row.day}: ${v} ${se.label}`),
        ),
      );
      base += v;
    }
    children.push(node("g", { class: "day", "data-day": row.day }, marks));
    if ((days.length - 1 - i) % every === 0) {
      children.push(node("text", { class: "axis", x: round(m.left + i * step + step / 2), y: height - 8, "text-anchor": "middle" }, row.day.slice(5)));
    }
  });
  return frame(id, "Conversations per day", desc, width, height, children);
}

/**
 * Horizontal bars of `items` [{label, value, figure?, cls?}], longest scale at the largest
 * value; each bar's value written after it.
 */
export function barChart(items, { id = "bars", title = "", width = 480, row = 26, labelWidth = 170 } = {}) {
  const list = (Array.isArray(items) ? items : []).filter((i) => i && typeof i.value === "number");
  const m = { top: 6, bottom: 6, right: 48 };
  const height = m.top + m.bottom + Math.max(1, list.length) * row;
  const desc = list.length ? list.map((i) => `${i.label}: ${i.value}`).join("; ") : "No data";
  const max = Math.max(0, ...list.map((i) => i.value));
  const plotW = width - labelWidth - m.right;
  const children = [];
  if (!list.length) {
    children.push(node("text", { class: "axis empty", x: width / 2, y: height / 2 + 4, "text-anchor": "middle" }, "No data"));
  }
  list.forEach((item, i) => {
    const top = m.top + i * row;
    const w = max > 0 ? (item.value / max) * plotW : 0;
    children.push(
      node(
        "g",
        { class: "bar" },
        node("text", { class: "label", x: labelWidth - 8, y: top + row / 2 + 4, "text-anchor": "end" }, clip(item.label, 26)),
        node(
          "rect",
          { class: "mark " + (item.cls || "s-bar"), x: labelWidth, y: top + 4, width: round(Math.max(item.value > 0 ? 2 : 0, w)), height: row - 8, "data-figure": item.figure || null },
          node("title", {}, `${item.label}: ${item.value}`),
        ),
        node("text", { class: "value", x: round(labelWidth + Math.max(2, w) + 6), y: top + row / 2 + 4 }, String(item.value)),
      ),
    );
  });
  return frame(id, title, desc, width, height, children);
}

/**
 * The threshold advisor's curve (GET /v1/advisor): over thresholds 0–1, the share of turns
 * answered and the share of wrong answers among them, with the threshold in force and the
 * recommended one marked by vertical lines (`data-mark` current / recommended).
 */
export function curveChart(points, { current = null, recommended = null, id = "advisor-curve", width = 640, height = 220 } = {}) {
  const list = (Array.isArray(points) ? points : []).filter((p) => p && typeof p.threshold === "number");
  const m = { top: 10, right: 12, bottom: 26, left: 40 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const x = (t) => round(m.left + t * plotW);
  const y = (r) => round(m.top + (1 - r) * plotH);
  const line = (key, cls, label) => {
    const pts = list.filter((p) => typeof p[key] === "number").map((p) => `${x(p.threshold)},${y(p[key])}`);
    return pts.length ? node("polyline", { class: "curve " + cls, points: pts.join(" "), fill: "none", "data-series": key }, node("title", {}, label)) : null;
  };
  const mark = (t, kind, label) =>
    typeof t === "number" ? node("line", { class: "threshold-mark " + kind, x1: x(t), x2: x(t), y1: m.top, y2: m.top + plotH, "data-mark": kind }, node("title", {}, `${label}: ${t}`)) : null;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const children = [
    ...ticks.map((r) => node("line", { class: "grid", x1: m.left, x2: m.left + plotW, y1: y(r), y2: y(r) })),
    ...ticks.map((r) => node("text", { class: "axis", x: m.left - 6, y: y(r) + 4, "text-anchor": "end" }, Math.round(r * 100) + " %")),
    ...ticks.map((t) => node("text", { class: "axis", x: x(t), y: height - 8, "text-anchor": "middle" }, String(t))),
    line("answered_rate", "s-bot-line", "Answered share"),
    line("wrong_rate", "s-esc-line", "Wrong answers among answered"),
    mark(current, "current", "In force"),
    mark(recommended, "recommended", "Recommended"),
  ];
  const desc = list.length
    ? `Answered share and wrong answers for thresholds 0 to 1; in force ${current ?? "?"}, recommended ${recommended ?? "none"}.`
    : "No reviewed turns";
  return frame(id, "Threshold advisor", desc, width, height, children);
}

/** DOM nodes of a tree (SVG namespace); strings become text nodes. Browser only. */
export function toSvg(tree) {
  const el = document.createElementNS(SVG_NS, tree.tag);
  for (const [k, v] of Object.entries(tree.attrs || {})) {
    if (v !== undefined && v !== null && v !== false && k !== "xmlns") el.setAttribute(k, String(v));
  }
  for (const c of tree.children || []) el.append(typeof c === "string" ? document.createTextNode(c) : toSvg(c));
  return el;
}

/** The tree as SVG markup, every text and attribute escaped (for tests and saving a chart). */
export function toMarkup(tree) {
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const attrs = Object.entries(tree.attrs || {})
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join("");
  const inner = (tree.children || []).map((c) => (typeof c === "string" ? esc(c) : toMarkup(c))).join("");
  return `<${tree.tag}${attrs}>${inner}</${tree.tag}>`;
}
