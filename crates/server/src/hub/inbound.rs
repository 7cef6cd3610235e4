//! A message from a channel beyond the widget (SMS, WhatsApp, the REST API), fed into
//! the same turn path as the widget's: under a lock per contact address, a message whose
//! provider id was stored before does nothing; otherwise it goes to the contact's open
//! conversation on that channel, or starts one, and is stored with the provider id as
//! its client id (the REST caller's own for its messages). A reply of only a number presses that choice of the last bot message
//! (SMS has no buttons). With no agent free, a phone contact's number is left as their
//! callback request.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use relais_dialogue::{ChannelAddress, EventKind, HandoffState, Input};
use relais_store::StoredEvent;

use super::{Guard, Hub, Turned};
use crate::error::ClientError;

/// What a contact sent.
#[derive(Debug, Clone)]
pub enum Said {
    Text(String),
    /// A button pressed, with the payload we gave it.
    Pressed(String),
}

/// One inbound message, as its channel's route read it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// `sms`, `whatsapp` or `rest`.
    pub channel: &'static str,
    /// The contact's address there: a phone number (E.164) or the REST caller's user id.
    pub address: String,
    /// The provider's id of the message (MessageSid, wamid, the REST caller's client id
    /// with its user id), unique on the channel.
    pub provider_id: String,
    /// The message's client id in its conversation: the provider id, or the REST
    /// caller's own client id.
    pub client_id: String,
    pub said: Said,
    /// The user id the REST caller vouches for with its key.
    pub verified_user_id: Option<String>,
    /// A display name the provider gave (a WhatsApp profile name): a claim.
    pub name: Option<String>,
}

/// What became of an inbound message.
pub struct Received {
    pub conversation_id: String,
    /// The events stored for it, the start's included.
    pub stored: Vec<StoredEvent>,
    /// The message's `seq`: `None` when nothing was stored.
    pub seq: Option<u64>,
    /// The provider id was seen before.
    pub repeated: bool,
}

/// One lock per contact address, so two messages of one contact never start two
/// conversations; forgotten when unused.
#[derive(Default)]
pub(crate) struct ContactLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl ContactLocks {
    /// Waits for the lock of the contact at `address` on `channel`; held until dropped
    /// (the guard keeps the lock, so it is not forgotten meanwhile).
    async fn lock(&self, channel: &str, address: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            locks.entry(format!("{channel}:{address}")).or_default().clone()
        };
        lock.lock_owned().await
    }
}

impl Hub {
    /// Takes an inbound channel message through the turn path (see the module's doc).
    pub async fn receive(&self, inbound: Inbound) -> Result<Received, ClientError> {
        let _held = self.contact_locks.lock(inbound.channel, &inbound.address).await;
        // And on every node (PostgreSQL): a contact's webhooks may reach any of them.
        let across_nodes = self.store.contact_lock(inbound.channel, &inbound.address).await?;
        let received = self.receive_locked(inbound).await;
        if let Some(lock) = across_nodes
            && let Err(error) = lock.release().await
        {
            tracing::warn!("a contact could not be given back: {error}; its connection is closed instead");
        }
        received
    }

