/**
 * The console's DOM builders: queue and conversation list items, the thread's messages, notes
 * and notices, the context panel, knowledge base hits and callback requests, with the
 * console's (English) text. They keep no state and call back on clicks. Everything a visitor
 * typed goes in as text; only http(s) URLs become links.
 */
import { h, link, safeUrl } from "../shared/dom.js";

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = new Date(typeof value === "number" ? value : Date.parse(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Newest first, by `created_at`. */
export function newestFirst(a, b) {
  return (toDate(b.created_at) || 0) - (toDate(a.created_at) || 0);
}

export function formatTime(value) {
  const d = toDate(value);
  return d ? d.toLocaleString() : "";
}

/** How long since `since`: "42 s", "3 min 5 s". */
export function formatWait(since) {
  const d = toDate(since);
  if (!d) return "";
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
}

/* ---------- lists on the left ---------- */

export function queueItem(c, onClaim) {
  const claim = h("button", { type: "button", class: "primary", "data-relais-console": "claim" }, "Claim");
  claim.addEventListener("click", onClaim);
  return h(
    "li",
    { class: "item", "data-relais-console": "queue-item", "data-conversation-id": c.conversation_id },
    c.preview
      ? h("div", { class: "preview", "data-relais-console": "preview" }, String(c.preview))
      : h("div", { class: "preview muted", "data-relais-console": "preview" }, "Conversation " + String(c.conversation_id)),
    h(
      "div",
      { class: "row" },
      h("span", { class: "tag", "data-relais-console": "wait", "data-since": c.waiting_since || "" }, formatWait(c.waiting_since)),
      h("span", { class: "tag", "data-relais-console": "reason" }, String(c.reason || "")),
      h("span", { class: "tag", "data-relais-console": "lang" }, String(c.lang || "")),
      h("span", { class: "tag channel", "data-relais-console": "channel", "data-channel": c.channel || "widget" }, channelName(c.channel)),
      h("span", { class: "spacer" }),
      claim,
    ),
  );
}

function lastVisitorText(conv) {
  const msgs = conv.events.filter((e) => e.kind === "message" && e.from === "visitor");
  return msgs.length ? msgs[msgs.length - 1].text : "";
}

export function mineItem(conv, selected, onSelect) {
  const li = h(
    "li",
    { class: "item open-conv" + (selected ? " selected" : ""), tabindex: "0", "data-relais-console": "mine-item", "data-conversation-id": conv.id },
    h("div", { class: "preview" }, String(lastVisitorText(conv) || conv.id)),
    h(
      "div",
      { class: "row" },
      h("span", { class: "tag" }, String((conv.context && conv.context.lang) || "")),
      h("span", { class: "tag channel", "data-relais-console": "channel" }, channelName(conv.context && conv.context.channel)),
      conv.ended ? h("span", { class: "tag ended" }, "ended") : null,
      conv.unread ? h("span", { class: "unread", "aria-label": conv.unread + " new" }, String(conv.unread)) : null,
    ),
  );
  li.addEventListener("click", onSelect);
  li.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect();
    }
  });
  return li;
}

export function callbackItem(c) {
  const rows = [
    ["Name", c.name],
    ["Email", c.email],
    ["Phone", c.phone],
    ["When", c.preferred_time],
    ["Note", c.note],
  ].filter(([, v]) => v);
  const dl = h("dl", { class: "callback" });
  for (const [k, v] of rows) dl.append(h("dt", {}, k), h("dd", {}, String(v)));
  return h(
    "li",
    { class: "item", "data-relais-console": "callback", "data-conversation-id": c.conversation_id || "" },
    h("div", { class: "row" }, h("span", { class: "tag" }, formatTime(c.created_at))),
    dl,
  );
}

/* ---------- the thread ---------- */

/** What people call a channel. */
export function channelName(channel) {
  return { sms: "SMS", whatsapp: "WhatsApp", rest: "App (REST)" }[channel] || "Widget";
}

/**
 * The element of one event of the thread, or null for kinds not shown. On a channel beyond
 * the widget (`delivery`, from `delivery` frames), a message shows what became of it, and a
 * notice the contact was sent (an agent joined, a close) shows it when it failed.
 */
