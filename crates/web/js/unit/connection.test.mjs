/**
 * The socket lifecycle shared by the widget and the console (shared/connection.js), driven
 * without a browser: hello on open, ready on welcome, backoff after drops, held frames and
 * messages re-sent until acknowledged.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { Connection, MAX_RETRY_MS, newClientId, retryDelay } from "../shared/connection.js";
import { fakeClock, fakeTransport } from "./fakes.mjs";

function setup(options = {}) {
  const clock = fakeClock();
  const transport = fakeTransport();
  const frames = [];
  const states = [];
  const connection = new Connection({
    open: transport.open,
    clock,
    hello: () => ({ type: "hello", n: transport.sockets.length }),
    onFrame: (frame) => frames.push(frame),
    onState: (state) => states.push(state),
    ...options,
  });
  return { clock, transport, frames, states, connection };
}

/** Opens a socket and has the server welcome it. */
function welcome(t) {
  t.connection.connect();
  t.transport.last.accept();
  t.transport.last.receive({ type: "welcome" });
  return t.transport.last;
}

test("the wait doubles from 500 ms per attempt, up to 30 s, within ±25 %", () => {
  assert.equal(retryDelay(0, 0.5), 500);
  assert.equal(retryDelay(1, 0.5), 1000);
  assert.equal(retryDelay(5, 0.5), 16000);
  assert.equal(retryDelay(6, 0.5), MAX_RETRY_MS);
  assert.equal(retryDelay(40, 0.5), MAX_RETRY_MS);
  assert.equal(retryDelay(0, 0), 375, "random 0 waits 25 % less");
  assert.ok(retryDelay(0, 0.999999) < 625 && retryDelay(0, 0.999999) > 624.9, "random near 1 waits up to 25 % more");
  assert.equal(retryDelay(10, 0), 0.75 * MAX_RETRY_MS);
  for (let attempt = 0; attempt < 12; attempt++) {
    for (const r of [0, 0.25, 0.5, 0.75, 0.9999]) {
      const base = Math.min(MAX_RETRY_MS, 500 * 2 ** attempt);
      const delay = retryDelay(attempt, r);
      assert.ok(delay >= 0.75 * base && delay < 1.25 * base, `attempt ${attempt}, random ${r}: ${delay}`);
    }
  }
});

test("hello goes out when the socket opens; frames wait for the welcome", () => {
  const t = setup();
  t.connection.connect();
  assert.deepEqual(t.states, ["connecting"]);
  assert.equal(t.transport.sockets.length, 1);
  t.connection.connect();
  assert.equal(t.transport.sockets.length, 1, "no second socket while one is opening");
  const socket = t.transport.last;
  socket.accept();
  assert.deepEqual(socket.sent, [{ type: "hello", n: 1 }]);
  assert.equal(t.connection.send({ type: "typing" }), false, "not ready before the welcome");
  t.connection.queue({ type: "close" });
  assert.equal(socket.sentOf("close").length, 0);
  socket.receive({ type: "welcome", x: 1 });
  assert.equal(t.connection.ready, true);
  assert.deepEqual(t.states, ["connecting", "online"]);
  assert.deepEqual(t.frames, [{ type: "welcome", x: 1 }], "the welcome is passed on");
  t.connection.flush();
  assert.deepEqual(socket.sentOf("close"), [{ type: "close" }]);
  t.connection.flush();
  assert.equal(socket.sentOf("close").length, 1, "a queued frame goes once");
  assert.equal(t.connection.send({ type: "typing" }), true);
});

test("a message is re-sent after every welcome with the same client_id until acknowledged", () => {
  const t = setup();
  const first = welcome(t);
  const message = { type: "message", client_id: newClientId("c-"), text: "hi" };
  assert.equal(t.connection.sendMessage(message), true);
  first.drop(1006);
  assert.deepEqual(t.states.at(-1), "reconnecting");
  t.clock.advance(MAX_RETRY_MS);
  const second = t.transport.last;
  assert.notEqual(second, first);
  second.accept();
  second.receive({ type: "welcome" });
  t.connection.flush();
  assert.deepEqual(second.sentOf("message"), [message], "re-sent, same client_id");
  assert.equal(t.connection.acknowledge(message.client_id), true);
  assert.equal(t.connection.acknowledge(message.client_id), false, "a second ack finds nothing");
  t.connection.flush();
  assert.equal(second.sentOf("message").length, 1, "acknowledged: not sent again");
});

