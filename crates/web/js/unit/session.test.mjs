/**
 * The visitor's protocol state machine (widget/session.js), driven frame by frame without a
 * browser: hello to start or resume, the visitor's messages re-sent with their client_id until
 * acknowledged, events applied once by seq, errors and the end of a conversation.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_RETRY_MS } from "../shared/connection.js";
import { MAX_LEN, RATING_KEEP_MS, RATING_WAIT_MS, Session } from "../widget/session.js";
import { fakeClock, fakeTransport } from "./fakes.mjs";

const PAGE = { url: "https://shop.example/products?id=7", title: "Chair" };

/** A session with a fake transport and clock, recording what it tells the widget. */
function setup() {
  const clock = fakeClock();
  const transport = fakeTransport();
  const told = { connection: [], event: [], typing: [], ack: [], fresh: 0, closed: [], notice: [], changed: 0 };
  const session = new Session({
    open: transport.open,
    clock,
    page: () => ({ ...PAGE }),
    handlers: {
      connection: (s) => told.connection.push(s),
      event: (ev, live) => told.event.push({ ev, live }),
      typing: (ev) => told.typing.push(ev),
      ack: (clientId, seq) => told.ack.push([clientId, seq]),
      fresh: () => (told.fresh += 1),
      closed: (ev) => told.closed.push(ev),
      notice: (key) => told.notice.push(key),
      changed: () => (told.changed += 1),
    },
  });
  return { clock, transport, told, session };
}

/** The server's welcome on the newest socket (opened and accepted first). */
function welcome(t, frame) {
  const socket = t.transport.last;
  if (socket.state === "opening") socket.accept();
  socket.receive({ type: "welcome", resumed: false, events: [], ...frame });
  return socket;
}

const message = (clientId, text = "hello") => ({ type: "message", client_id: clientId, text });

test("a new conversation: hello carries the language and the page, not a conversation", () => {
  const t = setup();
  t.session.lang = "fr";
  t.session.connectIfNeeded(false);
  assert.equal(t.transport.sockets.length, 0, "nothing to resume, nothing to send: no socket");
  t.session.connectIfNeeded(true);
  t.transport.last.accept();
  assert.deepEqual(t.transport.last.sent, [{ type: "hello", lang: "fr", page: PAGE }]);
});

test("the browser id goes with a starting hello only", () => {
  const t = setup();
  t.session.browserId = "0123456789abcdef0123456789abcdef";
  t.session.connectIfNeeded(true);
  t.transport.last.accept();
  assert.equal(t.transport.last.sent[0].browser_id, "0123456789abcdef0123456789abcdef");
  const resumed = setup();
  resumed.session.browserId = "0123456789abcdef0123456789abcdef";
  resumed.session.restore({ id: "conv-1", token: "tok-1", lastSeq: 7 }, []);
  resumed.session.connectIfNeeded(false);
  resumed.transport.last.accept();
  assert.equal(resumed.transport.last.sent[0].browser_id, undefined);
});

test("a stored conversation is resumed from its last seq", () => {
  const t = setup();
  t.session.restore({ id: "conv-1", token: "tok-1", lastSeq: 7 }, []);
  t.session.connectIfNeeded(false);
  t.transport.last.accept();
  assert.deepEqual(t.transport.last.sent, [{ type: "hello", lang: "en", conversation_id: "conv-1", token: "tok-1", last_seq: 7 }]);
});

test("identify: attributes as strings, the identity only when signed, sent in hello and to a live conversation", () => {
  const t = setup();
  t.session.identify({ user_id: 42, plan: { tier: "plus" }, gone: null });
  assert.deepEqual(t.session.visitor, { user_id: "42", plan: '{"tier":"plus"}' });
  assert.equal(t.session.identity, null, "no signature, no identity");
  t.session.identify({ email: "jo@example.com" }, "abc123");
  assert.deepEqual(t.session.identity, { user_id: "jo@example.com", signature: "abc123" }, "the user id of this call's attributes");
  t.session.connectIfNeeded(true);
  t.transport.last.accept();
  const [hello] = t.transport.last.sent;
  assert.deepEqual(hello.visitor, { user_id: "42", plan: '{"tier":"plus"}', email: "jo@example.com" });
  assert.deepEqual(hello.identity, { user_id: "jo@example.com", signature: "abc123" });
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.identify({ name: "Jo" });
  assert.deepEqual(socket.sentOf("identify"), [{ type: "identify", visitor: { name: "Jo" }, identity: { user_id: "jo@example.com", signature: "abc123" } }]);
});

