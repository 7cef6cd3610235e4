/**
 * Relais agent console: the agents' side of escalated conversations, served at /console.
 * This entry point holds what the page shows and ties the pieces together: the socket
 * (shared/connection.js), the held conversations (conversations.js), HTTP (api.js) and the
 * DOM builders (view.js).
 *
 * Signs in with POST /v1/auth/login, then speaks the agent WebSocket protocol
 * (/v1/agent/ws, see docs/protocol.md): live queue, claim, reply, typing, internal notes,
 * hand back, close with a resolution, available or away. Beside the conversation it shows the
 * context the server sends (the verified user id apart from what the visitor claims, pages,
 * intents, articles, escalation), searches the knowledge base (GET /v1/knowledge/search) and
 * lists callback requests (GET /v1/callbacks). The queue frame carries the first 50 entries
 * and the true total; the rest is read page by page (GET /v1/conversations?state=queued).
 * Sign out revokes the session (POST /v1/auth/logout). A bot reply of a held conversation can
 * be flagged ("the bot got this wrong"): its turn goes to the review inbox. Admins also get
 * the Insights view (insights.js): the figures of docs/metrics.md, charts, breakdowns and
 * drill-downs; admins and reviewers the Review view (review.js): the bot's turns to label,
 * keyboard first.
 * Everything a visitor typed is rendered as text, never as HTML.
 */
import { Connection, newClientId } from "../shared/connection.js";
import { h, safeUrl } from "../shared/dom.js";
import { webSocket } from "../shared/transport.js";
import { api } from "./api.js";
import { Conversations } from "./conversations.js";
import { insightsView } from "./insights.js";
import { reviewView } from "./review.js";
import { callbackItem, contextChildren, eventEl, formatWait, hitItem, mineItem, newestFirst, queueItem } from "./view.js";

const SESSION_KEY = "relais-console";
const AVAILABLE_KEY = "relais-console:available";
const TYPING_SEND_MS = 3000;
const TYPING_SHOW_MS = 5000;
const CALLBACK_REFRESH_MS = 30000;
const QUEUE_PAGE = 50;
const QUEUE_REFRESH_MS = 1000;
const CALLBACK_PAGE = 200;
const LOGOUT_TIMEOUT_MS = 3000;
const TITLE = "Relais console";
const ERRORS = {
  already_claimed: "Another agent has already taken this conversation.",
  not_found: "That conversation no longer exists.",
  closed: "That conversation is closed.",
  too_long: "That message is too long (2,000 characters at most).",
  rate_limited: "Too many messages at once; please wait a moment.",
  not_holder: "You no longer hold that conversation.",
};

const state = {
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
  /** `<conversation id>:<seq>` of the bot replies flagged from this console, and whether a flag awaits its answer. */
  flagged: new Set(),
  flagging: false,
  callbacksWanted: CALLBACK_PAGE,
  selected: null,
  claiming: null,
  lastTypingSent: 0,
  typingTimer: null,
  audio: null,
  view: "conversations",
  insights: null,
  review: null,
};

const $ = (id) => document.getElementById(id);

const conversations = new Conversations();
const connection = new Connection({
  open: webSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/agent/ws"),
  hello: () => ({ type: "hello", token: state.token, available: $("available").checked }),
  onFrame,
  onState: setConnection,
});
const http = api(() => state.token, { unauthorized: () => onError({ code: "unauthorized" }), failed: showError });

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
    // Too many attempts from here or for this account, or a server busy checking
    // passwords: the server's message says which, and how long to wait.
    const said = body.error && body.error.message;
    if (said) return said.charAt(0).toUpperCase() + said.slice(1) + ".";
    const wait = parseInt(res.headers.get("Retry-After") || "", 10);
    return "Too many attempts; try again in " + (wait > 0 ? wait : 60) + " s.";
  }
  return (body.error && body.error.message) || "Sign-in failed (" + res.status + ").";
}

/**
 * Signs in with `token`. Someone else (or the same agent with another role) signing in
 * after a session ended gets a fresh page: nothing held, read or built for the one before
 * stays. The same agent signing in again keeps the page as it was (drafts included).
 */
function startSession(token, agent) {
  const before = state.agent;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, agent }));
  if (before && !sameAgent(before, agent)) {
    location.reload();
    return;
  }
  state.token = token;
  state.agent = agent || null;
  $("login").hidden = true;
  $("app").hidden = false;
  renderAgent();
  connection.connect();
  loadCallbacks();
}

