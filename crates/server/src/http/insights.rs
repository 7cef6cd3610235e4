//! `GET /v1/insights/summary`, `/intents`, `/agents`, `/conversations` and
//! `/conversations.csv`, admins only: the figures of docs/metrics.md over the
//! conversations started in `[from, to)` (of one language with `lang`), the breakdowns
//! per intent and per agent, the conversations behind one count, and one CSV row per
//! conversation. Each request reads the log of the window (`relais_insights::Cohort::load`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use relais_insights::{AgentRow, Cohort, Figure, IntentRow, Summary, Window};
use serde::Deserialize;
use serde_json::Value;

use super::App;
use super::extract::{Admin, PageQuery, paged};
use crate::error::ClientError;

/// `?from=&to=[&lang=]`.
#[derive(Deserialize)]
pub(super) struct Frame {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
}

/// `?figure=`.
#[derive(Deserialize)]
pub(super) struct FigureQuery {
    figure: Option<String>,
}

impl Frame {
    fn window(&self) -> Result<Window, ClientError> {
        let (Some(from), Some(to)) = (&self.from, &self.to) else {
            return Err(ClientError::bad_frame(
                "send from and to, RFC 3339 in UTC such as ?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
            ));
        };
        Window::parse(from, to).map_err(|error| ClientError::bad_frame(error.to_string()))
    }

    /// The conversations started in the window, of the language asked for.
    async fn cohort(&self, app: &App) -> Result<Cohort, ClientError> {
        let window = self.window()?;
        let cohort = Cohort::load(&app.hub.store, window, &app.insights, crate::now_ms()).await?;
        Ok(cohort.in_language(self.lang.as_deref()))
    }
}

/// Every figure over the window.
pub(super) async fn summary(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Summary>, ClientError> {
    let cohort = frame.cohort(&app).await?;
    Ok(Json(cohort.summary(&app.insights)))
}

/// Per intent the bot answered, the most answered first.
pub(super) async fn intents(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<IntentRow>>, ClientError> {
    Ok(Json(frame.cohort(&app).await?.intents()))
}

/// Per agent, the most conversations first.
pub(super) async fn agents(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<AgentRow>>, ClientError> {
    Ok(Json(frame.cohort(&app).await?.agents()))
}

/// A page of the conversations one count figure counts, ordered by start.
pub(super) async fn conversations(
    State(app): State<App>,
    _: Admin,
    Query(frame): Query<Frame>,
    Query(figure): Query<FigureQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ClientError> {
    let name = figure.figure.as_deref().unwrap_or_default();
    let figure = Figure::parse(name).map_err(|error| ClientError::bad_frame(error.to_string()))?;
    let cohort = frame.cohort(&app).await?;
    let listed = cohort.conversations(figure);
    let page = page.page();
    let rows: Vec<Value> = listed
        .iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(page.limit as usize)
        .map(|facts| serde_json::to_value(facts).map_err(ClientError::internal))
        .collect::<Result<_, _>>()?;
    Ok(paged(rows, listed.len() as u64))
}

/// One CSV row per conversation started in the window.
pub(super) async fn csv(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Response, ClientError> {
    let cohort = frame.cohort(&app).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"relais-conversations.csv\""),
    ];
    Ok((headers, cohort.csv()).into_response())
}
