//! Every check of what a frame holds — sizes, required fields, attribute names only the
//! server may set — in one place, run by [`crate::wire`] right after parsing, so no
//! session can act on a frame that skipped them. What needs a session's own state (rate
//! limits, the identity signature, a feedback `seq` the visitor has seen) stays with it.

use serde_json::{Map, Value};

use crate::config::Limits;
use crate::error::{ClientError, ErrorCode};
use crate::wire::{AgentFrame, Hello, VisitorFrame, attributes};

/// Most visitor attributes in a `hello` or `identify`.
const MAX_ATTRIBUTES: usize = 50;
/// Longest `client_id`, visitor's or agent's.
const MAX_CLIENT_ID: usize = 100;
/// Longest `conversation_id` and `token` in a resuming `hello` (the server's own are
/// 32 and 64 hex digits).
const MAX_CONVERSATION_ID: usize = 64;
const MAX_TOKEN: usize = 128;
/// Longest `browser_id` in a `hello` (the widget's are 32 hex digits).
const MAX_BROWSER_ID: usize = 64;
/// Highest score of a conversation rating (the 1–5 scale; thumbs are 1–2).
const MAX_RATING: u8 = 5;
/// Longest email and password an HTTP request may send (an email is at most 254 characters).
pub(crate) const MAX_EMAIL_BYTES: usize = 254;
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;
/// Attribute names only the server may set: a visitor sending them is refused, so no
/// reader of the attributes can take a claim for a verified identity.
const RESERVED_ATTRIBUTES: &[&str] = &["identity_verified", "verified_user_id"];

/// Checks a visitor's frame.
pub fn visitor(frame: &VisitorFrame, limits: &Limits) -> Result<(), ClientError> {
    let text = |field: &str, value: &str| chars(field, value, limits);
    match frame {
        VisitorFrame::Hello(hello) => self::hello(hello, limits),
        VisitorFrame::Message { client_id, text: message } => {
            self::client_id(client_id)?;
            text("text", message)?;
            not_blank(message)
        }
        VisitorFrame::QuickReply { client_id, payload } => {
            self::client_id(client_id)?;
            text("payload", payload)
        }
        VisitorFrame::Feedback { seq, .. } if *seq == 0 => Err(ClientError::bad_frame(
            "feedback.seq 0 is not an event of this conversation you have seen",
        )),
        VisitorFrame::PageView { url, title } => {
            text("url", url)?;
            optional("title", title, limits)
        }
        VisitorFrame::RequestAgent { reason } => optional("reason", reason, limits),
        VisitorFrame::CallbackRequest {
            name,
            email,
            phone,
            preferred_time,
            note,
        } => {
            for (field, value) in [
                ("name", name),
                ("email", email),
                ("phone", phone),
                ("preferred_time", preferred_time),
                ("note", note),
            ] {
                optional(field, value, limits)?;
            }
            let filled = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
            if !filled(email) && !filled(phone) {
                return Err(ClientError::bad_frame(
                    "a callback request needs an email or a phone number",
                ));
            }
            Ok(())
        }
        VisitorFrame::Identify { visitor, identity } => {
            visitor_attributes(visitor.as_ref(), limits)?;
            identity
                .as_ref()
                .map_or(Ok(()), |identity| text("identity.user_id", &identity.user_id))
        }
        VisitorFrame::Rate { score } if !(1..=MAX_RATING).contains(score) => Err(ClientError::bad_frame(
            format!("rate.score {score} is not from 1 to the scale asked (2 or {MAX_RATING})"),
        )),
        VisitorFrame::Feedback { .. } | VisitorFrame::Rate { .. } | VisitorFrame::Typing | VisitorFrame::Close => Ok(()),
    }
}

/// Checks an agent's frame.
pub fn agent(frame: &AgentFrame, limits: &Limits) -> Result<(), ClientError> {
    match frame {
        AgentFrame::Message { client_id, text, .. } => {
            self::client_id(client_id)?;
            chars("the text", text, limits)?;
            not_blank(text)
        }
        AgentFrame::Note { text, .. } => chars("the text", text, limits),
        AgentFrame::Close { resolution, .. } => optional("the resolution", resolution, limits),
        AgentFrame::Hello { .. }
        | AgentFrame::Status { .. }
        | AgentFrame::Claim { .. }
        | AgentFrame::Typing { .. }
        | AgentFrame::HandBack { .. }
        | AgentFrame::Flag { .. } => Ok(()),
    }
}

/// A `hello` starts (none of the three resume fields) or resumes (all three).
fn hello(hello: &Hello, limits: &Limits) -> Result<(), ClientError> {
    match (&hello.conversation_id, &hello.token, hello.last_seq) {
        (Some(id), Some(token), Some(_)) => {
            if id.len() > MAX_CONVERSATION_ID || token.len() > MAX_TOKEN {
                return Err(ClientError::bad_frame(format!(
                    "conversation_id and token are at most {MAX_CONVERSATION_ID} and {MAX_TOKEN} bytes"
                )));
            }
            Ok(())
        }
        (None, None, None) => {
            if let Some(lang) = &hello.lang
                && !is_language_code(lang)
            {
                return Err(ClientError::bad_frame(format!(
                    "lang {lang:?} is not a language code such as \"en\" or \"fr\""
                )));
            }
            if let Some(page) = &hello.page {
                chars("page.url", &page.url, limits)?;
                optional("page.title", &page.title, limits)?;
            }
            visitor_attributes(hello.visitor.as_ref(), limits)?;
            if let Some(browser_id) = &hello.browser_id
                && !is_browser_id(browser_id)
            {
                return Err(ClientError::bad_frame(format!(
                    "browser_id is 8 to {MAX_BROWSER_ID} letters, digits, '-' or '_'"
                )));
            }
            hello
                .identity
                .as_ref()
                .map_or(Ok(()), |identity| chars("identity.user_id", &identity.user_id, limits))
        }
        _ => Err(ClientError::bad_frame(
            "to resume, send conversation_id, token and last_seq together; to start, send none of them",
        )),
    }
}

