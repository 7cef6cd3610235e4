/**
 * The Insights view's pure pieces without a browser: formatting of counts, rates, durations
 * and money (console/format.js), the window and the queries sent (console/insights-query.js),
 * and the generated SVG charts (console/charts.js).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { barChart, clip, curveChart, niceMax, timeSeriesChart, toMarkup } from "../console/charts.js";
import { formatCount, formatDuration, formatHours, formatMoney, formatRate, formatScore, humanize, NONE } from "../console/format.js";
import { addDays, defaultRange, drillParams, frameParams, pageOf, windowOf, withQuery } from "../console/insights-query.js";

/* ---------- formatting ---------- */

test("rates are percentages with one decimal; null (no denominator) is a dash, not 0", () => {
  assert.equal(formatRate(0.4567), "45.7 %");
  assert.equal(formatRate(1), "100 %");
  assert.equal(formatRate(0), "0 %");
  assert.equal(formatRate(2 / 3), "66.7 %");
  assert.equal(formatRate(0.5), "50 %");
  assert.equal(formatRate(null), NONE);
  assert.equal(formatRate(undefined), NONE);
  assert.equal(formatRate(NaN), NONE);
});

test("durations read as seconds, minutes, hours or days", () => {
  assert.equal(formatDuration(0.42), "0.4 s");
  assert.equal(formatDuration(0), "0 s");
  assert.equal(formatDuration(42), "42 s");
  assert.equal(formatDuration(59.6), "1 min");
  assert.equal(formatDuration(185), "3 min 5 s");
  assert.equal(formatDuration(180), "3 min");
  assert.equal(formatDuration(7440), "2 h 4 min");
  assert.equal(formatDuration(3 * 86400 + 2 * 3600 + 59), "3 d 2 h");
  assert.equal(formatDuration(null), NONE);
  assert.equal(formatDuration(-1), NONE);
});

test("counts, money, hours, scores and codes", () => {
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(null), NONE);
  assert.equal(formatMoney(1234.5, "USD"), "$1,234.50");
  assert.equal(formatMoney(7.91, "eur"), "€7.91");
  assert.equal(formatMoney(12, "not a code"), "12.00 NOT A CODE");
  assert.equal(formatMoney(null, "USD"), NONE);
  assert.equal(formatHours(12.5), "12.5 h");
  assert.equal(formatHours(0.1), "0.1 h");
  assert.equal(formatScore(0.8123), "0.81");
  assert.equal(formatScore(null), NONE);
  assert.equal(humanize("low_confidence"), "low confidence");
  assert.equal(humanize("escalation_reasons.no_article"), "escalation reasons no article");
});

/* ---------- the window and the queries ---------- */

test("the default range is the last 30 days, today included", () => {
  const now = Date.parse("2026-11-15T13:45:00Z");
  assert.deepEqual(defaultRange(now), { from: "2026-10-17", to: "2026-11-15" });
  assert.equal(windowOf(defaultRange(now)).days, 30);
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2024-03-01", -1), "2024-02-29");
});

