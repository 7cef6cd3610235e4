/* Relais agent console, built from crates/web/js/console by scripts/build-js.sh (make js): edit the modules, not this file. */
"use strict";
(() => {
  // js/shared/connection.js
  var FIRST_RETRY_MS = 500;
  var MAX_RETRY_MS = 3e4;
  var LONGEST_ATTEMPT = 6;
  var REFUSED_FRAME_CODES = [1009, 1007];
  function retryDelay(attempt, random) {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.75 + random / 2);
  }
  function newClientId(prefix) {
    return prefix + (crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now().toString(36));
  }
  var browserClock = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer) => clearTimeout(timer),
    random: () => Math.random()
  };
  var Connection = class {
    /**
     * open: a transport (transport.js webSocket(url), or a test's fake);
     * hello(): the frame sent when a socket opens;
     * onFrame(frame): every frame received, a welcome after the connection became ready;
     * onState(state): "connecting", "online", "reconnecting" or "idle";
     * wanted(): whether a dropped socket is worth reopening (else the connection goes idle);
     * clock: setTimeout, clearTimeout and random.
     */
    constructor({ open, hello, onFrame: onFrame2, onState, wanted = () => true, clock = browserClock }) {
      Object.assign(this, { open, hello, onFrame: onFrame2, onState, wanted, clock });
      this.socket = null;
      this.ready = false;
      this.state = "idle";
      this.attempt = 0;
      this.retryTimer = null;
      this.outbox = [];
      this.messages = /* @__PURE__ */ new Map();
    }
    setState(state2) {
      this.state = state2;
      this.onState(state2);
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
          frame: (frame2) => handle.socket === this.socket && this.received(frame2),
          close: (code) => handle.socket === this.socket && this.dropped(code)
        });
      } catch (err) {
        console.error("Relais: cannot open a socket", err);
        return;
      }
      handle.socket = this.socket;
    }
    received(frame2) {
      if (frame2.type === "welcome") {
        this.ready = true;
        this.attempt = 0;
        this.setState("online");
      }
      this.onFrame(frame2);
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
    send(frame2) {
      if (!this.ready || !this.socket || !this.socket.isOpen()) return false;
      this.socket.send(frame2);
      return true;
    }
    /** Sends now, or once after the next welcome. */
    queue(frame2) {
      if (!this.send(frame2)) this.outbox.push(frame2);
    }
    /** Keeps a frame with a client_id until acknowledge(client_id), sending it now and after every welcome; says whether it went now. */
    sendMessage(frame2) {
      this.messages.set(frame2.client_id, frame2);
      return this.send(frame2);
    }
    /** The server stored the message `clientId`: it is not sent again. Says whether it was waiting. */
    acknowledge(clientId) {
      return this.messages.delete(clientId);
    }
    /** Forgets the waiting messages for which `test(frame)` holds. */
    dropMessages(test) {
      for (const [id, frame2] of this.messages) if (test(frame2)) this.messages.delete(id);
    }
    /** After a welcome: the held frames once, then every message not yet acknowledged. */
    flush() {
      for (const frame2 of this.outbox.splice(0)) this.send(frame2);
      for (const frame2 of this.messages.values()) this.send(frame2);
    }
  };

  // js/shared/dom.js
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== void 0 && v !== null && v !== false) el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== void 0) el.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return el;
  }
  function safeUrl(url) {
    try {
      const u = new URL(String(url), location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch {
      return null;
    }
  }
  function link(url, label, attrs) {
    const href = safeUrl(url);
    const text = String(label || url || "");
    return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", ...attrs }, text) : document.createTextNode(text);
  }

  // js/shared/transport.js
  function webSocket(url) {
    return (on) => {
      const socket = new WebSocket(url);
      socket.onopen = () => on.open();
      socket.onmessage = (m) => {
        let frame2;
        try {
          frame2 = JSON.parse(m.data);
        } catch {
          return;
        }
        if (frame2 && typeof frame2 === "object") on.frame(frame2);
      };
      socket.onclose = (e) => on.close(e.code);
      return {
        isOpen: () => socket.readyState === WebSocket.OPEN,
        send: (frame2) => socket.send(JSON.stringify(frame2)),
        close() {
          socket.onopen = null;
          socket.onmessage = null;
          socket.onclose = null;
          socket.close();
        }
      };
    };
  }

  // js/console/api.js
  var MAX_PAGE_LIMIT = 500;
  function api(token, { unauthorized, failed }) {
    async function get(path) {
      try {
        const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
        if (res.status === 401) {
          unauthorized();
          return null;
        }
        if (!res.ok) {
          failed("The server answered " + res.status + " for " + path.split("?")[0]);
          return null;
        }
        return res;
      } catch {
        failed("The server cannot be reached.");
        return null;
      }
    }
    async function json(path) {
      const res = await get(path);
      return res && res.json().catch(() => null);
    }
    async function page(path) {
      const res = await get(path);
      const items = res && await res.json().catch(() => null);
      if (!Array.isArray(items)) return null;
      const total = parseInt(res.headers.get("X-Total-Count") || "", 10);
      return { items, total: Number.isNaN(total) ? items.length : total };
    }
    async function range(path, params, offset, count) {
      const items = [];
      let total = 0;
      while (items.length < count) {
        const limit = Math.min(MAX_PAGE_LIMIT, count - items.length);
        const query = new URLSearchParams({ ...params, offset: String(offset + items.length), limit: String(limit) });
        const read = await page(path + "?" + query);
        if (!read) return null;
        items.push(...read.items);
        total = read.total;
        if (read.items.length < limit) break;
      }
      return { items, total };
    }
    async function fetchJson(path) {
      const res = await send(path);
      if (!res.ok) return res;
      const body = await res.response.json().catch(() => void 0);
      if (body === void 0) return { ok: false, status: res.response.status, message: "The server's answer is not JSON." };
      const total = parseInt(res.response.headers.get("X-Total-Count") || "", 10);
      return { ok: true, body, total: Number.isNaN(total) ? null : total };
    }
    async function download(path) {
      const res = await send(path);
      return res.ok ? { ok: true, blob: await res.response.blob() } : res;
    }
    async function postJson(path, body) {
      const res = await send(path, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
      if (!res.ok) return res;
      const answer = await res.response.json().catch(() => void 0);
      return answer === void 0 ? { ok: false, status: res.response.status, message: "The server's answer is not JSON." } : { ok: true, body: answer };
    }
    async function send(path, init = {}) {
      let response;
      try {
        response = await fetch(path, { ...init, headers: { ...init.headers || {}, Authorization: "Bearer " + token() } });
      } catch {
        return { ok: false, status: 0, message: "The server cannot be reached." };
      }
      if (response.status === 401) unauthorized();
      if (response.ok) return { ok: true, response };
      const body = await response.json().catch(() => null);
      const message = body && body.error && body.error.message || "The server answered " + response.status + ".";
      return { ok: false, status: response.status, message };
    }
    return { json, range, fetchJson, download, postJson };
  }

  // js/console/conversations.js
  var ENDING_HANDOFFS = ["returned_to_bot", "agent_left", "abandoned"];
  function bySeq(a, b) {
    return (a.seq ?? Infinity) - (b.seq ?? Infinity) || 0;
  }
  function insertEvent(conv, ev) {
    conv.events.push(ev);
    conv.events.sort(bySeq);
  }
  var Conversations = class {
    constructor() {
      this.byId = /* @__PURE__ */ new Map();
    }
    get(id) {
      return this.byId.get(id);
    }
    /** The conversation `id`, made empty when it is new. */
    open(id) {
      let conv = this.byId.get(id);
      if (!conv) {
        conv = { id, context: {}, events: [], seqs: /* @__PURE__ */ new Set(), pending: /* @__PURE__ */ new Map(), deliveries: /* @__PURE__ */ new Map(), ended: false, unread: 0 };
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
      if (ev.kind === "closed" || ev.kind === "handoff" && ENDING_HANDOFFS.includes(ev.state)) conv.ended = true;
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
    reply(conv, frame2, agentName) {
      const local = { kind: "message", from: "agent", agent_name: agentName, text: frame2.text, pending: true, at: (/* @__PURE__ */ new Date()).toISOString() };
      conv.pending.set(frame2.client_id, local);
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
  };

  // js/console/charts.js
  var SVG_NS = "http://www.w3.org/2000/svg";
  function node(tag, attrs = {}, ...children) {
    return { tag, attrs, children: children.flat().filter((c) => c !== null && c !== void 0 && c !== false) };
  }
  function niceMax(n) {
    if (!(n > 0)) return 1;
    const exp = Math.pow(10, Math.floor(Math.log10(n)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= n) return Math.max(1, m * exp);
    return 10 * exp;
  }
  function clip(text, max) {
    const s = String(text ?? "");
    return s.length > max ? s.slice(0, max - 1) + "…" : s;
  }
  var round = (v) => Math.round(v * 10) / 10;
  var SERIES = [
    { key: "bot_resolved", label: "resolved by the bot", cls: "s-bot" },
    { key: "escalated", label: "escalated", cls: "s-esc" },
    { key: "unresolved", label: "unresolved", cls: "s-unres" },
    { key: "not_engaged", label: "not engaged", cls: "s-idle" }
  ];
  function seriesValue(row, key) {
    const n = (v) => typeof v === "number" && v > 0 ? v : 0;
    if (key === "not_engaged") return Math.max(0, n(row.conversations) - n(row.engaged));
    return n(row[key]);
  }
  function frame(id, title, desc, width, height, children) {
    return node(
      "svg",
      { xmlns: SVG_NS, viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img", "aria-labelledby": `${id}-title ${id}-desc`, "data-chart": id },
      node("title", { id: `${id}-title` }, title),
      node("desc", { id: `${id}-desc` }, desc),
      children
    );
  }
  function timeSeriesChart(rows, { id = "timeseries", width = 960, height = 240 } = {}) {
    const days = Array.isArray(rows) ? rows.filter((r) => r && typeof r.day === "string") : [];
    const total = days.reduce((sum, r) => sum + SERIES.reduce((s, se) => s + seriesValue(r, se.key), 0), 0);
    const desc = days.length ? `${total} conversations over ${days.length} days, by day and outcome; the table beside it has the numbers.` : "No days in this range.";
    const m = { top: 10, right: 10, bottom: 26, left: 40 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const max = niceMax(Math.max(0, ...days.map((r) => SERIES.reduce((s, se) => s + seriesValue(r, se.key), 0))));
    const y = (v) => m.top + plotH - v / max * plotH;
    const children = [];
    for (const tick of [0, max / 2, max]) {
      children.push(node("line", { class: "grid", x1: m.left, x2: width - m.right, y1: round(y(tick)), y2: round(y(tick)) }));
      children.push(node("text", { class: "axis", x: m.left - 6, y: round(y(tick)) + 4, "text-anchor": "end" }, String(Math.round(tick * 10) / 10)));
    }
    if (!days.length) {
      children.push(node("text", { class: "axis empty", x: width / 2, y: height / 2, "text-anchor": "middle" }, "No data"));
      return frame(id, "Conversations per day", desc, width, height, children);
    }
    const step = plotW / days.length;
    const barW = Math.max(1, Math.min(40, step * 0.8));
    const every = Math.ceil(days.length / 8);
    days.forEach((row, i) => {
      const x = round(m.left + i * step + (step - barW) / 2);
      let base = 0;
      const marks = [];
      for (const se of SERIES) {
        const v = seriesValue(row, se.key);
        if (!v) continue;
        const figure = se.key === "not_engaged" ? "conversations" : se.key;
        marks.push(
          node(
            "rect",
            { class: "mark " + se.cls, x, y: round(y(base + v)), width: round(barW), height: round(y(base) - y(base + v)), "data-figure": figure, "data-day": row.day },
            node("title", {}, `${row.day}: ${v} ${se.label}`)
          )
        );
        base += v;
      }
      children.push(node("g", { class: "day", "data-day": row.day }, marks));
      if ((days.length - 1 - i) % every === 0) {
        children.push(node("text", { class: "axis", x: round(m.left + i * step + step / 2), y: height - 8, "text-anchor": "middle" }, row.day.slice(5)));
      }
    });
    return frame(id, "Conversations per day", desc, width, height, children);
  }
  function barChart(items, { id = "bars", title = "", width = 480, row = 26, labelWidth = 170 } = {}) {
    const list = (Array.isArray(items) ? items : []).filter((i) => i && typeof i.value === "number");
    const m = { top: 6, bottom: 6, right: 48 };
    const height = m.top + m.bottom + Math.max(1, list.length) * row;
    const desc = list.length ? list.map((i) => `${i.label}: ${i.value}`).join("; ") : "No data";
    const max = Math.max(0, ...list.map((i) => i.value));
    const plotW = width - labelWidth - m.right;
    const children = [];
    if (!list.length) {
      children.push(node("text", { class: "axis empty", x: width / 2, y: height / 2 + 4, "text-anchor": "middle" }, "No data"));
    }
    list.forEach((item, i) => {
      const top = m.top + i * row;
      const w = max > 0 ? item.value / max * plotW : 0;
      children.push(
        node(
          "g",
          { class: "bar" },
          node("text", { class: "label", x: labelWidth - 8, y: top + row / 2 + 4, "text-anchor": "end" }, clip(item.label, 26)),
          node(
            "rect",
            { class: "mark " + (item.cls || "s-bar"), x: labelWidth, y: top + 4, width: round(Math.max(item.value > 0 ? 2 : 0, w)), height: row - 8, "data-figure": item.figure || null },
            node("title", {}, `${item.label}: ${item.value}`)
          ),
          node("text", { class: "value", x: round(labelWidth + Math.max(2, w) + 6), y: top + row / 2 + 4 }, String(item.value))
        )
      );
    });
    return frame(id, title, desc, width, height, children);
  }
  function curveChart(points, { current = null, recommended = null, id = "advisor-curve", width = 640, height = 220 } = {}) {
    const list = (Array.isArray(points) ? points : []).filter((p) => p && typeof p.threshold === "number");
    const m = { top: 10, right: 12, bottom: 26, left: 40 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const x = (t) => round(m.left + t * plotW);
    const y = (r) => round(m.top + (1 - r) * plotH);
    const line = (key, cls, label) => {
      const pts = list.filter((p) => typeof p[key] === "number").map((p) => `${x(p.threshold)},${y(p[key])}`);
      return pts.length ? node("polyline", { class: "curve " + cls, points: pts.join(" "), fill: "none", "data-series": key }, node("title", {}, label)) : null;
    };
    const mark = (t, kind, label) => typeof t === "number" ? node("line", { class: "threshold-mark " + kind, x1: x(t), x2: x(t), y1: m.top, y2: m.top + plotH, "data-mark": kind }, node("title", {}, `${label}: ${t}`)) : null;
    const ticks = [0, 0.25, 0.5, 0.75, 1];
    const children = [
      ...ticks.map((r) => node("line", { class: "grid", x1: m.left, x2: m.left + plotW, y1: y(r), y2: y(r) })),
      ...ticks.map((r) => node("text", { class: "axis", x: m.left - 6, y: y(r) + 4, "text-anchor": "end" }, Math.round(r * 100) + " %")),
      ...ticks.map((t) => node("text", { class: "axis", x: x(t), y: height - 8, "text-anchor": "middle" }, String(t))),
      line("answered_rate", "s-bot-line", "Answered share"),
      line("wrong_rate", "s-esc-line", "Wrong answers among answered"),
      mark(current, "current", "In force"),
      mark(recommended, "recommended", "Recommended")
    ];
    const desc = list.length ? `Answered share and wrong answers for thresholds 0 to 1; in force ${current ?? "?"}, recommended ${recommended ?? "none"}.` : "No reviewed turns";
    return frame(id, "Threshold advisor", desc, width, height, children);
  }
  function toSvg(tree) {
    const el = document.createElementNS(SVG_NS, tree.tag);
    for (const [k, v] of Object.entries(tree.attrs || {})) {
      if (v !== void 0 && v !== null && v !== false && k !== "xmlns") el.setAttribute(k, String(v));
    }
    for (const c of tree.children || []) el.append(typeof c === "string" ? document.createTextNode(c) : toSvg(c));
    return el;
  }

  // js/console/format.js
  var NONE = "—";
  var isNumber = (v) => typeof v === "number" && Number.isFinite(v);
  function formatCount(n) {
    return isNumber(n) ? Math.round(n).toLocaleString("en-US") : NONE;
  }
  function formatRate(r) {
    if (!isNumber(r)) return NONE;
    const pct = Math.round(r * 1e3) / 10;
    return (Number.isInteger(pct) ? String(pct) : pct.toFixed(1)) + " %";
  }
  function formatDuration(seconds) {
    if (!isNumber(seconds) || seconds < 0) return NONE;
    if (seconds < 10) return (Math.round(seconds * 10) / 10).toString() + " s";
    const s = Math.round(seconds);
    if (s < 60) return s + " s";
    const two = (big, bigUnit, small, smallUnit) => big + " " + bigUnit + (small ? " " + small + " " + smallUnit : "");
    if (s < 3600) return two(Math.floor(s / 60), "min", s % 60, "s");
    if (s < 86400) return two(Math.floor(s / 3600), "h", Math.floor(s % 3600 / 60), "min");
    return two(Math.floor(s / 86400), "d", Math.floor(s % 86400 / 3600), "h");
  }
  function formatMoney(amount, currency) {
    if (!isNumber(amount)) return NONE;
    const code = String(currency || "").toUpperCase();
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: code }).format(amount);
    } catch {
      return amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + (code ? " " + code : "");
    }
  }
  function formatHours(hours) {
    return isNumber(hours) ? hours.toLocaleString("en-US", { maximumFractionDigits: 2 }) + " h" : NONE;
  }
  function formatScore(v) {
    return isNumber(v) ? v.toFixed(2) : NONE;
  }
  function humanize(code) {
    return String(code ?? "").replace(/[_.]+/g, " ").trim();
  }

  // js/console/insights-query.js
  var DAY_MS = 864e5;
  var DEFAULT_DAYS = 30;
  var MAX_DAYS = 366;
  var DATE = /^\d{4}-\d{2}-\d{2}$/;
  function utcDate(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }
  function dayMs(date) {
    return DATE.test(String(date)) ? Date.parse(date + "T00:00:00Z") : NaN;
  }
  function addDays(date, n) {
    return utcDate(dayMs(date) + n * DAY_MS);
  }
  function defaultRange(nowMs = Date.now(), days = DEFAULT_DAYS) {
    const to = utcDate(nowMs);
    return { from: addDays(to, -(days - 1)), to };
  }
  function windowOf(range) {
    const from = dayMs(range.from);
    const to = dayMs(range.to);
    if (Number.isNaN(from) || Number.isNaN(to)) return { error: "Pick a start and an end date." };
    if (from > to) return { error: "The start date is after the end date." };
    const days = (to - from) / DAY_MS + 1;
    if (days > MAX_DAYS) return { error: `Pick at most ${MAX_DAYS} days (this range has ${days}).` };
    return { from: rfc3339(from), to: rfc3339(to + DAY_MS), days };
  }
  function rfc3339(ms) {
    return new Date(ms).toISOString().replace(".000Z", "Z");
  }
  function frameParams(filters) {
    const params = { from: filters.window.from, to: filters.window.to };
    const lang = String(filters.lang || "").trim();
    if (lang) params.lang = lang;
    const channel = String(filters.channel || "").trim();
    if (channel) params.channel = channel;
    return params;
  }
  function withQuery(path, params) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== void 0 && v !== null) query.append(k, String(v));
    }
    const text = query.toString();
    return text ? path + "?" + text : path;
  }
  var DRILL_FILTERS = ["intent", "article", "agent", "page", "day"];
  function drillParams(filters, drill, offset = 0, limit = 50) {
    const extra = drill.filters || {};
    const params = frameParams(filters);
    if (extra.lang !== void 0 && extra.lang !== null) params.lang = String(extra.lang);
    if (extra.day && DATE.test(extra.day)) {
      params.from = rfc3339(Math.max(dayMs(extra.day), Date.parse(params.from)));
      params.to = rfc3339(Math.min(dayMs(extra.day) + DAY_MS, Date.parse(params.to)));
    }
    params.figure = drill.figure;
    for (const key of DRILL_FILTERS) if (extra[key] !== void 0 && extra[key] !== null) params[key] = String(extra[key]);
    params.offset = String(offset);
    params.limit = String(limit);
    return params;
  }
  function pageOf(body, totalHeader) {
    if (!Array.isArray(body)) return null;
    const total = parseInt(totalHeader ?? "", 10);
    return { items: body, total: Number.isNaN(total) ? body.length : total };
  }

  // js/console/view.js
  function toDate(value) {
    if (value === null || value === void 0 || value === "") return null;
    const d = new Date(typeof value === "number" ? value : Date.parse(value));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  function newestFirst(a, b) {
    return (toDate(b.created_at) || 0) - (toDate(a.created_at) || 0);
  }
  function formatTime(value) {
    const d = toDate(value);
    return d ? d.toLocaleString() : "";
  }
  function formatWait(since) {
    const d = toDate(since);
    if (!d) return "";
    const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1e3));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + s % 60 + " s";
  }
  function queueItem(c, onClaim) {
    const claim2 = h("button", { type: "button", class: "primary", "data-relais-console": "claim" }, "Claim");
    claim2.addEventListener("click", onClaim);
    return h(
      "li",
      { class: "item", "data-relais-console": "queue-item", "data-conversation-id": c.conversation_id },
      c.preview ? h("div", { class: "preview", "data-relais-console": "preview" }, String(c.preview)) : h("div", { class: "preview muted", "data-relais-console": "preview" }, "Conversation " + String(c.conversation_id)),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag", "data-relais-console": "wait", "data-since": c.waiting_since || "" }, formatWait(c.waiting_since)),
        h("span", { class: "tag", "data-relais-console": "reason" }, String(c.reason || "")),
        h("span", { class: "tag", "data-relais-console": "lang" }, String(c.lang || "")),
        h("span", { class: "tag channel", "data-relais-console": "channel", "data-channel": c.channel || "widget" }, channelName(c.channel)),
        h("span", { class: "spacer" }),
        claim2
      )
    );
  }
  function lastVisitorText(conv) {
    const msgs = conv.events.filter((e) => e.kind === "message" && e.from === "visitor");
    return msgs.length ? msgs[msgs.length - 1].text : "";
  }
  function mineItem(conv, selected, onSelect) {
    const li = h(
      "li",
      { class: "item open-conv" + (selected ? " selected" : ""), tabindex: "0", "data-relais-console": "mine-item", "data-conversation-id": conv.id },
      h("div", { class: "preview" }, String(lastVisitorText(conv) || conv.id)),
      h(
        "div",
        { class: "row" },
        h("span", { class: "tag" }, String(conv.context && conv.context.lang || "")),
        h("span", { class: "tag channel", "data-relais-console": "channel" }, channelName(conv.context && conv.context.channel)),
        conv.ended ? h("span", { class: "tag ended" }, "ended") : null,
        conv.unread ? h("span", { class: "unread", "aria-label": conv.unread + " new" }, String(conv.unread)) : null
      )
    );
    li.addEventListener("click", onSelect);
    li.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        onSelect();
      }
    });
    return li;
  }
  function callbackItem(c) {
    const rows = [
      ["Name", c.name],
      ["Email", c.email],
      ["Phone", c.phone],
      ["When", c.preferred_time],
      ["Note", c.note]
    ].filter(([, v]) => v);
    const dl = h("dl", { class: "callback" });
    for (const [k, v] of rows) dl.append(h("dt", {}, k), h("dd", {}, String(v)));
    return h(
      "li",
      { class: "item", "data-relais-console": "callback", "data-conversation-id": c.conversation_id || "" },
      h("div", { class: "row" }, h("span", { class: "tag" }, formatTime(c.created_at))),
      dl
    );
  }
  function channelName(channel) {
    return { sms: "SMS", whatsapp: "WhatsApp", rest: "App (REST)" }[channel] || "Widget";
  }
  function eventEl(ev, channel, delivery) {
    if (ev.kind === "message") {
      const el = messageEl(ev);
      if (delivery && ev.from !== "visitor") el.append(deliveryEl(delivery, channelName(channel)));
      return el;
    }
    if (ev.kind === "note") return noteEl(ev);
    const told = (el) => {
      if (delivery && delivery.state === "failed") el.append(deliveryEl(delivery, channelName(channel)));
      return el;
    };
    if (ev.kind === "handoff") return told(notice(ev, handoffText(ev)));
    if (ev.kind === "closed") return told(notice(ev, "Conversation closed by " + (ev.by || "someone")));
    if (ev.kind === "rating") return notice(ev, "The visitor rated the conversation " + ratingText(ev));
    return null;
  }
  function ratingText(rating) {
    if (Number(rating.scale) === 2) return Number(rating.score) === 2 ? "👍" : "👎";
    return `${Number(rating.score)} of ${Number(rating.scale)}`;
  }
  function messageEl(ev) {
    const from = ["visitor", "bot", "agent"].includes(ev.from) ? ev.from : "bot";
    const who = from === "agent" ? ev.agent_name || "Agent" : from === "bot" ? "Bot" : "Visitor";
    const el = h(
      "div",
      { class: "msg " + from + (ev.pending ? " pending" : ""), "data-relais-console": "message", "data-from": from, "data-seq": ev.seq || null, "data-state": ev.pending ? "pending" : "sent" },
      h("div", { class: "who" }, who + (ev.at ? " · " + formatTime(ev.at) : "")),
      h("div", { class: "bubble", "data-relais-console": "text" }, String(ev.text || ""))
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
  function deliveryEl(status, channel) {
    const state2 = ["pending", "sent", "delivered", "failed"].includes(status.state) ? status.state : "pending";
    const text = {
      pending: status.error ? `Retrying (attempt ${Number(status.attempts) + 1}): ${status.error}` : "Sending by " + channel + "…",
      sent: "Sent by " + channel,
      delivered: "Delivered by " + channel,
      failed: "Not delivered: " + (status.error || "the provider refused it")
    }[state2];
    return h("div", { class: "delivery " + state2, "data-relais-console": "delivery", "data-state": state2, role: state2 === "failed" ? "alert" : null }, text);
  }
  function noteEl(ev) {
    return h(
      "div",
      { class: "msg note", "data-relais-console": "note", "data-seq": ev.seq || null },
      h("div", { class: "who" }, "Internal note · " + (ev.agent_name || "Agent")),
      h("div", { class: "bubble" }, String(ev.text || ""))
    );
  }
  function notice(ev, text) {
    return h("div", { class: "notice", "data-relais-console": "notice", "data-kind": ev.kind, "data-state": ev.state || null }, text);
  }
  function handoffText(ev) {
    const texts = {
      queued: "Queued" + (ev.reason ? " (" + ev.reason + ")" : ""),
      agent_joined: (ev.agent_name || "An agent") + " joined",
      agent_left: (ev.agent_name || "The agent") + " left (disabled): back in the queue",
      returned_to_bot: "Handed back to the bot",
      no_agent_available: "No agent was available" + (ev.reason ? " (" + ev.reason + ")" : ""),
      abandoned: "Left the queue (visitor gone)"
    };
    return texts[ev.state] || "Handoff: " + ev.state;
  }
  function contextChildren(conv) {
    const title = h("h2", {}, "Context");
    if (!conv) return [title, h("p", { class: "muted" }, "The visitor's details, pages, intents and articles appear here.")];
    const ctx = conv.context || {};
    return [
      title,
      verifiedEl(ctx.verified_user_id),
      section("Channel", "context-channel", h("p", {}, h("strong", {}, channelName(ctx.channel)), ctx.address ? " · " + String(ctx.address) : "")),
      section("Earlier conversations", "context-earlier", listOf(ctx.earlier, earlierItem)),
      section("Visitor (as they say)", "context-visitor", visitorList(ctx)),
      section("Escalation", "context-escalation", escalationEl(ctx.escalation)),
      section("Reading", "context-topic", ctx.topic ? h("p", {}, "Help article: ", h("strong", {}, String(ctx.topic.title))) : h("p", { class: "muted" }, "No help article")),
      section("Pages viewed", "context-pages", listOf(ctx.pages, pageItem)),
      section("Intents", "context-intents", listOf(ctx.intents, intentItem)),
      section("Articles shown", "context-articles", listOf(ctx.articles, (a) => [link(a.url, a.title), timeSpan(a.at)])),
      section("Callback requests", "context-callbacks", listOf(ctx.callback_requests, callbackSummary)),
      section("Rating", "context-rating", ctx.rating ? h("p", {}, ratingText(ctx.rating), " ", timeSpan(ctx.rating.at)) : h("p", { class: "muted" }, "None"))
    ];
  }
  function earlierItem(c) {
    return [h("strong", {}, channelName(c.channel)), " · " + String(c.state) + (c.escalation_reason ? " · " + String(c.escalation_reason) : ""), " ", timeSpan(c.started_at)];
  }
  function section(title, hook, body) {
    return h("div", { "data-relais-console": hook }, h("h3", {}, title), body);
  }
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
      ...Object.entries(ctx.visitor || {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])
    ].filter(([, v]) => v !== void 0 && v !== null && v !== "");
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
      esc.at ? " (" + formatTime(esc.at) + ")" : ""
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
  function hitItem(hit, onInsert) {
    const insert = h("button", { type: "button", class: "small", "data-relais-console": "kb-insert" }, "Insert into reply");
    insert.addEventListener("click", onInsert);
    return h(
      "li",
      { class: "item", "data-relais-console": "kb-result" },
      h("strong", {}, link(hit.url, hit.title + (hit.heading && hit.heading !== hit.title ? " — " + hit.heading : ""))),
      h("div", { class: "kb-text" }, String(hit.snippet || hit.text || "")),
      h("div", {}, insert)
    );
  }

  // js/console/insights.js
  var DRILL_PAGE = 50;
  var NOT_AVAILABLE = "Not available on this server yet.";
  var OUTCOMES = [
    { key: "bot_resolved_confirmed", label: "bot, confirmed", cls: "s-bot" },
    { key: "bot_resolved_assumed", label: "bot, assumed", cls: "s-bot2" },
    { key: "escalated", label: "escalated", cls: "s-esc" },
    { key: "unresolved", label: "unresolved", cls: "s-unres" }
  ];
  var EVENT_PLUMBING = ["type", "conversation_id", "seq", "at", "kind"];
  function insightsView(root, http2, showError2) {
    const state2 = { filters: null, run: 0, loaded: false, drill: null, drillRun: 0, transcriptRun: 0 };
    const initial = defaultRange();
    const from = h("input", { type: "date", id: "insights-from", value: initial.from, required: true, "data-relais-console": "insights-from" });
    const to = h("input", { type: "date", id: "insights-to", value: initial.to, required: true, "data-relais-console": "insights-to" });
    const lang = h("input", { type: "text", id: "insights-lang", list: "insights-langs", size: 6, placeholder: "all", pattern: "[A-Za-z-]{0,12}", "data-relais-console": "insights-lang" });
    const langs = h("datalist", { id: "insights-langs" });
    const channel = h(
      "select",
      { id: "insights-channel", "data-relais-console": "insights-channel" },
      h("option", { value: "" }, "All channels"),
      ...["widget", "sms", "whatsapp", "rest"].map((name) => h("option", { value: name }, channelName(name)))
    );
    const formError = h("p", { class: "error", role: "alert", "data-relais-console": "insights-form-error" });
    const form = h(
      "form",
      { class: "insights-filters", "data-relais-console": "insights-form" },
      h("label", { for: "insights-from" }, "From"),
      from,
      h("label", { for: "insights-to" }, "To"),
      to,
      h("label", { for: "insights-lang" }, "Language"),
      lang,
      langs,
      h("label", { for: "insights-channel" }, "Channel"),
      channel,
      h("button", { type: "submit", class: "primary", "data-relais-console": "insights-apply" }, "Show"),
      h("button", { type: "button", "data-relais-console": "insights-last30" }, "Last 30 days"),
      h("span", { class: "spacer" }),
      h("button", { type: "button", "data-relais-console": "insights-csv" }, "Download CSV"),
      formError
    );
    const caption = h("p", { class: "muted insights-caption", "data-relais-console": "insights-caption", "aria-live": "polite" });
    const simulated = h("p", { class: "simulated", role: "status", "data-relais-console": "insights-simulated", hidden: true });
    const sections = {};
    function section2(key, title, intro) {
      const status = h("p", { class: "muted section-status", "data-relais-console": `insights-status-${key}` });
      const body = h("div", { class: "section-body", "data-relais-console": `insights-${key}` });
      const el = h("section", { class: "insights-section", "data-section": key, "aria-labelledby": `insights-h-${key}` }, h("h2", { id: `insights-h-${key}` }, title), intro ? h("p", { class: "muted intro" }, intro) : null, status, body);
      sections[key] = { el, status, body };
      return el;
    }
    const drillBox = h("section", { class: "insights-drill", "data-relais-console": "drill", hidden: true, "aria-labelledby": "insights-drill-title", tabindex: "-1" });
    const transcriptBox = h("section", { class: "insights-transcript", "data-relais-console": "transcript", hidden: true, "aria-labelledby": "insights-transcript-title", tabindex: "-1" });
    root.replaceChildren(
      h("div", { class: "insights-head" }, h("h1", {}, "Insights"), form, caption, simulated),
      h(
        "div",
        { class: "insights-grid" },
        section2("summary", "Summary", "Of the conversations started in the range; every rate's denominator is the engaged conversations unless said. Click a number to see the conversations behind it."),
        section2("timeseries", "Per day"),
        section2("outcomes", "Outcomes of engaged conversations"),
        section2("reasons", "Escalation reasons", "Each escalated conversation under its first reason."),
        section2("gaps", "Knowledge gaps", "What visitors asked that the bot could not serve, grouped by topic."),
        section2("intents", "Intents"),
        section2("articles", "Articles"),
        section2("agents", "Agents"),
        section2("languages", "Languages"),
        section2("pages", "Pages where chats start"),
        section2("help", "Help centre", "Answers to “Was this article helpful?” and the contact form's deflection, by when they happened."),
        section2("channels", "Channels", "Conversations started on each channel, and the contacts who came on two channels within 7 days.")
      ),
      drillBox,
      transcriptBox
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      load();
    });
    form.querySelector("[data-relais-console=insights-last30]").addEventListener("click", () => {
      const range = defaultRange();
      from.value = range.from;
      to.value = range.to;
      load();
    });
    form.querySelector("[data-relais-console=insights-csv]").addEventListener("click", downloadCsv);
    root.addEventListener("click", (e) => {
      const mark = e.target instanceof Element && e.target.closest("svg [data-figure]");
      if (!mark) return;
      const day = mark.getAttribute("data-day");
      openDrill({ figure: mark.getAttribute("data-figure"), filters: day ? { day } : {} });
    });
    function readFilters() {
      const window2 = windowOf({ from: from.value, to: to.value });
      if (window2.error) return { error: window2.error };
      return { window: window2, lang: lang.value.trim(), channel: channel.value, range: { from: from.value, to: to.value } };
    }
    async function load() {
      const filters = readFilters();
      formError.textContent = filters.error || "";
      if (filters.error) return;
      state2.filters = filters;
      state2.loaded = true;
      const run = ++state2.run;
      root.dataset.state = "loading";
      root.dataset.window = filters.window.from + "/" + filters.window.to;
      caption.textContent = `Conversations started from ${filters.range.from} to ${filters.range.to} (UTC, both days included)` + (filters.lang ? `, language ${filters.lang}` : "") + (filters.channel ? `, channel ${filters.channel}` : "") + ".";
      closeDrill();
      const params = frameParams(filters);
      const read = (key, path, extra = {}) => {
        sections[key].status.textContent = "Loading…";
        return http2.fetchJson(withQuery(path, { ...params, ...extra })).then((res) => run === state2.run ? res : null);
      };
      const jobs = [
        read("summary", "/v1/insights/summary").then((res) => res && showSummary(res)),
        read("timeseries", "/v1/insights/timeseries", { interval: "day" }).then((res) => res && showTimeseries(res)),
        ...BREAKDOWNS.map((b) => read(b.key, b.path).then((res) => res && showBreakdown(b, res)))
      ];
      await Promise.all(jobs);
      if (run === state2.run) root.dataset.state = "ready";
    }
    function failed(key, res) {
      const s = sections[key];
      s.body.replaceChildren();
      if (res.status === 404) {
        s.status.textContent = NOT_AVAILABLE;
        s.status.dataset.state = "not-available";
      } else {
        s.status.textContent = res.message || "This could not be read.";
        s.status.dataset.state = "error";
      }
      return false;
    }
    function loaded(key, empty) {
      const s = sections[key];
      s.status.textContent = empty ? "Nothing in this range." : "";
      s.status.dataset.state = empty ? "empty" : "ready";
    }
    function showSummary(res) {
      if (!res.ok || !res.body || typeof res.body !== "object") {
        sections.outcomes.body.replaceChildren();
        sections.reasons.body.replaceChildren();
        simulated.hidden = true;
        if (res.ok) res = { ok: false, status: 500, message: "The summary is not what this console expects." };
        failed("outcomes", res);
        failed("reasons", res);
        return failed("summary", res);
      }
      const s = res.body;
      const n = Number(s.simulated) || 0;
      simulated.hidden = n <= 0;
      simulated.textContent = n > 0 ? `Includes ${formatCount(n)} simulated conversation${n === 1 ? "" : "s"} (made by relais simulate): not all of these figures are real.` : "";
      sections.summary.body.replaceChildren(h("div", { class: "cards" }, ...cards(s)));
      loaded("summary", false);
      const outcomes = OUTCOMES.map((o) => ({ label: o.label, value: num(s[o.key]), figure: o.key, cls: o.cls }));
      const idle = Math.max(0, num(s.conversations) - num(s.engaged));
      outcomes.push({ label: "not engaged", value: idle, figure: null, cls: "s-idle" });
      sections.outcomes.body.replaceChildren(
        chartWithTable(
          barChart(outcomes, { id: "chart-outcomes", title: "Outcomes of the conversations" }),
          table("outcomes-table", "Outcomes", [
            { label: "Outcome", value: (r) => r.label },
            { label: "Conversations", num: true, value: (r) => r.figure ? countButton(r.value, { figure: r.figure }) : formatCount(r.value) },
            { label: "Of engaged", num: true, value: (r) => r.figure ? formatRate(ratio(r.value, s.engaged)) : "" }
          ], outcomes)
        )
      );
      loaded("outcomes", !num(s.conversations));
      const reasons = Object.entries(s.escalation_reasons || {}).filter(([, v]) => typeof v === "number").sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code, value]) => ({ code, label: humanize(code), value, figure: "escalation_reasons." + code, cls: "s-esc" }));
      sections.reasons.body.replaceChildren(
        chartWithTable(
          barChart(reasons, { id: "chart-reasons", title: "Escalation reasons" }),
          table("reasons-table", "Escalation reasons", [
            { label: "Reason", value: (r) => h("span", { title: r.code }, r.label) },
            { label: "Conversations", num: true, value: (r) => countButton(r.value, { figure: r.figure }) },
            { label: "Of escalated", num: true, value: (r) => formatRate(ratio(r.value, s.escalated)) }
          ], reasons)
        )
      );
      loaded("reasons", !reasons.length);
      return true;
    }
    function cards(s) {
      const c = (figure2) => countButton(s[figure2], { figure: figure2 });
      const times = s.resolution_time_p50_s || {};
      return [
        card("conversations", "Conversations", c("conversations"), [c("engaged"), " engaged (the visitor wrote)"]),
        card("containment_rate", "Containment", figure("containment_rate", formatRate(s.containment_rate)), ["engaged and never escalated"]),
        card("bot_resolution_rate", "Resolved by the bot", figure("bot_resolution_rate", formatRate(s.bot_resolution_rate)), [c("bot_resolved"), " resolved: ", c("bot_resolved_confirmed"), " confirmed, ", c("bot_resolved_assumed"), " assumed"]),
        card("escalation_rate", "Escalated", figure("escalation_rate", formatRate(s.escalation_rate)), [c("escalated"), " escalated, ", c("agent_handled"), " handled by an agent; ", c("unresolved"), " unresolved"]),
        card("usefulness_rate", "Useful answers", figure("usefulness_rate", formatRate(s.usefulness_rate)), [c("helpful_answers"), " helpful (👍) and ", c("unhelpful_answers"), " unhelpful (👎) answers"]),
        card("csat", "CSAT", figure("csat", formatRate(s.csat)), [c("rated_positive"), " positive of ", c("rated"), " rated; response rate ", figure("csat_response_rate", formatRate(s.csat_response_rate)), " of ", c("ratings_asked"), " asked"]),
        card("queue", "Queue wait (median)", figure("queue_wait_p50_s", formatDuration(s.queue_wait_p50_s)), ["90th percentile ", figure("queue_wait_p90_s", formatDuration(s.queue_wait_p90_s)), "; ", c("queued"), " queued, ", c("abandoned_in_queue"), " left the queue"]),
        card("callbacks", "Callbacks", c("callbacks"), ["conversations with a callback request"]),
        card("resolution_time", "Time to resolution (median)", figure("resolution_time_p50_s.bot_resolved", formatDuration(times.bot_resolved)), ["by the bot; by agents ", figure("resolution_time_p50_s.agent_handled", formatDuration(times.agent_handled)), "; agents' first reply ", figure("agent_first_response_p50_s", formatDuration(s.agent_first_response_p50_s))]),
        card("repeat_contact_rate", "Repeat contacts", figure("repeat_contact_rate", formatRate(s.repeat_contact_rate)), [c("repeat_contacts"), " came back within the repeat window (identified visitors only)"]),
        card("savings", "Saved by self-service", figure("cost_saved", formatMoney(s.cost_saved, s.currency)), [c("contacts_saved"), " contacts saved, ", figure("agent_hours_saved", formatHours(s.agent_hours_saved)), " of agent time"])
      ];
    }
    function card(key, title, main, sub) {
      return h("div", { class: "card-figure", "data-card": key }, h("div", { class: "card-title" }, title), h("div", { class: "card-main" }, main), h("div", { class: "card-sub" }, ...sub));
    }
    function figure(name, text) {
      return h("span", { class: "figure", "data-relais-console": "figure", "data-figure": name }, text);
    }
    function showTimeseries(res) {
      const rows = res.ok ? listOf2(res.body) : null;
      if (!rows) return failed("timeseries", res.ok ? { status: 500, message: "The time series is not what this console expects." } : res);
      sections.timeseries.body.replaceChildren(
        chartWithTable(
          timeSeriesChart(rows, { id: "chart-timeseries" }),
          table("timeseries-table", "Conversations per day", [
            { label: "Day", value: (r) => String(r.day) },
            { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "conversations", filters: { day: r.day } }) },
            { label: "Engaged", num: true, value: (r) => countButton(r.engaged, { figure: "engaged", filters: { day: r.day } }) },
            ...SERIES.filter((se) => se.key !== "not_engaged").map((se) => ({
              label: humanize(se.label),
              num: true,
              value: (r) => countButton(seriesValue(r, se.key), { figure: se.key, filters: { day: r.day } })
            })),
            { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) }
          ], rows),
          { openTable: false, legend: SERIES }
        )
      );
      loaded("timeseries", !rows.some((r) => num(r.conversations) > 0));
      return true;
    }
    const BREAKDOWNS = [
      {
        key: "intents",
        path: "/v1/insights/intents",
        columns: [
          { label: "Intent", value: (r) => String(r.intent ?? "") },
          { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "engaged", filters: { intent: r.intent } }) },
          { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { intent: r.intent } }) },
          { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) },
          { label: "Escalation rate", num: true, value: (r) => formatRate(r.escalation_rate) },
          { label: "Median confidence", num: true, value: (r) => formatScore(r.median_confidence) },
          { label: "Helpful 👍", num: true, value: (r) => countButton(r.helpful_answers, { figure: "helpful_answers", filters: { intent: r.intent } }) },
          { label: "Unhelpful 👎", num: true, value: (r) => countButton(r.unhelpful_answers, { figure: "unhelpful_answers", filters: { intent: r.intent } }) },
          { label: "Useful", num: true, value: (r) => formatRate(r.usefulness_rate) }
        ]
      },
      {
        key: "articles",
        path: "/v1/insights/articles",
        columns: [
          { label: "Article", value: (r) => h("span", {}, String(r.title || r.article || ""), r.title && r.article ? h("span", { class: "muted id" }, " " + String(r.article)) : null) },
          { label: "Shown", num: true, value: (r) => formatCount(r.shown) },
          { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "engaged", filters: { article: r.article } }) },
          { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { article: r.article } }) },
          { label: "Helpful 👍", num: true, value: (r) => countButton(r.helpful_answers, { figure: "helpful_answers", filters: { article: r.article } }) },
          { label: "Unhelpful 👎", num: true, value: (r) => countButton(r.unhelpful_answers, { figure: "unhelpful_answers", filters: { article: r.article } }) },
          { label: "Useful", num: true, value: (r) => formatRate(r.usefulness_rate) }
        ]
      },
      {
        key: "agents",
        path: "/v1/insights/agents",
        columns: [
          { label: "Agent", value: (r) => String(r.agent ?? "") },
          { label: "Handled", num: true, value: (r) => countButton(r.handled, { figure: "agent_handled", filters: { agent: r.agent } }) },
          { label: "First reply (median)", num: true, value: (r) => formatDuration(r.agent_first_response_p50_s) },
          { label: "Resolution (median)", num: true, value: (r) => formatDuration(r.resolution_time_p50_s) },
          { label: "Rated", num: true, value: (r) => countButton(r.rated, { figure: "rated", filters: { agent: r.agent } }) },
          { label: "CSAT", num: true, value: (r) => formatRate(r.csat) }
        ]
      },
      {
        key: "languages",
        path: "/v1/insights/languages",
        columns: [
          { label: "Language", value: (r) => r.lang ? String(r.lang) : h("span", { class: "muted" }, "unknown") },
          { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "conversations", filters: { lang: r.lang ?? "" } }) },
          { label: "Engaged", num: true, value: (r) => countButton(r.engaged, { figure: "engaged", filters: { lang: r.lang ?? "" } }) },
          { label: "Resolved by the bot", num: true, value: (r) => countButton(r.bot_resolved, { figure: "bot_resolved", filters: { lang: r.lang ?? "" } }) },
          { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { lang: r.lang ?? "" } }) },
          { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) }
        ],
        after: (rows) => langs.replaceChildren(...rows.filter((r) => r.lang).map((r) => h("option", { value: String(r.lang) })))
      },
      {
        key: "pages",
        path: "/v1/insights/pages",
        columns: [
          { label: "Page", value: (r) => r.page ? h("span", { class: "url" }, String(r.page)) : h("span", { class: "muted" }, "no page reported") },
          { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "conversations", filters: { page: r.page ?? "" } }) },
          { label: "Engaged", num: true, value: (r) => countButton(r.engaged, { figure: "engaged", filters: { page: r.page ?? "" } }) },
          { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { page: r.page ?? "" } }) },
          { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) }
        ]
      },
      {
        key: "help",
        path: "/v1/insights/help",
        rows: (body) => body && body.articles,
        before: (body) => deflectionEl(body && body.deflection),
        columns: [
          { label: "Article", value: (r) => h("span", {}, String(r.article_id ?? ""), h("span", { class: "tag" }, String(r.lang ?? ""))) },
          { label: "Helpful", num: true, value: (r) => formatCount(r.helpful) },
          { label: "Not helpful", num: true, value: (r) => formatCount(r.not_helpful) },
          { label: "Comments", value: (r) => commentsList(r.comments) }
        ]
      },
      {
        key: "channels",
        path: "/v1/insights/channels",
        rows: (body) => body && body.channels,
        before: (body) => switchesEl(body),
        columns: [
          { label: "Channel", value: (r) => channelName(r.channel) },
          { label: "Conversations", num: true, value: (r) => formatCount(r.conversations) }
        ]
      },
      {
        key: "gaps",
        path: "/v1/insights/gaps",
        columns: [
          { label: "Topic", value: (r) => String(r.topic ?? "") },
          { label: "Messages", num: true, value: (r) => formatCount(r.messages) },
          {
            label: "Conversations",
            num: true,
            value: (r) => {
              const ids = Array.isArray(r.conversation_ids) ? r.conversation_ids.map(String) : [];
              return idsButton(num(r.conversations) || ids.length, ids, "Knowledge gap: " + String(r.topic ?? ""));
            }
          },
          { label: "Languages", value: (r) => counts(r.languages) },
          { label: "Why", value: (r) => counts(r.reasons, humanize) },
          { label: "Samples", value: (r) => samplesList(r.samples) },
          {
            label: "Nearest article",
            value: (r) => r.nearest_article ? h("span", {}, String(r.nearest_article.title || r.nearest_article.id || ""), h("span", { class: "muted" }, " (" + formatScore(r.nearest_article.score) + ")")) : h("span", { class: "muted" }, "none")
          }
        ]
      }
    ];
    function showBreakdown(b, res) {
      const rows = res.ok ? listOf2(b.rows ? b.rows(res.body) : res.body) : null;
      if (!rows) return failed(b.key, res.ok ? { status: 500, message: "This answer is not what this console expects." } : res);
      if (b.after) b.after(rows);
      sections[b.key].body.replaceChildren(b.before ? b.before(res.body) : "", rows.length ? table(b.key + "-table", null, b.columns, rows) : "");
      loaded(b.key, !rows.length);
      return true;
    }
    function deflectionEl(d) {
      if (!d) return "";
      return h(
        "p",
        { "data-relais-console": "insights-deflection" },
        "Contact form: ",
        h("strong", {}, formatRate(d.deflection_rate)),
        ` deflected (${formatCount(d.deflected)} visits opened a suggested article and sent no form; ${formatCount(d.forms_sent)} sent the form; ${formatCount(d.suggestions_opened)} opened a suggestion).`
      );
    }
    function switchesEl(body) {
      if (!body) return "";
      return h(
        "p",
        { "data-relais-console": "insights-switches" },
        "Channel switches: ",
        h("strong", {}, formatRate(body.switch_rate)),
        ` of ${formatCount(body.contacts)} known contacts (${formatCount(body.switching_contacts)} came on two channels within 7 days).`
      );
    }
    function commentsList(comments) {
      if (!Array.isArray(comments) || !comments.length) return "";
      return h("ul", { class: "samples" }, ...comments.map((c) => h("li", {}, (c && c.helpful ? "👍 " : "👎 ") + "“" + String(c && c.text || "") + "”")));
    }
    function samplesList(samples) {
      if (!Array.isArray(samples) || !samples.length) return "";
      return h(
        "ul",
        { class: "samples" },
        ...samples.map((s) => {
          const open = s && s.conversation_id ? openButton(String(s.conversation_id), "open") : null;
          return h("li", {}, "“" + String(s && s.text || "") + "”", s && s.lang ? h("span", { class: "tag" }, String(s.lang)) : null, open ? " " : null, open);
        })
      );
    }
    function countButton(value, drill) {
      if (typeof value !== "number") return NONE;
      if (Object.values(drill.filters || {}).some((v) => v === null || v === void 0)) return formatCount(value);
      const extra = filterText(drill.filters);
      const name = `${formatCount(value)} ${humanize(drill.figure)}${extra ? " · " + extra : ""}: show these conversations`;
      const b = h("button", { type: "button", class: "count-link", "data-relais-console": "drill", "data-figure": drill.figure, "data-filters": extra || null, "aria-label": name, title: "Show these conversations" }, formatCount(value));
      b.addEventListener("click", () => openDrill(drill));
      return b;
    }
    function idsButton(value, ids, label) {
      const b = h("button", { type: "button", class: "count-link", "data-relais-console": "drill-ids", title: "Show these conversations" }, formatCount(value));
      b.addEventListener("click", () => openDrill({ ids, label }));
      return b;
    }
    function openButton(id, text = "Open") {
      const b = h("button", { type: "button", class: "small", "data-relais-console": "drill-open", "data-conversation-id": id }, text);
      b.addEventListener("click", () => openTranscript(id));
      return b;
    }
    function chartWithTable(tree, tableEl, { openTable = true, legend = null } = {}) {
      return h(
        "div",
        { class: "chart-pair" },
        h("div", { class: "chart-box" }, toSvg(tree)),
        legend ? h("ul", { class: "legend", "aria-hidden": "true" }, ...legend.map((l) => h("li", {}, h("span", { class: "swatch " + l.cls }), l.label))) : null,
        h("details", { class: "chart-table", open: openTable }, h("summary", {}, "Table"), tableEl)
      );
    }
    function table(hook, caption2, columns, rows) {
      return h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data", "data-relais-console": hook },
          caption2 ? h("caption", { class: "visually-hidden" }, caption2) : null,
          h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
          h(
            "tbody",
            {},
            ...rows.map(
              (r) => h("tr", {}, ...columns.map((c, i) => h(i ? "td" : "th", { scope: i ? null : "row", class: c.num ? "num" : null }, cell(c.value(r)))))
            )
          )
        )
      );
    }
    function openDrill(drill) {
      if (!state2.filters) return;
      state2.drill = { ...drill, offset: 0, items: [], total: null };
      closeTranscript();
      drillBox.hidden = false;
      renderDrill("Loading…");
      drillBox.focus({ preventScroll: true });
      drillBox.scrollIntoView({ block: "start" });
      if (drill.ids) {
        state2.drill.items = drill.ids.map((id) => ({ id }));
        state2.drill.total = drill.ids.length;
        renderDrill("");
        return;
      }
      readDrillPage();
    }
    async function readDrillPage() {
      const drill = state2.drill;
      const run = ++state2.drillRun;
      const res = await http2.fetchJson(withQuery("/v1/insights/conversations", drillParams(state2.filters, drill, drill.offset, DRILL_PAGE)));
      if (run !== state2.drillRun || drill !== state2.drill) return;
      if (!res.ok) return renderDrill(res.status === 404 ? NOT_AVAILABLE : res.message);
      const page = pageOf(res.body, res.total);
      if (!page) return renderDrill("This answer is not what this console expects.");
      drill.offset += page.items.length;
      drill.more = page.items.length >= DRILL_PAGE && drill.offset < page.total;
      drill.items.push(...page.items);
      drill.total = page.total;
      renderDrill("");
    }
    function renderDrill(status) {
      const drill = state2.drill;
      const title = drillTitle(drill);
      const close = h("button", { type: "button", class: "small", "data-relais-console": "drill-close" }, "Close");
      close.addEventListener("click", closeDrill);
      const count = drill.total !== null && drill.total !== void 0 ? `${formatCount(drill.total)} conversation${drill.total === 1 ? "" : "s"}` : `${formatCount(drill.items.length)} shown`;
      const more = h("button", { type: "button", class: "small", "data-relais-console": "drill-more", hidden: !drill.more }, "Show more");
      more.addEventListener("click", () => {
        more.disabled = true;
        readDrillPage();
      });
      drillBox.replaceChildren(
        h("div", { class: "drill-head" }, h("h2", { id: "insights-drill-title", "data-relais-console": "drill-title" }, title), h("span", { class: "muted", "data-relais-console": "drill-count" }, status ? "" : count), h("span", { class: "spacer" }), close),
        status ? h("p", { class: "muted", role: "status", "data-relais-console": "drill-status" }, status) : null,
        drill.items.length ? drillTable(drill) : !status ? h("p", { class: "muted" }, "No conversations.") : null,
        more
      );
    }
    function drillTable(drill) {
      if (drill.ids) return table("drill-list", "Conversations", [{ label: "Conversation", value: (f) => h("span", { class: "id" }, f.id) }, { label: "", value: (f) => openButton(f.id) }], drill.items);
      return table(
        "drill-list",
        "Conversations",
        [
          { label: "Started", value: (f) => formatTime(f.started_at) },
          { label: "Language", value: (f) => String(f.language ?? "") },
          { label: "Outcome", value: (f) => humanize(f.outcome) },
          { label: "Reason", value: (f) => humanize(f.escalation_reason ?? "") },
          { label: "Agent", value: (f) => String(f.agent ?? "") },
          { label: "Intents", value: (f) => Array.isArray(f.intents) ? f.intents.join(", ") : "" },
          { label: "First page", value: (f) => h("span", { class: "url" }, String(f.first_page ?? "")) },
          { label: "", value: (f) => openButton(String(f.id)) }
        ],
        drill.items
      );
    }
    function drillTitle(drill) {
      if (drill.label) return drill.label;
      const name = humanize(drill.figure).replace(/^escalation reasons /, "escalated for ");
      const extra = filterText(drill.filters);
      return name.charAt(0).toUpperCase() + name.slice(1) + (extra ? " · " + extra : "");
    }
    function closeDrill() {
      state2.drill = null;
      state2.drillRun++;
      drillBox.hidden = true;
      drillBox.replaceChildren();
      closeTranscript();
    }
    async function openTranscript(id) {
      const run = ++state2.transcriptRun;
      transcriptBox.hidden = false;
      const close = h("button", { type: "button", class: "small", "data-relais-console": "transcript-close" }, "Close");
      close.addEventListener("click", closeTranscript);
      const head = h("div", { class: "drill-head" }, h("h2", { id: "insights-transcript-title", "data-relais-console": "transcript-title" }, "Conversation " + id), h("span", { class: "muted" }, "read only"), h("span", { class: "spacer" }), close);
      transcriptBox.replaceChildren(head, h("p", { class: "muted", role: "status" }, "Loading…"));
      transcriptBox.focus({ preventScroll: true });
      transcriptBox.scrollIntoView({ block: "start" });
      const res = await http2.fetchJson("/v1/conversations/" + encodeURIComponent(id) + "/events");
      if (run !== state2.transcriptRun) return;
      const events = res.ok ? listOf2(res.body) : null;
      if (!events) {
        transcriptBox.replaceChildren(head, h("p", { class: "error", role: "alert", "data-relais-console": "transcript-error" }, res.ok ? "This answer is not what this console expects." : res.status === 404 ? "No such conversation." : res.message));
        return;
      }
      transcriptBox.dataset.conversationId = id;
      transcriptBox.replaceChildren(head, h("div", { class: "messages transcript-log", role: "log", "data-relais-console": "transcript-events" }, ...events.map(transcriptEvent)));
    }
    function closeTranscript() {
      state2.transcriptRun++;
      transcriptBox.hidden = true;
      transcriptBox.replaceChildren();
    }
    async function downloadCsv() {
      const filters = readFilters();
      formError.textContent = filters.error || "";
      if (filters.error) return;
      const res = await http2.download(withQuery("/v1/insights/conversations.csv", frameParams(filters)));
      if (!res.ok) {
        showError2(res.status === 404 ? "The CSV export is not available on this server." : res.message);
        return;
      }
      const url = URL.createObjectURL(res.blob);
      const a = h("a", { href: url, download: `relais-conversations-${filters.range.from}-to-${filters.range.to}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1e4);
    }
    return {
      /** Shows the view; the first time, loads the default range. */
      open() {
        if (!state2.loaded) load();
      }
    };
  }
  function transcriptEvent(ev) {
    const known = eventEl(ev || {});
    if (known) return known;
    const fields = Object.entries(ev || {}).filter(([k]) => !EVENT_PLUMBING.includes(k)).map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`).join(" · ");
    return h("div", { class: "notice event-other", "data-relais-console": "event", "data-kind": String(ev && ev.kind || "") }, humanize(ev && ev.kind || "event") + (fields ? " — " + fields : ""), ev && ev.at ? h("span", { class: "muted" }, " · " + formatTime(ev.at)) : null);
  }
  function cell(v) {
    if (v === null || v === void 0) return "";
    return typeof v === "string" || v instanceof Node ? v : String(v);
  }
  function num(v) {
    return typeof v === "number" && Number.isFinite(v) ? v : 0;
  }
  function ratio(part, whole) {
    return typeof whole === "number" && whole > 0 ? part / whole : null;
  }
  function listOf2(body) {
    return Array.isArray(body) ? body : null;
  }
  function counts(map, name = String) {
    return Object.entries(map && typeof map === "object" ? map : {}).map(([k, v]) => `${name(k)} ${v}`).join(", ");
  }
  function filterText(filters) {
    return Object.entries(filters || {}).filter(([, v]) => v !== void 0 && v !== null).map(([k, v]) => v !== "" ? `${k} ${v}` : k === "article" ? "article without URL" : `no ${k}`).join(", ");
  }

  // js/console/review.js
  var RELOAD_POLL_MS = 500;
  var KINDS = [
    ["", "Every turn"],
    ["low_confidence", "Low confidence"],
    ["ambiguous", "Ambiguous"],
    ["out_of_scope", "Out of scope"],
    ["no_article", "No answer found"],
    ["rated_unhelpful", "Rated 👎"],
    ["escalated", "Escalated"],
    ["flagged", "Flagged by an agent"]
  ];
  var OTHER = [
    { label: "oos", key: "o", text: "Out of scope" },
    { label: "needs_article", key: "a", text: "Needs an article" },
    { label: "confirm", key: "c", text: "Confirm" }
  ];
  function reviewView(root, http2, showError2, { admin = false } = {}) {
    const state2 = { turns: [], selected: 0, cursor: null, intents: [], run: 0, loaded: false };
    const kind = h("select", { id: "review-kind", "data-relais-console": "review-kind" }, ...KINDS.map(([value, text]) => h("option", { value }, text)));
    const status = h("p", { class: "muted", role: "status", "data-relais-console": "review-status" });
    const list = h("ol", { class: "review-list", "data-relais-console": "review-list", "aria-label": "Turns to review" });
    const more = h("button", { type: "button", hidden: true, "data-relais-console": "review-more" }, "Show more");
    const detail = h("section", { class: "review-detail", "data-relais-console": "review-detail", "aria-live": "polite" });
    const search = h("input", { type: "search", id: "review-search", list: "review-intents", placeholder: "Another intent…", autocomplete: "off", "aria-label": "Label with another intent", "data-relais-console": "review-search" });
    const intents = h("datalist", { id: "review-intents" });
    const searchForm = h("form", { class: "review-search" }, search, intents, h("button", { type: "submit" }, "Label"));
    const advisor = advisorPanel(http2, showError2, admin);
    root.replaceChildren(
      advisor.el,
      h(
        "header",
        { class: "review-head" },
        h("h1", {}, "Review"),
        h("label", { for: "review-kind" }, "Show"),
        kind,
        h("p", { class: "muted keys" }, "j/k move · 1–3 suggested intent · o out of scope · a needs an article · c confirm · / another intent")
      ),
      status,
      h("div", { class: "review-body" }, h("div", { class: "review-column" }, list, more), h("div", { class: "review-column" }, detail, searchForm))
    );
    kind.addEventListener("change", () => load(false));
    more.addEventListener("click", () => load(true));
    searchForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = intentNamed(search.value);
      if (name) label(name).then((ok) => ok && (search.value = ""));
    });
    root.addEventListener("keydown", onKey);
    async function load(append) {
      const run = ++state2.run;
      const params = new URLSearchParams();
      if (kind.value) params.set("kind", kind.value);
      if (append && state2.cursor) params.set("cursor", state2.cursor);
      status.textContent = "Loading…";
      const res = await http2.fetchJson("/v1/review" + (params.toString() ? "?" + params : ""));
      if (run !== state2.run) return;
      if (!res.ok) {
        status.textContent = res.message;
        return;
      }
      const turns = Array.isArray(res.body && res.body.turns) ? res.body.turns : [];
      state2.turns = append ? state2.turns.concat(turns) : turns;
      state2.cursor = res.body && res.body.next_cursor || null;
      if (!append) state2.selected = 0;
      if (Array.isArray(res.body.intents)) {
        state2.intents = res.body.intents.filter((i) => i && typeof i.name === "string").map((i) => ({ name: i.name, title: typeof i.title === "string" ? i.title : null }));
        intents.replaceChildren(...state2.intents.map((i) => h("option", { value: i.name, label: i.title })));
      }
      more.hidden = !state2.cursor;
      status.textContent = state2.turns.length ? `${state2.turns.length} turn${state2.turns.length === 1 ? "" : "s"} shown, newest first.` : "No turns to review.";
      root.dataset.state = "ready";
      render();
    }
    function intentNamed(typed) {
      const text = typed.trim();
      const lower = text.toLowerCase();
      const found = state2.intents.find((i) => i.name.toLowerCase() === lower || i.title && i.title.toLowerCase() === lower);
      return found ? found.name : text;
    }
    function render() {
      list.replaceChildren(...state2.turns.map((turn2, i) => item(turn2, i)));
      const turn = state2.turns[state2.selected];
      detail.replaceChildren(...turn ? detailOf(turn).filter(Boolean) : [h("p", { class: "muted" }, "Nothing selected.")]);
    }
    function item(turn, i) {
      const li = h(
        "li",
        { "data-relais-console": "review-item", "data-turn-id": String(turn.id), "aria-current": i === state2.selected ? "true" : null, class: i === state2.selected ? "selected" : null },
        h("span", { class: "text" }, String(turn.text ?? "")),
        turn.lang ? h("span", { class: "tag" }, String(turn.lang)) : null,
        turn.flagged ? h("span", { class: "tag flagged", "data-relais-console": "review-item-flagged", title: "Flagged by an agent" }, "⚑") : null,
        turn.rated_helpful ? h("span", { class: "tag", title: "Rated 👍" }, "👍") : turn.rated_unhelpful ? h("span", { class: "tag", title: "Rated 👎" }, "👎") : null,
        turn.label ? h("span", { class: "tag label", "data-relais-console": "review-item-label" }, String(turn.label.label)) : null
      );
      li.addEventListener("click", () => select2(i));
      return li;
    }
    function detailOf(turn) {
      const p = turn.prediction || {};
      const ranking = Array.isArray(p.ranking) && p.ranking.length ? p.ranking : [{ intent: p.intent, confidence: p.confidence }];
      const suggested = ranking.slice(0, 3).map(
        (score, i) => button(`${i + 1} · ${score.intent} ${percent(score.confidence)}`, () => label(String(score.intent)), { "data-relais-console": "review-suggest", "data-intent": String(score.intent), "aria-keyshortcuts": String(i + 1) })
      );
      const others = OTHER.map((o) => button(`${o.label === "confirm" ? confirmText(p) : o.text} (${o.key})`, () => label(o.label), { "data-relais-console": "review-" + o.label, "aria-keyshortcuts": o.key }));
      return [
        h("h2", {}, "“" + String(turn.text ?? "") + "”"),
        h("p", { class: "muted" }, [turn.lang ? "Language " + turn.lang : "Language unknown", formatTime(turn.at), "conversation " + String(turn.conversation_id)].join(" · ")),
        h("p", { "data-relais-console": "review-did" }, "The bot " + didText(turn) + (p.oos ? " (judged out of scope)" : p.ambiguous ? " (ambiguous)" : "") + "." + (turn.rated_helpful ? " The visitor rated it 👍." : turn.rated_unhelpful ? " The visitor rated it 👎." : "")),
        turn.flagged ? h("p", { "data-relais-console": "review-flagged" }, `Flagged by ${turn.flagged.by}, ${formatTime(turn.flagged.at)}` + (turn.flagged.times > 1 ? ` (${turn.flagged.times} times)` : "") + ": the bot got it wrong.") : null,
        h("p", { class: "muted" }, "Suggested intents:"),
        h("div", { class: "review-actions" }, ...suggested),
        h("div", { class: "review-actions" }, ...others),
        h("p", { "data-relais-console": "review-label" }, turn.label ? `Labelled ${turn.label.label} by ${turn.label.by}, ${formatTime(turn.label.at)}.` : "Not labelled yet.")
      ];
    }
    function confirmText(p) {
      if (p.oos) return "Right: out of scope";
      if (p.ambiguous) return "Right: ambiguous";
      return "Right: " + String(p.intent ?? "");
    }
    function didText(turn) {
      if (turn.escalation_reason) return "handed over to a person (" + String(turn.escalation_reason).replace(/_/g, " ") + ")";
      if (turn.answered_intent) return "answered with " + turn.answered_intent;
      if (turn.article) return "showed the article “" + String(turn.article.title ?? "") + "”";
      if (turn.fallback === "disambiguate") return "asked “Did you mean …?”";
      if (turn.fallback) return "asked to rephrase";
      return "did not answer";
    }
    function button(text, onClick, attrs) {
      const b = h("button", { type: "button", ...attrs }, text);
      b.addEventListener("click", onClick);
      return b;
    }
    function select2(i) {
      if (!state2.turns.length) return;
      state2.selected = Math.max(0, Math.min(state2.turns.length - 1, i));
      render();
      list.children[state2.selected]?.scrollIntoView({ block: "nearest" });
    }
    async function label(name) {
      const turn = state2.turns[state2.selected];
      if (!turn) return false;
      const res = await http2.postJson(`/v1/review/${encodeURIComponent(turn.id)}/label`, { label: name });
      if (!res.ok) {
        showError2(res.message);
        return false;
      }
      const at = state2.turns.findIndex((t) => t.id === turn.id);
      if (at >= 0) state2.turns[at] = res.body;
      render();
      return true;
    }
    function onKey(e) {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
      const turn = state2.turns[state2.selected];
      const key = e.key;
      if (key === "j" || key === "ArrowDown") select2(state2.selected + 1);
      else if (key === "k" || key === "ArrowUp") select2(state2.selected - 1);
      else if (key === "/") search.focus();
      else if (turn && /^[1-3]$/.test(key)) {
        const ranking = turn.prediction && turn.prediction.ranking || [];
        const score = ranking[Number(key) - 1];
        if (!score) return;
        label(String(score.intent));
      } else {
        const other = OTHER.find((o) => o.key === key);
        if (!other || !turn) return;
        label(other.label);
      }
      e.preventDefault();
    }
    return {
      open() {
        root.tabIndex = -1;
        root.focus();
        if (!state2.loaded) {
          state2.loaded = true;
          load(false);
        }
      }
    };
  }
  function percent(confidence) {
    return typeof confidence === "number" ? Math.round(confidence * 100) + " %" : "";
  }
  function advisorPanel(http2, showError2, admin) {
    const target = h("input", { type: "number", id: "advisor-target", min: "0", max: "99", step: "0.5", value: "5", size: 4, "data-relais-console": "advisor-target" });
    const summary = h("div", { "data-relais-console": "advisor-summary", "aria-live": "polite" });
    const reloadStatus = h("p", { class: "muted", role: "status", "data-relais-console": "advisor-reload" });
    const show = h("button", { type: "submit", "data-relais-console": "advisor-show" }, "Show");
    const apply = h("button", { type: "button", "data-relais-console": "advisor-apply" }, "Apply");
    const reload = h("button", { type: "button", "data-relais-console": "advisor-reload-button" }, "Reload");
    const form = h("form", {}, h("label", { for: "advisor-target" }, "Target wrong answers (%)"), target, show, admin ? apply : null, admin ? reload : null);
    const el = h("details", { class: "review-advisor", "data-relais-console": "advisor" }, h("summary", {}, "Threshold advisor"), form, summary, reloadStatus);
    const targetError = () => Math.min(0.99, Math.max(0, Number(target.value) / 100 || 0));
    const percent2 = (r) => typeof r === "number" ? (Math.round(r * 1e3) / 10).toFixed(1) + " %" : "—";
    async function ask() {
      const res = await http2.fetchJson("/v1/advisor?target_error=" + targetError());
      if (!res.ok) {
        summary.replaceChildren(h("p", { class: "error" }, res.message));
        return;
      }
      render(res.body);
    }
    function render(a) {
      const lines = [h("p", {}, `${a.labelled_turns} reviewed turns; in force: ${a.current_threshold} (${percent2(a.current && a.current.wrong_rate)} wrong, ${percent2(a.current && a.current.answered_rate)} answered).`)];
      if (typeof a.expected_wrong_rate !== "number") {
        lines.push(h("p", { "data-relais-console": "advisor-recommendation" }, "Too few reviewed turns to recommend a threshold: label more below."));
      } else {
        const interval = Array.isArray(a.wrong_rate_interval) ? ` (95 % interval ${percent2(a.wrong_rate_interval[0])} – ${percent2(a.wrong_rate_interval[1])})` : "";
        lines.push(
          h(
            "p",
            { "data-relais-console": "advisor-recommendation" },
            `${a.reachable ? "Recommended" : "The target cannot be reached; the closest safe value"}: ${a.threshold} — ${percent2(a.expected_wrong_rate)} wrong${interval}, ${percent2(a.expected_answered_rate)} answered.`
          )
        );
      }
      const rated = a.rated_helpful;
      if (rated && rated.turns > 0 && rated.recommendation) {
        const r = rated.recommendation;
        lines.push(h("p", { class: "muted", "data-relais-console": "advisor-rated" }, `Kept apart: ${rated.turns} unlabelled answers rated 👍. Counted as confirmed, they would give ${r.threshold} (${percent2(r.expected_wrong_rate)} wrong).`));
      }
      const points = Array.isArray(a.curve) ? a.curve : [];
      const shown = points.filter((p, i) => i % 5 === 0);
      const row = (p) => h(
        "tr",
        { class: p.threshold === a.current_threshold ? "current" : p.threshold === a.threshold ? "recommended" : null },
        h("th", { scope: "row" }, String(p.threshold)),
        h("td", {}, percent2(p.answered_rate)),
        h("td", {}, percent2(p.wrong_rate)),
        h("td", {}, String(p.not_answered)),
        h("td", {}, String(p.escalations))
      );
      const table = h(
        "table",
        { "data-relais-console": "advisor-table" },
        h("caption", { class: "visually-hidden" }, "The replay every 0.05"),
        h("thead", {}, h("tr", {}, ...["Threshold", "Answered", "Wrong", "Not answered", "Escalations"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...shown.map(row))
      );
      const chart = toSvg(curveChart(points, { current: a.current_threshold, recommended: typeof a.expected_wrong_rate === "number" ? a.threshold : null }));
      summary.replaceChildren(...lines, h("div", { class: "chart-box" }, chart), h("details", {}, h("summary", {}, "Table"), table));
    }
    async function follow(status) {
      for (let s = status; s; ) {
        reloadStatus.textContent = s.state === "running" ? "Reloading: " + (s.step || "…") : s.state === "done" ? "Reloaded: the new settings answer now." : s.state === "failed" ? "The reload failed, the assistant in use keeps serving: " + (s.error || "") : "";
        reloadStatus.dataset.state = s.state;
        if (s.state !== "running") return;
        await new Promise((resolve) => setTimeout(resolve, RELOAD_POLL_MS));
        const res = await http2.fetchJson("/v1/admin/reload");
        s = res.ok ? res.body : null;
      }
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      ask();
    });
    apply.addEventListener("click", async () => {
      const res = await http2.postJson("/v1/advisor/apply", { target_error: targetError() });
      if (!res.ok) {
        showError2(res.message);
        reloadStatus.textContent = res.message;
        reloadStatus.dataset.state = "refused";
        return;
      }
      render(res.body.advice);
      summary.prepend(applied(res.body));
      follow(res.body.reload);
    });
    function applied(body) {
      const lines = [body.written ? "Thresholds written to " + String(body.written) + "." : "No threshold written: too few reviewed turns."];
      for (const l of body.export && Array.isArray(body.export.languages) ? body.export.languages : []) {
        lines.push(`${String(l.lang)}: ${Number(l.examples)} examples exported` + (l.left_out && l.left_out.length ? `, ${l.left_out.length} left out (${l.left_out.map(String).join("; ")})` : "") + ".");
      }
      return h("div", { "data-relais-console": "advisor-applied" }, ...lines.map((line) => h("p", {}, line)));
    }
    reload.addEventListener("click", async () => {
      const res = await http2.postJson("/v1/admin/reload", {});
      if (!res.ok) {
        showError2(res.message);
        return;
      }
      follow(res.body);
    });
    el.addEventListener("toggle", () => el.open && ask());
    return { el };
  }

  // js/console/main.js
  var SESSION_KEY = "relais-console";
  var AVAILABLE_KEY = "relais-console:available";
  var TYPING_SEND_MS = 3e3;
  var TYPING_SHOW_MS = 5e3;
  var CALLBACK_REFRESH_MS = 3e4;
  var QUEUE_PAGE = 50;
  var QUEUE_REFRESH_MS = 1e3;
  var CALLBACK_PAGE = 200;
  var LOGOUT_TIMEOUT_MS = 3e3;
  var TITLE = "Relais console";
  var ERRORS = {
    already_claimed: "Another agent has already taken this conversation.",
    not_found: "That conversation no longer exists.",
    closed: "That conversation is closed.",
    too_long: "That message is too long (2,000 characters at most).",
    rate_limited: "Too many messages at once; please wait a moment.",
    not_holder: "You no longer hold that conversation."
  };
  var state = {
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
    flagged: /* @__PURE__ */ new Set(),
    flagging: false,
    callbacksWanted: CALLBACK_PAGE,
    selected: null,
    claiming: null,
    lastTypingSent: 0,
    typingTimer: null,
    audio: null,
    view: "conversations",
    insights: null,
    review: null
  };
  var $ = (id) => document.getElementById(id);
  var conversations = new Conversations();
  var connection = new Connection({
    open: webSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/agent/ws"),
    hello: () => ({ type: "hello", token: state.token, available: $("available").checked }),
    onFrame,
    onState: setConnection
  });
  var http = api(() => state.token, { unauthorized: () => onError({ code: "unauthorized" }), failed: showError });
  function showError(text) {
    const toast = $("toast");
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => toast.hidden = true, 6e3);
  }
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
        body: JSON.stringify({ email: form.elements.email.value.trim(), password: form.elements.password.value })
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
      const said = body.error && body.error.message;
      if (said) return said.charAt(0).toUpperCase() + said.slice(1) + ".";
      const wait = parseInt(res.headers.get("Retry-After") || "", 10);
      return "Too many attempts; try again in " + (wait > 0 ? wait : 60) + " s.";
    }
    return body.error && body.error.message || "Sign-in failed (" + res.status + ").";
  }
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
  function sameAgent(a, b) {
    return !!b && a.id === b.id && a.role === b.role && a.reviewer === b.reviewer;
  }
  async function logout() {
    connection.disconnect();
    try {
      await fetch("/v1/auth/logout", {
        method: "POST",
        headers: { Authorization: "Bearer " + state.token },
        signal: AbortSignal.timeout(LOGOUT_TIMEOUT_MS)
      });
    } catch {
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
  function maySee(name) {
    return Object.hasOwn(VIEWS, name) && !!state.agent && VIEWS[name].allowed(state.agent);
  }
  var VIEWS = {
    insights: { allowed: (agent) => agent.role === "admin", build: insightsView },
    review: { allowed: (agent) => agent.role === "admin" || agent.reviewer === true, build: reviewView }
  };
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
  function setConnection(value) {
    const el = document.querySelector("[data-relais-console=connection]");
    el.className = "conn " + value;
    el.dataset.state = value;
    el.textContent = { connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…" }[value] || value;
  }
  function onFrame(frame2) {
    const handler = {
      welcome: onWelcome,
      queue: onQueue,
      conversation: onConversation,
      event: (f) => onEvent(f.conversation_id, f, true),
      ack: onAck,
      status: renderAvailable,
      flagged: onFlagged,
      delivery: onDelivery,
      error: onError
    }[frame2.type];
    if (handler) handler(frame2);
  }
  function onWelcome(frame2) {
    if (frame2.agent) {
      state.agent = frame2.agent;
      renderAgent();
    }
    renderAvailable(frame2);
    connection.flush();
  }
  function setAvailable(event) {
    const available = event.target.checked;
    localStorage.setItem(AVAILABLE_KEY, String(available));
    connection.send({ type: "status", available });
  }
  function renderAvailable(frame2) {
    if (typeof frame2.available !== "boolean") return;
    $("available").checked = frame2.available;
    $("available").dataset.state = frame2.available ? "available" : "away";
  }
  function onError(frame2) {
    if (frame2.code === "unauthorized") {
      sessionStorage.removeItem(SESSION_KEY);
      connection.disconnect();
      $("app").hidden = true;
      $("login").hidden = false;
      $("login-form").querySelector(".error").textContent = "Your session has ended. Please sign in again.";
      return;
    }
    showError(ERRORS[frame2.code] || frame2.message || "Error: " + frame2.code);
    if (state.flagging) {
      state.flagging = false;
      renderThread();
    }
  }
  function onQueue(frame2) {
    state.queue = Array.isArray(frame2.conversations) ? frame2.conversations : [];
    const total = typeof frame2.total === "number" ? frame2.total : state.queue.length;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
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
  function scheduleQueueMore() {
    if (state.queueTimer) return;
    state.queueTimer = setTimeout(() => {
      state.queueTimer = null;
      loadQueueMore();
    }, QUEUE_REFRESH_MS);
  }
  async function loadQueueMore() {
    const run = ++state.queueLoads;
    const offset = state.queue.length;
    if (!state.queueWanted || offset < QUEUE_PAGE) {
      state.queueMore = [];
      renderQueue();
      return;
    }
    const read = await http.range("/v1/conversations", { state: "queued" }, offset, state.queueWanted);
    if (!read || run !== state.queueLoads) return;
    const ids = new Set(state.queue.map((c) => c.conversation_id));
    state.queueMore = read.items.map(fromListed).filter((c) => !ids.has(c.conversation_id) && !conversations.get(c.conversation_id));
    renderQueue();
  }
  function fromListed(c) {
    return { conversation_id: c.id, waiting_since: c.queued_at, reason: c.escalation_reason, lang: c.language, channel: c.channel, preview: null };
  }
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
  function alertNewConversation() {
    if (!$("sound").checked || !state.audio) return;
    const ctx = state.audio;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(1e-3, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(1e-3, ctx.currentTime + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  }
  function unlockAudio() {
    if (state.audio || !window.AudioContext) return;
    state.audio = new AudioContext();
  }
  function onConversation(frame2) {
    leaveQueue(frame2.conversation_id);
    const conv = conversations.open(frame2.conversation_id);
    conv.context = frame2.context || {};
    conv.ended = false;
    for (const status of Array.isArray(frame2.deliveries) ? frame2.deliveries : []) conversations.delivered(status);
    for (const ev of Array.isArray(frame2.events) ? frame2.events : []) onEvent(conv.id, ev, false);
    renderMine();
    const claimed = state.claiming === conv.id;
    if (claimed) state.claiming = null;
    if (claimed || state.selected === conv.id || !conversations.get(state.selected)) select(conv.id);
  }
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
  function onDelivery(frame2) {
    const conv = conversations.delivered(frame2);
    if (conv && state.selected === conv.id) renderThread();
  }
  function onAck(frame2) {
    connection.acknowledge(frame2.client_id);
    const conv = conversations.acknowledge(frame2.conversation_id, frame2.client_id, frame2.seq);
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
  function dismiss() {
    conversations.byId.delete(state.selected);
    connection.dropMessages((frame2) => frame2.conversation_id === state.selected);
    const next = conversations.byId.keys().next();
    select(next.done ? null : next.value);
  }
  function renderThread() {
    const conv = conversations.get(state.selected);
    if (!conv) return;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    $("thread-title").textContent = "Conversation " + conv.id;
    const firstSaid = conv.events.findIndex((ev) => ev.kind === "message" && ev.from === "visitor");
    const channel = conv.context.channel;
    box.replaceChildren(...conv.events.map((ev, i) => withFlag(conv, ev, eventEl(ev, channel, conv.deliveries.get(ev.seq)), firstSaid >= 0 && i > firstSaid)).filter(Boolean));
    if (atBottom) box.scrollTop = box.scrollHeight;
    for (const id of ["hand-back", "close-conv", "reply", "note-mode", "resolution"]) $(id).disabled = conv.ended;
    $("composer").querySelector("button").disabled = conv.ended;
    $("dismiss").hidden = !conv.ended;
  }
  function withFlag(conv, ev, el, afterVisitor) {
    if (!el || !afterVisitor || ev.kind !== "message" || ev.from !== "bot" || !ev.seq || conv.ended) return el;
    const flagged = state.flagged.has(conv.id + ":" + ev.seq);
    const title = flagged ? "Sent to the review inbox" : "The bot got this wrong: send this turn to the review inbox";
    el.append(h("button", { type: "button", class: "flag", "data-relais-console": "flag", "data-state": flagged ? "flagged" : "ready", disabled: flagged, title }, flagged ? "Flagged" : "Flag"));
    return el;
  }
  function flagReply(event) {
    const button = event.target.closest("button.flag");
    const conv = conversations.get(state.selected);
    const seq = Number(button && button.closest("[data-seq]") && button.closest("[data-seq]").dataset.seq);
    if (!button || !conv || !seq) return;
    button.disabled = true;
    state.flagging = true;
    connection.send({ type: "flag", conversation_id: conv.id, seq });
  }
  function onFlagged(frame2) {
    state.flagging = false;
    state.flagged.add(frame2.conversation_id + ":" + frame2.seq);
    if (frame2.conversation_id === state.selected) renderThread();
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
    const frame2 = { type: "message", conversation_id: conv.id, client_id: newClientId("a-"), text };
    conversations.reply(conv, frame2, state.agent && state.agent.name);
    renderThread();
    connection.sendMessage(frame2);
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
  async function searchKnowledge(event) {
    event.preventDefault();
    const q = $("kb-query").value.trim();
    if (!q) return;
    const conv = conversations.get(state.selected);
    const lang = conv && conv.context && conv.context.lang || "en";
    const params = new URLSearchParams({ q, lang, k: "5" });
    const body = await http.json("/v1/knowledge/search?" + params);
    const hits = body && Array.isArray(body.hits) ? body.hits : [];
    $("kb-results").replaceChildren(...hits.length ? hits.map((hit) => hitItem(hit, () => insertPassage(hit))) : [h("li", { class: "muted" }, "Nothing found.")]);
  }
  function insertPassage(hit) {
    const reply = $("reply");
    const url = safeUrl(hit.url);
    const passage = String(hit.text || hit.snippet || "").trim() + (url ? "\n" + url : "");
    const start2 = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    reply.setRangeText(passage, start2, end, "end");
    reply.focus();
  }
  var callbacksLoads = 0;
  async function loadCallbacks() {
    if (!state.token) return;
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
    setInterval(tickWaits, 1e3);
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
