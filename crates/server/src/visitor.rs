//! The visitor socket (`GET /v1/ws`): `hello` starts or resumes a conversation, then
//! frames become events, and the conversation's new events are forwarded once each, in
//! order, from the `seq` the visitor last saw.
//!
//! What the visitor sends is data, never a claim the server acts on: visitor attributes
//! are stored as the visitor's claims, and only a valid identity signature sets the
//! verified user id, in a field of its own.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocket;
use relais_dialogue::Input;
use relais_store::StoredEvent;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::error::{ClientError, ErrorCode};
use crate::hub::{Guard, Hub, Turned, Update};
use crate::limits::{OpenPermit, RateLimiter, address_key, check_frame};
use crate::metrics::Metrics;
use crate::socket::{Liveness, Read, hello_timeout_close, keep_alive, read, restart_close, send_all};
use crate::token::identity_is_signed;
use crate::wire::{self, Hello, Identity, VisitorFrame};

/// One visitor socket's session.
struct Session {
    hub: Arc<Hub>,
    /// The client's address, as limits count it.
    address: IpAddr,
    conversation: Option<String>,
    updates: Option<broadcast::Receiver<Arc<Update>>>,
    /// Highest stored `seq` sent (or known to the visitor).
    last_seq: u64,
    limiter: RateLimiter,
}

