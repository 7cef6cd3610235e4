//! The hub: shared state of a running server and every operation on a conversation.
//!
//! Each operation takes the conversation's turn lock (so its events are decided one turn
//! at a time), computes the new events (the bot's turn runs off the async threads),
//! appends them to the store, and only then publishes them: to the conversation's
//! sockets and to the agents' feed. A client that reconnects reads what it missed from
//! the store, so nothing acknowledged is lost.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use relais_assistant::Bot;
use relais_dialogue::{ConversationState, Event, EventKind, HandoffState, Holder};
use relais_store::{Agent, ConversationState as Stage, Store, StoredEvent, VisitorAppend};
use tokio::sync::{broadcast, watch};

use crate::batcher::EncoderBatcher;
use crate::config::ServerConfig;
use crate::error::ClientError;
use crate::hours::BusinessHours;
use crate::metrics::Metrics;
use crate::token::Signer;
use crate::now_ms;

/// Updates buffered per conversation before a slow socket must re-read the store.
const CONVERSATION_BUFFER: usize = 64;
/// Notices buffered for agent sockets.
const AGENT_BUFFER: usize = 1024;
/// Most conversations listed in the queue.
pub(crate) const QUEUE_LIMIT: u32 = 500;

/// Something that happened in a conversation, as its sockets learn it.
#[derive(Debug, Clone)]
pub enum Update {
    /// A stored event.
    Event(StoredEvent),
    /// Someone is typing (not stored); `last_seq` is the conversation's last stored seq.
    Typing { from: &'static str, last_seq: u64 },
}

/// What agent sockets hear about.
#[derive(Debug, Clone)]
pub enum AgentNotice {
    Update {
        conversation_id: Arc<str>,
        update: Arc<Update>,
    },
    /// The queue changed: its new `queue` frame, built once for every agent.
    Queue(Arc<serde_json::Value>),
}

/// One conversation in memory: its turn lock with the folded state, and its sockets' channel.
pub struct ConversationSlot {
    turn: tokio::sync::Mutex<Option<ConversationState>>,
    updates: broadcast::Sender<Arc<Update>>,
}

/// Shared state of a running server.
pub struct Hub {
    pub config: ServerConfig,
    pub store: Store,
    pub bot: Arc<Bot>,
    pub metrics: Arc<Metrics>,
    pub signer: Signer,
    encoder: EncoderBatcher,
    hours: BusinessHours,
    conversations: Mutex<HashMap<String, Arc<ConversationSlot>>>,
    agent_feed: broadcast::Sender<AgentNotice>,
    /// Agents with a socket open who said they are available.
    agents_available: AtomicUsize,
    shutdown: watch::Sender<bool>,
}

/// What a new conversation starts with.
pub struct Start {
    pub lang: Option<String>,
    pub visitor: BTreeMap<String, String>,
    pub page: Option<(String, Option<String>)>,
}

impl Hub {
    pub fn new(
        config: ServerConfig,
        store: Store,
        bot: Arc<Bot>,
        signer: Signer,
        hours: BusinessHours,
    ) -> Self {
        let metrics = Arc::new(Metrics::new());
        let encoder = EncoderBatcher::start(bot.clone(), config.encoder_batch, metrics.clone());
        Self {
            config,
            store,
            bot,
            metrics,
            signer,
            encoder,
            hours,
            conversations: Mutex::new(HashMap::new()),
            agent_feed: broadcast::channel(AGENT_BUFFER).0,
            agents_available: AtomicUsize::new(0),
            shutdown: watch::channel(false).0,
        }
    }

    /// Tells every socket to close (sent once, on SIGTERM or Ctrl-C).
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once shutdown has begun.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn agent_feed(&self) -> broadcast::Receiver<AgentNotice> {
        self.agent_feed.subscribe()
    }

    /// An agent socket authenticated, available or away; the returned presence counts
    /// them out when dropped.
    pub fn agent_online(self: &Arc<Self>, available: bool) -> Presence {
        let mut presence = Presence {
            hub: self.clone(),
            available: false,
        };
        presence.set_available(available);
        presence
    }

    /// An agent can take a conversation now: someone available within business hours.
    pub fn agents_available(&self, at: i64) -> bool {
        self.agents_available.load(Ordering::SeqCst) > 0 && self.hours.open_at(at)
    }

    fn slot(&self, id: &str) -> Arc<ConversationSlot> {
        let mut conversations = self.conversations.lock().expect("hub lock");
        conversations
            .entry(id.to_owned())
            .or_insert_with(|| {
                Arc::new(ConversationSlot {
                    turn: tokio::sync::Mutex::new(None),
                    updates: broadcast::channel(CONVERSATION_BUFFER).0,
                })
            })
            .clone()
    }

