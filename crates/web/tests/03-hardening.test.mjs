/**
 * Browser tests of the hardened server's side of the widget and the console: errors the
 * widget must act on (`closed`, `limit_reached`), close codes it must not hammer the server
 * after (1009), sign out that revokes the session, a long queue (the `queue` frame lists 50
 * entries and the true total; the console reads the rest over HTTP), the verified user id
 * shown apart from what a visitor claims, login refused for too many attempts, and the
 * content security policy the server sends with every page.
 *
 * The first test needs no agent online (nobody may be signed in before it); the long-queue
 * test runs last and closes the conversations it queued, as later tests share the server.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  BASE,
  chook,
  connection,
  consoleToken,
  eventually,
  hook,
  launch,
  loginConsole,
  newPage,
  openWidget,
  say,
  signIdentity,
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

/** The conversation id the widget keeps in localStorage. */
function storedConversation(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith("relais:")))).conv.id);
}

/** GET `path` with an agent's token: the status, the body and X-Total-Count. */
async function agentGet(token, path) {
  const res = await fetch(BASE + path, { headers: { Authorization: "Bearer " + token } });
  const body = await res.json().catch(() => null);
  return { status: res.status, body, total: Number(res.headers.get("x-total-count")) };
}

/** Claims `id` from the console's queue, asking for more of the queue until it shows. */
async function claim(agentPage, id) {
  const item = agentPage.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
  await eventually(async () => {
    if (await item.count()) return;
    const more = agentPage.locator(`${chook("queue-more")}:visible`);
    if (await more.count()) await more.click();
    throw new Error(id + " is not in the console's queue");
  });
  await item.locator(chook("claim")).click();
  await agentPage.locator(chook("thread-title")).filter({ hasText: id }).waitFor();
}

test("a callback request over the conversation's limit gets a short notice", async () => {
  const { context, page } = await newPage(browser);
  // The server allows a few callback requests per conversation; rather than send them all,
  // the route answers this one as the server answers the one too many.
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (JSON.parse(m).type !== "callback_request") return server.send(m);
      ws.send(JSON.stringify({ type: "error", code: "limit_reached", message: "this conversation already has 5 callback requests" }));
    });
  });
  await page.goto(BASE + "/help.html");
  const w = await openWidget(page);
  await say(page, "I want to talk to a human");
  await w.notice("no_agent_available").waitFor();
  await w.callbackForm.waitFor({ state: "visible" });
  await page.locator(hook("callback-email")).fill("limit@example.com");
  await page.locator(hook("callback-submit")).click();
  await page.locator(hook("notice")).filter({ hasText: "You have already asked to be called back several times in this conversation." }).waitFor();
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("a conversation closed too long ago to resume is replaced by a new one", async () => {
  const { context, page } = await newPage(browser);
  const seen = { hellos: [], welcomes: 0 };
  // The server answers `closed` to resuming a conversation closed more than a day ago.
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const frame = JSON.parse(m);
      if (frame.type === "hello") seen.hellos.push(frame);
      if (frame.conversation_id !== "closed-long-ago") return server.send(m);
      ws.send(JSON.stringify({ type: "error", code: "closed", message: "this conversation is closed" }));
    });
    server.onMessage((m) => {
      if (JSON.parse(m).type === "welcome") seen.welcomes += 1;
      ws.send(m);
    });
  });
  await page.goto(BASE + "/");
  await page.evaluate((base) => {
    const old = { id: "closed-long-ago", token: "old-token", lastSeq: 7 };
    const entries = [{ kind: "message", from: "bot", text: "A message from a closed conversation", seq: 7 }];
    localStorage.setItem("relais:" + base, JSON.stringify({ conv: old, entries, pending: [] }));
  }, BASE);
  await page.reload();
  await eventually(() => assert.equal(seen.welcomes, 1));
  assert.equal(seen.hellos[0].conversation_id, "closed-long-ago", "the widget first tries to resume");
  assert.equal(seen.hellos.at(-1).conversation_id, undefined, "then starts afresh");
  const w = widget(page);
  await w.launcher.click();
  await w.from("bot").first().waitFor();
  assert.equal(await page.getByText("A message from a closed conversation").count(), 0);
  await say(page, "hello after a closed conversation");
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("a message refused as `closed` ends the conversation and goes to a new one, not round and round", async () => {
  const { context, page } = await newPage(browser);
  const hellos = [];
  let refused = 0;
  // As if the conversation had been closed while this message was on its way.
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const frame = JSON.parse(m);
      if (frame.type === "hello") hellos.push(frame);
      if (frame.text !== "Written as it closed" || refused) return server.send(m);
      refused += 1;
      ws.send(JSON.stringify({ type: "error", code: "closed", message: "this conversation is closed" }));
    });
  });
  await page.goto(BASE + "/help.html");
  const w = await openWidget(page);
  await say(page, "hello");
  const first = await storedConversation(page);
  await w.input.fill("Written as it closed");
  await w.send.click();
  await page.locator(`${hook("notice")}[data-kind="closed"]`).waitFor();
  await visitorMessage(page, "Written as it closed").and(page.locator('[data-state="sent"]')).waitFor();
  const second = await storedConversation(page);
  assert.ok(second && second !== first, `the message starts a new conversation (${first} → ${second})`);
  const resumes = hellos.filter((f) => f.conversation_id === first);
  assert.equal(resumes.length, 0, "the closed conversation is not resumed");
  assert.equal(refused, 1);
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test("a socket closed for a frame too big (1009) is not reopened in a tight loop", async () => {
  const { context, page } = await newPage(browser);
  const sockets = [];
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    sockets.push(ws);
    ws.connectToServer();
  });
  await page.goto(BASE + "/help.html");
  await openWidget(page);
  await connection(page, "online");
  assert.equal(sockets.length, 1);
  await sockets[0].close({ code: 1009, reason: "frame over 262144 bytes" });
  await connection(page, "reconnecting");
  await page.waitForTimeout(4000);
  assert.equal(sockets.length, 1, "no new socket within 4 s after 1009 (backoff starts at 0.5 s)");
  await context.close();
});

