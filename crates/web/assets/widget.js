/* Relais chat widget, built from crates/web/js/widget by scripts/build-js.sh (make js): edit the modules, not this file. */
"use strict";
(() => {
  // js/shared/connection.js
  var FIRST_RETRY_MS = 500;
  var MAX_RETRY_MS = 3e4;
  var LONGEST_ATTEMPT = 6;
  var REFUSED_FRAME_CODES = [1009, 1007];
  function retryDelay(attempt, random) {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.75 + random / 2);
  }
  function newClientId(prefix) {
    return prefix + (crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now().toString(36));
  }
  var browserClock = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer) => clearTimeout(timer),
    random: () => Math.random()
  };
  var Connection = class {
    /**
     * open: a transport (transport.js webSocket(url), or a test's fake);
     * hello(): the frame sent when a socket opens;
     * onFrame(frame): every frame received, a welcome after the connection became ready;
     * onState(state): "connecting", "online", "reconnecting" or "idle";
     * wanted(): whether a dropped socket is worth reopening (else the connection goes idle);
     * clock: setTimeout, clearTimeout and random.
     */
    constructor({ open, hello, onFrame, onState, wanted = () => true, clock = browserClock }) {
      Object.assign(this, { open, hello, onFrame, onState, wanted, clock });
      this.socket = null;
      this.ready = false;
      this.state = "idle";
      this.attempt = 0;
      this.retryTimer = null;
      this.outbox = [];
      this.messages = /* @__PURE__ */ new Map();
    }
    setState(state2) {
      this.state = state2;
      this.onState(state2);
    }
    /** Opens a socket unless one is open or opening. */
    connect() {
      if (this.socket) return;
      this.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.setState(this.attempt ? "reconnecting" : "connecting");
      const handle = {};
      try {
        this.socket = this.open({
          open: () => handle.socket === this.socket && this.socket.send(this.hello()),
          frame: (frame) => handle.socket === this.socket && this.received(frame),
          close: (code) => handle.socket === this.socket && this.dropped(code)
        });
      } catch (err) {
        console.error("Relais: cannot open a socket", err);
        return;
      }
      handle.socket = this.socket;
    }
    received(frame) {
      if (frame.type === "welcome") {
        this.ready = true;
        this.attempt = 0;
        this.setState("online");
      }
      this.onFrame(frame);
    }
    /** The socket closed without being asked to (idle 1001, no hello 1008, restart 1012, network …). */
    dropped(code) {
      this.socket = null;
      this.ready = false;
      if (!this.wanted()) {
        this.setState("idle");
        return;
      }
      if (REFUSED_FRAME_CODES.includes(code)) this.attempt = Math.max(this.attempt, LONGEST_ATTEMPT);
      this.setState("reconnecting");
      this.scheduleRetry();
    }
    scheduleRetry() {
      if (this.retryTimer) return;
      const delay = retryDelay(this.attempt, this.clock.random());
      this.attempt += 1;
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        this.connect();
      }, delay);
    }
    /** Closes the socket on purpose: no reconnection follows. */
    disconnect() {
      const socket = this.socket;
      this.socket = null;
      this.ready = false;
      if (socket) socket.close();
    }
    /** Closes the socket on purpose and rests until connect() is called. */
    stop() {
      this.disconnect();
      this.setState("idle");
    }
    /** Closes the socket (the network went away) and retries with backoff. */
    interrupt() {
      if (!this.socket) return;
      this.disconnect();
      this.setState("reconnecting");
      this.scheduleRetry();
    }
    /** A new socket now, without waiting for a scheduled retry. */
    reconnectNow() {
      this.disconnect();
      this.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.connect();
    }
    /** Sends now if the server has welcomed this socket; says whether it did. */
    send(frame) {
      if (!this.ready || !this.socket || !this.socket.isOpen()) return false;
      this.socket.send(frame);
      return true;
    }
    /** Sends now, or once after the next welcome. */
    queue(frame) {
      if (!this.send(frame)) this.outbox.push(frame);
    }
    /** Keeps a frame with a client_id until acknowledge(client_id), sending it now and after every welcome; says whether it went now. */
    sendMessage(frame) {
      this.messages.set(frame.client_id, frame);
      return this.send(frame);
    }
    /** The server stored the message `clientId`: it is not sent again. Says whether it was waiting. */
    acknowledge(clientId) {
      return this.messages.delete(clientId);
    }
    /** Forgets the waiting messages for which `test(frame)` holds. */
    dropMessages(test) {
      for (const [id, frame] of this.messages) if (test(frame)) this.messages.delete(id);
    }
    /** After a welcome: the held frames once, then every message not yet acknowledged. */
    flush() {
      for (const frame of this.outbox.splice(0)) this.send(frame);
      for (const frame of this.messages.values()) this.send(frame);
    }
  };

  // js/shared/dom.js
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== void 0 && v !== null && v !== false) el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== void 0) el.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return el;
  }
  function safeUrl(url) {
    try {
      const u = new URL(String(url), location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch {
      return null;
    }
  }
  function link(url, label, attrs) {
    const href = safeUrl(url);
    const text2 = String(label || url || "");
    return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", ...attrs }, text2) : document.createTextNode(text2);
  }

  // js/shared/transport.js
  function webSocket(url) {
    return (on2) => {
      const socket = new WebSocket(url);
      socket.onopen = () => on2.open();
      socket.onmessage = (m) => {
        let frame;
        try {
          frame = JSON.parse(m.data);
        } catch {
          return;
        }
        if (frame && typeof frame === "object") on2.frame(frame);
      };
      socket.onclose = (e) => on2.close(e.code);
      return {
        isOpen: () => socket.readyState === WebSocket.OPEN,
        send: (frame) => socket.send(JSON.stringify(frame)),
        close() {
          socket.onopen = null;
          socket.onmessage = null;
          socket.onclose = null;
          socket.close();
        }
      };
    };
  }

  // js/widget/invitations.js
  function globMatch(pattern, path) {
    const re = String(pattern).split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp("^" + re + "$").test(path);
  }
  function ruleKey(rule) {
    return rule.url_pattern + "|" + rule.text;
  }
  function matchingRule(rules, lang, path, shown) {
    return rules.find((r) => r && r.text && (!r.lang || r.lang === lang) && globMatch(r.url_pattern || "", path) && !shown.includes(ruleKey(r)));
  }

  // js/widget/session.js
  var MAX_LEN = 2e3;
  var RATE_LIMIT_RETRY_MS = 3e3;
  var RATING_WAIT_MS = 3e3;
  var RATING_KEEP_MS = 10 * 60 * 1e3;
  var NOT_RESUMABLE = ["not_found", "unauthorized", "closed"];
  var NOTICES = { limit_reached: "limitReached", too_long: "tooLong", rate_limited: "rateLimited", internal: "failed" };
  function noConversation() {
    return { id: null, token: null, lastSeq: 0 };
  }
  var Session = class {
    /**
     * open, clock: as for Connection (shared/connection.js);
     * page(): the page shown now, { url, title };
     * handlers: connection(state), event(ev, live) for each new event but typing and closed,
     * typing(ev), ack(clientId, seq), fresh() when the conversation is forgotten, closed(ev)
     * when it ended, notice(key) for an error to show, changed() when what is stored changed.
     */
    constructor({ open, clock, page, handlers }) {
      this.page = page;
      this.handlers = handlers;
      this.lang = "en";
      this.conv = noConversation();
      this.visitor = null;
      this.identity = null;
      this.browserId = null;
      this.pageSentOnLoad = false;
      this.pageNeedsSend = false;
      this.closedBy = null;
      this.ratingOpen = false;
      this.endTimer = null;
      this.connection = new Connection({
        open,
        clock,
        hello: () => this.hello(),
        onFrame: (frame) => this.onFrame(frame),
        onState: (state2) => handlers.connection(state2),
        wanted: () => this.wanted()
      });
      this.clock = this.connection.clock;
    }
    /** Takes up a stored conversation and its unacknowledged messages. */
    restore(conv, messages) {
      this.conv = conv;
      for (const frame of messages) this.connection.messages.set(frame.client_id, frame);
    }
    /** The visitor's messages not yet acknowledged, in the order written. */
    get pending() {
      return [...this.connection.messages.values()];
    }
    /** Whether frames go out now: the server welcomed this socket into a conversation. */
    get live() {
      return this.connection.ready && !!this.conv.id;
    }
    /** A socket is worth keeping while there is a conversation or something to send. */
    wanted() {
      return !!this.conv.id || this.connection.messages.size > 0;
    }
    /** Opens the socket unless one is open or opening; `force` also starts a new conversation. */
    connectIfNeeded(force) {
      if (force || this.wanted()) this.connection.connect();
    }
    hello() {
      const hello = { type: "hello", lang: this.lang };
      if (this.conv.id && this.conv.token) {
        hello.conversation_id = this.conv.id;
        hello.token = this.conv.token;
        hello.last_seq = this.conv.lastSeq || 0;
      } else {
        hello.page = this.page();
        if (this.browserId) hello.browser_id = this.browserId;
      }
      if (this.visitor) hello.visitor = this.visitor;
      if (this.identity) hello.identity = this.identity;
      return hello;
    }
    /** Sends now if the conversation is live; says whether it did. */
    send(frame) {
      return this.connection.send(frame);
    }
    /** Sends now if the conversation is live, otherwise after the next welcome. */
    sendWhenReady(frame) {
      this.connection.queue(frame);
      this.connection.connect();
    }
    /** A message or quick reply of the visitor: sent until the server acknowledges its client_id. */
    sendMessage(frame) {
      this.connection.sendMessage(frame);
      this.connection.connect();
    }
    /** The visitor ends the conversation. */
    close() {
      if (this.conv.id) this.sendWhenReady({ type: "close" });
    }
    /** The visitor moved to another page of the site. */
    viewPage() {
      if (this.conv.id) this.sendWhenReady({ type: "page_view", ...this.page() });
    }
    /**
     * The host site tells who the visitor is: attributes (strings; objects as JSON) and, with a
     * signature of its backend, the verified user id.
     */
    identify(attributes, signature) {
      const visitor = {};
      for (const [k, v] of Object.entries(attributes || {})) {
        if (v !== void 0 && v !== null) visitor[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
      }
      this.visitor = Object.assign(this.visitor || {}, visitor);
      const userId = visitor.user_id || visitor.id || visitor.email;
      if (signature && userId) this.identity = { user_id: userId, signature: String(signature) };
      if (this.conv.id) {
        const frame = { type: "identify", visitor };
        if (this.identity) frame.identity = this.identity;
        this.sendWhenReady(frame);
      }
    }
    /** The browser is back online: reconnect now rather than at the next retry. */
    online() {
      if (!this.connection.socket && this.wanted()) this.connection.reconnectNow();
    }
    /** The browser went offline: drop the socket and retry with backoff. */
    offline() {
      this.connection.interrupt();
    }
    onFrame(frame) {
      if (frame.type === "welcome") this.onWelcome(frame);
      else if (frame.type === "event") this.onEvent(frame, true);
      else if (frame.type === "ack") this.onAck(frame);
      else if (frame.type === "error") this.onError(frame);
    }
    onWelcome(frame) {
      const sameConversation = frame.resumed && frame.conversation_id === this.conv.id;
      if (!sameConversation) this.forget();
      this.conv.id = frame.conversation_id;
      this.conv.token = frame.token;
      for (const ev of Array.isArray(frame.events) ? frame.events : []) this.onEvent(ev, true);
      if (this.closedBy && !this.ratingOpen) {
        this.end();
        this.handlers.changed();
        return;
      }
      if (sameConversation && !this.pageSentOnLoad) this.pageNeedsSend = true;
      this.pageSentOnLoad = true;
      this.flush();
      this.handlers.changed();
    }
    /** Applies one event (live or replayed in welcome); events already seen are ignored by seq. */
    onEvent(ev, live) {
      if (!ev || typeof ev !== "object") return;
      if (ev.kind === "typing") {
        if (ev.from !== "visitor") this.handlers.typing(ev);
        return;
      }
      const seq = Number(ev.seq);
      if (Number.isFinite(seq) && seq > 0) {
        if (seq <= this.conv.lastSeq) return;
        this.conv.lastSeq = seq;
      }
      if (ev.kind === "closed") {
        this.closing(ev);
      } else if (this.closedBy) {
        if (ev.kind === "rating_request") {
          this.ratingOpen = true;
          this.clock.clearTimeout(this.endTimer);
          this.endTimer = this.clock.setTimeout(() => this.endNow(), RATING_KEEP_MS);
          this.handlers.event(ev, live);
        }
      } else {
        if (ev.kind === "message" && ev.from === "visitor" && ev.client_id) this.connection.acknowledge(ev.client_id);
        this.handlers.event(ev, live);
      }
      this.handlers.changed();
    }
    onAck(frame) {
      this.connection.acknowledge(frame.client_id);
      this.handlers.ack(frame.client_id, frame.seq);
      this.handlers.changed();
    }
    onError(frame) {
      const code = frame.code;
      if (NOT_RESUMABLE.includes(code) && !this.connection.ready && this.conv.id) {
        this.forget();
        this.handlers.changed();
        this.connection.reconnectNow();
        return;
      }
      if (code === "closed") {
        if (this.conv.id && !this.closedBy) this.handlers.closed({});
        if (this.conv.id) this.end();
        this.handlers.changed();
        return;
      }
      if (code === "too_long") this.connection.dropMessages((frame2) => frame2.text && frame2.text.length > MAX_LEN);
      if (code === "rate_limited") this.clock.setTimeout(() => this.flush(), RATE_LIMIT_RETRY_MS);
      if (NOTICES[code]) this.handlers.notice(NOTICES[code]);
    }
    /** Forgets a conversation the server no longer has (the widget keeps unsent messages and local notes). */
    forget() {
      this.conv = noConversation();
      this.handlers.fresh();
    }
    /**
     * The conversation was closed: the widget says so at once. An agent's close may be followed
     * by a rating request (docs/protocol.md, rating_request), so the socket stays open
     * RATING_WAIT_MS for it; any other close ends the conversation now.
     */
    closing(ev) {
      this.handlers.closed(ev);
      this.connection.outbox = [];
      this.closedBy = ev.by || "server";
      if (ev.by === "agent") this.endTimer = this.clock.setTimeout(() => this.endNow(), RATING_WAIT_MS);
      else this.end();
    }
    /** The visitor rates the conversation; a rating after the close ends it once sent. Says whether it went. */
    rate(score) {
      if (!this.conv.id) return false;
      if (this.ratingOpen) {
        const sent = this.send({ type: "rate", score });
        this.end();
        return sent;
      }
      this.sendWhenReady({ type: "rate", score });
      return true;
    }
    /** Ends the conversation from a timer, and has the stored state saved. */
    endNow() {
      this.end();
      this.handlers.changed();
    }
    /**
     * The conversation is over: forget it. Held frames (feedback, page views …) belong to it and
     * are dropped; the visitor's unsent messages are kept and start a new conversation.
     */
    end() {
      this.clock.clearTimeout(this.endTimer);
      this.closedBy = null;
      this.ratingOpen = false;
      this.connection.outbox = [];
      this.conv = noConversation();
      this.connection.stop();
      if (this.connection.messages.size) this.connection.connect();
    }
    /** Sends what waited for the conversation: the page view, held frames, unacknowledged messages. */
    flush() {
      if (this.pageNeedsSend) {
        this.pageNeedsSend = false;
        this.send({ type: "page_view", ...this.page() });
      }
      this.connection.flush();
    }
  };

  // js/widget/storage.js
  var MAX_ENTRIES = 200;
  function storage(httpUrl) {
    const storeKey = "relais:" + httpUrl;
    const sessionKey = storeKey + ":session";
    const browserKey = "relais-browser:" + httpUrl;
    return {
      /** This browser's id, 32 random hex digits made once; null when storage is unavailable. */
      browserId() {
        try {
          let id = localStorage.getItem(browserKey);
          if (!/^[0-9a-f]{32}$/.test(id || "")) {
            const bytes = crypto.getRandomValues(new Uint8Array(16));
            id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
            localStorage.setItem(browserKey, id);
          }
          return id;
        } catch {
          return null;
        }
      },
      /** The stored { conv, entries, pending }, or null. */
      load() {
        try {
          const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
          if (!saved || !saved.conv) return null;
          return {
            conv: saved.conv,
            entries: Array.isArray(saved.entries) ? saved.entries : [],
            pending: Array.isArray(saved.pending) ? saved.pending : []
          };
        } catch {
          return null;
        }
      },
      /** Keeps the conversation, the transcript (local notes left out) and the unacknowledged messages. */
      save(conv, entries, pending) {
        try {
          const kept = entries.filter((e) => !e.local).slice(-MAX_ENTRIES);
          localStorage.setItem(storeKey, JSON.stringify({ conv, entries: kept, pending }));
        } catch {
        }
      },
      /** This tab's value `key`. */
      sessionGet(key) {
        try {
          return JSON.parse(sessionStorage.getItem(sessionKey) || "{}")[key];
        } catch {
          return void 0;
        }
      },
      sessionSet(key, value) {
        try {
          const all = JSON.parse(sessionStorage.getItem(sessionKey) || "{}");
          all[key] = value;
          sessionStorage.setItem(sessionKey, JSON.stringify(all));
        } catch {
        }
      }
    };
  }

  // js/widget/strings.js
  var STRINGS = {
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
      left: "{name} left the conversation; you are back in the queue",
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
      rateAsk: "How was this conversation?",
      rateGood: "Good",
      rateBad: "Bad",
      rateScore: "{n} out of 5",
      rateThanks: "Thanks for rating this conversation",
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
      failed: "Something went wrong on our side. Please try again."
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
      left: "{name} a quitté la conversation ; vous êtes de nouveau dans la file d'attente",
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
      rateAsk: "Comment s'est passée cette conversation ?",
      rateGood: "Bien",
      rateBad: "Pas bien",
      rateScore: "{n} sur 5",
      rateThanks: "Merci d'avoir noté cette conversation",
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
      failed: "Un problème est survenu de notre côté. Réessayez."
    }
  };
  function pickLang(candidates) {
    for (const c of candidates) {
      const code = String(c || "").slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return "en";
  }
  function text(lang, key, values = {}) {
    const template = (STRINGS[lang] || STRINGS.en)[key];
    return template.replace(/\{(\w+)\}/g, (_, k) => values[k] == null ? "" : String(values[k]));
  }

  // js/widget/style.js
  var DEFAULT_COLOR = "#2f6b4f";
  var STYLE = `
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
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
    end: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-4 8h8v2H8z",
    send: "M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z"
  };
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

  // js/widget/view.js
  function skeleton(position) {
    const ui2 = {};
    ui2.root = h("div", { class: "root " + position, "data-relais": "root", "data-connection": "idle" });
    ui2.launcher = h("button", { class: "launcher", type: "button", "data-relais": "launcher", "aria-expanded": "false", "aria-controls": "relais-panel" }, icon("chat"));
    ui2.badge = h("span", { class: "badge", "data-relais": "unread", "aria-hidden": "true", hidden: true });
    ui2.launcher.append(ui2.badge);
    ui2.title = h("h2", { class: "title", id: "relais-title" });
    ui2.status = h("div", { class: "status", role: "status", "data-relais": "status" });
    ui2.end = h("button", { class: "icon-btn", type: "button", "data-relais": "end", hidden: true }, icon("end"));
    ui2.close = h("button", { class: "icon-btn", type: "button", "data-relais": "close" }, icon("close"));
    const head = h("div", { class: "head" }, h("div", { class: "head-text" }, ui2.title, ui2.status), ui2.end, ui2.close);
    ui2.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "data-relais": "log" });
    ui2.typing = h("div", { class: "typing", "data-relais": "typing", hidden: true });
    ui2.cb = h("form", { class: "cb", "data-relais": "callback-form", hidden: true, novalidate: true });
    ui2.cbInstead = h("button", { type: "button", class: "btn plain wait-cb", "data-relais": "callback-instead", hidden: true });
    ui2.input = h("textarea", { rows: "1", maxlength: String(MAX_LEN), "data-relais": "input" });
    ui2.send = h("button", { class: "send", type: "submit", "data-relais": "send" }, icon("send"));
    ui2.compose = h("form", { class: "compose" }, ui2.input, ui2.send);
    ui2.panel = h("div", { class: "panel", id: "relais-panel", role: "dialog", "aria-labelledby": "relais-title", "data-relais": "panel", hidden: true }, head, ui2.log, ui2.typing, ui2.cbInstead, ui2.cb, ui2.compose);
    ui2.root.append(ui2.panel, ui2.launcher);
    return ui2;
  }
  function callbackFields(t2, onCancel) {
    const field = (name, label, type, auto) => h("label", {}, label, h(type === "textarea" ? "textarea" : "input", { name, type: type === "textarea" ? null : type, autocomplete: auto, rows: type === "textarea" ? "2" : null, maxlength: "500", "data-relais": "callback-" + name }));
    const cancel = h("button", { type: "button", class: "btn plain", "data-relais": "callback-cancel" }, t2("cbCancel"));
    cancel.addEventListener("click", onCancel);
    return [
      h("p", {}, t2("cbTitle")),
      field("name", t2("cbName"), "text", "name"),
      field("email", t2("cbEmail"), "email", "email"),
      field("phone", t2("cbPhone"), "tel", "tel"),
      field("preferred_time", t2("cbTime"), "text", "off"),
      field("note", t2("cbNote"), "textarea", "off"),
      h("div", { class: "cb-err", role: "alert", "data-relais": "callback-error" }),
      h("div", { class: "row" }, cancel, h("button", { type: "submit", class: "btn", "data-relais": "callback-submit" }, t2("cbSubmit")))
    ];
  }
  function noticeEl(entry, t2) {
    return h("div", { class: "notice", "data-relais": "notice", "data-kind": entry.kind, "data-state": entry.state || null }, noticeText(entry, t2));
  }
  function noticeText(entry, t2) {
    const name = entry.agent_name || t2("agent");
    switch (entry.state || entry.kind) {
      case "queued":
        return entry.position ? t2("queuedAt", { n: entry.position }) : t2("queued");
      case "agent_joined":
        return t2("joined", { name });
      case "agent_left":
        return t2("left", { name });
      case "returned_to_bot":
        return t2("returned");
      case "no_agent_available":
        return t2("noAgent");
      case "abandoned":
        return t2("abandoned");
      case "closed":
        return t2("ended");
      case "callback_sent":
        return t2("cbSent");
      default:
        return entry.text || "";
    }
  }
  function messageEl(entry, ctx) {
    const { t: t2 } = ctx;
    const from = ["visitor", "agent", "bot"].includes(entry.from) ? entry.from : "bot";
    const el = h("div", { class: "msg " + from, "data-relais": "message", "data-from": from, "data-seq": entry.seq || null });
    const who = from === "visitor" ? t2("you") : from === "agent" ? entry.agent_name || t2("agent") : t2("assistant");
    el.append(h("div", { class: from === "visitor" ? "sr" : "who" }, who));
    const bubble = h("div", { class: "bubble", "data-relais": "text" });
    appendText(bubble, entry.text);
    if (entry.at) bubble.title = new Date(entry.at).toLocaleString(ctx.lang);
    el.append(bubble);
    appendSources(el, entry.sources, t2);
    appendFeedback(el, entry, ctx);
    appendQuickReplies(el, entry.quick_replies, ctx.quickReply);
    markPending(el, entry, t2);
    return el;
  }
  function markPending(el, entry, t2) {
    el.classList.toggle("pending", !!entry.pending);
    el.setAttribute("data-state", entry.pending ? "pending" : "sent");
    const meta = el.querySelector(".meta");
    if (entry.pending && !meta) el.append(h("div", { class: "meta", "aria-hidden": "true" }, t2("sending")));
    if (!entry.pending && meta) meta.remove();
  }
  function appendText(el, text2) {
    const str = String(text2 == null ? "" : text2);
    const re = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let last = 0;
    for (const m of str.matchAll(re)) {
      if (!safeUrl(m[0])) continue;
      el.append(document.createTextNode(str.slice(last, m.index)), link(m[0], m[0]));
      last = m.index + m[0].length;
    }
    el.append(document.createTextNode(str.slice(last)));
  }
  function appendSources(el, sources, t2) {
    const links = (Array.isArray(sources) ? sources : []).map((s) => [safeUrl(s && s.url), s]).filter(([href]) => href);
    if (!links.length) return;
    el.append(h("div", { class: "sources-label" }, t2("sources")));
    el.append(h("ul", { class: "sources" }, ...links.map(([href, s]) => h("li", {}, link(href, String(s.title || href), { "data-relais": "source" })))));
  }
  function appendFeedback(el, entry, { t: t2, feedback }) {
    if (!entry.ask_feedback || !entry.seq) return;
    const box = h("div", { class: "feedback", "data-relais": "feedback" });
    if (entry.feedback !== void 0) {
      box.append(t2("thanks"));
    } else {
      const yes = h("button", { type: "button", "data-relais": "feedback-yes", "aria-label": t2("useful"), title: t2("useful") }, icon("up"));
      const no = h("button", { type: "button", "data-relais": "feedback-no", "aria-label": t2("notUseful"), title: t2("notUseful") }, icon("down"));
      yes.addEventListener("click", () => feedback(entry, true));
      no.addEventListener("click", () => feedback(entry, false));
      box.append(h("span", { class: "sr" }, t2("askUseful")), yes, no);
    }
    el.append(box);
  }
  function ratingEl(entry, { t: t2, rate: rate2 }) {
    const box = h("div", { class: "feedback rating", "data-relais": "rating", "data-scale": entry.scale });
    if (entry.score !== void 0) {
      box.append(t2("rateThanks"));
      return box;
    }
    const choices = entry.scale === 5 ? [1, 2, 3, 4, 5].map((n) => [n, t2("rateScore", { n }), String(n)]) : [[2, t2("rateGood"), icon("up")], [1, t2("rateBad"), icon("down")]];
    box.append(h("span", {}, t2("rateAsk")));
    for (const [score, label, content] of choices) {
      const b = h("button", { type: "button", "data-relais": "rate", "data-score": score, "aria-label": label, title: label }, content);
      b.addEventListener("click", () => rate2(entry, score));
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

  // js/widget/main.js
  var TYPING_MS = 5e3;
  var TYPING_SEND_MS = 3e3;
  function readSettings(el) {
    const data = el && el.dataset || {};
    const src = new URL(el && el.src || location.href, location.href);
    const base = new URL(data.relaisUrl || src.origin, location.href);
    const secure = base.protocol === "https:" || base.protocol === "wss:";
    const root = base.host + base.pathname.replace(/\/+$/, "");
    return {
      wsUrl: (secure ? "wss://" : "ws://") + root + "/v1/ws",
      httpUrl: (secure ? "https://" : "http://") + root,
      title: data.title || "",
      color: data.color && window.CSS && CSS.supports("color", data.color) ? data.color : DEFAULT_COLOR,
      position: data.position === "left" ? "left" : "right",
      lang: data.lang || ""
    };
  }
  function chooseLang(wanted) {
    return pickLang([wanted, document.documentElement.lang, ...navigator.languages || [], navigator.language]);
  }
  var currentPage = () => ({ url: location.href, title: document.title });
  var settings;
  var store;
  var session;
  var ui;
  var state = {
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
    listeners: {}
  };
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
  var elements = /* @__PURE__ */ new WeakMap();
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
    ui.launcher.addEventListener("click", () => state.open ? closePanel() : openPanel(true));
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
    ui.cbInstead.hidden = state.handoff !== "queued" || !ui.cb.hidden || state.entries.some((e) => e.kind === "callback_sent");
    ui.root.setAttribute("data-handoff", state.handoff || "none");
    ui.end.hidden = !session.conv.id;
  }
  function findEntry(clientId) {
    return clientId ? state.entries.find((e) => e.client_id === clientId) : void 0;
  }
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
  function onEvent(ev, live) {
    if (ev.kind === "message") onMessageEvent(ev, live);
    else if (ev.kind === "handoff") onHandoffEvent(ev, live);
    else if (ev.kind === "rating_request") addEntry({ kind: "rating", seq: ev.seq, scale: ev.scale }, live);
  }
  function onMessageEvent(ev, live) {
    const own = ev.from === "visitor" ? findEntry(ev.client_id) : void 0;
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
      client_id: ev.client_id
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
    const handoff = entry.state === "agent_left" ? "queued" : entry.state;
    state.handoff = handoff === "queued" || handoff === "agent_joined" ? handoff : null;
    state.position = entry.position;
    if (entry.agent_name) state.agentName = entry.agent_name;
    renderStatus();
  }
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
  function onFresh() {
    const kept = (e) => e.pending || e.local;
    for (const e of state.entries.filter((e2) => !kept(e2))) elements.get(e)?.remove();
    state.entries = state.entries.filter(kept);
    state.handoff = null;
    renderStatus();
  }
  function onClosed(ev) {
    addEntry({ kind: "closed", seq: ev.seq, by: ev.by }, false);
    state.handoff = null;
    hideCallbackForm();
    state.entries = state.entries.filter((e) => e.pending);
  }
  function addLocalNotice(notice) {
    addEntry({ kind: "notice", text: notice, local: true }, false);
  }
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
  function sendVisitor(frame, shown) {
    addEntry({ kind: "message", from: "visitor", text: shown, client_id: frame.client_id, pending: true, at: (/* @__PURE__ */ new Date()).toISOString() }, false);
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
  function rate(entry, score) {
    if (entry.score !== void 0) return;
    if (!session.rate(score)) {
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
  function onNavigate() {
    if (location.href === state.lastPage) return;
    state.lastPage = location.href;
    session.viewPage();
    scheduleProactive();
  }
  function watchNavigation() {
    for (const name of ["pushState", "replaceState"]) {
      const original = history[name];
      history[name] = function(...args) {
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
    const wait = Math.max(0, Number(rule.after_seconds) || 0) * 1e3;
    state.proactiveTimer = setTimeout(() => showProactive(rule), wait);
  }
  function showProactive(rule) {
    if (state.open) return;
    store.sessionSet("proactive", [...store.sessionGet("proactive") || [], ruleKey(rule)]);
    addEntry({ kind: "message", from: "bot", text: String(rule.text), local: true, proactive: true }, true);
    openPanel(false);
  }
  function setLang(lang) {
    session.lang = chooseLang(lang);
    applyLang();
    for (const e of state.entries) {
      if (e.kind !== "message" && elements.has(e)) elements.get(e).textContent = noticeText(e, t);
    }
  }
  function on(event, handler) {
    if (typeof handler !== "function") return () => {
    };
    (state.listeners[event] = state.listeners[event] || []).push(handler);
    return () => {
      state.listeners[event] = state.listeners[event].filter((f) => f !== handler);
    };
  }
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
        changed: save
      }
    });
    session.lang = chooseLang(settings.lang);
    session.browserId = store.browserId();
    window.Relais = {
      version: "1",
      open: () => openPanel(true),
      close: closePanel,
      identify: (attributes, signature) => session.identify(attributes, signature),
      setLang,
      on
    };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start, { once: true });
  }
  if (!(window.Relais && window.Relais.version)) install(document.currentScript || document.querySelector('script[src*="widget.js"]'));
})();
