//! The hub: shared state of a running server, and the one path every input takes
//! through a conversation ([`Hub::turn`]): take the conversation's turn lock, load its
//! state, check what must hold, let the bot decide (off the async threads), append to
//! the store (which numbers a queue place in its write transaction), and only then publish — to the conversation's
//! sockets and to the agents' feed. A client that reconnects reads what it missed from
//! the store, so nothing acknowledged is lost.
//!
//! The jobs around it have a module each: [`rooms`] (per-conversation lock and
//! channel), [`feed`] (what agents hear, the queue frame), [`roster`] (available
//! agents), [`queue`] (abandoned visitors) and [`cluster`] (other nodes on the same
//! PostgreSQL store: their events, presence, and one turn at a time across nodes).

mod cluster;
pub(crate) mod contact;
mod feed;
mod inbound;
pub(crate) mod queue;
mod rooms;
mod roster;

use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use relais_assistant::Bot;
use relais_dialogue::{ConversationState, Input, Stage, Turn};
use relais_store::{Agent, MessageVector, Store, StoredEvent, VisitorAppend};
use tokio::sync::{broadcast, watch};

use crate::address::TrustedProxies;
use crate::batcher::EncoderBatcher;
use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::error::{ClientError, ErrorCode};
use crate::hours::BusinessHours;
use crate::limits::{KeyedRate, LimitLog, OpenPerAddress};
use crate::login::LoginGuard;
use crate::metrics::Metrics;
use crate::token::Signer;

pub use feed::{AgentNotice, queue_frame};
pub use inbound::{Inbound, Said};
pub use rooms::Update;
pub use roster::Presence;

/// Shared state of a running server.
pub struct Hub {
    pub config: ServerConfig,
    pub store: Store,
    /// The assistant in use; a reload swaps in another ([`Hub::bot`]).
    bot: RwLock<Arc<Bot>>,
    /// The reload under way or last done ([`crate::reload`]).
    pub(crate) reload: crate::reload::Reloads,
    pub metrics: Arc<Metrics>,
    pub signer: Signer,
    pub proxies: TrustedProxies,
    /// Per-address and per-conversation quotas; `limit_log` warns when they bite.
    pub quotas: Quotas,
    pub limit_log: Arc<LimitLog>,
    /// The time of every event this hub stamps.
    pub clock: Clock,
    /// Conversations started here are marked simulated (`relais simulate`).
    pub simulated: bool,
    /// The help centre served, whose article pages set a conversation's topic.
    pub help: Option<Arc<relais_help::HelpCentre>>,
    /// `[channels]`: the channels beyond the widget and how their outbox retries.
    pub channels: Arc<relais_channels::ChannelsConfig>,
    contact_locks: inbound::ContactLocks,
    /// Wakes the outbox's sender when a turn stored something a channel contact may hear.
    pub(crate) outbox_due: tokio::sync::Notify,
    encoder: EncoderBatcher,
    rooms: rooms::Rooms,
    feed: feed::Feed,
    published: cluster::Published,
    roster: Arc<roster::Roster>,
    started: Instant,
    shutdown: watch::Sender<bool>,
}

/// What clients may open or do per address and per conversation.
pub struct Quotas {
    /// Open WebSockets, visitor and agent, per address.
    pub sockets: Arc<OpenPerAddress>,
    pub conversation_starts: KeyedRate<IpAddr>,
    pub handoffs_per_address: KeyedRate<IpAddr>,
    /// The help centre's searches, suggestions and answers.
    pub help_requests: KeyedRate<IpAddr>,
    pub handoffs_per_conversation: KeyedRate<String>,
    pub login: LoginGuard,
}

/// What must hold, under the conversation's lock, for a turn to go ahead.
#[derive(Clone, Copy)]
pub enum Guard<'a> {
    /// The conversation is new (its id was just made).
    New,
    /// The conversation is not closed (`closed` otherwise).
    Open,
    /// This agent holds it (`not_holder` otherwise).
    Holder(&'a Agent),
    /// It waits in the queue, and this agent takes it (`already_claimed` otherwise);
    /// the store's conditional update decides between claims.
    Claim(&'a Agent),
    /// It is still in the queue and no visitor socket listens (nothing happens otherwise).
    StillQueued,
    /// The agent with this id still holds it (nothing happens otherwise).
    StillHeldBy(i64),
    /// A rating was asked and not answered yet, and this score is on its scale
    /// (`bad_frame` otherwise); closed conversations may be rated.
    Rating(u8),
}

/// What became of a turn.
pub enum Turned {
    /// Its events, stored and published.
    Stored(Vec<StoredEvent>),
    /// The client id was seen before: the `seq` of the event stored with it then.
    Repeated(u64),
    /// The guard said nothing should happen.
    Skipped,
}

impl Turned {
    /// The `seq` to acknowledge: the input's event's.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Turned::Stored(stored) => stored.first().map(|event| event.seq),
            Turned::Repeated(seq) => Some(*seq),
            Turned::Skipped => None,
        }
    }
}

