/**
 * A browser test of the SMS channel: a contact writes by SMS (signed Twilio webhooks sent
 * to the real server), asks for a person by replying "1", and the agent works the
 * conversation in the console — the channel on the queue item and in the context — and
 * replies; the reply leaves by SMS to a stand-in for Twilio's Messages API (the real one
 * cannot be reached from here), and the console shows it sent, then delivered.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { after, before, test } from "node:test";

import { BASE, chook, consoleMessage, eventually, launch, loginConsole, screenshot } from "./support.mjs";

const SMS_PORT = Number(process.env.RELAIS_SMS_PORT);
const TWILIO_TOKEN = process.env.RELAIS_TWILIO_TOKEN;
const WEBHOOK = BASE + "/v1/channels/twilio";

/** What the stand-in received: one entry per SMS sent, its form fields. */
const sent = [];
let standIn;
let browser;

before(async () => {
  assert.ok(SMS_PORT && TWILIO_TOKEN, "run with scripts/browser-tests.sh, which configures [channels.twilio]");
  standIn = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      sent.push({ path: req.url, ...fields });
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ sid: "SMstandin" + sent.length, status: "queued" }));
    });
  });
  await new Promise((resolve) => standIn.listen(SMS_PORT, "127.0.0.1", resolve));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  standIn?.close();
});

/** POSTs `params` to `url` signed as Twilio signs: HMAC-SHA1 of the URL and the sorted parameters, base64. */
async function twilio(url, params) {
  const signed = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  const signature = createHmac("sha1", TWILIO_TOKEN).update(signed).digest("base64");
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    body: new URLSearchParams(params).toString(),
  });
  assert.equal(res.status, 200, await res.text());
}

const sms = (sid, from, text) => twilio(WEBHOOK, { MessageSid: sid, From: from, To: "+15550000000", Body: text, NumMedia: "0" });

test("an SMS contact escalated to an agent in the console gets the agent's reply by SMS", async () => {
  const from = "+1555" + String(Date.now()).slice(-7);
  const agent = await loginConsole(browser);
  const { page } = agent;

  await sms("SMb1" + from, from, "are you a bot");
  await eventually(() => assert.ok(sent.some((s) => s.To === from && /Reply 1 for "Talk to an advisor"/.test(s.Body)), JSON.stringify(sent)));
  await sms("SMb2" + from, from, "1");

  const item = page.locator(chook("queue-item")).filter({ has: page.locator(chook("channel"), { hasText: "SMS" }) });
  await item.first().waitFor();
  await item.first().locator(chook("claim")).click();
  await page.locator(chook("context-channel")).filter({ hasText: from }).waitFor();
  assert.match(await page.locator(chook("context-channel")).innerText(), /SMS/);
  await consoleMessage(page, "are you a bot").waitFor();

  const reply = "Hello, this is Alice. I can help with your order.";
  await page.locator(chook("reply")).fill(reply);
  await page.locator(chook("send")).click();
  await eventually(() => assert.ok(sent.some((s) => s.To === from && s.Body === reply), "the reply left by SMS"));
  const mine = consoleMessage(page, reply);
  await mine.locator(`${chook("delivery")}[data-state="sent"]`).waitFor();
  assert.equal(await mine.locator(chook("delivery")).innerText(), "Sent by SMS");

  // Twilio reports the SMS reached the phone.
  const index = sent.findIndex((s) => s.To === from && s.Body === reply);
  await twilio(WEBHOOK + "/status", { MessageSid: "SMstandin" + (index + 1), MessageStatus: "delivered" });
  await mine.locator(`${chook("delivery")}[data-state="delivered"]`).waitFor();
  await screenshot(page, "console-sms.png");
  assert.deepEqual(page.pageErrors, []);
});