test("a range of dates becomes an RFC 3339 UTC window ending at midnight after the last day", () => {
  assert.deepEqual(windowOf({ from: "2026-11-01", to: "2026-11-30" }), { from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", days: 30 });
  assert.deepEqual(windowOf({ from: "2026-11-05", to: "2026-11-05" }), { from: "2026-11-05T00:00:00Z", to: "2026-11-06T00:00:00Z", days: 1 });
  assert.match(windowOf({ from: "2026-11-05", to: "2026-11-01" }).error, /after/);
  assert.match(windowOf({ from: "", to: "2026-11-01" }).error, /Pick/);
  assert.match(windowOf({ from: "2025-01-01", to: "2026-11-01" }).error, /366/);
  assert.equal(windowOf({ from: "2025-01-01", to: "2026-01-01" }).days, 366);
});

test("the filters' query: from and to, then lang and channel only when chosen, all encoded", () => {
  const window = windowOf({ from: "2026-11-01", to: "2026-11-30" });
  assert.deepEqual(frameParams({ window, lang: "", channel: "" }), { from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z" });
  const params = frameParams({ window, lang: " fr ", channel: "widget" });
  assert.equal(withQuery("/v1/insights/summary", params), "/v1/insights/summary?from=2026-11-01T00%3A00%3A00Z&to=2026-12-01T00%3A00%3A00Z&lang=fr&channel=widget");
  assert.equal(withQuery("/x", { a: "", b: null, c: undefined, d: "1&2=3" }), "/x?a=&d=1%262%3D3");
  assert.equal(withQuery("/x", {}), "/x");
});

test("a drill-down asks for the figure, the row's filter and a page; a day narrows the window", () => {
  const filters = { window: windowOf({ from: "2026-11-01", to: "2026-11-30" }), lang: "en", channel: "" };
  assert.deepEqual(drillParams(filters, { figure: "escalated" }), {
    from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", lang: "en", figure: "escalated", offset: "0", limit: "50",
  });
  assert.deepEqual(drillParams(filters, { figure: "escalation_reasons.low_confidence", filters: { intent: "order_status" } }, 50, 50), {
    from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", lang: "en", figure: "escalation_reasons.low_confidence", intent: "order_status", offset: "50", limit: "50",
  });
  const day = drillParams(filters, { figure: "conversations", filters: { day: "2026-11-07" } });
  assert.equal(day.from, "2026-11-07T00:00:00Z");
  assert.equal(day.to, "2026-11-08T00:00:00Z");
  assert.equal(day.day, "2026-11-07");
  assert.equal(drillParams(filters, { figure: "engaged", filters: { lang: "fr" } }).lang, "fr", "a language row replaces the view's language");
  // The rows of no language and no page ask with an empty value.
  const none = drillParams(filters, { figure: "engaged", filters: { lang: "" } });
  assert.equal(none.lang, "");
  assert.match(withQuery("/v1/insights/conversations", none), /[?&]lang=&/);
  assert.equal(drillParams(filters, { figure: "engaged", filters: { page: "" } }).page, "");
});

test("a drill-down answer is read as a bare array with X-Total-Count", () => {
  assert.deepEqual(pageOf([{ id: "a" }], "12"), { items: [{ id: "a" }], total: 12 });
  assert.deepEqual(pageOf([{ id: "a" }], null), { items: [{ id: "a" }], total: 1 });
  assert.equal(pageOf({ error: "x" }), null);
});

/* ---------- charts ---------- */

/** Every node of a tree with `tag` (depth first). */
function find(tree, tag, out = []) {
  if (typeof tree === "string") return out;
  if (tree.tag === tag) out.push(tree);
  for (const c of tree.children) find(c, tag, out);
  return out;
}

test("axis tops are nice numbers", () => {
  assert.deepEqual([0, 0.3, 1, 3, 7, 11, 24, 26, 99, 101, 2400].map(niceMax), [1, 1, 1, 5, 10, 20, 25, 50, 100, 200, 2500]);
  assert.equal(clip("abcdef", 4), "abc…");
  assert.equal(clip("abc", 4), "abc");
});

test("the time series stacks each day's conversations by outcome, to scale, with a title per mark", () => {
  const rows = [
    { day: "2026-11-01", conversations: 10, engaged: 8, bot_resolved: 5, escalated: 2, unresolved: 1, containment_rate: 0.75 },
    { day: "2026-11-02", conversations: 0, engaged: 0, bot_resolved: 0, escalated: 0, unresolved: 0, containment_rate: null },
    { day: "2026-11-03", conversations: 4, engaged: 4, bot_resolved: 0, escalated: 4, unresolved: 0, containment_rate: 0 },
  ];
  const tree = timeSeriesChart(rows, { id: "ts", width: 340, height: 136 });
  assert.equal(tree.tag, "svg");
  assert.equal(tree.attrs.role, "img");
  assert.equal(tree.attrs["aria-labelledby"], "ts-title ts-desc");
  assert.match(find(tree, "desc")[0].children[0], /14 conversations over 3 days/);
  const days = find(tree, "g").filter((g) => g.attrs.class === "day");
  assert.deepEqual(days.map((g) => g.children.length), [4, 0, 1], "one mark per non-zero series");
  const first = days[0].children;
  assert.deepEqual(first.map((r) => r.attrs["data-figure"]), ["bot_resolved", "escalated", "unresolved", "conversations"]);
  assert.deepEqual(first.map((r) => r.attrs["data-day"]), Array(4).fill("2026-11-01"));
  // Plot height 100 (136 − 10 − 26), axis top 10: a conversation is 10 units high.
  assert.deepEqual(first.map((r) => r.attrs.height), [50, 20, 10, 20]);
  assert.equal(first[0].attrs.y + first[0].attrs.height, 110, "the first series sits on the axis");
  assert.equal(first[1].attrs.y + first[1].attrs.height, first[0].attrs.y, "each series on the one below");
  assert.equal(find(first[1], "title")[0].children[0], "2026-11-01: 2 escalated");
  assert.equal(days[2].children[0].attrs.height, 40);
});

test("an empty time series says so", () => {
  const tree = timeSeriesChart([], { id: "ts" });
  assert.ok(find(tree, "text").some((t) => t.children[0] === "No data"));
  assert.equal(find(tree, "rect").length, 0);
});

test("bars are to scale, labelled, clickable by figure, and their text is never markup", () => {
  const items = [
    { label: "low confidence", value: 6, figure: "escalation_reasons.low_confidence" },
    { label: "explicit request", value: 3, figure: "escalation_reasons.explicit_request" },
    { label: "<img src=x onerror=alert(1)>", value: 0 },
  ];
  const tree = barChart(items, { id: "b", title: "Escalation reasons", width: 400, labelWidth: 150 });
  const rects = find(tree, "rect");
  // Plot width 400 − 150 − 48 = 202: the largest bar fills it.
  assert.deepEqual(rects.map((r) => r.attrs.width), [202, 101, 0]);
  assert.deepEqual(rects.map((r) => r.attrs["data-figure"]), ["escalation_reasons.low_confidence", "escalation_reasons.explicit_request", null]);
  assert.equal(find(tree, "title")[0].children[0], "Escalation reasons");
  assert.match(find(tree, "desc")[0].children[0], /low confidence: 6; explicit request: 3/);
  const markup = toMarkup(tree);
  assert.ok(!markup.includes("<img"), "labels are escaped: " + markup);
  assert.ok(markup.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(!markup.includes("data-figure=\"null\""), "no attribute for a bar without a figure");
});

test("the advisor's curve draws the answered share and the wrong answers, and marks the thresholds", () => {
  const points = [0, 0.5, 1].map((t) => ({ threshold: t, answered_rate: 1 - t, wrong_rate: t < 1 ? 0.2 - 0.2 * t : null }));
  const tree = curveChart(points, { current: 0.5, recommended: 0.25, width: 152, height: 136 });
  const markup = toMarkup(tree);
  // Plot 100 × 100 from (40, 10): x = 40 + 100 t, y = 10 + 100 (1 − r).
  assert.match(markup, /<polyline class="curve s-bot-line" points="40,10 90,60 140,110"/);
  assert.match(markup, /<polyline class="curve s-esc-line" points="40,90 90,100"/, "no point where nothing is answered");
  assert.match(markup, /<line class="threshold-mark current" x1="90" x2="90"/);
  assert.match(markup, /<line class="threshold-mark recommended" x1="65" x2="65"/);
  assert.match(markup, /<title>In force: 0.5<\/title>/);
  assert.doesNotMatch(toMarkup(curveChart(points, { current: 0.5 })), /data-mark="recommended"/, "no mark without a recommendation");
  assert.match(toMarkup(curveChart([], {})), /No reviewed turns/);
});
