/**
 * Browser tests of the console's Insights view (admins only): real conversations made in the
 * widget (one escalated, with markup in a visitor message) show in the figures, which match
 * GET /v1/insights/summary; a range with no conversations shows none; a count opens the
 * conversations behind it, and one of them its read-only transcript, where the markup is
 * text; the CSV downloads; an agent who is not an admin has no Insights.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";

import { ADMIN, BASE, chook, eventually, launch, loginConsole, newPage, openWidget, say, screenshot, widget } from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const PAYLOAD = "<img src=x onerror=window.__xss=1> where is my <b>order</b>?";

/** The id of the widget's conversation, from its local storage (not the browser id's entry). */
function conversationId(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("relais:") && !k.endsWith(":browser"));
    return JSON.parse(localStorage.getItem(key)).conv.id;
  });
}

/** GET `path` over HTTP as the admin (a session of its own). */
async function adminGet(path) {
  if (!adminGet.token) {
    const res = await fetch(BASE + "/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    assert.equal(res.status, 200, "the admin signs in");
    adminGet.token = (await res.json()).token;
  }
  const res = await fetch(BASE + path, { headers: { Authorization: "Bearer " + adminGet.token } });
  assert.equal(res.status, 200, path);
  return res.json();
}

/** The summary of the last 30 days (the view's default range) over HTTP. */
function summaryNow() {
  const day = 86400000;
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(today) - 29 * day).toISOString().slice(0, 10);
  const to = new Date(Date.parse(today) + day).toISOString().slice(0, 10);
  return adminGet(`/v1/insights/summary?from=${from}T00:00:00Z&to=${to}T00:00:00Z`);
}

/** Waits until the Insights view finished loading the window `[from, to)` (or any). */
async function loaded(page) {
  await page.locator(`${chook("insights")}[data-state="ready"]`).waitFor();
}

/**
 * The "Open" button of conversation `id` in the drill-down list, after "Show more" as often
 * as needed: the list is ordered by start, and the other test files' conversations of today
 * come before ours.
 */
async function inDrill(page, id) {
  const drill = page.locator(chook("drill"));
  const open = drill.locator(`${chook("drill-open")}[data-conversation-id="${id}"]`);
  await drill.locator(chook("drill-list")).waitFor();
  for (let i = 0; i < 20 && !(await open.count()); i++) {
    const rows = await drill.locator(`${chook("drill-list")} tbody tr`).count();
    await drill.locator(chook("drill-more")).click();
    await eventually(async () => assert.ok((await drill.locator(`${chook("drill-list")} tbody tr`).count()) > rows, "Show more adds rows"));
  }
  await open.waitFor();
  return open;
}

/** The summary card's count button of `figure`. */
function count(page, figure) {
  return page.locator(`${chook("insights-summary")} ${chook("drill")}[data-figure="${figure}"]`).first();
}

function shown(page, figure) {
  return page.locator(`${chook("insights-summary")} ${chook("figure")}[data-figure="${figure}"]`);
}

