//! What an agent sees on claiming a conversation: the `context` (the verified user id
//! apart from the visitor's own claims, pages viewed, intents with confidence, articles
//! shown, escalation reason, callback requests) and the queue's first page with its
//! true length, both built from the event log.

use relais_dialogue::EventKind;
use relais_store::{ConversationState as Stage, Page, StoredEvent};
use serde_json::{Value, json};

use crate::error::ClientError;
use crate::hub::{Hub, QUEUE_PAGE};
use crate::wire::{agent_event, reason_name, rfc3339};

/// Longest queue preview, in characters.
const PREVIEW_CHARS: usize = 140;

/// The `context` object of a `conversation` frame.
pub fn context(events: &[StoredEvent]) -> Value {
    let mut visitor = serde_json::Map::new();
    let mut verified_user_id = Value::Null;
    let mut lang = Value::Null;
    let mut started_at = Value::Null;
    let mut pages = Vec::new();
    let mut intents = Vec::new();
    let mut articles = Vec::new();
    let mut escalation = Value::Null;
    let mut callbacks = Vec::new();
    let mut last_text: Option<&str> = None;
    for stored in events {
        let at = rfc3339(stored.event.at);
        match &stored.event.kind {
            EventKind::Started {
                lang: started_lang,
                visitor: attributes,
                verified_user_id: verified,
                ..
            } => {
                started_at = at.into();
                lang = json!(started_lang);
                visitor.extend(attributes.iter().map(|(k, v)| (k.clone(), json!(v))));
                verified_user_id = json!(verified);
            }
            EventKind::VisitorIdentified {
                visitor: attributes,
                verified_user_id: verified,
            } => {
                visitor.extend(attributes.iter().map(|(k, v)| (k.clone(), json!(v))));
                if let Some(verified) = verified {
                    verified_user_id = json!(verified);
                }
            }
            EventKind::LanguageSet { lang: set } => lang = json!(set),
            EventKind::PageViewed { url, title } => {
                pages.push(json!({"url": url, "title": title, "at": at}));
            }
            EventKind::VisitorMessage { text, .. } => last_text = Some(text),
            EventKind::IntentPredicted {
                intent,
                confidence,
                oos,
                ..
            } => intents.push(json!({
                "text": last_text, "intent": intent, "confidence": confidence,
                "oos": oos, "at": at,
            })),
            EventKind::KnowledgeShown { articles: shown, .. } => {
                for article in shown {
                    articles.push(json!({"title": article.title, "url": article.url, "at": at}));
                }
            }
            EventKind::HandoffRequested { reason, detail } => {
                escalation = json!({"reason": reason_name(reason), "detail": detail, "at": at});
            }
            EventKind::CallbackRequested {
                name,
                email,
                phone,
                preferred_time,
                note,
            } => callbacks.push(json!({
                "name": name, "email": email, "phone": phone,
                "preferred_time": preferred_time, "note": note, "at": at,
            })),
            _ => {}
        }
    }
    json!({
        "visitor": visitor, "verified_user_id": verified_user_id, "lang": lang, "started_at": started_at, "pages": pages,
        "intents": intents, "articles": articles, "escalation": escalation,
        "callback_requests": callbacks,
    })
}

/// The `conversation` frame sent after a claim (or on reconnecting, for those held).
pub async fn conversation_frame(hub: &Hub, id: &str) -> Result<Value, ClientError> {
    let events = hub.store.events_after(id, 0).await?;
    let visible: Vec<Value> = events
        .iter()
        .filter_map(|stored| agent_event(id, stored))
        .collect();
    Ok(json!({
        "type": "conversation", "conversation_id": id,
        "context": context(&events), "events": visible,
    }))
}

/// The `queue` frame: how many conversations wait for an agent (`total`), and the
/// first [`QUEUE_PAGE`] of them, oldest first.
pub async fn queue_frame(hub: &Hub) -> Result<Value, ClientError> {
    let total = hub.store.count_conversations(Some(Stage::Queued)).await?;
    let waiting = hub
        .store
        .conversations(Some(Stage::Queued), Page::first(QUEUE_PAGE))
        .await?;
    let mut conversations = Vec::with_capacity(waiting.len());
    for conversation in waiting {
        let preview = hub
            .store
            .last_visitor_text(&conversation.id)
            .await?
            .map(|text| text.chars().take(PREVIEW_CHARS).collect::<String>());
        conversations.push(json!({
            "conversation_id": conversation.id,
            "waiting_since": conversation.queued_at.map(rfc3339),
            "reason": conversation.escalation_reason,
            "lang": conversation.language,
            "preview": preview,
        }));
    }
    Ok(json!({"type": "queue", "total": total, "conversations": conversations}))
}
