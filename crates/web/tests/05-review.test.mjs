/**
 * Browser test of the console's Review view (admins and reviewers), keyboard first: a
 * visitor's message (with markup) shows newest first with the classifier's suggestions; j/k
 * move, o labels it out of scope, 1 relabels it with the first suggestion, / finds another
 * intent by its title or its name; the labels reach the server and the message renders as
 * text; the threshold advisor shows its curve, and Apply, with too few labels for a
 * threshold, exports the label and retrains. An agent who is neither admin nor reviewer has
 * no Review; an agent flags a bot reply of a conversation they hold and, given the reviewer
 * role, finds it in Review, without Apply. When the admin's session ends and that reviewer
 * signs in on the same page, nothing built for the admin stays: no Apply.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { ADMIN, AGENT, BASE, chook, consoleMessage, consoleToken, eventually, launch, loginConsole, newPage, openWidget, say, widget } from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MARKUP = "<b>zxqv</b> blorp <img src=x onerror=window.__xss=1> wubba";

/** `path` as the admin, over HTTP: GET, or POST with `body`. */
async function asAdmin(path, body) {
  const login = await fetch(BASE + "/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  const { token } = await login.json();
  const post = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(BASE + path, { ...post, headers: { ...post.headers, Authorization: "Bearer " + token } });
  assert.equal(res.status, 200, path);
  return res.json();
}

const adminGet = (path) => asAdmin(path);

test("an admin labels the bot's turns from the keyboard", async () => {
  // A visitor asks something the bot answers, then writes nonsense with markup.
  const visitor = await newPage(browser);
  await visitor.page.goto(BASE + "/products.html");
  await openWidget(visitor.page);
  await say(visitor.page, "how long does delivery take");
  await say(visitor.page, MARKUP);

  const { page } = await loginConsole(browser, ADMIN);
  const tab = page.locator(chook("review-tab"));
  await tab.waitFor({ state: "visible" });
  await tab.click();
  const items = page.locator(chook("review-item"));
  await eventually(async () => assert.equal(await items.first().locator(".text").textContent(), MARKUP));
  assert.equal(await page.locator(chook("conversation")).isVisible(), false, "the conversation panes give way");
  // Newest first: the nonsense, then the question; the first is selected.
  assert.equal(await items.nth(1).locator(".text").textContent(), "how long does delivery take");
  assert.equal(await items.first().getAttribute("aria-current"), "true");
  const detail = page.locator(chook("review-detail"));
  assert.equal(await detail.locator("h2").textContent(), "“" + MARKUP + "”");
  assert.equal(await page.locator(`${chook("review")} img, ${chook("review")} b`).count(), 0, "the markup is text");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing ran");
  assert.equal(await detail.locator(chook("review-suggest")).count(), 3, "three suggested intents");

  // j moves down, k back up.
  await page.keyboard.press("j");
  assert.equal(await items.nth(1).getAttribute("aria-current"), "true");
  assert.match(await detail.locator(chook("review-did")).textContent(), /^The bot (answered with delivery_info|showed the article)/);
  await page.keyboard.press("k");
  assert.equal(await items.first().getAttribute("aria-current"), "true");

  // o: out of scope, shown in the list and stored with who labelled it.
  await page.keyboard.press("o");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), "oos"));
  assert.match(await detail.locator(chook("review-label")).textContent(), new RegExp("Labelled oos by " + ADMIN.email));
  const id = await items.first().getAttribute("data-turn-id");
  let turn = (await adminGet("/v1/review?limit=200")).turns.find((t) => String(t.id) === id);
  assert.equal(turn.label.label, "oos");

  // 1: relabelled with the first suggestion; / then a typed intent, by its title (any case)
  // or its name: labelled with it.
  const first = await detail.locator(chook("review-suggest")).first().getAttribute("data-intent");
  await page.keyboard.press("1");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), first));
  const titled = page.locator(`#review-intents option[value="cancel_subscription"]`);
  assert.equal(await titled.getAttribute("label"), "Cancel Brightwood Plus");
  await page.keyboard.press("/");
  await page.keyboard.type("cancel brightwood plus");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), "cancel_subscription"));
  await page.locator(chook("review")).focus();
  await page.keyboard.press("/");
  await page.keyboard.type("order_status");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), "order_status"));
  turn = (await adminGet("/v1/review?limit=200")).turns.find((t) => String(t.id) === id);
  assert.equal(turn.label.label, "order_status", "the latest label is the turn's");

  // The advisor: too few reviewed turns to recommend; the curve marks the threshold in
  // force; Apply writes no threshold but exports the label and retrains, with its
  // progress; Reload retrains and swaps in again.
  await page.locator(`${chook("advisor")} summary`).click();
  const recommendation = page.locator(chook("advisor-recommendation"));
  await eventually(async () => assert.match(await recommendation.textContent(), /Too few reviewed turns/));
  assert.equal(await page.locator(`${chook("advisor")} svg[role=img] [data-mark="current"]`).count(), 1);
  assert.equal(await page.locator(`${chook("advisor-table")} tbody tr`).count(), 21, "every 0.05");
  await page.locator(chook("advisor-apply")).click();
  const applied = page.locator(chook("advisor-applied"));
  await eventually(async () => assert.match(await applied.textContent(), /No threshold written: too few reviewed turns\.en: 1 examples exported\./));
  const reload = page.locator(chook("advisor-reload"));
  await eventually(async () => assert.equal(await reload.getAttribute("data-state"), "done"), 60000);
  assert.match(await reload.textContent(), /Reloaded/);
  const reloads = (await adminGet("/v1/admin/reload")).reloads;
  await page.locator(chook("advisor-reload-button")).click();
  await eventually(async () => assert.equal((await adminGet("/v1/admin/reload")).reloads, reloads + 1), 60000);
  await eventually(async () => assert.equal(await reload.getAttribute("data-state"), "done"), 60000);

  // The kind filter: the nonsense is a turn the bot found nothing for; the question is not.
  await page.locator(chook("review-kind")).selectOption("no_article");
  await eventually(async () => {
    const texts = await items.locator(".text").allTextContents();
    assert.ok(texts.includes(MARKUP) && !texts.includes("how long does delivery take"), texts.join(" | "));
  });
});

