//! The hub: shared state of a running server and every operation on a conversation.
//!
//! Each operation takes the conversation's turn lock (so its events are decided one turn
//! at a time), computes the new events (the bot's turn runs off the async threads),
//! appends them to the store, and only then publishes them: to the conversation's
//! sockets and to the agents' feed. A client that reconnects reads what it missed from
//! the store, so nothing acknowledged is lost.
//!
//! Two background tasks run beside: one sends agents the queue's first page and true
//! length, at most a few times a second however often it changes, and one takes out of
//! the queue the visitors who have gone (`abandoned`).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use relais_assistant::Bot;
use relais_dialogue::{ConversationState, Event, EventKind, HandoffState, Holder};
use relais_store::{Agent, ConversationState as Stage, Page, Store, StoredEvent, VisitorAppend};
use tokio::sync::{Notify, broadcast, watch};

use crate::address::TrustedProxies;
use crate::batcher::EncoderBatcher;
use crate::config::ServerConfig;
use crate::error::{ClientError, ErrorCode};
use crate::hours::BusinessHours;
use crate::limits::{KeyedRate, LimitLog, OpenPerAddress};
use crate::login::LoginGuard;
use crate::metrics::Metrics;
use crate::token::Signer;
use crate::now_ms;

/// Updates buffered per conversation before a slow socket must re-read the store.
const CONVERSATION_BUFFER: usize = 64;
/// Notices buffered for agent sockets.
const AGENT_BUFFER: usize = 1024;
/// Conversations in a `queue` frame; agents page through the rest over HTTP.
pub(crate) const QUEUE_PAGE: u32 = 50;
/// Least time between two `queue` frames: changes in between are sent together.
const QUEUE_FRAME_EVERY: Duration = Duration::from_millis(250);
/// Most often the queue is checked for visitors who have gone.
const ABANDON_SWEEP_EVERY: Duration = Duration::from_secs(30);

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
    pub proxies: TrustedProxies,
    /// Per-address and per-conversation quotas; `limit_log` warns when they bite.
    pub quotas: Quotas,
    pub limit_log: Arc<LimitLog>,
    encoder: EncoderBatcher,
    hours: BusinessHours,
    conversations: Mutex<HashMap<String, Arc<ConversationSlot>>>,
    agent_feed: broadcast::Sender<AgentNotice>,
    /// Agents with a socket open who said they are available.
    agents_available: AtomicUsize,
    /// Set when the queue changed and agents have not been sent its new frame yet.
    queue_changed: Notify,
    /// When the last visitor socket of a conversation closed.
    visitor_gone: Mutex<HashMap<String, Instant>>,
    started: Instant,
    shutdown: watch::Sender<bool>,
}

/// What clients may open or do per address and per conversation.
pub struct Quotas {
    /// Open WebSockets, visitor and agent, per address.
    pub sockets: Arc<OpenPerAddress>,
    pub conversation_starts: KeyedRate<IpAddr>,
    pub handoffs_per_address: KeyedRate<IpAddr>,
    pub handoffs_per_conversation: KeyedRate<String>,
    pub login: LoginGuard,
}

/// What a new conversation starts with.
pub struct Start {
    pub lang: Option<String>,
    /// What the visitor claims about themself.
    pub visitor: BTreeMap<String, String>,
    /// The user id of a valid identity signature.
    pub verified_user_id: Option<String>,
    pub page: Option<(String, Option<String>)>,
}

impl Hub {
    pub fn new(
        config: ServerConfig,
        store: Store,
        bot: Arc<Bot>,
        signer: Signer,
        hours: BusinessHours,
        proxies: TrustedProxies,
    ) -> Self {
        let metrics = Arc::new(Metrics::new());
        let encoder = EncoderBatcher::start(bot.clone(), config.encoder_batch, metrics.clone());
        let limits = &config.limits;
        let quotas = Quotas {
            sockets: Arc::new(OpenPerAddress::default()),
            conversation_starts: KeyedRate::per_minute(limits.conversations_per_ip_per_minute),
            handoffs_per_address: KeyedRate::per_minute(limits.handoffs_per_ip_per_minute),
            handoffs_per_conversation: KeyedRate::per_minute(limits.handoffs_per_conversation_per_minute),
            login: LoginGuard::new(limits),
        };
        Self {
            config,
            store,
            bot,
            metrics,
            signer,
            proxies,
            quotas,
            limit_log: Arc::new(LimitLog::default()),
            encoder,
            hours,
            conversations: Mutex::new(HashMap::new()),
            agent_feed: broadcast::channel(AGENT_BUFFER).0,
            agents_available: AtomicUsize::new(0),
            queue_changed: Notify::new(),
            visitor_gone: Mutex::new(HashMap::new()),
            started: Instant::now(),
            shutdown: watch::channel(false).0,
        }
    }

