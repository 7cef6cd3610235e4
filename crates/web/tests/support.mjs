/**
 * Shared helpers of the browser tests: the browser (Debian's chromium driven by
 * playwright-core), the server under test (RELAIS_URL), the agent's credentials, the
 * widget's and the console's test hooks, and polling assertions.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

/** The repository root (screenshots go to target/screenshots/ under it). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const BASE = required("RELAIS_URL").replace(/\/+$/, "");
export const AGENT = { email: required("RELAIS_AGENT_EMAIL"), password: required("RELAIS_AGENT_PASSWORD") };
/** An account with the admin role (the Insights view); read when a test signs in with it. */
export const ADMIN = {
  get email() {
    return required("RELAIS_ADMIN_EMAIL");
  },
  get password() {
    return required("RELAIS_ADMIN_PASSWORD");
  },
};
/** An agent account a test disables, so that no other test signs in with it. */
export const LEAVER = {
  get email() {
    return required("RELAIS_LEAVER_EMAIL");
  },
  get password() {
    return required("RELAIS_LEAVER_PASSWORD");
  },
};
/** The server's identity_secret, to sign user ids as a host site's backend does. */
export const IDENTITY_SECRET = required("RELAIS_IDENTITY_SECRET");

const WAIT_MS = 20000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with scripts/browser-tests.sh`);
  return value;
}

/** Launches headless chromium with the flags it needs on a closed network. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A new page in a new context, failing the test on any uncaught page error. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.pageErrors = [];
  page.on("pageerror", (err) => page.pageErrors.push(err.message));
  page.on("dialog", (dialog) => {
    page.pageErrors.push("unexpected dialog: " + dialog.message());
    dialog.dismiss();
  });
  return { context, page };
}

/** Retries `check` (which throws while its condition does not hold) until it passes. */
export async function eventually(check, timeout = WAIT_MS) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Records the JSON frames a page sends and receives on the visitor socket. */
export function recordFrames(page) {
  const frames = { sent: [], received: [], sockets: 0 };
  page.on("websocket", (ws) => {
    if (!/\/v1\/ws$/.test(ws.url())) return;
    frames.sockets += 1;
    ws.on("framesent", (f) => frames.sent.push(parse(f.payload)));
    ws.on("framereceived", (f) => frames.received.push(parse(f.payload)));
  });
  return frames;
}

function parse(payload) {
  try {
    return JSON.parse(String(payload));
  } catch {
    return { unparsed: String(payload) };
  }
}

/* ---------- the widget ---------- */

export const hook = (name) => `[data-relais="${name}"]`;

export function widget(page) {
  return {
    launcher: page.locator(hook("launcher")),
    panel: page.locator(hook("panel")),
    root: page.locator(hook("root")),
    input: page.locator(hook("input")),
    send: page.locator(hook("send")),
    status: page.locator(hook("status")),
    messages: page.locator(hook("message")),
    from: (who) => page.locator(`${hook("message")}[data-from="${who}"]`),
    notice: (state) => page.locator(`${hook("notice")}[data-state="${state}"]`),
    quickReplies: page.locator(hook("quick-reply")),
    callbackForm: page.locator(hook("callback-form")),
  };
}

/** Opens the widget with the launcher and waits for the greeting. */
export async function openWidget(page) {
  const w = widget(page);
  await w.launcher.click();
  await w.panel.waitFor({ state: "visible" });
  await w.from("bot").first().waitFor();
  return w;
}

/** Types `text` into the widget and sends it; resolves when the server acknowledged it. */
export async function say(page, text) {
  const w = widget(page);
  await w.input.fill(text);
  await w.send.click();
  await visitorMessage(page, text).last().and(page.locator('[data-state="sent"]')).waitFor();
}

export function visitorMessage(page, text) {
  return widget(page).from("visitor").filter({ has: page.locator(hook("text"), { hasText: exactly(text) }) });
}

/** The texts of every message of the widget, in order. */
export function transcript(page) {
  return page.locator(`${hook("message")} ${hook("text")}`).allTextContents();
}

/** Waits until a new bot (or agent) message arrives after `before` of them, and returns it. */
export async function nextReply(page, before, from = "bot") {
  const list = widget(page).from(from);
  await eventually(async () => assert.ok((await list.count()) > before, `no new ${from} message`));
  return list.nth(before);
}

export function exactly(text) {
  return new RegExp("^" + text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$");
}

/* ---------- the console ---------- */

export const chook = (name) => `[data-relais-console="${name}"]`;

/** The signature of `userId` for `hello.identity`: hex HMAC-SHA256(identity_secret, user id). */
export function signIdentity(userId) {
  return createHmac("sha256", IDENTITY_SECRET).update(userId).digest("hex");
}

/** The console's session token (what /v1/auth/login returned), from its session storage. */
export function consoleToken(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem("relais-console")).token);
}

/** Signs the agent (or `account`, such as ADMIN) in to /console and waits until its socket is online. */
export async function loginConsole(browser, account = AGENT) {
  const { context, page } = await newPage(browser, { viewport: { width: 1400, height: 860 } });
  await page.goto(BASE + "/console");
  await page.locator(chook("email")).fill(account.email);
  await page.locator(chook("password")).fill(account.password);
  await page.locator(chook("login-submit")).click();
  await page.locator(`${chook("connection")}[data-state="online"]`).waitFor();
  return { context, page };
}

/** The console's messages of the open conversation whose text is exactly `text`. */
export function consoleMessage(page, text) {
  return page.locator(chook("message")).filter({ has: page.locator(chook("text"), { hasText: exactly(text) }) });
}

/* ---------- screenshots and pages ---------- */

export async function screenshot(page, name) {
  const dir = path.join(REPO, "target", "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}

/**
 * A third-party site on another origin (a local HTTP server) that embeds the widget from the
 * server under test: `pages` maps a path to its HTML. Resolves to { url, close }.
 */
export function hostSite(pages) {
  const server = http.createServer((req, res) => {
    const html = pages[new URL(req.url, "http://host").pathname];
    res.writeHead(html ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
    res.end(html || "not found");
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** A bare host page embedding the widget (from BASE) with extra attributes and head content. */
export function hostPage({ head = "", attrs = "", lang = "en", widget = true } = {}) {
  const script = widget ? `<script src="${BASE}/widget.js" ${attrs} async></script>` : "";
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Host page</title>${head}</head>
<body><h1>Host page</h1><p class="copy">Some host text.</p><button class="host-button">Host button</button>${script}</body></html>`;
}

/** Waits until the widget's connection state is `value` (connecting, online, reconnecting, idle). */
export function connection(page, value) {
  return page.locator(`[data-relais="root"][data-connection="${value}"]`).waitFor({ state: "attached" });
}
