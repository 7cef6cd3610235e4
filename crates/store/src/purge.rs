//! Removing what `relais simulate` made: every conversation whose `started` event is
//! marked simulated, with every row that belongs to it, in one transaction, so the store
//! is never left with half a conversation.

use relais_dialogue::EventKind;
use sqlx::Row;

use crate::events::stored_event;
use crate::{Result, Store};

/// The tables holding rows of a conversation (a `conversation_id` column), emptied of a
/// purged conversation's rows before its `conversations` row. A new per-conversation
/// table goes here; the store test `purging_leaves_no_row_of_a_simulated_conversation`
/// checks that every table with a `conversation_id` column is listed.
const CONVERSATION_TABLES: [&str; 9] = [
    "feedback",
    "deliveries",
    "channel_inbound",
    "callback_requests",
    "message_vectors",
    "review_labels",
    "review_flags",
    "review_turns",
    "events",
];

impl Store {
    /// Removes every simulated conversation (its `started` event has `simulated: true`)
    /// and all its rows, in one transaction; returns how many were removed.
    pub async fn purge_simulated(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("SELECT conversation_id, seq, at, kind, payload FROM events WHERE kind = 'started'")
            .fetch_all(&mut *tx)
            .await?;
        let mut simulated = Vec::new();
        for row in &rows {
            let id: String = row.try_get("conversation_id")?;
            if let EventKind::Started { simulated: true, .. } = stored_event(row, &id)?.event.kind {
                simulated.push(id);
            }
        }
        for id in &simulated {
            for table in CONVERSATION_TABLES {
                let sql = sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE conversation_id = $1"));
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM conversations WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(simulated.len() as u64)
    }
}