    /// Starts the queue publisher and the sweeper of abandoned queue places; abort the
    /// handle to stop them.
    pub fn start_background_tasks(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::join!(hub.publish_queue(), hub.sweep_abandoned());
        })
    }

    /// Sends agents the queue's frame after each change, at most every
    /// [`QUEUE_FRAME_EVERY`]: a burst of changes costs each agent one frame.
    async fn publish_queue(&self) {
        loop {
            self.queue_changed.notified().await;
            if self.agent_feed.receiver_count() > 0 {
                match crate::context::queue_frame(self).await {
                    Ok(frame) => {
                        let _ = self.agent_feed.send(AgentNotice::Queue(Arc::new(frame)));
                    }
                    Err(error) => tracing::warn!("the queue could not be listed: {}", error.message),
                }
            }
            tokio::time::sleep(QUEUE_FRAME_EVERY).await;
        }
    }

    /// Takes out of the queue every visitor who has had no socket open for
    /// `queue_abandon_after_seconds` (counted from the server's start for those who
    /// left before it).
    async fn sweep_abandoned(&self) {
        let after = Duration::from_secs(self.config.queue_abandon_after_seconds);
        let mut every = tokio::time::interval(ABANDON_SWEEP_EVERY.min(after / 2).max(Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = self.abandon_gone_visitors(after).await {
                tracing::warn!("the queue could not be swept: {}", error.message);
            }
        }
    }

    async fn abandon_gone_visitors(&self, after: Duration) -> Result<(), ClientError> {
        let queued = self
            .store
            .conversations(Some(Stage::Queued), Page::first(u32::MAX))
            .await?;
        // Only queued conversations need to remember when their visitor went.
        let gone: Vec<String> = {
            let mut gone_since = self.visitor_gone.lock().expect("hub lock");
            let ids: std::collections::HashSet<&str> = queued.iter().map(|c| c.id.as_str()).collect();
            gone_since.retain(|id, _| ids.contains(id.as_str()));
            queued
                .into_iter()
                .filter(|c| gone_since.get(&c.id).copied().unwrap_or(self.started).elapsed() >= after)
                .map(|c| c.id)
                .collect()
        };
        for id in gone {
            if self.visitor_connected(&id) {
                continue;
            }
            let abandoned = EventKind::handoff(HandoffState::Abandoned, None);
            self.bot_turn(&id, abandoned, Guard::StillQueued).await?;
            self.visitor_gone.lock().expect("hub lock").remove(&id);
        }
        Ok(())
    }

    /// Whether a visitor socket listens to conversation `id` now.
    fn visitor_connected(&self, id: &str) -> bool {
        self.conversations
            .lock()
            .expect("hub lock")
            .get(id)
            .is_some_and(|slot| slot.updates.receiver_count() > 0)
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

    /// A visitor socket stopped listening to conversation `id`: notes when the last one
    /// went (for the queue's sweeper), and forgets the conversation's in-memory state
    /// when nothing uses it any more.
    pub fn release(&self, id: &str) {
        let mut conversations = self.conversations.lock().expect("hub lock");
        let Some(slot) = conversations.get(id) else {
            return;
        };
        if slot.updates.receiver_count() > 0 {
            return;
        }
        self.visitor_gone
            .lock()
            .expect("hub lock")
            .insert(id.to_owned(), Instant::now());
        if Arc::strong_count(slot) == 1 {
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
            kind: Bot::started(&id, start.lang, start.visitor, start.verified_user_id),
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
        self.publish(&id, &slot, &stored);
        Ok((id, stored))
    }

    /// The conversation a resuming visitor asks for, if it exists, the token is its own
    /// and, once closed, its transcript is still readable.
    pub async fn check_resume(&self, id: &str, token: &str) -> Result<relais_store::Conversation, ClientError> {
        let Some(conversation) = self.store.conversation(id).await? else {
            return Err(ClientError::not_found(format!(
                "no conversation {id}; start a new one with a hello without conversation_id"
            )));
        };
        if !self.signer.verify(id, token) {
            return Err(ClientError::unauthorized(
                "this token does not belong to that conversation; start a new one with a hello without conversation_id",
            ));
        }
        let readable_for = i64::try_from(self.config.closed_transcript_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
        if let Some(closed_at) = conversation.closed_at
            && conversation.state == Stage::Closed
            && now_ms().saturating_sub(closed_at) > readable_for
        {
            return Err(closed_error());
        }
        Ok(conversation)
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
            return Err(closed_error());
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
        self.publish(id, &slot, &stored);
        Ok(stored.first().map_or(0, |first| first.seq))
    }

    /// Any other visitor input (feedback, page view, request for a person, callback
    /// request, identification, close): stored with whatever the bot does about it;
    /// refused with `closed` once the conversation is closed.
    pub async fn visitor_input(&self, id: &str, input: EventKind) -> Result<(), ClientError> {
        self.bot_turn(id, input, Guard::Open).await.map(|_| ())
    }

    /// An input the engine reacts to, in a conversation's turn, if `guard` holds under
    /// the conversation's lock; returns the stored events.
    async fn bot_turn(&self, id: &str, input: EventKind, guard: Guard<'_>) -> Result<Vec<StoredEvent>, ClientError> {
        let slot = self.slot(id);
        let mut turn = slot.turn.lock().await;
        let mut state = self.state(id, &mut turn).await?;
        match guard {
            Guard::Open if state.closed => return Err(closed_error()),
            Guard::Holder(agent) => self.check_holder(id, agent).await?,
            // The visitor may have come back since the sweep looked.
            Guard::StillQueued if state.closed || state.holder != Holder::Queued || self.visitor_connected(id) => {
                return Ok(Vec::new());
            }
            _ => {}
        }
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
        self.publish(id, &slot, &stored);
        Ok(stored)
    }

    /// Relays "someone is typing" to the other side, unless the conversation is closed.
    pub async fn typing(&self, id: &str, from: &'static str) -> Result<(), ClientError> {
        let last_seq = match self.store.conversation(id).await? {
            Some(conversation) if conversation.state == Stage::Closed => return Err(closed_error()),
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
                    ErrorCode::AlreadyClaimed,
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
        self.publish(id, &slot, &stored);
        Ok(())
    }

    /// Refuses with `not_holder` unless `agent` holds conversation `id` now; called
    /// under the conversation's lock, so no other turn can change that meanwhile.
    async fn check_holder(&self, id: &str, agent: &Agent) -> Result<(), ClientError> {
        let conversation = self
            .store
            .conversation(id)
            .await?
            .ok_or_else(|| ClientError::not_found(format!("no conversation {id}")))?;
        if conversation.state != Stage::Agent || conversation.holder_agent_id != Some(agent.id) {
            return Err(ClientError::new(
                ErrorCode::NotHolder,
                format!("you do not hold conversation {id}; claim it from the queue first"),
            ));
        }
        Ok(())
    }

    /// An agent's own action in a conversation they hold: message, note, hand back, close.
    pub async fn agent_acts(
        &self,
        id: &str,
        agent: &Agent,
        act: AgentAct,
    ) -> Result<Option<u64>, ClientError> {
        let holder = Guard::Holder(agent);
        match act {
            AgentAct::Message { client_id, text } => {
                let slot = self.slot(id);
                let turn = slot.turn.lock().await;
                self.check_holder(id, agent).await?;
                let at = now_ms();
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
                self.publish(id, &slot, &stored);
                Ok(stored.first().map(|s| s.seq))
            }
            AgentAct::Note { text } => {
                let note = EventKind::AgentNote {
                    text,
                    agent_id: agent.id,
                    agent_name: agent.name.clone(),
                };
                self.bot_turn(id, note, holder).await?;
                Ok(None)
            }
            AgentAct::HandBack => {
                let back = EventKind::Handoff {
                    state: HandoffState::ReturnedToBot,
                    reason: None,
                    agent_name: Some(agent.name.clone()),
                    position: None,
                };
                self.bot_turn(id, back, holder).await?;
                Ok(None)
            }
            AgentAct::Close { resolution } => {
                let closed = EventKind::Closed {
                    by: "agent".into(),
                    resolution,
                };
                self.bot_turn(id, closed, holder).await?;
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
                let waiting = self.store.count_conversations(Some(Stage::Queued)).await?;
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

    /// Sends stored events to the conversation's sockets and to the agents, and has
    /// the queue's frame sent if it changed.
    fn publish(&self, id: &str, slot: &ConversationSlot, stored: &[StoredEvent]) {
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
        if queue_changed {
            self.queue_changed.notify_one();
        }
    }
}

/// What must hold, under the conversation's lock, for a turn to go ahead.
#[derive(Clone, Copy)]
enum Guard<'a> {
    /// The conversation is not closed (`closed` otherwise).
    Open,
    /// This agent holds it (`not_holder` otherwise).
    Holder(&'a Agent),
    /// It is still in the queue (nothing happens otherwise).
    StillQueued,
}

/// The refusal of anything but reading a closed conversation.
fn closed_error() -> ClientError {
    ClientError::new(
        ErrorCode::Closed,
        "this conversation is closed; start a new one with a hello without conversation_id",
    )
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
