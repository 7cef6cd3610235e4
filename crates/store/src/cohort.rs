//! Reading the log by conversation start, for insights: the events of every
//! conversation started in a window `[from, to)`, and who the host site vouched for in
//! them. A conversation's start is its `created_at`, the time of its first event; the
//! index `conversations_created` (migration 0003) walks them in that order.

use relais_dialogue::EventKind;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::events::stored_event;
use crate::{Result, Store, StoredEvent};

/// One conversation's events, in `seq` order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationLog {
    pub id: String,
    pub events: Vec<StoredEvent>,
}

/// A conversation whose visitor the host site vouched for (a verified user id, set at
/// the start or later by `identify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStart {
    pub conversation_id: String,
    /// The conversation's start, ms since the epoch.
    pub started_at: i64,
    pub user_id: String,
}

impl Store {
    /// The events of every conversation started in `[from, to)` (ms since the epoch),
    /// ordered by start, then id, then `seq`.
    pub async fn conversations_started(&self, from: i64, to: i64) -> Result<Vec<ConversationLog>> {
        let rows = self.events_started(from, to, "").await?;
        let mut logs: Vec<ConversationLog> = Vec::new();
        for row in &rows {
            let id: String = row.try_get("conversation_id")?;
            let event = stored_event(row, &id)?;
            match logs.last_mut() {
                Some(log) if log.id == id => log.events.push(event),
                _ => logs.push(ConversationLog {
                    id,
                    events: vec![event],
                }),
            }
        }
        Ok(logs)
    }

    /// The conversations started in `[from, to)` that have a verified user id (the first
    /// one given), ordered by start, then id. Reads only their `started` and
    /// `visitor_identified` events.
    pub async fn verified_starts(&self, from: i64, to: i64) -> Result<Vec<VerifiedStart>> {
        let rows = self
            .events_started(from, to, "AND e.kind IN ('started', 'visitor_identified')")
            .await?;
        let mut starts: Vec<VerifiedStart> = Vec::new();
        for row in &rows {
            let conversation_id: String = row.try_get("conversation_id")?;
            if starts.last().is_some_and(|start| start.conversation_id == conversation_id) {
                continue;
            }
            let user_id = match stored_event(row, &conversation_id)?.event.kind {
                EventKind::Started {
                    verified_user_id, ..
                }
                | EventKind::VisitorIdentified {
                    verified_user_id, ..
                } => verified_user_id,
                _ => None,
            };
            if let Some(user_id) = user_id {
                starts.push(VerifiedStart {
                    conversation_id,
                    started_at: row.try_get("created_at")?,
                    user_id,
                });
            }
        }
        Ok(starts)
    }

    /// Rows `conversation_id, created_at, seq, at, kind, payload` of the events of the
    /// conversations started in `[from, to)` that pass `filter` (a constant SQL condition
    /// on `e`), ordered by start, then id, then `seq`.
    async fn events_started(&self, from: i64, to: i64, filter: &'static str) -> Result<Vec<SqliteRow>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT e.conversation_id, c.created_at, e.seq, e.at, e.kind, e.payload \
             FROM conversations c JOIN events e ON e.conversation_id = c.id \
             WHERE c.created_at >= $1 AND c.created_at < $2 {filter} \
             ORDER BY c.created_at, c.id, e.seq"
        ));
        Ok(sqlx::query(sql).bind(from).bind(to).fetch_all(&self.pool).await?)
    }
}