test("an admin's Insights: figures of real conversations, another range, drill-down to a transcript shown as text, CSV", async () => {
  const before = await summaryNow();

  // Two visitors: one asks a question the bot answers, one writes markup then asks for a person.
  const answered = await newPage(browser);
  await answered.page.goto(BASE + "/products.html");
  await openWidget(answered.page);
  await say(answered.page, "how do I assemble the Atlas bookshelf");
  const answeredId = await conversationId(answered.page);
  const escalated = await newPage(browser);
  await escalated.page.goto(BASE + "/help.html");
  const w = await openWidget(escalated.page);
  await say(escalated.page, PAYLOAD);
  await say(escalated.page, "I want to talk to a human");
  await eventually(async () => assert.ok((await w.notice("queued").count()) + (await w.notice("no_agent_available").count()) > 0, "escalated"));
  const id = await conversationId(escalated.page);
  const after = await summaryNow();
  assert.equal(after.conversations, before.conversations + 2, "two more conversations");
  assert.equal(after.escalated, before.escalated + 1, "one more escalated");

  // The admin opens Insights: the cards show the server's figures.
  const admin = await loginConsole(browser, ADMIN);
  const { page } = admin;
  const tab = page.locator(chook("insights-tab"));
  await tab.waitFor({ state: "visible" });
  await tab.click();
  await loaded(page);
  assert.equal(await page.locator(chook("conversation")).isVisible(), false, "the conversation panes give way");
  const s = await summaryNow();
  assert.equal(s.conversations, after.conversations, "nothing else started meanwhile");
  const fmt = (n) => n.toLocaleString("en-US");
  assert.equal(await count(page, "conversations").textContent(), fmt(s.conversations));
  assert.equal(await count(page, "engaged").textContent(), fmt(s.engaged));
  assert.equal(await count(page, "escalated").textContent(), fmt(s.escalated));
  assert.equal(await count(page, "bot_resolved").textContent(), fmt(s.bot_resolved));
  assert.equal(await count(page, "unresolved").textContent(), fmt(s.unresolved));
  const pct = (r) => (r === null ? "—" : (Number.isInteger(Math.round(r * 1000) / 10) ? String(Math.round(r * 1000) / 10) : (Math.round(r * 1000) / 10).toFixed(1)) + " %");
  assert.equal(await shown(page, "containment_rate").textContent(), pct(s.containment_rate));
  assert.equal(await shown(page, "escalation_rate").textContent(), pct(s.escalation_rate));
  assert.equal(await page.locator(chook("insights-simulated")).isVisible(), false, "no simulated conversations here");
  // The escalation reasons: a chart (SVG, titled) and a table with the same numbers.
  const reasons = page.locator(chook("insights-reasons"));
  assert.equal(await reasons.locator("svg[role=img] title").first().textContent(), "Escalation reasons");
  for (const [reason, n] of Object.entries(s.escalation_reasons)) {
    assert.equal(await reasons.locator(`${chook("drill")}[data-figure="escalation_reasons.${reason}"]`).textContent(), fmt(n), reason);
  }
  // Every section shows its figures (or that there are none in the range).
  for (const key of ["summary", "timeseries", "outcomes", "reasons", "intents", "agents", "articles", "languages", "pages", "gaps", "channels"]) {
    const status = page.locator(chook(`insights-status-${key}`));
    assert.match(await status.getAttribute("data-state"), /^(ready|empty)$/, `${key}: ${await status.textContent()}`);
  }
  // The day's row and chart column: today's conversations, as the server counts them.
  const today = new Date().toISOString().slice(0, 10);
  const days = await adminGet(`/v1/insights/timeseries?from=${encodeURIComponent(s.from)}&to=${encodeURIComponent(s.to)}&interval=day`);
  const todayRow = days.find((d) => d.day === today);
  const dayButton = page.locator(`${chook("timeseries-table")} ${chook("drill")}[data-figure="conversations"][data-filters="day ${today}"]`);
  assert.equal(await dayButton.textContent(), fmt(todayRow.conversations));
  assert.equal(await dayButton.getAttribute("aria-label"), `${fmt(todayRow.conversations)} conversations · day ${today}: show these conversations`, "its name says what it counts");
  assert.equal(await page.locator(`${chook("insights-timeseries")} svg rect[data-day="${today}"]`).count() > 0, true);
  const intents = await adminGet(`/v1/insights/intents?from=${encodeURIComponent(s.from)}&to=${encodeURIComponent(s.to)}`);
  assert.ok(intents.length > 0, "the bot answered intents");
  assert.equal(await page.locator(`${chook("intents-table")} tbody tr`).count(), intents.length, "one row per intent");
  await screenshot(page, "insights.png");

  // A breakdown row opens its own conversations: the article the bot cited for the bookshelf.
  const article = page.locator(`${chook("articles-table")} tbody tr`).filter({ hasText: /Atlas/ }).first();
  await article.locator(`${chook("drill")}[data-figure="engaged"]`).click();
  await page.locator(chook("drill-title")).filter({ hasText: /^Engaged · article / }).waitFor();
  await inDrill(page, answeredId);
  assert.equal(await page.locator(`${chook("drill")} ${chook("drill-open")}[data-conversation-id="${id}"]`).count(), 0, "the escalated visitor saw no article");

  // A window with no conversations: every count is 0, every rate "—".
  await page.locator(chook("insights-from")).fill("2020-01-01");
  await page.locator(chook("insights-to")).fill("2020-01-31");
  await page.locator(chook("insights-apply")).click();
  await eventually(async () => assert.equal(await count(page, "conversations").textContent(), "0"));
  await loaded(page);
  assert.equal(await count(page, "escalated").textContent(), "0");
  assert.equal(await shown(page, "containment_rate").textContent(), "—");
  assert.match(await page.locator(chook("insights-caption")).textContent(), /2020-01-01 to 2020-01-31/);
  assert.equal(await page.locator(`${chook("insights-reasons")} ${chook("drill")}`).count(), 0, "no reasons");

  // A bad range is refused before asking the server.
  await page.locator(chook("insights-from")).fill("2020-02-01");
  await page.locator(chook("insights-apply")).click();
  assert.match(await page.locator(chook("insights-form-error")).textContent(), /after/);

  // Back to the last 30 days; the escalated count opens the conversations behind it.
  await page.locator(chook("insights-last30")).click();
  await eventually(async () => assert.equal(await count(page, "conversations").textContent(), fmt(s.conversations)));
  await loaded(page);
  await count(page, "escalated").click();
  const drill = page.locator(chook("drill"));
  await drill.locator(chook("drill-title")).filter({ hasText: /^Escalated$/ }).waitFor();
  await eventually(async () => assert.match(await drill.locator(chook("drill-count")).textContent(), new RegExp(`^${fmt(s.escalated)} conversations?$`)));
  await (await inDrill(page, id)).click();

  // Its transcript, read only: every event, the visitor's markup as text.
  const transcript = page.locator(chook("transcript"));
  await transcript.locator(chook("transcript-title")).filter({ hasText: id }).waitFor();
  const mine = transcript.locator(`${chook("message")}[data-from="visitor"] ${chook("text")}`);
  await eventually(async () => assert.ok((await mine.count()) >= 2));
  assert.deepEqual((await mine.allTextContents()).slice(0, 2), [PAYLOAD, "I want to talk to a human"]);
  const events = await adminGet(`/v1/conversations/${id}/events`);
  const rendered = await transcript.locator(`${chook("transcript-events")} > *`).count();
  assert.equal(rendered, events.length, "every event of the log is shown");
  assert.ok(await transcript.locator(`${chook("notice")}[data-kind="handoff"], ${chook("event")}[data-kind="handoff_requested"]`).count(), "the escalation is shown");
  assert.equal(await transcript.locator("img, b, script").count(), 0, "no element made from the visitor's text");
  assert.equal(await transcript.locator("textarea, [data-relais-console=send]").count(), 0, "read only");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing ran");

  // The CSV of the range, fetched with the token: one row per conversation, ours among them.
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator(chook("insights-csv")).click()]);
  assert.match(download.suggestedFilename(), /^relais-conversations-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), "utf8");
  assert.match(csv, /^id,started,language,channel/);
  assert.ok(csv.includes(id), "our conversation is a row");
  assert.equal(csv.trim().split("\r\n").length, s.conversations + 1, "one row per conversation");

  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(escalated.page.pageErrors, []);
  await admin.context.close();
  await answered.context.close();
  await escalated.context.close();
});