test("welcome: the conversation's id and token are kept, its events applied live, the stored state saved", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  welcome(t, { conversation_id: "c1", token: "t1", events: [{ type: "event", kind: "message", seq: 1, from: "bot", text: "Hi" }] });
  assert.deepEqual(t.session.conv, { id: "c1", token: "t1", lastSeq: 1 });
  assert.equal(t.session.live, true);
  assert.deepEqual(t.told.connection, ["connecting", "online"]);
  assert.equal(t.told.event.length, 1);
  assert.equal(t.told.event[0].live, true);
  assert.equal(t.told.fresh, 1, "a conversation not resumed is a fresh start");
  assert.ok(t.told.changed >= 1);
});

test("a resumed conversation owes the server the page it was resumed on, once", () => {
  const t = setup();
  t.session.restore({ id: "c1", token: "t1", lastSeq: 3 }, []);
  t.session.connectIfNeeded(false);
  const first = welcome(t, { conversation_id: "c1", token: "t1", resumed: true });
  assert.equal(t.told.fresh, 0, "the same conversation is not forgotten");
  assert.deepEqual(first.sentOf("page_view"), [{ type: "page_view", ...PAGE }]);
  first.drop(1006);
  t.clock.advance(MAX_RETRY_MS);
  const second = welcome(t, { conversation_id: "c1", token: "t1", resumed: true });
  assert.deepEqual(second.sent[0], { type: "hello", lang: "en", conversation_id: "c1", token: "t1", last_seq: 3 });
  assert.deepEqual(second.sentOf("page_view"), [], "not again after a reconnection");
});

test("a resume answered with another conversation forgets the old one", () => {
  const t = setup();
  t.session.restore({ id: "old", token: "t0", lastSeq: 9 }, []);
  t.session.connectIfNeeded(false);
  welcome(t, { conversation_id: "new", token: "t1", resumed: false });
  assert.equal(t.told.fresh, 1);
  assert.deepEqual(t.session.conv, { id: "new", token: "t1", lastSeq: 0 });
});

test("the visitor's message is re-sent with the same client_id after a drop, until acknowledged", () => {
  const t = setup();
  t.session.sendMessage(message("c-1"));
  assert.equal(t.transport.sockets.length, 1, "a message starts a conversation");
  const first = welcome(t, { conversation_id: "c1", token: "t1" });
  assert.deepEqual(first.sentOf("message"), [message("c-1")]);
  first.drop(1006);
  assert.deepEqual(t.told.connection.at(-1), "reconnecting");
  assert.deepEqual(t.session.pending, [message("c-1")], "kept while unacknowledged");
  t.clock.advance(MAX_RETRY_MS);
  const second = welcome(t, { conversation_id: "c1", token: "t1", resumed: true });
  assert.deepEqual(second.sentOf("message"), [message("c-1")], "the same client_id again");
  second.receive({ type: "ack", client_id: "c-1", seq: 4 });
  assert.deepEqual(t.session.pending, []);
  assert.deepEqual(t.told.ack, [["c-1", 4]]);
  second.drop(1001);
  t.clock.advance(MAX_RETRY_MS);
  const third = welcome(t, { conversation_id: "c1", token: "t1", resumed: true });
  assert.deepEqual(third.sentOf("message"), [], "acknowledged: never sent again");
});

test("a duplicate ack changes nothing more", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.sendMessage(message("c-1"));
  t.session.sendMessage(message("c-2", "second"));
  socket.receive({ type: "ack", client_id: "c-1", seq: 2 });
  socket.receive({ type: "ack", client_id: "c-1", seq: 2 });
  assert.deepEqual(t.session.pending, [message("c-2", "second")]);
  assert.deepEqual(t.told.ack, [["c-1", 2], ["c-1", 2]], "the widget marks it sent, twice harmlessly");
});

test("the echo of the visitor's own message acknowledges it too", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.sendMessage(message("c-1"));
  socket.receive({ type: "event", kind: "message", seq: 5, from: "visitor", text: "hello", client_id: "c-1" });
  assert.deepEqual(t.session.pending, []);
  assert.equal(t.told.event.at(-1).ev.client_id, "c-1", "the widget matches it with its local copy");
});

