//! WhatsApp through the Cloud API: the webhook's GET verification and its POSTs'
//! `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret, hex), the
//! messages and delivery statuses a POST carries, a message shaped as text, reply buttons
//! (three at most) or a list, and the `{api_base}/{phone_number_id}/messages` call.
//!
//! Outside the 24-hour customer-service window (since the contact's last message) only a
//! template message may be sent: [`WINDOW_MS`].

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{Outbound, SendError, WhatsAppConfig, answer, same};

/// How long after the contact's last message free-form messages may be sent.
pub const WINDOW_MS: i64 = 24 * 3_600_000;
/// Reply buttons a message may carry; more choices become a list.
const MAX_BUTTONS: usize = 3;
/// Rows of a list message.
const MAX_ROWS: usize = 10;
/// Characters of a button's title, and of a list row's.
const BUTTON_TITLE_CHARS: usize = 20;
const ROW_TITLE_CHARS: usize = 24;
/// Characters of a text message's body.
const MAX_TEXT_CHARS: usize = 4_096;
/// Characters of an interactive message's body.
const MAX_INTERACTIVE_CHARS: usize = 1_024;

/// The answer to the webhook's GET verification: the challenge, when the mode is
/// `subscribe` and the token is ours.
pub fn verify<'a>(config: &WhatsAppConfig, mode: Option<&str>, token: Option<&str>, challenge: Option<&'a str>) -> Option<&'a str> {
    let token_ok = token.is_some_and(|token| same(token.as_bytes(), config.verify_token.as_bytes()));
    (mode == Some("subscribe") && token_ok).then_some(challenge).flatten()
}

/// Whether `header` ("sha256=…") is the app secret's HMAC-SHA256 of `body`.
pub fn signature_ok(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_mac) = header.and_then(|header| header.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_mac) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// What a webhook POST reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A message from `from` (E.164, with its `+`), with its `wamid`.
    Message { id: String, from: String, name: Option<String>, input: Inbound },
    /// What became of a message we sent: `delivered`, `read`, `failed` (with why) …
    Status { id: String, status: String, error: Option<String> },
}

/// An inbound message's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Text(String),
    /// A reply button or list row pressed: the payload we gave it.
    Pressed(String),
    /// Anything else (an image, a location …): its type, which the bot cannot read.
    /// Reactions and unsupported messages are no notice at all.
    Other(String),
}

/// The messages and statuses of a webhook POST's JSON (other changes are skipped).
pub fn notices(body: &Value) -> Vec<Notice> {
    let mut notices = Vec::new();
    let values = body["entry"].as_array().into_iter().flatten().flat_map(|entry| entry["changes"].as_array().into_iter().flatten()).map(|change| &change["value"]);
    for value in values {
        let name = value["contacts"][0]["profile"]["name"].as_str().map(str::to_owned);
        for message in value["messages"].as_array().into_iter().flatten() {
            let (Some(id), Some(from)) = (message["id"].as_str(), message["from"].as_str()) else {
                continue;
            };
            let kind = message["type"].as_str().unwrap_or("unknown");
            let input = match kind {
                "text" => Inbound::Text(message["text"]["body"].as_str().unwrap_or_default().to_owned()),
                "interactive" => {
                    let reply = &message["interactive"];
                    let pressed = reply["button_reply"]["id"].as_str().or_else(|| reply["list_reply"]["id"].as_str());
                    match pressed {
                        Some(payload) => Inbound::Pressed(payload.to_owned()),
                        None => Inbound::Other(kind.to_owned()),
                    }
                }
                "button" => Inbound::Pressed(message["button"]["payload"].as_str().unwrap_or_default().to_owned()),
                // A reaction to a message, or what the API cannot show: nothing was said.
                "reaction" | "unsupported" | "system" => continue,
                other => Inbound::Other(other.to_owned()),
            };
            let from = if from.starts_with('+') { from.to_owned() } else { format!("+{from}") };
            notices.push(Notice::Message { id: id.to_owned(), from, name: name.clone(), input });
        }
        for status in value["statuses"].as_array().into_iter().flatten() {
            let (Some(id), Some(state)) = (status["id"].as_str(), status["status"].as_str()) else {
                continue;
            };
            let error = status["errors"][0]["title"].as_str().or_else(|| status["errors"][0]["message"].as_str()).map(str::to_owned);
            notices.push(Notice::Status { id: id.to_owned(), status: state.to_owned(), error });
        }
    }
    notices
}

