//! The conversations projection: one row per conversation, folded from its events in
//! the transaction that appends them, plus the feedback given on bot messages.
//!
//! Kept as tables rather than recomputed from the log because the server reads them on
//! every frame (who holds the conversation, the queue) and claims a conversation with
//! one conditional update; the same transaction keeps them equal to the log's fold.

use std::fmt;

use relais_dialogue::{Event, EventKind, HandoffState};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::{Error, Page, Result, Store, to_u64};

/// Who has the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationState {
    /// The bot answers.
    Open,
    /// Escalated, waiting for an agent.
    Queued,
    /// An agent holds it; the bot is silent.
    Agent,
    /// Ended.
    Closed,
}

impl ConversationState {
    /// The name stored in the database and shown to agents.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Queued => "queued",
            ConversationState::Agent => "agent",
            ConversationState::Closed => "closed",
        }
    }

    fn parse(name: &str) -> Result<Self> {
        match name {
            "open" => Ok(ConversationState::Open),
            "queued" => Ok(ConversationState::Queued),
            "agent" => Ok(ConversationState::Agent),
            "closed" => Ok(ConversationState::Closed),
            other => Err(Error::corrupt("conversations.state", other)),
        }
    }
}

impl fmt::Display for ConversationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A conversation as the projection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: String,
    /// Time of its first event, ms since the epoch.
    pub created_at: i64,
    /// Time of its last event.
    pub updated_at: i64,
    pub state: ConversationState,
    pub language: Option<String>,
    /// The agent holding it while `state` is `Agent`.
    pub holder_agent_id: Option<i64>,
    /// The last escalation reason (snake_case, as in `handoff_requested` events).
    pub escalation_reason: Option<String>,
    /// When it last entered the queue.
    pub queued_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The `seq` of its last event.
    pub last_seq: u64,
}

/// A visitor's answer to "Was this useful?" under the bot message `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub conversation_id: String,
    pub seq: u64,
    pub helpful: bool,
    pub at: i64,
}

const COLUMNS: &str = "id, created_at, updated_at, state, language, holder_agent_id, \
                       escalation_reason, queued_at, closed_at, last_seq";

impl Conversation {
    pub(crate) fn from_row(row: &SqliteRow) -> Result<Self> {
        Ok(Conversation {
            id: row.try_get("id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            state: ConversationState::parse(row.try_get("state")?)?,
            language: row.try_get("language")?,
            holder_agent_id: row.try_get("holder_agent_id")?,
            escalation_reason: row.try_get("escalation_reason")?,
            queued_at: row.try_get("queued_at")?,
            closed_at: row.try_get("closed_at")?,
            last_seq: to_u64(row.try_get("last_seq")?, "conversations.last_seq")?,
        })
    }

    /// Applies one event to the projection. The holder is set by [`Store::claim`],
    /// since `handoff agent_joined` does not name the agent.
    pub(crate) fn apply(&mut self, event: &Event) {
        self.updated_at = self.updated_at.max(event.at);
        match &event.kind {
            EventKind::Started {
                lang: Some(lang), ..
            }
            | EventKind::LanguageSet { lang } => {
                self.language = Some(lang.clone());
            }
            EventKind::HandoffRequested { reason, .. } => {
                self.escalation_reason = Some(reason_name(reason));
            }
            EventKind::Handoff { state, reason, .. } => match state {
                HandoffState::Queued => {
                    self.state = ConversationState::Queued;
                    self.queued_at = Some(event.at);
                    self.holder_agent_id = None;
                    if let Some(reason) = reason {
                        self.escalation_reason = Some(reason_name(reason));
                    }
                }
                HandoffState::AgentJoined => self.state = ConversationState::Agent,
                HandoffState::AgentLeft
                | HandoffState::ReturnedToBot
                | HandoffState::NoAgentAvailable
                | HandoffState::Abandoned => {
                    self.state = ConversationState::Open;
                    self.holder_agent_id = None;
                }
            },
            EventKind::Closed { .. } => {
                self.state = ConversationState::Closed;
                self.holder_agent_id = None;
                self.closed_at = Some(event.at);
            }
            _ => {}
        }
    }
}

/// The snake_case name of a reason code, as serde writes it.
fn reason_name(reason: &relais_dialogue::ReasonCode) -> String {
    match serde_json::to_value(reason) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{reason:?}"),
    }
}

impl Store {
    /// The conversation `id`, or `None` if it has no event yet.
    pub async fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM conversations WHERE id = $1"));
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Conversation::from_row).transpose()
    }

    /// One page of the conversations in `state` (all when `None`): the queue oldest
    /// first, otherwise the most recently updated first.
    pub async fn conversations(
        &self,
        state: Option<ConversationState>,
        page: Page,
    ) -> Result<Vec<Conversation>> {
        let rows = match state {
            Some(state) => {
                let order = match state {
                    ConversationState::Queued => "queued_at ASC, id ASC",
                    _ => "updated_at DESC, id ASC",
                };
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM conversations WHERE state = $1 ORDER BY {order} LIMIT $2 OFFSET $3"
                ));
                sqlx::query(sql)
                    .bind(state.as_str())
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

    /// How many conversations are in `state` (all when `None`): the queue's length, for
    /// a newcomer's place and the true count agents see.
    pub async fn count_conversations(&self, state: Option<ConversationState>) -> Result<u64> {
        let count: i64 = match state {
            Some(state) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE state = $1")
                    .bind(state.as_str())
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
            "SELECT conversation_id, seq, helpful, at FROM feedback \
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
                    helpful: row.try_get("helpful")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
