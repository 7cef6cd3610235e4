//! The conversations projection: one row per conversation, folded from its events in
//! the transaction that appends them, plus the feedback given on bot messages.
//!
//! Kept as tables rather than recomputed from the log because the server reads them on
//! every frame (who holds the conversation, the queue) and claims a conversation with
//! one conditional update; the same transaction keeps them equal to the log's fold.

use relais_dialogue::{Event, EventKind, Stage};
use sqlx::Row;

use crate::{Error, Page, Result, Store, to_u64};

/// A conversation as the projection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: String,
    /// Time of its first event, ms since the epoch.
    pub created_at: i64,
    /// Time of its last event.
    pub updated_at: i64,
    pub stage: Stage,
    pub language: Option<String>,
    /// The agent holding it while its stage is `Agent`.
    pub holder_agent_id: Option<i64>,
    /// The last escalation reason (snake_case, as in `handoff_requested` events).
    pub escalation_reason: Option<String>,
    /// When it last entered the queue.
    pub queued_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The `seq` of its last event.
    pub last_seq: u64,
    /// `widget`, or the channel of its `started` event (`sms`, `whatsapp`, `rest`).
    pub channel: String,
    /// The contact's address on that channel (none in the widget).
    pub address: Option<String>,
    /// The key joining one person's conversations across channels, once verified
    /// ([`relais_dialogue::contact_key`]).
    pub contact: Option<String>,
}

/// A visitor's answer to "Was this useful?" under the bot message `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub conversation_id: String,
    pub seq: u64,
    pub helpful: bool,
    pub at: i64,
}

pub(crate) const COLUMNS: &str = "id, created_at, updated_at, state, language, holder_agent_id, \
                       escalation_reason, queued_at, closed_at, last_seq, channel, address, contact";

