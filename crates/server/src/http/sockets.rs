//! The upgrades to the visitor socket (`/v1/ws`, origin checked) and the agent socket
//! (`/v1/agent/ws`): both count toward the sockets an address may hold.

use std::net::IpAddr;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;

use crate::error::{ClientError, ErrorCode};
use super::App;
use super::extract::ClientAddress;

/// Initial read buffer of a socket (grows for larger frames): visitors mostly send a few
/// hundred bytes, and tungstenite's 128 KiB default costs 1.3 GB per 10,000 idle sockets.
pub(super) const SOCKET_READ_BUFFER: usize = 4096;

pub(super) async fn visitor_socket(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ClientError> {
    let config = &app.hub.config;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !config.origin_allowed(origin, host) {
        let origin = origin.unwrap_or("").chars().take(100).collect::<String>();
        app.hub
            .limit_log
            .bite("allowed_origins", || format!("visitor socket from origin {origin:?} ({client})"));
        return Err(ClientError::new(
            ErrorCode::ForbiddenOrigin,
            format!("origin {origin} is not this server's own nor in [server] allowed_origins"),
        ));
    }
    let permit = socket_permit(&app, client)?;
    let hub = app.hub.clone();
    Ok(socket_limits(upgrade, &config.limits)
        .on_upgrade(move |socket| crate::visitor::serve(hub, socket, client, permit)))
}

pub(super) async fn agent_socket(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ClientError> {
    let permit = socket_permit(&app, client)?;
    Ok(socket_limits(upgrade, &app.hub.config.limits)
        .on_upgrade(move |socket| crate::agent::serve(app.hub, socket, permit)))
}

/// A place among the sockets `client`'s address may hold, or `429 too_many_sockets`.
pub(super) fn socket_permit(app: &App, client: IpAddr) -> Result<crate::limits::OpenPermit, ClientError> {
    let max = app.hub.config.limits.sockets_per_ip;
    app.hub.quotas.sockets.acquire(client, max).ok_or_else(|| {
        app.hub
            .limit_log
            .bite("sockets_per_ip", || format!("{client} already has {max} sockets open"));
        ClientError::new(
            ErrorCode::TooManySockets,
            format!("{client} already has {max} sockets open, the limit per address"),
        )
    })
}

/// Frames over 4 times `max_frame_bytes` end the socket (close 1009).
pub(super) fn socket_limits(upgrade: WebSocketUpgrade, limits: &crate::config::Limits) -> WebSocketUpgrade {
    let hard_limit = limits.hard_frame_bytes();
    upgrade
        .read_buffer_size(SOCKET_READ_BUFFER)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
}