test("an agent who is not an admin has no Insights", async () => {
  const agent = await loginConsole(browser);
  assert.equal(await agent.page.locator(chook("insights-tab")).isVisible(), false);
  await agent.page.goto(BASE + "/console#insights");
  await agent.page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
  assert.equal(await agent.page.locator(chook("insights")).isVisible(), false, "not even by its address");
  assert.deepEqual(agent.page.pageErrors, []);
  await agent.context.close();
});

/**
 * The endpoints being added on the server (timeseries, articles, languages, pages, gaps, the
 * summary's `simulated`) answered here in their documented shapes, with markup in every text
 * a visitor or a host page chooses: the view renders them as text, says when the figures
 * include simulated conversations, and a day's count or a gap opens its conversations.
 */
test("the breakdowns' shapes render as text; simulated data is flagged; a day and a gap drill down", async () => {
  const visitor = await newPage(browser);
  await visitor.page.goto(BASE + "/help.html");
  await openWidget(visitor.page);
  await say(visitor.page, "hello there");
  const id = await conversationId(visitor.page);
  const today = new Date().toISOString().slice(0, 10);
  const evil = "<img src=x onerror=window.__xss=7>";
  const fixtures = {
    timeseries: [
      { day: today, conversations: 5, engaged: 4, bot_resolved: 2, escalated: 1, unresolved: 1, containment_rate: 0.75 },
    ],
    articles: [{ article: "returns", title: "Returns " + evil, shown: 7, conversations: 4, helpful_answers: 3, unhelpful_answers: 1, usefulness_rate: 0.75 }],
    languages: [{ lang: "en", conversations: 5, engaged: 4, bot_resolved: 2, escalated: 1, containment_rate: 0.75 }],
    pages: [{ page: "https://shop.example/" + evil, conversations: 3, engaged: 2, escalated: 1, containment_rate: 0.5 }],
    gaps: [
      {
        topic: "gift cards " + evil,
        messages: 3,
        conversations: 1,
        languages: { en: 2, fr: 1 },
        samples: [{ text: "can I pay with a gift card " + evil, lang: "en", conversation_id: id }],
        nearest_article: { id: "payment", title: "Payment " + evil, score: 0.41 },
        conversation_ids: [id],
      },
    ],
  };

  const admin = await loginConsole(browser, ADMIN);
  const { page } = admin;
  await page.route(/\/v1\/insights\/(timeseries|articles|languages|pages|gaps)\?/, (route) => {
    const key = new URL(route.request().url()).pathname.split("/").pop();
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fixtures[key]) });
  });
  await page.route(/\/v1\/insights\/summary\?/, async (route) => {
    const res = await route.fetch();
    route.fulfill({ response: res, json: { ...(await res.json()), simulated: 3 } });
  });
  await page.locator(chook("insights-tab")).click();
  await loaded(page);

  assert.match(await page.locator(chook("insights-simulated")).textContent(), /^Includes 3 simulated conversations/);
  const series = page.locator(chook("insights-timeseries"));
  assert.equal(await series.locator(`svg rect[data-day="${today}"]`).count(), 4, "one mark per outcome and the not engaged");
  assert.match(await series.locator("svg > desc").textContent(), /5 conversations over 1 days/);
  assert.equal(await series.locator(`${chook("timeseries-table")} tbody tr`).count(), 1);
  for (const key of ["articles", "languages", "pages", "gaps"]) {
    assert.equal(await page.locator(`${chook(key + "-table")} tbody tr`).count(), 1, key);
  }
  const gaps = page.locator(chook("gaps-table"));
  assert.match(await gaps.textContent(), /gift cards <img src=x onerror=window.__xss=7>/);
  assert.match(await gaps.textContent(), /“can I pay with a gift card <img/);
  assert.match(await gaps.textContent(), /Payment <img.*\(0\.41\)/);
  assert.match(await gaps.textContent(), /en 2, fr 1/);
  assert.match(await page.locator(chook("pages-table")).textContent(), /https:\/\/shop\.example\/<img/);
  assert.match(await page.locator(chook("articles-table")).textContent(), /Returns <img/);
  assert.equal(await page.locator(`${chook("insights")} img, ${chook("insights")} script`).count(), 0, "no element made from the data");

  // A gap lists its conversations by id; one opens its transcript.
  await gaps.locator(chook("drill-ids")).click();
  const drill = page.locator(chook("drill"));
  await drill.locator(chook("drill-title")).filter({ hasText: /^Knowledge gap: gift cards/ }).waitFor();
  await drill.locator(`${chook("drill-open")}[data-conversation-id="${id}"]`).click();
  await page.locator(chook("transcript")).locator(`${chook("message")}[data-from="visitor"]`).filter({ hasText: "hello there" }).waitFor();

  // Today's count in the time series' table (folded away) asks for that day's conversations only.
  await series.locator("details summary").click();
  const asked = page.waitForRequest(/\/v1\/insights\/conversations\?/);
  await series.locator(`${chook("drill")}[data-figure="conversations"]`).click();
  const query = new URL((await asked).url()).searchParams;
  assert.equal(query.get("figure"), "conversations");
  assert.equal(query.get("from"), today + "T00:00:00Z");
  assert.equal(query.get("day"), today);
  await drill.locator(chook("drill-title")).filter({ hasText: "day " + today }).waitFor();
  await inDrill(page, id);
  // And so does its column in the chart.
  const again = page.waitForRequest(/\/v1\/insights\/conversations\?.*figure=bot_resolved/);
  await series.locator(`svg rect[data-figure="bot_resolved"]`).click();
  assert.equal(new URL((await again).url()).searchParams.get("day"), today);

  assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing ran");
  assert.deepEqual(page.pageErrors, []);
  await admin.context.close();
  await visitor.context.close();
});
