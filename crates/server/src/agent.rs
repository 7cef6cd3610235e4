//! The agent socket (`GET /v1/agent/ws`): `hello {token, available?}` first, then the
//! queue, the conversations the agent holds, and their events live; claims, messages,
//! typing, notes, hand back, close, and `status {available}` (available or away).
//!
//! The session behind the socket is checked every few seconds as well as on every
//! frame: an agent who signs out elsewhere or is disabled loses the socket at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use relais_dialogue::{EventKind, HandoffState, Input, Stage};
use relais_store::{Agent, Page};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::context::conversation_frame;
use crate::error::{ClientError, ErrorCode};
use crate::hub::{AgentNotice, Guard, Hub, Presence, Update, queue_frame};
use crate::limits::{OpenPermit, RateLimiter, check_frame};
use crate::metrics::Metrics;
use crate::socket::{Liveness, Read, close_after_read_error, keep_alive, read, restart_close, send_all};
use crate::wire::{self, AgentFrame};

/// Most conversations an agent can hold at once (listed on reconnect).
const HELD_LIMIT: u32 = 1000;
/// How often an open agent socket checks that its session still holds.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Serves one agent socket.
pub async fn serve(hub: Arc<Hub>, mut socket: WebSocket, permit: OpenPermit) {
    let label = Metrics::label("endpoint", "agent");
    hub.metrics.connections.get_or_create(&label).inc();
    if let Some((agent, token, available)) = authenticate(&hub, &mut socket).await {
        run(&hub, socket, agent, token, available).await;
    }
    hub.metrics.connections.get_or_create(&label).dec();
    drop(permit);
}

/// Waits for a valid `hello {token, available?}`; tells the client `unauthorized` and
/// closes otherwise.
async fn authenticate(hub: &Hub, socket: &mut WebSocket) -> Option<(Agent, String, bool)> {
    let refused = |message: &str| wire::error_frame(&ClientError::unauthorized(message));
    let timeout = Duration::from_secs(hub.config.limits.hello_timeout_seconds);
    let frame = match tokio::time::timeout(timeout, socket.recv()).await {
        Ok(Some(Ok(Message::Text(text)))) => wire::parse_agent(text.as_str(), &hub.config.limits),
        Ok(Some(Ok(_))) => Err(ClientError::bad_frame("expected a hello text frame")),
        Ok(None) => return None,
        Ok(Some(Err(error))) => {
            close_after_read_error(socket, error, &hub.config.limits).await;
            return None;
        }
        Err(_) => Err(ClientError::unauthorized(format!(
            "no hello within {} seconds",
            timeout.as_secs()
        ))),
    };
    let result = match frame {
        Ok(AgentFrame::Hello { token, available }) => {
            match hub.store.agent_for_token(&token, crate::now_ms()).await {
                Ok(Some(agent)) => return Some((agent, token, available)),
                Ok(None) => refused("the session token is unknown or expired; log in again"),
                Err(error) => wire::error_frame(&error.into()),
            }
        }
        Ok(_) => refused("send hello {token} first; get a token from POST /v1/auth/login"),
        Err(error) if error.code == ErrorCode::UnknownType || error.code == ErrorCode::BadFrame => {
            refused(&format!("send hello {{token}} first ({})", error.message))
        }
        Err(error) => wire::error_frame(&error),
    };
    let _ = send_all(socket, vec![result]).await;
    let _ = socket.send(Message::Close(None)).await;
    None
}

struct Session<'a> {
    hub: &'a Arc<Hub>,
    agent: Agent,
    token: String,
    /// The conversations this socket follows, each with the last seq a `conversation`
    /// frame showed it: live events up to there are not sent again.
    held: HashMap<String, u64>,
    limiter: RateLimiter,
    presence: Presence,
}

