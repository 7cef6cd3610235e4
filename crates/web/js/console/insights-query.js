/**
 * The Insights view's filters as the API reads them (docs/metrics.md, "The cohort"): a range
 * of whole days in UTC picked as from/to dates (both included) becomes the window
 * `[from 00:00Z, the day after to 00:00Z)` sent as RFC 3339; a language and a channel are
 * added when chosen. Also the query of a drill-down (`figure=` and a breakdown row's filter,
 * `limit`/`offset`) and the check that a page of facts really is what a filter asked for
 * (a server that does not know a filter yet ignores it). Pure: node tests call these.
 */

const DAY_MS = 86400000;
/** The default range: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;
/** The longest window the server accepts. */
export const MAX_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC date of `ms` as YYYY-MM-DD. */
export function utcDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of a YYYY-MM-DD date in ms, or NaN. */
function dayMs(date) {
  return DATE.test(String(date)) ? Date.parse(date + "T00:00:00Z") : NaN;
}

/** The date `n` days after `date` (YYYY-MM-DD). */
export function addDays(date, n) {
  return utcDate(dayMs(date) + n * DAY_MS);
}

/** The last `days` days up to today (UTC) as from/to dates, both included. */
export function defaultRange(nowMs = Date.now(), days = DEFAULT_DAYS) {
  const to = utcDate(nowMs);
  return { from: addDays(to, -(days - 1)), to };
}

/**
 * The window of the dates `from`..`to` (both included): `{from, to}` in RFC 3339 UTC, `to`
 * being midnight after the last day; or `{error}` saying what to pick.
 */
export function windowOf(range) {
  const from = dayMs(range.from);
  const to = dayMs(range.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return { error: "Pick a start and an end date." };
  if (from > to) return { error: "The start date is after the end date." };
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_DAYS) return { error: `Pick at most ${MAX_DAYS} days (this range has ${days}).` };
  return { from: rfc3339(from), to: rfc3339(to + DAY_MS), days };
}

function rfc3339(ms) {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/**
 * The query parameters of the filters: `from`, `to` (a window from windowOf), then `lang`
 * and `channel` when set. Returns a plain object (insertion order is the query's order).
 */
export function frameParams(filters) {
  const params = { from: filters.window.from, to: filters.window.to };
  const lang = String(filters.lang || "").trim();
  if (lang) params.lang = lang;
  const channel = String(filters.channel || "").trim();
  if (channel) params.channel = channel;
  return params;
}

/**
 * `path?query` with the parameters whose value is neither null nor undefined. An empty value
 * is sent: `lang=` and `page=` ask for the conversations of no language or no page.
 */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) query.append(k, String(v));
  }
  const text = query.toString();
  return text ? path + "?" + text : path;
}

/**
 * The filters a breakdown row adds to a drill-down: `intent`, `article`, `agent`, `page`,
 * `lang` (which replaces the view's) and `day` (which narrows the window to that UTC day).
 * The row of no page and the row of no language send an empty `page` or `lang`.
 */
export const DRILL_FILTERS = ["intent", "article", "agent", "page", "day"];

/**
 * The query of GET /v1/insights/conversations for `drill` = {figure, filters?} under the
 * view's `filters`, one page of `limit` from `offset`. A `day` filter narrows the window to
 * that day (the server's window does the work; `day=` is sent too).
 */
export function drillParams(filters, drill, offset = 0, limit = 50) {
  const extra = drill.filters || {};
  const params = frameParams(filters);
  if (extra.lang !== undefined && extra.lang !== null) params.lang = String(extra.lang);
  if (extra.day && DATE.test(extra.day)) {
    params.from = rfc3339(Math.max(dayMs(extra.day), Date.parse(params.from)));
    params.to = rfc3339(Math.min(dayMs(extra.day) + DAY_MS, Date.parse(params.to)));
  }
  params.figure = drill.figure;
  for (const key of DRILL_FILTERS) if (extra[key] !== undefined && extra[key] !== null) params[key] = String(extra[key]);
  params.offset = String(offset);
  params.limit = String(limit);
  return params;
}

/** A drill-down response as {items, total}: the server's array with X-Total-Count; null otherwise. */
export function pageOf(body, totalHeader) {
  if (!Array.isArray(body)) return null;
  const total = parseInt(totalHeader ?? "", 10);
  return { items: body, total: Number.isNaN(total) ? body.length : total };
}
