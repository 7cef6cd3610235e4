/**
 * The conversations an agent holds, as data apart from the page: each one's context and
 * events in seq order, events already seen ignored by seq, the agent's replies shown at once
 * and matched with their ack or their echo by client_id, and whether it has ended for this
 * agent, and what became of each outbound message on a channel beyond the widget
 * (delivered, failed and why). The console renders it; node tests drive it event by event.
 */

/** Handoff states after which the conversation is no longer this agent's. */
const ENDING_HANDOFFS = ["returned_to_bot", "agent_left", "abandoned"];

/** Stored events in seq order; pending ones (no seq yet) last, in the order they were written. */
function bySeq(a, b) {
  return (a.seq ?? Infinity) - (b.seq ?? Infinity) || 0;
}

function insertEvent(conv, ev) {
  conv.events.push(ev);
  conv.events.sort(bySeq);
}

export class Conversations {
  constructor() {
    /** By conversation id, in the order they came. */
    this.byId = new Map();
  }

  get(id) {
    return this.byId.get(id);
  }

  /** The conversation `id`, made empty when it is new. */
  open(id) {
    let conv = this.byId.get(id);
    if (!conv) {
      conv = { id, context: {}, events: [], seqs: new Set(), pending: new Map(), deliveries: new Map(), ended: false, unread: 0 };
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
    if (ev.kind === "closed" || (ev.kind === "handoff" && ENDING_HANDOFFS.includes(ev.state))) conv.ended = true;
    if (ev.kind === "handoff" && ev.state === "agent_joined") conv.ended = false;
    return "added";
  }

  /** What became of the outbound message `status.seq` on the conversation's channel (a `delivery` frame); null when the conversation is not held. */
  delivered(status) {
    const conv = this.byId.get(status.conversation_id);
    if (!conv || typeof status.seq !== "number") return null;
    conv.deliveries.set(status.seq, status);
    return conv;
  }

  /** The agent's reply `frame`, shown as a pending message until its ack or echo. */
  reply(conv, frame, agentName) {
    const local = { kind: "message", from: "agent", agent_name: agentName, text: frame.text, pending: true, at: new Date().toISOString() };
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
}
