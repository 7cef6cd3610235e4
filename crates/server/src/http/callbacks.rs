//! `GET /v1/callbacks`: the callback requests visitors left, paged, oldest first.


use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::{Value, json};

use crate::error::ClientError;
use super::App;
use super::extract::{PageQuery, SignedIn, paged};

/// A page of the callback requests, oldest first.
pub(super) async fn callbacks(State(app): State<App>, _: SignedIn, Query(page): Query<PageQuery>) -> Result<Response, ClientError> {
    let store = &app.hub.store;
    let total = store.count_callback_requests(None).await?;
    let list: Vec<Value> = store
        .callback_requests(page.page())
        .await?
        .into_iter()
        .map(|stored| {
            let r = stored.request;
            json!({
                "id": stored.id, "conversation_id": r.conversation_id, "name": r.name,
                "email": r.email, "phone": r.phone, "preferred_time": r.preferred_time,
                "note": r.note, "created_at": r.created_at,
            })
        })
        .collect();
    Ok(paged(list, total))
}
