/**
 * The console's Review view, for admins and reviewers: the bot's turns to review, newest first
 * (GET /v1/review, docs/review.md), filtered by kind, each with the visitor's message, its
 * language, the classifier's three best intents with their probabilities, what the bot did
 * and the article it showed, whether an agent flagged it and a visitor rated it. A reviewer
 * labels the selected turn (POST /v1/review/{turn_id}/label) with one of its suggested
 * intents, another intent found by typing its name or title, "out of scope", "needs an
 * article" or "confirm"; a label can be changed, and the conversation is never altered.
 *
 * Keyboard first: j / k (or ↓ / ↑) move, 1–3 label with the suggested intents, o out of
 * scope, a needs an article, c confirm (the classifier's reading was right), / searches the
 * intents.
 *
 * Above the list, the threshold advisor (GET /v1/advisor, docs/advisor.md): for a target
 * share of wrong answers, the recommended threshold with what it is expected to give, the
 * curve with the threshold in force and the recommended one marked (a table of the same
 * numbers beside it) and, apart, what the 👍 on unlabelled answers would give. For admins,
 * "Apply" (POST /v1/advisor/apply) exports the labels as training examples, writes the
 * thresholds and reloads (which retrains), "Reload" (POST /v1/admin/reload) retrains from
 * the intent files; the reload's progress shows until it ends (GET /v1/admin/reload).
 * Everything from the server
 * is set as text (h() makes text nodes).
 */
import { h } from "../shared/dom.js";
import { curveChart, toSvg } from "./charts.js";
import { formatTime } from "./view.js";

/** How often the reload status is read while one runs. */
const RELOAD_POLL_MS = 500;

const KINDS = [
  ["", "Every turn"],
  ["low_confidence", "Low confidence"],
  ["ambiguous", "Ambiguous"],
  ["out_of_scope", "Out of scope"],
  ["no_article", "No answer found"],
  ["rated_unhelpful", "Rated 👎"],
  ["escalated", "Escalated"],
  ["flagged", "Flagged by an agent"],
];

/** The labels that are not intents, with their key and how they read. */
const OTHER = [
  { label: "oos", key: "o", text: "Out of scope" },
  { label: "needs_article", key: "a", text: "Needs an article" },
  { label: "confirm", key: "c", text: "Confirm" },
];

/**
 * The view inside `root` (an empty element). `http` is api.js's client; `showError(text)`
 * shows a passing error; `admin`: whether to offer Apply and Reload. Call `open()` when
 * the reviewer switches to it (the first time loads).
 */