impl Hub {
    /// The assistant in use now. A turn takes it once and answers with it to the end, so
    /// no turn mixes the old and the new of a reload.
    pub fn bot(&self) -> Arc<Bot> {
        self.bot.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Puts `bot` in use for every turn that starts from now on.
    pub(crate) fn swap_bot(&self, bot: Arc<Bot>) {
        *self.bot.write().unwrap_or_else(PoisonError::into_inner) = bot;
    }

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
            help_requests: KeyedRate::per_minute(limits.help_requests_per_ip_per_minute),
            handoffs_per_conversation: KeyedRate::per_minute(limits.handoffs_per_conversation_per_minute),
            login: LoginGuard::new(limits),
        };
        Self {
            config,
            store,
            bot: RwLock::new(bot),
            reload: crate::reload::Reloads::default(),
            metrics,
            signer,
            proxies,
            quotas,
            limit_log: Arc::new(LimitLog::default()),
            clock: Clock::system(),
            simulated: false,
            help: None,
            channels: Arc::default(),
            contact_locks: inbound::ContactLocks::default(),
            outbox_due: tokio::sync::Notify::new(),
            encoder,
            rooms: rooms::Rooms::default(),
            feed: feed::Feed::new(),
            published: cluster::Published::default(),
            roster: Arc::new(roster::Roster::new(hours)),
            started: Instant::now(),
            shutdown: watch::channel(false).0,
        }
    }

    /// Starts the queue publisher, the sweeper of abandoned queue places, the outbox's
    /// sender and, on PostgreSQL, the relay of the other nodes; abort the handle to stop them.
    pub fn start_background_tasks(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::join!(
                hub.feed.publish_queue(&hub.store),
                queue::sweep_abandoned(&hub),
                crate::outbox::send_due(&hub),
                cluster::run(&hub),
            );
        })
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
        self.feed.subscribe()
    }

    /// An agent socket authenticated, available or away; the returned presence counts
    /// them out when dropped.
    pub fn agent_online(&self, available: bool) -> Presence {
        self.roster.online(available)
    }

    /// Listens to a conversation's updates (before reading its past, so nothing falls between).
    pub fn subscribe(&self, id: &str) -> broadcast::Receiver<Arc<Update>> {
        self.rooms.subscribe(id)
    }

    /// A visitor socket stopped listening to conversation `id`.
    pub fn release(&self, id: &str) {
        self.rooms.release(id);
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
            && conversation.stage == Stage::Closed
            && self.clock.now_ms().saturating_sub(closed_at) > readable_for
        {
            return Err(closed_error());
        }
        Ok(conversation)
    }

    /// Takes one turn of conversation `id` on `input`, if `guard` holds under the
    /// conversation's lock. With `once`, the input is stored at most once under that
    /// client id: a repeat is acknowledged with the first one's `seq` and does nothing.
    pub async fn turn(
        &self,
        id: &str,
        input: Input,
        guard: Guard<'_>,
        once: Option<&str>,
    ) -> Result<Turned, ClientError> {
        let room = self.rooms.room(id);
        let turned = self.turn_in(&room, id, input, guard, once).await;
        drop(room);
        self.rooms.tidy(id);
        turned
    }

    /// [`Hub::turn`] in the conversation's room.
    async fn turn_in(
        &self,
        room: &rooms::Room,
        id: &str,
        input: Input,
        guard: Guard<'_>,
        once: Option<&str>,
    ) -> Result<Turned, ClientError> {
        let arrived = Instant::now();
        let mut cached = room.turn.lock().await;
        // On PostgreSQL, the turn is taken on every node, and the state is read from the
        // store: another node may have changed it since this one cached it.
        let across_nodes = self.store.turn_lock(id).await?;
        let cache = if across_nodes.is_some() { None } else { cached.take() };
        let turned = self.turn_held(room, id, input, guard, once, cache, arrived).await;
        if let Some(lock) = across_nodes
            && let Err(error) = lock.release().await
        {
            tracing::warn!("conversation {id}'s turn could not be given back: {error}; its connection is closed instead");
        }
        if let Ok((_, state)) = &turned {
            *cached = state.clone();
        }
        turned.map(|(turned, _)| turned)
    }

    /// [`Hub::turn_in`] once the turn is held: `cached` is the state this node folded at
    /// its last turn, if it may be used. Gives the state after the turn, to cache.
    #[allow(clippy::too_many_arguments)]
    async fn turn_held(
        &self,
        room: &rooms::Room,
        id: &str,
        input: Input,
        guard: Guard<'_>,
        once: Option<&str>,
        cached: Option<ConversationState>,
        arrived: Instant,
    ) -> Result<(Turned, Option<ConversationState>), ClientError> {
        if let Some(once) = once
            && let Some(seq) = self.store.client_message_seq(id, once).await?
        {
            return Ok((Turned::Repeated(seq), cached));
        }
        let state = match (guard, cached) {
            (Guard::New, _) => ConversationState::default(),
            (_, Some(state)) => state,
            (_, None) => self.load(id).await?,
        };
        match guard {
            Guard::Open if state.stage == Stage::Closed => return Err(closed_error()),
            Guard::Holder(agent) => self.check_holder(id, agent).await?,
            Guard::Claim(_) if state.stage != Stage::Queued => return Err(not_queued(id, state.stage)),
            Guard::Rating(score) => check_rating(state.rating_pending, score)?,
            // The visitor may have come back since the sweep looked.
            Guard::StillQueued if state.stage != Stage::Queued || self.rooms.listened(id) => {
                return Ok((Turned::Skipped, Some(state)));
            }
            Guard::StillHeldBy(agent) if self.holder(id).await? != Some(agent) => {
                return Ok((Turned::Skipped, Some(state)));
            }
            _ => {}
        }
        if let Input::AgentMessage { .. } = input {
            self.check_window(id).await?;
        }
        // One bot for the whole turn, whatever a reload swaps in meanwhile.
        let bot = self.bot();
        let embedding = match bot.reads(&state, &input) {
            Some(text) => Some(self.encoder.embed(text.to_owned()).await.map_err(ClientError::internal)?),
            None => None,
        };
        let read = embedding.is_some();
        let at = self.clock.now_ms();
        let turn = Turn::new(at, input).with_agents_available(self.roster.agents_available(at));
        let kept = embedding.clone();
        let outcome = tokio::task::spawn_blocking(move || bot.turn(&state, turn, embedding))
            .await
            .map_err(ClientError::internal)?
            .map_err(ClientError::internal)?;
        // Stored with the message, with the name of the encoder that made it.
        let vector = kept.as_deref().map(|vector| MessageVector { encoder: self.encoder.name(), vector });
        let stored = match (guard, once) {
            (Guard::Claim(agent), _) => self.store.claim(id, agent.id, &outcome.events).await.map_err(|error| match error {
                relais_store::Error::NotQueued { stage, .. } => not_queued(id, stage),
                relais_store::Error::AgentDisabled(_) => {
                    ClientError::new(ErrorCode::Unauthorized, "your account was disabled: the conversation stays in the queue")
                }
                other => other.into(),
            })?,
            (_, Some(once)) => match self.store.append_visitor_message(id, once, &outcome.events, vector).await? {
                VisitorAppend::Stored(stored) => stored,
                VisitorAppend::Duplicate { seq } => return Ok((Turned::Repeated(seq), None)),
            },
            (_, None) => self.store.append(id, &outcome.events).await?,
        };
        self.metrics.count(&stored);
        if read {
            self.metrics.reply_seconds.observe(arrived.elapsed().as_secs_f64());
        }
        // Published before the room is free, so its events go out in seq order.
        self.publish(id, room, &stored);
        if stored.iter().any(|stored| stored.event.kind.reaches_contact()) {
            self.outbox_due.notify_one();
        }
        Ok((Turned::Stored(stored), Some(outcome.state)))
    }

    /// Refuses an agent's message to a WhatsApp contact whose last message is over 24
    /// hours old (`template_needed`): only a template message may reach them.
    async fn check_window(&self, id: &str) -> Result<(), ClientError> {
        let Some(conversation) = self.store.conversation(id).await? else {
            return Ok(());
        };
        if conversation.channel != "whatsapp" {
            return Ok(());
        }
        match self.store.last_inbound_at(id).await? {
            Some(last) if self.clock.now_ms() - last <= relais_channels::whatsapp::WINDOW_MS => Ok(()),
            _ => Err(ClientError::new(
                ErrorCode::TemplateNeeded,
                format!("{}; send it from WhatsApp Manager, or wait for the contact to write", crate::outbox::WINDOW_CLOSED),
            )),
        }
    }

    /// Tells the agents holding the conversation, on every node, what became of one
    /// outbound message.
    pub(crate) async fn delivery_changed(&self, status: relais_store::DeliveryStatus) {
        if let Err(error) = self.store.announce_delivery(&status.conversation_id, status.seq).await {
            tracing::warn!("the other nodes could not be told of a delivery: {error}");
        }
        self.feed.delivery(status);
    }

    /// The help-centre article a page at `url` shows, as a conversation's topic.
    pub(crate) fn topic_of(&self, url: &str) -> Option<relais_dialogue::Topic> {
        let (article_id, title) = self.help.as_ref()?.topic_of(url)?;
        Some(relais_dialogue::Topic { article_id, title })
    }

    /// Relays "someone is typing" to the other side, unless the conversation is closed.
    pub async fn typing(&self, id: &str, from: &'static str) -> Result<(), ClientError> {
        let last_seq = match self.store.conversation(id).await? {
            Some(conversation) if conversation.stage == Stage::Closed => return Err(closed_error()),
            Some(conversation) => conversation.last_seq,
            None => return Err(ClientError::not_found(format!("no conversation {id}"))),
        };
        self.typing_here(id, from, last_seq);
        self.store.announce_typing(id, from, last_seq).await?;
        Ok(())
    }

    /// Tells this node's sockets of conversation `id` and its agents that `from` types.
    fn typing_here(&self, id: &str, from: &'static str, last_seq: u64) {
        let room = self.rooms.room(id);
        self.feed.send(&room, &id.into(), Update::Typing { from, last_seq });
        drop(room);
        self.rooms.tidy(id);
    }

    /// The state of conversation `id`, folded from the store.
    async fn load(&self, id: &str) -> Result<ConversationState, ClientError> {
        let events = self.store.events_after(id, 0).await?;
        if events.is_empty() {
            return Err(ClientError::not_found(format!("no conversation {id}")));
        }
        Ok(ConversationState::from_events(events.iter().map(|stored| &stored.event)))
    }

    /// Refuses with `not_holder` unless `agent` holds conversation `id` now. A turn calls it
    /// under the conversation's lock, so no other turn can change that meanwhile; a flag
    /// calls it for the error, and the store checks the hold again as it flags.
    pub(crate) async fn check_holder(&self, id: &str, agent: &Agent) -> Result<(), ClientError> {
        if self.holder(id).await? != Some(agent.id) {
            return Err(ClientError::new(
                ErrorCode::NotHolder,
                format!("you do not hold conversation {id}; claim it from the queue first"),
            ));
        }
        Ok(())
    }

    /// The id of the agent who holds conversation `id` now, if one does.
    async fn holder(&self, id: &str) -> Result<Option<i64>, ClientError> {
        let conversation = self
            .store
            .conversation(id)
            .await?
            .ok_or_else(|| ClientError::not_found(format!("no conversation {id}")))?;
        Ok(conversation.holder_agent_id.filter(|_| conversation.stage == Stage::Agent))
    }
}

/// The refusal of anything but reading a closed conversation.
fn closed_error() -> ClientError {
    ClientError::new(
        ErrorCode::Closed,
        "this conversation is closed; start a new one with a hello without conversation_id",
    )
}

/// Refuses a rating nobody asked for, or off the scale asked.
fn check_rating(pending: Option<u8>, score: u8) -> Result<(), ClientError> {
    match pending {
        None => Err(ClientError::bad_frame(
            "no rating is asked in this conversation now; rate after a rating_request event",
        )),
        Some(scale) if !(1..=scale).contains(&score) => Err(ClientError::bad_frame(format!(
            "rate.score {score} is not from 1 to {scale}, the scale asked"
        ))),
        Some(_) => Ok(()),
    }
}

/// The refusal of a claim on a conversation that does not wait in the queue.
fn not_queued(id: &str, stage: Stage) -> ClientError {
    ClientError::new(
        ErrorCode::AlreadyClaimed,
        format!("conversation {id} is not waiting in the queue (it is {stage})"),
    )
}

/// Resolves once the server begins shutting down.
pub async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}