test("Sign out revokes the session on the server and shows the login screen", async () => {
  const agent = await loginConsole(browser);
  const token = await consoleToken(agent.page);
  assert.equal((await agentGet(token, "/v1/conversations")).status, 200);

  await agent.page.locator(chook("logout")).click();
  await agent.page.locator(chook("login-form")).waitFor({ state: "visible" });
  await eventually(async () => assert.equal((await agentGet(token, "/v1/conversations")).status, 401, "the old token is refused"));
  assert.equal(await agent.page.evaluate(() => sessionStorage.getItem("relais-console")), null);
  assert.deepEqual(agent.page.pageErrors, []);
  await agent.context.close();
});

test("too many sign-in attempts, or a busy server: the login form says which, and how long to wait", async () => {
  const { context, page } = await newPage(browser);
  // Real attempts would lock the shared test account out for the next tests: the route
  // answers as the server does over its limit (the messages are the server's own,
  // crates/server/src/http/auth.rs), then as a server busy checking passwords, then with
  // no message at all.
  const answers = [
    ["42", "too many login attempts for this account or from this address; try again in 42 s"],
    ["1", "the server is checking many passwords at once; try again in 1 s"],
    ["7", null],
  ];
  let next = 0;
  await page.route("**/v1/auth/login", (route) => {
    const [wait, message] = answers[next++];
    return route.fulfill({
      status: 429,
      headers: { "Retry-After": wait, "Content-Type": "application/json" },
      body: message ? JSON.stringify({ error: { code: "rate_limited", message } }) : "",
    });
  });
  await page.goto(BASE + "/console");
  await page.locator(chook("email")).fill("someone@example.com");
  await page.locator(chook("password")).fill("a guess");
  for (const shown of [
    /^Too many login attempts for this account or from this address; try again in 42 s\.$/,
    /^The server is checking many passwords at once; try again in 1 s\.$/,
    /^Too many attempts; try again in 7 s\.$/,
  ]) {
    await page.locator(chook("login-submit")).click();
    await eventually(async () => assert.match(await page.locator(chook("login-error")).textContent(), shown));
  }
  await context.close();
});

