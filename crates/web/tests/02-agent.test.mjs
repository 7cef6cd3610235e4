/**
 * Browser tests of a handoff, with the visitor's widget and the agent's console in two
 * browser contexts: claim, context panel, replies both ways, typing, notes, agent assist,
 * hand back, close; a dropped network and a dropped socket that lose and double nothing;
 * markup typed on either side shown as text and never run; an agent disabled while holding
 * the conversation puts the visitor back in the queue.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  ADMIN,
  BASE,
  LEAVER,
  chook,
  connection,
  consoleMessage,
  eventually,
  hook,
  launch,
  loginConsole,
  newPage,
  nextReply,
  openWidget,
  recordFrames,
  say,
  screenshot,
  visitorMessage,
  widget,
} from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Signs an agent in (`account`, or the test agent), opens the widget on a product page
 * (after `prepare(page)`), has the visitor say `first` messages then ask for a person, and
 * has the agent claim the conversation.
 */
async function handoff({ prepare, first = [], account } = {}) {
  const agent = await loginConsole(browser, account);
  const visitor = await newPage(browser);
  const { page } = visitor;
  const frames = recordFrames(page);
  if (prepare) await prepare(page);
  await page.goto(BASE + "/products.html");
  await openWidget(page);
  for (const text of first) await say(page, text);
  await say(page, "I want to talk to a human");
  await widget(page).notice("queued").waitFor();
  const id = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("relais:"));
    return JSON.parse(localStorage.getItem(key)).conv.id;
  });
  const item = agent.page.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
  await item.waitFor();
  await item.locator(chook("claim")).click();
  await agent.page.locator(chook("thread-title")).filter({ hasText: id }).waitFor();
  await widget(page).notice("agent_joined").waitFor();
  return { agent, visitor, page, frames, id, item };
}

async function agentSays(agentPage, text) {
  await agentPage.locator(chook("reply")).fill(text);
  await agentPage.locator(chook("send")).click();
  await consoleMessage(agentPage, text).and(agentPage.locator('[data-state="sent"]')).waitFor();
}

async function countOf(locator) {
  return locator.count();
}

/** Closes the browser contexts given, skipping any a failed test never opened. */
async function closeAll(...contexts) {
  for (const c of contexts) await c?.close();
}

