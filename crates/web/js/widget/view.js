/**
 * The widget's DOM: the launcher and panel skeleton, and one element per transcript entry
 * (messages with their sources, feedback buttons and quick replies; notices). Builders only:
 * they read the entry and the texts they are given and call back on clicks, and keep no
 * state. Text from the server is put in as text, with http(s) URLs as links.
 */
import { h, link, safeUrl } from "../shared/dom.js";
import { MAX_LEN } from "./session.js";
import { icon } from "./style.js";

/** The elements the widget updates, by role; `root` goes into the host's Shadow DOM. */
export function skeleton(position) {
  const ui = {};
  ui.root = h("div", { class: "root " + position, "data-relais": "root", "data-connection": "idle" });
  ui.launcher = h("button", { class: "launcher", type: "button", "data-relais": "launcher", "aria-expanded": "false", "aria-controls": "relais-panel" }, icon("chat"));
  ui.badge = h("span", { class: "badge", "data-relais": "unread", "aria-hidden": "true", hidden: true });
  ui.launcher.append(ui.badge);
  ui.title = h("h2", { class: "title", id: "relais-title" });
  ui.status = h("div", { class: "status", role: "status", "data-relais": "status" });
  ui.end = h("button", { class: "icon-btn", type: "button", "data-relais": "end", hidden: true }, icon("end"));
  ui.close = h("button", { class: "icon-btn", type: "button", "data-relais": "close" }, icon("close"));
  const head = h("div", { class: "head" }, h("div", { class: "head-text" }, ui.title, ui.status), ui.end, ui.close);
  ui.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "data-relais": "log" });
  ui.typing = h("div", { class: "typing", "data-relais": "typing", hidden: true });
  ui.cb = h("form", { class: "cb", "data-relais": "callback-form", hidden: true, novalidate: true });
  ui.cbInstead = h("button", { type: "button", class: "btn plain wait-cb", "data-relais": "callback-instead", hidden: true });
  ui.input = h("textarea", { rows: "1", maxlength: String(MAX_LEN), "data-relais": "input" });
  ui.send = h("button", { class: "send", type: "submit", "data-relais": "send" }, icon("send"));
  ui.compose = h("form", { class: "compose" }, ui.input, ui.send);
  ui.panel = h("div", { class: "panel", id: "relais-panel", role: "dialog", "aria-labelledby": "relais-title", "data-relais": "panel", hidden: true }, head, ui.log, ui.typing, ui.cbInstead, ui.cb, ui.compose);
  ui.root.append(ui.panel, ui.launcher);
  return ui;
}

/** The fields of the callback request form, in the current language; `onCancel` on its cancel button. */
export function callbackFields(t, onCancel) {
  const field = (name, label, type, auto) =>
    h("label", {}, label, h(type === "textarea" ? "textarea" : "input", { name, type: type === "textarea" ? null : type, autocomplete: auto, rows: type === "textarea" ? "2" : null, maxlength: "500", "data-relais": "callback-" + name }));
  const cancel = h("button", { type: "button", class: "btn plain", "data-relais": "callback-cancel" }, t("cbCancel"));
  cancel.addEventListener("click", onCancel);
  return [
    h("p", {}, t("cbTitle")),
    field("name", t("cbName"), "text", "name"),
    field("email", t("cbEmail"), "email", "email"),
    field("phone", t("cbPhone"), "tel", "tel"),
    field("preferred_time", t("cbTime"), "text", "off"),
    field("note", t("cbNote"), "textarea", "off"),
    h("div", { class: "cb-err", role: "alert", "data-relais": "callback-error" }),
    h("div", { class: "row" }, cancel, h("button", { type: "submit", class: "btn", "data-relais": "callback-submit" }, t("cbSubmit"))),
  ];
}

/** A notice of the transcript (handoff, end, callback sent, local error). */
export function noticeEl(entry, t) {
  return h("div", { class: "notice", "data-relais": "notice", "data-kind": entry.kind, "data-state": entry.state || null }, noticeText(entry, t));
}

export function noticeText(entry, t) {
  const name = entry.agent_name || t("agent");
  switch (entry.state || entry.kind) {
    case "queued":
      return entry.position ? t("queuedAt", { n: entry.position }) : t("queued");
    case "agent_joined":
      return t("joined", { name });
    case "agent_left":
      return t("left", { name });
    case "returned_to_bot":
      return t("returned");
    case "no_agent_available":
      return t("noAgent");
    case "abandoned":
      return t("abandoned");
    case "closed":
      return t("ended");
    case "callback_sent":
      return t("cbSent");
    default:
      return entry.text || "";
  }
}

/**
 * A message of the transcript. `ctx`: t(key, values), lang, feedback(entry, helpful) and
 * quickReply(reply) for its buttons.
 */