export function reviewView(root, http, showError, { admin = false } = {}) {
  const state = { turns: [], selected: 0, cursor: null, intents: [], run: 0, loaded: false };

  const kind = h("select", { id: "review-kind", "data-relais-console": "review-kind" }, ...KINDS.map(([value, text]) => h("option", { value }, text)));
  const status = h("p", { class: "muted", role: "status", "data-relais-console": "review-status" });
  const list = h("ol", { class: "review-list", "data-relais-console": "review-list", "aria-label": "Turns to review" });
  const more = h("button", { type: "button", hidden: true, "data-relais-console": "review-more" }, "Show more");
  const detail = h("section", { class: "review-detail", "data-relais-console": "review-detail", "aria-live": "polite" });
  const search = h("input", { type: "search", id: "review-search", list: "review-intents", placeholder: "Another intent…", autocomplete: "off", "aria-label": "Label with another intent", "data-relais-console": "review-search" });
  const intents = h("datalist", { id: "review-intents" });
  const searchForm = h("form", { class: "review-search" }, search, intents, h("button", { type: "submit" }, "Label"));

  const advisor = advisorPanel(http, showError, admin);

  root.replaceChildren(
    advisor.el,
    h(
      "header",
      { class: "review-head" },
      h("h1", {}, "Review"),
      h("label", { for: "review-kind" }, "Show"),
      kind,
      h("p", { class: "muted keys" }, "j/k move · 1–3 suggested intent · o out of scope · a needs an article · c confirm · / another intent"),
    ),
    status,
    h("div", { class: "review-body" }, h("div", { class: "review-column" }, list, more), h("div", { class: "review-column" }, detail, searchForm)),
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
    const run = ++state.run;
    const params = new URLSearchParams();
    if (kind.value) params.set("kind", kind.value);
    if (append && state.cursor) params.set("cursor", state.cursor);
    status.textContent = "Loading…";
    const res = await http.fetchJson("/v1/review" + (params.toString() ? "?" + params : ""));
    if (run !== state.run) return;
    if (!res.ok) {
      status.textContent = res.message;
      return;
    }
    const turns = Array.isArray(res.body && res.body.turns) ? res.body.turns : [];
    state.turns = append ? state.turns.concat(turns) : turns;
    state.cursor = (res.body && res.body.next_cursor) || null;
    if (!append) state.selected = 0;
    if (Array.isArray(res.body.intents)) {
      state.intents = res.body.intents.filter((i) => i && typeof i.name === "string").map((i) => ({ name: i.name, title: typeof i.title === "string" ? i.title : null }));
      intents.replaceChildren(...state.intents.map((i) => h("option", { value: i.name, label: i.title })));
    }
    more.hidden = !state.cursor;
    status.textContent = state.turns.length ? `${state.turns.length} turn${state.turns.length === 1 ? "" : "s"} shown, newest first.` : "No turns to review.";
    root.dataset.state = "ready";
    render();
  }

  /** The intent typed in the search: by its name or its title (any case); else the text as typed, which the server checks. */
  function intentNamed(typed) {
    const text = typed.trim();
    const lower = text.toLowerCase();
    const found = state.intents.find((i) => i.name.toLowerCase() === lower || (i.title && i.title.toLowerCase() === lower));
    return found ? found.name : text;
  }

  function render() {
    list.replaceChildren(...state.turns.map((turn, i) => item(turn, i)));
    const turn = state.turns[state.selected];
    detail.replaceChildren(...(turn ? detailOf(turn).filter(Boolean) : [h("p", { class: "muted" }, "Nothing selected.")]));
  }

  function item(turn, i) {
    const li = h(
      "li",
      { "data-relais-console": "review-item", "data-turn-id": String(turn.id), "aria-current": i === state.selected ? "true" : null, class: i === state.selected ? "selected" : null },
      h("span", { class: "text" }, String(turn.text ?? "")),
      turn.lang ? h("span", { class: "tag" }, String(turn.lang)) : null,
      turn.flagged ? h("span", { class: "tag flagged", "data-relais-console": "review-item-flagged", title: "Flagged by an agent" }, "⚑") : null,
      turn.rated_helpful ? h("span", { class: "tag", title: "Rated 👍" }, "👍") : turn.rated_unhelpful ? h("span", { class: "tag", title: "Rated 👎" }, "👎") : null,
      turn.label ? h("span", { class: "tag label", "data-relais-console": "review-item-label" }, String(turn.label.label)) : null,
    );
    li.addEventListener("click", () => select(i));
    return li;
  }

  function detailOf(turn) {
    const p = turn.prediction || {};
    const ranking = Array.isArray(p.ranking) && p.ranking.length ? p.ranking : [{ intent: p.intent, confidence: p.confidence }];
    const suggested = ranking.slice(0, 3).map((score, i) =>
      button(`${i + 1} · ${score.intent} ${percent(score.confidence)}`, () => label(String(score.intent)), { "data-relais-console": "review-suggest", "data-intent": String(score.intent), "aria-keyshortcuts": String(i + 1) }),
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
      h("p", { "data-relais-console": "review-label" }, turn.label ? `Labelled ${turn.label.label} by ${turn.label.by}, ${formatTime(turn.label.at)}.` : "Not labelled yet."),
    ];
  }

  /** "Confirm" says what it confirms: the classifier's reading, not what the bot did. */
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

  function select(i) {
    if (!state.turns.length) return;
    state.selected = Math.max(0, Math.min(state.turns.length - 1, i));
    render();
    list.children[state.selected]?.scrollIntoView({ block: "nearest" });
  }

  /** Labels the selected turn; true when the server took it. The answer replaces that turn's row, wherever it is by then. */
  async function label(name) {
    const turn = state.turns[state.selected];
    if (!turn) return false;
    const res = await http.postJson(`/v1/review/${encodeURIComponent(turn.id)}/label`, { label: name });
    if (!res.ok) {
      showError(res.message);
      return false;
    }
    const at = state.turns.findIndex((t) => t.id === turn.id);
    if (at >= 0) state.turns[at] = res.body;
    render();
    return true;
  }

  function onKey(e) {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
    const turn = state.turns[state.selected];
    const key = e.key;
    if (key === "j" || key === "ArrowDown") select(state.selected + 1);
    else if (key === "k" || key === "ArrowUp") select(state.selected - 1);
    else if (key === "/") search.focus();
    else if (turn && /^[1-3]$/.test(key)) {
      const ranking = (turn.prediction && turn.prediction.ranking) || [];
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
      if (!state.loaded) {
        state.loaded = true;
        load(false);
      }
    },
  };
}

function percent(confidence) {
  return typeof confidence === "number" ? Math.round(confidence * 100) + " %" : "";
}

