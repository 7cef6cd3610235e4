//! `GET /v1/conversations` (paged, filtered by state) and
//! `GET /v1/conversations/{id}/events`.


use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use relais_dialogue::Stage;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ClientError;
use crate::wire::log_event;
use super::App;
use super::extract::{PageQuery, SignedIn, paged};

#[derive(Deserialize)]
pub(super) struct ListQuery {
    state: Option<String>,
}

/// A page of the conversations (the queue oldest first, others newest first).
pub(super) async fn conversations(
    State(app): State<App>,
    _: SignedIn,
    Query(query): Query<ListQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ClientError> {
    let state = match query.state.as_deref() {
        None => None,
        Some(name) => Some(Stage::parse(name).ok_or_else(|| {
            ClientError::bad_frame(format!("state {name:?} is not one of open, queued, agent, closed"))
        })?),
    };
    let store = &app.hub.store;
    let total = store.count_conversations(state).await?;
    let list: Vec<Value> = store
        .conversations(state, page.page())
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id, "created_at": c.created_at, "updated_at": c.updated_at,
                "state": c.stage.as_str(), "language": c.language,
                "holder_agent_id": c.holder_agent_id, "escalation_reason": c.escalation_reason,
                "queued_at": c.queued_at, "closed_at": c.closed_at, "last_seq": c.last_seq,
                "channel": c.channel,
            })
        })
        .collect();
    Ok(paged(list, total))
}

/// The whole log of a conversation, in the wire format ([`crate::wire::log_event`]).
pub(super) async fn events(State(app): State<App>, _: SignedIn, Path(id): Path<String>) -> Result<Json<Vec<Value>>, ClientError> {
    let events = app.hub.store.events_after(&id, 0).await?;
    if events.is_empty() {
        return Err(ClientError::not_found(format!("no conversation {id}")));
    }
    Ok(Json(events.iter().map(|stored| log_event(&id, stored)).collect()))
}
