/**
 * Relais agent console: the agents' side of escalated conversations, served at /console.
 * Plain JavaScript, no framework, no build step.
 *
 * Signs in with POST /v1/auth/login, then speaks the agent WebSocket protocol
 * (/v1/agent/ws, see PROTOCOL.md): live queue, claim, reply, typing, internal notes,
 * hand back, close with a resolution, available or away. Beside the conversation it shows the context the
 * server sends (the verified user id apart from what the visitor claims, pages, intents,
 * articles, escalation), searches the knowledge base (GET /v1/knowledge/search) and lists
 * callback requests (GET /v1/callbacks). The queue frame carries the first 50 entries and
 * the true total; the rest is read page by page (GET /v1/conversations?state=queued).
 * Sign out revokes the session (POST /v1/auth/logout).
 * Everything a visitor typed is rendered as text, never as HTML.
 */
(() => {
  "use strict";

  const SESSION_KEY = "relais-console";
  const AVAILABLE_KEY = "relais-console:available";
  const TYPING_SEND_MS = 3000;
  const TYPING_SHOW_MS = 5000;
  const CALLBACK_REFRESH_MS = 30000;
  const QUEUE_PAGE = 50;
  const QUEUE_REFRESH_MS = 1000;
  const CALLBACK_PAGE = 200;
  /** The most items the server returns in one page of a list. */
  const MAX_PAGE_LIMIT = 500;
  const LOGOUT_TIMEOUT_MS = 3000;
  /** Longest wait between reconnections (also the wait after a close that would recur at once). */
  const MAX_RETRY_MS = 30000;
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
    queueTotal: null,
    queueFrameTotal: null,
    queueMore: [],
    queueWanted: 0,
    queueTimer: null,
    queueLoads: 0,
    callbacks: [],
    callbacksWanted: CALLBACK_PAGE,
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
      // Too many attempts from here or for this account: say how long the server asks to wait.
      const wait = parseInt(res.headers.get("Retry-After") || "", 10);
      return "Too many attempts; try again in " + (wait > 0 ? wait : 60) + " s.";
    }
    return (body.error && body.error.message) || "Sign-in failed (" + res.status + ").";
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

  /**
   * Revokes the session on the server (a token kept by anyone stays useless), then shows the
   * login screen. An unreachable server does not keep the agent signed in here.
   */
  async function logout() {
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close();
    }
    try {
      await fetch("/v1/auth/logout", {
        method: "POST",
        headers: { Authorization: "Bearer " + state.token },
        signal: AbortSignal.timeout(LOGOUT_TIMEOUT_MS),
      });
    } catch {
      /* the server cannot be reached: the session ends here anyway */
    }
    sessionStorage.removeItem(SESSION_KEY);
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
    socket.onclose = (e) => onClosed(socket, e.code);
  }

  /** Any drop (idle 1001, no hello 1008, restart 1012, network) is retried with backoff. */
  function onClosed(socket, code) {
    if (state.socket !== socket) return;
    state.socket = null;
    state.ready = false;
    setConnection("reconnecting");
    // A frame too big (1009) or not UTF-8 (1007) would be refused again at once: wait the longest.
    const base = code === 1009 || code === 1007 ? MAX_RETRY_MS : Math.min(MAX_RETRY_MS, 500 * 2 ** state.attempt);
    const delay = base * (0.75 + Math.random() / 2);
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
      closed: "That conversation is closed.",
      too_long: "That message is too long (2,000 characters at most).",
      rate_limited: "Too many messages at once; please wait a moment.",
    };
    showError(known[frame.code] || frame.message || "Error: " + frame.code);
  }

  /* ---------- queue ---------- */

  /**
   * The frame lists the oldest entries only (QUEUE_PAGE of them) and the true `total`; those
   * beyond, read over HTTP after "Show more", are read again when the queue changes.
   */
  function onQueue(frame) {
    state.queue = Array.isArray(frame.conversations) ? frame.conversations : [];
    const total = typeof frame.total === "number" ? frame.total : state.queue.length;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    // Newcomers join the end of the queue, often beyond the first page: a growing total counts too.
    const arrived = state.queueIds !== null && (total > state.queueFrameTotal || [...ids].some((id) => !state.queueIds.has(id)));
    state.queueIds = ids;
    state.queueFrameTotal = total;
    state.queueTotal = total;
    state.queueMore = state.queueMore.filter((c) => !ids.has(c.conversation_id));
    renderQueue();
    if (state.queueWanted) scheduleQueueMore();
    if (arrived) alertNewConversation();
  }

  function shownQueue() {
    return [...state.queue, ...state.queueMore];
  }

  function renderQueue() {
    const shown = shownQueue();
    const total = Math.max(state.queueTotal || 0, shown.length);
    $("queue").replaceChildren(...shown.map(queueItem));
    $("queue-count").textContent = String(total);
    $("queue-count").classList.toggle("waiting", total > 0);
    $("queue-empty").hidden = total > 0;
    $("queue-shown").hidden = shown.length >= total;
    $("queue-shown").textContent = "Showing " + shown.length + " of " + total;
    $("queue-more").hidden = shown.length >= total;
    document.title = total ? "(" + total + ") " + TITLE : TITLE;
  }

  function showMoreQueue() {
    state.queueWanted = state.queueMore.length + QUEUE_PAGE;
    loadQueueMore();
  }

  /** Queue frames come up to a few times a second: read the extra pages at most once a second. */
  function scheduleQueueMore() {
    if (state.queueTimer) return;
    state.queueTimer = setTimeout(() => {
      state.queueTimer = null;
      loadQueueMore();
    }, QUEUE_REFRESH_MS);
  }

  /** Reads the queue after the frame's entries, as many as the agent asked to see. */
  async function loadQueueMore() {
    const run = ++state.queueLoads;
    const offset = state.queue.length;
    if (!state.queueWanted || offset < QUEUE_PAGE) {
      state.queueMore = [];
      renderQueue();
      return;
    }
    const read = await readRange("/v1/conversations", { state: "queued" }, offset, state.queueWanted);
    // A later read (or queue frame) may have overtaken this one: the newest read wins.
    if (!read || run !== state.queueLoads) return;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    state.queueMore = read.items.map(fromListed).filter((c) => !ids.has(c.conversation_id) && !state.conversations.has(c.conversation_id));
    renderQueue();
  }

  /** A conversation of GET /v1/conversations in the shape of a queue frame's entry (no preview). */
  function fromListed(c) {
    return { conversation_id: c.id, waiting_since: c.queued_at, reason: c.escalation_reason, lang: c.language, preview: null };
  }

  /** Takes a conversation out of the lists at once (claimed, or it left the queue). */
  function leaveQueue(id) {
    const before = state.queue.length + state.queueMore.length;
    state.queue = state.queue.filter((c) => c.conversation_id !== id);
    state.queueMore = state.queueMore.filter((c) => c.conversation_id !== id);
    if (state.queue.length + state.queueMore.length < before) state.queueTotal = Math.max(0, state.queueTotal - 1);
    renderQueue();
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
      c.preview
        ? h("div", { class: "preview", "data-relais-console": "preview" }, String(c.preview))
        : h("div", { class: "preview muted", "data-relais-console": "preview" }, "Conversation " + String(c.conversation_id)),
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
    leaveQueue(frame.conversation_id);
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
    if (ev.kind === "closed" || (ev.kind === "handoff" && ["returned_to_bot", "agent_left", "abandoned"].includes(ev.state))) conv.ended = true;
    if (ev.kind === "handoff" && ev.state === "abandoned") leaveQueue(id);
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
      abandoned: "Left the queue (visitor gone)",
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
      verifiedEl(ctx.verified_user_id),
      section("Visitor (as they say)", "context-visitor", visitorList(ctx)),
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

  /** GET with the session's token: the response, or null once the failure is shown. */
  async function get(path) {
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
      return res;
    } catch {
      showError("The server cannot be reached.");
      return null;
    }
  }

  async function api(path) {
    const res = await get(path);
    return res && res.json().catch(() => null);
  }

  /** One page of a paged list: its items and the whole list's length (X-Total-Count). */
  async function apiPage(path) {
    const res = await get(path);
    const items = res && (await res.json().catch(() => null));
    if (!Array.isArray(items)) return null;
    const total = parseInt(res.headers.get("X-Total-Count") || "", 10);
    return { items, total: Number.isNaN(total) ? items.length : total };
  }

  /** `count` items of a paged list from `offset` on, in pages the server accepts, and its length. */
  async function readRange(path, params, offset, count) {
    const items = [];
    let total = 0;
    while (items.length < count) {
      const limit = Math.min(MAX_PAGE_LIMIT, count - items.length);
      const query = new URLSearchParams({ ...params, offset: String(offset + items.length), limit: String(limit) });
      const page = await apiPage(path + "?" + query);
      if (!page) return null;
      items.push(...page.items);
      total = page.total;
      if (page.items.length < limit) break;
    }
    return { items, total };
  }

  /**
   * The server lists callback requests oldest first; agents want the newest, shown first, so
   * when there is more than a page the end of the list is read ("Show more" reads further back).
   */
  async function loadCallbacks() {
    if (!state.token) return;
    let read = await readRange("/v1/callbacks", {}, 0, CALLBACK_PAGE);
    if (read && read.total > read.items.length) {
      const want = Math.min(read.total, state.callbacksWanted);
      read = await readRange("/v1/callbacks", {}, read.total - want, want);
    }
    if (!read) return;
    state.callbacks = [...read.items].sort((a, b) => (toDate(b.created_at) || 0) - (toDate(a.created_at) || 0));
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
    $("callbacks-more").addEventListener("click", showMoreCallbacks);
    $("queue-more").addEventListener("click", showMoreQueue);
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