test("an agent who is neither admin nor reviewer has no Review", async () => {
  const agent = await loginConsole(browser);
  assert.equal(await agent.page.locator(chook("review-tab")).isVisible(), false);
  await agent.page.goto(BASE + "/console#review");
  await agent.page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
  assert.equal(await agent.page.locator(chook("review")).isVisible(), false, "not even by its address");
  assert.deepEqual(agent.page.pageErrors, []);
});

test("an agent flags a bot reply; given the reviewer role, they find it in Review, without Apply", async () => {
  const agent = await loginConsole(browser);
  const visitor = await newPage(browser);
  await visitor.page.goto(BASE + "/products.html");
  await openWidget(visitor.page);
  await say(visitor.page, "which payment methods do you accept");
  await say(visitor.page, "I want to talk to a human");
  await widget(visitor.page).notice("queued").waitFor();
  const id = await visitor.page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("relais:"));
    return JSON.parse(localStorage.getItem(key)).conv.id;
  });
  const item = agent.page.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
  await item.locator(chook("claim")).click();
  await agent.page.locator(chook("thread-title")).filter({ hasText: id }).waitFor();

  // The bot's reply to the question: Flag, then Flagged.
  const question = consoleMessage(agent.page, "which payment methods do you accept");
  const reply = question.locator("xpath=following-sibling::*[@data-from='bot'][1]");
  await reply.locator(chook("flag")).click();
  await eventually(async () => assert.equal(await reply.locator(chook("flag")).getAttribute("data-state"), "flagged"));
  const flagged = (await adminGet("/v1/review?kind=flagged")).turns;
  assert.deepEqual(flagged.map((t) => [t.text, t.flagged.by]), [["which payment methods do you accept", AGENT.email]]);

  // No Review yet; an admin gives the role; signed in again, the agent reviews.
  assert.equal(await agent.page.locator(chook("review-tab")).isVisible(), false);
  await asAdmin("/v1/agents/reviewer", { email: AGENT.email, reviewer: true });
  const reviewer = await loginConsole(browser);
  try {
    const tab = reviewer.page.locator(chook("review-tab"));
    await tab.waitFor({ state: "visible" });
    assert.equal(await reviewer.page.locator(chook("insights-tab")).isVisible(), false, "Insights stays for admins");
    await tab.click();
    await reviewer.page.locator(chook("review-kind")).selectOption("flagged");
    const items = reviewer.page.locator(chook("review-item"));
    await eventually(async () => assert.deepEqual(await items.locator(".text").allTextContents(), ["which payment methods do you accept"]));
    assert.equal(await items.first().locator(chook("review-item-flagged")).count(), 1);
    assert.match(await reviewer.page.locator(chook("review-flagged")).textContent(), new RegExp("Flagged by " + AGENT.email));
    await reviewer.page.locator(chook("review")).focus();
    await reviewer.page.keyboard.press("c");
    await eventually(async () => assert.ok((await items.first().locator(chook("review-item-label")).textContent()).length > 0));
    await reviewer.page.locator(`${chook("advisor")} summary`).click();
    await reviewer.page.locator(chook("advisor-recommendation")).waitFor();
    assert.equal(await reviewer.page.locator(chook("advisor-apply")).count(), 0, "Apply is for admins");
    assert.deepEqual(reviewer.page.pageErrors, []);
  } finally {
    await asAdmin("/v1/agents/reviewer", { email: AGENT.email, reviewer: false });
  }
  assert.deepEqual(agent.page.pageErrors, []);
});

test("after a session ends, another agent signing in on the same page gets a fresh console", async () => {
  const { context, page } = await loginConsole(browser, ADMIN);
  await page.locator(chook("review-tab")).click();
  await page.locator(`${chook("advisor")} summary`).click();
  await page.locator(chook("advisor-recommendation")).waitFor();
  assert.equal(await page.locator(chook("advisor-apply")).count(), 1, "Apply, for the admin");

  // The admin's session ends elsewhere; the console asks to sign in again.
  const token = await consoleToken(page);
  const out = await fetch(BASE + "/v1/auth/logout", { method: "POST", headers: { Authorization: "Bearer " + token } });
  assert.equal(out.status, 204);
  await page.locator(chook("login-form")).waitFor({ state: "visible" });

  await asAdmin("/v1/agents/reviewer", { email: AGENT.email, reviewer: true });
  try {
    await page.locator(chook("email")).fill(AGENT.email);
    await page.locator(chook("password")).fill(AGENT.password);
    await page.locator(chook("login-submit")).click();
    await page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
    assert.equal(await page.locator(chook("insights-tab")).isVisible(), false);
    await page.locator(chook("review-tab")).click();
    await page.locator(`${chook("advisor")} summary`).click();
    await page.locator(chook("advisor-recommendation")).waitFor();
    assert.equal(await page.locator(chook("advisor-apply")).count(), 0, "the admin's Review is gone with the admin");
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await asAdmin("/v1/agents/reviewer", { email: AGENT.email, reviewer: false });
    await context.close();
  }
});
