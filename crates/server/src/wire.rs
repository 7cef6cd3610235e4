//! Frames of protocol v1 (PROTOCOL.md): parsing what clients send, with `bad_frame` and
//! `unknown_type` told apart, and rendering stored events as the frames each side sees.

use std::collections::BTreeMap;

use relais_dialogue::{Event, EventKind};
use relais_store::StoredEvent;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::config::Limits;
use crate::error::{ClientError, ErrorCode};
use crate::validate;

/// Where the visitor is.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// A host site's word for who the visitor is.
#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    pub user_id: String,
    pub signature: String,
}

/// A visitor's `hello`: start (none of the three resume fields) or resume (all three).
#[derive(Debug, Clone, Deserialize)]
pub struct Hello {
    pub conversation_id: Option<String>,
    pub token: Option<String>,
    pub last_seq: Option<u64>,
    pub lang: Option<String>,
    pub page: Option<Page>,
    pub visitor: Option<Map<String, Value>>,
    pub identity: Option<Identity>,
    /// The widget's random id for this browser, kept in its storage.
    pub browser_id: Option<String>,
}

/// What the widget sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorFrame {
    Hello(Hello),
    Message {
        client_id: String,
        text: String,
    },
    QuickReply {
        client_id: String,
        payload: String,
    },
    Feedback {
        seq: u64,
        helpful: bool,
    },
    PageView {
        url: String,
        title: Option<String>,
    },
    RequestAgent {
        reason: Option<String>,
    },
    CallbackRequest {
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        preferred_time: Option<String>,
        note: Option<String>,
    },
    Identify {
        #[serde(default)]
        visitor: Option<Map<String, Value>>,
        identity: Option<Identity>,
    },
    /// The visitor's rating of the conversation, after a `rating_request`.
    Rate {
        score: u8,
    },
    Typing,
    Close,
}

const VISITOR_TYPES: &[&str] = &[
    "hello",
    "message",
    "quick_reply",
    "feedback",
    "page_view",
    "request_agent",
    "callback_request",
    "identify",
    "rate",
    "typing",
    "close",
];

/// What the console sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    Hello {
        token: String,
        /// Away agents are not offered new conversations; available by default.
        #[serde(default = "available")]
        available: bool,
    },
    Status {
        available: bool,
    },
    Claim {
        conversation_id: String,
    },
    Message {
        conversation_id: String,
        client_id: String,
        text: String,
    },
    Typing {
        conversation_id: String,
    },
    Note {
        conversation_id: String,
        text: String,
    },
    HandBack {
        conversation_id: String,
    },
    /// "The bot got this wrong": the turn of message or reply `seq`, to review.
    Flag {
        conversation_id: String,
        seq: u64,
    },
    Close {
        conversation_id: String,
        #[serde(default)]
        resolution: Option<String>,
    },
}

fn available() -> bool {
    true
}

const AGENT_TYPES: &[&str] = &[
    "hello",
    "status",
    "claim",
    "message",
    "typing",
    "note",
    "hand_back",
    "flag",
    "close",
];

/// A visitor's frame, parsed and checked ([`validate::visitor`]).
pub fn parse_visitor(text: &str, limits: &Limits) -> Result<VisitorFrame, ClientError> {
    let frame = parse(text, VISITOR_TYPES)?;
    validate::visitor(&frame, limits)?;
    Ok(frame)
}

/// An agent's frame, parsed and checked ([`validate::agent`]).
pub fn parse_agent(text: &str, limits: &Limits) -> Result<AgentFrame, ClientError> {
    let frame = parse(text, AGENT_TYPES)?;
    validate::agent(&frame, limits)?;
    Ok(frame)
}

/// Parses a frame: not a JSON object with a string `type` → `bad_frame`; a `type` not
/// in `known` → `unknown_type`; missing or mistyped fields → `bad_frame` naming them.
fn parse<T: DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, ClientError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ClientError::bad_frame(format!("the frame is not valid JSON: {e}")))?;
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return Err(ClientError::bad_frame(
            "a frame must be a JSON object with a string \"type\"",
        ));
    };
    if !known.contains(&kind) {
        return Err(ClientError::new(
            ErrorCode::UnknownType,
            format!("unknown frame type {kind:?}; expected one of {}", known.join(", ")),
        ));
    }
    let kind = kind.to_owned();
    serde_json::from_value(value)
        .map_err(|e| ClientError::bad_frame(format!("bad {kind:?} frame: {e}")))
}

