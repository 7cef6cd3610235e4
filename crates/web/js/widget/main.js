/**
 * Relais chat widget: the visitor's side of a Relais conversation, embedded in any site with
 * one <script> tag, rendered in an open Shadow DOM. This entry point reads the tag's settings
 * and ties the pieces together: the protocol (session.js), the transcript and the panel
 * (view.js, style.js, strings.js), storage (storage.js), invitations (invitations.js).
 * Everything received is rendered as text, never as HTML.
 *
 * Public API on window.Relais: open(), close(), identify(attributes, signature?),
 * setLang(lang), on(event, handler) with events message, handoff, open, close.
 */
import { newClientId } from "../shared/connection.js";
import { h } from "../shared/dom.js";
import { webSocket } from "../shared/transport.js";
import { matchingRule, ruleKey } from "./invitations.js";
import { MAX_LEN, Session } from "./session.js";
import { MAX_ENTRIES, storage } from "./storage.js";
import { pickLang, text } from "./strings.js";
import { DEFAULT_COLOR, STYLE, textOn } from "./style.js";
import { callbackFields, markPending, messageEl, noticeEl, noticeText, ratingEl, skeleton } from "./view.js";

/** How long "… is typing" shows without news. */
const TYPING_MS = 5000;
/** The visitor's typing is sent at most this often. */
const TYPING_SEND_MS = 3000;

/** Reads the data-* attributes of the script tag. */
function readSettings(el) {
  const data = (el && el.dataset) || {};
  const src = new URL((el && el.src) || location.href, location.href);
  const base = new URL(data.relaisUrl || src.origin, location.href);
  const secure = base.protocol === "https:" || base.protocol === "wss:";
  const root = base.host + base.pathname.replace(/\/+$/, "");
  return {
    wsUrl: (secure ? "wss://" : "ws://") + root + "/v1/ws",
    httpUrl: (secure ? "https://" : "http://") + root,
    title: data.title || "",
    color: data.color && window.CSS && CSS.supports("color", data.color) ? data.color : DEFAULT_COLOR,
    position: data.position === "left" ? "left" : "right",
    lang: data.lang || "",
  };
}

/** The language for the widget's text: the wanted one, else the page's, else the browser's. */
function chooseLang(wanted) {
  return pickLang([wanted, document.documentElement.lang, ...(navigator.languages || []), navigator.language]);
}

const currentPage = () => ({ url: location.href, title: document.title });

let settings, store, session, ui;

/** What the widget shows, apart from the protocol's state (session.js). */
const state = {
  entries: [],
  connection: "idle",
  open: false,
  unread: 0,
  handoff: null,
  position: null,
  agentName: null,
  typingTimer: null,
  lastTypingSent: 0,
  lastPage: location.href,
  rules: [],
  proactiveTimer: null,
  listeners: {},
};

/** A text of the widget in the current language. */
function t(key, values) {
  return text(session.lang, key, values);
}

function save() {
  store.save(session.conv, state.entries, session.pending);
}

function emit(name, detail) {
  for (const fn of state.listeners[name] || []) {
    try {
      fn(detail);
    } catch (err) {
      console.error("Relais: a '" + name + "' handler failed", err);
    }
  }
}

/* ---------- DOM skeleton ---------- */

const elements = new WeakMap();

function build() {
  const host = h("div", { id: "relais-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  shadow.append(h("style", {}, STYLE));
  ui = skeleton(settings.position);
  ui.root.style.setProperty("--accent", settings.color);
  ui.root.style.setProperty("--on-accent", textOn(settings.color));
  shadow.append(ui.root);
  document.body.append(host);
  bindUi();
}

/** (Re)writes every UI label in the current language. */
function applyLang() {
  ui.root.setAttribute("lang", session.lang);
  ui.title.textContent = settings.title || t("title");
  ui.close.setAttribute("aria-label", t("close"));
  ui.close.title = t("close");
  ui.end.setAttribute("aria-label", t("end"));
  ui.end.title = t("end");
  ui.input.setAttribute("aria-label", t("input"));
  ui.input.placeholder = t("placeholder");
  ui.send.setAttribute("aria-label", t("send"));
  ui.send.title = t("send");
  ui.cbInstead.textContent = t("cbInstead");
  updateLauncherLabel();
  renderStatus();
  if (!ui.cb.hidden) ui.cb.replaceChildren(...callbackFields(t, hideCallbackForm));
}

function updateLauncherLabel() {
  const label = state.open ? t("close") : state.unread ? t("openUnread", { n: state.unread }) : t("open");
  ui.launcher.setAttribute("aria-label", label);
  ui.launcher.title = label;
  ui.badge.textContent = String(state.unread);
  ui.badge.hidden = state.open || !state.unread;
}

function bindUi() {
  ui.launcher.addEventListener("click", () => (state.open ? closePanel() : openPanel(true)));
  ui.close.addEventListener("click", () => closePanel());
  ui.cbInstead.addEventListener("click", () => showCallbackForm(true));
  ui.end.addEventListener("click", () => session.close());
  ui.panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      closePanel();
    }
  });
  ui.compose.addEventListener("submit", (e) => {
    e.preventDefault();
    submitInput();
  });
  ui.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submitInput();
    }
  });
  ui.input.addEventListener("input", onInput);
  ui.cb.addEventListener("submit", (e) => {
    e.preventDefault();
    submitCallback();
  });
}