    /// [`Hub::receive`] once the contact's locks are held.
    async fn receive_locked(&self, inbound: Inbound) -> Result<Received, ClientError> {
        if let Some((id, seq)) = self.store.inbound_conversation(inbound.channel, &inbound.provider_id).await? {
            return self.repeated(id, seq).await;
        }
        let mut stored = Vec::new();
        let id = match self.store.open_conversation_at(inbound.channel, &inbound.address).await? {
            Some(id) => id,
            None => {
                let id = crate::token::new_conversation_id().map_err(ClientError::internal)?;
                let start = Input::Start {
                    conversation_id: id.clone(),
                    lang: None,
                    visitor: inbound.name.iter().map(|name| ("name".to_owned(), name.clone())).collect::<BTreeMap<_, _>>(),
                    verified_user_id: inbound.verified_user_id.clone(),
                    browser_id: None,
                    page: None,
                    topic: None,
                    simulated: self.simulated,
                    channel: Some(ChannelAddress { name: inbound.channel.to_owned(), address: inbound.address.clone() }),
                };
                if let Turned::Stored(events) = self.turn(&id, start, Guard::New, None).await? {
                    stored.extend(events);
                }
                id
            }
        };
        let input = match inbound.said {
            Said::Pressed(payload) => Input::QuickReply { payload },
            Said::Text(text) => match self.numbered_choice(&id, inbound.channel, &text).await? {
                Some(payload) => Input::QuickReply { payload },
                None => Input::Message {
                    client_id: inbound.client_id.clone(),
                    text: text.chars().take(self.config.limits.max_message_chars).collect(),
                },
            },
        };
        let turned = self.turn(&id, input, Guard::Open, Some(&inbound.client_id)).await?;
        let seq = turned.seq();
        self.store.record_inbound(inbound.channel, &inbound.provider_id, &id, seq, self.clock.now_ms()).await?;
        match turned {
            Turned::Stored(events) => stored.extend(events),
            Turned::Repeated(seq) => return self.repeated(id, Some(seq)).await,
            Turned::Skipped => {}
        }
        let phone = matches!(inbound.channel, "sms" | "whatsapp");
        if phone && stored.iter().any(|s| matches!(s.event.kind, EventKind::Handoff { state: HandoffState::NoAgentAvailable, .. })) {
            let callback = Input::Callback {
                name: inbound.name,
                email: None,
                phone: Some(inbound.address),
                preferred_time: None,
                note: Some(format!("left by {}", inbound.channel)),
            };
            if let Turned::Stored(events) = self.turn(&id, callback, Guard::Open, None).await? {
                stored.extend(events);
            }
        }
        Ok(Received { conversation_id: id, stored, seq, repeated: false })
    }

    /// A message received before as event `seq` of conversation `id`: what its turn
    /// stored then (the message and what followed, up to the contact's next input), so a
    /// REST caller who sends again gets the same answer.
    async fn repeated(&self, id: String, seq: Option<u64>) -> Result<Received, ClientError> {
        let stored = match seq {
            Some(seq) => {
                let after = self.store.events_after(&id, seq.saturating_sub(1)).await?;
                let answer = after.iter().skip(1).take_while(|stored| !is_input(&stored.event.kind)).count();
                after.into_iter().take(1 + answer).collect()
            }
            None => Vec::new(),
        };
        Ok(Received { conversation_id: id, stored, seq, repeated: true })
    }

    /// The contact at `address` replied STOP: their open conversation on `channel` is
    /// closed (by them), since nothing more can reach them there.
    pub async fn stopped(&self, channel: &'static str, address: &str) -> Result<(), ClientError> {
        let _held = self.contact_locks.lock(channel, address).await;
        let across_nodes = self.store.contact_lock(channel, address).await?;
        let closed = match self.store.open_conversation_at(channel, address).await {
            Ok(Some(id)) => {
                let close = Input::Close { by: "visitor".into(), resolution: Some("replied STOP".into()) };
                self.turn(&id, close, Guard::Open, None).await.map(|_| ())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(error.into()),
        };
        if let Some(lock) = across_nodes
            && let Err(error) = lock.release().await
        {
            tracing::warn!("a contact could not be given back: {error}; its connection is closed instead");
        }
        closed
    }

    /// On SMS, which has no buttons, the payload of the choice a reply of only a number
    /// presses: one of the numbered choices of the conversation's last message, when that
    /// is the bot's (after anything an agent or the contact said, a number is an answer).
    async fn numbered_choice(&self, id: &str, channel: &str, text: &str) -> Result<Option<String>, ClientError> {
        let Some(number) = relais_channels::twilio::numbered(text).filter(|_| channel == "sms") else {
            return Ok(None);
        };
        let events = self.store.events_after(id, 0).await?;
        // The choices as the SMS numbered them (`Outbound::of`).
        let offered = events
            .iter()
            .rev()
            .find_map(|stored| match &stored.event.kind {
                EventKind::BotMessage { .. } => relais_channels::Outbound::of(&stored.event.kind, None).map(|said| said.choices),
                EventKind::AgentMessage { .. } | EventKind::VisitorMessage { .. } | EventKind::QuickReplyPressed { .. } => Some(Vec::new()),
                _ => None,
            })
            .unwrap_or_default();
        Ok(offered.into_iter().nth(number - 1).map(|choice| choice.payload))
    }
}

/// Whether `kind` is something the contact sent, which starts a turn of its own.
fn is_input(kind: &EventKind) -> bool {
    matches!(kind, EventKind::VisitorMessage { .. } | EventKind::QuickReplyPressed { .. })
}