test("a visitor asks for a person; the agent claims, sees the context, replies, notes, hands back", async () => {
  const agent = await loginConsole(browser);
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/products.html");
  await page.waitForFunction(() => window.Relais);
  await page.evaluate(() => {
    window.Relais.identify({ name: "Jo Visitor", plan: "plus" });
    window.__handoffs = [];
    window.Relais.on("handoff", (h) => window.__handoffs.push(h.state));
  });
  const w = await openWidget(page);
  const bots = await w.from("bot").count();
  await say(page, "how do I assemble the Atlas bookshelf");
  const answer = await nextReply(page, bots);
  await answer.locator(hook("feedback-yes")).click();
  await page.locator(`${hook("rate")}[data-score="1"]`).click();
  await page.locator(hook("rating")).filter({ hasText: /Thanks/ }).waitFor();
  await page.evaluate(() => history.pushState({}, "", "/help.html?from=spa"));
  await say(page, "I want to talk to a human");
  await w.notice("queued").waitFor();
  await eventually(async () => assert.match(await w.status.textContent(), /\S/, "the status line shows the queue"));

  const id = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith("relais:")))).conv.id);
  const item = agent.page.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
  await item.waitFor();
  assert.match(await item.locator(chook("reason")).textContent(), /explicit_request/);
  assert.equal(await item.locator(chook("lang")).textContent(), "en");
  assert.match(await item.locator(chook("wait")).textContent(), /\d+ (s|min)/);
  assert.match(await agent.page.title(), /^\(\d+\) Relais console$/, "the title shows the queue length");

  await item.locator(chook("claim")).click();
  await agent.page.locator(chook("thread-title")).filter({ hasText: id }).waitFor();
  await consoleMessage(agent.page, "I want to talk to a human").waitFor();
  assert.equal(await consoleMessage(agent.page, "how do I assemble the Atlas bookshelf").getAttribute("data-from"), "visitor");

  const ctx = agent.page.locator(chook("context"));
  await eventually(async () => {
    assert.match(await ctx.locator(chook("context-visitor")).textContent(), /Jo Visitor/);
    assert.match(await ctx.locator(chook("context-pages")).textContent(), /help\.html\?from=spa/);
    assert.match(await ctx.locator(chook("context-intents")).textContent(), /\d+%/);
    assert.match(await ctx.locator(chook("context-articles")).textContent(), /Atlas/);
    assert.match(await ctx.locator(chook("escalation-reason")).textContent(), /explicit_request/);
    assert.match(await ctx.locator(chook("context-rating")).textContent(), /👎/);
  });

  await w.notice("agent_joined").waitFor();
  await eventually(async () => assert.match(await w.status.textContent(), /Alice/));
  assert.deepEqual(await page.evaluate(() => window.__handoffs), ["queued", "agent_joined"], "handoff events reach Relais.on");

  await agent.page.locator(chook("reply")).pressSequentially("Hel");
  await page.locator(`${hook("typing")}:visible`).waitFor();
  await agent.page.locator(chook("reply")).fill("");
  await agentSays(agent.page, "Hello, this is Alice. I can see you asked about the Atlas bookshelf.");
  const fromAgent = w.from("agent").filter({ hasText: "Hello, this is Alice." });
  await fromAgent.waitFor();
  assert.match(await fromAgent.textContent(), /Alice/, "the agent's name is shown");
  assert.equal(await page.locator(`${hook("typing")}:visible`).count(), 0, "the typing indicator goes with the message");

  await page.locator(hook("input")).pressSequentially("Gre");
  await agent.page.locator(`${chook("typing")}:visible`).waitFor();
  await page.locator(hook("input")).fill("");
  await say(page, "Great, thank you Alice");
  await consoleMessage(agent.page, "Great, thank you Alice").waitFor();

  await agent.page.locator(chook("note-mode")).check();
  await agent.page.locator(chook("reply")).fill("Internal: customer is a Plus member");
  await agent.page.locator(chook("send")).click();
  await agent.page.locator(chook("note")).filter({ hasText: "Internal: customer is a Plus member" }).waitFor();
  await agent.page.locator(chook("note-mode")).uncheck();

  await agent.page.locator(chook("kb-query")).fill("Atlas bookshelf assembly");
  await agent.page.locator(chook("kb-search")).click();
  const hit = agent.page.locator(chook("kb-result")).first();
  await hit.waitFor();
  await hit.locator(chook("kb-insert")).click();
  const inserted = await agent.page.locator(chook("reply")).inputValue();
  assert.ok(inserted.trim().length > 20, "the passage is inserted into the reply: " + inserted);
  await agent.page.locator(chook("context")).evaluate((el) => el.parentElement.scrollTo(0, 0));
  await screenshot(agent.page, "console.png");
  await agent.page.locator(chook("send")).click();
  await w.from("agent").nth(1).waitFor();
  assert.equal((await w.from("agent").nth(1).locator(hook("text")).textContent()).trim(), inserted.trim());
  assert.equal(await page.getByText("Internal: customer is a Plus member").count(), 0, "notes never reach the visitor");

  await agent.page.locator(chook("hand-back")).click();
  await w.notice("returned_to_bot").waitFor();
  await eventually(async () => assert.doesNotMatch(await w.status.textContent(), /Alice/));
  const botsNow = await w.from("bot").count();
  await say(page, "what is Brightwood Plus?");
  await nextReply(page, botsNow);
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(agent.page.pageErrors, []);
  await closeAll(agent.context, context);
});

