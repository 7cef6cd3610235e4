//! SMS through Twilio: the `X-Twilio-Signature` check on its webhooks, an inbound
//! message's fields, a message shaped as SMS bodies, and the Messages API call.
//!
//! The signature is base64(HMAC-SHA1(auth token, URL + every POST parameter sorted by
//! name, name then value)), over the URL Twilio called, as its security docs define it.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::{Outbound, SendError, TwilioConfig, answer, same};

/// The longest body Twilio accepts; longer replies are split into several messages.
pub const MAX_BODY_CHARS: usize = 1_600;

/// What Twilio signs for a webhook of `url` with these form parameters.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` is Twilio's signature of this request.
pub fn signature_ok(auth_token: &str, url: &str, params: &[(String, String)], header: Option<&str>) -> bool {
    header.is_some_and(|header| same(signature(auth_token, url, params).as_bytes(), header.trim().as_bytes()))
}

/// The form parameters of a webhook body, in order.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of parameter `name`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// What an inbound text asks of the conversation, keywords first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyword {
    /// STOP and its synonyms: send this number nothing more.
    Stop,
    /// START and its synonyms: sending may resume.
    Start,
    /// Anything else: a message for the conversation.
    None,
}

/// Reads the opt-out keywords carriers and Twilio honour (one word, any case). START and
/// its synonyms matter only to a number that sent STOP: the caller passes them on as a
/// message otherwise ("yes" is an answer too).
pub fn keyword(text: &str) -> Keyword {
    match text.trim().to_uppercase().as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" | "ARRET" | "ARRÊT" => Keyword::Stop,
        "START" | "YES" | "UNSTOP" | "OPTIN" => Keyword::Start,
        _ => Keyword::None,
    }
}

/// The number a reply of only a number gives ("2", " 2. "), from 1: which of the
/// numbered choices it presses.
pub fn numbered(text: &str) -> Option<usize> {
    let text = text.trim().trim_end_matches('.');
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|number| *number > 0)
}

/// The SMS bodies of `message`: its text, then "Reply 1 for …" per choice and a line
/// per source link, split at [`MAX_BODY_CHARS`] on a line or word boundary.
pub fn bodies(message: &Outbound, lang: Option<&str>) -> Vec<String> {
    let mut text = message.text.clone();
    if !message.choices.is_empty() {
        text.push('\n');
        for (index, choice) in message.choices.iter().enumerate() {
            let line = if lang == Some("fr") {
                format!("\nRépondez {} pour « {} »", index + 1, choice.title)
            } else {
                format!("\nReply {} for \"{}\"", index + 1, choice.title)
            };
            text.push_str(&line);
        }
    }
    if !message.links.is_empty() {
        text.push('\n');
        for (title, url) in &message.links {
            text.push_str(&format!("\n{title}: {url}"));
        }
    }
    split(&text, MAX_BODY_CHARS)
}

/// Splits `text` into parts of at most `most` characters, at the last newline or space
/// before the limit when there is one.
pub fn split(text: &str, most: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > most {
        let window = &rest[..most];
        let cut = window
            .iter()
            .rposition(|c| *c == '\n')
            .or_else(|| window.iter().rposition(|c| *c == ' '))
            .filter(|at| *at > most / 2)
            .unwrap_or(most);
        parts.push(rest[..cut].iter().collect::<String>().trim_end().to_owned());
        rest = rest[cut..].iter().copied().skip_while(|c| c.is_whitespace()).collect();
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.into_iter().collect());
    }
    parts
}

/// Sends one SMS body to `to` through the Messages API; returns Twilio's message id.
/// `status_url` asks Twilio to report delivery there.
pub fn send(agent: &ureq::Agent, config: &TwilioConfig, to: &str, body: &str, status_url: Option<&str>) -> Result<String, SendError> {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        config.api_base.trim_end_matches('/'),
        config.account_sid
    );
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", config.account_sid, config.auth_token));
    let mut form = vec![("To", to), ("From", config.from.as_str()), ("Body", body)];
    if let Some(status_url) = status_url {
        form.push(("StatusCallback", status_url));
    }
    let result = agent.post(&url).header("Authorization", format!("Basic {credentials}")).send_form(form);
    let reply = answer("Twilio", result)?;
    reply["sid"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SendError::final_("Twilio accepted the message but gave no sid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_params(caller: &str) -> Vec<(String, String)> {
        [("CallSid", "CA1234567890ABCDE"), ("Caller", caller), ("Digits", "1234"), ("From", caller), ("To", "+18005551212")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// The worked example of Twilio's webhook security docs (and of its SDKs' tests).
    #[test]
    fn signs_as_twilio_documents() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(signature("12345", url, &docs_params("+14158675310")), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert_eq!(signature("12345", url, &docs_params("+14158675309")), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        let mut reordered = docs_params("+14158675310");
        reordered.reverse();
        assert!(signature_ok("12345", url, &reordered, Some("GvWf1cFY/Q7PnoempGyD5oXAezc=")));
        assert!(!signature_ok("12346", url, &reordered, Some("GvWf1cFY/Q7PnoempGyD5oXAezc=")));
        assert!(!signature_ok("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &reordered, Some("GvWf1cFY/Q7PnoempGyD5oXAezc=")));
        assert!(!signature_ok("12345", url, &reordered, None));
    }

    #[test]
    fn choices_are_numbered_and_a_number_presses_one() {
        let message = Outbound {
            text: "What about your order?".into(),
            choices: vec![
                crate::Choice { title: "Track it".into(), payload: "/track".into() },
                crate::Choice { title: "Return it".into(), payload: "/return".into() },
            ],
            links: vec![("Returns".into(), "https://shop.example/returns".into())],
        };
        let body = &bodies(&message, None)[0];
        assert!(body.contains("Reply 1 for \"Track it\"\nReply 2 for \"Return it\""), "{body}");
        assert!(body.ends_with("Returns: https://shop.example/returns"), "{body}");
        assert_eq!((numbered(" 2 "), numbered("2."), numbered("12")), (Some(2), Some(2), Some(12)));
        assert_eq!((numbered("0"), numbered("+2"), numbered("2 please"), numbered("")), (None, None, None, None));
    }

    #[test]
    fn long_replies_split_at_1600_characters_on_a_word() {
        let text = "word ".repeat(700);
        let parts = split(text.trim(), MAX_BODY_CHARS);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|part| part.chars().count() <= MAX_BODY_CHARS && !part.starts_with(' ')));
        assert_eq!(parts.join(" "), text.trim());
        assert_eq!(split("", 10), vec![String::new()]);
        assert_eq!(split(&"é".repeat(25), 10).len(), 3);
    }

    #[test]
    fn stop_and_start_are_read_in_any_case() {
        assert_eq!(keyword(" stop "), Keyword::Stop);
        assert_eq!(keyword("Start"), Keyword::Start);
        assert_eq!(keyword("arrêt"), Keyword::Stop);
        assert_eq!(keyword("stop sending me the tracking"), Keyword::None);
    }
}
