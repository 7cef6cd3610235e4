//! Visitor messages read by key with the encoder's embedding of each (`message_vectors`,
//! migration 0004, stored with the message by [`Store::append_visitor_message`]), to
//! group knowledge gaps into topics. A vector is kept as one signed byte per component, the
//! unit vector's component times 127, rounded: a quarter of the size of `f32`, and
//! cosine similarities within about 0.01 of the exact ones. Each is kept with the name of
//! the encoder that made it (migration 0011): vectors of two encoders cannot be compared.

use serde::Deserialize;
use sqlx::Row;

use crate::{Error, Result, Store, to_u64};

/// What the visitor wrote, from a stored `visitor_message`'s payload.
#[derive(Deserialize)]
struct Said {
    text: String,
}

/// A visitor message's embedding, to store with it, and the encoder that made it.
#[derive(Debug, Clone, Copy)]
pub struct MessageVector<'a> {
    /// The encoder's name: relais-encoder's `Encoder::short_fingerprint`.
    pub encoder: &'a str,
    /// The embedding; stored scaled to unit length, times 127 (see the module doc).
    pub vector: &'a [f32],
}

/// A visitor message and its vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRead {
    pub conversation_id: String,
    pub seq: u64,
    pub at: i64,
    pub text: String,
    /// Components times 127 (see the module doc); `None` if the message was not read by
    /// the encoder.
    pub vector: Option<Vec<i8>>,
    /// The encoder that made `vector` (see [`MessageVector::encoder`]); `None` for a
    /// vector stored before encoders were recorded, or for no vector.
    pub encoder: Option<String>,
}

/// `vector` scaled to unit length, times 127, rounded.
pub(crate) fn quantize(vector: &[f32]) -> Vec<u8> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    let scale = if norm > 0.0 { 127.0 / norm } else { 0.0 };
    vector
        .iter()
        .map(|x| (x * scale).round().clamp(-127.0, 127.0) as i8 as u8)
        .collect()
}

/// Keys read per query.
const BATCH: usize = 400;

impl Store {
    /// The visitor messages `keys` (conversation id, `seq`) with their vectors, in no
    /// particular order; a key that is not a visitor message is left out.
    pub async fn visitor_messages(&self, keys: &[(String, u64)]) -> Result<Vec<MessageRead>> {
        let mut messages = Vec::with_capacity(keys.len());
        for batch in keys.chunks(BATCH) {
            let pairs = (0..batch.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT e.conversation_id, e.seq, e.at, e.payload, v.vector, v.encoder FROM events e \
                 LEFT JOIN message_vectors v ON v.conversation_id = e.conversation_id AND v.seq = e.seq \
                 WHERE e.kind = 'visitor_message' AND (e.conversation_id, e.seq) IN (VALUES {pairs})"
            ));
            let mut query = sqlx::query(sql);
            for (conversation_id, seq) in batch {
                query = query
                    .bind(conversation_id)
                    .bind(i64::try_from(*seq).map_err(|e| Error::corrupt("events.seq", e))?);
            }
            for row in query.fetch_all(&self.pool).await? {
                let conversation_id: String = row.try_get("conversation_id")?;
                let seq = to_u64(row.try_get("seq")?, "events.seq")?;
                // Only the text of the stored `visitor_message` (its other fields: `client_id`).
                let payload: String = row.try_get("payload")?;
                let said: Said = serde_json::from_str(&payload)
                    .map_err(|e| Error::corrupt(format!("event {seq} of conversation {conversation_id}"), e))?;
                let vector: Option<Vec<u8>> = row.try_get("vector")?;
                messages.push(MessageRead {
                    conversation_id,
                    seq,
                    at: row.try_get("at")?,
                    text: said.text,
                    vector: vector.map(|bytes| bytes.into_iter().map(|b| b as i8).collect()),
                    encoder: row.try_get("encoder")?,
                });
            }
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_is_scaled_to_unit_length_then_to_127() {
        let bytes = quantize(&[3.0, -4.0, 0.0]);
        let components: Vec<i8> = bytes.into_iter().map(|b| b as i8).collect();
        // (0.6, -0.8, 0) × 127 = (76.2, -101.6, 0), rounded.
        assert_eq!(components, vec![76, -102, 0]);
        assert_eq!(quantize(&[0.0, 0.0]), vec![0, 0]);
    }
}
