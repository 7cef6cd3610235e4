/**
 * The console's Insights view, for admins: the figures of docs/metrics.md over the
 * conversations started in a range of days (default the last 30), of one language and
 * channel if chosen. It reads, all admin-only:
 *   GET /v1/insights/summary      cards, the outcome split and the escalation reasons (charts)
 *   GET /v1/insights/timeseries   conversations per day by outcome (chart)
 *   GET /v1/insights/intents, /articles, /agents, /languages, /pages, /gaps   tables
 *   GET /v1/insights/help         the help centre: deflection, "Was this article helpful?" per article
 *   GET /v1/insights/channels     conversations per channel, contacts who switched channel
 * Each chart is generated SVG (charts.js) with a <table> of the same numbers beside it. Every
 * count is a button opening the conversations behind it (GET /v1/insights/conversations
 * ?figure=, with a breakdown row's filter: intent, article, agent, page, lang, day); a gap
 * lists its conversation ids; each conversation opens as a read-only transcript of every
 * event (GET /v1/conversations/{id}/events). "Download CSV" fetches
 * /v1/insights/conversations.csv with the token and saves it as a file.
 *
 * Sections load independently: one the server does not have (404) says "not available" and
 * the others still show. The newest load wins over slower earlier ones. Everything from the
 * server is set as text (h() and toSvg make text nodes); nothing here uses innerHTML.
 */
import { h } from "../shared/dom.js";
import { barChart, SERIES, seriesValue, timeSeriesChart, toSvg } from "./charts.js";
import { formatCount, formatDuration, formatHours, formatMoney, formatRate, formatScore, humanize, NONE } from "./format.js";
import { defaultRange, drillParams, frameParams, pageOf, windowOf, withQuery } from "./insights-query.js";
import { channelName, eventEl, formatTime } from "./view.js";

const DRILL_PAGE = 50;
const NOT_AVAILABLE = "Not available on this server yet.";

/** Outcome bars: each engaged conversation has exactly one of the first four. */
const OUTCOMES = [
  { key: "bot_resolved_confirmed", label: "bot, confirmed", cls: "s-bot" },
  { key: "bot_resolved_assumed", label: "bot, assumed", cls: "s-bot2" },
  { key: "escalated", label: "escalated", cls: "s-esc" },
  { key: "unresolved", label: "unresolved", cls: "s-unres" },
];

/** Field names of the transcript's events that are not worth repeating under each one. */
const EVENT_PLUMBING = ["type", "conversation_id", "seq", "at", "kind"];

/**
 * The view inside `root` (an empty element). `http` is api.js's client; `showError(text)`
 * shows a passing error. Call `open()` when the admin switches to it (the first time loads).
 */