test("a queued visitor who would rather not wait leaves a callback request; the agent sees it", async () => {
  const agent = await loginConsole(browser);
  let context;
  try {
    let page;
    ({ context, page } = await newPage(browser));
    await page.goto(BASE + "/help.html");
    const w = await openWidget(page);
    const instead = page.locator(hook("callback-instead"));
    assert.equal(await instead.isVisible(), false, "no callback offer before the queue");
    await say(page, "I want to talk to a human");
    await w.notice("queued").waitFor();
    await instead.waitFor({ state: "visible" });

    await instead.click();
    await w.callbackForm.waitFor({ state: "visible" });
    assert.equal(await instead.isVisible(), false, "the offer gives way to the form");
    const email = `waiting.${Date.now()}@example.com`;
    await page.locator(hook("callback-email")).fill(email);
    await page.locator(hook("callback-note")).fill("Cannot wait, call me back");
    const botsBefore = await widget(page).from("bot").count();
    await page.locator(hook("callback-submit")).click();
    await w.callbackForm.waitFor({ state: "hidden" });
    await page.locator(`${hook("notice")}[data-kind="callback_sent"]`).waitFor();
    assert.equal(await instead.isVisible(), false, "one request is enough");
    // The widget shows its notice at once; the bot's confirmation says the server stored the
    // request, and only then can the agent's Refresh list it.
    await nextReply(page, botsBefore);

    await agent.page.locator(chook("callbacks-refresh")).click();
    await agent.page.locator(chook("callback")).filter({ hasText: email }).waitFor();
    const id = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith("relais:")))).conv.id);
    const item = agent.page.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
    await item.locator(chook("claim")).click();
    const callbacks = agent.page.locator(chook("context-callbacks"));
    await eventually(async () => assert.match(await callbacks.textContent(), new RegExp(email.replace(".", "\\."))));
    assert.deepEqual(page.pageErrors, []);
  } finally {
    // A signed-in agent left behind would be offered the next test's visitors.
    await closeAll(agent.context, context);
  }
});

test("an agent who steps away is not offered new conversations until available again", async () => {
  const agent = await loginConsole(browser);
  let context;
  try {
    let page;
    ({ context, page } = await newPage(browser));
    const available = agent.page.locator(chook("available"));
    await agent.page.locator(`${chook("available")}[data-state="available"]`).waitFor();
    await available.uncheck();
    await agent.page.locator(`${chook("available")}[data-state="away"]`).waitFor();

    await page.goto(BASE + "/help.html");
    const w = await openWidget(page);
    await say(page, "I want to talk to a human");
    await w.notice("no_agent_available").waitFor();
    await w.callbackForm.waitFor({ state: "visible" });
    await page.locator(hook("callback-cancel")).click();

    await available.check();
    await agent.page.locator(`${chook("available")}[data-state="available"]`).waitFor();
    await say(page, "I want to talk to a human");
    await w.notice("queued").waitFor();
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await closeAll(agent.context, context);
  }
});

test("network drop and return: nothing lost, nothing doubled", async () => {
  const { agent, visitor, page } = await handoff();
  const w = widget(page);
  await visitor.context.setOffline(true);
  await connection(page, "reconnecting");
  assert.match(await w.status.textContent(), /\S/, "the widget shows it is reconnecting");

  await agentSays(agent.page, "Message sent while you were offline");
  await w.input.fill("Typed while offline");
  await w.send.click();
  await visitorMessage(page, "Typed while offline").and(page.locator('[data-state="pending"]')).waitFor();
  await page.waitForTimeout(1500);
  assert.equal(await consoleMessage(agent.page, "Typed while offline").count(), 0, "nothing goes through while offline");

  await visitor.context.setOffline(false);
  await connection(page, "online");
  await w.from("agent").filter({ hasText: "Message sent while you were offline" }).waitFor();
  await visitorMessage(page, "Typed while offline").and(page.locator('[data-state="sent"]')).waitFor();
  await consoleMessage(agent.page, "Typed while offline").waitFor();
  await page.waitForTimeout(1000);
  assert.equal(await countOf(w.from("agent").filter({ hasText: "Message sent while you were offline" })), 1);
  assert.equal(await countOf(visitorMessage(page, "Typed while offline")), 1);
  assert.equal(await countOf(consoleMessage(agent.page, "Typed while offline")), 1);
  await assertNoSeqTwice(page);
  await closeAll(agent.context, visitor.context);
});

