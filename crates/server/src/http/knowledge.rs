//! `GET /v1/knowledge/search`: an agent looks for an article to send.


use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ClientError, ErrorCode};
use super::App;
use super::extract::{SignedIn, language_filter};

/// Most hits of an agent's knowledge search.
pub(super) const MAX_SEARCH_HITS: usize = 10;

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: String,
    lang: Option<String>,
    k: Option<usize>,
}

pub(super) async fn knowledge_search(
    State(app): State<App>,
    _: SignedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, ClientError> {
    if query.q.chars().count() > app.hub.config.limits.max_message_chars {
        return Err(ClientError::new(ErrorCode::TooLong, "the query is longer than a message may be"));
    }
    let lang = language_filter(query.lang.as_deref())?;
    let bot = app.hub.bot();
    let k = query.k.unwrap_or(5).clamp(1, MAX_SEARCH_HITS);
    let results = tokio::task::spawn_blocking(move || bot.search_knowledge(&query.q, lang.as_deref(), k))
        .await
        .map_err(ClientError::internal)?
        .map_err(ClientError::internal)?;
    let hits: Vec<Value> = results
        .hits
        .into_iter()
        .map(|hit| {
            json!({"title": hit.title, "heading": hit.heading, "url": hit.url,
                   "text": hit.text, "snippet": hit.snippet})
        })
        .collect();
    Ok(Json(json!({"hits": hits, "confidence": results.confidence})))
}