/// Serves one visitor socket until it closes or the server shuts down.
pub async fn serve(hub: Arc<Hub>, mut socket: WebSocket, client: IpAddr, permit: OpenPermit) {
    let label = Metrics::label("endpoint", "visitor");
    hub.metrics.connections.get_or_create(&label).inc();
    let limits = &hub.config.limits;
    let hello_timeout = Duration::from_secs(limits.hello_timeout_seconds);
    let hello_deadline = tokio::time::sleep(hello_timeout);
    tokio::pin!(hello_deadline);
    let mut liveness = Liveness::new(limits);
    let mut session = Session {
        limiter: RateLimiter::new(limits.frames_per_second, limits.frames_burst),
        hub: hub.clone(),
        address: address_key(client),
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
            () = &mut hello_deadline, if session.conversation.is_none() => {
                let _ = socket.send(hello_timeout_close(hello_timeout)).await;
                break;
            }
            check = liveness.check() => {
                if keep_alive(&mut socket, check).await {
                    continue;
                }
                break;
            }
            incoming = socket.recv() => {
                liveness.heard();
                match read(&mut socket, incoming, limits).await {
                    Read::Text(text) => session.on_frame(text.as_str()).await,
                    Read::Refuse(error) => vec![session.error(&error)],
                    Read::Skip => Vec::new(),
                    Read::End => break,
                }
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

impl Session {
    fn error(&self, error: &ClientError) -> Value {
        self.hub.metrics.error_frame(error)
    }

    /// A visitor input that gets no reply frame of its own (the events it causes follow).
    async fn act(&self, id: &str, input: Input) -> Result<Vec<Value>, ClientError> {
        self.hub.turn(id, input, Guard::Open, None).await?;
        Ok(Vec::new())
    }

    async fn on_frame(&mut self, text: &str) -> Vec<Value> {
        match self.frame(text).await {
            Ok(frames) => frames,
            Err(error) => vec![self.error(&error)],
        }
    }

    async fn frame(&mut self, text: &str) -> Result<Vec<Value>, ClientError> {
        check_frame(&mut self.limiter, text, &self.hub.config.limits)?;
        let frame = wire::parse_visitor(text, &self.hub.config.limits)?;
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
                let message = Input::Message {
                    client_id: client_id.clone(),
                    text,
                };
                let seq = hub.turn(&id, message, Guard::Open, Some(&client_id)).await?.seq();
                Ok(vec![json!({"type": "ack", "client_id": client_id, "seq": seq})])
            }
            VisitorFrame::QuickReply { client_id, payload } => {
                let pressed = Input::QuickReply { payload };
                let seq = hub.turn(&id, pressed, Guard::Open, Some(&client_id)).await?.seq();
                Ok(vec![json!({"type": "ack", "client_id": client_id, "seq": seq})])
            }
            VisitorFrame::Feedback { seq, helpful } => {
                if seq > self.last_seq {
                    return Err(ClientError::bad_frame(format!(
                        "feedback.seq {seq} is not an event of this conversation you have seen"
                    )));
                }
                self.act(&id, Input::Feedback { seq, helpful }).await
            }
            VisitorFrame::PageView { url, title } => {
                let topic = hub.topic_of(&url);
                self.act(&id, Input::PageView { url, title, topic }).await
            }
            VisitorFrame::RequestAgent { reason } => {
                let quotas = &hub.quotas;
                quotas
                    .handoffs_per_address
                    .take(&self.address)
                    .and_then(|()| {
                        // Refused for this conversation: the address is charged nothing.
                        quotas
                            .handoffs_per_conversation
                            .take(&id)
                            .inspect_err(|_| quotas.handoffs_per_address.give_back(&self.address))
                    })
                    .map_err(|wait| {
                        self.hub.limit_log.bite("handoffs", || format!("request_agent from {} in {id}", self.address));
                        rate_limited("requests for a person", wait)
                    })?;
                let acted = self.act(&id, Input::RequestAgent { reason }).await;
                if acted.is_err() {
                    // Refused (a closed conversation…): it counts against neither limit.
                    quotas.handoffs_per_address.give_back(&self.address);
                    quotas.handoffs_per_conversation.give_back(&id);
                }
                acted
            }
            VisitorFrame::CallbackRequest {
                name,
                email,
                phone,
                preferred_time,
                note,
            } => {
                let most = hub.config.limits.callbacks_per_conversation;
                if hub.store.count_callback_requests(Some(&id)).await? >= u64::from(most) {
                    return Err(ClientError::new(
                        ErrorCode::LimitReached,
                        format!("this conversation already has {most} callback requests, the most it may have"),
                    ));
                }
                let request = Input::Callback {
                    name,
                    email,
                    phone,
                    preferred_time,
                    note,
                };
                self.act(&id, request).await
            }
            VisitorFrame::Identify { visitor, identity } => {
                let (visitor, verified_user_id) = self.attributes(visitor, identity)?;
                let identified = Input::Identify {
                    visitor,
                    verified_user_id,
                };
                self.act(&id, identified).await
            }
            VisitorFrame::Rate { score } => {
                hub.turn(&id, Input::Rate { score }, Guard::Rating(score), None).await?;
                Ok(Vec::new())
            }
            VisitorFrame::Typing => {
                hub.typing(&id, "visitor").await?;
                Ok(Vec::new())
            }
            VisitorFrame::Close => {
                let close = Input::Close {
                    by: "visitor".into(),
                    resolution: None,
                };
                self.act(&id, close).await
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
            browser_id,
        } = hello;
        if self.conversation.is_some() {
            return Err(ClientError::bad_frame(
                "hello was already sent on this socket; open a new socket for another conversation",
            ));
        }
        let (id, token, resumed, events) = match (conversation_id, token, last_seq) {
            (Some(id), Some(token), Some(last_seq)) => {
                // Checked before subscribing: only a real conversation gets a slot.
                let conversation = self.hub.check_resume(&id, &token).await?;
                // The visitor cannot have seen more than there is.
                let last_seq = last_seq.min(conversation.last_seq);
                let updates = self.hub.subscribe(&id);
                let events = match self.hub.store.events_after(&id, last_seq).await {
                    Ok(events) => events,
                    Err(error) => {
                        drop(updates);
                        self.hub.release(&id);
                        return Err(error.into());
                    }
                };
                self.updates = Some(updates);
                self.last_seq = last_seq;
                (id, token, true, events)
            }
            // A start: the frame's check lets through all three resume fields or none.
            _ => {
                let (visitor, verified_user_id) = self.attributes(visitor, identity)?;
                self.hub
                    .quotas
                    .conversation_starts
                    .take(&self.address)
                    .map_err(|wait| {
                        self.hub.limit_log.bite("conversations", || format!("new conversation from {}", self.address));
                        rate_limited("new conversations", wait)
                    })?;
                let id = crate::token::new_conversation_id().map_err(ClientError::internal)?;
                let start = Input::Start {
                    conversation_id: id.clone(),
                    lang,
                    visitor,
                    verified_user_id,
                    browser_id,
                    topic: page.as_ref().and_then(|page| self.hub.topic_of(&page.url)),
                    page: page.map(|page| (page.url, page.title)),
                    simulated: self.hub.simulated,
                    channel: None,
                };
                let events = match self.hub.turn(&id, start, Guard::New, None).await? {
                    Turned::Stored(events) => events,
                    Turned::Repeated(_) | Turned::Skipped => Vec::new(),
                };
                self.updates = Some(self.hub.subscribe(&id));
                let token = self.hub.signer.token(&id);
                (id, token, false, events)
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
                    vec![wire::typing_event(from, *last_seq, self.hub.clock.now_ms(), None)]
                }
                Update::Typing { .. } | Update::Delivery(_) => Vec::new(),
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

    /// Visitor attributes from `hello`/`identify` (the visitor's claims, checked by
    /// [`crate::validate`]), and the user id of a signed identity, apart.
    fn attributes(
        &self,
        visitor: Option<Map<String, Value>>,
        identity: Option<Identity>,
    ) -> Result<(BTreeMap<String, String>, Option<String>), ClientError> {
        let attributes = visitor.as_ref().map(wire::attributes).unwrap_or_default();
        let Some(identity) = identity else {
            return Ok((attributes, None));
        };
        let signed = self.hub.config.identity_secret.as_deref().is_some_and(|secret| {
            identity_is_signed(secret, &identity.user_id, &identity.signature)
        });
        if !signed {
            return Err(ClientError::unauthorized(
                "the identity signature does not match its user_id (HMAC-SHA256 with the server's identity_secret)",
            ));
        }
        Ok((attributes, Some(identity.user_id)))
    }
}

/// The refusal of an action over its per-minute limit.
fn rate_limited(what: &str, wait: Duration) -> ClientError {
    ClientError::new(
        ErrorCode::RateLimited,
        format!("too many {what} from here; try again in {} s", wait.as_secs().max(1)),
    )
}
