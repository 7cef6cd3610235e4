/**
 * DOM helpers shared by the widget and the console. Everything they build from data is text:
 * attributes go through setAttribute, strings become text nodes, and only http(s) URLs become
 * links. Nothing here ever sets innerHTML.
 */

/** Creates an element; attributes are set with setAttribute, string children become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c !== null && c !== undefined) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** The URL as a string when it is http(s), otherwise null: nothing else becomes a link. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url), location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** A link opening in a new tab when the URL is http(s), plain text otherwise; `attrs` go on the link. */
export function link(url, label, attrs) {
  const href = safeUrl(url);
  const text = String(label || url || "");
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", ...attrs }, text) : document.createTextNode(text);
}