async fn run(hub: &Arc<Hub>, mut socket: WebSocket, agent: Agent, token: String, available: bool) {
    let mut feed = hub.agent_feed();
    let mut shutdown = hub.shutdown_signal();
    let limits = &hub.config.limits;
    let mut session = Session {
        hub,
        agent,
        token,
        held: HashMap::new(),
        limiter: RateLimiter::new(limits.frames_per_second * 4.0, limits.frames_burst * 4.0),
        presence: hub.agent_online(available),
    };
    let greeting = match session.greeting().await {
        Ok(frames) => frames,
        Err(error) => vec![wire::error_frame(&error)],
    };
    if send_all(&mut socket, greeting).await.is_err() {
        return;
    }
    let mut liveness = Liveness::new(limits);
    let mut session_check = tokio::time::interval(SESSION_CHECK_EVERY);
    loop {
        let outgoing = tokio::select! {
            _ = crate::hub::stopping(&mut shutdown) => {
                let _ = socket.send(restart_close()).await;
                break;
            }
            check = liveness.check() => {
                if keep_alive(&mut socket, check).await {
                    continue;
                }
                break;
            }
            _ = session_check.tick() => match session.check_session().await {
                Ok(()) => continue,
                Err(error) if error.code == ErrorCode::Unauthorized => {
                    let _ = send_all(&mut socket, vec![wire::error_frame(&error)]).await;
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                Err(error) => vec![session.error(&error)],
            },
            incoming = socket.recv() => {
                liveness.heard();
                match read(&mut socket, incoming, limits).await {
                    Read::Text(text) => match session.on_frame(text.as_str()).await {
                        Ok(frames) => frames,
                        Err(error) if error.code == ErrorCode::Unauthorized => {
                            let _ = send_all(&mut socket, vec![wire::error_frame(&error)]).await;
                            let _ = socket.send(Message::Close(None)).await;
                            break;
                        }
                        Err(error) => vec![session.error(&error)],
                    },
                    Read::Refuse(error) => vec![session.error(&error)],
                    Read::Skip => Vec::new(),
                    Read::End => break,
                }
            },
            notice = feed.recv() => session.on_notice(notice).await,
        };
        if send_all(&mut socket, outgoing).await.is_err() {
            break;
        }
    }
}

impl Session<'_> {
    fn error(&self, error: &ClientError) -> Value {
        self.hub.metrics.error_frame(error)
    }

    /// `welcome`, the queue, and every conversation this agent already holds.
    async fn greeting(&mut self) -> Result<Vec<Value>, ClientError> {
        let agent = &self.agent;
        let mut frames = vec![json!({
            "type": "welcome",
            "agent": {"id": agent.id, "name": agent.name, "role": agent.role.as_str(), "reviewer": agent.reviewer},
            "available": self.presence.available(),
        })];
        frames.push(queue_frame(&self.hub.store).await?);
        let held = self
            .hub
            .store
            .conversations(Some(Stage::Agent), Page::first(HELD_LIMIT))
            .await?;
        for conversation in held
            .into_iter()
            .filter(|c| c.holder_agent_id == Some(agent.id))
        {
            let frame = conversation_frame(&self.hub.store, &conversation.id).await?;
            self.held.insert(conversation.id, shown_up_to(&frame));
            frames.push(frame);
        }
        Ok(frames)
    }

    /// Refuses with `unauthorized` once the session has expired, been signed out or
    /// its agent disabled.
    async fn check_session(&self) -> Result<(), ClientError> {
        match self.hub.store.agent_for_token(&self.token, crate::now_ms()).await? {
            Some(_) => Ok(()),
            None => Err(ClientError::unauthorized(
                "the session has ended (expired, signed out or disabled); log in again",
            )),
        }
    }

    async fn on_frame(&mut self, text: &str) -> Result<Vec<Value>, ClientError> {
        check_frame(&mut self.limiter, text, &self.hub.config.limits)?;
        let frame = wire::parse_agent(text, &self.hub.config.limits)?;
        self.check_session().await?;
        let hub = self.hub;
        let agent = self.agent.clone();
        match frame {
            AgentFrame::Hello { .. } => Err(ClientError::bad_frame("hello was already accepted")),
            AgentFrame::Status { available } => {
                self.presence.set_available(available);
                Ok(vec![json!({"type": "status", "available": available})])
            }
            AgentFrame::Claim { conversation_id } => {
                let claim = Input::Claim {
                    agent_name: agent.name.clone(),
                };
                hub.turn(&conversation_id, claim, Guard::Claim(&agent), None).await?;
                // The frame shows agent_joined, whose live copy is already on its way.
                let frame = conversation_frame(&hub.store, &conversation_id).await?;
                self.held.insert(conversation_id, shown_up_to(&frame));
                Ok(vec![frame])
            }
            AgentFrame::Message {
                conversation_id,
                client_id,
                text,
            } => {
                // Agents' client ids are kept apart from the visitor's.
                let once = format!("agent-{}:{client_id}", agent.id);
                let message = Input::AgentMessage {
                    client_id: client_id.clone(),
                    text,
                    agent_id: agent.id,
                    agent_name: agent.name.clone(),
                };
                let seq = hub.turn(&conversation_id, message, Guard::Holder(&agent), Some(&once)).await?.seq();
                Ok(vec![json!({
                    "type": "ack", "conversation_id": conversation_id,
                    "client_id": client_id, "seq": seq,
                })])
            }
            AgentFrame::Typing { conversation_id } => {
                if self.held.contains_key(&conversation_id) {
                    hub.typing(&conversation_id, "agent").await?;
                }
                Ok(Vec::new())
            }
            AgentFrame::Note {
                conversation_id,
                text,
            } => {
                let note = Input::AgentNote {
                    text,
                    agent_id: agent.id,
                    agent_name: agent.name.clone(),
                };
                hub.turn(&conversation_id, note, Guard::Holder(&agent), None).await?;
                Ok(Vec::new())
            }
            AgentFrame::HandBack { conversation_id } => {
                let back = Input::HandBack {
                    agent_name: agent.name.clone(),
                };
                hub.turn(&conversation_id, back, Guard::Holder(&agent), None).await?;
                Ok(Vec::new())
            }
            AgentFrame::Flag { conversation_id, seq } => {
                hub.check_holder(&conversation_id, &agent).await?;
                // The store checks the hold again in the statement that flags.
                let Some(turn) = hub.store.flag_turn(&conversation_id, seq, agent.id, crate::now_ms()).await? else {
                    hub.check_holder(&conversation_id, &agent).await?;
                    return Err(ClientError::bad_frame(format!(
                        "{seq} follows no message the classifier read (a greeting, a pressed suggestion or a \
                         form's answer); flag the bot's reply to a typed question"
                    )));
                };
                Ok(vec![json!({
                    "type": "flagged", "conversation_id": conversation_id, "seq": seq, "turn_id": turn.id,
                })])
            }
            AgentFrame::Close {
                conversation_id,
                resolution,
            } => {
                let close = Input::Close {
                    by: "agent".into(),
                    resolution,
                };
                hub.turn(&conversation_id, close, Guard::Holder(&agent), None).await?;
                Ok(Vec::new())
            }
        }
    }

    async fn on_notice(&mut self, notice: Result<AgentNotice, broadcast::error::RecvError>) -> Vec<Value> {
        match notice {
            Ok(AgentNotice::Queue(frame)) => vec![frame.as_ref().clone()],
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let mut frames = match queue_frame(&self.hub.store).await {
                    Ok(frame) => vec![frame],
                    Err(error) => return vec![self.error(&error)],
                };
                for id in self.held.keys().cloned().collect::<Vec<_>>() {
                    match conversation_frame(&self.hub.store, &id).await {
                        Ok(frame) => {
                            self.held.insert(id, shown_up_to(&frame));
                            frames.push(frame);
                        }
                        Err(error) => frames.push(self.error(&error)),
                    }
                }
                frames
            }
            Ok(AgentNotice::Update {
                conversation_id,
                update,
            }) => {
                let Some(&shown) = self.held.get(conversation_id.as_ref()) else {
                    return Vec::new();
                };
                match update.as_ref() {
                    Update::Event(stored) => {
                        if ends_hold(&stored.event.kind) {
                            self.held.remove(conversation_id.as_ref());
                        }
                        if stored.seq <= shown {
                            return Vec::new();
                        }
                        wire::agent_event(&conversation_id, stored).into_iter().collect()
                    }
                    Update::Typing { from, last_seq } if *from == "visitor" => {
                        vec![wire::typing_event(from, *last_seq, self.hub.clock.now_ms(), Some(&conversation_id))]
                    }
                    Update::Typing { .. } => Vec::new(),
                    Update::Delivery(status) => vec![wire::delivery_frame(status)],
                }
            }
            Err(broadcast::error::RecvError::Closed) => Vec::new(),
        }
    }
}

/// Whether this event ends an agent's hold of the conversation.
fn ends_hold(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Closed { .. }
            | EventKind::Handoff {
                state: HandoffState::ReturnedToBot | HandoffState::AgentLeft,
                ..
            }
    )
}

/// The seq of the last event a `conversation` frame shows (0 when it shows none).
fn shown_up_to(frame: &Value) -> u64 {
    frame["events"]
        .as_array()
        .and_then(|events| events.last())
        .and_then(|event| event["seq"].as_u64())
        .unwrap_or(0)
}
