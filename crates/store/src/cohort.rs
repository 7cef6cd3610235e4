//! Reading conversations by their start, for insights: the tally of every conversation
//! started in a window `[from, to)`, and who started the conversations of a window, to
//! find visitors who came back. A conversation's start is its `created_at`, the time of
//! its first event; the indexes `conversations_created` (migration 0003) and
//! `conversations_visitor` (0004) walk them in that order.

use rayon::prelude::*;

use crate::{Backend, Error, Result, Store, Tally};

/// The longest stretch of starts joined into one value: 31 days.
const CHUNK_MS: i64 = 31 * 86_400_000;

/// The width of each of the two lengths, in hexadecimal digits, before a record of
/// [`Store::tallies_started`]'s joined value.
const LENGTH_DIGITS: usize = 8;

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
    /// ordered by start, then id. SQLite joins each month's records into one value, each
    /// record the byte lengths of the id and the tally in hexadecimal, then both, so a
    /// window of 100,000 conversations costs a row a month, not 100,000 trips through the
    /// driver, and no value grows past SQLite's limit; the tallies are then decoded and
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
            // `||` and group_concat keep a blob's bytes as they are; the cast gives them
            // back as a blob.
            let joined: Option<Vec<u8>> = sqlx::query_scalar(match self.backend {
                Backend::Sqlite => {
                    "SELECT CAST(group_concat(printf('%08x%08x', length(CAST(id AS BLOB)), length(tally)) \
                     || id || coalesce(tally, x''), '') AS BLOB) \
                     FROM conversations WHERE created_at >= $1 AND created_at < $2"
                }
                Backend::Postgres => {
                    "SELECT string_agg(convert_to(lpad(to_hex(octet_length(convert_to(id, 'UTF8'))), 8, '0') \
                     || lpad(to_hex(coalesce(octet_length(tally), 0)), 8, '0'), 'UTF8') \
                     || convert_to(id, 'UTF8') || coalesce(tally, ''::bytea), ''::bytea) \
                     FROM conversations WHERE created_at >= $1 AND created_at < $2"
                }
            })
            .bind(start)
            .bind(end)
            .fetch_one(&self.pool)
            .await?;
            if let Some(joined) = joined {
                let decoded = records(&joined)?
                    .into_par_iter()
                    .map(|(id, tally)| {
                        Ok(ConversationTally {
                            id: id.to_owned(),
                            tally: Tally::decode(tally, id)?,
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
    /// ordered by start. The database gives them as one JSON array of `[visitor, start]` pairs
    /// (a visitor id may hold any character), one row instead of one per conversation.
    pub async fn visitor_starts(&self, from: i64, to: i64) -> Result<Vec<VisitorStart>> {
        let json: Option<String> = sqlx::query_scalar(match self.backend {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(visitor, created_at)) FROM conversations \
                 WHERE created_at >= $1 AND created_at < $2 AND visitor IS NOT NULL"
            }
            Backend::Postgres => {
                "SELECT CAST(json_agg(json_build_array(visitor, created_at)) AS TEXT) FROM conversations \
                 WHERE created_at >= $1 AND created_at < $2 AND visitor IS NOT NULL"
            }
        })
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

/// The `(id, tally)` records of [`Store::tallies_started`]'s joined value.
fn records(mut joined: &[u8]) -> Result<Vec<(&str, &[u8])>> {
    let cut = || Error::corrupt("conversations", "the joined tallies end in the middle of a record");
    let mut records = Vec::new();
    while !joined.is_empty() {
        let lengths = joined.get(..2 * LENGTH_DIGITS).ok_or_else(cut)?;
        let length = |digits: &[u8]| {
            std::str::from_utf8(digits)
                .ok()
                .and_then(|digits| usize::from_str_radix(digits, 16).ok())
                .ok_or_else(|| Error::corrupt("conversations", "a joined tally's length is not hexadecimal"))
        };
        let id_length = length(&lengths[..LENGTH_DIGITS])?;
        let tally_length = length(&lengths[LENGTH_DIGITS..])?;
        let rest = &joined[2 * LENGTH_DIGITS..];
        let id = rest.get(..id_length).ok_or_else(cut)?;
        let id = std::str::from_utf8(id).map_err(|e| Error::corrupt("conversations.id", e))?;
        let tally = rest.get(id_length..id_length + tally_length).ok_or_else(cut)?;
        records.push((id, tally));
        joined = &rest[id_length + tally_length..];
    }
    Ok(records)
}
