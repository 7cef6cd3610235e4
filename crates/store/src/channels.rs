//! Channels beyond the widget: the outbox of what a channel conversation sends out
//! (`deliveries`, written in the transaction that appends the events, then tried, retried
//! and settled by the server's sender), inbound messages by their provider id (a replay is
//! stored once), addresses that replied STOP, the REST channel's API keys, and one
//! contact's conversations across channels.

use relais_dialogue::{Event, EventKind};
use sqlx::Row;

use crate::conversations::COLUMNS;
use crate::events::stored_event;
use crate::{Conversation, Db, Error, Result, Store, StoredEvent, to_u64};

/// A conversation's channel when it has no other: the web widget, which reads its events
/// from its socket and has no outbox.
pub const WIDGET: &str = "widget";

/// Where an outbound message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// The provider took it.
    Sent,
    /// The provider says it reached the contact.
    Delivered,
    /// Given up: see its error.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "pending" => DeliveryState::Pending,
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            other => return Err(Error::corrupt("deliveries.state", other)),
        })
    }
}

/// An outbound message due for an attempt: the event to send, where, and in which language.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub conversation_id: String,
    pub channel: String,
    pub address: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub event: StoredEvent,
    pub language: Option<String>,
    /// When this sender's lease on it ends: a retry or failure settles it only while no
    /// other sender has taken it since (see [`Store::settle_delivery`]).
    pub leased_until: i64,
}

/// What the console shows of one outbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    pub conversation_id: String,
    pub seq: u64,
    pub state: DeliveryState,
    pub attempts: u32,
    pub error: Option<String>,
}

/// Conversations per channel, and contacts seen on two channels within a week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelCounts {
    /// `(channel, conversations started in the window)`, most first.
    pub conversations: Vec<(String, u64)>,
    /// Contacts with a conversation started in the window and another, on another
    /// channel, started less than [`SWITCH_WINDOW_MS`] before or after it.
    pub switching_contacts: u64,
    /// Contacts with a conversation started in the window.
    pub contacts: u64,
}

/// How close two conversations of one contact on two channels must start to count as a
/// channel switch: 7 days.
pub const SWITCH_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

/// Whether a turn that begins with `first` was asked for by the contact themself (the
/// inputs a REST call makes: a start, a message, a quick reply): on the REST channel its
/// events are the answer to that request, not webhook calls.
fn asked_by_contact(first: &Event) -> bool {
    matches!(
        first.kind,
        EventKind::Started { .. } | EventKind::VisitorMessage { .. } | EventKind::QuickReplyPressed { .. }
    )
}