test("events are applied once, by seq; typing is passed on but the visitor's own is not", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  for (const seq of [1, 2, 2, 1, 3]) socket.receive({ type: "event", kind: "message", seq, from: "bot", text: "m" + seq });
  assert.deepEqual(t.told.event.map((e) => e.ev.seq), [1, 2, 3]);
  assert.equal(t.session.conv.lastSeq, 3);
  socket.receive({ type: "event", kind: "typing", from: "agent" });
  socket.receive({ type: "event", kind: "typing", from: "visitor" });
  assert.deepEqual(t.told.typing.map((e) => e.from), ["agent"]);
  assert.equal(t.told.event.length, 3, "typing is no transcript event");
});

test("a closed conversation is forgotten: held frames dropped, unsent messages start a new one", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.drop(1006);
  t.session.sendWhenReady({ type: "feedback", seq: 1, helpful: true });
  t.clock.advance(MAX_RETRY_MS);
  const second = welcome(t, { conversation_id: "c1", token: "t1", resumed: true, events: [{ type: "event", kind: "closed", seq: 2, by: "agent" }] });
  assert.deepEqual(t.told.closed.map((e) => e.by), ["agent"]);
  assert.deepEqual(t.session.conv, { id: null, token: null, lastSeq: 0 });
  assert.equal(t.told.connection.at(-1), "idle");
  assert.equal(second.state, "closed by client");
  assert.deepEqual(second.sentOf("feedback"), [], "the feedback belonged to the closed conversation");
  assert.equal(t.transport.sockets.length, 2, "nothing to send: no new socket");

  t.session.sendMessage(message("c-9"));
  const third = t.transport.last;
  third.accept();
  assert.deepEqual(third.sent[0], { type: "hello", lang: "en", page: PAGE }, "a new conversation");
});

test("a message written while the conversation closes is kept and starts the next one", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.drop(1006);
  t.session.sendMessage(message("c-2"));
  t.clock.advance(MAX_RETRY_MS);
  welcome(t, { conversation_id: "c1", token: "t1", resumed: true, events: [{ type: "event", kind: "closed", seq: 2, by: "visitor" }] });
  assert.deepEqual(t.session.pending, [message("c-2")]);
  assert.equal(t.transport.sockets.length, 3, "reconnects at once for the unsent message");
  const next = welcome(t, { conversation_id: "c2", token: "t2" });
  assert.equal(next.sent[0].conversation_id, undefined);
  assert.deepEqual(next.sentOf("message"), [message("c-2")]);
});

for (const code of ["not_found", "unauthorized", "closed"]) {
  test(`a resume refused with ${code} starts a new conversation at once, keeping unsent messages`, () => {
    const t = setup();
    t.session.restore({ id: "gone", token: "t0", lastSeq: 4 }, [message("c-1")]);
    t.session.connectIfNeeded(false);
    const socket = t.transport.last;
    socket.accept();
    socket.receive({ type: "error", code });
    assert.equal(t.told.fresh, 1);
    assert.equal(socket.state, "closed by client");
    assert.equal(t.transport.sockets.length, 2);
    const next = welcome(t, { conversation_id: "c2", token: "t2" });
    assert.deepEqual(next.sent[0], { type: "hello", lang: "en", page: PAGE });
    assert.deepEqual(next.sentOf("message"), [message("c-1")]);
  });
}

test("error closed in a live conversation ends it here too", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.receive({ type: "error", code: "closed" });
  assert.equal(t.told.closed.length, 1);
  assert.equal(t.session.conv.id, null);
  assert.equal(t.told.connection.at(-1), "idle");
});

test("too_long drops the over-long unsent messages and tells the visitor", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.sendMessage(message("long", "x".repeat(MAX_LEN + 1)));
  t.session.sendMessage(message("short", "ok"));
  socket.receive({ type: "error", code: "too_long" });
  assert.deepEqual(t.session.pending.map((f) => f.client_id), ["short"]);
  assert.deepEqual(t.told.notice, ["tooLong"]);
});

test("rate_limited: told, and what waits is sent again 3 s later", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.sendMessage(message("c-1"));
  socket.receive({ type: "error", code: "rate_limited" });
  assert.deepEqual(t.told.notice, ["rateLimited"]);
  t.clock.advance(2999);
  assert.equal(socket.sentOf("message").length, 1);
  t.clock.advance(1);
  assert.deepEqual(socket.sentOf("message"), [message("c-1"), message("c-1")]);
});

test("other errors the visitor is told about", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  for (const code of ["limit_reached", "internal", "bad_frame", "unknown_type"]) socket.receive({ type: "error", code });
  assert.deepEqual(t.told.notice, ["limitReached", "failed"]);
  assert.equal(t.session.conv.id, "c1", "the conversation goes on");
});

