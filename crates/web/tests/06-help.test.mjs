/**
 * Browser tests of the help centre (/help): accessibility checked by axe-core (no serious
 * or critical violation) on the home, article and search pages at 320 px and at desktop
 * width, no horizontal scrolling at 320 px, suggestions as one types, "Was this article
 * helpful?" without JavaScript, "Chat with us" opening the widget on the article's page
 * (the bot greets with the article), and the contact form: articles suggested as the subject
 * is typed, one opened (a deflection), then the form sent to the agents.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";

import { ADMIN, BASE, chook, eventually, launch, loginConsole, newPage, recordFrames, widget } from "./support.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The serious and critical WCAG 2.x A/AA violations axe finds on the page. */
async function violations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const PAGES = ["/help/en/", "/help/fr/", "/help/en/return-an-item", "/help/fr/paiement-en-trois-fois", "/help/en/search?q=refund", "/help/fr/contact"];

for (const width of [320, 1280]) {
  test(`no serious accessibility violation at ${width} px, nothing wider than the screen`, async () => {
    // axe is injected by the test; the pages' own Content-Security-Policy allows no such script.
    const { context, page } = await newPage(browser, { viewport: { width, height: 800 }, bypassCSP: true });
    for (const path of PAGES) {
      await page.goto(BASE + path);
      assert.deepEqual(await violations(page), [], path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow} px at ${width} px`);
    }
    assert.deepEqual(page.pageErrors, []);
    await context.close();
  });
}

test("suggestions appear as one types, and lead to the article", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/help/en/");
  await page.locator("#q").pressSequentially("how long until my money is back", { delay: 10 });
  const first = page.locator("#suggestions a").first();
  await first.waitFor();
  assert.equal(await first.textContent(), "Refund timing");
  await first.click();
  await page.waitForURL(BASE + "/help/en/refund-timing");
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("the feedback form works without JavaScript and thanks the visitor", async () => {
  const { context, page } = await newPage(browser, { javaScriptEnabled: false });
  await page.goto(BASE + "/help/en/track-your-order");
  await page.locator("#comment").fill("I wanted the courier's phone number");
  await page.getByRole("button", { name: "No", exact: true }).click();
  await page.waitForURL(/feedback=thanks/);
  await page.getByRole("status").filter({ hasText: "Thank you for your feedback." }).waitFor();
  await context.close();
});

test("Chat with us opens the widget on the article's page, which the conversation records", async () => {
  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(BASE + "/help/en/return-large-items");
  const chat = page.getByRole("button", { name: "Chat with us" });
  await chat.waitFor();
  await chat.click();
  const w = widget(page);
  await w.panel.waitFor({ state: "visible" });
  await w.from("bot").first().waitFor();
  assert.match(await w.from("bot").first().textContent(), /“Return large items”/, "the bot greets with the article");
  // A new conversation's hello carries the page it starts on; the agent's context lists it.
  const article = (p) => p && p.url === BASE + "/help/en/return-large-items" && /Return large items/.test(p.title);
  await eventually(() => assert.ok(frames.sent.some((f) => (f.type === "hello" && article(f.page)) || (f.type === "page_view" && article(f)))));
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("the contact form suggests articles as the subject is typed, and is sent to the agents", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/help/en/contact");
  await page.locator("#subject").pressSequentially("my parcel arrived damaged", { delay: 10 });
  const suggestion = page.locator("#deflect a").first();
  await suggestion.waitFor();
  const visit = await page.locator("#visit").inputValue();
  assert.match(visit, /^[0-9a-f]{32}$/, "the form carries the tab's visit");
  assert.ok((await suggestion.getAttribute("href")).endsWith("?visit=" + visit), "the suggestion carries it too");
  await suggestion.click();
  await page.waitForURL(/\/help\/en\/[a-z-]+\?visit=/);
  await page.goBack();
  await page.locator("#subject").fill("Sofa leg missing");
  await page.locator("#message").fill("The box had only three legs.");
  await page.locator("#name").fill("Sam Lee");
  await page.locator("#email").fill("sam@example.com");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForURL(/contact\?sent=(queued|callback)/);
  await page.getByRole("status").waitFor();
  assert.deepEqual(page.pageErrors, []);
  await context.close();

  // The admin's Insights show the help centre: the article answered "No" above, and this
  // visit, which opened a suggestion and then sent the form (so no deflection).
  const admin = await loginConsole(browser, ADMIN);
  await admin.page.locator(chook("insights-tab")).click();
  const help = admin.page.locator(chook("insights-help"));
  await help.locator("table").waitFor();
  assert.match(await help.textContent(), /track-your-order/);
  assert.match(await admin.page.locator(chook("insights-deflection")).textContent(), /0 visits opened a suggested article and sent no form; 1 sent the form; 1 opened a suggestion/);
  assert.deepEqual(admin.page.pageErrors, []);
  await admin.context.close();
});