export function insightsView(root, http, showError) {
  const state = { filters: null, run: 0, loaded: false, drill: null, drillRun: 0, transcriptRun: 0 };
  const initial = defaultRange();

  /* ---------- the skeleton ---------- */

  const from = h("input", { type: "date", id: "insights-from", value: initial.from, required: true, "data-relais-console": "insights-from" });
  const to = h("input", { type: "date", id: "insights-to", value: initial.to, required: true, "data-relais-console": "insights-to" });
  const lang = h("input", { type: "text", id: "insights-lang", list: "insights-langs", size: 6, placeholder: "all", pattern: "[A-Za-z-]{0,12}", "data-relais-console": "insights-lang" });
  const langs = h("datalist", { id: "insights-langs" });
  const channel = h(
    "select",
    { id: "insights-channel", "data-relais-console": "insights-channel" },
    h("option", { value: "" }, "All channels"),
    ...["widget", "sms", "whatsapp", "rest"].map((name) => h("option", { value: name }, channelName(name))),
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
    formError,
  );
  const caption = h("p", { class: "muted insights-caption", "data-relais-console": "insights-caption", "aria-live": "polite" });
  const simulated = h("p", { class: "simulated", role: "status", "data-relais-console": "insights-simulated", hidden: true });

  const sections = {};
  /** A section: its heading, a status line (loading, not available, error) and its body. */
  function section(key, title, intro) {
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
      section("summary", "Summary", "Of the conversations started in the range; every rate's denominator is the engaged conversations unless said. Click a number to see the conversations behind it."),
      section("timeseries", "Per day"),
      section("outcomes", "Outcomes of engaged conversations"),
      section("reasons", "Escalation reasons", "Each escalated conversation under its first reason."),
      section("gaps", "Knowledge gaps", "What visitors asked that the bot could not serve, grouped by topic."),
      section("intents", "Intents"),
      section("articles", "Articles"),
      section("agents", "Agents"),
      section("languages", "Languages"),
      section("pages", "Pages where chats start"),
      section("help", "Help centre", "Answers to “Was this article helpful?” and the contact form's deflection, by when they happened."),
      section("channels", "Channels", "Conversations started on each channel, and the contacts who came on two channels within 7 days."),
    ),
    drillBox,
    transcriptBox,
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
  // Chart marks carry data-figure (and data-day): a click opens those conversations.
  root.addEventListener("click", (e) => {
    const mark = e.target instanceof Element && e.target.closest("svg [data-figure]");
    if (!mark) return;
    const day = mark.getAttribute("data-day");
    openDrill({ figure: mark.getAttribute("data-figure"), filters: day ? { day } : {} });
  });

  /* ---------- loading ---------- */

  function readFilters() {
    const window = windowOf({ from: from.value, to: to.value });
    if (window.error) return { error: window.error };
    return { window, lang: lang.value.trim(), channel: channel.value, range: { from: from.value, to: to.value } };
  }

  /** Reads every section for the filters in the form. */
  async function load() {
    const filters = readFilters();
    formError.textContent = filters.error || "";
    if (filters.error) return;
    state.filters = filters;
    state.loaded = true;
    const run = ++state.run;
    root.dataset.state = "loading";
    root.dataset.window = filters.window.from + "/" + filters.window.to;
    caption.textContent =
      `Conversations started from ${filters.range.from} to ${filters.range.to} (UTC, both days included)` +
      (filters.lang ? `, language ${filters.lang}` : "") +
      (filters.channel ? `, channel ${filters.channel}` : "") +
      ".";
    closeDrill();
    const params = frameParams(filters);
    const read = (key, path, extra = {}) => {
      sections[key].status.textContent = "Loading…";
      return http.fetchJson(withQuery(path, { ...params, ...extra })).then((res) => (run === state.run ? res : null));
    };
    const jobs = [
      read("summary", "/v1/insights/summary").then((res) => res && showSummary(res)),
      read("timeseries", "/v1/insights/timeseries", { interval: "day" }).then((res) => res && showTimeseries(res)),
      ...BREAKDOWNS.map((b) => read(b.key, b.path).then((res) => res && showBreakdown(b, res))),
    ];
    await Promise.all(jobs);
    if (run === state.run) root.dataset.state = "ready";
  }

  /** The section's status for a failed read: "not available" for a 404, else the server's message. */
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

  /* ---------- summary ---------- */

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
          { label: "Conversations", num: true, value: (r) => (r.figure ? countButton(r.value, { figure: r.figure }) : formatCount(r.value)) },
          { label: "Of engaged", num: true, value: (r) => (r.figure ? formatRate(ratio(r.value, s.engaged)) : "") },
        ], outcomes),
      ),
    );
    loaded("outcomes", !num(s.conversations));

    const reasons = Object.entries(s.escalation_reasons || {})
      .filter(([, v]) => typeof v === "number")
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, value]) => ({ code, label: humanize(code), value, figure: "escalation_reasons." + code, cls: "s-esc" }));
    sections.reasons.body.replaceChildren(
      chartWithTable(
        barChart(reasons, { id: "chart-reasons", title: "Escalation reasons" }),
        table("reasons-table", "Escalation reasons", [
          { label: "Reason", value: (r) => h("span", { title: r.code }, r.label) },
          { label: "Conversations", num: true, value: (r) => countButton(r.value, { figure: r.figure }) },
          { label: "Of escalated", num: true, value: (r) => formatRate(ratio(r.value, s.escalated)) },
        ], reasons),
      ),
    );
    loaded("reasons", !reasons.length);
    return true;
  }

  function cards(s) {
    const c = (figure) => countButton(s[figure], { figure });
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
      card("savings", "Saved by self-service", figure("cost_saved", formatMoney(s.cost_saved, s.currency)), [c("contacts_saved"), " contacts saved, ", figure("agent_hours_saved", formatHours(s.agent_hours_saved)), " of agent time"]),
    ];
  }

  function card(key, title, main, sub) {
    return h("div", { class: "card-figure", "data-card": key }, h("div", { class: "card-title" }, title), h("div", { class: "card-main" }, main), h("div", { class: "card-sub" }, ...sub));
  }

  function figure(name, text) {
    return h("span", { class: "figure", "data-relais-console": "figure", "data-figure": name }, text);
  }

  /* ---------- per day ---------- */

  function showTimeseries(res) {
    const rows = res.ok ? listOf(res.body) : null;
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
            value: (r) => countButton(seriesValue(r, se.key), { figure: se.key, filters: { day: r.day } }),
          })),
          { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) },
        ], rows),
        { openTable: false, legend: SERIES },
      ),
    );
    loaded("timeseries", !rows.some((r) => num(r.conversations) > 0));
    return true;
  }

  /* ---------- breakdowns ---------- */

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
        { label: "Useful", num: true, value: (r) => formatRate(r.usefulness_rate) },
      ],
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
        { label: "Useful", num: true, value: (r) => formatRate(r.usefulness_rate) },
      ],
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
        { label: "CSAT", num: true, value: (r) => formatRate(r.csat) },
      ],
    },
    {
      key: "languages",
      path: "/v1/insights/languages",
      columns: [
        { label: "Language", value: (r) => (r.lang ? String(r.lang) : h("span", { class: "muted" }, "unknown")) },
        { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "conversations", filters: { lang: r.lang ?? "" } }) },
        { label: "Engaged", num: true, value: (r) => countButton(r.engaged, { figure: "engaged", filters: { lang: r.lang ?? "" } }) },
        { label: "Resolved by the bot", num: true, value: (r) => countButton(r.bot_resolved, { figure: "bot_resolved", filters: { lang: r.lang ?? "" } }) },
        { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { lang: r.lang ?? "" } }) },
        { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) },
      ],
      after: (rows) => langs.replaceChildren(...rows.filter((r) => r.lang).map((r) => h("option", { value: String(r.lang) }))),
    },
    {
      key: "pages",
      path: "/v1/insights/pages",
      columns: [
        { label: "Page", value: (r) => (r.page ? h("span", { class: "url" }, String(r.page)) : h("span", { class: "muted" }, "no page reported")) },
        { label: "Conversations", num: true, value: (r) => countButton(r.conversations, { figure: "conversations", filters: { page: r.page ?? "" } }) },
        { label: "Engaged", num: true, value: (r) => countButton(r.engaged, { figure: "engaged", filters: { page: r.page ?? "" } }) },
        { label: "Escalated", num: true, value: (r) => countButton(r.escalated, { figure: "escalated", filters: { page: r.page ?? "" } }) },
        { label: "Containment", num: true, value: (r) => formatRate(r.containment_rate) },
      ],
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
        { label: "Comments", value: (r) => commentsList(r.comments) },
      ],
    },
    {
      key: "channels",
      path: "/v1/insights/channels",
      rows: (body) => body && body.channels,
      before: (body) => switchesEl(body),
      columns: [
        { label: "Channel", value: (r) => channelName(r.channel) },
        { label: "Conversations", num: true, value: (r) => formatCount(r.conversations) },
      ],
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
          },
        },
        { label: "Languages", value: (r) => counts(r.languages) },
        { label: "Why", value: (r) => counts(r.reasons, humanize) },
        { label: "Samples", value: (r) => samplesList(r.samples) },
        {
          label: "Nearest article",
          value: (r) => (r.nearest_article ? h("span", {}, String(r.nearest_article.title || r.nearest_article.id || ""), h("span", { class: "muted" }, " (" + formatScore(r.nearest_article.score) + ")")) : h("span", { class: "muted" }, "none")),
        },
      ],
    },
  ];

  function showBreakdown(b, res) {
    const rows = res.ok ? listOf(b.rows ? b.rows(res.body) : res.body) : null;
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
      ` deflected (${formatCount(d.deflected)} visits opened a suggested article and sent no form; ${formatCount(d.forms_sent)} sent the form; ${formatCount(d.suggestions_opened)} opened a suggestion).`,
    );
  }

  function switchesEl(body) {
    if (!body) return "";
    return h(
      "p",
      { "data-relais-console": "insights-switches" },
      "Channel switches: ",
      h("strong", {}, formatRate(body.switch_rate)),
      ` of ${formatCount(body.contacts)} known contacts (${formatCount(body.switching_contacts)} came on two channels within 7 days).`,
    );
  }

  function commentsList(comments) {
    if (!Array.isArray(comments) || !comments.length) return "";
    return h("ul", { class: "samples" }, ...comments.map((c) => h("li", {}, (c && c.helpful ? "👍 " : "👎 ") + "“" + String((c && c.text) || "") + "”")));
  }

  function samplesList(samples) {
    if (!Array.isArray(samples) || !samples.length) return "";
    return h(
      "ul",
      { class: "samples" },
      ...samples.map((s) => {
        const open = s && s.conversation_id ? openButton(String(s.conversation_id), "open") : null;
        return h("li", {}, "“" + String((s && s.text) || "") + "”", s && s.lang ? h("span", { class: "tag" }, String(s.lang)) : null, open ? " " : null, open);
      }),
    );
  }

  /* ---------- building blocks ---------- */

  /**
   * A count that opens the conversations behind it; "—" for no number. A row whose key is
   * null (an agent without a name) cannot be asked for: its count is plain text. The
   * button's accessible name says what it counts, not just the number.
   */
  function countButton(value, drill) {
    if (typeof value !== "number") return NONE;
    if (Object.values(drill.filters || {}).some((v) => v === null || v === undefined)) return formatCount(value);
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

  /** A chart, its legend if any, and its table (in <details>, open unless `openTable` is false). */
  function chartWithTable(tree, tableEl, { openTable = true, legend = null } = {}) {
    return h(
      "div",
      { class: "chart-pair" },
      h("div", { class: "chart-box" }, toSvg(tree)),
      legend ? h("ul", { class: "legend", "aria-hidden": "true" }, ...legend.map((l) => h("li", {}, h("span", { class: "swatch " + l.cls }), l.label))) : null,
      h("details", { class: "chart-table", open: openTable }, h("summary", {}, "Table"), tableEl),
    );
  }

  function table(hook, caption, columns, rows) {
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data", "data-relais-console": hook },
        caption ? h("caption", { class: "visually-hidden" }, caption) : null,
        h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
        h(
          "tbody",
          {},
          ...rows.map((r) =>
            h("tr", {}, ...columns.map((c, i) => h(i ? "td" : "th", { scope: i ? null : "row", class: c.num ? "num" : null }, cell(c.value(r))))),
          ),
        ),
      ),
    );
  }

  /* ---------- the conversations behind a count ---------- */

  function openDrill(drill) {
    if (!state.filters) return;
    state.drill = { ...drill, offset: 0, items: [], total: null };
    closeTranscript();
    drillBox.hidden = false;
    renderDrill("Loading…");
    drillBox.focus({ preventScroll: true });
    drillBox.scrollIntoView({ block: "start" });
    if (drill.ids) {
      state.drill.items = drill.ids.map((id) => ({ id }));
      state.drill.total = drill.ids.length;
      renderDrill("");
      return;
    }
    readDrillPage();
  }

  async function readDrillPage() {
    const drill = state.drill;
    const run = ++state.drillRun;
    const res = await http.fetchJson(withQuery("/v1/insights/conversations", drillParams(state.filters, drill, drill.offset, DRILL_PAGE)));
    if (run !== state.drillRun || drill !== state.drill) return;
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
    const drill = state.drill;
    const title = drillTitle(drill);
    const close = h("button", { type: "button", class: "small", "data-relais-console": "drill-close" }, "Close");
    close.addEventListener("click", closeDrill);
    const count = drill.total !== null && drill.total !== undefined ? `${formatCount(drill.total)} conversation${drill.total === 1 ? "" : "s"}` : `${formatCount(drill.items.length)} shown`;
    const more = h("button", { type: "button", class: "small", "data-relais-console": "drill-more", hidden: !drill.more }, "Show more");
    more.addEventListener("click", () => {
      more.disabled = true;
      readDrillPage();
    });
    drillBox.replaceChildren(
      h("div", { class: "drill-head" }, h("h2", { id: "insights-drill-title", "data-relais-console": "drill-title" }, title), h("span", { class: "muted", "data-relais-console": "drill-count" }, status ? "" : count), h("span", { class: "spacer" }), close),
      status ? h("p", { class: "muted", role: "status", "data-relais-console": "drill-status" }, status) : null,
      drill.items.length ? drillTable(drill) : !status ? h("p", { class: "muted" }, "No conversations.") : null,
      more,
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
        { label: "Intents", value: (f) => (Array.isArray(f.intents) ? f.intents.join(", ") : "") },
        { label: "First page", value: (f) => h("span", { class: "url" }, String(f.first_page ?? "")) },
        { label: "", value: (f) => openButton(String(f.id)) },
      ],
      drill.items,
    );
  }

  function drillTitle(drill) {
    if (drill.label) return drill.label;
    const name = humanize(drill.figure).replace(/^escalation reasons /, "escalated for ");
    const extra = filterText(drill.filters);
    return name.charAt(0).toUpperCase() + name.slice(1) + (extra ? " · " + extra : "");
  }

  function closeDrill() {
    state.drill = null;
    state.drillRun++;
    drillBox.hidden = true;
    drillBox.replaceChildren();
    closeTranscript();
  }

  /* ---------- a read-only transcript ---------- */

  async function openTranscript(id) {
    const run = ++state.transcriptRun;
    transcriptBox.hidden = false;
    const close = h("button", { type: "button", class: "small", "data-relais-console": "transcript-close" }, "Close");
    close.addEventListener("click", closeTranscript);
    const head = h("div", { class: "drill-head" }, h("h2", { id: "insights-transcript-title", "data-relais-console": "transcript-title" }, "Conversation " + id), h("span", { class: "muted" }, "read only"), h("span", { class: "spacer" }), close);
    transcriptBox.replaceChildren(head, h("p", { class: "muted", role: "status" }, "Loading…"));
    transcriptBox.focus({ preventScroll: true });
    transcriptBox.scrollIntoView({ block: "start" });
    const res = await http.fetchJson("/v1/conversations/" + encodeURIComponent(id) + "/events");
    if (run !== state.transcriptRun) return;
    const events = res.ok ? listOf(res.body) : null;
    if (!events) {
      transcriptBox.replaceChildren(head, h("p", { class: "error", role: "alert", "data-relais-console": "transcript-error" }, res.ok ? "This answer is not what this console expects." : res.status === 404 ? "No such conversation." : res.message));
      return;
    }
    transcriptBox.dataset.conversationId = id;
    transcriptBox.replaceChildren(head, h("div", { class: "messages transcript-log", role: "log", "data-relais-console": "transcript-events" }, ...events.map(transcriptEvent)));
  }

  function closeTranscript() {
    state.transcriptRun++;
    transcriptBox.hidden = true;
    transcriptBox.replaceChildren();
  }

  /* ---------- CSV ---------- */

  async function downloadCsv() {
    const filters = readFilters();
    formError.textContent = filters.error || "";
    if (filters.error) return;
    const res = await http.download(withQuery("/v1/insights/conversations.csv", frameParams(filters)));
    if (!res.ok) {
      showError(res.status === 404 ? "The CSV export is not available on this server." : res.message);
      return;
    }
    const url = URL.createObjectURL(res.blob);
    const a = h("a", { href: url, download: `relais-conversations-${filters.range.from}-to-${filters.range.to}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  return {
    /** Shows the view; the first time, loads the default range. */
    open() {
      if (!state.loaded) load();
    },
  };
}

/**
 * One event of a transcript: messages, notes, handoffs, closes and ratings as in the thread
 * (view.js); every other kind as a line with its fields, as text.
 */
export function transcriptEvent(ev) {
  const known = eventEl(ev || {});
  if (known) return known;
  const fields = Object.entries(ev || {})
    .filter(([k]) => !EVENT_PLUMBING.includes(k))
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
  return h("div", { class: "notice event-other", "data-relais-console": "event", "data-kind": String((ev && ev.kind) || "") }, humanize((ev && ev.kind) || "event") + (fields ? " — " + fields : ""), ev && ev.at ? h("span", { class: "muted" }, " · " + formatTime(ev.at)) : null);
}

function cell(v) {
  if (v === null || v === undefined) return "";
  return typeof v === "string" || v instanceof Node ? v : String(v);
}

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function ratio(part, whole) {
  return typeof whole === "number" && whole > 0 ? part / whole : null;
}

/** A list answer: the server's bare array; null otherwise. */
function listOf(body) {
  return Array.isArray(body) ? body : null;
}

/** A map of counts as "en 3, fr 1" (keys through `name`). */
function counts(map, name = String) {
  return Object.entries(map && typeof map === "object" ? map : {})
    .map(([k, v]) => `${name(k)} ${v}`)
    .join(", ");
}

/** A drill-down's row filters in words: `intent order_status`, `no page`. */
function filterText(filters) {
  return Object.entries(filters || {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => (v !== "" ? `${k} ${v}` : k === "article" ? "article without URL" : `no ${k}`))
    .join(", ");
}
