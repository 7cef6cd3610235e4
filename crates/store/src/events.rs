//! The event log: appending a conversation's events with their `seq`, idempotent
//! visitor messages, claims, and reading the events after a `seq`.

use relais_dialogue::{Event, EventKind, HandoffState, Stage};
use serde_json::Value;
use sqlx::Row;

use crate::tally::TALLY_VERSION;
use crate::{Conversation, Db, Error, MessageVector, Result, Store, Tally, to_u64};

/// An event with its place in its conversation's log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// 1 for the conversation's first event, then one more for each event.
    pub seq: u64,
    pub event: Event,
}

/// The outcome of [`Store::append_visitor_message`].
#[derive(Debug, Clone, PartialEq)]
pub enum VisitorAppend {
    /// The message is new: these events were stored; the first is the message.
    Stored(Vec<StoredEvent>),
    /// The `client_id` was seen before: nothing was stored; `seq` is the original
    /// message's, to acknowledge again.
    Duplicate { seq: u64 },
}

impl VisitorAppend {
    /// The `seq` to acknowledge the visitor's message with.
    pub fn seq(&self) -> Option<u64> {
        match self {
            VisitorAppend::Stored(events) => events.first().map(|stored| stored.seq),
            VisitorAppend::Duplicate { seq } => Some(*seq),
        }
    }
}

impl Store {
    /// Appends `events` to conversation `conversation_id` (created by its first event)
    /// in one transaction, committed before this returns, and updates the projections.
    pub async fn append(
        &self,
        conversation_id: &str,
        events: &[Event],
    ) -> Result<Vec<StoredEvent>> {
        let mut tx = self.begin_write().await?;
        let stored = append_in(&mut tx, conversation_id, None, events).await?;
        self.announce_appended(&mut tx, conversation_id, &stored).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Appends a visitor's message (the first of `events`, followed by any events it
    /// caused) with its embedding `vector` and the encoder's name, if it was read, unless
    /// `client_id` was already stored in this conversation, in which case nothing is
    /// written and the original message's `seq` is returned.
    pub async fn append_visitor_message(
        &self,
        conversation_id: &str,
        client_id: &str,
        events: &[Event],
        vector: Option<MessageVector<'_>>,
    ) -> Result<VisitorAppend> {
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM events WHERE conversation_id = $1 AND client_id = $2",
        )
        .bind(conversation_id)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(seq) = existing {
            tx.rollback().await?;
            return Ok(VisitorAppend::Duplicate {
                seq: to_u64(seq, "events.seq")?,
            });
        }
        let stored = append_in(&mut tx, conversation_id, Some(client_id), events).await?;
        self.announce_appended(&mut tx, conversation_id, &stored).await?;
        if let (Some(vector), Some(message)) = (vector, stored.first()) {
            sqlx::query("INSERT INTO message_vectors (conversation_id, seq, vector, encoder) VALUES ($1, $2, $3, $4)")
                .bind(conversation_id)
                .bind(i64::try_from(message.seq).map_err(|e| Error::corrupt("events.seq", e))?)
                .bind(crate::messages::quantize(vector.vector))
                .bind(vector.encoder)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(VisitorAppend::Stored(stored))
    }

    /// Gives the queued conversation to `agent_id` and appends `events` (typically
    /// `handoff agent_joined`) in one transaction. Exactly one of several concurrent
    /// claims succeeds; the others get [`Error::NotQueued`]. An agent disabled since their
    /// request was let in gets [`Error::AgentDisabled`]: checked in the same statement, so
    /// no conversation goes to them after `disable` has been written.
    pub async fn claim(
        &self,
        conversation_id: &str,
        agent_id: i64,
        events: &[Event],
    ) -> Result<Vec<StoredEvent>> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE conversations SET state = $1, holder_agent_id = $2 \
             WHERE id = $3 AND state = $4 \
             AND EXISTS (SELECT 1 FROM agents WHERE id = $2 AND disabled_at IS NULL)",
        )
        .bind(Stage::Agent.as_str())
        .bind(agent_id)
        .bind(conversation_id)
        .bind(Stage::Queued.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            let stage = load(&mut tx, conversation_id).await?.map(|c| c.stage);
            let enabled: Option<i64> =
                sqlx::query_scalar("SELECT id FROM agents WHERE id = $1 AND disabled_at IS NULL")
                    .bind(agent_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Err(match stage {
                Some(_) if enabled.is_none() => Error::AgentDisabled(agent_id),
                Some(stage) => Error::NotQueued {
                    id: conversation_id.to_owned(),
                    stage,
                },
                None => Error::ConversationNotFound(conversation_id.to_owned()),
            });
        }
        let stored = append_in(&mut tx, conversation_id, None, events).await?;
        self.announce_appended(&mut tx, conversation_id, &stored).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The `seq` of the event stored with `client_id` in `conversation_id`, if any: lets
    /// a caller skip the work a re-sent message would cause before appending it.
    pub async fn client_message_seq(
        &self,
        conversation_id: &str,
        client_id: &str,
    ) -> Result<Option<u64>> {
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM events WHERE conversation_id = $1 AND client_id = $2",
        )
        .bind(conversation_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        seq.map(|seq| to_u64(seq, "events.seq")).transpose()
    }

    /// The events of `conversation_id` with a `seq` above `last_seq`, in order
    /// (`last_seq` 0 gives them all).
    pub async fn events_after(
        &self,
        conversation_id: &str,
        last_seq: u64,
    ) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT seq, at, kind, payload FROM events \
             WHERE conversation_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(conversation_id)
        .bind(i64::try_from(last_seq).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| stored_event(row, conversation_id)).collect()
    }
}