    /// Listens to a conversation's updates (before reading its past, so nothing falls between).
    pub fn subscribe(&self, id: &str) -> broadcast::Receiver<Arc<Update>> {
        self.slot(id).updates.subscribe()
    }

    /// Forgets a conversation's in-memory state when no socket listens to it any more.
    pub fn release(&self, id: &str) {
        let mut conversations = self.conversations.lock().expect("hub lock");
        if let Some(slot) = conversations.get(id)
            && Arc::strong_count(slot) == 1
            && slot.updates.receiver_count() == 0
        {
            conversations.remove(id);
        }
    }

    /// Starts a conversation: `started`, the first page view and the greeting.
    pub async fn start(&self, start: Start) -> Result<(String, Vec<StoredEvent>), ClientError> {
        let id = crate::token::new_conversation_id().map_err(ClientError::internal)?;
        let slot = self.slot(&id);
        let mut turn = slot.turn.lock().await;
        let at = now_ms();
        let mut state = ConversationState::default();
        let mut events = vec![Event {
            at,
            kind: Bot::started(&id, start.lang, start.visitor),
        }];
        if let Some((url, title)) = start.page {
            events.push(Event {
                at,
                kind: EventKind::PageViewed { url, title },
            });
        }
        for event in &events {
            state.apply(event);
        }
        let greeting = Event {
            at,
            kind: self.bot.greeting(&state),
        };
        state.apply(&greeting);
        events.push(greeting);
        let stored = self.store.append(&id, &events).await?;
        *turn = Some(state);
        self.metrics
            .messages
            .get_or_create(&Metrics::label("from", "bot"))
            .inc();
        self.publish(&id, &slot, &stored).await;
        Ok((id, stored))
    }

    /// The conversation's stored events after `last_seq`, if the token is its own.
    pub async fn resume(
        &self,
        id: &str,
        token: &str,
        last_seq: u64,
    ) -> Result<Vec<StoredEvent>, ClientError> {
        if self.store.conversation(id).await?.is_none() {
            return Err(ClientError::not_found(format!(
                "no conversation {id}; start a new one with a hello without conversation_id"
            )));
        }
        if !self.signer.verify(id, token) {
            return Err(ClientError::unauthorized(
                "this token does not belong to that conversation; start a new one with a hello without conversation_id",
            ));
        }
        Ok(self.store.events_after(id, last_seq).await?)
    }

    /// The visitor says `text` (or presses a quick reply, when `quick_reply`): stores it
    /// with the bot's answer and returns the `seq` to acknowledge. A `client_id` seen
    /// before is acknowledged again without a second message.
    pub async fn visitor_says(
        &self,
        id: &str,
        client_id: &str,
        text: &str,
        quick_reply: bool,
    ) -> Result<u64, ClientError> {
        let arrived = std::time::Instant::now();
        let slot = self.slot(id);
        let mut turn = slot.turn.lock().await;
        if let Some(seq) = self.store.client_message_seq(id, client_id).await? {
            return Ok(seq);
        }
        let mut state = self.state(id, &mut turn).await?;
        if state.closed {
            return Err(ClientError::new(
                "closed",
                "this conversation is closed; start a new one with a hello without conversation_id",
            ));
        }
        let at = now_ms();
        let agents_available = self.agents_available(at);
        let bot_answers = state.holder == Holder::Bot && !quick_reply;
        let embedding = if bot_answers {
            Some(self.encoder.embed(text.to_owned()).await.map_err(ClientError::internal)?)
        } else {
            None
        };
        let bot = self.bot.clone();
        let (client_id_owned, text) = (client_id.to_owned(), text.to_owned());
        let (mut events, state) = tokio::task::spawn_blocking(move || {
            let events = match embedding {
                Some(embedding) => bot.reply(
                    &mut state,
                    &client_id_owned,
                    &text,
                    &embedding,
                    at,
                    agents_available,
                ),
                None => {
                    let input = if quick_reply {
                        EventKind::QuickReplyPressed { payload: text }
                    } else {
                        EventKind::VisitorMessage {
                            text,
                            client_id: client_id_owned,
                        }
                    };
                    Ok(bot.handle_input(&mut state, input, at, agents_available))
                }
            };
            events.map(|events| (events, state))
        })
        .await
        .map_err(ClientError::internal)?
        .map_err(ClientError::internal)?;
        self.number_queue_places(&mut events).await?;
        let stored = match self
            .store
            .append_visitor_message(id, client_id, &events)
            .await?
        {
            VisitorAppend::Stored(stored) => stored,
            VisitorAppend::Duplicate { seq } => return Ok(seq),
        };
        *turn = Some(state);
        drop(turn);
        self.count(&stored);
        if bot_answers {
            self.metrics
                .reply_seconds
                .observe(arrived.elapsed().as_secs_f64());
        }
        self.publish(id, &slot, &stored).await;
        Ok(stored.first().map_or(0, |first| first.seq))
    }

