/**
 * Browser tests of the widget from the visitor's side: callback request (nobody on shift),
 * a sourced knowledge answer, reloads and navigation, page views, French, hostile host CSS,
 * proactive invitations, keyboard use and small screens.
 *
 * This file runs first (files run one at a time, in name order): its first test needs a
 * server with no agent online, so no console may be signed in before it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  BASE,
  chook,
  connection,
  eventually,
  hook,
  hostPage,
  hostSite,
  launch,
  loginConsole,
  newPage,
  nextReply,
  openWidget,
  recordFrames,
  say,
  screenshot,
  transcript,
  visitorMessage,
  widget,
} from "./support.mjs";

let browser;
let site;
before(async () => {
  browser = await launch();
  site = await hostSite({
    "/fr.html": hostPage({ attrs: 'data-lang="fr" data-title="Aide Brightwood"' }),
    "/page-fr.html": hostPage({ lang: "fr" }),
    "/plain.html": hostPage({ attrs: 'data-color="#7a4b24"' }),
    "/hostile.html": hostPage({ head: HOSTILE, attrs: 'data-color="#7a4b24"' }),
    "/bare.html": hostPage({ widget: false }),
    "/offer.html": hostPage(),
  });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

test("with nobody on shift, the callback form stores a request that the console lists", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/help.html");
  const w = await openWidget(page);
  await say(page, "I want to talk to a human");

  await w.notice("no_agent_available").waitFor();
  await w.callbackForm.waitFor({ state: "visible" });
  const offer = page.locator(`${hook("quick-reply")}[data-payload="/callback_request"]`);
  assert.equal(await offer.count(), 1, "the bot offers a callback button");

  await page.locator(hook("callback-submit")).click();
  assert.notEqual(await page.locator(hook("callback-error")).textContent(), "", "an empty form is refused");
  assert.ok(await w.callbackForm.isVisible());

  const email = `camille.${Date.now()}@example.com`;
  await page.locator(hook("callback-name")).fill("Camille Durand");
  await page.locator(hook("callback-email")).fill(email);
  await page.locator(hook("callback-phone")).fill("+33 6 12 34 56 78");
  await page.locator(hook("callback-preferred_time")).fill("weekday mornings");
  await page.locator(hook("callback-note")).fill("About order BW-482913");
  const botsBefore = await w.from("bot").count();
  await page.locator(hook("callback-submit")).click();
  await w.callbackForm.waitFor({ state: "hidden" });
  await nextReply(page, botsBefore);

  const agent = await loginConsole(browser);
  const item = agent.page.locator(chook("callback")).filter({ hasText: email });
  await item.waitFor();
  const text = await item.textContent();
  for (const part of ["Camille Durand", "+33 6 12 34 56 78", "weekday mornings", "About order BW-482913"]) {
    assert.ok(text.includes(part), `the console's callback lists ${part}: ${text}`);
  }
  assert.deepEqual(page.pageErrors, []);
  await agent.context.close();
  await context.close();
});

test("a knowledge question gets a sourced answer with feedback thumbs, then the conversation is rated", async () => {
  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(BASE + "/products.html");
  const w = await openWidget(page);
  const before = await w.from("bot").count();
  await say(page, "how do I assemble the Atlas bookshelf");
  const answer = await nextReply(page, before);

  const source = answer.locator(hook("source")).first();
  await source.waitFor();
  assert.match(await source.getAttribute("href"), /^https?:\/\//);
  assert.match(await source.textContent(), /Atlas/);
  assert.match(await answer.locator(hook("text")).textContent(), /Atlas/);

  await screenshot(page, "widget.png");
  await answer.locator(hook("feedback-yes")).click();
  await eventually(async () => assert.equal(await answer.locator(hook("feedback-yes")).count(), 0));
  assert.notEqual((await answer.locator(hook("feedback")).textContent()).trim(), "");

  // A helpful answer resolves the conversation: the widget asks for a rating, once.
  const rating = page.locator(hook("rating"));
  await rating.waitFor();
  assert.equal(await rating.getAttribute("data-scale"), "2");
  await rating.locator(`${hook("rate")}[data-score="2"]`).click();
  await eventually(async () => assert.equal(await rating.locator(hook("rate")).count(), 0));
  assert.match(await rating.textContent(), /Thanks for rating/);
  await eventually(async () => assert.ok(frames.sent.some((f) => f.type === "rate" && f.score === 2)));
  assert.deepEqual(frames.received.filter((f) => f.type === "error"), []);
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("the conversation survives reloads and navigation, and resumes from the last seq", async () => {
  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(BASE + "/");
  const w = await openWidget(page);
  const before = await w.from("bot").count();
  await say(page, "how do I assemble the Atlas bookshelf");
  await nextReply(page, before);
  const history = await transcript(page);
  const hello = frames.sent.find((f) => f.type === "hello");
  assert.equal(hello.page.url, BASE + "/", "the first hello carries the page");
  const lastSeq = Math.max(...frames.received.filter((f) => f.type === "event" && f.kind !== "typing").map((f) => f.seq));

  await page.reload();
  await w.panel.waitFor({ state: "visible" });
  await connection(page, "online");
  const resume = frames.sent.filter((f) => f.type === "hello").at(-1);
  assert.equal(resume.conversation_id, frames.received.find((f) => f.type === "welcome").conversation_id);
  assert.equal(resume.last_seq, lastSeq, "the resume hello carries the last seq seen");
  assert.ok(resume.token, "the resume hello carries the token");
  await page.waitForTimeout(500);
  assert.deepEqual(await transcript(page), history, "the history is the same after a reload, nothing doubled");

  // The shop's Help link leads to the help centre, which embeds the widget too.
  await page.locator('a[href="/help/"]').first().click();
  await page.waitForURL(BASE + "/help/en/");
  await w.panel.waitFor({ state: "visible" });
  await connection(page, "online");
  assert.deepEqual(await transcript(page), history, "the history follows the visitor to another page");
  await eventually(() => assert.ok(frames.sent.some((f) => f.type === "page_view" && f.url === BASE + "/help/en/")));

  await page.evaluate(() => history.pushState({}, "", "/help.html?topic=assembly"));
  await eventually(() => assert.ok(frames.sent.some((f) => f.type === "page_view" && f.url === BASE + "/help.html?topic=assembly")));

  const bots = await w.from("bot").count();
  await say(page, "what is Brightwood Plus?");
  await nextReply(page, bots);
  const seqs = await page.locator(hook("message")).evaluateAll((els) => els.map((e) => e.dataset.seq).filter(Boolean));
  assert.equal(new Set(seqs).size, seqs.length, "no seq shown twice");
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("French UI with data-lang=\"fr\"", async () => {
  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(site.url + "/fr.html");
  const w = widget(page);
  assert.equal(await w.launcher.getAttribute("aria-label"), "Ouvrir la discussion");
  await openWidget(page);
  assert.equal(await w.input.getAttribute("placeholder"), "Écrivez votre message…");
  assert.equal(await page.locator(hook("close")).getAttribute("aria-label"), "Fermer la discussion");
  assert.equal(await page.locator("#relais-title").textContent(), "Aide Brightwood");
  assert.equal(frames.sent.find((f) => f.type === "hello").lang, "fr");
  assert.match(await w.from("bot").first().textContent(), /Bonjour/, "the greeting is in French");

  await page.evaluate(() => window.Relais.setLang("en"));
  assert.equal(await w.input.getAttribute("placeholder"), "Type your message…");
  await context.close();
});

test("the UI language follows the page when data-lang is absent", async () => {
  const { context, page } = await newPage(browser, { locale: "en-US" });
  await page.goto(site.url + "/page-fr.html");
  assert.equal(await widget(page).launcher.getAttribute("aria-label"), "Ouvrir la discussion");
  await context.close();
});

const STYLED = [
  [hook("launcher"), ["width", "height", "background-color", "color", "border-radius", "position", "right", "bottom", "display", "z-index"]],
  [hook("panel"), ["width", "height", "background-color", "font-size", "font-family", "color", "display", "position", "border-radius"]],
  ["#relais-title", ["font-size", "font-weight", "color", "font-family", "margin-top"]],
  [hook("input"), ["font-size", "font-family", "color", "background-color", "border-top-width", "padding-left", "height"]],
  [hook("send"), ["width", "height", "background-color", "border-radius"]],
  [`${hook("message")} ${hook("text")}`, ["font-size", "color", "background-color", "padding-left", "border-radius", "line-height", "white-space"]],
];

async function widgetStyles(page) {
  const out = {};
  for (const [selector, props] of STYLED) {
    out[selector] = await page.locator(selector).first().evaluate((el, names) => {
      const style = getComputedStyle(el);
      return Object.fromEntries(names.map((n) => [n, style.getPropertyValue(n)]));
    }, props);
  }
  return out;
}

async function hostStyles(page) {
  return page.evaluate(() =>
    ["body", "h1", ".copy", ".host-button"].map((sel) => {
      const s = getComputedStyle(document.querySelector(sel));
      return [sel, s.fontSize, s.fontFamily, s.color, s.backgroundColor, s.margin, s.padding, s.display, s.lineHeight];
    }),
  );
}

const HOSTILE = `<style>
* { all: unset; color: red !important; font-size: 3px !important; font-family: "Comic Sans MS", cursive !important; }
html { font-size: 40px !important; zoom: 1; }
div, button, textarea, input, form, h2 { display: inline !important; padding: 40px !important; margin: 13px !important; background: yellow !important; border: 9px dotted blue !important; width: 1px !important; position: static !important; }
body > div:last-of-type, #relais-widget { display: none !important; visibility: hidden !important; opacity: 0 !important; }
:root { --accent: lime; }
</style>`;

test("hostile host-page CSS does not change the widget, and the widget does not change the page", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(site.url + "/bare.html");
  const bareHost = await hostStyles(page);
  await page.goto(site.url + "/plain.html");
  await openWidget(page);
  const plain = await widgetStyles(page);
  assert.deepEqual(await hostStyles(page), bareHost, "the widget leaves the host page's styles alone");

  await page.goto(site.url + "/hostile.html");
  const w = widget(page);
  await w.panel.waitFor({ state: "visible" });
  await w.from("bot").first().waitFor();
  const hostile = await widgetStyles(page);
  assert.deepEqual(hostile, plain, "computed styles inside the widget are the same under hostile CSS");
  assert.equal(plain[hook("launcher")]["background-color"], "rgb(122, 75, 36)", "data-color themes the launcher");
  await w.input.fill("still usable");
  await w.send.click();
  await visitorMessage(page, "still usable").waitFor();
  await context.close();
});

test("a proactive rule opens the widget with its text after the configured time", async () => {
  const served = await (await fetch(BASE + "/v1/widget/config")).json();
  assert.ok(Array.isArray(served.proactive), "GET /v1/widget/config returns a proactive list");

  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  const rules = {
    proactive: [
      { url_pattern: "/elsewhere*", after_seconds: 0, text: "This rule must not fire here.", lang: "en" },
      { url_pattern: "/off*.html", after_seconds: 2, text: "Need a hand choosing a bookshelf?", lang: "en" },
    ],
  };
  await context.route(BASE + "/v1/widget/config", (route) =>
    route.fulfill({ json: rules, headers: { "Access-Control-Allow-Origin": "*" } }),
  );
  await page.goto(site.url + "/offer.html");
  const w = widget(page);
  await page.evaluate(() => new Promise((r) => (window.Relais ? r() : addEventListener("load", r))));
  assert.equal(await w.panel.isVisible(), false, "the invitation waits for after_seconds");
  await w.panel.waitFor({ state: "visible" });
  assert.deepEqual(await transcript(page), ["Need a hand choosing a bookshelf?"]);
  assert.equal(frames.sockets, 0, "the invitation is local: no conversation yet");

  await w.input.fill("yes, the Atlas bookshelf");
  await w.send.click();
  await visitorMessage(page, "yes, the Atlas bookshelf").and(page.locator('[data-state="sent"]')).waitFor();
  assert.equal(frames.sockets, 1, "the visitor's reply starts the conversation");
  assert.equal((await transcript(page))[0], "Need a hand choosing a bookshelf?");
  await context.close();
});

test("keyboard and screen reader: launcher, focus, Escape, live log; the JS API and its events", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/");
  const w = widget(page);
  await page.waitForFunction(() => window.Relais);
  await page.evaluate(() => {
    window.__relaisEvents = [];
    for (const name of ["open", "close", "message"]) window.Relais.on(name, (detail) => window.__relaisEvents.push([name, detail.from || ""]));
  });
  assert.equal(await w.launcher.getAttribute("aria-expanded"), "false");
  await w.launcher.focus();
  await page.keyboard.press("Enter");
  await w.panel.waitFor({ state: "visible" });
  assert.equal(await w.launcher.getAttribute("aria-expanded"), "true");
  const focused = () => page.evaluate(() => document.getElementById("relais-widget").shadowRoot.activeElement?.dataset.relais);
  assert.equal(await focused(), "input", "opening moves the focus to the input");
  assert.equal(await w.panel.getAttribute("role"), "dialog");
  assert.equal(await page.locator(hook("log")).getAttribute("role"), "log");
  assert.equal(await page.locator(hook("log")).getAttribute("aria-live"), "polite");

  await w.from("bot").first().waitFor();
  await page.keyboard.type("hello there");
  await page.keyboard.press("Enter");
  await visitorMessage(page, "hello there").waitFor();

  await page.keyboard.press("Escape");
  await w.panel.waitFor({ state: "hidden" });
  assert.equal(await focused(), "launcher", "closing gives the focus back to the launcher");

  await page.evaluate(() => window.Relais.open());
  await w.panel.waitFor({ state: "visible" });
  await page.evaluate(() => window.Relais.close());
  await w.panel.waitFor({ state: "hidden" });
  const events = await page.evaluate(() => window.__relaisEvents);
  assert.deepEqual(events.filter(([name]) => name !== "message"), [["open", ""], ["close", ""], ["open", ""], ["close", ""]]);
  assert.ok(events.some(([name, from]) => name === "message" && from === "bot"), "message events: " + JSON.stringify(events));
  await context.close();
});

test("a conversation the server no longer knows is replaced by a new one", async () => {
  const { context, page } = await newPage(browser);
  const frames = recordFrames(page);
  await page.goto(BASE + "/");
  await page.evaluate((base) => {
    const stale = { id: "no-such-conversation", token: "stale-token", lastSeq: 5 };
    const entries = [{ kind: "message", from: "bot", text: "A message from a forgotten conversation", seq: 5 }];
    localStorage.setItem("relais:" + base, JSON.stringify({ conv: stale, entries, pending: [] }));
  }, BASE);
  await page.reload();
  const w = widget(page);
  await eventually(() => assert.equal(frames.received.filter((f) => f.type === "welcome").length, 1));
  const hellos = frames.sent.filter((f) => f.type === "hello");
  assert.equal(hellos[0].conversation_id, "no-such-conversation", "the widget first tries to resume");
  assert.equal(hellos.at(-1).conversation_id, undefined, "then starts afresh");
  const error = frames.received.find((f) => f.type === "error");
  assert.ok(["not_found", "unauthorized"].includes(error?.code), "the server refuses the resume: " + JSON.stringify(error));
  await w.launcher.click();
  await w.from("bot").first().waitFor();
  assert.equal(await page.getByText("A message from a forgotten conversation").count(), 0);
  await say(page, "hello again");
  await context.close();
});

test("small screens get a full-screen panel", async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 375, height: 667 } });
  await page.goto(BASE + "/");
  await openWidget(page);
  await eventually(async () => {
    const box = await widget(page).panel.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 667]);
  });
  await context.close();
});
