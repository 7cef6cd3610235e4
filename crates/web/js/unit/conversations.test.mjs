/**
 * The console's held conversations (console/conversations.js) without a browser: events once
 * by seq and in seq order, the agent's replies matched with their ack or echo, the end.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { Conversations } from "../console/conversations.js";

const msg = (seq, text, extra = {}) => ({ kind: "message", seq, from: "visitor", text, ...extra });

test("events are applied once and kept in seq order", () => {
  const list = new Conversations();
  const conv = list.open("c1");
  assert.equal(list.open("c1"), conv, "one object per id");
  assert.equal(list.apply(conv, msg(3, "c")), "added");
  assert.equal(list.apply(conv, msg(1, "a")), "added");
  assert.equal(list.apply(conv, msg(3, "c again")), "seen");
  assert.deepEqual(conv.events.map((e) => e.text), ["a", "c"]);
});

test("a reply is pending until its ack gives it a seq", () => {
  const list = new Conversations();
  const conv = list.open("c1");
  list.apply(conv, msg(1, "hi"));
  const frame = { type: "message", conversation_id: "c1", client_id: "a-1", text: "Hello" };
  list.reply(conv, frame, "Alice");
  assert.deepEqual(conv.events.map((e) => [e.text, e.pending ?? false]), [["hi", false], ["Hello", true]]);
  list.apply(conv, msg(2, "later"));
  assert.equal(conv.events.at(-1).text, "Hello", "pending replies stay last");
  assert.equal(list.acknowledge("c1", "a-1", 3), conv);
  assert.deepEqual(conv.events.map((e) => [e.text, e.seq, e.pending]), [["hi", 1, undefined], ["later", 2, undefined], ["Hello", 3, false]]);
  assert.equal(list.acknowledge("c1", "a-1", 3), null, "a second ack finds nothing");
  assert.equal(list.apply(conv, { kind: "message", seq: 3, from: "agent", text: "Hello", client_id: "a-1" }), "seen", "its echo is not shown twice");
  assert.equal(conv.events.length, 3);
});

test("an echo before the ack replaces the pending copy; the ack then changes nothing", () => {
  const list = new Conversations();
  const conv = list.open("c1");
  list.reply(conv, { client_id: "a-1", text: "Hello" }, "Alice");
  assert.equal(list.apply(conv, { kind: "message", seq: 5, from: "agent", text: "Hello", client_id: "a-1" }), "adopted");
  assert.deepEqual(conv.events.map((e) => [e.seq, e.pending]), [[5, undefined]]);
  assert.equal(list.acknowledge("c1", "a-1", 5), null);
  assert.equal(conv.events.length, 1);
});

test("a conversation ends with closed or a handoff away from the agent, and is back when an agent joins", () => {
  const list = new Conversations();
  for (const ev of [{ kind: "closed", by: "visitor" }, { kind: "handoff", state: "returned_to_bot" }, { kind: "handoff", state: "agent_left" }, { kind: "handoff", state: "abandoned" }]) {
    const conv = list.open(JSON.stringify(ev));
    list.apply(conv, { seq: 1, ...ev });
    assert.equal(conv.ended, true, JSON.stringify(ev));
    list.apply(conv, { seq: 2, kind: "handoff", state: "agent_joined" });
    assert.equal(conv.ended, false);
  }
  const open = list.open("open");
  list.apply(open, { seq: 1, kind: "handoff", state: "queued" });
  list.apply(open, msg(2, "x"));
  assert.equal(open.ended, false);
});

test("a delivery frame sets what became of a message of a held conversation, the latest state winning", () => {
  const list = new Conversations();
  const conv = list.open("c1");
  assert.equal(list.delivered({ conversation_id: "c1", seq: 4, state: "pending", attempts: 1, error: "HTTP 503" }), conv);
  assert.equal(list.delivered({ conversation_id: "c1", seq: 4, state: "failed", attempts: 3, error: "gave up" }), conv);
  assert.deepEqual(conv.deliveries.get(4), { conversation_id: "c1", seq: 4, state: "failed", attempts: 3, error: "gave up" });
  assert.equal(list.delivered({ conversation_id: "other", seq: 1, state: "sent" }), null, "not held: nothing kept");
  assert.equal(list.delivered({ conversation_id: "c1", state: "sent" }), null, "no seq: nothing kept");
  assert.equal(conv.deliveries.size, 1);
});