    /// Any other visitor input (feedback, page view, request for a person, callback
    /// request, identification, close): stored with whatever the bot does about it.
    pub async fn visitor_input(&self, id: &str, input: EventKind) -> Result<(), ClientError> {
        self.bot_turn(id, input).await.map(|_| ())
    }

    /// An input the engine reacts to, in a conversation's turn; returns the stored events.
    async fn bot_turn(&self, id: &str, input: EventKind) -> Result<Vec<StoredEvent>, ClientError> {
        let slot = self.slot(id);
        let mut turn = slot.turn.lock().await;
        let mut state = self.state(id, &mut turn).await?;
        let at = now_ms();
        let agents_available = self.agents_available(at);
        let bot = self.bot.clone();
        let (mut events, state) = tokio::task::spawn_blocking(move || {
            let events = bot.handle_input(&mut state, input, at, agents_available);
            (events, state)
        })
        .await
        .map_err(ClientError::internal)?;
        self.number_queue_places(&mut events).await?;
        let stored = self.store.append(id, &events).await?;
        *turn = Some(state);
        drop(turn);
        self.count(&stored);
        self.publish(id, &slot, &stored).await;
        Ok(stored)
    }

    /// Relays "someone is typing" to the other side.
    pub async fn typing(&self, id: &str, from: &'static str) -> Result<(), ClientError> {
        let last_seq = match self.store.conversation(id).await? {
            Some(conversation) => conversation.last_seq,
            None => return Err(ClientError::not_found(format!("no conversation {id}"))),
        };
        let update = Arc::new(Update::Typing { from, last_seq });
        let slot = self.slot(id);
        let _ = slot.updates.send(update.clone());
        let _ = self.agent_feed.send(AgentNotice::Update {
            conversation_id: id.into(),
            update,
        });
        Ok(())
    }

    /// Gives a queued conversation to `agent`; exactly one of several claims wins.
    pub async fn claim(&self, id: &str, agent: &Agent) -> Result<(), ClientError> {
        let slot = self.slot(id);
        let mut turn = slot.turn.lock().await;
        let mut state = self.state(id, &mut turn).await?;
        let joined = Event {
            at: now_ms(),
            kind: EventKind::Handoff {
                state: HandoffState::AgentJoined,
                reason: None,
                agent_name: Some(agent.name.clone()),
                position: None,
            },
        };
        let stored = match self.store.claim(id, agent.id, &[joined]).await {
            Ok(stored) => stored,
            Err(relais_store::Error::NotQueued { state, .. }) => {
                return Err(ClientError::new(
                    "already_claimed",
                    format!(
                        "conversation {id} is not waiting in the queue (it is {})",
                        state.as_str()
                    ),
                ));
            }
            Err(relais_store::Error::ConversationNotFound(_)) => {
                return Err(ClientError::not_found(format!("no conversation {id}")));
            }
            Err(other) => return Err(other.into()),
        };
        for event in &stored {
            state.apply(&event.event);
        }
        *turn = Some(state);
        drop(turn);
        self.publish(id, &slot, &stored).await;
        Ok(())
    }

    /// An agent's own action in a conversation they hold: message, note, hand back, close.
    pub async fn agent_acts(
        &self,
        id: &str,
        agent: &Agent,
        act: AgentAct,
    ) -> Result<Option<u64>, ClientError> {
        let conversation = self
            .store
            .conversation(id)
            .await?
            .ok_or_else(|| ClientError::not_found(format!("no conversation {id}")))?;
        if conversation.state != Stage::Agent || conversation.holder_agent_id != Some(agent.id) {
            return Err(ClientError::new(
                "not_holder",
                format!("you do not hold conversation {id}; claim it from the queue first"),
            ));
        }
        let at = now_ms();
        match act {
            AgentAct::Message { client_id, text } => {
                let slot = self.slot(id);
                let turn = slot.turn.lock().await;
                let stored_id = format!("agent-{}:{client_id}", agent.id);
                let message = Event {
                    at,
                    kind: EventKind::AgentMessage {
                        text,
                        client_id,
                        agent_id: agent.id,
                        agent_name: agent.name.clone(),
                    },
                };
                let stored = match self
                    .store
                    .append_visitor_message(id, &stored_id, &[message])
                    .await?
                {
                    VisitorAppend::Stored(stored) => stored,
                    VisitorAppend::Duplicate { seq } => return Ok(Some(seq)),
                };
                drop(turn);
                self.count(&stored);
                self.publish(id, &slot, &stored).await;
                Ok(stored.first().map(|s| s.seq))
            }
            AgentAct::Note { text } => {
                let note = EventKind::AgentNote {
                    text,
                    agent_id: agent.id,
                    agent_name: agent.name.clone(),
                };
                self.bot_turn(id, note).await?;
                Ok(None)
            }
            AgentAct::HandBack => {
                let back = EventKind::Handoff {
                    state: HandoffState::ReturnedToBot,
                    reason: None,
                    agent_name: Some(agent.name.clone()),
                    position: None,
                };
                self.bot_turn(id, back).await?;
                Ok(None)
            }
            AgentAct::Close { resolution } => {
                let closed = EventKind::Closed {
                    by: "agent".into(),
                    resolution,
                };
                self.bot_turn(id, closed).await?;
                Ok(None)
            }
        }
    }

