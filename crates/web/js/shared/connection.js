/**
 * One socket to the server, kept up the same way by the widget and the console: `hello` as
 * soon as it opens, ready once the server answers `welcome`, retried with growing, jittered
 * waits after any drop, and two ways to send: frames held until the next welcome (`queue`) and
 * messages with a client_id re-sent after every welcome until acknowledged (`sendMessage`).
 * It knows no DOM: the transport (transport.js) and the clock are given, so node tests drive it.
 */

/** The first wait after a drop; each further attempt doubles it, up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 500;
/** The longest wait between two attempts. */
export const MAX_RETRY_MS = 30000;
/** The first attempt whose wait is MAX_RETRY_MS (500 ms × 2⁶ > 30 s). */
const LONGEST_ATTEMPT = 6;
/**
 * Close codes after which the same frames would be refused again at once (a frame too big,
 * 1009, or not UTF-8, 1007): the next attempts wait the longest.
 */
const REFUSED_FRAME_CODES = [1009, 1007];

/** The wait before attempt `attempt` (0 first): 500 ms doubling up to 30 s, ±25 % by `random` in [0, 1). */
export function retryDelay(attempt, random) {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.75 + random / 2);
}

/** A client_id for a message: `prefix` and a random UUID. */
export function newClientId(prefix) {
  return prefix + (crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now().toString(36));
}

const browserClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
  random: () => Math.random(),
};

export class Connection {
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
    /** Frames sent once, after the next welcome. */
    this.outbox = [];
    /** Messages by client_id, in the order written, until the server acknowledges them. */
    this.messages = new Map();
  }

  setState(state) {
    this.state = state;
    this.onState(state);
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
        close: (code) => handle.socket === this.socket && this.dropped(code),
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
}