export function eventEl(ev, channel, delivery) {
  if (ev.kind === "message") {
    const el = messageEl(ev);
    if (delivery && ev.from !== "visitor") el.append(deliveryEl(delivery, channelName(channel)));
    return el;
  }
  if (ev.kind === "note") return noteEl(ev);
  const told = (el) => {
    if (delivery && delivery.state === "failed") el.append(deliveryEl(delivery, channelName(channel)));
    return el;
  };
  if (ev.kind === "handoff") return told(notice(ev, handoffText(ev)));
  if (ev.kind === "closed") return told(notice(ev, "Conversation closed by " + (ev.by || "someone")));
  if (ev.kind === "rating") return notice(ev, "The visitor rated the conversation " + ratingText(ev));
  return null;
}

/** A rating as people read it: 👍 or 👎 on the thumbs scale, "n of 5" on the other. */
function ratingText(rating) {
  if (Number(rating.scale) === 2) return Number(rating.score) === 2 ? "👍" : "👎";
  return `${Number(rating.score)} of ${Number(rating.scale)}`;
}

function messageEl(ev) {
  const from = ["visitor", "bot", "agent"].includes(ev.from) ? ev.from : "bot";
  const who = from === "agent" ? ev.agent_name || "Agent" : from === "bot" ? "Bot" : "Visitor";
  const el = h(
    "div",
    { class: "msg " + from + (ev.pending ? " pending" : ""), "data-relais-console": "message", "data-from": from, "data-seq": ev.seq || null, "data-state": ev.pending ? "pending" : "sent" },
    h("div", { class: "who" }, who + (ev.at ? " · " + formatTime(ev.at) : "")),
    h("div", { class: "bubble", "data-relais-console": "text" }, String(ev.text || "")),
  );
  const sources = (ev.sources || []).filter((s) => safeUrl(s && s.url));
  if (sources.length) {
    const extra = h("div", { class: "extra" }, "Sources: ");
    sources.forEach((s, i) => extra.append(i ? ", " : "", link(s.url, s.title)));
    el.append(extra);
  }
  if (Array.isArray(ev.quick_replies) && ev.quick_replies.length) {
    el.append(h("div", { class: "extra" }, "Buttons: " + ev.quick_replies.map((q) => q.title).join(" · ")));
  }
  return el;
}

/** "Sent by SMS", "Delivered", "Retrying: …" or "Not delivered: …" under a message. */
function deliveryEl(status, channel) {
  const state = ["pending", "sent", "delivered", "failed"].includes(status.state) ? status.state : "pending";
  const text = {
    pending: status.error ? `Retrying (attempt ${Number(status.attempts) + 1}): ${status.error}` : "Sending by " + channel + "…",
    sent: "Sent by " + channel,
    delivered: "Delivered by " + channel,
    failed: "Not delivered: " + (status.error || "the provider refused it"),
  }[state];
  return h("div", { class: "delivery " + state, "data-relais-console": "delivery", "data-state": state, role: state === "failed" ? "alert" : null }, text);
}

function noteEl(ev) {
  return h(
    "div",
    { class: "msg note", "data-relais-console": "note", "data-seq": ev.seq || null },
    h("div", { class: "who" }, "Internal note · " + (ev.agent_name || "Agent")),
    h("div", { class: "bubble" }, String(ev.text || "")),
  );
}

function notice(ev, text) {
  return h("div", { class: "notice", "data-relais-console": "notice", "data-kind": ev.kind, "data-state": ev.state || null }, text);
}

function handoffText(ev) {
  const texts = {
    queued: "Queued" + (ev.reason ? " (" + ev.reason + ")" : ""),
    agent_joined: (ev.agent_name || "An agent") + " joined",
    agent_left: (ev.agent_name || "The agent") + " left (disabled): back in the queue",
    returned_to_bot: "Handed back to the bot",
    no_agent_available: "No agent was available" + (ev.reason ? " (" + ev.reason + ")" : ""),
    abandoned: "Left the queue (visitor gone)",
  };
  return texts[ev.state] || "Handoff: " + ev.state;
}

/* ---------- context panel ---------- */