/// Writes a `pending` delivery for each event of `stored` that the contact of a channel
/// conversation hears of ([`EventKind::reaches_contact`]); inside the append's transaction.
pub(crate) async fn queue_deliveries(
    tx: &mut sqlx::Transaction<'static, Db>,
    conversation: &Conversation,
    stored: &[StoredEvent],
) -> Result<()> {
    let (Some(address), Some(first)) = (&conversation.address, stored.first()) else {
        return Ok(());
    };
    if conversation.channel == WIDGET || (conversation.channel == "rest" && asked_by_contact(&first.event)) {
        return Ok(());
    }
    for event in stored.iter().filter(|stored| stored.event.kind.reaches_contact()) {
        sqlx::query(
            "INSERT INTO deliveries (conversation_id, seq, channel, address, state, next_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5)",
        )
        .bind(&conversation.id)
        .bind(seq_i64(event.seq)?)
        .bind(&conversation.channel)
        .bind(address)
        .bind(event.event.at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn seq_i64(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|e| Error::corrupt("events.seq", e))
}

impl Store {
    /// Takes up to `limit` deliveries due at `now`, each the first still pending of its
    /// conversation, so a conversation's messages leave in order. Each is leased for
    /// `lease_ms`: no other sender (another node's) takes it meanwhile, and if its
    /// sender dies before settling it, it is due again when the lease ends.
    pub async fn take_due_deliveries(&self, now: i64, lease_ms: i64, limit: u32) -> Result<Vec<Delivery>> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT d.id, d.conversation_id, d.channel, d.address, d.attempts, e.seq, e.at, e.kind, e.payload, c.language \
             FROM deliveries d \
             JOIN events e ON e.conversation_id = d.conversation_id AND e.seq = d.seq \
             JOIN conversations c ON c.id = d.conversation_id \
             WHERE d.state = 'pending' AND d.next_at <= $1 AND NOT EXISTS ( \
                 SELECT 1 FROM deliveries b WHERE b.conversation_id = d.conversation_id \
                 AND b.state = 'pending' AND b.seq < d.seq) \
             ORDER BY d.next_at, d.id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let leased_until = now.saturating_add(lease_ms);
        let taken = rows
            .iter()
            .map(|row| {
                let conversation_id: String = row.try_get("conversation_id")?;
                Ok(Delivery {
                    id: row.try_get("id")?,
                    event: stored_event(row, &conversation_id)?,
                    conversation_id,
                    channel: row.try_get("channel")?,
                    address: row.try_get("address")?,
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    language: row.try_get("language")?,
                    leased_until,
                })
            })
            .collect::<Result<Vec<Delivery>>>()?;
        for delivery in &taken {
            sqlx::query("UPDATE deliveries SET next_at = $1 WHERE id = $2")
                .bind(leased_until)
                .bind(delivery.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    /// Settles `delivery`, taken by [`Store::take_due_deliveries`]: `sent` with the
    /// provider's id, `failed` with why, or back to `pending` until `retry_at` with the
    /// error of this attempt. Returns its status; `None`, changing nothing, when the
    /// outcome no longer applies:
    /// - a retry or failure when the lease ended and another sender took it since (a
    ///   `sent` turned back to `pending` would be sent again);
    /// - a `sent` when the message is already `sent` or `delivered`. Otherwise a `sent`
    ///   is a fact and is kept, even over another sender's `failed`, with the provider's
    ///   id for its reports;
    /// - the delivery is gone.
    pub async fn settle_delivery(
        &self,
        delivery: &Delivery,
        outcome: DeliveryOutcome<'_>,
        now: i64,
    ) -> Result<Option<DeliveryStatus>> {
        let (state, provider_id, error, next_at) = match outcome {
            DeliveryOutcome::Sent { provider_id } => (DeliveryState::Sent, provider_id, None, None),
            DeliveryOutcome::Retry { error, at } => (DeliveryState::Pending, None, Some(error), Some(at)),
            DeliveryOutcome::Failed { error } => (DeliveryState::Failed, None, Some(error), None),
        };
        let row = sqlx::query(
            "UPDATE deliveries SET state = $1, provider_id = COALESCE($2, provider_id), error = $3, \
             next_at = COALESCE($4, next_at), attempts = attempts + 1, updated_at = $5 \
             WHERE id = $6 AND (state = 'pending' AND next_at = $7 OR $1 = 'sent' AND state IN ('pending', 'failed')) \
             RETURNING conversation_id, seq, state, attempts, error",
        )
        .bind(state.as_str())
        .bind(provider_id)
        .bind(error)
        .bind(next_at)
        .bind(now)
        .bind(delivery.id)
        .bind(delivery.leased_until)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(status).transpose()
    }

    /// Records what the provider reported of the message it knows as `provider_id`
    /// (`delivered`, or `failed` with why); a report on a message delivered already, or
    /// unknown, changes nothing and returns `None`.
    pub async fn delivery_reported(
        &self,
        channel: &str,
        provider_id: &str,
        state: DeliveryState,
        error: Option<&str>,
        now: i64,
    ) -> Result<Option<DeliveryStatus>> {
        let row = sqlx::query(
            "UPDATE deliveries SET state = $1, error = COALESCE($2, error), updated_at = $3 \
             WHERE channel = $4 AND provider_id = $5 AND state = 'sent' \
             RETURNING conversation_id, seq, state, attempts, error",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now)
        .bind(channel)
        .bind(provider_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(status).transpose()
    }

    /// The outbound messages of conversation `id`, in order.
    pub async fn deliveries(&self, conversation_id: &str) -> Result<Vec<DeliveryStatus>> {
        let rows = sqlx::query(
            "SELECT conversation_id, seq, state, attempts, error FROM deliveries WHERE conversation_id = $1 ORDER BY seq",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(status).collect()
    }

    /// The conversation an inbound message with this provider id was stored in, and its
    /// `seq` there, if it was.
    pub async fn inbound_conversation(&self, channel: &str, provider_id: &str) -> Result<Option<(String, Option<u64>)>> {
        let row = sqlx::query("SELECT conversation_id, seq FROM channel_inbound WHERE channel = $1 AND provider_id = $2")
            .bind(channel)
            .bind(provider_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let seq: Option<i64> = row.try_get("seq")?;
            Ok((row.try_get("conversation_id")?, seq.map(|seq| to_u64(seq, "channel_inbound.seq")).transpose()?))
        })
        .transpose()
    }

    /// Remembers that the inbound message `provider_id` went into `conversation_id` as
    /// its event `seq`.
    pub async fn record_inbound(&self, channel: &str, provider_id: &str, conversation_id: &str, seq: Option<u64>, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_inbound (channel, provider_id, conversation_id, seq, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (channel, provider_id) DO NOTHING",
        )
        .bind(channel)
        .bind(provider_id)
        .bind(conversation_id)
        .bind(seq.map(seq_i64).transpose()?)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest conversation not closed on `channel` with the contact at `address`.
    pub async fn open_conversation_at(&self, channel: &str, address: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE channel = $1 AND address = $2 AND state <> 'closed' \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(channel)
        .bind(address)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The time of the contact's last message in conversation `id` (their first, the
    /// start, counts): WhatsApp's 24-hour window runs from it.
    pub async fn last_inbound_at(&self, conversation_id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(at) FROM events WHERE conversation_id = $1 \
             AND kind IN ('started', 'visitor_message', 'quick_reply_pressed')",
        )
        .bind(conversation_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records that `address` replied STOP on `channel` (`stopped`) or START again.
    pub async fn set_opted_out(&self, channel: &str, address: &str, stopped: bool, at: i64) -> Result<()> {
        let query = if stopped {
            sqlx::query(
                "INSERT INTO channel_optouts (channel, address, at) VALUES ($1, $2, $3) ON CONFLICT (channel, address) DO NOTHING",
            )
            .bind(channel)
            .bind(address)
            .bind(at)
        } else {
            sqlx::query("DELETE FROM channel_optouts WHERE channel = $1 AND address = $2")
                .bind(channel)
                .bind(address)
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Whether `address` replied STOP on `channel` and not START since.
    pub async fn opted_out(&self, channel: &str, address: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT at FROM channel_optouts WHERE channel = $1 AND address = $2")
            .bind(channel)
            .bind(address)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Stores a REST channel API key under `name` by its hash.
    pub async fn add_channel_key(&self, name: &str, key_hash: &str, at: i64) -> Result<()> {
        sqlx::query("INSERT INTO channel_keys (name, key_hash, created_at) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(key_hash)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(|error| match error {
                sqlx::Error::Database(db) if db.is_unique_violation() => Error::DuplicateKeyName(name.to_owned()),
                other => other.into(),
            })?;
        Ok(())
    }

    /// Removes the REST channel key named `name`; whether there was one.
    pub async fn remove_channel_key(&self, name: &str) -> Result<bool> {
        let removed = sqlx::query("DELETE FROM channel_keys WHERE name = $1").bind(name).execute(&self.pool).await?;
        Ok(removed.rows_affected() > 0)
    }

    /// The name of the REST channel key with this hash, if there is one.
    pub async fn channel_key_name(&self, key_hash: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT name FROM channel_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The contact's other conversations, on every channel, newest first.
    pub async fn contact_conversations(&self, contact: &str, except: &str, limit: u32) -> Result<Vec<Conversation>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM conversations WHERE contact = $1 AND id <> $2 ORDER BY created_at DESC LIMIT $3"
        ));
        let rows = sqlx::query(sql)
            .bind(contact)
            .bind(except)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Conversation::from_row).collect()
    }

    /// Conversations per channel started in `[from, to)`, and the contacts among them who
    /// switched channel (see [`ChannelCounts`]).
    pub async fn channel_counts(&self, from: i64, to: i64) -> Result<ChannelCounts> {
        let rows = sqlx::query(
            "SELECT channel, COUNT(*) AS n FROM conversations WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY channel ORDER BY n DESC, channel",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let conversations = rows
            .iter()
            .map(|row| Ok((row.try_get("channel")?, to_u64(row.try_get("n")?, "a count")?)))
            .collect::<Result<Vec<_>>>()?;
        let contacts: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT contact) FROM conversations WHERE contact IS NOT NULL AND created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let switching: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT a.contact) FROM conversations a JOIN conversations b \
             ON b.contact = a.contact AND b.channel <> a.channel \
             AND b.created_at > a.created_at - $3 AND b.created_at < a.created_at + $3 \
             WHERE a.contact IS NOT NULL AND a.created_at >= $1 AND a.created_at < $2",
        )
        .bind(from)
        .bind(to)
        .bind(SWITCH_WINDOW_MS)
        .fetch_one(&self.pool)
        .await?;
        Ok(ChannelCounts {
            conversations,
            switching_contacts: to_u64(switching, "a count")?,
            contacts: to_u64(contacts, "a count")?,
        })
    }
}

/// How an attempt to deliver ended (see [`Store::settle_delivery`]).
#[derive(Debug, Clone, Copy)]
pub enum DeliveryOutcome<'a> {
    Sent { provider_id: Option<&'a str> },
    Retry { error: &'a str, at: i64 },
    Failed { error: &'a str },
}

/// A delivery's status from a row of `conversation_id, seq, state, attempts, error`.
fn status(row: &crate::DbRow) -> Result<DeliveryStatus> {
    Ok(DeliveryStatus {
        conversation_id: row.try_get("conversation_id")?,
        seq: to_u64(row.try_get("seq")?, "deliveries.seq")?,
        state: DeliveryState::parse(row.try_get("state")?)?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        error: row.try_get("error")?,
    })
}