test("a socket dropped with no conversation and nothing to send goes idle, without retrying", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  t.transport.last.accept();
  t.transport.last.drop(1008);
  assert.equal(t.told.connection.at(-1), "idle");
  assert.deepEqual(t.clock.waiting(), []);
});

test("a conversation's socket is retried after any drop", () => {
  for (const code of [1001, 1006, 1008, 1011, 1012]) {
    const t = setup();
    t.session.connectIfNeeded(true);
    welcome(t, { conversation_id: "c1", token: "t1" }).drop(code);
    assert.equal(t.told.connection.at(-1), "reconnecting", `code ${code}`);
    assert.equal(t.clock.waiting().length, 1, `code ${code}`);
  }
});

test("offline drops the socket and retries later; online reconnects at once", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  t.session.offline();
  assert.equal(socket.state, "closed by client");
  assert.equal(t.told.connection.at(-1), "reconnecting");
  assert.equal(t.clock.waiting().length, 1);
  t.session.online();
  assert.equal(t.transport.sockets.length, 2);
  assert.deepEqual(t.clock.waiting(), [], "the scheduled retry is cancelled");
  t.session.online();
  assert.equal(t.transport.sockets.length, 2, "no second socket while one is opening");
});

test("frames for the conversation wait for the welcome; without a conversation, page views are not sent", () => {
  const t = setup();
  t.session.viewPage();
  t.session.close();
  assert.equal(t.transport.sockets.length, 0);
  t.session.restore({ id: "c1", token: "t1", lastSeq: 1 }, []);
  t.session.close();
  const socket = t.transport.last;
  socket.accept();
  assert.deepEqual(socket.sentOf("close"), []);
  socket.receive({ type: "welcome", conversation_id: "c1", token: "t1", resumed: true, events: [] });
  assert.deepEqual(socket.sentOf("close"), [{ type: "close" }]);
});

test("an agent's close waits for the rating request that follows, and the rating ends the conversation", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.receive({ type: "event", kind: "closed", seq: 5, by: "agent" });
  assert.deepEqual(t.told.closed.map((e) => e.by), ["agent"], "told at once");
  assert.equal(socket.state, "open", "the socket waits for a rating request");
  socket.receive({ type: "event", kind: "rating_request", seq: 6, scale: 2 });
  assert.deepEqual(t.told.event.map(({ ev }) => ev.kind), ["rating_request"]);
  t.clock.advance(RATING_WAIT_MS);
  assert.equal(socket.state, "open", "kept while the rating is asked");
  assert.equal(t.session.rate(2), true);
  assert.deepEqual(socket.sentOf("rate"), [{ type: "rate", score: 2 }]);
  assert.equal(socket.state, "closed by client", "rated: the conversation is over");
  assert.equal(t.session.rate(1), false, "nothing more to rate");
});

test("an agent's close with no rating request ends after the wait; a visitor's at once", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.receive({ type: "event", kind: "closed", seq: 5, by: "agent" });
  socket.receive({ type: "event", kind: "message", seq: 6, from: "agent", text: "late" });
  assert.deepEqual(t.told.event, [], "nothing but a rating request counts after the close");
  t.clock.advance(RATING_WAIT_MS);
  assert.equal(socket.state, "closed by client");

  const v = setup();
  v.session.connectIfNeeded(true);
  const own = welcome(v, { conversation_id: "c2", token: "t2" });
  own.receive({ type: "event", kind: "closed", seq: 3, by: "visitor" });
  assert.equal(own.state, "closed by client");
});

test("an unanswered rating request after the close lapses", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.receive({ type: "event", kind: "closed", seq: 5, by: "agent" });
  socket.receive({ type: "event", kind: "rating_request", seq: 6, scale: 5 });
  t.clock.advance(RATING_KEEP_MS);
  assert.equal(socket.state, "closed by client");
  assert.equal(t.session.rate(4), false);
});

test("a rating after the close is not promised when the socket is down", () => {
  const t = setup();
  t.session.connectIfNeeded(true);
  const socket = welcome(t, { conversation_id: "c1", token: "t1" });
  socket.receive({ type: "event", kind: "closed", seq: 5, by: "agent" });
  socket.receive({ type: "event", kind: "rating_request", seq: 6, scale: 2 });
  socket.drop(1006);
  assert.equal(t.session.rate(2), false, "not sent: the widget says so");
  assert.deepEqual(socket.sentOf("rate"), []);
});
