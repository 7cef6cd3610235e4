//! What an agent sees on claiming a conversation: the `conversation` frame with its
//! `context` (the verified user id apart from the visitor's own claims, pages viewed, the
//! help-centre article the visitor last read (`topic`),
//! intents with confidence, articles shown, escalation reason, callback requests, the
//! visitor's last rating, the channel and the contact's earlier conversations on every
//! channel), built from the event log, and what became of each outbound message.

use relais_dialogue::EventKind;
use relais_store::{Store, StoredEvent};
use serde_json::{Value, json};

use crate::error::ClientError;
use crate::wire::{agent_event, rfc3339};

/// The `context` object of a `conversation` frame.
pub fn context(events: &[StoredEvent]) -> Value {
    let mut visitor = serde_json::Map::new();
    let mut verified_user_id = Value::Null;
    let mut lang = Value::Null;
    let mut started_at = Value::Null;
    let mut pages = Vec::new();
    let mut topic = Value::Null;
    let mut intents = Vec::new();
    let mut articles = Vec::new();
    let mut escalation = Value::Null;
    let mut callbacks = Vec::new();
    let mut rating = Value::Null;
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
            EventKind::TopicSet { article_id, title } => topic = json!({"article_id": article_id, "title": title}),
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
            EventKind::ConversationRated { score, scale } => {
                rating = json!({"score": score, "scale": scale, "at": at});
            }
            EventKind::HandoffRequested { reason, detail } => {
                escalation = json!({"reason": reason.as_str(), "detail": detail, "at": at});
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
        "visitor": visitor, "verified_user_id": verified_user_id, "lang": lang, "started_at": started_at, "pages": pages, "topic": topic,
        "intents": intents, "articles": articles, "escalation": escalation,
        "callback_requests": callbacks, "rating": rating,
    })
}

/// Earlier conversations of the same contact shown in the context.
const EARLIER_SHOWN: u32 = 10;

/// The `conversation` frame sent after a claim (or on reconnecting, for those held):
/// the context with the conversation's channel and the contact's earlier conversations
/// on every channel, the events, and what became of each outbound message.
pub async fn conversation_frame(store: &Store, id: &str) -> Result<Value, ClientError> {
    let events = store.events_after(id, 0).await?;
    let visible: Vec<Value> = events
        .iter()
        .filter_map(|stored| agent_event(id, stored))
        .collect();
    let mut context = context(&events);
    let conversation = store.conversation(id).await?;
    let earlier = match conversation.as_ref().and_then(|c| c.contact.as_deref()) {
        Some(contact) => store.contact_conversations(contact, id, EARLIER_SHOWN).await?,
        None => Vec::new(),
    };
    context["channel"] = json!(conversation.as_ref().map_or(relais_store::WIDGET, |c| c.channel.as_str()));
    context["address"] = json!(conversation.as_ref().and_then(|c| c.address.as_deref()));
    context["earlier"] = earlier
        .iter()
        .map(|c| json!({
            "conversation_id": c.id, "channel": c.channel, "started_at": rfc3339(c.created_at),
            "state": c.stage.as_str(), "escalation_reason": c.escalation_reason,
        }))
        .collect();
    let deliveries: Vec<Value> = store.deliveries(id).await?.iter().map(crate::wire::delivery_frame).collect();
    Ok(json!({
        "type": "conversation", "conversation_id": id,
        "context": context, "events": visible, "deliveries": deliveries,
    }))
}
