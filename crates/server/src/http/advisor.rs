//! `GET /v1/advisor` (admins): the threshold advisor over the reviewed turns
//! (docs/advisor.md) — the replay of their logged confidences at every threshold, and the
//! global and per-intent thresholds recommended for a target wrong-answer rate.

use axum::Json;
use axum::extract::{Query, State};
use relais_advisor::{Advice, Settings};
use serde::Deserialize;

use super::App;
use super::extract::Admin;
use super::review::bound;
use crate::error::ClientError;

/// The target unless `target_error` says otherwise.
const DEFAULT_TARGET: f64 = 0.05;

/// `?target_error=&lang=&from=&to=`, all optional.
#[derive(Deserialize)]
pub(super) struct Ask {
    target_error: Option<f64>,
    lang: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The advice for the reviewed turns of `[from, to)` in language `lang`.
pub(super) async fn advice(State(app): State<App>, _: Admin, Query(ask): Query<Ask>) -> Result<Json<Advice>, ClientError> {
    let target_error = ask.target_error.unwrap_or(DEFAULT_TARGET);
    if !(0.0..1.0).contains(&target_error) {
        return Err(ClientError::bad_frame(format!(
            "target_error {target_error} is not a share: send a number from 0 to below 1, such as 0.05 for 5 %"
        )));
    }
    let from = bound("from", ask.from.as_deref(), i64::MIN)?;
    let to = bound("to", ask.to.as_deref(), i64::MAX)?;
    let lang = ask.lang.as_deref().filter(|lang| !lang.is_empty());
    let turns = relais_advisor::reviewed_turns(&app.hub.store, from, to, lang).await?;
    let bot = app.hub.bot();
    let policy = bot.policy();
    let settings = Settings {
        target_error,
        current: policy.intent_confidence,
        handoff_after: policy.low_confidence_handoff_after,
    };
    Ok(Json(relais_advisor::advise(&turns, &settings)))
}