test("the verified user id shows apart from what visitors claim; a claimed user_id is not verified", async () => {
  const agent = await loginConsole(browser);
  const verifiedId = "ada-17<img src=x>";
  const signed = await newPage(browser);
  await signed.page.goto(BASE + "/help.html");
  await signed.page.waitForFunction(() => window.Relais);
  await signed.page.evaluate(([id, signature]) => window.Relais.identify({ user_id: id, name: "Ada" }, signature), [verifiedId, signIdentity(verifiedId)]);
  await openWidget(signed.page);
  await say(signed.page, "I want to talk to a human");
  await widget(signed.page).notice("queued").waitFor();
  await claim(agent.page, await storedConversation(signed.page));

  const ctx = agent.page.locator(chook("context"));
  const verified = ctx.locator(chook("context-verified"));
  await verified.waitFor();
  assert.equal(await verified.textContent(), "Verified user: " + verifiedId, "shown as text");
  assert.equal(await ctx.locator("img").count(), 0, "no element made from the id");
  assert.equal(await ctx.locator(chook("context-visitor")).locator(chook("context-verified")).count(), 0, "apart from the claims");
  assert.match(await ctx.locator(`${chook("context-visitor")} h3`).textContent(), /as they say/);
  assert.notEqual(await verified.evaluate((el) => getComputedStyle(el).backgroundColor), await ctx.evaluate((el) => getComputedStyle(el).backgroundColor), "a style of its own");

  // Anyone can claim a user_id (and a name) in the visitor attributes, without a signature.
  const claimer = await newPage(browser);
  await claimer.page.goto(BASE + "/help.html");
  await claimer.page.waitForFunction(() => window.Relais);
  await claimer.page.evaluate(() => window.Relais.identify({ user_id: "ada-17", name: "Ada" }));
  await openWidget(claimer.page);
  await say(claimer.page, "I want to talk to a human");
  await widget(claimer.page).notice("queued").waitFor();
  const claimed = await storedConversation(claimer.page);
  await claim(agent.page, claimed);
  await eventually(async () => assert.match(await ctx.locator(chook("context-visitor")).textContent(), /user_id\s*ada-17/));
  assert.equal(await ctx.locator(chook("context-verified")).count(), 0, "a claimed user_id is never shown as verified");
  assert.match(await ctx.locator(chook("context-unverified")).textContent(), /No verified identity/);

  for (const p of [signed.page, claimer.page, agent.page]) assert.deepEqual(p.pageErrors, []);
  await signed.context.close();
  await claimer.context.close();
  await agent.context.close();
});

test("the console and the widget run under the server's content security policy", async () => {
  const violations = [];
  const watch = async (page) => {
    await page.exposeFunction("__cspViolation", (v) => violations.push(v));
    await page.addInitScript(() =>
      document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)),
    );
  };
  const visitor = await newPage(browser);
  await watch(visitor.page);
  const response = await visitor.page.goto(BASE + "/help.html");
  assert.match(response.headers()["content-security-policy"] || "", /script-src 'self'/, "the server sends its policy");
  await openWidget(visitor.page);
  await say(visitor.page, "hello");

  const { context, page } = await newPage(browser, { viewport: { width: 1400, height: 860 } });
  await watch(page);
  const consolePage = await page.goto(BASE + "/console");
  assert.match(consolePage.headers()["content-security-policy"] || "", /default-src 'self'/);
  await page.locator(chook("email")).fill(process.env.RELAIS_AGENT_EMAIL);
  await page.locator(chook("password")).fill(process.env.RELAIS_AGENT_PASSWORD);
  await page.locator(chook("login-submit")).click();
  await page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
  await page.locator(chook("kb-query")).fill("delivery");
  await page.locator(chook("kb-search")).click();
  await page.locator(chook("kb-result")).first().waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual(violations, [], "nothing the policy blocks");
  await visitor.context.close();
  await context.close();
});

/**
 * In a page of the server's origin: `count` visitors, 10 at a time (the server limits open
 * sockets per address), each starting a conversation, asking for a person and leaving once
 * queued. Resolves to their conversations ({id, token, seq}) in the order they were queued,
 * batch by batch.
 */