    /// The state of conversation `id`, folded from the store on first use.
    async fn state(
        &self,
        id: &str,
        cached: &mut Option<ConversationState>,
    ) -> Result<ConversationState, ClientError> {
        if let Some(state) = cached {
            return Ok(state.clone());
        }
        let events = self.store.events_after(id, 0).await?;
        if events.is_empty() {
            return Err(ClientError::not_found(format!("no conversation {id}")));
        }
        let state = ConversationState::from_events(events.iter().map(|stored| &stored.event));
        *cached = Some(state.clone());
        Ok(state)
    }

    /// Writes the queue position into `handoff queued` events (1 = next).
    async fn number_queue_places(&self, events: &mut [Event]) -> Result<(), ClientError> {
        for event in events.iter_mut() {
            if let EventKind::Handoff {
                state: HandoffState::Queued,
                position,
                ..
            } = &mut event.kind
            {
                let waiting = self.store.count_conversations(Stage::Queued).await?;
                *position = Some(u32::try_from(waiting).unwrap_or(u32::MAX).saturating_add(1));
            }
        }
        Ok(())
    }

    fn count(&self, stored: &[StoredEvent]) {
        for event in stored {
            let from = match &event.event.kind {
                EventKind::VisitorMessage { .. } => "visitor",
                EventKind::BotMessage { .. } => "bot",
                EventKind::AgentMessage { .. } => "agent",
                EventKind::Handoff {
                    state: HandoffState::Queued | HandoffState::NoAgentAvailable,
                    reason,
                    ..
                } => {
                    let reason = reason
                        .map(|r| crate::wire::reason_name(&r))
                        .unwrap_or_else(|| "unknown".into());
                    self.metrics
                        .handoffs
                        .get_or_create(&Metrics::label("reason", reason))
                        .inc();
                    continue;
                }
                _ => continue,
            };
            self.metrics
                .messages
                .get_or_create(&Metrics::label("from", from))
                .inc();
        }
    }

    /// Sends stored events to the conversation's sockets and to the agents.
    async fn publish(&self, id: &str, slot: &ConversationSlot, stored: &[StoredEvent]) {
        let conversation_id: Arc<str> = id.into();
        let mut queue_changed = false;
        for event in stored {
            queue_changed |= matches!(
                event.event.kind,
                EventKind::Handoff { .. } | EventKind::Closed { .. }
            );
            let update = Arc::new(Update::Event(event.clone()));
            let _ = slot.updates.send(update.clone());
            let _ = self.agent_feed.send(AgentNotice::Update {
                conversation_id: conversation_id.clone(),
                update,
            });
        }
        if queue_changed && self.agent_feed.receiver_count() > 0 {
            match crate::context::queue_frame(self).await {
                Ok(frame) => {
                    let _ = self.agent_feed.send(AgentNotice::Queue(Arc::new(frame)));
                }
                Err(error) => tracing::error!("the queue could not be listed: {}", error.message),
            }
        }
    }
}

/// Resolves once the server begins shutting down.
pub async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

/// What an agent does in a conversation they hold.
pub enum AgentAct {
    Message { client_id: String, text: String },
    Note { text: String },
    HandBack,
    Close { resolution: Option<String> },
}

/// One agent socket's part in the count of available agents, taken back when the socket ends.
pub struct Presence {
    hub: Arc<Hub>,
    available: bool,
}

impl Presence {
    /// Available agents get new conversations; away agents keep theirs but are not counted.
    pub fn set_available(&mut self, available: bool) {
        if available != self.available {
            if available {
                self.hub.agents_available.fetch_add(1, Ordering::SeqCst);
            } else {
                self.hub.agents_available.fetch_sub(1, Ordering::SeqCst);
            }
            self.available = available;
        }
    }

    pub fn available(&self) -> bool {
        self.available
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.set_available(false);
    }
}
