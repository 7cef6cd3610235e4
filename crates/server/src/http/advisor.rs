//! `GET /v1/advisor` and `POST /v1/advisor/apply` (admins): the threshold advisor over
//! the reviewed turns (docs/advisor.md) — the replay of their logged confidences at every
//! threshold, and the global and per-intent thresholds recommended for a target
//! wrong-answer rate — and applying them: the thresholds file written, a reload started.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use relais_advisor::{Advice, Settings};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::extract::Admin;
use super::review::bound;
use crate::error::ClientError;

/// The target unless `target_error` says otherwise.
const DEFAULT_TARGET: f64 = 0.05;

/// `?target_error=&lang=&from=&to=` (or the same as a JSON body), all optional.
#[derive(Deserialize)]
pub(super) struct Ask {
    target_error: Option<f64>,
    lang: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The advice for the reviewed turns of `[from, to)` in language `lang`.
pub(super) async fn advice(State(app): State<App>, _: Admin, Query(ask): Query<Ask>) -> Result<Json<Advice>, ClientError> {
    Ok(Json(advise(&app, ask).await?))
}

/// Writes the thresholds the advice recommends to the thresholds file and starts a reload
/// that answers with them: `{advice, written, reload}`.
pub(super) async fn apply(State(app): State<App>, _: Admin, Json(ask): Json<Ask>) -> Result<(StatusCode, Json<Value>), ClientError> {
    let Some(path) = app.hub.reload.thresholds_file.clone() else {
        return Err(ClientError::not_found(
            "this server was started without a thresholds file; run `relais advise --apply` on the server",
        ));
    };
    let advice = advise(&app, ask).await?;
    let Some(file) = relais_advisor::thresholds_file(&advice) else {
        return Err(ClientError::bad_frame(format!(
            "nothing to apply: {} reviewed turns are too few to recommend a threshold; label more in the review inbox",
            advice.recommendation.labelled_turns
        )));
    };
    tokio::fs::write(&path, file).await.map_err(ClientError::internal)?;
    let reload = crate::reload::start(&app.hub);
    Ok((StatusCode::ACCEPTED, Json(json!({ "advice": advice, "written": path, "reload": reload }))))
}

async fn advise(app: &App, ask: Ask) -> Result<Advice, ClientError> {
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
    let settings = Settings::of(target_error, bot.policy());
    Ok(relais_advisor::advise(&turns, &settings))
}
