/**
 * The widget's pure helpers: its texts and choice of language (widget/strings.js) and which
 * proactive invitation applies to a page (widget/invitations.js).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { globMatch, matchingRule, ruleKey } from "../widget/invitations.js";
import { STRINGS, pickLang, text } from "../widget/strings.js";

test("every language has every text, with the same placeholders", () => {
  const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [lang, strings] of Object.entries(STRINGS)) {
    assert.deepEqual(Object.keys(strings).sort(), Object.keys(STRINGS.en).sort(), lang);
    for (const [key, value] of Object.entries(strings)) assert.deepEqual(placeholders(value), placeholders(STRINGS.en[key]), `${lang}.${key}`);
  }
});

test("the language: the first supported candidate by its first two letters, else English", () => {
  assert.equal(pickLang(["", "fr-CA", "en"]), "fr");
  assert.equal(pickLang([undefined, "de", "EN-gb"]), "en");
  assert.equal(pickLang(["de", "es"]), "en");
});

test("texts fill their placeholders; an unknown language reads English", () => {
  assert.equal(text("fr", "queuedAt", { n: 3 }), "En attente d'un conseiller (vous êtes n° 3)");
  assert.equal(text("xx", "joined", { name: "Alice" }), "Alice joined the conversation");
  assert.equal(text("en", "joined"), " joined the conversation");
});

test("url patterns: * stands for anything, everything else is literal", () => {
  assert.ok(globMatch("/products*", "/products/chair"));
  assert.ok(globMatch("*", "/"));
  assert.ok(!globMatch("/products*", "/about/products"));
  assert.ok(!globMatch("/a.b", "/axb"), "a dot is a dot");
  assert.ok(globMatch("/help/*/faq", "/help/x/y/faq"));
});

test("the invitation: the first rule with a text for this language and page not shown yet", () => {
  const rules = [
    { url_pattern: "/products*", text: "", after_seconds: 1 },
    { url_pattern: "/products*", text: "Bonjour", lang: "fr" },
    { url_pattern: "/products*", text: "Hello" },
    { url_pattern: "*", text: "Anywhere" },
  ];
  assert.equal(matchingRule(rules, "en", "/products/1", []).text, "Hello");
  assert.equal(matchingRule(rules, "fr", "/products/1", []).text, "Bonjour");
  assert.equal(matchingRule(rules, "en", "/products/1", [ruleKey(rules[2])]).text, "Anywhere");
  assert.equal(matchingRule(rules, "en", "/", [ruleKey(rules[3])]), undefined);
});