export function messageEl(entry, ctx) {
  const { t } = ctx;
  const from = ["visitor", "agent", "bot"].includes(entry.from) ? entry.from : "bot";
  const el = h("div", { class: "msg " + from, "data-relais": "message", "data-from": from, "data-seq": entry.seq || null });
  const who = from === "visitor" ? t("you") : from === "agent" ? entry.agent_name || t("agent") : t("assistant");
  el.append(h("div", { class: from === "visitor" ? "sr" : "who" }, who));
  const bubble = h("div", { class: "bubble", "data-relais": "text" });
  appendText(bubble, entry.text);
  if (entry.at) bubble.title = new Date(entry.at).toLocaleString(ctx.lang);
  el.append(bubble);
  appendSources(el, entry.sources, t);
  appendFeedback(el, entry, ctx);
  appendQuickReplies(el, entry.quick_replies, ctx.quickReply);
  markPending(el, entry, t);
  return el;
}

/** Shows whether the visitor's message still waits for the server ("Sending…"). */
export function markPending(el, entry, t) {
  el.classList.toggle("pending", !!entry.pending);
  el.setAttribute("data-state", entry.pending ? "pending" : "sent");
  const meta = el.querySelector(".meta");
  if (entry.pending && !meta) el.append(h("div", { class: "meta", "aria-hidden": "true" }, t("sending")));
  if (!entry.pending && meta) meta.remove();
}

/** Appends `text` to `el` as text nodes, with http(s) URLs as links. */
function appendText(el, text) {
  const str = String(text == null ? "" : text);
  const re = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  let last = 0;
  for (const m of str.matchAll(re)) {
    if (!safeUrl(m[0])) continue;
    el.append(document.createTextNode(str.slice(last, m.index)), link(m[0], m[0]));
    last = m.index + m[0].length;
  }
  el.append(document.createTextNode(str.slice(last)));
}

function appendSources(el, sources, t) {
  const links = (Array.isArray(sources) ? sources : []).map((s) => [safeUrl(s && s.url), s]).filter(([href]) => href);
  if (!links.length) return;
  el.append(h("div", { class: "sources-label" }, t("sources")));
  el.append(h("ul", { class: "sources" }, ...links.map(([href, s]) => h("li", {}, link(href, String(s.title || href), { "data-relais": "source" })))));
}

function appendFeedback(el, entry, { t, feedback }) {
  if (!entry.ask_feedback || !entry.seq) return;
  const box = h("div", { class: "feedback", "data-relais": "feedback" });
  if (entry.feedback !== undefined) {
    box.append(t("thanks"));
  } else {
    const yes = h("button", { type: "button", "data-relais": "feedback-yes", "aria-label": t("useful"), title: t("useful") }, icon("up"));
    const no = h("button", { type: "button", "data-relais": "feedback-no", "aria-label": t("notUseful"), title: t("notUseful") }, icon("down"));
    yes.addEventListener("click", () => feedback(entry, true));
    no.addEventListener("click", () => feedback(entry, false));
    box.append(h("span", { class: "sr" }, t("askUseful")), yes, no);
  }
  el.append(box);
}

/**
 * The request to rate the conversation (`entry.scale` 2: 👎 👍; 5: 1 to 5), or the thanks
 * once `entry.score` is given. `rate(entry, score)` sends the visitor's choice.
 */
export function ratingEl(entry, { t, rate }) {
  const box = h("div", { class: "feedback rating", "data-relais": "rating", "data-scale": entry.scale });
  if (entry.score !== undefined) {
    box.append(t("rateThanks"));
    return box;
  }
  const choices =
    entry.scale === 5
      ? [1, 2, 3, 4, 5].map((n) => [n, t("rateScore", { n }), String(n)])
      : [[2, t("rateGood"), icon("up")], [1, t("rateBad"), icon("down")]];
  box.append(h("span", {}, t("rateAsk")));
  for (const [score, label, content] of choices) {
    const b = h("button", { type: "button", "data-relais": "rate", "data-score": score, "aria-label": label, title: label }, content);
    b.addEventListener("click", () => rate(entry, score));
    box.append(b);
  }
  return box;
}

function appendQuickReplies(el, replies, onPress) {
  const list = Array.isArray(replies) ? replies.filter((q) => q && q.title) : [];
  if (!list.length) return;
  const box = h("div", { class: "quick", "data-relais": "quick-replies" });
  for (const q of list) {
    const b = h("button", { type: "button", "data-relais": "quick-reply", "data-payload": q.payload }, String(q.title));
    b.addEventListener("click", () => onPress(q));
    box.append(b);
  }
  el.append(box);
}