test("messages are re-sent in the order written; dropMessages forgets some", () => {
  const t = setup();
  for (const id of ["a", "b", "c"]) t.connection.sendMessage({ type: "message", client_id: id, conversation_id: id === "b" ? "x" : "y", text: id });
  t.connection.dropMessages((f) => f.conversation_id === "x");
  const socket = welcome(t);
  t.connection.flush();
  assert.deepEqual(socket.sentOf("message").map((f) => f.client_id), ["a", "c"]);
});

test("drops are retried with growing waits; a welcome starts the count again", () => {
  const t = setup();
  t.clock.randomValue = 0.5;
  t.connection.connect();
  const waits = [];
  for (let i = 0; i < 8; i++) {
    t.transport.last.drop(1006);
    waits.push(...t.clock.waiting());
    t.clock.advance(waits.at(-1));
    assert.equal(t.transport.sockets.length, i + 2, "a new socket after the wait");
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(t.states.at(-1), "reconnecting", "attempts after the first say reconnecting");
  t.transport.last.accept();
  t.transport.last.receive({ type: "welcome" });
  t.transport.last.drop(1012);
  assert.deepEqual(t.clock.waiting(), [500], "back to the shortest wait after a welcome");
});

for (const code of [1009, 1007]) {
  test(`after close ${code} (the same frame would be refused again) the wait is the longest`, () => {
    const t = setup();
    t.clock.randomValue = 0;
    welcome(t).drop(code);
    assert.deepEqual(t.clock.waiting(), [0.75 * MAX_RETRY_MS]);
    t.clock.advance(MAX_RETRY_MS);
    t.transport.last.drop(1006);
    assert.deepEqual(t.clock.waiting(), [0.75 * MAX_RETRY_MS], "and stays so until a welcome");
  });
}

for (const code of [1001, 1008, 1012, 1006, 1011]) {
  test(`close ${code} is retried after the short wait`, () => {
    const t = setup();
    welcome(t).drop(code);
    assert.deepEqual(t.clock.waiting(), [500]);
    assert.equal(t.connection.ready, false);
    assert.equal(t.connection.send({ type: "typing" }), false);
  });
}

test("a connection not wanted goes idle when its socket drops, and is not retried", () => {
  let wanted = false;
  const t = setup({ wanted: () => wanted });
  welcome(t).drop(1001);
  assert.equal(t.connection.state, "idle");
  assert.deepEqual(t.clock.waiting(), []);
  wanted = true;
  t.connection.connect();
  t.transport.last.drop(1001);
  assert.equal(t.connection.state, "reconnecting");
  assert.equal(t.clock.waiting().length, 1);
});

test("disconnect closes on purpose: the old socket's events are ignored and nothing is retried", () => {
  const t = setup();
  const socket = welcome(t);
  t.connection.disconnect();
  assert.equal(socket.state, "closed by client");
  socket.drop(1000);
  socket.receive({ type: "welcome" });
  assert.deepEqual(t.clock.waiting(), []);
  assert.equal(t.frames.length, 1, "nothing received after the disconnect");
  assert.equal(t.connection.ready, false);
  t.connection.stop();
  assert.equal(t.connection.state, "idle");
});

test("interrupt drops the socket and retries with backoff; reconnectNow does not wait", () => {
  const t = setup();
  t.connection.interrupt();
  assert.equal(t.transport.sockets.length, 0, "nothing to interrupt");
  const socket = welcome(t);
  t.connection.interrupt();
  assert.equal(socket.state, "closed by client");
  assert.equal(t.connection.state, "reconnecting");
  assert.deepEqual(t.clock.waiting(), [500]);
  t.connection.reconnectNow();
  assert.deepEqual(t.clock.waiting(), [], "the scheduled retry is cancelled");
  assert.equal(t.transport.sockets.length, 2);
});

test("a transport that cannot open leaves no socket behind", (ctx) => {
  ctx.mock.method(console, "error", () => {});
  const t = setup({
    open: () => {
      throw new Error("blocked");
    },
  });
  t.connection.connect();
  assert.equal(t.connection.socket, null);
  assert.equal(console.error.mock.callCount(), 1);
});

test("client ids are the prefix and a fresh UUID", () => {
  const a = newClientId("c-");
  const b = newClientId("c-");
  assert.match(a, /^c-[0-9a-f-]{36}$/);
  assert.notEqual(a, b);
});
