//! `POST /v1/admin/reload` and `GET /v1/admin/reload` (admins): retrain and reload the
//! assistant without a restart, and follow how it goes ([`crate::reload`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::App;
use super::extract::Admin;
use crate::error::ClientError;
use crate::reload::ReloadStatus;

/// Starts a reload (or finds the one running): 202 with its status.
pub(super) async fn start(State(app): State<App>, _: Admin) -> Result<(StatusCode, Json<ReloadStatus>), ClientError> {
    crate::reload::start(&app.hub)
        .map(|status| (StatusCode::ACCEPTED, Json(status)))
        .ok_or_else(|| ClientError::not_found("this server was started without a way to reload; restart it instead"))
}

/// Where reloads stand.
pub(super) async fn status(State(app): State<App>, _: Admin) -> Json<ReloadStatus> {
    Json(app.hub.reload.status())
}