/** Whether `a` and `b` are the same agent with the same rights. */
function sameAgent(a, b) {
  return !!b && a.id === b.id && a.role === b.role && a.reviewer === b.reviewer;
}

/**
 * Revokes the session on the server (a token kept by anyone stays useless), then shows the
 * login screen. An unreachable server does not keep the agent signed in here.
 */
async function logout() {
  connection.disconnect();
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
  for (const view of Object.keys(VIEWS)) $("view-" + view).hidden = !maySee(view);
  if (state.view !== "conversations" && !maySee(state.view)) showView("conversations");
  const wanted = location.hash.slice(1);
  if (maySee(wanted) && state.view !== wanted) showView(wanted);
}

function isAdmin() {
  return !!state.agent && state.agent.role === "admin";
}

/** Whether the signed-in agent may open view `name` (the server checks too). */
function maySee(name) {
  return Object.hasOwn(VIEWS, name) && !!state.agent && VIEWS[name].allowed(state.agent);
}

/* ---------- views: conversations; insights (admins) and review (admins, reviewers) ---------- */

/** The views beside the conversations: who may see each, and its builder. */
const VIEWS = {
  insights: { allowed: (agent) => agent.role === "admin", build: insightsView },
  review: { allowed: (agent) => agent.role === "admin" || agent.reviewer === true, build: reviewView },
};

/** Shows the conversations (every agent), or a view of VIEWS the agent may see. */
function showView(name) {
  const view = maySee(name) ? name : "conversations";
  state.view = view;
  for (const other of Object.keys(VIEWS)) {
    $("app").classList.toggle("view-" + other, view === other);
    $(other).hidden = view !== other;
    $("view-" + other).setAttribute("aria-pressed", String(view === other));
  }
  $("view-conversations").setAttribute("aria-pressed", String(view === "conversations"));
  history.replaceState(null, "", view === "conversations" ? location.pathname + location.search : "#" + view);
  if (view === "conversations") return;
  if (!state[view]) state[view] = VIEWS[view].build($(view), http, showError, { admin: isAdmin() });
  state[view].open();
}

/* ---------- socket ---------- */

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
    flagged: onFlagged,
    delivery: onDelivery,
    error: onError,
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

/** Away agents keep their conversations; the server offers new ones only to available agents. */
function setAvailable(event) {
  const available = event.target.checked;
  localStorage.setItem(AVAILABLE_KEY, String(available));
  connection.send({ type: "status", available });
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
    connection.disconnect();
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-form").querySelector(".error").textContent = "Your session has ended. Please sign in again.";
    return;
  }
  showError(ERRORS[frame.code] || frame.message || "Error: " + frame.code);
  // A refused flag: its button can be pressed again.
  if (state.flagging) {
    state.flagging = false;
    renderThread();
  }
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
  const read = await http.range("/v1/conversations", { state: "queued" }, offset, state.queueWanted);
  // A later read (or queue frame) may have overtaken this one: the newest read wins.
  if (!read || run !== state.queueLoads) return;
  const ids = new Set(state.queue.map((c) => c.conversation_id));
  state.queueMore = read.items.map(fromListed).filter((c) => !ids.has(c.conversation_id) && !conversations.get(c.conversation_id));
  renderQueue();
}

/** A conversation of GET /v1/conversations in the shape of a queue frame's entry (no preview). */
function fromListed(c) {
  return { conversation_id: c.id, waiting_since: c.queued_at, reason: c.escalation_reason, lang: c.language, channel: c.channel, preview: null };
}

/** Takes a conversation out of the lists at once (claimed, or it left the queue). */
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

function onConversation(frame) {
  leaveQueue(frame.conversation_id);
  const conv = conversations.open(frame.conversation_id);
  conv.context = frame.context || {};
  conv.ended = false;
  for (const status of Array.isArray(frame.deliveries) ? frame.deliveries : []) conversations.delivered(status);
  for (const ev of Array.isArray(frame.events) ? frame.events : []) onEvent(conv.id, ev, false);
  renderMine();
  const claimed = state.claiming === conv.id;
  if (claimed) state.claiming = null;
  if (claimed || state.selected === conv.id || !conversations.get(state.selected)) select(conv.id);
}

/** Applies one event of a held conversation; events already seen (by seq) are ignored. */
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

