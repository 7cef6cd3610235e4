/**
 * The visitor's side of the protocol (docs/protocol.md, section 3) as a state machine apart
 * from the page: what `hello` says (a new conversation, or the stored one resumed from its
 * last seq), which events are new, the visitor's messages re-sent with their client_id until
 * acknowledged, frames held until the next welcome, the page view owed after a resume, and
 * what an error or a closed conversation means. The widget learns what happened through
 * `handlers`; the transport and the clock are given, so node tests drive it frame by frame.
 */
import { Connection } from "../shared/connection.js";

/** The longest message the server takes (max_message_chars). */
export const MAX_LEN = 2000;
/** After rate_limited, what waits is sent again this much later. */
const RATE_LIMIT_RETRY_MS = 3000;
/** How long the socket stays open after an agent closed the conversation, for the rating request that follows. */
export const RATING_WAIT_MS = 3000;
/** How long a rating request that came after the close stays answerable. */
export const RATING_KEEP_MS = 10 * 60 * 1000;

/** Errors to a resuming hello: the conversation cannot be resumed (gone, not ours, closed too long ago). */
const NOT_RESUMABLE = ["not_found", "unauthorized", "closed"];
/** Errors the visitor is told about, by the key of their text in strings.js. */
const NOTICES = { limit_reached: "limitReached", too_long: "tooLong", rate_limited: "rateLimited", internal: "failed" };

function noConversation() {
  return { id: null, token: null, lastSeq: 0 };
}

export class Session {
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
    /** The host site's attributes of the visitor and its signed identity, sent with hello. */
    this.visitor = null;
    this.identity = null;
    /** This browser's random id (storage.browserId), sent when a conversation starts. */
    this.browserId = null;
    this.pageSentOnLoad = false;
    this.pageNeedsSend = false;
    /** Who closed the conversation, while the socket waits for a rating request after it. */
    this.closedBy = null;
    this.ratingOpen = false;
    this.endTimer = null;
    this.connection = new Connection({
      open,
      clock,
      hello: () => this.hello(),
      onFrame: (frame) => this.onFrame(frame),
      onState: (state) => handlers.connection(state),
      wanted: () => this.wanted(),
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
      if (v !== undefined && v !== null) visitor[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
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
    // Replayed: a rating request after the close would have been among these events.
    if (this.closedBy && !this.ratingOpen) {
      this.end();
      this.handlers.changed();
      return;
    }
    // A page loaded with a stored conversation is announced once it is resumed.
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
      // After the close only a rating request matters: it keeps the socket until answered.
      if (ev.kind === "rating_request") {
        this.ratingOpen = true;
        this.clock.clearTimeout(this.endTimer);
        this.endTimer = this.clock.setTimeout(() => this.endNow(), RATING_KEEP_MS);
        this.handlers.event(ev, live);
      }
    } else {
      // The visitor's own message, echoed: stored, so not to be sent again.
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
      // Closed while our frames were on their way: end it here too, instead of re-sending them.
      if (this.conv.id && !this.closedBy) this.handlers.closed({});
      if (this.conv.id) this.end();
      this.handlers.changed();
      return;
    }
    if (code === "too_long") this.connection.dropMessages((frame) => frame.text && frame.text.length > MAX_LEN);
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
    if (!this.conv.id) return false; // the wait for it is over: the conversation is forgotten
    if (this.ratingOpen) {
      // After the close it goes now or never: a closed conversation cannot be resumed.
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
}