/// The event in a row of `seq, at, kind, payload` of conversation `conversation_id`.
pub(crate) fn stored_event(row: &crate::DbRow, conversation_id: &str) -> Result<StoredEvent> {
    let seq = to_u64(row.try_get("seq")?, "events.seq")?;
    let event = decode(row.try_get("at")?, row.try_get("kind")?, row.try_get("payload")?)
        .map_err(|e| Error::corrupt(format!("event {seq} of conversation {conversation_id}"), e))?;
    Ok(StoredEvent { seq, event })
}

/// Reads the conversation row inside a transaction.
async fn load(tx: &mut sqlx::Transaction<'static, Db>, id: &str) -> Result<Option<Conversation>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {} FROM conversations WHERE id = $1", crate::conversations::COLUMNS));
    let row = sqlx::query(sql)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(Conversation::from_row).transpose()
}

/// Writes the queue place (1 = next) into a `handoff queued` event: the conversations
/// queued before it, plus one. Counted inside the write transaction, which holds the
/// store's one write lock (on every node, on PostgreSQL), so two visitors queued at the
/// same moment get two places.
async fn number_queue_place(
    tx: &mut sqlx::Transaction<'static, Db>,
    conversation_id: &str,
    event: &mut Event,
) -> Result<()> {
    if let EventKind::Handoff {
        state: HandoffState::Queued,
        position,
        ..
    } = &mut event.kind
    {
        let ahead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE state = $1 AND id <> $2")
            .bind(Stage::Queued.as_str())
            .bind(conversation_id)
            .fetch_one(&mut **tx)
            .await?;
        *position = Some(u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1));
    }
    Ok(())
}