/** The threshold advisor's panel: ask and see; for admins, apply and reload. */
function advisorPanel(http, showError, admin) {
  const target = h("input", { type: "number", id: "advisor-target", min: "0", max: "99", step: "0.5", value: "5", size: 4, "data-relais-console": "advisor-target" });
  const summary = h("div", { "data-relais-console": "advisor-summary", "aria-live": "polite" });
  const reloadStatus = h("p", { class: "muted", role: "status", "data-relais-console": "advisor-reload" });
  const show = h("button", { type: "submit", "data-relais-console": "advisor-show" }, "Show");
  const apply = h("button", { type: "button", "data-relais-console": "advisor-apply" }, "Apply");
  const reload = h("button", { type: "button", "data-relais-console": "advisor-reload-button" }, "Reload");
  const form = h("form", {}, h("label", { for: "advisor-target" }, "Target wrong answers (%)"), target, show, admin ? apply : null, admin ? reload : null);
  const el = h("details", { class: "review-advisor", "data-relais-console": "advisor" }, h("summary", {}, "Threshold advisor"), form, summary, reloadStatus);

  const targetError = () => Math.min(0.99, Math.max(0, Number(target.value) / 100 || 0));
  const percent = (r) => (typeof r === "number" ? (Math.round(r * 1000) / 10).toFixed(1) + " %" : "—");

  async function ask() {
    const res = await http.fetchJson("/v1/advisor?target_error=" + targetError());
    if (!res.ok) {
      summary.replaceChildren(h("p", { class: "error" }, res.message));
      return;
    }
    render(res.body);
  }

  function render(a) {
    const lines = [h("p", {}, `${a.labelled_turns} reviewed turns; in force: ${a.current_threshold} (${percent(a.current && a.current.wrong_rate)} wrong, ${percent(a.current && a.current.answered_rate)} answered).`)];
    if (typeof a.expected_wrong_rate !== "number") {
      lines.push(h("p", { "data-relais-console": "advisor-recommendation" }, "Too few reviewed turns to recommend a threshold: label more below."));
    } else {
      const interval = Array.isArray(a.wrong_rate_interval) ? ` (95 % interval ${percent(a.wrong_rate_interval[0])} – ${percent(a.wrong_rate_interval[1])})` : "";
      lines.push(
        h(
          "p",
          { "data-relais-console": "advisor-recommendation" },
          `${a.reachable ? "Recommended" : "The target cannot be reached; the closest safe value"}: ${a.threshold} — ${percent(a.expected_wrong_rate)} wrong${interval}, ${percent(a.expected_answered_rate)} answered.`,
        ),
      );
    }
    const rated = a.rated_helpful;
    if (rated && rated.turns > 0 && rated.recommendation) {
      const r = rated.recommendation;
      lines.push(h("p", { class: "muted", "data-relais-console": "advisor-rated" }, `Kept apart: ${rated.turns} unlabelled answers rated 👍. Counted as confirmed, they would give ${r.threshold} (${percent(r.expected_wrong_rate)} wrong).`));
    }
    const points = Array.isArray(a.curve) ? a.curve : [];
    const shown = points.filter((p, i) => i % 5 === 0);
    const row = (p) =>
      h(
        "tr",
        { class: p.threshold === a.current_threshold ? "current" : p.threshold === a.threshold ? "recommended" : null },
        h("th", { scope: "row" }, String(p.threshold)),
        h("td", {}, percent(p.answered_rate)),
        h("td", {}, percent(p.wrong_rate)),
        h("td", {}, String(p.not_answered)),
        h("td", {}, String(p.escalations)),
      );
    const table = h(
      "table",
      { "data-relais-console": "advisor-table" },
      h("caption", { class: "visually-hidden" }, "The replay every 0.05"),
      h("thead", {}, h("tr", {}, ...["Threshold", "Answered", "Wrong", "Not answered", "Escalations"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...shown.map(row)),
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
      const res = await http.fetchJson("/v1/admin/reload");
      s = res.ok ? res.body : null;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ask();
  });
  apply.addEventListener("click", async () => {
    const res = await http.postJson("/v1/advisor/apply", { target_error: targetError() });
    if (!res.ok) {
      showError(res.message);
      reloadStatus.textContent = res.message;
      reloadStatus.dataset.state = "refused";
      return;
    }
    render(res.body.advice);
    summary.prepend(applied(res.body));
    follow(res.body.reload);
  });
  /** What Apply did: the thresholds written, the examples exported per language. */
  function applied(body) {
    const lines = [body.written ? "Thresholds written to " + String(body.written) + "." : "No threshold written: too few reviewed turns."];
    for (const l of (body.export && Array.isArray(body.export.languages) ? body.export.languages : [])) {
      lines.push(`${String(l.lang)}: ${Number(l.examples)} examples exported` + (l.left_out && l.left_out.length ? `, ${l.left_out.length} left out (${l.left_out.map(String).join("; ")})` : "") + ".");
    }
    return h("div", { "data-relais-console": "advisor-applied" }, ...lines.map((line) => h("p", {}, line)));
  }

  reload.addEventListener("click", async () => {
    const res = await http.postJson("/v1/admin/reload", {});
    if (!res.ok) {
      showError(res.message);
      return;
    }
    follow(res.body);
  });
  el.addEventListener("toggle", () => el.open && ask());
  return { el };
}
