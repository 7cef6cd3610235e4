/**
 * Browser test of the console's Review view (admins only), keyboard first: a visitor's
 * message (with markup) shows newest first with the classifier's suggestions; j/k move, o
 * labels it out of scope, 1 relabels it with the first suggestion, / finds another intent;
 * the labels reach the server and the message renders as text; the threshold advisor shows
 * its curve, refuses to apply without enough labels and reloads the assistant. An agent who
 * is not an admin has no Review.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { ADMIN, BASE, chook, eventually, launch, loginConsole, newPage, openWidget, say } from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MARKUP = "<b>zxqv</b> blorp <img src=x onerror=window.__xss=1> wubba";

/** GET `path` as the admin, over HTTP. */
async function adminGet(path) {
  const login = await fetch(BASE + "/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  const { token } = await login.json();
  const res = await fetch(BASE + path, { headers: { Authorization: "Bearer " + token } });
  assert.equal(res.status, 200, path);
  return res.json();
}

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

  // 1: relabelled with the first suggestion; / then a typed intent: labelled with it.
  const first = await detail.locator(chook("review-suggest")).first().getAttribute("data-intent");
  await page.keyboard.press("1");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), first));
  await page.keyboard.press("/");
  await page.keyboard.type("order_status");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.equal(await items.first().locator(chook("review-item-label")).textContent(), "order_status"));
  turn = (await adminGet("/v1/review?limit=200")).turns.find((t) => String(t.id) === id);
  assert.equal(turn.label.label, "order_status", "the latest label is the turn's");

  // The advisor: too few reviewed turns to recommend; the curve marks the threshold in
  // force; Apply is refused and says why; Reload retrains and swaps in, with its progress.
  await page.locator(`${chook("advisor")} summary`).click();
  const recommendation = page.locator(chook("advisor-recommendation"));
  await eventually(async () => assert.match(await recommendation.textContent(), /Too few reviewed turns/));
  assert.equal(await page.locator(`${chook("advisor")} svg[role=img] [data-mark="current"]`).count(), 1);
  assert.equal(await page.locator(`${chook("advisor-table")} tbody tr`).count(), 21, "every 0.05");
  await page.locator(chook("advisor-apply")).click();
  const reload = page.locator(chook("advisor-reload"));
  await eventually(async () => assert.equal(await reload.getAttribute("data-state"), "refused"));
  assert.match(await reload.textContent(), /too few/);
  await page.locator(chook("advisor-reload-button")).click();
  await eventually(async () => assert.equal(await reload.getAttribute("data-state"), "done"), 60000);
  assert.match(await reload.textContent(), /Reloaded/);

  // The kind filter: the nonsense is a turn the bot found nothing for; the question is not.
  await page.locator(chook("review-kind")).selectOption("no_article");
  await eventually(async () => {
    const texts = await items.locator(".text").allTextContents();
    assert.ok(texts.includes(MARKUP) && !texts.includes("how long does delivery take"), texts.join(" | "));
  });
});

test("an agent who is not an admin has no Review", async () => {
  const agent = await loginConsole(browser);
  assert.equal(await agent.page.locator(chook("review-tab")).isVisible(), false);
  await agent.page.goto(BASE + "/console#review");
  await agent.page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
  assert.equal(await agent.page.locator(chook("review")).isVisible(), false, "not even by its address");
  assert.deepEqual(agent.page.pageErrors, []);
});
