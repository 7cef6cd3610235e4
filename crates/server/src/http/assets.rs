//! What is not an API resource: the widget's configuration, metrics (behind their
//! token), and the widget and console files.


use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::ClientError;
use super::App;
use super::extract::bearer;

pub(super) async fn widget_config(State(app): State<App>) -> Response {
    let mut response = Json(json!({"proactive": app.hub.config.proactive})).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The metrics, for a request with `Authorization: Bearer <[server] metrics_token>`.
pub(super) async fn metrics(State(app): State<App>, headers: HeaderMap) -> Result<Response, ClientError> {
    let Some(expected) = app.hub.config.metrics_token.as_deref() else {
        return Err(ClientError::not_found(
            "metrics are off; set [server] metrics_token and send it as Authorization: Bearer <token>",
        ));
    };
    // Compared as digests, so the time taken tells nothing about the token.
    let matches = bearer(&headers).is_some_and(|given| Sha256::digest(given) == Sha256::digest(expected));
    if !matches {
        return Err(ClientError::unauthorized("send Authorization: Bearer <[server] metrics_token>"));
    }
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], app.hub.metrics.render()).into_response())
}

pub(super) async fn asset(uri: axum::http::Uri) -> Result<Response, ClientError> {
    let asset = relais_web::asset(uri.path())
        .ok_or_else(|| ClientError::not_found(format!("no file {}", uri.path())))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    Ok((headers, asset.body).into_response())
}