/// A browser id: 8 to [`MAX_BROWSER_ID`] ASCII letters, digits, `-` or `_`.
fn is_browser_id(id: &str) -> bool {
    (8..=MAX_BROWSER_ID).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Visitor attributes: at most [`MAX_ATTRIBUTES`], none reserved, each within the limit.
fn visitor_attributes(visitor: Option<&Map<String, Value>>, limits: &Limits) -> Result<(), ClientError> {
    let Some(visitor) = visitor else {
        return Ok(());
    };
    if visitor.len() > MAX_ATTRIBUTES {
        return Err(ClientError::bad_frame(format!(
            "{} visitor attributes; the limit is {MAX_ATTRIBUTES}",
            visitor.len()
        )));
    }
    for (key, value) in attributes(visitor) {
        if RESERVED_ATTRIBUTES.contains(&key.trim().to_lowercase().as_str()) {
            return Err(ClientError::bad_frame(format!(
                "visitor.{key} is set by the server, never by the client; to identify a visitor, send identity {{user_id, signature}}"
            )));
        }
        chars(&key, &value, limits)?;
    }
    Ok(())
}

fn client_id(client_id: &str) -> Result<(), ClientError> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID {
        return Err(ClientError::bad_frame(format!(
            "client_id must be 1 to {MAX_CLIENT_ID} bytes"
        )));
    }
    Ok(())
}

fn not_blank(text: &str) -> Result<(), ClientError> {
    if text.trim().is_empty() {
        return Err(ClientError::bad_frame("the message is empty"));
    }
    Ok(())
}

/// Refuses a text (message, note, field) longer than the message limit.
pub fn chars(field: &str, text: &str, limits: &Limits) -> Result<(), ClientError> {
    let max = limits.max_message_chars;
    let count = text.chars().count();
    if count > max {
        return Err(ClientError::new(
            ErrorCode::TooLong,
            format!("{field} has {count} characters; the limit is {max}"),
        ));
    }
    Ok(())
}

fn optional(field: &str, text: &Option<String>, limits: &Limits) -> Result<(), ClientError> {
    text.as_deref().map_or(Ok(()), |text| chars(field, text, limits))
}

fn is_language_code(lang: &str) -> bool {
    (2..=8).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{parse_agent, parse_visitor};

    fn refused(text: &str) -> ErrorCode {
        parse_visitor(text, &Limits::default()).unwrap_err().code
    }

    #[test]
    fn every_visitor_limit_is_checked_on_parsing() {
        let long = "x".repeat(Limits::default().max_message_chars + 1);
        let many: Map<String, Value> = (0..=MAX_ATTRIBUTES).map(|i| (format!("k{i}"), Value::from(i))).collect();
        let cases = [
            (serde_json::json!({"type": "message", "client_id": "", "text": "hi"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "message", "client_id": "c".repeat(MAX_CLIENT_ID + 1), "text": "hi"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "message", "client_id": "1", "text": "  "}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "message", "client_id": "1", "text": long}), ErrorCode::TooLong),
            (serde_json::json!({"type": "callback_request", "name": "Ada", "email": " "}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "feedback", "seq": 0, "helpful": true}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "conversation_id": "c"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "lang": "en!"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "visitor": {"Identity_Verified ": "yes"}}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "browser_id": "short"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "browser_id": "b".repeat(MAX_BROWSER_ID + 1)}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "hello", "browser_id": "<script>alert(1)</script>"}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "identify", "visitor": many}), ErrorCode::BadFrame),
            (serde_json::json!({"type": "page_view", "url": long}), ErrorCode::TooLong),
        ];
        for (frame, code) in cases {
            assert_eq!(refused(&frame.to_string()), code, "{frame}");
        }
        let fine = serde_json::json!({"type": "hello", "lang": "pt-BR", "visitor": {"plan": "pro", "seats": 3}, "browser_id": "0123456789abcdef0123456789abcdef"});
        assert!(parse_visitor(&fine.to_string(), &Limits::default()).is_ok());
    }

    #[test]
    fn agent_messages_are_checked_like_visitors() {
        let blank = r#"{"type": "message", "conversation_id": "c", "client_id": "1", "text": " "}"#;
        assert_eq!(parse_agent(blank, &Limits::default()).unwrap_err().code, ErrorCode::BadFrame);
        let limits = Limits { max_message_chars: 3, ..Limits::default() };
        let note = r#"{"type": "note", "conversation_id": "c", "text": "four"}"#;
        assert_eq!(parse_agent(note, &limits).unwrap_err().code, ErrorCode::TooLong);
    }
}