/* ---------- panel ---------- */

function openPanel(byUser) {
  if (state.open) return;
  state.open = true;
  state.unread = 0;
  ui.panel.hidden = false;
  ui.root.classList.add("open");
  ui.launcher.setAttribute("aria-expanded", "true");
  updateLauncherLabel();
  scrollDown(true);
  store.sessionSet("open", true);
  if (byUser) {
    ui.input.focus();
    session.connectIfNeeded(true);
  }
  emit("open", {});
}

function closePanel() {
  if (!state.open) return;
  const hadFocus = ui.root.getRootNode().activeElement !== null;
  state.open = false;
  ui.panel.hidden = true;
  ui.root.classList.remove("open");
  ui.launcher.setAttribute("aria-expanded", "false");
  updateLauncherLabel();
  store.sessionSet("open", false);
  if (hadFocus) ui.launcher.focus();
  emit("close", {});
}

function scrollDown(force) {
  const log = ui.log;
  if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
}

function onInput() {
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + "px";
  const now = Date.now();
  if (session.live && ui.input.value && now - state.lastTypingSent > TYPING_SEND_MS) {
    state.lastTypingSent = now;
    session.send({ type: "typing" });
  }
}

/* ---------- status line ---------- */

function setConnection(value) {
  state.connection = value;
  ui.root.setAttribute("data-connection", value);
  renderStatus();
}

function renderStatus() {
  let status = "";
  if (state.connection === "reconnecting") status = navigator.onLine === false ? t("offline") : t("reconnecting");
  else if (state.connection === "connecting") status = t("connecting");
  else if (state.handoff === "queued") status = state.position ? t("queuedAt", { n: state.position }) : t("queued");
  else if (state.handoff === "agent_joined") status = t("with", { name: state.agentName || t("agent") });
  ui.status.textContent = status;
  // Waiting in the queue need not last: the visitor may leave a callback request instead.
  ui.cbInstead.hidden = state.handoff !== "queued" || !ui.cb.hidden || state.entries.some((e) => e.kind === "callback_sent");
  ui.root.setAttribute("data-handoff", state.handoff || "none");
  ui.end.hidden = !session.conv.id;
}

/* ---------- transcript ---------- */

function findEntry(clientId) {
  return clientId ? state.entries.find((e) => e.client_id === clientId) : undefined;
}

/** Adds an entry to the transcript and the log; `live` entries count as unread and notify listeners. */
function addEntry(entry, live) {
  state.entries.push(entry);
  if (state.entries.length > MAX_ENTRIES) state.entries.shift();
  render(entry);
  if (live && entry.kind === "message" && entry.from !== "visitor") {
    hideTyping();
    if (!state.open) {
      state.unread += 1;
      updateLauncherLabel();
    }
  }
}

function render(entry) {
  let el;
  if (entry.kind === "message") {
    for (const box of ui.log.querySelectorAll(".quick")) box.remove();
    el = messageEl(entry, { t, lang: session.lang, feedback: giveFeedback, quickReply: pressQuickReply });
  } else if (entry.kind === "rating") {
    el = ratingEl(entry, { t, rate });
  } else {
    el = noticeEl(entry, t);
  }
  elements.set(entry, el);
  ui.log.append(el);
  scrollDown(entry.from === "visitor");
}

function renderAll() {
  ui.log.textContent = "";
  for (const e of state.entries) render(e);
  for (const e of [...state.entries].reverse()) {
    if (e.kind === "handoff") {
      applyHandoff(e);
      break;
    }
  }
}

function showTyping(ev) {
  const name = ev.from === "agent" ? state.agentName || t("agent") : t("assistant");
  ui.typing.textContent = t("typing", { name });
  ui.typing.hidden = false;
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(hideTyping, TYPING_MS);
}

function hideTyping() {
  clearTimeout(state.typingTimer);
  ui.typing.hidden = true;
}

/* ---------- what the session reports ---------- */

