//! `GET /v1/advisor` (admins and reviewers) and `POST /v1/advisor/apply` (admins): the threshold advisor over
//! the reviewed turns (docs/advisor.md) — the replay of their logged confidences at every
//! threshold, and the global and per-intent thresholds recommended for a target
//! wrong-answer rate — and applying them: the review labels exported as training
//! examples, the thresholds file written, a reload started (which retrains).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use relais_advisor::{Advice, Settings};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::extract::{Admin, Reviewer, language_filter};
use super::review::bound;
use crate::error::{ClientError, ErrorCode};

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
pub(super) async fn advice(State(app): State<App>, _: Reviewer, Query(ask): Query<Ask>) -> Result<Json<Advice>, ClientError> {
    Ok(Json(advise(&app, ask).await?))
}

/// Exports the review labels as training examples (if the server knows its intent
/// folders), writes the thresholds the advice recommends to the thresholds file (if it
/// recommends any) and starts a reload, which retrains and answers with both:
/// `{advice, written, export, reload}` (`written`: the thresholds file, or `null`).
pub(super) async fn apply(State(app): State<App>, _: Admin, Json(ask): Json<Ask>) -> Result<(StatusCode, Json<Value>), ClientError> {
    let Some(path) = app.hub.reload.thresholds_file.clone() else {
        return Err(ClientError::not_found(
            "this server was started without a thresholds file; run `relais advise --apply` on the server",
        ));
    };
    let advice = advise(&app, ask).await?;
    let file = relais_advisor::thresholds_file(&advice);
    let labelled = match app.hub.reload.intents_dir.clone() {
        Some(dir) => Some((dir, app.hub.store.labelled_turns(i64::MIN, i64::MAX, None).await?)),
        None => None,
    };
    let export = match labelled.filter(|(_, labelled)| !labelled.is_empty()) {
        Some((dir, labelled)) => Some(
            tokio::task::spawn_blocking(move || relais_review::export(&labelled, &dir))
                .await
                .map_err(ClientError::internal)?
                .map_err(|e| {
                    // The admin can act on it: a broken intent file, a folder not writable.
                    ClientError::new(
                        ErrorCode::Internal,
                        format!("exporting the review labels failed: {e}; no file was changed and nothing reloaded"),
                    )
                })?,
        ),
        None => None,
    };
    if file.is_none() && export.is_none() {
        return Err(ClientError::bad_frame(format!(
            "nothing to apply: {} reviewed turns are too few to recommend a threshold; label more in the review inbox",
            advice.recommendation.labelled_turns
        )));
    }
    let written = match file {
        Some(file) => {
            tokio::fs::write(&path, file).await.map_err(ClientError::internal)?;
            Some(path)
        }
        None => None,
    };
    let reload = crate::reload::start(&app.hub);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "advice": advice, "written": written, "export": export, "reload": reload })),
    ))
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
    let lang = language_filter(ask.lang.as_deref())?.filter(|lang| !lang.is_empty());
    let settings = Settings::of(target_error, app.hub.bot().policy());
    Ok(relais_advisor::advice(&app.hub.store, from, to, lang.as_deref(), &settings).await?)
}
