/**
 * Test doubles for the protocol modules: a clock whose timers run when the test advances it,
 * and a transport whose sockets the test opens, feeds frames and drops by hand.
 */

/** setTimeout, clearTimeout and random (fixed, settable) under the test's control. */
export function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    randomValue: 0.5,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    random() {
      return this.randomValue;
    },
    /** The delays of the timers still waiting, in ms. */
    waiting() {
      return [...timers.values()].map((t) => t.ms);
    },
    /** Moves time on by `ms`, running the timers that fall due, in order. */
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

/** A transport (see shared/transport.js) whose sockets are listed in `sockets`, newest last. */
export function fakeTransport() {
  const sockets = [];
  const open = (on) => {
    const socket = {
      on,
      sent: [],
      state: "opening",
      isOpen: () => socket.state === "open",
      send(frame) {
        if (socket.state !== "open") throw new Error("send on a socket that is " + socket.state);
        socket.sent.push(structuredClone(frame));
      },
      close() {
        socket.state = "closed by client";
      },
      /** The server accepts the socket: the client's hello goes out. */
      accept() {
        socket.state = "open";
        on.open();
      },
      receive(frame) {
        on.frame(structuredClone(frame));
      },
      /** The socket closes with `code` without the client asking. */
      drop(code) {
        socket.state = "dropped";
        on.close(code);
      },
      /** The frames of `type` sent on this socket. */
      sentOf(type) {
        return socket.sent.filter((f) => f.type === type);
      },
    };
    sockets.push(socket);
    return socket;
  };
  return {
    open,
    sockets,
    get last() {
      return sockets[sockets.length - 1];
    },
  };
}