/** The context panel's content for `conv`, or its placeholder when none is selected. */
export function contextChildren(conv) {
  const title = h("h2", {}, "Context");
  if (!conv) return [title, h("p", { class: "muted" }, "The visitor's details, pages, intents and articles appear here.")];
  const ctx = conv.context || {};
  return [
    title,
    verifiedEl(ctx.verified_user_id),
    section("Channel", "context-channel", h("p", {}, h("strong", {}, channelName(ctx.channel)), ctx.address ? " · " + String(ctx.address) : "")),
    section("Earlier conversations", "context-earlier", listOf(ctx.earlier, earlierItem)),
    section("Visitor (as they say)", "context-visitor", visitorList(ctx)),
    section("Escalation", "context-escalation", escalationEl(ctx.escalation)),
    section("Reading", "context-topic", ctx.topic ? h("p", {}, "Help article: ", h("strong", {}, String(ctx.topic.title))) : h("p", { class: "muted" }, "No help article")),
    section("Pages viewed", "context-pages", listOf(ctx.pages, pageItem)),
    section("Intents", "context-intents", listOf(ctx.intents, intentItem)),
    section("Articles shown", "context-articles", listOf(ctx.articles, (a) => [link(a.url, a.title), timeSpan(a.at)])),
    section("Callback requests", "context-callbacks", listOf(ctx.callback_requests, callbackSummary)),
    section("Rating", "context-rating", ctx.rating ? h("p", {}, ratingText(ctx.rating), " ", timeSpan(ctx.rating.at)) : h("p", { class: "muted" }, "None")),
  ];
}

/** One of the contact's earlier conversations, on any channel. */
function earlierItem(c) {
  return [h("strong", {}, channelName(c.channel)), " · " + String(c.state) + (c.escalation_reason ? " · " + String(c.escalation_reason) : ""), " ", timeSpan(c.started_at)];
}

function section(title, hook, body) {
  return h("div", { "data-relais-console": hook }, h("h3", {}, title), body);
}

/**
 * The user id the host site signed for, apart from the visitor's own attributes: those are
 * claims anyone can make (a `user_id` among them proves nothing).
 */
function verifiedEl(id) {
  if (typeof id !== "string" || !id) {
    return h("p", { class: "unverified", "data-relais-console": "context-unverified" }, "No verified identity: the details below are as the visitor gives them.");
  }
  return h("p", { class: "verified", "data-relais-console": "context-verified" }, "Verified user: ", h("strong", {}, id));
}

function visitorList(ctx) {
  const rows = [
    ["Language", ctx.lang],
    ["Started", formatTime(ctx.started_at)],
    ...Object.entries(ctx.visitor || {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]),
  ].filter(([, v]) => v !== undefined && v !== null && v !== "");
  const dl = h("dl");
  for (const [k, v] of rows) dl.append(h("dt", {}, String(k)), h("dd", {}, String(v)));
  return dl;
}

function escalationEl(esc) {
  if (!esc) return h("p", { class: "muted" }, "None");
  return h(
    "p",
    {},
    h("strong", { "data-relais-console": "escalation-reason" }, String(esc.reason || "")),
    esc.detail ? " — " + String(esc.detail) : "",
    esc.at ? " (" + formatTime(esc.at) + ")" : "",
  );
}

function intentItem(i) {
  const pct = typeof i.confidence === "number" ? Math.round(i.confidence * 100) + "%" : "";
  return [h("strong", {}, String(i.intent || "")), " ", h("span", { class: "confidence" }, pct), i.text ? " — “" + String(i.text) + "”" : ""];
}

function pageItem(p) {
  let where = String(p.url || "");
  try {
    const u = new URL(where);
    where = u.pathname + u.search + u.hash;
  } catch {
    /* not a URL: shown as it is */
  }
  return [link(p.url, p.title || p.url), " ", h("span", { class: "muted" }, where), timeSpan(p.at)];
}

function callbackSummary(c) {
  return [[c.name, c.email, c.phone, c.preferred_time, c.note].filter(Boolean).map(String).join(" · ")];
}

function timeSpan(at) {
  const text = formatTime(at);
  return text ? h("span", { class: "muted" }, " · " + text) : "";
}

function listOf(items, row) {
  if (!Array.isArray(items) || !items.length) return h("p", { class: "muted" }, "None");
  const ol = h("ol");
  for (const item of items) ol.append(h("li", {}, ...row(item || {})));
  return ol;
}

/* ---------- agent assist ---------- */

export function hitItem(hit, onInsert) {
  const insert = h("button", { type: "button", class: "small", "data-relais-console": "kb-insert" }, "Insert into reply");
  insert.addEventListener("click", onInsert);
  return h(
    "li",
    { class: "item", "data-relais-console": "kb-result" },
    h("strong", {}, link(hit.url, hit.title + (hit.heading && hit.heading !== hit.title ? " — " + hit.heading : ""))),
    h("div", { class: "kb-text" }, String(hit.snippet || hit.text || "")),
    h("div", {}, insert),
  );
}