/// Visitor attributes as strings (numbers and booleans written out, nested values as JSON).
pub fn attributes(object: &Map<String, Value>) -> BTreeMap<String, String> {
    object
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// The RFC 3339 form of a time in ms since the epoch.
pub fn rfc3339(at_ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(at_ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

/// The `event` frame a visitor sees for a stored event, or `None` for internal kinds.
pub fn visitor_event(stored: &StoredEvent) -> Option<Value> {
    let mut frame = public_fields(&stored.event)?;
    frame.insert("type".into(), "event".into());
    frame.insert("seq".into(), stored.seq.into());
    frame.insert("at".into(), rfc3339(stored.event.at).into());
    Some(Value::Object(frame))
}

/// The `event` frame an agent sees: the visitor's kinds plus internal notes and the
/// visitor's rating, with the conversation named.
pub fn agent_event(conversation_id: &str, stored: &StoredEvent) -> Option<Value> {
    let mut frame = match &stored.event.kind {
        EventKind::AgentNote {
            text, agent_name, ..
        } => object(json!({"kind": "note", "from": "agent", "agent_name": agent_name, "text": text})),
        EventKind::ConversationRated { score, scale } => {
            object(json!({"kind": "rating", "from": "visitor", "score": score, "scale": scale}))
        }
        _ => public_fields(&stored.event)?,
    };
    frame.insert("type".into(), "event".into());
    frame.insert("conversation_id".into(), conversation_id.into());
    frame.insert("seq".into(), stored.seq.into());
    frame.insert("at".into(), rfc3339(stored.event.at).into());
    Some(Value::Object(frame))
}

/// An entry of `GET /v1/conversations/{id}/events`, the whole log: the agent's `event`
/// frame for the kinds agents see live (an agent's close with its `resolution`), and for
/// internal kinds the same envelope (`type`, `conversation_id`, `seq`, `at`) around the
/// event's own fields.
pub fn log_event(conversation_id: &str, stored: &StoredEvent) -> Value {
    let mut frame = match agent_event(conversation_id, stored) {
        Some(Value::Object(frame)) => frame,
        _ => {
            let mut frame = object(serde_json::to_value(&stored.event.kind).unwrap_or(Value::Null));
            frame.insert("type".into(), "event".into());
            frame.insert("conversation_id".into(), conversation_id.into());
            frame.insert("seq".into(), stored.seq.into());
            frame.insert("at".into(), rfc3339(stored.event.at).into());
            frame
        }
    };
    if let EventKind::Closed {
        resolution: Some(resolution),
        ..
    } = &stored.event.kind
    {
        frame.insert("resolution".into(), resolution.as_str().into());
    }
    Value::Object(frame)
}

/// The `delivery` frame: what became of the outbound message `seq` on the
/// conversation's channel (`pending`, `sent`, `delivered`, `failed` with `error`).
pub fn delivery_frame(status: &relais_store::DeliveryStatus) -> Value {
    json!({
        "type": "delivery", "conversation_id": status.conversation_id, "seq": status.seq,
        "state": status.state.as_str(), "attempts": status.attempts, "error": status.error,
    })
}

/// A `typing` event frame at `at` (ms); `seq` is the last stored one (typing is never stored).
pub fn typing_event(from: &str, last_seq: u64, at: i64, conversation_id: Option<&str>) -> Value {
    let mut frame = object(json!({
        "type": "event", "kind": "typing", "from": from, "seq": last_seq,
        "at": rfc3339(at),
    }));
    if let Some(id) = conversation_id {
        frame.insert("conversation_id".into(), id.into());
    }
    Value::Object(frame)
}

/// The protocol's fields of the visitor-visible kinds.
fn public_fields(event: &Event) -> Option<Map<String, Value>> {
    let value = match &event.kind {
        EventKind::VisitorMessage { text, client_id } => {
            json!({"kind": "message", "from": "visitor", "text": text, "client_id": client_id})
        }
        EventKind::BotMessage {
            text,
            quick_replies,
            sources,
            ask_feedback,
            ..
        } => {
            let mut fields = object(json!({"kind": "message", "from": "bot", "text": text}));
            if !quick_replies.is_empty() {
                fields.insert("quick_replies".into(), json!(quick_replies));
            }
            if !sources.is_empty() {
                fields.insert("sources".into(), json!(sources));
            }
            if *ask_feedback {
                fields.insert("ask_feedback".into(), true.into());
            }
            Value::Object(fields)
        }
        EventKind::AgentMessage {
            text, agent_name, ..
        } => json!({"kind": "message", "from": "agent", "text": text, "agent_name": agent_name}),
        EventKind::Handoff {
            state,
            reason,
            agent_name,
            position,
        } => {
            let mut fields = object(json!({"kind": "handoff", "state": state}));
            if let Some(reason) = reason {
                fields.insert("reason".into(), json!(reason));
            }
            if let Some(position) = position {
                fields.insert("position".into(), json!(position));
            }
            if let Some(name) = agent_name {
                fields.insert("agent_name".into(), json!(name));
            }
            Value::Object(fields)
        }
        EventKind::Closed { by, .. } => json!({"kind": "closed", "by": by}),
        EventKind::RatingAsked { scale } => json!({"kind": "rating_request", "scale": scale}),
        _ => return None,
    };
    Some(object(value))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// An `error` frame.
pub fn error_frame(error: &ClientError) -> Value {
    json!({"type": "error", "code": error.code.as_str(), "message": error.message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frames_and_unknown_types_are_told_apart() {
        let limits = Limits::default();
        let parse_visitor = |text| parse_visitor(text, &limits);
        let parse_agent = |text| parse_agent(text, &limits);
        assert_eq!(parse_visitor("{").unwrap_err().code, ErrorCode::BadFrame);
        assert_eq!(parse_visitor("[1]").unwrap_err().code, ErrorCode::BadFrame);
        assert_eq!(parse_visitor(r#"{"type": 3}"#).unwrap_err().code, ErrorCode::BadFrame);
        assert_eq!(
            parse_visitor(r#"{"type": "dance"}"#).unwrap_err().code,
            ErrorCode::UnknownType
        );
        let missing = parse_visitor(r#"{"type": "message", "text": "hi"}"#).unwrap_err();
        assert_eq!(missing.code, ErrorCode::BadFrame);
        assert!(missing.message.contains("client_id"), "{}", missing.message);
        assert!(matches!(
            parse_visitor(r#"{"type": "message", "client_id": "1", "text": "hi", "extra": 1}"#),
            Ok(VisitorFrame::Message { .. })
        ));
        assert!(matches!(
            parse_agent(r#"{"type": "hand_back", "conversation_id": "c"}"#),
            Ok(AgentFrame::HandBack { .. })
        ));
    }

    #[test]
    fn internal_events_stay_internal() {
        let note = StoredEvent {
            seq: 4,
            event: Event {
                at: 0,
                kind: EventKind::AgentNote {
                    text: "VIP".into(),
                    agent_id: 1,
                    agent_name: "Ann".into(),
                },
            },
        };
        assert_eq!(visitor_event(&note), None);
        let frame = agent_event("c", &note).unwrap();
        assert_eq!(
            (&frame["kind"], &frame["text"], &frame["seq"], &frame["conversation_id"]),
            (&json!("note"), &json!("VIP"), &json!(4), &json!("c"))
        );
        let reply = StoredEvent {
            seq: 5,
            event: Event {
                at: 1_795_392_000_123,
                kind: EventKind::BotMessage {
                    text: "Hi".into(),
                    quick_replies: Vec::new(),
                    sources: Vec::new(),
                    intent: None,
                    ask_feedback: true,
                },
            },
        };
        let frame = visitor_event(&reply).unwrap();
        assert_eq!(frame["at"], "2026-11-23T00:00:00.123Z");
        assert_eq!(frame["from"], "bot");
        assert_eq!(frame["ask_feedback"], true);
        assert!(frame.get("quick_replies").is_none());
    }

    #[test]
    fn the_log_wraps_internal_kinds_in_the_frame_envelope() {
        let stored = |seq, kind| StoredEvent {
            seq,
            event: Event { at: 1_795_392_000_000, kind },
        };
        let predicted = stored(
            2,
            EventKind::IntentPredicted {
                intent: "order_status".into(),
                confidence: 0.5,
                ranking: Vec::new(),
                oos: false,
                ambiguous: false,
            },
        );
        let entry = log_event("c", &predicted);
        assert_eq!(
            (&entry["type"], &entry["kind"], &entry["intent"], &entry["seq"], &entry["at"], &entry["conversation_id"]),
            (&json!("event"), &json!("intent_predicted"), &json!("order_status"), &json!(2), &json!("2026-11-23T00:00:00.000Z"), &json!("c"))
        );
        let closed = stored(3, EventKind::Closed { by: "agent".into(), resolution: Some("solved".into()) });
        let entry = log_event("c", &closed);
        assert_eq!((&entry["kind"], &entry["by"], &entry["resolution"]), (&json!("closed"), &json!("agent"), &json!("solved")));
        assert_eq!(visitor_event(&closed).unwrap().get("resolution"), None);
    }
}