function queueVisitors(page, count) {
  return page.evaluate(async (count) => {
    const url = location.origin.replace(/^http/, "ws") + "/v1/ws";
    const one = (n) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        const conv = {};
        const fail = (why) => {
          ws.close();
          reject(new Error(`visitor ${n}: ${why}`));
        };
        const timer = setTimeout(() => fail("not queued within 15 s"), 15000);
        ws.onopen = () => ws.send(JSON.stringify({ type: "hello", lang: "en", page: { url: location.href, title: "Queue test" } }));
        ws.onmessage = (m) => {
          const f = JSON.parse(m.data);
          if (f.type === "welcome") {
            Object.assign(conv, { id: f.conversation_id, token: f.token, seq: 0 });
            ws.send(JSON.stringify({ type: "request_agent" }));
          } else if (f.type === "event" && f.kind === "handoff" && f.state === "queued") {
            conv.seq = f.seq;
            clearTimeout(timer);
            ws.close();
            resolve(conv);
          } else if (f.type === "error" || (f.type === "event" && f.state === "no_agent_available")) {
            clearTimeout(timer);
            fail(JSON.stringify(f));
          }
        };
      });
    const queued = [];
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: Math.min(10, count - i) }, (_, k) => one(i + k));
      queued.push(...(await Promise.all(batch)));
    }
    return queued;
  }, count);
}

/** Each visitor comes back (resumes) and ends their conversation; 10 at a time. */
function closeConversations(page, conversations) {
  return page.evaluate(async (conversations) => {
    const url = location.origin.replace(/^http/, "ws") + "/v1/ws";
    const one = (c) =>
      new Promise((resolve) => {
        const ws = new WebSocket(url);
        const done = () => {
          ws.close();
          resolve();
        };
        setTimeout(done, 10000);
        ws.onopen = () => ws.send(JSON.stringify({ type: "hello", conversation_id: c.id, token: c.token, last_seq: c.seq }));
        ws.onmessage = (m) => {
          const f = JSON.parse(m.data);
          if (f.type === "welcome") ws.send(JSON.stringify({ type: "close" }));
          else if (f.type === "error" || (f.type === "event" && f.kind === "closed")) done();
        };
      });
    for (let i = 0; i < conversations.length; i += 10) await Promise.all(conversations.slice(i, i + 10).map(one));
  }, conversations);
}

test("a queue longer than one frame: the badge shows the true total, Show more the rest", async () => {
  const agent = await loginConsole(browser);
  const token = await consoleToken(agent.page);
  const { context, page } = await newPage(browser);
  await page.goto(BASE + "/healthz");
  const queued = await queueVisitors(page, 55);
  try {
    const count = agent.page.locator(chook("queue-count"));
    let total = 0;
    await eventually(async () => {
      total = (await agentGet(token, "/v1/conversations?state=queued")).total;
      assert.ok(total >= 55, "X-Total-Count " + total);
      assert.equal(await count.textContent(), String(total), "the badge shows the true total");
    });
    assert.equal(await agent.page.title(), `(${total}) Relais console`);
    const items = agent.page.locator(chook("queue-item"));
    assert.equal(await items.count(), 50, "the queue frame lists the 50 oldest");
    assert.match(await agent.page.locator(chook("queue-shown")).textContent(), new RegExp(`Showing 50 of ${total}`));

    // The last visitors joined after all the others: beyond the first 50.
    const late = queued.slice(-5).map((c) => c.id);
    const lateItem = (id) => agent.page.locator(`${chook("queue-item")}[data-conversation-id="${id}"]`);
    for (const id of late) assert.equal(await lateItem(id).count(), 0, id + " is beyond the first page");
    await agent.page.locator(chook("queue-more")).click();
    await eventually(async () => {
      const said = await agent.page.locator(`${chook("error")}:visible`).allTextContents();
      if (said.length) throw new Error("the console says: " + said.join(" "));
      for (const id of late) assert.equal(await lateItem(id).count(), 1, id + " is shown after Show more");
    });
    assert.equal(await items.count(), Math.min(total, 100));
    assert.equal(await count.textContent(), String(total), "the badge still counts the whole queue");

    await lateItem(late[4]).locator(chook("claim")).click();
    await agent.page.locator(chook("thread-title")).filter({ hasText: late[4] }).waitFor();
    await eventually(async () => assert.equal(await lateItem(late[4]).count(), 0, "the claimed one leaves the queue"));
    await eventually(async () => assert.equal(await count.textContent(), String(total - 1)));

    const callbacks = await agentGet(token, "/v1/callbacks?limit=1");
    await eventually(async () => assert.equal(await agent.page.locator(chook("callbacks-count")).textContent(), String(callbacks.total)));
    assert.deepEqual(agent.page.pageErrors, []);
  } finally {
    await closeConversations(page, queued);
    await context.close();
    await agent.context.close();
  }
});
