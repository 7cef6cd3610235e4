/**
 * Proactive invitations (GET /v1/widget/config, `[[server.proactive]]` in relais.toml): which
 * rule, if any, invites the visitor on a page. Pure: the widget keeps the timer and the record
 * of invitations already shown in this tab.
 */

/** Whether `path` matches `pattern`, where `*` stands for anything. */
export function globMatch(pattern, path) {
  const re = String(pattern).split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp("^" + re + "$").test(path);
}

/** What records that a rule was shown (once per rule per tab). */
export function ruleKey(rule) {
  return rule.url_pattern + "|" + rule.text;
}

/** The first rule with a text, for `lang` (or any language), matching `path`, not in `shown`. */
export function matchingRule(rules, lang, path, shown) {
  return rules.find((r) => r && r.text && (!r.lang || r.lang === lang) && globMatch(r.url_pattern || "", path) && !shown.includes(ruleKey(r)));
}