test("a dropped socket, a lost ack and events delivered twice: re-sent once, stored once, shown once", async () => {
  const link = { current: null, refuse: false, lostOnce: false, lostClientId: null, hellos: [], lostSent: [] };
  const prepare = (page) =>
    page.routeWebSocket(/\/v1\/ws$/, (ws) => {
      if (link.refuse) return ws.close();
      const server = ws.connectToServer();
      link.current = { ws, server };
      ws.onMessage((m) => {
        const frame = JSON.parse(m);
        if (frame.type === "hello") link.hellos.push(frame);
        if (frame.text === "This ack gets lost") link.lostSent.push(frame.client_id);
        if (frame.text === "This ack gets lost" && !link.lostOnce) {
          link.lostOnce = true;
          link.lostClientId = frame.client_id;
        }
        server.send(m);
      });
      server.onMessage((m) => {
        const forwarded = withoutLost(JSON.parse(m), link);
        if (!forwarded) return;
        ws.send(JSON.stringify(forwarded));
        if (forwarded.type === "event") ws.send(JSON.stringify(forwarded));
      });
    });
  const { agent, visitor, page } = await handoff({ prepare });
  const w = widget(page);

  await w.input.fill("This ack gets lost");
  await w.send.click();
  await consoleMessage(agent.page, "This ack gets lost").waitFor();
  await page.waitForTimeout(300);
  assert.equal(await visitorMessage(page, "This ack gets lost").getAttribute("data-state"), "pending", "without an ack the message stays pending");

  link.refuse = true;
  await link.current.ws.close({ code: 1012, reason: "test drops the socket" });
  await link.current.server.close();
  await connection(page, "reconnecting");
  await agentSays(agent.page, "Sent while your socket was down");
  await page.waitForTimeout(800);
  link.refuse = false;

  await connection(page, "online");
  const resume = link.hellos.at(-1);
  assert.ok(resume.conversation_id && resume.token && resume.last_seq > 0, "the widget resumes: " + JSON.stringify(resume));
  await visitorMessage(page, "This ack gets lost").and(page.locator('[data-state="sent"]')).waitFor();
  await w.from("agent").filter({ hasText: "Sent while your socket was down" }).waitFor();
  await page.waitForTimeout(1000);
  assert.equal(link.lostSent.length, 2, "sent, then re-sent once after the resume");
  assert.equal(new Set(link.lostSent).size, 1, "re-sent with the same client_id");
  assert.equal(await countOf(visitorMessage(page, "This ack gets lost")), 1);
  assert.equal(await countOf(consoleMessage(agent.page, "This ack gets lost")), 1, "the re-sent message is stored once");
  assert.equal(await countOf(w.from("agent").filter({ hasText: "Sent while your socket was down" })), 1);
  await assertNoSeqTwice(page);
  await closeAll(agent.context, visitor.context);
});

/**
 * Drops the server's ack and echo of the lost message while the first socket lives, and strips
 * that echo from the next welcome once, so the widget must re-send it with the same client_id.
 * (The route also delivers every event frame twice: the widget must show each once.)
 */
function withoutLost(frame, link) {
  const id = link.lostClientId;
  if (!id) return frame;
  if (frame.type === "welcome") {
    link.lostClientId = null;
    return { ...frame, events: (frame.events || []).filter((e) => e.client_id !== id) };
  }
  return frame.client_id === id ? null : frame;
}

async function assertNoSeqTwice(page) {
  const seqs = await page.locator(hook("message")).evaluateAll((els) => els.map((e) => e.dataset.seq).filter(Boolean));
  assert.equal(new Set(seqs).size, seqs.length, "no seq shown twice: " + seqs.join(","));
}