function onDelivery(frame) {
  const conv = conversations.delivered(frame);
  if (conv && state.selected === conv.id) renderThread();
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

/** Removes an ended conversation from the list; its unsent replies are not sent again. */
function dismiss() {
  conversations.byId.delete(state.selected);
  connection.dropMessages((frame) => frame.conversation_id === state.selected);
  const next = conversations.byId.keys().next();
  select(next.done ? null : next.value);
}

/* ---------- the thread ---------- */

function renderThread() {
  const conv = conversations.get(state.selected);
  if (!conv) return;
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  $("thread-title").textContent = "Conversation " + conv.id;
  // The bot's replies before the visitor's first message (greetings) answer no turn.
  const firstSaid = conv.events.findIndex((ev) => ev.kind === "message" && ev.from === "visitor");
  const channel = conv.context.channel;
  box.replaceChildren(...conv.events.map((ev, i) => withFlag(conv, ev, eventEl(ev, channel, conv.deliveries.get(ev.seq)), firstSaid >= 0 && i > firstSaid)).filter(Boolean));
  if (atBottom) box.scrollTop = box.scrollHeight;
  for (const id of ["hand-back", "close-conv", "reply", "note-mode", "resolution"]) $(id).disabled = conv.ended;
  $("composer").querySelector("button").disabled = conv.ended;
  $("dismiss").hidden = !conv.ended;
}

/** A bot reply of a held conversation, after the visitor said something, with its Flag button: "the bot got this wrong". */
function withFlag(conv, ev, el, afterVisitor) {
  if (!el || !afterVisitor || ev.kind !== "message" || ev.from !== "bot" || !ev.seq || conv.ended) return el;
  const flagged = state.flagged.has(conv.id + ":" + ev.seq);
  const title = flagged ? "Sent to the review inbox" : "The bot got this wrong: send this turn to the review inbox";
  el.append(h("button", { type: "button", class: "flag", "data-relais-console": "flag", "data-state": flagged ? "flagged" : "ready", disabled: flagged, title }, flagged ? "Flagged" : "Flag"));
  return el;
}

/** A click on a Flag button of the thread. */
function flagReply(event) {
  const button = event.target.closest("button.flag");
  const conv = conversations.get(state.selected);
  const seq = Number(button && button.closest("[data-seq]") && button.closest("[data-seq]").dataset.seq);
  if (!button || !conv || !seq) return;
  button.disabled = true;
  state.flagging = true;
  connection.send({ type: "flag", conversation_id: conv.id, seq });
}

/** The server took a flag: the reply shows it. */
function onFlagged(frame) {
  state.flagging = false;
  state.flagged.add(frame.conversation_id + ":" + frame.seq);
  if (frame.conversation_id === state.selected) renderThread();
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

/* ---------- agent assist: knowledge search ---------- */

async function searchKnowledge(event) {
  event.preventDefault();
  const q = $("kb-query").value.trim();
  if (!q) return;
  const conv = conversations.get(state.selected);
  const lang = (conv && conv.context && conv.context.lang) || "en";
  const params = new URLSearchParams({ q, lang, k: "5" });
  const body = await http.json("/v1/knowledge/search?" + params);
  const hits = body && Array.isArray(body.hits) ? body.hits : [];
  $("kb-results").replaceChildren(...(hits.length ? hits.map((hit) => hitItem(hit, () => insertPassage(hit))) : [h("li", { class: "muted" }, "Nothing found.")]));
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

/** How many callback-list loads have started: only the latest shows its answer. */
let callbacksLoads = 0;

/**
 * The server lists callback requests oldest first; agents want the newest, shown first, so
 * when there is more than a page the end of the list is read ("Show more" reads further back).
 */
async function loadCallbacks() {
  if (!state.token) return;
  // Loads overlap (sign-in, the timer, Refresh): only the latest started is shown, so a
  // slow older answer never replaces a newer list.
  const load = ++callbacksLoads;
  let read = await http.range("/v1/callbacks", {}, 0, CALLBACK_PAGE);
  if (read && read.total > read.items.length) {
    const want = Math.min(read.total, state.callbacksWanted);
    read = await http.range("/v1/callbacks", {}, read.total - want, want);
  }
  if (!read || load !== callbacksLoads) return;
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
  $("messages").addEventListener("click", flagReply);
  $("kb-form").addEventListener("submit", searchKnowledge);
  $("callbacks-refresh").addEventListener("click", loadCallbacks);
  $("callbacks-more").addEventListener("click", showMoreCallbacks);
  $("queue-more").addEventListener("click", showMoreQueue);
  $("available").addEventListener("change", setAvailable);
  $("view-conversations").addEventListener("click", () => showView("conversations"));
  $("view-insights").addEventListener("click", () => showView("insights"));
  $("view-review").addEventListener("click", () => showView("review"));
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