function onEvent(ev, live) {
  if (ev.kind === "message") onMessageEvent(ev, live);
  else if (ev.kind === "handoff") onHandoffEvent(ev, live);
  else if (ev.kind === "rating_request") addEntry({ kind: "rating", seq: ev.seq, scale: ev.scale }, live);
}

function onMessageEvent(ev, live) {
  const own = ev.from === "visitor" ? findEntry(ev.client_id) : undefined;
  if (own) {
    acknowledge(own, ev.seq);
    return;
  }
  const entry = {
    kind: "message",
    seq: ev.seq,
    at: ev.at,
    from: ev.from,
    text: ev.text,
    agent_name: ev.agent_name,
    quick_replies: ev.quick_replies,
    sources: ev.sources,
    ask_feedback: !!ev.ask_feedback,
    client_id: ev.client_id,
  };
  if (ev.from === "agent" && ev.agent_name) state.agentName = ev.agent_name;
  addEntry(entry, live);
  if (live) emit("message", { seq: ev.seq, from: ev.from, text: ev.text, agent_name: ev.agent_name, at: ev.at });
}

function onHandoffEvent(ev, live) {
  const entry = { kind: "handoff", seq: ev.seq, state: ev.state, position: ev.position, agent_name: ev.agent_name, reason: ev.reason };
  addEntry(entry, live);
  applyHandoff(entry);
  if (ev.state === "no_agent_available" && live) showCallbackForm(false);
  if (live) emit("handoff", { state: ev.state, position: ev.position, agent_name: ev.agent_name, reason: ev.reason });
}

function applyHandoff(entry) {
  // An agent who left (was disabled) puts the visitor back in the queue, place unknown.
  const handoff = entry.state === "agent_left" ? "queued" : entry.state;
  state.handoff = handoff === "queued" || handoff === "agent_joined" ? handoff : null;
  state.position = entry.position;
  if (entry.agent_name) state.agentName = entry.agent_name;
  renderStatus();
}

/** The visitor's message `clientId` is stored as event `seq`. */
function onAck(clientId, seq) {
  const entry = findEntry(clientId);
  if (entry) acknowledge(entry, seq);
}

function acknowledge(entry, seq) {
  entry.pending = false;
  if (seq) entry.seq = seq;
  const el = elements.get(entry);
  if (el) {
    markPending(el, entry, t);
    if (seq) el.setAttribute("data-seq", String(seq));
  }
}

/** The conversation is forgotten: only unsent messages and local notes stay in the transcript. */
function onFresh() {
  const kept = (e) => e.pending || e.local;
  for (const e of state.entries.filter((e) => !kept(e))) elements.get(e)?.remove();
  state.entries = state.entries.filter(kept);
  state.handoff = null;
  renderStatus();
}

/** The conversation ended: the notice stays in the log, the transcript keeps only unsent messages. */
function onClosed(ev) {
  addEntry({ kind: "closed", seq: ev.seq, by: ev.by }, false);
  state.handoff = null;
  hideCallbackForm();
  state.entries = state.entries.filter((e) => e.pending);
}

function addLocalNotice(notice) {
  addEntry({ kind: "notice", text: notice, local: true }, false);
}

/* ---------- what the visitor does ---------- */

function submitInput() {
  const value = ui.input.value.trim();
  if (!value) return;
  ui.input.value = "";
  ui.input.style.height = "auto";
  state.lastTypingSent = 0;
  sendVisitor({ type: "message", client_id: newClientId("c-"), text: value.slice(0, MAX_LEN) }, value.slice(0, MAX_LEN));
}

function pressQuickReply(q) {
  if (q.payload === "/callback_request") {
    showCallbackForm(true);
    return;
  }
  sendVisitor({ type: "quick_reply", client_id: newClientId("c-"), payload: String(q.payload) }, String(q.title));
}

/** Shows the visitor's message at once (pending) and sends it until the server acknowledges it. */
function sendVisitor(frame, shown) {
  addEntry({ kind: "message", from: "visitor", text: shown, client_id: frame.client_id, pending: true, at: new Date().toISOString() }, false);
  session.sendMessage(frame);
  save();
}

function giveFeedback(entry, helpful) {
  entry.feedback = helpful;
  session.sendWhenReady({ type: "feedback", seq: entry.seq, helpful });
  const el = elements.get(entry);
  const box = el && el.querySelector(".feedback");
  if (box) box.replaceChildren(t("thanks"));
  save();
}

