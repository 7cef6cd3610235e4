/**
 * Relais chat widget: the visitor's side of a Relais conversation, embedded in any site
 * with one <script> tag. Plain JavaScript, no build step, rendered in an open Shadow DOM.
 *
 * It speaks the visitor WebSocket protocol (/v1/ws, see PROTOCOL.md): the conversation id,
 * token, last seq, transcript and unacknowledged messages live in localStorage, so the
 * conversation survives reloads, navigation and dropped connections without losing or
 * doubling a message. Everything received is rendered as text, never as HTML.
 *
 * Public API on window.Relais: open(), close(), identify(attributes, signature?),
 * setLang(lang), on(event, handler) with events message, handoff, open, close.
 */
(() => {
  "use strict";
  if (window.Relais && window.Relais.version) return;

  const MAX_LEN = 2000;
  const MAX_ENTRIES = 200;
  const TYPING_MS = 5000;
  const TYPING_SEND_MS = 3000;
  const DEFAULT_COLOR = "#2f6b4f";

  const STRINGS = {
    en: {
      title: "Chat with us",
      open: "Open chat",
      openUnread: "Open chat, {n} new",
      close: "Close chat",
      end: "End conversation",
      input: "Your message",
      placeholder: "Type your message…",
      send: "Send",
      connecting: "Connecting…",
      reconnecting: "Connection lost. Reconnecting…",
      offline: "You are offline. Your messages will be sent when the connection returns.",
      queued: "Waiting for an agent",
      queuedAt: "Waiting for an agent (you are number {n})",
      joined: "{name} joined the conversation",
      with: "Chatting with {name}",
      left: "{name} left the conversation",
      returned: "You are back with the assistant",
      noAgent: "No one is available right now",
      abandoned: "You left the queue.",
      ended: "This conversation has ended. Write again to start a new one.",
      agent: "Agent",
      assistant: "Assistant",
      you: "You",
      typing: "{name} is typing…",
      sending: "Sending…",
      sources: "Sources",
      useful: "Useful",
      notUseful: "Not useful",
      askUseful: "Was this useful?",
      thanks: "Thanks for your feedback",
      cbTitle: "Leave your details and we will get back to you.",
      cbName: "Name",
      cbEmail: "Email",
      cbPhone: "Phone",
      cbTime: "Best time to reach you",
      cbNote: "What is it about?",
      cbSubmit: "Request a callback",
      cbCancel: "Cancel",
      cbNeed: "Please give an email address or a phone number.",
      cbSent: "Callback requested. We will contact you.",
      cbInstead: "Rather not wait? Leave a callback request",
      tooLong: "That message is too long (2,000 characters at most).",
      rateLimited: "You are sending messages too quickly. Retrying in a moment.",
      limitReached: "You have already asked to be called back several times in this conversation.",
      failed: "Something went wrong on our side. Please try again.",
    },
    fr: {
      title: "Discutons",
      open: "Ouvrir la discussion",
      openUnread: "Ouvrir la discussion, {n} nouveau(x)",
      close: "Fermer la discussion",
      end: "Terminer la conversation",
      input: "Votre message",
      placeholder: "Écrivez votre message…",
      send: "Envoyer",
      connecting: "Connexion…",
      reconnecting: "Connexion perdue. Reconnexion…",
      offline: "Vous êtes hors ligne. Vos messages partiront au retour de la connexion.",
      queued: "En attente d'un conseiller",
      queuedAt: "En attente d'un conseiller (vous êtes n° {n})",
      joined: "{name} a rejoint la conversation",
      with: "En conversation avec {name}",
      left: "{name} a quitté la conversation",
      returned: "Vous êtes de retour avec l'assistant",
      noAgent: "Personne n'est disponible pour le moment",
      abandoned: "Vous avez quitté la file d'attente.",
      ended: "Cette conversation est terminée. Écrivez pour en commencer une nouvelle.",
      agent: "Conseiller",
      assistant: "Assistant",
      you: "Vous",
      typing: "{name} écrit…",
      sending: "Envoi…",
      sources: "Sources",
      useful: "Utile",
      notUseful: "Pas utile",
      askUseful: "Cette réponse vous a-t-elle aidé ?",
      thanks: "Merci pour votre retour",
      cbTitle: "Laissez vos coordonnées, nous vous recontacterons.",
      cbName: "Nom",
      cbEmail: "E-mail",
      cbPhone: "Téléphone",
      cbTime: "Quand vous joindre",
      cbNote: "À quel sujet ?",
      cbSubmit: "Être rappelé",
      cbCancel: "Annuler",
      cbNeed: "Indiquez une adresse e-mail ou un numéro de téléphone.",
      cbSent: "Demande de rappel envoyée. Nous vous recontacterons.",
      cbInstead: "Pas le temps d'attendre ? Demandez à être rappelé",
      tooLong: "Ce message est trop long (2 000 caractères au plus).",
      rateLimited: "Vous envoyez des messages trop vite. Nouvel essai dans un instant.",
      limitReached: "Vous avez déjà demandé plusieurs fois à être rappelé dans cette conversation.",
      failed: "Un problème est survenu de notre côté. Réessayez.",
    },
  };

  const STYLE = `
:host { all: initial !important; }
.root { all: initial; --accent: ${DEFAULT_COLOR}; --on-accent: #fff; font: 400 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; }
.root * { box-sizing: border-box; font: inherit; color: inherit; letter-spacing: normal; text-transform: none; }
[hidden] { display: none !important; }
.launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 60px; height: 60px; border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent); cursor: pointer; box-shadow: 0 6px 20px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; padding: 0; margin: 0; }
.left .launcher, .left .panel { right: auto; left: 20px; }
.launcher svg, .icon-btn svg { width: 28px; height: 28px; fill: currentColor; }
.launcher:focus-visible, button:focus-visible, a:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; background: #c62828; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center; }
.panel { position: fixed; bottom: 92px; right: 20px; z-index: 2147483001; width: 380px; height: 600px; max-height: calc(100vh - 112px); display: flex; flex-direction: column; background: #fff; border-radius: 16px; box-shadow: 0 12px 40px rgba(0,0,0,.28); overflow: hidden; }
.head { display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px; background: var(--accent); color: var(--on-accent); }
.head-text { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 700; }
.status { font-size: 12px; opacity: .92; min-height: 17px; }
.icon-btn { flex: none; width: 36px; height: 36px; border: 0; border-radius: 8px; background: transparent; color: inherit; cursor: pointer; display: flex; align-items: center; justify-content: center; padding: 0; }
.icon-btn svg { width: 20px; height: 20px; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.log { flex: 1; overflow-y: auto; padding: 16px; background: #f6f7f9; display: flex; flex-direction: column; gap: 10px; }
.msg { display: flex; flex-direction: column; max-width: 85%; align-self: flex-start; }
.msg.visitor { align-self: flex-end; align-items: flex-end; }
.who { font-size: 12px; color: #555; margin: 0 4px 2px; }
.bubble { padding: 9px 13px; border-radius: 14px; background: #fff; border: 1px solid #e3e5e8; white-space: pre-wrap; overflow-wrap: anywhere; }
.visitor .bubble { background: var(--accent); color: var(--on-accent); border-color: transparent; }
.visitor .bubble a { color: inherit; }
.agent .bubble { border-color: var(--accent); }
.pending .bubble { opacity: .65; }
.meta { font-size: 11px; color: #666; margin: 2px 4px 0; }
a { color: #0b57d0; text-decoration: underline; }
.sources { margin: 6px 0 0; padding: 0 0 0 18px; font-size: 13px; }
.sources-label { font-size: 12px; color: #555; margin: 6px 4px 0; }
.feedback { display: flex; align-items: center; gap: 6px; margin: 6px 4px 0; font-size: 12px; color: #555; }
.feedback button { border: 1px solid #c9ccd1; background: #fff; border-radius: 14px; padding: 4px 10px; cursor: pointer; display: flex; color: #555; }
.feedback button:hover { color: var(--accent); border-color: var(--accent); }
.feedback svg { width: 16px; height: 16px; fill: currentColor; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.quick button { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 16px; padding: 6px 12px; cursor: pointer; font-size: 14px; }
.quick button:hover { background: #eef3f0; }
.notice { align-self: center; text-align: center; font-size: 12px; color: #555; background: #eceef1; border-radius: 10px; padding: 4px 10px; max-width: 90%; }
.typing { padding: 0 16px 6px; background: #f6f7f9; font-size: 12px; color: #555; font-style: italic; min-height: 0; }
.cb { border-top: 1px solid #e3e5e8; padding: 12px 16px; background: #fff; display: grid; gap: 6px; max-height: 55%; overflow-y: auto; }
.cb p { margin: 0 0 4px; font-weight: 600; }
.wait-cb { margin: 6px 16px; font-size: 13px; text-align: left; }
.cb label { display: grid; gap: 2px; font-size: 13px; color: #333; }
.cb input, .cb textarea { border: 1px solid #c9ccd1; border-radius: 8px; padding: 6px 8px; background: #fff; width: 100%; }
.cb-err { color: #b3261e; font-size: 13px; }
.row { display: flex; gap: 8px; justify-content: flex-end; }
.btn { border: 0; border-radius: 10px; padding: 8px 14px; background: var(--accent); color: var(--on-accent); cursor: pointer; font-weight: 600; }
.btn.plain { background: #eceef1; color: #1d1d1f; }
.compose { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px; border-top: 1px solid #e3e5e8; background: #fff; }
.compose textarea { flex: 1; resize: none; border: 1px solid #c9ccd1; border-radius: 12px; padding: 9px 12px; max-height: 120px; min-height: 40px; background: #fff; line-height: 20px; }
.send { flex: none; width: 40px; height: 40px; border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent); cursor: pointer; display: flex; align-items: center; justify-content: center; padding: 0; }
.send svg { width: 20px; height: 20px; fill: currentColor; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); border: 0; white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; bottom: 0; right: 0; left: 0; }
  .open .launcher { display: none; }
}
@media (prefers-reduced-motion: no-preference) { .panel { animation: pop .16s ease-out; } }
@keyframes pop { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
`;

  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
    end: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-4 8h8v2H8z",
    send: "M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
  };

  /* ---------- small helpers ---------- */

  /** Creates an element; attributes are set with setAttribute, string children become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) el.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return el;
  }

  /** An inline SVG icon from one path. */
  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  /** The URL as a string when it is http(s), otherwise null: nothing else becomes a link. */
  function safeUrl(url) {
    try {
      const u = new URL(String(url), location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch {
      return null;
    }
  }

  /** Appends `text` to `el` as text nodes, with http(s) URLs as links. */
  function appendText(el, text) {
    const str = String(text == null ? "" : text);
    const re = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let last = 0;
    for (const m of str.matchAll(re)) {
      const href = safeUrl(m[0]);
      if (!href) continue;
      el.append(document.createTextNode(str.slice(last, m.index)));
      el.append(h("a", { href, target: "_blank", rel: "noopener noreferrer" }, m[0]));
      last = m.index + m[0].length;
    }
    el.append(document.createTextNode(str.slice(last)));
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, k) => (values[k] == null ? "" : String(values[k])));
  }

  function newId() {
    const rnd = crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now().toString(36);
    return "c-" + rnd;
  }

  function globMatch(pattern, path) {
    const re = String(pattern).split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp("^" + re + "$").test(path);
  }

  /* ---------- settings ---------- */

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

  /** The first supported UI language among the wanted one, the page's and the browser's. */
  function pickLang(wanted) {
    const candidates = [wanted, document.documentElement.lang, ...(navigator.languages || []), navigator.language];
    for (const c of candidates) {
      const code = String(c || "").slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return "en";
  }

  /** Black or white text, whichever reads better on the accent colour. */
  function textOn(color) {
    const probe = document.createElement("canvas").getContext("2d");
    if (!probe) return "#fff";
    probe.fillStyle = color;
    const hex = probe.fillStyle;
    if (!/^#[0-9a-f]{6}$/i.test(hex)) return "#fff";
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return lum > 0.6 ? "#111" : "#fff";
  }

  /* ---------- state and storage ---------- */

  const settings = readSettings(document.currentScript || document.querySelector('script[src*="widget.js"]'));
  const storeKey = "relais:" + settings.httpUrl;
  const sessionKey = storeKey + ":session";

  const state = {
    lang: pickLang(settings.lang),
    conv: { id: null, token: null, lastSeq: 0 },
    entries: [],
    pending: [],
    socket: null,
    ready: false,
    connection: "idle",
    attempt: 0,
    retryTimer: null,
    outbox: [],
    visitor: null,
    identity: null,
    open: false,
    unread: 0,
    handoff: null,
    position: null,
    agentName: null,
    typingTimer: null,
    lastTypingSent: 0,
    lastPage: location.href,
    pageSentOnLoad: false,
    pageNeedsSend: false,
    rules: [],
    proactiveTimer: null,
    listeners: {},
  };

  function loadStored() {
    try {
      const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (saved && saved.conv) {
        state.conv = saved.conv;
        state.entries = Array.isArray(saved.entries) ? saved.entries : [];
        state.pending = Array.isArray(saved.pending) ? saved.pending : [];
      }
    } catch {
      /* storage unavailable or corrupt: start afresh */
    }
  }

  function save() {
    try {
      const entries = state.entries.filter((e) => !e.local).slice(-MAX_ENTRIES);
      localStorage.setItem(storeKey, JSON.stringify({ conv: state.conv, entries, pending: state.pending }));
    } catch {
      /* storage full or unavailable: the conversation still works for this page */
    }
  }

  /** This browser tab's session values (panel open, invitations shown). */
  function sessionGet(key) {
    try {
      return JSON.parse(sessionStorage.getItem(sessionKey) || "{}")[key];
    } catch {
      return undefined;
    }
  }

  function sessionSet(key, value) {
    try {
      const all = JSON.parse(sessionStorage.getItem(sessionKey) || "{}");
      all[key] = value;
      sessionStorage.setItem(sessionKey, JSON.stringify(all));
    } catch {
      /* session storage unavailable: nothing is remembered across pages */
    }
  }

  function t(key, values) {
    return fill((STRINGS[state.lang] || STRINGS.en)[key], values || {});
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

  const ui = {};
  const elements = new WeakMap();

  function build() {
    const host = h("div", { id: "relais-widget" });
    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(h("style", {}, STYLE));
    ui.root = h("div", { class: "root " + settings.position, "data-relais": "root", "data-connection": "idle" });
    ui.root.style.setProperty("--accent", settings.color);
    ui.root.style.setProperty("--on-accent", textOn(settings.color));
    ui.launcher = h("button", { class: "launcher", type: "button", "data-relais": "launcher", "aria-expanded": "false", "aria-controls": "relais-panel" }, icon("chat"));
    ui.badge = h("span", { class: "badge", "data-relais": "unread", "aria-hidden": "true", hidden: true });
    ui.launcher.append(ui.badge);
    ui.panel = buildPanel();
    ui.root.append(ui.panel, ui.launcher);
    shadow.append(ui.root);
    document.body.append(host);
    bindUi();
  }

  function buildPanel() {
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
    return h("div", { class: "panel", id: "relais-panel", role: "dialog", "aria-labelledby": "relais-title", "data-relais": "panel", hidden: true }, head, ui.log, ui.typing, ui.cbInstead, ui.cb, ui.compose);
  }

  /** (Re)writes every UI label in the current language. */
  function applyLang() {
    ui.root.setAttribute("lang", state.lang);
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
    if (!ui.cb.hidden) buildCallbackForm();
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
    ui.end.addEventListener("click", endConversation);
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
    sessionSet("open", true);
    if (byUser) {
      ui.input.focus();
      connectIfNeeded(true);
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
    sessionSet("open", false);
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
    if (state.ready && state.conv.id && ui.input.value && now - state.lastTypingSent > TYPING_SEND_MS) {
      state.lastTypingSent = now;
      send({ type: "typing" });
    }
  }

  /* ---------- status line ---------- */

  function setConnection(value) {
    state.connection = value;
    ui.root.setAttribute("data-connection", value);
    renderStatus();
  }

  function renderStatus() {
    let text = "";
    if (state.connection === "reconnecting") text = navigator.onLine === false ? t("offline") : t("reconnecting");
    else if (state.connection === "connecting") text = t("connecting");
    else if (state.handoff === "queued") text = state.position ? t("queuedAt", { n: state.position }) : t("queued");
    else if (state.handoff === "agent_joined") text = t("with", { name: state.agentName || t("agent") });
    ui.status.textContent = text;
    // Waiting in the queue need not last: the visitor may leave a callback request instead.
    ui.cbInstead.hidden = state.handoff !== "queued" || !ui.cb.hidden || state.entries.some((e) => e.kind === "callback_sent");
    ui.root.setAttribute("data-handoff", state.handoff || "none");
    ui.end.hidden = !state.conv.id;
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
      clearQuickReplies();
      el = messageEl(entry);
    } else {
      el = h("div", { class: "notice", "data-relais": "notice", "data-kind": entry.kind, "data-state": entry.state || null }, noticeText(entry));
    }
    elements.set(entry, el);
    ui.log.append(el);
    scrollDown(entry.from === "visitor");
  }

  function noticeText(entry) {
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

  function messageEl(entry) {
    const from = ["visitor", "agent", "bot"].includes(entry.from) ? entry.from : "bot";
    const el = h("div", { class: "msg " + from, "data-relais": "message", "data-from": from, "data-seq": entry.seq || null });
    const who = from === "visitor" ? t("you") : from === "agent" ? entry.agent_name || t("agent") : t("assistant");
    el.append(h("div", { class: from === "visitor" ? "sr" : "who" }, who));
    const bubble = h("div", { class: "bubble", "data-relais": "text" });
    appendText(bubble, entry.text);
    if (entry.at) bubble.title = new Date(entry.at).toLocaleString(state.lang);
    el.append(bubble);
    appendSources(el, entry.sources);
    appendFeedback(el, entry);
    appendQuickReplies(el, entry.quick_replies);
    markPending(el, entry);
    return el;
  }

  function markPending(el, entry) {
    el.classList.toggle("pending", !!entry.pending);
    el.setAttribute("data-state", entry.pending ? "pending" : "sent");
    const meta = el.querySelector(".meta");
    if (entry.pending && !meta) el.append(h("div", { class: "meta", "aria-hidden": "true" }, t("sending")));
    if (!entry.pending && meta) meta.remove();
  }

  function appendSources(el, sources) {
    const links = (Array.isArray(sources) ? sources : []).map((s) => [safeUrl(s && s.url), s]).filter(([href]) => href);
    if (!links.length) return;
    el.append(h("div", { class: "sources-label" }, t("sources")));
    const list = h("ul", { class: "sources" });
    for (const [href, s] of links) {
      list.append(h("li", {}, h("a", { href, target: "_blank", rel: "noopener noreferrer", "data-relais": "source" }, String(s.title || href))));
    }
    el.append(list);
  }

  function appendFeedback(el, entry) {
    if (!entry.ask_feedback || !entry.seq) return;
    const box = h("div", { class: "feedback", "data-relais": "feedback" });
    if (entry.feedback !== undefined) {
      box.append(t("thanks"));
    } else {
      const yes = h("button", { type: "button", "data-relais": "feedback-yes", "aria-label": t("useful"), title: t("useful") }, icon("up"));
      const no = h("button", { type: "button", "data-relais": "feedback-no", "aria-label": t("notUseful"), title: t("notUseful") }, icon("down"));
      yes.addEventListener("click", () => giveFeedback(entry, true));
      no.addEventListener("click", () => giveFeedback(entry, false));
      box.append(h("span", { class: "sr" }, t("askUseful")), yes, no);
    }
    el.append(box);
  }

  function appendQuickReplies(el, replies) {
    const list = Array.isArray(replies) ? replies.filter((q) => q && q.title) : [];
    if (!list.length) return;
    const box = h("div", { class: "quick", "data-relais": "quick-replies" });
    for (const q of list) {
      const b = h("button", { type: "button", "data-relais": "quick-reply", "data-payload": q.payload }, String(q.title));
      b.addEventListener("click", () => pressQuickReply(q));
      box.append(b);
    }
    el.append(box);
  }

  function clearQuickReplies() {
    for (const box of ui.log.querySelectorAll(".quick")) box.remove();
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

  /* ---------- events from the server ---------- */

  /** Applies one event (live or replayed in welcome); events already seen are ignored by seq. */
  function onEvent(ev, live) {
    if (!ev || typeof ev !== "object") return;
    if (ev.kind === "typing") {
      if (ev.from !== "visitor") showTyping(ev);
      return;
    }
    const seq = Number(ev.seq);
    if (Number.isFinite(seq) && seq > 0) {
      if (seq <= state.conv.lastSeq) return;
      state.conv.lastSeq = seq;
    }
    if (ev.kind === "message") onMessageEvent(ev, live);
    else if (ev.kind === "handoff") onHandoffEvent(ev, live);
    else if (ev.kind === "closed") onClosedEvent(ev);
    save();
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
    state.handoff = entry.state === "queued" || entry.state === "agent_joined" ? entry.state : null;
    state.position = entry.position;
    if (entry.agent_name) state.agentName = entry.agent_name;
    renderStatus();
  }

  /**
   * The conversation is over: forget it. Queued frames (feedback, page views …) belong to it
   * and are dropped; the visitor's unsent messages are kept and start a new conversation.
   */
  function onClosedEvent(ev) {
    addEntry({ kind: "closed", seq: ev.seq, by: ev.by }, false);
    state.handoff = null;
    state.outbox = [];
    hideCallbackForm();
    disconnect();
    state.conv = { id: null, token: null, lastSeq: 0 };
    state.entries = state.entries.filter((e) => e.pending);
    setConnection("idle");
    if (state.pending.length) connectIfNeeded(true);
  }

  function acknowledge(entry, seq) {
    entry.pending = false;
    if (seq) entry.seq = seq;
    state.pending = state.pending.filter((p) => p.client_id !== entry.client_id);
    const el = elements.get(entry);
    if (el) {
      markPending(el, entry);
      if (seq) el.setAttribute("data-seq", String(seq));
    }
    save();
  }

  /* ---------- socket ---------- */

  /** Opens the socket unless one is open or opening; `force` also starts a new conversation. */
  function connectIfNeeded(force) {
    if (state.socket || (!force && !state.conv.id && !state.pending.length)) return;
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    setConnection(state.attempt ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new WebSocket(settings.wsUrl);
    } catch (err) {
      console.error("Relais: cannot open " + settings.wsUrl, err);
      return;
    }
    state.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(helloFrame()));
    socket.onmessage = (m) => onFrame(m.data);
    socket.onclose = (e) => onSocketClosed(socket, e.code);
  }

  function helloFrame() {
    const hello = { type: "hello", lang: state.lang };
    if (state.conv.id && state.conv.token) {
      hello.conversation_id = state.conv.id;
      hello.token = state.conv.token;
      hello.last_seq = state.conv.lastSeq || 0;
    } else {
      hello.page = { url: location.href, title: document.title };
    }
    if (state.visitor) hello.visitor = state.visitor;
    if (state.identity) hello.identity = state.identity;
    return hello;
  }

  /** Any drop (idle 1001, no hello 1008, restart 1012, network) is retried with backoff. */
  function onSocketClosed(socket, code) {
    if (state.socket !== socket) return;
    state.socket = null;
    state.ready = false;
    if (!state.conv.id && !state.pending.length) {
      setConnection("idle");
      return;
    }
    // A frame too big (1009) or not UTF-8 (1007) would be refused again at once: wait the longest.
    if (code === 1009 || code === 1007) state.attempt = Math.max(state.attempt, 6);
    setConnection("reconnecting");
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (state.retryTimer) return;
    const base = Math.min(30000, 500 * 2 ** state.attempt);
    state.attempt += 1;
    const delay = base * (0.75 + Math.random() / 2);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      connectIfNeeded(true);
    }, delay);
  }

  /** Closes the socket on purpose (no reconnection follows). */
  function disconnect() {
    const socket = state.socket;
    state.socket = null;
    state.ready = false;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close();
    }
  }

  function reconnectNow() {
    disconnect();
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    connectIfNeeded(true);
  }

  function send(frame) {
    if (!state.ready || !state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends now if the conversation is live, otherwise after the next welcome. */
  function sendWhenReady(frame) {
    if (!send(frame)) {
      state.outbox.push(frame);
      connectIfNeeded(true);
    }
  }

  function onFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === "welcome") onWelcome(frame);
    else if (frame.type === "event") onEvent(frame, true);
    else if (frame.type === "ack") onAck(frame);
    else if (frame.type === "error") onError(frame);
  }

  function onWelcome(frame) {
    const sameConversation = frame.resumed && frame.conversation_id === state.conv.id;
    if (!sameConversation) startFresh();
    state.conv.id = frame.conversation_id;
    state.conv.token = frame.token;
    state.ready = true;
    state.attempt = 0;
    setConnection("online");
    for (const ev of Array.isArray(frame.events) ? frame.events : []) onEvent(ev, true);
    if (sameConversation && !state.pageSentOnLoad) state.pageNeedsSend = true;
    state.pageSentOnLoad = true;
    flush();
    save();
  }

  /** Forgets a conversation the server no longer has, keeping unsent messages and local notes. */
  function startFresh() {
    const kept = (e) => e.pending || e.local;
    for (const e of state.entries.filter((e) => !kept(e))) elements.get(e)?.remove();
    state.entries = state.entries.filter(kept);
    state.conv = { id: null, token: null, lastSeq: 0 };
    state.handoff = null;
    renderStatus();
  }

  /** Sends what waited for the conversation: the page view, queued frames, unacknowledged messages. */
  function flush() {
    if (state.pageNeedsSend) {
      state.pageNeedsSend = false;
      send({ type: "page_view", url: location.href, title: document.title });
    }
    const outbox = state.outbox.splice(0);
    for (const frame of outbox) send(frame);
    for (const p of state.pending) send(p);
  }

  function onAck(frame) {
    const entry = findEntry(frame.client_id);
    if (entry) acknowledge(entry, frame.seq);
    else state.pending = state.pending.filter((p) => p.client_id !== frame.client_id);
  }

  function onError(frame) {
    const code = frame.code;
    if (["not_found", "unauthorized", "closed"].includes(code) && !state.ready && state.conv.id) {
      // The conversation cannot be resumed (gone, not ours, or closed too long ago): start afresh.
      startFresh();
      save();
      reconnectNow();
    } else if (code === "closed") {
      // Closed while our frames were on their way: end it here too, instead of re-sending them.
      if (state.conv.id) onClosedEvent({});
      save();
    } else if (code === "limit_reached") {
      addLocalNotice(t("limitReached"));
    } else if (code === "too_long") {
      state.pending = state.pending.filter((p) => !(p.text && p.text.length > MAX_LEN));
      addLocalNotice(t("tooLong"));
    } else if (code === "rate_limited") {
      addLocalNotice(t("rateLimited"));
      setTimeout(flush, 3000);
    } else if (code === "internal") {
      addLocalNotice(t("failed"));
    }
  }

  function addLocalNotice(text) {
    addEntry({ kind: "notice", text, local: true }, false);
  }

  /* ---------- what the visitor does ---------- */

  function submitInput() {
    const text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    ui.input.style.height = "auto";
    state.lastTypingSent = 0;
    sendVisitor({ type: "message", client_id: newId(), text: text.slice(0, MAX_LEN) }, text.slice(0, MAX_LEN));
  }

  function pressQuickReply(q) {
    if (q.payload === "/callback_request") {
      showCallbackForm(true);
      return;
    }
    sendVisitor({ type: "quick_reply", client_id: newId(), payload: String(q.payload) }, String(q.title));
  }

  /** Shows the visitor's message at once (pending) and sends it until the server acknowledges it. */
  function sendVisitor(frame, text) {
    const entry = { kind: "message", from: "visitor", text, client_id: frame.client_id, pending: true, at: new Date().toISOString() };
    state.pending.push(frame);
    addEntry(entry, false);
    save();
    if (!send(frame)) connectIfNeeded(true);
  }

  function giveFeedback(entry, helpful) {
    entry.feedback = helpful;
    sendWhenReady({ type: "feedback", seq: entry.seq, helpful });
    const el = elements.get(entry);
    const box = el && el.querySelector(".feedback");
    if (box) box.replaceChildren(t("thanks"));
    save();
  }

  function endConversation() {
    if (state.conv.id) sendWhenReady({ type: "close" });
  }

  /* ---------- callback form ---------- */

  function showCallbackForm(focus) {
    buildCallbackForm();
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

  function buildCallbackForm() {
    const field = (name, label, type, auto) =>
      h("label", {}, label, h(type === "textarea" ? "textarea" : "input", { name, type: type === "textarea" ? null : type, autocomplete: auto, rows: type === "textarea" ? "2" : null, maxlength: "500", "data-relais": "callback-" + name }));
    const cancel = h("button", { type: "button", class: "btn plain", "data-relais": "callback-cancel" }, t("cbCancel"));
    cancel.addEventListener("click", hideCallbackForm);
    ui.cb.replaceChildren(
      h("p", {}, t("cbTitle")),
      field("name", t("cbName"), "text", "name"),
      field("email", t("cbEmail"), "email", "email"),
      field("phone", t("cbPhone"), "tel", "tel"),
      field("preferred_time", t("cbTime"), "text", "off"),
      field("note", t("cbNote"), "textarea", "off"),
      h("div", { class: "cb-err", role: "alert", "data-relais": "callback-error" }),
      h("div", { class: "row" }, cancel, h("button", { type: "submit", class: "btn", "data-relais": "callback-submit" }, t("cbSubmit"))),
    );
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
    sendWhenReady(frame);
    addEntry({ kind: "callback_sent", local: true }, false);
    hideCallbackForm();
    ui.input.focus();
  }

  /* ---------- page views and proactive invitations ---------- */

  function onNavigate() {
    if (location.href === state.lastPage) return;
    state.lastPage = location.href;
    if (state.conv.id) sendWhenReady({ type: "page_view", url: location.href, title: document.title });
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
    const shown = sessionGet("proactive") || [];
    const rule = state.rules.find(
      (r) => r && r.text && (!r.lang || r.lang === state.lang) && globMatch(r.url_pattern || "", location.pathname) && !shown.includes(r.url_pattern + "|" + r.text),
    );
    if (!rule) return;
    const wait = Math.max(0, Number(rule.after_seconds) || 0) * 1000;
    state.proactiveTimer = setTimeout(() => showProactive(rule), wait);
  }

  function showProactive(rule) {
    if (state.open) return;
    sessionSet("proactive", [...(sessionGet("proactive") || []), rule.url_pattern + "|" + rule.text]);
    addEntry({ kind: "message", from: "bot", text: String(rule.text), local: true, proactive: true }, true);
    openPanel(false);
  }

  /* ---------- public API ---------- */

  function identify(attributes, signature) {
    const visitor = {};
    for (const [k, v] of Object.entries(attributes || {})) {
      if (v !== undefined && v !== null) visitor[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
    }
    state.visitor = Object.assign(state.visitor || {}, visitor);
    const userId = visitor.user_id || visitor.id || visitor.email;
    if (signature && userId) state.identity = { user_id: userId, signature: String(signature) };
    if (state.conv.id) {
      const frame = { type: "identify", visitor };
      if (state.identity) frame.identity = state.identity;
      sendWhenReady(frame);
    }
  }

  function setLang(lang) {
    state.lang = pickLang(lang);
    applyLang();
    for (const e of state.entries) {
      if (e.kind !== "message" && elements.has(e)) elements.get(e).textContent = noticeText(e);
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
    loadStored();
    build();
    applyLang();
    renderAll();
    if (state.conv.id || state.pending.length) connectIfNeeded(false);
    if (sessionGet("open")) openPanel(false);
    watchNavigation();
    window.addEventListener("online", () => {
      if (!state.socket && (state.conv.id || state.pending.length)) reconnectNow();
    });
    window.addEventListener("offline", () => {
      if (state.socket) {
        disconnect();
        setConnection("reconnecting");
        scheduleReconnect();
      }
    });
    loadRules();
  }

  window.Relais = {
    version: "1",
    open: () => openPanel(true),
    close: closePanel,
    identify,
    setLang,
    on,
  };

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
