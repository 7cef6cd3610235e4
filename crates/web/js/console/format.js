/**
 * How the Insights view writes its figures (docs/metrics.md): counts with thousands
 * separators, rates as percentages, durations in seconds as "42 s", "3 min 5 s", "2 h 4 min",
 * money in the summary's currency. A missing figure (JSON null: no denominator, no values)
 * is "—", never 0. Pure: node tests call these directly.
 */

/** What a figure without a value shows. */
export const NONE = "—";

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

/** 1234 → "1,234"; anything not a number → "—". */
export function formatCount(n) {
  return isNumber(n) ? Math.round(n).toLocaleString("en-US") : NONE;
}

/** A fraction between 0 and 1 as a percentage with one decimal: 0.4567 → "45.7 %"; 1 → "100 %". */
export function formatRate(r) {
  if (!isNumber(r)) return NONE;
  const pct = Math.round(r * 1000) / 10;
  return (Number.isInteger(pct) ? String(pct) : pct.toFixed(1)) + " %";
}

/** Seconds as people read them: "0.4 s", "42 s", "3 min 5 s", "2 h 4 min", "3 d 2 h". */
export function formatDuration(seconds) {
  if (!isNumber(seconds) || seconds < 0) return NONE;
  if (seconds < 10) return (Math.round(seconds * 10) / 10).toString() + " s";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  const two = (big, bigUnit, small, smallUnit) => big + " " + bigUnit + (small ? " " + small + " " + smallUnit : "");
  if (s < 3600) return two(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 86400) return two(Math.floor(s / 3600), "h", Math.floor((s % 3600) / 60), "min");
  return two(Math.floor(s / 86400), "d", Math.floor((s % 86400) / 3600), "h");
}

/** An amount in `currency` (ISO 4217): "$1,234.50" for USD; "12.00 XYZ" when the code is unknown. */
export function formatMoney(amount, currency) {
  if (!isNumber(amount)) return NONE;
  const code = String(currency || "").toUpperCase();
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: code }).format(amount);
  } catch {
    return amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + (code ? " " + code : "");
  }
}

/** Hours with up to two decimals: 12.5 → "12.5 h". */
export function formatHours(hours) {
  return isNumber(hours) ? hours.toLocaleString("en-US", { maximumFractionDigits: 2 }) + " h" : NONE;
}

/** A similarity or confidence between 0 and 1 with two decimals: 0.8123 → "0.81". */
export function formatScore(v) {
  return isNumber(v) ? v.toFixed(2) : NONE;
}

/** A reason or figure code as words: "low_confidence" → "low confidence". */
export function humanize(code) {
  return String(code ?? "").replace(/[_.]+/g, " ").trim();
}