impl Conversation {
    pub(crate) fn from_row(row: &crate::DbRow) -> Result<Self> {
        Ok(Conversation {
            id: row.try_get("id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            stage: parse_stage(row.try_get("state")?)?,
            language: row.try_get("language")?,
            holder_agent_id: row.try_get("holder_agent_id")?,
            escalation_reason: row.try_get("escalation_reason")?,
            queued_at: row.try_get("queued_at")?,
            closed_at: row.try_get("closed_at")?,
            last_seq: to_u64(row.try_get("last_seq")?, "conversations.last_seq")?,
            channel: row.try_get("channel")?,
            address: row.try_get("address")?,
            contact: row.try_get("contact")?,
        })
    }

    /// Applies one event to the projection: the stage moves by the dialogue's own rule
    /// ([`Stage::after`]); the times, holder and reason follow the move. The holder is set
    /// by [`Store::claim`], since `handoff agent_joined` does not name the agent.
    pub(crate) fn apply(&mut self, event: &Event) {
        self.updated_at = self.updated_at.max(event.at);
        let before = self.stage;
        self.stage = before.after(&event.kind);
        if self.stage != before {
            match self.stage {
                // Back from an agent who left, the visitor keeps their place in the queue.
                Stage::Queued if before == Stage::Agent && self.queued_at.is_some() => {}
                Stage::Queued => self.queued_at = Some(event.at),
                Stage::Closed => self.closed_at = Some(event.at),
                Stage::Bot | Stage::Agent => {}
            }
            if self.stage != Stage::Agent {
                self.holder_agent_id = None;
            }
        }
        match &event.kind {
            EventKind::Started {
                lang,
                verified_user_id,
                channel,
                ..
            } => {
                if let Some(lang) = lang {
                    self.language = Some(lang.clone());
                }
                if let Some(channel) = channel {
                    self.channel.clone_from(&channel.name);
                    self.address = Some(channel.address.clone());
                }
                self.contact = relais_dialogue::contact_key(verified_user_id.as_deref(), channel.as_ref());
            }
            EventKind::VisitorIdentified {
                verified_user_id: Some(user),
                ..
            } if self.contact.is_none() => {
                self.contact = relais_dialogue::contact_key(Some(user), None);
            }
            EventKind::LanguageSet { lang } => {
                self.language = Some(lang.clone());
            }
            EventKind::HandoffRequested { reason, .. }
            | EventKind::Handoff {
                reason: Some(reason),
                ..
            } => {
                self.escalation_reason = Some(reason.as_str().to_owned());
            }
            _ => {}
        }
    }
}

/// The stage stored in `conversations.state`.
fn parse_stage(name: &str) -> Result<Stage> {
    Stage::parse(name).ok_or_else(|| Error::corrupt("conversations.state", name))
}

impl Store {
    /// The conversation `id`, or `None` if it has no event yet.
    pub async fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM conversations WHERE id = $1"));
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Conversation::from_row).transpose()
    }

    /// One page of the conversations at `stage` (all when `None`): the queue oldest
    /// first, otherwise the most recently updated first.
    pub async fn conversations(
        &self,
        stage: Option<Stage>,
        page: Page,
    ) -> Result<Vec<Conversation>> {
        let rows = match stage {
            Some(stage) => {
                let order = match stage {
                    Stage::Queued => "queued_at ASC, id ASC",
                    _ => "updated_at DESC, id ASC",
                };
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM conversations WHERE state = $1 ORDER BY {order} LIMIT $2 OFFSET $3"
                ));
                sqlx::query(sql)
                    .bind(stage.as_str())
                    .bind(i64::from(page.limit))
                    .bind(page.offset_i64())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM conversations ORDER BY updated_at DESC, id ASC LIMIT $1 OFFSET $2"
                ));
                sqlx::query(sql)
                    .bind(i64::from(page.limit))
                    .bind(page.offset_i64())
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(Conversation::from_row).collect()
    }

    /// One page of the queue, oldest first, each conversation with the text of the
    /// visitor's last message (for a preview), in one query.
    pub async fn queue(&self, page: Page) -> Result<Vec<(Conversation, Option<String>)>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, (SELECT payload FROM events e WHERE e.conversation_id = conversations.id \
             AND e.kind = 'visitor_message' ORDER BY e.seq DESC LIMIT 1) AS last_message \
             FROM conversations WHERE state = $1 ORDER BY queued_at ASC, id ASC LIMIT $2 OFFSET $3"
        ));
        let rows = sqlx::query(sql)
            .bind(Stage::Queued.as_str())
            .bind(i64::from(page.limit))
            .bind(page.offset_i64())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let conversation = Conversation::from_row(row)?;
                let text = match row.try_get::<Option<String>, _>("last_message")? {
                    Some(payload) => {
                        let fields: serde_json::Value = serde_json::from_str(&payload).map_err(|e| {
                            Error::corrupt(format!("a message of conversation {}", conversation.id), e)
                        })?;
                        fields["text"].as_str().map(str::to_owned)
                    }
                    None => None,
                };
                Ok((conversation, text))
            })
            .collect()
    }

    /// How many conversations are at `stage` (all when `None`): the queue's length, for
    /// a newcomer's place and the true count agents see.
    pub async fn count_conversations(&self, stage: Option<Stage>) -> Result<u64> {
        let count: i64 = match stage {
            Some(stage) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE state = $1")
                    .bind(stage.as_str())
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        to_u64(count, "the conversation count")
    }

    /// The feedback given in conversation `id`, by `seq`.
    pub async fn feedback(&self, id: &str) -> Result<Vec<Feedback>> {
        let rows = sqlx::query(
            "SELECT conversation_id, seq, CAST(helpful AS INTEGER) AS helpful, at FROM feedback \
             WHERE conversation_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Feedback {
                    conversation_id: row.try_get("conversation_id")?,
                    seq: to_u64(row.try_get("seq")?, "feedback.seq")?,
                    helpful: crate::flag(row, "helpful")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
