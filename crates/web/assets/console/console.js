/**
 * Relais agent console: the agents' side of escalated conversations, served at /console.
 * Plain JavaScript, no framework, no build step.
 *
 * Signs in with POST /v1/auth/login, then speaks the agent WebSocket protocol
 * (/v1/agent/ws, see PROTOCOL.md): live queue, claim, reply, typing, internal notes,
 * hand back, close with a resolution, available or away. Beside the conversation it shows the context the
 * server sends (visitor attributes, pages, intents, articles, escalation), searches the
 * knowledge base (GET /v1/knowledge/search) and lists callback requests (GET /v1/callbacks).
 * Everything a visitor typed is rendered as text, never as HTML.
 */
(() => {
  "use strict";

  const SESSION_KEY = "relais-console";
  const AVAILABLE_KEY = "relais-console:available";
  const TYPING_SEND_MS = 3000;
  const TYPING_SHOW_MS = 5000;
  const CALLBACK_REFRESH_MS = 30000;
  const TITLE = "Relais console";

  const state = {
    token: null,
    agent: null,
    socket: null,
    ready: false,
    attempt: 0,
    retryTimer: null,
    outbox: [],
    queue: [],
    queueIds: null,
    conversations: new Map(),
    selected: null,
    claiming: null,
    lastTypingSent: 0,
    typingTimer: null,
    audio: null,
  };

  const $ = (id) => document.getElementById(id);

  /* ---------- small helpers ---------- */

  /** Creates an element; attributes via setAttribute, string children as text nodes. */
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

  /** An http(s) URL as a string, or null: no other scheme becomes a link. */
  function safeUrl(url) {
    try {
      const u = new URL(String(url), location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch {
      return null;
    }
  }

  /** A link when the URL is http(s), plain text otherwise. */
  function link(url, label) {
    const href = safeUrl(url);
    const text = String(label || url || "");
    return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text) : document.createTextNode(text);
  }

  function toDate(value) {
    if (value === null || value === undefined || value === "") return null;
    const d = new Date(typeof value === "number" ? value : Date.parse(value));
    return Number.isNaN(d.getTime()) ? null : d;
  }

  function formatTime(value) {
    const d = toDate(value);
    return d ? d.toLocaleString() : "";
  }

  function formatWait(since) {
    const d = toDate(since);
    if (!d) return "";
    const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  function newId() {
    return "a-" + (crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now());
  }

  function showError(text) {
    const toast = $("toast");
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => (toast.hidden = true), 6000);
  }

  /* ---------- sign in and out ---------- */

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
        body: JSON.stringify({ email: form.elements.email.value.trim(), password: form.elements.password.value }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !body.token) {
        err.textContent = res.status === 401 ? "Wrong email or password." : (body.error && body.error.message) || "Sign-in failed (" + res.status + ").";
        return;
      }
      form.elements.password.value = "";
      startSession(body.token, body.agent);
    } catch {
      err.textContent = "The server cannot be reached.";
    }
  }

  function startSession(token, agent) {
    state.token = token;
    state.agent = agent || null;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, agent }));
    $("login").hidden = true;
    $("app").hidden = false;
    renderAgent();
    connect();
    loadCallbacks();
  }

  function logout() {
    sessionStorage.removeItem(SESSION_KEY);
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    location.reload();
  }

  function renderAgent() {
    $("agent-name").textContent = state.agent ? state.agent.name + (state.agent.role ? " (" + state.agent.role + ")" : "") : "";
  }

  /* ---------- socket ---------- */

  function connect() {
    clearTimeout(state.retryTimer);
    setConnection(state.attempt ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/v1/agent/ws");
    state.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", token: state.token, available: $("available").checked }));
    socket.onmessage = (m) => onFrame(m.data);
    socket.onclose = () => onClosed(socket);
  }

  function onClosed(socket) {
    if (state.socket !== socket) return;
    state.socket = null;
    state.ready = false;
    setConnection("reconnecting");
    const delay = Math.min(30000, 500 * 2 ** state.attempt) * (0.75 + Math.random() / 2);
    state.attempt += 1;
    state.retryTimer = setTimeout(connect, delay);
  }

  function setConnection(value) {
    const el = document.querySelector("[data-relais-console=connection]");
    el.className = "conn " + value;
    el.dataset.state = value;
    el.textContent = { connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…" }[value] || value;
  }

  /** Sends now if the socket is ready; says whether it did. */
  function trySend(frame) {
    if (!state.ready || !state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends now, or after the next welcome. */
  function send(frame) {
    if (!trySend(frame)) state.outbox.push(frame);
  }

  function onFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    const handler = {
      welcome: onWelcome,
      queue: onQueue,
      conversation: onConversation,
      event: (f) => onEvent(f.conversation_id, f, true),
      ack: onAck,
      status: renderAvailable,
      error: onError,
    }[frame.type];
    if (handler) handler(frame);
  }

  function onWelcome(frame) {
    state.ready = true;
    state.attempt = 0;
    if (frame.agent) {
      state.agent = frame.agent;
      renderAgent();
    }
    setConnection("online");
    renderAvailable(frame);
    const outbox = state.outbox.splice(0);
    for (const f of outbox) send(f);
    for (const conv of state.conversations.values()) {
      for (const p of conv.pending.values()) trySend(p.frame);
    }
  }

  /** Away agents keep their conversations; the server offers new ones only to available agents. */
  function setAvailable(event) {
    const available = event.target.checked;
    localStorage.setItem(AVAILABLE_KEY, String(available));
    trySend({ type: "status", available });
  }

  /** Shows the status the server confirmed (`data-state` available or away). */
  function renderAvailable(frame) {
    if (typeof frame.available !== "boolean") return;
    $("available").checked = frame.available;
    $("available").dataset.state = frame.available ? "available" : "away";
  }

  function onError(frame) {
    if (frame.code === "unauthorized") {
      sessionStorage.removeItem(SESSION_KEY);
      if (state.socket) state.socket.onclose = null;
      $("app").hidden = true;
      $("login").hidden = false;
      $("login-form").querySelector(".error").textContent = "Your session has ended. Please sign in again.";
      return;
    }
    const known = {
      already_claimed: "Another agent has already taken this conversation.",
      not_found: "That conversation no longer exists.",
      too_long: "That message is too long (2,000 characters at most).",
      rate_limited: "Too many messages at once; please wait a moment.",
    };
    showError(known[frame.code] || frame.message || "Error: " + frame.code);
  }

  /* ---------- queue ---------- */

  function onQueue(frame) {
    state.queue = Array.isArray(frame.conversations) ? frame.conversations : [];
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    const arrived = state.queueIds !== null && [...ids].some((id) => !state.queueIds.has(id));
    state.queueIds = ids;
    renderQueue();
    if (arrived) alertNewConversation();
  }

  function renderQueue() {
    const list = $("queue");
    list.replaceChildren(...state.queue.map(queueItem));
    $("queue-count").textContent = String(state.queue.length);
    $("queue-count").classList.toggle("waiting", state.queue.length > 0);
    $("queue-empty").hidden = state.queue.length > 0;
    document.title = state.queue.length ? "(" + state.queue.length + ") " + TITLE : TITLE;
  }

  function queueItem(c) {
    const claim = h("button", { type: "button", class: "primary", "data-relais-console": "claim" }, "Claim");
    claim.addEventListener("click", () => {
      state.claiming = c.conversation_id;
      send({ type: "claim", conversation_id: c.conversation_id });
    });
    return h(
      "li",
      { class: "item", "data-relais-console": "queue-item", "data-conversation-id": c.conversation_id },
      h("div", { class: "preview", "data-relais-console": "preview" }, String(c.preview || "")),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag", "data-relais-console": "wait", "data-since": c.waiting_since || "" }, formatWait(c.waiting_since)),
        h("span", { class: "tag", "data-relais-console": "reason" }, String(c.reason || "")),
        h("span", { class: "tag", "data-relais-console": "lang" }, String(c.lang || "")),
        h("span", { class: "spacer" }),
        claim,
      ),
    );
  }

  function tickWaits() {
    for (const el of document.querySelectorAll("[data-relais-console=wait]")) el.textContent = formatWait(el.dataset.since);
  }

  /** A short beep and the title badge when a conversation joins the queue. */
  function alertNewConversation() {
    if (!$("sound").checked || !state.audio) return;
    const ctx = state.audio;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  }

  /** Browsers allow sound only after a user gesture: create the audio context on one. */
  function unlockAudio() {
    if (state.audio || !window.AudioContext) return;
    state.audio = new AudioContext();
  }

  /* ---------- conversations ---------- */

  function conversation(id) {
    let conv = state.conversations.get(id);
    if (!conv) {
      conv = { id, context: {}, events: [], seqs: new Set(), pending: new Map(), ended: false, unread: 0 };
      state.conversations.set(id, conv);
    }
    return conv;
  }

  function onConversation(frame) {
    const conv = conversation(frame.conversation_id);
    conv.context = frame.context || {};
    conv.ended = false;
    for (const ev of Array.isArray(frame.events) ? frame.events : []) onEvent(conv.id, ev, false);
    renderMine();
    const claimed = state.claiming === conv.id;
    if (claimed) state.claiming = null;
    if (claimed || state.selected === conv.id || !state.conversations.has(state.selected)) select(conv.id);
  }

  /** Applies one event of a held conversation; events already seen (by seq) are ignored. */
  function onEvent(id, ev, live) {
    if (!id || !ev) return;
    const conv = conversation(id);
    if (ev.kind === "typing") {
      if (ev.from === "visitor" && state.selected === id) showVisitorTyping();
      return;
    }
    if (typeof ev.seq === "number" && conv.seqs.has(ev.seq)) return;
    if (typeof ev.seq === "number") conv.seqs.add(ev.seq);
    if (adoptOwn(conv, ev)) return;
    insertEvent(conv, ev);
    if (ev.kind === "closed" || (ev.kind === "handoff" && ["returned_to_bot", "agent_left"].includes(ev.state))) conv.ended = true;
    if (ev.kind === "handoff" && ev.state === "agent_joined") conv.ended = false;
    if (live && ev.kind === "message" && ev.from === "visitor") {
      hideVisitorTyping();
      if (state.selected !== id) conv.unread += 1;
    }
    if (state.selected === id) renderThread();
    renderMine();
  }

  function insertEvent(conv, ev) {
    conv.events.push(ev);
    conv.events.sort(bySeq);
  }

  /** Stored events in seq order; pending ones (no seq yet) last, in the order they were written. */
  function bySeq(a, b) {
    return (a.seq ?? Infinity) - (b.seq ?? Infinity) || 0;
  }

  /** Our own message, echoed as an event: the pending copy becomes the real one. */
  function adoptOwn(conv, ev) {
    const pending = ev.client_id && conv.pending.get(ev.client_id);
    if (!pending) return false;
    conv.pending.delete(ev.client_id);
    conv.events = conv.events.filter((e) => e !== pending.event);
    insertEvent(conv, ev);
    if (state.selected === conv.id) renderThread();
    return true;
  }

  function onAck(frame) {
    const conv = state.conversations.get(frame.conversation_id);
    const pending = conv && conv.pending.get(frame.client_id);
    if (!pending) return;
    conv.pending.delete(frame.client_id);
    if (conv.seqs.has(frame.seq)) {
      conv.events = conv.events.filter((e) => e !== pending.event);
    } else {
      pending.event.seq = frame.seq;
      pending.event.pending = false;
      conv.seqs.add(frame.seq);
      conv.events.sort(bySeq);
    }
    if (state.selected === conv.id) renderThread();
  }

  function renderMine() {
    const items = [...state.conversations.values()].map(mineItem);
    $("mine").replaceChildren(...items);
  }

  function lastVisitorText(conv) {
    const msgs = conv.events.filter((e) => e.kind === "message" && e.from === "visitor");
    return msgs.length ? msgs[msgs.length - 1].text : "";
  }

  function mineItem(conv) {
    const li = h(
      "li",
      { class: "item open-conv" + (state.selected === conv.id ? " selected" : ""), tabindex: "0", "data-relais-console": "mine-item", "data-conversation-id": conv.id },
      h("div", { class: "preview" }, String(lastVisitorText(conv) || conv.id)),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag" }, String((conv.context && conv.context.lang) || "")),
        conv.ended ? h("span", { class: "tag ended" }, "ended") : null,
        conv.unread ? h("span", { class: "unread", "aria-label": conv.unread + " new" }, String(conv.unread)) : null,
      ),
    );
    li.addEventListener("click", () => select(conv.id));
    li.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        select(conv.id);
      }
    });
    return li;
  }

  function select(id) {
    state.selected = id;
    const conv = state.conversations.get(id);
    $("placeholder").hidden = !!conv;
    $("thread").hidden = !conv;
    if (!conv) {
      renderContext(null);
      renderMine();
      return;
    }
    conv.unread = 0;
    hideVisitorTyping();
    renderThread();
    renderContext(conv);
    renderMine();
  }

  function dismiss() {
    state.conversations.delete(state.selected);
    const next = state.conversations.keys().next();
    select(next.done ? null : next.value);
  }

  /* ---------- the thread ---------- */

  function renderThread() {
    const conv = state.conversations.get(state.selected);
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

  function eventEl(ev) {
    if (ev.kind === "message") return messageEl(ev);
    if (ev.kind === "note") return noteEl(ev);
    if (ev.kind === "handoff") return notice(ev, handoffText(ev));
    if (ev.kind === "closed") return notice(ev, "Conversation closed by " + (ev.by || "someone"));
    return null;
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
      agent_left: (ev.agent_name || "The agent") + " left",
      returned_to_bot: "Handed back to the bot",
      no_agent_available: "No agent was available" + (ev.reason ? " (" + ev.reason + ")" : ""),
    };
    return texts[ev.state] || "Handoff: " + ev.state;
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

  /* ---------- what the agent does ---------- */

  function submitReply(event) {
    event.preventDefault();
    const conv = state.conversations.get(state.selected);
    const text = $("reply").value.trim();
    if (!conv || conv.ended || !text) return;
    $("reply").value = "";
    state.lastTypingSent = 0;
    if ($("note-mode").checked) {
      send({ type: "note", conversation_id: conv.id, text });
      return;
    }
    const frame = { type: "message", conversation_id: conv.id, client_id: newId(), text };
    const local = { kind: "message", from: "agent", agent_name: state.agent && state.agent.name, text, pending: true, at: new Date().toISOString() };
    conv.pending.set(frame.client_id, { frame, event: local });
    conv.events.push(local);
    renderThread();
    trySend(frame);
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
      send({ type: "typing", conversation_id: state.selected });
    }
  }

  function handBack() {
    if (state.selected) send({ type: "hand_back", conversation_id: state.selected });
  }

  function closeConversation() {
    if (state.selected) send({ type: "close", conversation_id: state.selected, resolution: $("resolution").value });
  }

  /* ---------- context panel ---------- */

  function renderContext(conv) {
    const box = $("context");
    const title = h("h2", {}, "Context");
    if (!conv) {
      box.replaceChildren(title, h("p", { class: "muted" }, "The visitor's details, pages, intents and articles appear here."));
      return;
    }
    const ctx = conv.context || {};
    box.replaceChildren(
      title,
      section("Visitor", "context-visitor", visitorList(ctx)),
      section("Escalation", "context-escalation", escalationEl(ctx.escalation)),
      section("Pages viewed", "context-pages", listOf(ctx.pages, pageItem)),
      section("Intents", "context-intents", listOf(ctx.intents, intentItem)),
      section("Articles shown", "context-articles", listOf(ctx.articles, (a) => [link(a.url, a.title), timeSpan(a.at)])),
      section("Callback requests", "context-callbacks", listOf(ctx.callback_requests, callbackSummary)),
    );
  }

  function section(title, hook, body) {
    return h("div", { "data-relais-console": hook }, h("h3", {}, title), body);
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

  /* ---------- agent assist: knowledge search ---------- */

  async function searchKnowledge(event) {
    event.preventDefault();
    const q = $("kb-query").value.trim();
    if (!q) return;
    const conv = state.conversations.get(state.selected);
    const lang = (conv && conv.context && conv.context.lang) || "en";
    const params = new URLSearchParams({ q, lang, k: "5" });
    const body = await api("/v1/knowledge/search?" + params);
    const hits = body && Array.isArray(body.hits) ? body.hits : [];
    $("kb-results").replaceChildren(...(hits.length ? hits.map(hitItem) : [h("li", { class: "muted" }, "Nothing found.")]));
  }

  function hitItem(hit) {
    const insert = h("button", { type: "button", class: "small", "data-relais-console": "kb-insert" }, "Insert into reply");
    insert.addEventListener("click", () => insertPassage(hit));
    return h(
      "li",
      { class: "item", "data-relais-console": "kb-result" },
      h("strong", {}, link(hit.url, hit.title + (hit.heading && hit.heading !== hit.title ? " — " + hit.heading : ""))),
      h("div", { class: "kb-text" }, String(hit.snippet || hit.text || "")),
      h("div", {}, insert),
    );
  }

  function insertPassage(hit) {
    const reply = $("reply");
    const url = safeUrl(hit.url);
    const passage = String(hit.text || hit.snippet || "").trim() + (url ? "\n" + url : "");
    const start = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    reply.setRangeText(passage, start, end, "end");
    reply.focus();
  }

  /* ---------- callback requests ---------- */

  async function api(path) {
    try {
      const res = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
      if (res.status === 401) {
        onError({ code: "unauthorized" });
        return null;
      }
      if (!res.ok) {
        showError("The server answered " + res.status + " for " + path.split("?")[0]);
        return null;
      }
      return await res.json();
    } catch {
      showError("The server cannot be reached.");
      return null;
    }
  }

  async function loadCallbacks() {
    if (!state.token) return;
    const list = await api("/v1/callbacks");
    if (!Array.isArray(list)) return;
    const items = [...list].sort((a, b) => (toDate(b.created_at) || 0) - (toDate(a.created_at) || 0)).map(callbackItem);
    $("callbacks").replaceChildren(...items);
    $("callbacks-empty").hidden = items.length > 0;
  }

  function callbackItem(c) {
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

  /* ---------- start ---------- */

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
    $("available").addEventListener("change", setAvailable);
    $("available").checked = localStorage.getItem(AVAILABLE_KEY) !== "false";
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    setInterval(tickWaits, 1000);
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
