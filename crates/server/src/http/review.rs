//! `GET /v1/review` and `POST /v1/review/{turn_id}/label` (admins and reviewers): the improvement loop's
//! inbox of bot turns to review, newest first, by kind (docs/review.md), and the label a
//! reviewer gives a turn — an intent the bot knows, `oos`, `needs_article` or `confirm`.
//! Labels are the store's rows, never events of the conversation.

use axum::Json;
use axum::extract::{Path, Query, State};
use relais_store::{ListedTurn, ReviewKind, ReviewQuery};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::extract::Reviewer;
use crate::error::ClientError;

/// Turns listed per page unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

/// The labels that are not intents.
const OTHER_LABELS: [&str; 3] = ["oos", "needs_article", "confirm"];

/// `?kind=&from=&to=&cursor=&limit=`, all optional.
#[derive(Deserialize)]
pub(super) struct Inbox {
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// `{"label": …}`.
#[derive(Deserialize)]
pub(super) struct NewLabel {
    label: String,
}

impl Inbox {
    fn query(&self, policy: &relais_dialogue::Policy) -> Result<ReviewQuery, ClientError> {
        let kind = match self.kind.as_deref() {
            None | Some("") => None,
            Some(name) => Some(ReviewKind::parse(name).ok_or_else(|| {
                let kinds: Vec<&str> = ReviewKind::ALL.iter().map(|k| k.as_str()).collect();
                ClientError::bad_frame(format!("unknown kind {name:?}: send one of {}", kinds.join(", ")))
            })?),
        };
        let before = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
                ClientError::bad_frame("the cursor is not one this server gave: send next_cursor as it came")
            })?),
        };
        Ok(ReviewQuery {
            from: bound("from", self.from.as_deref(), i64::MIN)?,
            to: bound("to", self.to.as_deref(), i64::MAX)?,
            kind,
            threshold: policy.intent_confidence,
            own_thresholds: policy.own_highs(),
            before,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        })
    }
}

/// An optional `from` or `to`: RFC 3339 or a date, ms since the epoch; `open` without one.
pub(super) fn bound(name: &str, text: Option<&str>, open: i64) -> Result<i64, ClientError> {
    match text {
        None | Some("") => Ok(open),
        Some(text) => relais_insights::Window::parse(text, text).map(|w| w.from).map_err(|_| {
            ClientError::bad_frame(format!(
                "{name} {text:?} is not a time: send RFC 3339 in UTC such as 2026-11-01T00:00:00Z, or a date"
            ))
        }),
    }
}

/// A cursor: the last listed turn's time and id, `<at>.<id>`.
fn parse_cursor(cursor: &str) -> Option<(i64, i64)> {
    let (at, id) = cursor.split_once('.')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}

/// A page of turns to review, newest first: `{turns, next_cursor, intents}` (`null` on
/// the last page; `intents`: every intent the models know, `{name, title}`, to label with).
pub(super) async fn inbox(State(app): State<App>, _: Reviewer, Query(inbox): Query<Inbox>) -> Result<Json<Value>, ClientError> {
    let bot = app.hub.bot();
    let query = inbox.query(bot.policy())?;
    let turns = app.hub.store.review_turns(&query).await?;
    let next = (turns.len() == query.limit as usize)
        .then(|| turns.last().map(|t| format!("{}.{}", t.turn.at, t.id)))
        .flatten();
    let intents: Vec<Value> =
        bot.intents().into_iter().map(|(name, title)| json!({ "name": name, "title": title })).collect();
    Ok(Json(json!({ "turns": turns, "next_cursor": next, "intents": intents })))
}

/// Labels a turn; answers the turn with its label. A label is an intent some language's
/// model knows, or one of `oos`, `needs_article`, `confirm`.
pub(super) async fn label(
    State(app): State<App>,
    Reviewer(reviewer): Reviewer,
    Path(turn_id): Path<i64>,
    Json(new): Json<NewLabel>,
) -> Result<Json<ListedTurn>, ClientError> {
    let label = new.label.trim();
    if !OTHER_LABELS.contains(&label) && !app.hub.bot().knows_intent(label) {
        return Err(ClientError::bad_frame(format!(
            "unknown label {label:?}: send an intent the bot knows, or one of {}",
            OTHER_LABELS.join(", ")
        )));
    }
    app.hub
        .store
        .label_turn(turn_id, label, reviewer.agent.id, crate::now_ms())
        .await?
        .map(Json)
        .ok_or_else(|| ClientError::not_found(format!("no turn {turn_id} to review; GET /v1/review lists them")))
}
