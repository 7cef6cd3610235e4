//! The visitor socket (`GET /v1/ws`): `hello` starts or resumes a conversation, then
//! frames become events, and the conversation's new events are forwarded once each, in
//! order, from the `seq` the visitor last saw.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use relais_dialogue::EventKind;
use relais_store::StoredEvent;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::error::ClientError;
use crate::hub::{Hub, Start, Update};
use crate::limits::{RateLimiter, SocketPermit, check_chars, check_frame};
use crate::metrics::Metrics;
use crate::token::identity_is_signed;
use crate::wire::{self, Hello, Identity, VisitorFrame};

/// Most visitor attributes in a `hello` or `identify`.
const MAX_ATTRIBUTES: usize = 50;
/// Longest `client_id`.
const MAX_CLIENT_ID: usize = 100;

/// One visitor socket's session.
struct Session {
    hub: Arc<Hub>,
    conversation: Option<String>,
    updates: Option<broadcast::Receiver<Arc<Update>>>,
    /// Highest stored `seq` sent (or known to the visitor).
    last_seq: u64,
    limiter: RateLimiter,
}

/// Serves one visitor socket until it closes or the server shuts down.
pub async fn serve(hub: Arc<Hub>, mut socket: WebSocket, permit: SocketPermit) {
    let label = Metrics::label("endpoint", "visitor");
    hub.metrics.connections.get_or_create(&label).inc();
    let limits = &hub.config.limits;
    let mut session = Session {
        limiter: RateLimiter::new(limits.frames_per_second, limits.frames_burst),
        hub: hub.clone(),
        conversation: None,
        updates: None,
        last_seq: 0,
    };
    let mut shutdown = hub.shutdown_signal();
    loop {
        let update = async {
            match session.updates.as_mut() {
                Some(updates) => updates.recv().await,
                None => std::future::pending().await,
            }
        };
        let outgoing = tokio::select! {
            _ = crate::hub::stopping(&mut shutdown) => {
                let _ = socket.send(restart_close()).await;
                break;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => session.on_frame(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => {
                    vec![session.error(&ClientError::bad_frame("frames must be JSON text, not binary"))]
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Vec::new(),
            },
            update = update => session.on_update(update).await,
        };
        if send_all(&mut socket, outgoing).await.is_err() {
            break;
        }
    }
    if let Some(id) = session.conversation.take() {
        session.updates = None;
        hub.release(&id);
    }
    hub.metrics.connections.get_or_create(&label).dec();
    drop(permit);
}

/// Close frame telling clients the server restarts: reconnect and resume.
pub fn restart_close() -> Message {
    Message::Close(Some(CloseFrame {
        code: close_code::RESTART,
        reason: "server restarting; reconnect and resume".into(),
    }))
}

pub async fn send_all(socket: &mut WebSocket, frames: Vec<Value>) -> Result<(), axum::Error> {
    for frame in frames {
        socket.send(Message::Text(frame.to_string().into())).await?;
    }
    Ok(())
}

impl Session {
    fn error(&self, error: &ClientError) -> Value {
        self.hub.metrics.error_frame(error)
    }

    async fn on_frame(&mut self, text: &str) -> Vec<Value> {
        match self.frame(text).await {
            Ok(frames) => frames,
            Err(error) => vec![self.error(&error)],
        }
    }

    async fn frame(&mut self, text: &str) -> Result<Vec<Value>, ClientError> {
        check_frame(&mut self.limiter, text, &self.hub.config.limits)?;
        let frame = wire::parse_visitor(text)?;
        if let VisitorFrame::Hello(hello) = frame {
            return self.hello(hello).await.map(|welcome| vec![welcome]);
        }
        let Some(id) = self.conversation.clone() else {
            return Err(ClientError::bad_frame("send hello first"));
        };
        let hub = self.hub.clone();
        match frame {
            VisitorFrame::Hello(_) => unreachable!("handled above"),
            VisitorFrame::Message { client_id, text } => {
                self.check_client_id(&client_id)?;
                self.check_text("text", &text)?;
                if text.trim().is_empty() {
                    return Err(ClientError::bad_frame("the message is empty"));
                }
                let seq = hub.visitor_says(&id, &client_id, &text, false).await?;
                Ok(vec![json!({"type": "ack", "client_id": client_id, "seq": seq})])
            }
            VisitorFrame::QuickReply { client_id, payload } => {
                self.check_client_id(&client_id)?;
                self.check_text("payload", &payload)?;
                let seq = hub.visitor_says(&id, &client_id, &payload, true).await?;
                Ok(vec![json!({"type": "ack", "client_id": client_id, "seq": seq})])
            }
            VisitorFrame::Feedback { seq, helpful } => {
                hub.visitor_input(&id, EventKind::Feedback { seq, helpful })
                    .await?;
                Ok(Vec::new())
            }
            VisitorFrame::PageView { url, title } => {
                self.check_text("url", &url)?;
                self.check_optional("title", &title)?;
                hub.visitor_input(&id, EventKind::PageViewed { url, title })
                    .await?;
                Ok(Vec::new())
            }
            VisitorFrame::RequestAgent { reason } => {
                self.check_optional("reason", &reason)?;
                hub.visitor_input(&id, EventKind::RequestAgent { reason })
                    .await?;
                Ok(Vec::new())
            }
            VisitorFrame::CallbackRequest {
                name,
                email,
                phone,
                preferred_time,
                note,
            } => {
                for (field, value) in [
                    ("name", &name),
                    ("email", &email),
                    ("phone", &phone),
                    ("preferred_time", &preferred_time),
                    ("note", &note),
                ] {
                    self.check_optional(field, value)?;
                }
                let filled = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
                if !filled(&email) && !filled(&phone) {
                    return Err(ClientError::bad_frame(
                        "a callback request needs an email or a phone number",
                    ));
                }
                let request = EventKind::CallbackRequested {
                    name,
                    email,
                    phone,
                    preferred_time,
                    note,
                };
                hub.visitor_input(&id, request).await?;
                Ok(Vec::new())
            }
            VisitorFrame::Identify { visitor, identity } => {
                let attributes = self.attributes(visitor, identity)?;
                hub.visitor_input(&id, EventKind::VisitorIdentified { visitor: attributes })
                    .await?;
                Ok(Vec::new())
            }
            VisitorFrame::Typing => {
                hub.typing(&id, "visitor").await?;
                Ok(Vec::new())
            }
            VisitorFrame::Close => {
                let closed = EventKind::Closed {
                    by: "visitor".into(),
                    resolution: None,
                };
                hub.visitor_input(&id, closed).await?;
                Ok(Vec::new())
            }
        }
    }

    async fn hello(&mut self, hello: Hello) -> Result<Value, ClientError> {
        let Hello {
            conversation_id,
            token,
            last_seq,
            lang,
            page,
            visitor,
            identity,
        } = hello;
        if self.conversation.is_some() {
            return Err(ClientError::bad_frame(
                "hello was already sent on this socket; open a new socket for another conversation",
            ));
        }
        let (id, token, resumed, events) = match (conversation_id, token, last_seq) {
            (Some(id), Some(token), Some(last_seq)) => {
                let updates = self.hub.subscribe(&id);
                let events = match self.hub.resume(&id, &token, last_seq).await {
                    Ok(events) => events,
                    Err(error) => {
                        drop(updates);
                        self.hub.release(&id);
                        return Err(error);
                    }
                };
                self.updates = Some(updates);
                self.last_seq = last_seq;
                (id, token, true, events)
            }
            (None, None, None) => {
                if let Some(lang) = &lang
                    && !is_language_code(lang)
                {
                    return Err(ClientError::bad_frame(format!(
                        "lang {lang:?} is not a language code such as \"en\" or \"fr\""
                    )));
                }
                if let Some(page) = &page {
                    self.check_text("page.url", &page.url)?;
                    self.check_optional("page.title", &page.title)?;
                }
                let attributes = self.attributes(visitor, identity)?;
                let start = Start {
                    lang,
                    visitor: attributes,
                    page: page.map(|page| (page.url, page.title)),
                };
                let (id, events) = self.hub.start(start).await?;
                self.updates = Some(self.hub.subscribe(&id));
                let token = self.hub.signer.token(&id);
                (id, token, false, events)
            }
            _ => {
                return Err(ClientError::bad_frame(
                    "to resume, send conversation_id, token and last_seq together; to start, send none of them",
                ));
            }
        };
        let visible = self.visible(&events);
        self.conversation = Some(id.clone());
        Ok(json!({
            "type": "welcome", "conversation_id": id, "token": token,
            "resumed": resumed, "events": visible,
        }))
    }

    /// Frames of the events the visitor has not seen, advancing `last_seq`.
    fn visible(&mut self, events: &[StoredEvent]) -> Vec<Value> {
        let mut frames = Vec::new();
        for stored in events {
            if stored.seq <= self.last_seq {
                continue;
            }
            self.last_seq = stored.seq;
            frames.extend(wire::visitor_event(stored));
        }
        frames
    }

    async fn on_update(&mut self, update: Result<Arc<Update>, broadcast::error::RecvError>) -> Vec<Value> {
        match update {
            Ok(update) => match update.as_ref() {
                Update::Event(stored) => self.visible(std::slice::from_ref(stored)),
                Update::Typing { from, last_seq } if *from != "visitor" => {
                    vec![wire::typing_event(from, *last_seq, None)]
                }
                Update::Typing { .. } => Vec::new(),
            },
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let Some(id) = self.conversation.clone() else {
                    return Vec::new();
                };
                match self.hub.store.events_after(&id, self.last_seq).await {
                    Ok(events) => self.visible(&events),
                    Err(error) => vec![self.error(&error.into())],
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                self.updates = None;
                Vec::new()
            }
        }
    }

    fn check_client_id(&self, client_id: &str) -> Result<(), ClientError> {
        if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID {
            return Err(ClientError::bad_frame(format!(
                "client_id must be 1 to {MAX_CLIENT_ID} bytes"
            )));
        }
        Ok(())
    }

    fn check_text(&self, field: &str, text: &str) -> Result<(), ClientError> {
        check_chars(field, text, &self.hub.config.limits)
    }

    fn check_optional(&self, field: &str, text: &Option<String>) -> Result<(), ClientError> {
        text.as_deref()
            .map_or(Ok(()), |text| self.check_text(field, text))
    }

    /// Visitor attributes from `hello`/`identify`, with a signed identity's user id.
    fn attributes(
        &self,
        visitor: Option<Map<String, Value>>,
        identity: Option<Identity>,
    ) -> Result<BTreeMap<String, String>, ClientError> {
        let mut attributes = visitor.as_ref().map(wire::attributes).unwrap_or_default();
        if attributes.len() > MAX_ATTRIBUTES {
            return Err(ClientError::bad_frame(format!(
                "{} visitor attributes; the limit is {MAX_ATTRIBUTES}",
                attributes.len()
            )));
        }
        for (key, value) in &attributes {
            self.check_text(key, value)?;
        }
        if let Some(identity) = identity {
            let signed = self.hub.config.identity_secret.as_deref().is_some_and(|secret| {
                identity_is_signed(secret, &identity.user_id, &identity.signature)
            });
            if !signed {
                return Err(ClientError::unauthorized(
                    "the identity signature does not match its user_id (HMAC-SHA256 with the server's identity_secret)",
                ));
            }
            attributes.insert("user_id".into(), identity.user_id);
            attributes.insert("identity_verified".into(), "true".into());
        }
        Ok(attributes)
    }
}

fn is_language_code(lang: &str) -> bool {
    (2..=8).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
