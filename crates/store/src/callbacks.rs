//! Callback requests: a visitor who found no agent asks to be contacted later. Each is
//! a `callback_requested` event of the log, projected into its own table for the console.

use sqlx::Row;

use crate::{Page, Result, Store, to_u64};

/// What the visitor left; every contact field is optional, as in the protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackRequest {
    pub conversation_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_time: Option<String>,
    pub note: Option<String>,
    /// ms since the epoch.
    pub created_at: i64,
}

/// A stored callback request with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCallbackRequest {
    pub id: i64,
    pub request: CallbackRequest,
}

impl Store {
    /// One page of the callback requests, oldest first.
    pub async fn callback_requests(&self, page: Page) -> Result<Vec<StoredCallbackRequest>> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, name, email, phone, preferred_time, note, created_at \
             FROM callback_requests ORDER BY created_at, id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(page.offset_i64())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredCallbackRequest {
                    id: row.try_get("id")?,
                    request: CallbackRequest {
                        conversation_id: row.try_get("conversation_id")?,
                        name: row.try_get("name")?,
                        email: row.try_get("email")?,
                        phone: row.try_get("phone")?,
                        preferred_time: row.try_get("preferred_time")?,
                        note: row.try_get("note")?,
                        created_at: row.try_get("created_at")?,
                    },
                })
            })
            .collect()
    }

    /// How many callback requests there are, in all (`None`) or for one conversation.
    pub async fn count_callback_requests(&self, conversation_id: Option<&str>) -> Result<u64> {
        let count: i64 = match conversation_id {
            Some(id) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM callback_requests WHERE conversation_id = $1")
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM callback_requests")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        to_u64(count, "the callback request count")
    }
}