/// The Graph API's message object for `message` to `to`: text with its links, reply
/// buttons for up to three choices, a list for more.
pub fn payload(to: &str, message: &Outbound, lang: Option<&str>) -> Value {
    let mut text = message.text.clone();
    for (title, url) in &message.links {
        text.push_str(&format!("\n\n{title}: {url}"));
    }
    let to = to.trim_start_matches('+');
    if message.choices.is_empty() {
        return json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"body": clip(&text, MAX_TEXT_CHARS), "preview_url": !message.links.is_empty()},
        });
    }
    let body = json!({"text": clip(&text, MAX_INTERACTIVE_CHARS)});
    let interactive = if message.choices.len() <= MAX_BUTTONS {
        let buttons: Vec<Value> = message
            .choices
            .iter()
            .map(|choice| json!({"type": "reply", "reply": {"id": choice.payload, "title": clip(&choice.title, BUTTON_TITLE_CHARS)}}))
            .collect();
        json!({"type": "button", "body": body, "action": {"buttons": buttons}})
    } else {
        let rows: Vec<Value> = message
            .choices
            .iter()
            .take(MAX_ROWS)
            .map(|choice| json!({"id": choice.payload, "title": clip(&choice.title, ROW_TITLE_CHARS)}))
            .collect();
        let button = if lang == Some("fr") { "Choisir" } else { "Choose" };
        json!({"type": "list", "body": body, "action": {"button": button, "sections": [{"title": clip(&message.text, ROW_TITLE_CHARS), "rows": rows}]}})
    };
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive", "interactive": interactive})
}

/// `text` cut to `most` characters, with an ellipsis when cut.
fn clip(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(most - 1).collect();
    clipped.push('…');
    clipped
}

/// Sends `payload` through the Graph API; returns the message's `wamid`.
pub fn send(agent: &ureq::Agent, config: &WhatsAppConfig, payload: &Value) -> Result<String, SendError> {
    let url = format!("{}/{}/messages", config.api_base.trim_end_matches('/'), config.phone_number_id);
    let result = agent.post(&url).header("Authorization", format!("Bearer {}", config.access_token)).send_json(payload);
    let reply = answer("WhatsApp", result)?;
    reply["messages"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SendError::final_("WhatsApp accepted the message but gave no id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Choice;

    fn config() -> WhatsAppConfig {
        WhatsAppConfig {
            verify_token: "let-me-in".into(),
            app_secret: "s3cret".into(),
            access_token: "token".into(),
            phone_number_id: "1234".into(),
            api_base: "http://127.0.0.1:1".into(),
        }
    }

    #[test]
    fn the_get_verification_answers_the_challenge_only_with_our_token() {
        assert_eq!(verify(&config(), Some("subscribe"), Some("let-me-in"), Some("42")), Some("42"));
        assert_eq!(verify(&config(), Some("subscribe"), Some("guess"), Some("42")), None);
        assert_eq!(verify(&config(), Some("unsubscribe"), Some("let-me-in"), Some("42")), None);
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_raw_body() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        let header = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(signature_ok("s3cret", body, Some(&header)));
        assert!(!signature_ok("other", body, Some(&header)));
        assert!(!signature_ok("s3cret", b"{}", Some(&header)));
        assert!(!signature_ok("s3cret", body, Some("sha256=zz")));
        assert!(!signature_ok("s3cret", body, None));
    }

    #[test]
    fn three_choices_are_buttons_and_four_a_list() {
        let choice = |n: usize| Choice { title: format!("Choice number {n} with a long title"), payload: format!("/c{n}") };
        let mut message = Outbound { text: "Pick one".into(), choices: (1..=3).map(choice).collect(), links: Vec::new() };
        let buttons = payload("+33612345678", &message, None);
        assert_eq!(buttons["to"], "33612345678");
        assert_eq!(buttons["interactive"]["type"], "button");
        assert_eq!(buttons["interactive"]["action"]["buttons"][2]["reply"]["id"], "/c3");
        assert_eq!(buttons["interactive"]["action"]["buttons"][0]["reply"]["title"].as_str().unwrap().chars().count(), 20);
        message.choices.push(choice(4));
        let list = payload("+33612345678", &message, Some("fr"));
        assert_eq!(list["interactive"]["type"], "list");
        assert_eq!(list["interactive"]["action"]["sections"][0]["rows"][3]["id"], "/c4");
    }

    #[test]
    fn messages_and_statuses_are_read_from_a_webhook() {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234"},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "33612345678"}],
            "messages": [
                {"from": "33612345678", "id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": "hello"}},
                {"from": "33612345678", "id": "wamid.B", "timestamp": "2", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "/track", "title": "Track"}}},
                {"from": "33612345678", "id": "wamid.C", "timestamp": "3", "type": "image", "image": {"id": "9"}}
            ],
            "statuses": [{"id": "wamid.OUT", "status": "failed", "errors": [{"code": 131047, "title": "Re-engagement message"}]}]
        }}]}]});
        let notices = notices(&body);
        assert_eq!(notices[0], Notice::Message { id: "wamid.A".into(), from: "+33612345678".into(), name: Some("Ana".into()), input: Inbound::Text("hello".into()) });
        assert!(matches!(&notices[1], Notice::Message { input: Inbound::Pressed(p), .. } if p == "/track"));
        assert!(matches!(&notices[2], Notice::Message { input: Inbound::Other(t), .. } if t == "image"));
        assert_eq!(notices[3], Notice::Status { id: "wamid.OUT".into(), status: "failed".into(), error: Some("Re-engagement message".into()) });
    }
}
