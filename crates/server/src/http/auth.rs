//! `POST /v1/auth/login` (behind the login guard) and `POST /v1/auth/logout`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::error::{ClientError, ErrorCode};
use crate::login::Refused;
use crate::validate::{MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES};
use super::App;
use super::extract::{ClientAddress, SignedIn};

/// How long a login refused because too many passwords wait to be checked is asked to
/// wait: the checks waiting then are done within about a second.
const PASSWORDS_BUSY_WAIT: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub(super) struct Login {
    email: String,
    password: String,
}

pub(super) async fn login(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    body: Result<Json<Login>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ClientError> {
    let Ok(Json(login)) = body else {
        return Err(ClientError::bad_frame("send JSON {\"email\": …, \"password\": …}"));
    };
    if login.email.len() > MAX_EMAIL_BYTES || login.password.len() > MAX_PASSWORD_BYTES {
        return Err(ClientError::new(
            ErrorCode::TooLong,
            format!("the email is at most {MAX_EMAIL_BYTES} bytes and the password {MAX_PASSWORD_BYTES}"),
        ));
    }
    let hub = &app.hub;
    let address = crate::limits::address_key(client);
    if let Err(refused) = hub.quotas.login.admit(address, &login.email) {
        let email = login.email.chars().take(80).collect::<String>();
        match &refused {
            Refused::Address(_) => hub
                .limit_log
                .bite("logins_per_ip", || format!("login attempt from {client}")),
            Refused::Account { locked_now: Some(lock), .. } => hub.limit_log.bite("login_lock", || {
                format!("account {email:?} locked for {} s after repeated failed logins", lock.as_secs())
            }),
            Refused::Account { locked_now: None, .. } => {}
        }
        return Ok(too_many(
            "too many login attempts for this account or from this address",
            refused.wait(),
        ));
    }
    let agent = match hub.store.verify_password(&login.email, &login.password).await {
        Err(relais_store::Error::PasswordsBusy) => {
            hub.quotas.login.unchecked(address, &login.email);
            hub.limit_log.bite("password_checks", || format!("login attempt from {client}"));
            return Ok(too_many("the server is checking many passwords at once", PASSWORDS_BUSY_WAIT));
        }
        verified => verified?.ok_or_else(|| ClientError::unauthorized("wrong email or password"))?,
    };
    hub.quotas.login.succeeded(address, &login.email);
    let ttl = Duration::from_secs(hub.config.session_hours.saturating_mul(3600));
    let now = crate::now_ms();
    let token = hub.store.create_session(agent.id, ttl, now).await?;
    Ok(Json(json!({
        "token": token,
        "expires_at": crate::wire::rfc3339(now + ttl.as_millis() as i64),
        "agent": {"id": agent.id, "name": agent.name, "role": agent.role.as_str(), "reviewer": agent.reviewer},
    }))
    .into_response())
}

/// Ends the caller's session; its sockets close within seconds.
pub(super) async fn logout(State(app): State<App>, signed_in: SignedIn) -> Result<StatusCode, ClientError> {
    app.hub.store.revoke_session(&signed_in.token).await?;
    tracing::info!("agent {} signed out", signed_in.agent.email);
    Ok(StatusCode::NO_CONTENT)
}

/// `429 rate_limited` with `Retry-After`.
pub(super) fn too_many(what: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let refusal = ClientError::new(ErrorCode::RateLimited, format!("{what}; try again in {seconds} s"));
    ([(header::RETRY_AFTER, HeaderValue::from(seconds))], refusal).into_response()
}