/** The visitor rates the conversation: sent once, and the request turns into thanks. */
function rate(entry, score) {
  if (entry.score !== undefined) return;
  if (!session.rate(score)) {
    // The wait for it is over: the request goes.
    elements.get(entry)?.remove();
    state.entries = state.entries.filter((e) => e !== entry);
    save();
    return;
  }
  entry.score = score;
  const el = ratingEl(entry, { t, rate });
  elements.get(entry)?.replaceWith(el);
  elements.set(entry, el);
  save();
}

/* ---------- callback form ---------- */

function showCallbackForm(focus) {
  ui.cb.replaceChildren(...callbackFields(t, hideCallbackForm));
  ui.cb.hidden = false;
  renderStatus();
  if (!state.open) openPanel(false);
  if (focus) ui.cb.querySelector("input").focus();
}

function hideCallbackForm() {
  ui.cb.hidden = true;
  ui.cb.textContent = "";
  renderStatus();
}

function submitCallback() {
  const value = (name) => ui.cb.elements[name].value.trim();
  const frame = { type: "callback_request" };
  for (const name of ["name", "email", "phone", "preferred_time", "note"]) {
    if (value(name)) frame[name] = value(name);
  }
  if (!frame.email && !frame.phone) {
    ui.cb.querySelector(".cb-err").textContent = t("cbNeed");
    ui.cb.elements.email.focus();
    return;
  }
  session.sendWhenReady(frame);
  addEntry({ kind: "callback_sent", local: true }, false);
  hideCallbackForm();
  ui.input.focus();
}

/* ---------- page views and proactive invitations ---------- */

function onNavigate() {
  if (location.href === state.lastPage) return;
  state.lastPage = location.href;
  session.viewPage();
  scheduleProactive();
}

function watchNavigation() {
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    history[name] = function (...args) {
      const result = original.apply(this, args);
      setTimeout(onNavigate, 0);
      return result;
    };
  }
  window.addEventListener("popstate", onNavigate);
  window.addEventListener("hashchange", onNavigate);
}

async function loadRules() {
  try {
    const res = await fetch(settings.httpUrl + "/v1/widget/config", { credentials: "omit" });
    const config = res.ok ? await res.json() : {};
    state.rules = Array.isArray(config.proactive) ? config.proactive : [];
    scheduleProactive();
  } catch {
    state.rules = [];
  }
}

function scheduleProactive() {
  clearTimeout(state.proactiveTimer);
  const rule = matchingRule(state.rules, session.lang, location.pathname, store.sessionGet("proactive") || []);
  if (!rule) return;
  const wait = Math.max(0, Number(rule.after_seconds) || 0) * 1000;
  state.proactiveTimer = setTimeout(() => showProactive(rule), wait);
}

function showProactive(rule) {
  if (state.open) return;
  store.sessionSet("proactive", [...(store.sessionGet("proactive") || []), ruleKey(rule)]);
  addEntry({ kind: "message", from: "bot", text: String(rule.text), local: true, proactive: true }, true);
  openPanel(false);
}

/* ---------- public API ---------- */

function setLang(lang) {
  session.lang = chooseLang(lang);
  applyLang();
  for (const e of state.entries) {
    if (e.kind !== "message" && elements.has(e)) elements.get(e).textContent = noticeText(e, t);
  }
}

function on(event, handler) {
  if (typeof handler !== "function") return () => {};
  (state.listeners[event] = state.listeners[event] || []).push(handler);
  return () => {
    state.listeners[event] = state.listeners[event].filter((f) => f !== handler);
  };
}

/* ---------- start ---------- */

function start() {
  const saved = store.load();
  if (saved) {
    session.restore(saved.conv, saved.pending);
    state.entries = saved.entries;
  }
  build();
  applyLang();
  renderAll();
  session.connectIfNeeded(false);
  if (store.sessionGet("open")) openPanel(false);
  watchNavigation();
  window.addEventListener("online", () => session.online());
  window.addEventListener("offline", () => session.offline());
  loadRules();
}

/** Sets the widget up once per page, however many times the script is included. */
function install(script) {
  settings = readSettings(script);
  store = storage(settings.httpUrl);
  session = new Session({
    open: webSocket(settings.wsUrl),
    page: currentPage,
    handlers: {
      connection: setConnection,
      event: onEvent,
      typing: showTyping,
      ack: onAck,
      fresh: onFresh,
      closed: onClosed,
      notice: (key) => addLocalNotice(t(key)),
      changed: save,
    },
  });
  session.lang = chooseLang(settings.lang);
  session.browserId = store.browserId();
  window.Relais = {
    version: "1",
    open: () => openPanel(true),
    close: closePanel,
    identify: (attributes, signature) => session.identify(attributes, signature),
    setLang,
    on,
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}

if (!(window.Relais && window.Relais.version)) install(document.currentScript || document.querySelector('script[src*="widget.js"]'));
