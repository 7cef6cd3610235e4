/* Relais agent console, built from crates/web/js/console by scripts/build-js.sh (make js): edit the modules, not this file. */
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
    constructor({ open, hello, onFrame: onFrame2, onState, wanted = () => true, clock = browserClock }) {
      Object.assign(this, { open, hello, onFrame: onFrame2, onState, wanted, clock });
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
    const text = String(label || url || "");
    return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", ...attrs }, text) : document.createTextNode(text);
  }

  // js/shared/transport.js
  function webSocket(url) {
    return (on) => {
      const socket = new WebSocket(url);
      socket.onopen = () => on.open();
      socket.onmessage = (m) => {
        let frame;
        try {
          frame = JSON.parse(m.data);
        } catch {
          return;
        }
        if (frame && typeof frame === "object") on.frame(frame);
      };
      socket.onclose = (e) => on.close(e.code);
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

  // js/console/api.js
  var MAX_PAGE_LIMIT = 500;
  function api(token, { unauthorized, failed }) {
    async function get(path) {
      try {
        const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
        if (res.status === 401) {
          unauthorized();
          return null;
        }
        if (!res.ok) {
          failed("The server answered " + res.status + " for " + path.split("?")[0]);
          return null;
        }
        return res;
      } catch {
        failed("The server cannot be reached.");
        return null;
      }
    }
    async function json(path) {
      const res = await get(path);
      return res && res.json().catch(() => null);
    }
    async function page(path) {
      const res = await get(path);
      const items = res && await res.json().catch(() => null);
      if (!Array.isArray(items)) return null;
      const total = parseInt(res.headers.get("X-Total-Count") || "", 10);
      return { items, total: Number.isNaN(total) ? items.length : total };
    }
    async function range(path, params, offset, count) {
      const items = [];
      let total = 0;
      while (items.length < count) {
        const limit = Math.min(MAX_PAGE_LIMIT, count - items.length);
        const query = new URLSearchParams({ ...params, offset: String(offset + items.length), limit: String(limit) });
        const read = await page(path + "?" + query);
        if (!read) return null;
        items.push(...read.items);
        total = read.total;
        if (read.items.length < limit) break;
      }
      return { items, total };
    }
    return { json, range };
  }

  // js/console/conversations.js
  var ENDING_HANDOFFS = ["returned_to_bot", "agent_left", "abandoned"];
  function bySeq(a, b) {
    return (a.seq ?? Infinity) - (b.seq ?? Infinity) || 0;
  }
  function insertEvent(conv, ev) {
    conv.events.push(ev);
    conv.events.sort(bySeq);
  }
  var Conversations = class {
    constructor() {
      this.byId = /* @__PURE__ */ new Map();
    }
    get(id) {
      return this.byId.get(id);
    }
    /** The conversation `id`, made empty when it is new. */
    open(id) {
      let conv = this.byId.get(id);
      if (!conv) {
        conv = { id, context: {}, events: [], seqs: /* @__PURE__ */ new Set(), pending: /* @__PURE__ */ new Map(), ended: false, unread: 0 };
        this.byId.set(id, conv);
      }
      return conv;
    }
    /**
     * Applies one event (not typing) of `conv`: "seen" when its seq was already applied,
     * "adopted" when it is the echo of a pending reply (which it replaces), else "added".
     */
    apply(conv, ev) {
      if (typeof ev.seq === "number") {
        if (conv.seqs.has(ev.seq)) return "seen";
        conv.seqs.add(ev.seq);
      }
      const pending = ev.client_id && conv.pending.get(ev.client_id);
      if (pending) {
        conv.pending.delete(ev.client_id);
        conv.events = conv.events.filter((e) => e !== pending);
        insertEvent(conv, ev);
        return "adopted";
      }
      insertEvent(conv, ev);
      if (ev.kind === "closed" || ev.kind === "handoff" && ENDING_HANDOFFS.includes(ev.state)) conv.ended = true;
      if (ev.kind === "handoff" && ev.state === "agent_joined") conv.ended = false;
      return "added";
    }
    /** The agent's reply `frame`, shown as a pending message until its ack or echo. */
    reply(conv, frame, agentName) {
      const local = { kind: "message", from: "agent", agent_name: agentName, text: frame.text, pending: true, at: (/* @__PURE__ */ new Date()).toISOString() };
      conv.pending.set(frame.client_id, local);
      conv.events.push(local);
    }
    /** The server stored the reply `client_id` as `seq`: its pending copy takes the seq (or goes, if the echo came first). Returns its conversation, or null. */
    acknowledge(id, clientId, seq) {
      const conv = this.byId.get(id);
      const pending = conv && conv.pending.get(clientId);
      if (!pending) return null;
      conv.pending.delete(clientId);
      if (conv.seqs.has(seq)) {
        conv.events = conv.events.filter((e) => e !== pending);
      } else {
        pending.seq = seq;
        pending.pending = false;
        conv.seqs.add(seq);
        conv.events.sort(bySeq);
      }
      return conv;
    }
  };

  // js/console/view.js
  function toDate(value) {
    if (value === null || value === void 0 || value === "") return null;
    const d = new Date(typeof value === "number" ? value : Date.parse(value));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  function newestFirst(a, b) {
    return (toDate(b.created_at) || 0) - (toDate(a.created_at) || 0);
  }
  function formatTime(value) {
    const d = toDate(value);
    return d ? d.toLocaleString() : "";
  }
  function formatWait(since) {
    const d = toDate(since);
    if (!d) return "";
    const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1e3));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + s % 60 + " s";
  }
  function queueItem(c, onClaim) {
    const claim2 = h("button", { type: "button", class: "primary", "data-relais-console": "claim" }, "Claim");
    claim2.addEventListener("click", onClaim);
    return h(
      "li",
      { class: "item", "data-relais-console": "queue-item", "data-conversation-id": c.conversation_id },
      c.preview ? h("div", { class: "preview", "data-relais-console": "preview" }, String(c.preview)) : h("div", { class: "preview muted", "data-relais-console": "preview" }, "Conversation " + String(c.conversation_id)),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag", "data-relais-console": "wait", "data-since": c.waiting_since || "" }, formatWait(c.waiting_since)),
        h("span", { class: "tag", "data-relais-console": "reason" }, String(c.reason || "")),
        h("span", { class: "tag", "data-relais-console": "lang" }, String(c.lang || "")),
        h("span", { class: "spacer" }),
        claim2
      )
    );
  }
  function lastVisitorText(conv) {
    const msgs = conv.events.filter((e) => e.kind === "message" && e.from === "visitor");
    return msgs.length ? msgs[msgs.length - 1].text : "";
  }
  function mineItem(conv, selected, onSelect) {
    const li = h(
      "li",
      { class: "item open-conv" + (selected ? " selected" : ""), tabindex: "0", "data-relais-console": "mine-item", "data-conversation-id": conv.id },
      h("div", { class: "preview" }, String(lastVisitorText(conv) || conv.id)),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag" }, String(conv.context && conv.context.lang || "")),
        conv.ended ? h("span", { class: "tag ended" }, "ended") : null,
        conv.unread ? h("span", { class: "unread", "aria-label": conv.unread + " new" }, String(conv.unread)) : null
      )
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
  function callbackItem(c) {
    const rows = [
      ["Name", c.name],
      ["Email", c.email],
      ["Phone", c.phone],
      ["When", c.preferred_time],
      ["Note", c.note]
    ].filter(([, v]) => v);
    const dl = h("dl", { class: "callback" });
    for (const [k, v] of rows) dl.append(h("dt", {}, k), h("dd", {}, String(v)));
    return h(
      "li",
      { class: "item", "data-relais-console": "callback", "data-conversation-id": c.conversation_id || "" },
      h("div", { class: "row" }, h("span", { class: "tag" }, formatTime(c.created_at))),
      dl
    );
  }
  function eventEl(ev) {
    if (ev.kind === "message") return messageEl(ev);
    if (ev.kind === "note") return noteEl(ev);
    if (ev.kind === "handoff") return notice(ev, handoffText(ev));
    if (ev.kind === "closed") return notice(ev, "Conversation closed by " + (ev.by || "someone"));
    if (ev.kind === "rating") return notice(ev, "The visitor rated the conversation " + ratingText(ev));
    return null;
  }
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
      h("div", { class: "bubble", "data-relais-console": "text" }, String(ev.text || ""))
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
  function noteEl(ev) {
    return h(
      "div",
      { class: "msg note", "data-relais-console": "note", "data-seq": ev.seq || null },
      h("div", { class: "who" }, "Internal note · " + (ev.agent_name || "Agent")),
      h("div", { class: "bubble" }, String(ev.text || ""))
    );
  }
  function notice(ev, text) {
    return h("div", { class: "notice", "data-relais-console": "notice", "data-kind": ev.kind, "data-state": ev.state || null }, text);
  }
  function handoffText(ev) {
    const texts = {
      queued: "Queued" + (ev.reason ? " (" + ev.reason + ")" : ""),
      agent_joined: (ev.agent_name || "An agent") + " joined",
      agent_left: (ev.agent_name || "The agent") + " left",
      returned_to_bot: "Handed back to the bot",
      no_agent_available: "No agent was available" + (ev.reason ? " (" + ev.reason + ")" : ""),
      abandoned: "Left the queue (visitor gone)"
    };
    return texts[ev.state] || "Handoff: " + ev.state;
  }
  function contextChildren(conv) {
    const title = h("h2", {}, "Context");
    if (!conv) return [title, h("p", { class: "muted" }, "The visitor's details, pages, intents and articles appear here.")];
    const ctx = conv.context || {};
    return [
      title,
      verifiedEl(ctx.verified_user_id),
      section("Visitor (as they say)", "context-visitor", visitorList(ctx)),
      section("Escalation", "context-escalation", escalationEl(ctx.escalation)),
      section("Pages viewed", "context-pages", listOf(ctx.pages, pageItem)),
      section("Intents", "context-intents", listOf(ctx.intents, intentItem)),
      section("Articles shown", "context-articles", listOf(ctx.articles, (a) => [link(a.url, a.title), timeSpan(a.at)])),
      section("Callback requests", "context-callbacks", listOf(ctx.callback_requests, callbackSummary)),
      section("Rating", "context-rating", ctx.rating ? h("p", {}, ratingText(ctx.rating), " ", timeSpan(ctx.rating.at)) : h("p", { class: "muted" }, "None"))
    ];
  }
  function section(title, hook, body) {
    return h("div", { "data-relais-console": hook }, h("h3", {}, title), body);
  }
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
      ...Object.entries(ctx.visitor || {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])
    ].filter(([, v]) => v !== void 0 && v !== null && v !== "");
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
      esc.at ? " (" + formatTime(esc.at) + ")" : ""
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
  function hitItem(hit, onInsert) {
    const insert = h("button", { type: "button", class: "small", "data-relais-console": "kb-insert" }, "Insert into reply");
    insert.addEventListener("click", onInsert);
    return h(
      "li",
      { class: "item", "data-relais-console": "kb-result" },
      h("strong", {}, link(hit.url, hit.title + (hit.heading && hit.heading !== hit.title ? " — " + hit.heading : ""))),
      h("div", { class: "kb-text" }, String(hit.snippet || hit.text || "")),
      h("div", {}, insert)
    );
  }

  // js/console/main.js
  var SESSION_KEY = "relais-console";
  var AVAILABLE_KEY = "relais-console:available";
  var TYPING_SEND_MS = 3e3;
  var TYPING_SHOW_MS = 5e3;
  var CALLBACK_REFRESH_MS = 3e4;
  var QUEUE_PAGE = 50;
  var QUEUE_REFRESH_MS = 1e3;
  var CALLBACK_PAGE = 200;
  var LOGOUT_TIMEOUT_MS = 3e3;
  var TITLE = "Relais console";
  var ERRORS = {
    already_claimed: "Another agent has already taken this conversation.",
    not_found: "That conversation no longer exists.",
    closed: "That conversation is closed.",
    too_long: "That message is too long (2,000 characters at most).",
    rate_limited: "Too many messages at once; please wait a moment."
  };
  var state = {
    token: null,
    agent: null,
    queue: [],
    queueIds: null,
    queueTotal: null,
    queueFrameTotal: null,
    queueMore: [],
    queueWanted: 0,
    queueTimer: null,
    queueLoads: 0,
    callbacks: [],
    callbacksWanted: CALLBACK_PAGE,
    selected: null,
    claiming: null,
    lastTypingSent: 0,
    typingTimer: null,
    audio: null
  };
  var $ = (id) => document.getElementById(id);
  var conversations = new Conversations();
  var connection = new Connection({
    open: webSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/agent/ws"),
    hello: () => ({ type: "hello", token: state.token, available: $("available").checked }),
    onFrame,
    onState: setConnection
  });
  var http = api(() => state.token, { unauthorized: () => onError({ code: "unauthorized" }), failed: showError });
  function showError(text) {
    const toast = $("toast");
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => toast.hidden = true, 6e3);
  }
  async function login(event) {
    event.preventDefault();
    unlockAudio();
    const form = event.target;
    const err = form.querySelector(".error");
    err.textContent = "";
    try {
      const res = await fetch("/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: form.elements.email.value.trim(), password: form.elements.password.value })
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !body.token) {
        err.textContent = loginRefusal(res, body);
        return;
      }
      form.elements.password.value = "";
      startSession(body.token, body.agent);
    } catch {
      err.textContent = "The server cannot be reached.";
    }
  }
  function loginRefusal(res, body) {
    if (res.status === 401) return "Wrong email or password.";
    if (res.status === 429) {
      const wait = parseInt(res.headers.get("Retry-After") || "", 10);
      return "Too many attempts; try again in " + (wait > 0 ? wait : 60) + " s.";
    }
    return body.error && body.error.message || "Sign-in failed (" + res.status + ").";
  }
  function startSession(token, agent) {
    state.token = token;
    state.agent = agent || null;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, agent }));
    $("login").hidden = true;
    $("app").hidden = false;
    renderAgent();
    connection.connect();
    loadCallbacks();
  }
  async function logout() {
    connection.disconnect();
    try {
      await fetch("/v1/auth/logout", {
        method: "POST",
        headers: { Authorization: "Bearer " + state.token },
        signal: AbortSignal.timeout(LOGOUT_TIMEOUT_MS)
      });
    } catch {
    }
    sessionStorage.removeItem(SESSION_KEY);
    location.reload();
  }
  function renderAgent() {
    $("agent-name").textContent = state.agent ? state.agent.name + (state.agent.role ? " (" + state.agent.role + ")" : "") : "";
  }
  function setConnection(value) {
    const el = document.querySelector("[data-relais-console=connection]");
    el.className = "conn " + value;
    el.dataset.state = value;
    el.textContent = { connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…" }[value] || value;
  }
  function onFrame(frame) {
    const handler = {
      welcome: onWelcome,
      queue: onQueue,
      conversation: onConversation,
      event: (f) => onEvent(f.conversation_id, f, true),
      ack: onAck,
      status: renderAvailable,
      error: onError
    }[frame.type];
    if (handler) handler(frame);
  }
  function onWelcome(frame) {
    if (frame.agent) {
      state.agent = frame.agent;
      renderAgent();
    }
    renderAvailable(frame);
    connection.flush();
  }
  function setAvailable(event) {
    const available = event.target.checked;
    localStorage.setItem(AVAILABLE_KEY, String(available));
    connection.send({ type: "status", available });
  }
  function renderAvailable(frame) {
    if (typeof frame.available !== "boolean") return;
    $("available").checked = frame.available;
    $("available").dataset.state = frame.available ? "available" : "away";
  }
  function onError(frame) {
    if (frame.code === "unauthorized") {
      sessionStorage.removeItem(SESSION_KEY);
      connection.disconnect();
      $("app").hidden = true;
      $("login").hidden = false;
      $("login-form").querySelector(".error").textContent = "Your session has ended. Please sign in again.";
      return;
    }
    showError(ERRORS[frame.code] || frame.message || "Error: " + frame.code);
  }
  function onQueue(frame) {
    state.queue = Array.isArray(frame.conversations) ? frame.conversations : [];
    const total = typeof frame.total === "number" ? frame.total : state.queue.length;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    const arrived = state.queueIds !== null && (total > state.queueFrameTotal || [...ids].some((id) => !state.queueIds.has(id)));
    state.queueIds = ids;
    state.queueFrameTotal = total;
    state.queueTotal = total;
    state.queueMore = state.queueMore.filter((c) => !ids.has(c.conversation_id));
    renderQueue();
    if (state.queueWanted) scheduleQueueMore();
    if (arrived) alertNewConversation();
  }
  function renderQueue() {
    const shown = [...state.queue, ...state.queueMore];
    const total = Math.max(state.queueTotal || 0, shown.length);
    $("queue").replaceChildren(...shown.map((c) => queueItem(c, () => claim(c.conversation_id))));
    $("queue-count").textContent = String(total);
    $("queue-count").classList.toggle("waiting", total > 0);
    $("queue-empty").hidden = total > 0;
    $("queue-shown").hidden = shown.length >= total;
    $("queue-shown").textContent = "Showing " + shown.length + " of " + total;
    $("queue-more").hidden = shown.length >= total;
    document.title = total ? "(" + total + ") " + TITLE : TITLE;
  }
  function claim(id) {
    state.claiming = id;
    connection.queue({ type: "claim", conversation_id: id });
  }
  function showMoreQueue() {
    state.queueWanted = state.queueMore.length + QUEUE_PAGE;
    loadQueueMore();
  }
  function scheduleQueueMore() {
    if (state.queueTimer) return;
    state.queueTimer = setTimeout(() => {
      state.queueTimer = null;
      loadQueueMore();
    }, QUEUE_REFRESH_MS);
  }
  async function loadQueueMore() {
    const run = ++state.queueLoads;
    const offset = state.queue.length;
    if (!state.queueWanted || offset < QUEUE_PAGE) {
      state.queueMore = [];
      renderQueue();
      return;
    }
    const read = await http.range("/v1/conversations", { state: "queued" }, offset, state.queueWanted);
    if (!read || run !== state.queueLoads) return;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    state.queueMore = read.items.map(fromListed).filter((c) => !ids.has(c.conversation_id) && !conversations.get(c.conversation_id));
    renderQueue();
  }
  function fromListed(c) {
    return { conversation_id: c.id, waiting_since: c.queued_at, reason: c.escalation_reason, lang: c.language, preview: null };
  }
  function leaveQueue(id) {
    const before = state.queue.length + state.queueMore.length;
    state.queue = state.queue.filter((c) => c.conversation_id !== id);
    state.queueMore = state.queueMore.filter((c) => c.conversation_id !== id);
    if (state.queue.length + state.queueMore.length < before) state.queueTotal = Math.max(0, state.queueTotal - 1);
    renderQueue();
  }
  function tickWaits() {
    for (const el of document.querySelectorAll("[data-relais-console=wait]")) el.textContent = formatWait(el.dataset.since);
  }
  function alertNewConversation() {
    if (!$("sound").checked || !state.audio) return;
    const ctx = state.audio;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(1e-3, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(1e-3, ctx.currentTime + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  }
  function unlockAudio() {
    if (state.audio || !window.AudioContext) return;
    state.audio = new AudioContext();
  }
  function onConversation(frame) {
    leaveQueue(frame.conversation_id);
    const conv = conversations.open(frame.conversation_id);
    conv.context = frame.context || {};
    conv.ended = false;
    for (const ev of Array.isArray(frame.events) ? frame.events : []) onEvent(conv.id, ev, false);
    renderMine();
    const claimed = state.claiming === conv.id;
    if (claimed) state.claiming = null;
    if (claimed || state.selected === conv.id || !conversations.get(state.selected)) select(conv.id);
  }
  function onEvent(id, ev, live) {
    if (!id || !ev) return;
    const conv = conversations.open(id);
    if (ev.kind === "typing") {
      if (ev.from === "visitor" && state.selected === id) showVisitorTyping();
      return;
    }
    const applied = conversations.apply(conv, ev);
    if (applied === "seen") return;
    if (applied === "adopted") {
      connection.acknowledge(ev.client_id);
      if (state.selected === id) renderThread();
      return;
    }
    if (ev.kind === "handoff" && ev.state === "abandoned") leaveQueue(id);
    if (live && ev.kind === "message" && ev.from === "visitor") {
      hideVisitorTyping();
      if (state.selected !== id) conv.unread += 1;
    }
    if (state.selected === id) renderThread();
    renderMine();
  }
  function onAck(frame) {
    connection.acknowledge(frame.client_id);
    const conv = conversations.acknowledge(frame.conversation_id, frame.client_id, frame.seq);
    if (conv && state.selected === conv.id) renderThread();
  }
  function renderMine() {
    $("mine").replaceChildren(...[...conversations.byId.values()].map((conv) => mineItem(conv, state.selected === conv.id, () => select(conv.id))));
  }
  function select(id) {
    state.selected = id;
    const conv = conversations.get(id);
    $("placeholder").hidden = !!conv;
    $("thread").hidden = !conv;
    $("context").replaceChildren(...contextChildren(conv));
    if (conv) {
      conv.unread = 0;
      hideVisitorTyping();
      renderThread();
    }
    renderMine();
  }
  function dismiss() {
    conversations.byId.delete(state.selected);
    connection.dropMessages((frame) => frame.conversation_id === state.selected);
    const next = conversations.byId.keys().next();
    select(next.done ? null : next.value);
  }
  function renderThread() {
    const conv = conversations.get(state.selected);
    if (!conv) return;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    $("thread-title").textContent = "Conversation " + conv.id;
    box.replaceChildren(...conv.events.map(eventEl).filter(Boolean));
    if (atBottom) box.scrollTop = box.scrollHeight;
    for (const id of ["hand-back", "close-conv", "reply", "note-mode", "resolution"]) $(id).disabled = conv.ended;
    $("composer").querySelector("button").disabled = conv.ended;
    $("dismiss").hidden = !conv.ended;
  }
  function showVisitorTyping() {
    $("typing").hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideVisitorTyping, TYPING_SHOW_MS);
  }
  function hideVisitorTyping() {
    clearTimeout(state.typingTimer);
    $("typing").hidden = true;
  }
  function submitReply(event) {
    event.preventDefault();
    const conv = conversations.get(state.selected);
    const text = $("reply").value.trim();
    if (!conv || conv.ended || !text) return;
    $("reply").value = "";
    state.lastTypingSent = 0;
    if ($("note-mode").checked) {
      connection.queue({ type: "note", conversation_id: conv.id, text });
      return;
    }
    const frame = { type: "message", conversation_id: conv.id, client_id: newClientId("a-"), text };
    conversations.reply(conv, frame, state.agent && state.agent.name);
    renderThread();
    connection.sendMessage(frame);
  }
  function onReplyKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
      return;
    }
    const now = Date.now();
    if (state.selected && !$("note-mode").checked && now - state.lastTypingSent > TYPING_SEND_MS) {
      state.lastTypingSent = now;
      connection.queue({ type: "typing", conversation_id: state.selected });
    }
  }
  function handBack() {
    if (state.selected) connection.queue({ type: "hand_back", conversation_id: state.selected });
  }
  function closeConversation() {
    if (state.selected) connection.queue({ type: "close", conversation_id: state.selected, resolution: $("resolution").value });
  }
  async function searchKnowledge(event) {
    event.preventDefault();
    const q = $("kb-query").value.trim();
    if (!q) return;
    const conv = conversations.get(state.selected);
    const lang = conv && conv.context && conv.context.lang || "en";
    const params = new URLSearchParams({ q, lang, k: "5" });
    const body = await http.json("/v1/knowledge/search?" + params);
    const hits = body && Array.isArray(body.hits) ? body.hits : [];
    $("kb-results").replaceChildren(...hits.length ? hits.map((hit) => hitItem(hit, () => insertPassage(hit))) : [h("li", { class: "muted" }, "Nothing found.")]);
  }
  function insertPassage(hit) {
    const reply = $("reply");
    const url = safeUrl(hit.url);
    const passage = String(hit.text || hit.snippet || "").trim() + (url ? "\n" + url : "");
    const start2 = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    reply.setRangeText(passage, start2, end, "end");
    reply.focus();
  }
  async function loadCallbacks() {
    if (!state.token) return;
    let read = await http.range("/v1/callbacks", {}, 0, CALLBACK_PAGE);
    if (read && read.total > read.items.length) {
      const want = Math.min(read.total, state.callbacksWanted);
      read = await http.range("/v1/callbacks", {}, read.total - want, want);
    }
    if (!read) return;
    state.callbacks = [...read.items].sort(newestFirst);
    renderCallbacks(Math.max(read.total, state.callbacks.length));
  }
  function renderCallbacks(total) {
    const shown = state.callbacks.length;
    $("callbacks").replaceChildren(...state.callbacks.map(callbackItem));
    $("callbacks-count").textContent = String(total);
    $("callbacks-empty").hidden = total > 0;
    $("callbacks-shown").hidden = shown >= total;
    $("callbacks-shown").textContent = "Showing the newest " + shown + " of " + total;
    $("callbacks-more").hidden = shown >= total;
  }
  function showMoreCallbacks() {
    state.callbacksWanted = state.callbacks.length + CALLBACK_PAGE;
    loadCallbacks();
  }
  function bind() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("composer").addEventListener("submit", submitReply);
    $("reply").addEventListener("keydown", onReplyKey);
    $("note-mode").addEventListener("change", (e) => $("composer").classList.toggle("note-mode", e.target.checked));
    $("hand-back").addEventListener("click", handBack);
    $("close-conv").addEventListener("click", closeConversation);
    $("dismiss").addEventListener("click", dismiss);
    $("kb-form").addEventListener("submit", searchKnowledge);
    $("callbacks-refresh").addEventListener("click", loadCallbacks);
    $("callbacks-more").addEventListener("click", showMoreCallbacks);
    $("queue-more").addEventListener("click", showMoreQueue);
    $("available").addEventListener("change", setAvailable);
    $("available").checked = localStorage.getItem(AVAILABLE_KEY) !== "false";
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    setInterval(tickWaits, 1e3);
    setInterval(loadCallbacks, CALLBACK_REFRESH_MS);
  }
  function start() {
    bind();
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    } catch {
      saved = null;
    }
    if (saved && saved.token) startSession(saved.token, saved.agent);
  }
  start();
})();