/// Appends `events` inside `tx`: numbers them after the conversation's `last_seq`,
/// gives a `handoff queued` its place in the queue, stores them (the first with
/// `client_id`), folds them into the projections and the conversation's tally.
async fn append_in(
    tx: &mut sqlx::Transaction<'static, Db>,
    conversation_id: &str,
    client_id: Option<&str>,
    events: &[Event],
) -> Result<Vec<StoredEvent>> {
    let Some(first) = events.first() else {
        return Ok(Vec::new());
    };
    if conversation_id.chars().any(char::is_control) {
        return Err(Error::BadConversationId(conversation_id.escape_debug().to_string()));
    }
    sqlx::query(
        "INSERT INTO conversations (id, created_at, updated_at, state, last_seq) \
         VALUES ($1, $2, $2, $3, 0) ON CONFLICT (id) DO NOTHING",
    )
    .bind(conversation_id)
    .bind(first.at)
    .bind(Stage::Bot.as_str())
    .execute(&mut **tx)
    .await?;
    let mut conversation = load(tx, conversation_id)
        .await?
        .ok_or_else(|| Error::ConversationNotFound(conversation_id.to_owned()))?;
    let tally: Option<Vec<u8>> = sqlx::query_scalar("SELECT tally FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut tally = match tally.map(|bytes| Tally::decode(&bytes, conversation_id)) {
        Some(Ok(tally)) if tally.version == TALLY_VERSION => tally,
        None if conversation.last_seq == 0 => Tally::new(),
        // Another version's, unreadable, or missing: folded again from the log, so an
        // insights projection never stops a conversation.
        _ => crate::tally::fold_log(tx, conversation_id).await?,
    };

    let open_turn = tally.turn.as_ref().map(|turn| turn.asked);
    let lang_before = tally.language.clone();
    let mut stored = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let seq = conversation.last_seq + 1;
        let mut event = event.clone();
        number_queue_place(tx, conversation_id, &mut event).await?;
        let (kind, payload) = encode(&event)?;
        sqlx::query(
            "INSERT INTO events (conversation_id, seq, at, kind, payload, client_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(conversation_id)
        .bind(i64::try_from(seq).map_err(|e| Error::corrupt("events.seq", e))?)
        .bind(event.at)
        .bind(kind)
        .bind(payload)
        .bind(if index == 0 { client_id } else { None })
        .execute(&mut **tx)
        .await?;
        if let EventKind::Feedback {
            seq: rated,
            helpful,
        } = &event.kind
        {
            sqlx::query(
                "INSERT INTO feedback (conversation_id, seq, helpful, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (conversation_id, seq) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
            )
            .bind(conversation_id)
            .bind(i64::try_from(*rated).map_err(|e| Error::corrupt("feedback.seq", e))?)
            .bind(*helpful)
            .bind(event.at)
            .execute(&mut **tx)
            .await?;
        }
        if let EventKind::CallbackRequested {
            name,
            email,
            phone,
            preferred_time,
            note,
        } = &event.kind
        {
            sqlx::query(
                "INSERT INTO callback_requests \
                 (conversation_id, name, email, phone, preferred_time, note, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(conversation_id)
            .bind(name)
            .bind(email)
            .bind(phone)
            .bind(preferred_time)
            .bind(note)
            .bind(event.at)
            .execute(&mut **tx)
            .await?;
        }
        conversation.apply(&event);
        conversation.last_seq = seq;
        let event = StoredEvent { seq, event };
        tally.apply(&event);
        stored.push(event);
    }

    let asked_of = |answer: u64| tally.answers.get(&answer).and_then(|answer| answer.asked);
    if let Some((from, lang)) = crate::review::refold_from(&stored, open_turn, asked_of, lang_before) {
        crate::review::refold_turns(tx, conversation_id, from, lang).await?;
    }

    sqlx::query(
        "UPDATE conversations SET updated_at = $1, state = $2, language = $3, \
         holder_agent_id = $4, escalation_reason = $5, queued_at = $6, closed_at = $7, \
         last_seq = $8, tally = $10, visitor = $11, channel = $12, address = $13, contact = $14 WHERE id = $9",
    )
    .bind(conversation.updated_at)
    .bind(conversation.stage.as_str())
    .bind(&conversation.language)
    .bind(conversation.holder_agent_id)
    .bind(&conversation.escalation_reason)
    .bind(conversation.queued_at)
    .bind(conversation.closed_at)
    .bind(
        i64::try_from(conversation.last_seq)
            .map_err(|e| Error::corrupt("conversations.last_seq", e))?,
    )
    .bind(conversation_id)
    .bind(tally.encode()?)
    .bind(tally.visitor())
    .bind(&conversation.channel)
    .bind(&conversation.address)
    .bind(&conversation.contact)
    .execute(&mut **tx)
    .await?;
    crate::channels::queue_deliveries(tx, &conversation, &stored).await?;
    Ok(stored)
}

/// Splits an event into its kind name and the JSON of its other fields.
fn encode(event: &Event) -> Result<(String, String)> {
    let mut value = serde_json::to_value(event).map_err(|e| Error::encode("an event as JSON", e))?;
    let Value::Object(fields) = &mut value else {
        return Err(Error::corrupt(
            "event",
            "an event did not serialise to a JSON object",
        ));
    };
    fields.remove("at");
    let kind = match fields.remove("kind") {
        Some(Value::String(kind)) => kind,
        _ => return Err(Error::corrupt("event", "an event has no kind")),
    };
    Ok((kind, value.to_string()))
}

/// Rebuilds an event from its stored columns.
fn decode(at: i64, kind: String, payload: String) -> std::result::Result<Event, serde_json::Error> {
    let mut fields: serde_json::Map<String, Value> = serde_json::from_str(&payload)?;
    fields.insert("kind".into(), Value::String(kind));
    fields.insert("at".into(), Value::from(at));
    serde_json::from_value(Value::Object(fields))
}
