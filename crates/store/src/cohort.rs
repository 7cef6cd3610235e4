//! Reading conversations by their start, for insights: the tally of every conversation
//! started in a window `[from, to)`, and who started the conversations of a window, to
//! find visitors who came back. A conversation's start is its `created_at`, the time of
//! its first event; the indexes `conversations_created` (migration 0003) and
//! `conversations_visitor` (0004) walk them in that order.

use rayon::prelude::*;

use crate::{Error, Result, Store, Tally};

/// The separators of [`Store::tallies_started`]'s joined text: ASCII's record and unit
/// separators.
const RECORD: char = '\u{1e}';
const UNIT: char = '\u{1f}';

/// The longest stretch of starts joined into one text: 31 days.
const CHUNK_MS: i64 = 31 * 86_400_000;

/// One conversation's tally.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationTally {
    pub id: String,
    pub tally: Tally,
}

/// A conversation whose visitor is known: `user:<verified user id>` or
/// `browser:<browser id>` ([`Tally::visitor`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorStart {
    pub visitor: String,
    /// The conversation's start, ms since the epoch.
    pub started_at: i64,
}

impl Store {
    /// The tallies of the conversations started in `[from, to)` (ms since the epoch),
    /// ordered by start, then id. SQLite joins each month's tallies into one text (ids
    /// hold no control character, [`crate::events`] refuses them; tallies are JSON), so a
    /// window of 100,000 conversations costs a row a month, not 100,000 trips through the
    /// driver, and no text grows past SQLite's limit; the tallies are then decoded and
    /// ordered on every core.
    pub async fn tallies_started(&self, from: i64, to: i64) -> Result<Vec<ConversationTally>> {
        let mut tallies = Vec::new();
        // From the first start to the last, not over the whole window (which may be
        // open-ended).
        let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT min(created_at), max(created_at) FROM conversations WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let (Some(mut start), Some(last)) = (first, last) else {
            return Ok(tallies);
        };
        let to = last.saturating_add(1);
        while start < to {
            let end = start.saturating_add(CHUNK_MS).min(to);
            let joined: Option<String> = sqlx::query_scalar(
                "SELECT group_concat(id || char(31) || coalesce(tally, '{}'), char(30)) \
                 FROM conversations WHERE created_at >= $1 AND created_at < $2",
            )
            .bind(start)
            .bind(end)
            .fetch_one(&self.pool)
            .await?;
            if let Some(joined) = joined {
                let decoded = joined
                    .par_split(RECORD)
                    .map(|record| {
                        let (id, json) = record
                            .split_once(UNIT)
                            .ok_or_else(|| Error::corrupt("conversations", "a tally without its conversation id"))?;
                        Ok(ConversationTally {
                            id: id.to_owned(),
                            tally: Tally::decode(json, id)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                tallies.extend(decoded);
            }
            start = end;
        }
        tallies.par_sort_unstable_by(|a, b| (a.tally.started_at, &a.id).cmp(&(b.tally.started_at, &b.id)));
        Ok(tallies)
    }

    /// Who started each conversation started in `[from, to)` whose visitor is known,
    /// ordered by start. SQLite gives them as one JSON array of `[visitor, start]` pairs
    /// (a visitor id may hold any character), one row instead of one per conversation.
    pub async fn visitor_starts(&self, from: i64, to: i64) -> Result<Vec<VisitorStart>> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT json_group_array(json_array(visitor, created_at)) FROM conversations \
             WHERE created_at >= $1 AND created_at < $2 AND visitor IS NOT NULL",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let pairs: Vec<(String, i64)> = match json {
            Some(json) => serde_json::from_str(&json).map_err(|e| Error::corrupt("conversations.visitor", e))?,
            None => Vec::new(),
        };
        let mut starts: Vec<VisitorStart> = pairs
            .into_iter()
            .map(|(visitor, started_at)| VisitorStart { visitor, started_at })
            .collect();
        starts.sort_by_key(|start| start.started_at);
        Ok(starts)
    }
}