test("markup typed by the visitor or the agent is shown as text and never runs", async () => {
  const payload = "<img src=x onerror=window.__xss=1>";
  const { agent, visitor, page } = await handoff({ first: [payload] });
  const shown = consoleMessage(agent.page, payload);
  await shown.waitFor();
  assert.equal(await shown.getAttribute("data-from"), "visitor");

  const reply = "<img src=x onerror=window.__xss=2><script>window.__xss=3</script> javascript:alert(1) https://brightwood.example/help";
  await agentSays(agent.page, reply);
  const received = widget(page).from("agent").filter({ hasText: "javascript:alert(1)" });
  await received.waitFor();
  assert.equal(await received.locator(hook("text")).textContent(), reply);
  const links = await received.locator("a").evaluateAll((as) => as.map((a) => a.href));
  assert.deepEqual(links, ["https://brightwood.example/help"], "only the http(s) URL becomes a link");

  await page.waitForTimeout(500);
  assert.equal(await visitorMessage(page, payload).locator(hook("text")).textContent(), payload);
  assert.equal(await page.locator(`${hook("log")} img, ${hook("log")} script`).count(), 0, "no element made from the widget's text");
  assert.equal(await agent.page.locator(`${chook("messages")} img, ${chook("messages")} script, ${chook("queue")} img`).count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing ran in the visitor's page");
  assert.equal(await agent.page.evaluate(() => window.__xss), undefined, "nothing ran in the console");
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(agent.page.pageErrors, []);
  await closeAll(agent.context, visitor.context);
});

test("the agent closes with a resolution; the visitor rates it; the next message starts a new conversation", async () => {
  const { agent, visitor, page, frames, id } = await handoff();
  await agent.page.locator(chook("resolution")).selectOption("solved");
  await agent.page.locator(chook("close")).click();
  await page.locator(`${hook("notice")}[data-kind="closed"]`).waitFor();
  await agent.page.locator(chook("dismiss")).waitFor();
  // The agent's close asks the visitor to rate the conversation, after the closed notice.
  const rating = page.locator(hook("rating"));
  await rating.waitFor();
  await rating.locator(`${hook("rate")}[data-score="2"]`).click();
  await rating.filter({ hasText: /Thanks/ }).waitFor();
  assert.deepEqual(frames.sent.filter((f) => f.type === "rate"), [{ type: "rate", score: 2 }]);
  await eventually(async () => {
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith("relais:")))).conv.id);
    assert.equal(stored, null, "rated: the ended conversation is forgotten");
  });

  const hellos = frames.sent.filter((f) => f.type === "hello").length;
  await say(page, "One more question please");
  const hello = frames.sent.filter((f) => f.type === "hello")[hellos];
  assert.equal(hello.conversation_id, undefined, "a new hello, not a resume");
  const welcome = frames.received.filter((f) => f.type === "welcome").at(-1);
  assert.notEqual(welcome.conversation_id, id);

  await agent.page.locator(chook("dismiss")).click();
  assert.equal(await agent.page.locator(`${chook("mine-item")}[data-conversation-id="${id}"]`).count(), 0);
  await closeAll(agent.context, visitor.context);
});

test("when their agent is disabled, the visitor is back in the queue and may leave a callback instead", async () => {
  const { agent, visitor, page } = await handoff({ account: LEAVER });
  const login = await fetch(BASE + "/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  const { token } = await login.json();
  const disabled = await fetch(BASE + "/v1/agents/disable", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: JSON.stringify({ email: LEAVER.email }),
  });
  assert.equal((await disabled.json()).requeued, 1);

  const w = widget(page);
  await w.notice("agent_left").waitFor();
  assert.match(await w.notice("agent_left").textContent(), /Leo left the conversation; you are back in the queue/);
  await eventually(async () => assert.equal(await w.root.getAttribute("data-handoff"), "queued"));
  await page.locator(hook("callback-instead")).waitFor({ state: "visible" });
  assert.deepEqual(page.pageErrors, []);
  await closeAll(agent.context, visitor.context);
});
