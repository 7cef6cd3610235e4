//! The channels' routes: Twilio's SMS webhook and its delivery reports, WhatsApp's
//! webhook (its GET verification and its POSTs), and the REST API a business's own app
//! calls with a key. A webhook whose signature is missing or wrong is refused with 403
//! before anything is read into a conversation; so is one for a channel that is off (404).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use relais_channels::{twilio, whatsapp};
use relais_store::DeliveryState;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::extract::bearer;
use crate::error::{ClientError, ErrorCode};
use crate::hub::{Inbound, Said};

/// Longest user id or client id the REST API takes.
const MAX_ID_CHARS: usize = 128;

/// `text` without control characters, at most [`MAX_ID_CHARS`]: a display name.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(MAX_ID_CHARS).collect()
}

fn off(channel: &str) -> ClientError {
    ClientError::not_found(format!("the {channel} channel is off; add [channels.{channel}] to relais.toml"))
}

fn bad_signature(header: &str) -> ClientError {
    ClientError::new(ErrorCode::BadSignature, format!("the {header} header is missing or does not match this request"))
}

/// The URL Twilio signed: `public_url` (with `suffix`) when set, else this request's.
fn twilio_url(public_url: Option<&str>, suffix: &str, headers: &HeaderMap, uri: &Uri) -> String {
    match public_url {
        Some(url) => format!("{}{suffix}", url.trim_end_matches('/')),
        None => {
            let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}{uri}")
        }
    }
}

/// An empty TwiML answer: replies leave through the outbox, not the webhook's answer.
fn twiml() -> Response {
    ([(header::CONTENT_TYPE, "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>").into_response()
}

/// The form parameters of a Twilio webhook to `public_url` + `suffix`, once its signature
/// is checked.
fn signed_by_twilio(app: &App, suffix: &str, headers: &HeaderMap, uri: &Uri, body: &[u8]) -> Result<Vec<(String, String)>, ClientError> {
    let config = app.hub.channels.twilio.as_ref().ok_or_else(|| off("twilio"))?;
    let params = twilio::form(body);
    let url = twilio_url(config.public_url.as_deref(), suffix, headers, uri);
    let signature = headers.get("x-twilio-signature").and_then(|value| value.to_str().ok());
    if !twilio::signature_ok(&config.auth_token, &url, &params, signature) {
        return Err(bad_signature("X-Twilio-Signature"));
    }
    Ok(params)
}

/// `POST /v1/channels/twilio`: an SMS from a contact.
pub(super) async fn twilio_message(State(app): State<App>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, ClientError> {
    let params = signed_by_twilio(&app, "", &headers, &uri, &body)?;
    let (Some(sid), Some(from)) = (twilio::param(&params, "MessageSid"), twilio::param(&params, "From")) else {
        return Err(ClientError::bad_frame("an SMS webhook needs MessageSid and From"));
    };
    if from.starts_with("whatsapp:") {
        return Err(ClientError::bad_frame(
            "WhatsApp through Twilio is not read here; connect WhatsApp with [channels.whatsapp] (the Cloud API)",
        ));
    }
    let body = twilio::param(&params, "Body").unwrap_or_default();
    let media = twilio::param(&params, "NumMedia").and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    // A picture alone is kept as a message, so the agent sees the contact sent something.
    let text = if body.trim().is_empty() && media > 0 { "[media]" } else { body };
    let now = app.hub.clock.now_ms();
    let store = &app.hub.store;
    match twilio::keyword(text) {
        twilio::Keyword::Stop => {
            store.set_opted_out("sms", from, true, now).await?;
            app.hub.stopped("sms", from).await?;
        }
        twilio::Keyword::Start if store.opted_out("sms", from).await? => store.set_opted_out("sms", from, false, now).await?,
        _ if text.trim().is_empty() => {}
        _ => {
            let said = Said::Text(text.to_owned());
            let inbound = Inbound { channel: "sms", address: from.to_owned(), provider_id: sid.to_owned(), client_id: sid.to_owned(), said, verified_user_id: None, name: None };
            app.hub.receive(inbound).await?;
        }
    }
    Ok(twiml())
}

/// `POST /v1/channels/twilio/status`: what became of an SMS we sent.
pub(super) async fn twilio_status(State(app): State<App>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, ClientError> {
    let params = signed_by_twilio(&app, "/status", &headers, &uri, &body)?;
    let sid = twilio::param(&params, "MessageSid").unwrap_or_default();
    let reported = match twilio::param(&params, "MessageStatus") {
        Some("delivered") => Some((DeliveryState::Delivered, None)),
        Some(status @ ("failed" | "undelivered")) => {
            let code = twilio::param(&params, "ErrorCode").unwrap_or("none");
            Some((DeliveryState::Failed, Some(format!("Twilio reports the SMS {status} (error code {code})"))))
        }
        _ => None,
    };
    if let Some((state, error)) = reported {
        report(&app, "sms", sid, state, error.as_deref()).await?;
    }
    Ok(twiml())
}

async fn report(app: &App, channel: &str, provider_id: &str, state: DeliveryState, error: Option<&str>) -> Result<(), ClientError> {
    let now = app.hub.clock.now_ms();
    if let Some(status) = app.hub.store.delivery_reported(channel, provider_id, state, error, now).await? {
        app.hub.delivery_changed(status).await;
    }
    Ok(())
}

/// `GET /v1/channels/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
#[derive(Deserialize)]
pub(super) struct Verification {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

pub(super) async fn whatsapp_verify(State(app): State<App>, Query(query): Query<Verification>) -> Result<String, ClientError> {
    let config = app.hub.channels.whatsapp.as_ref().ok_or_else(|| off("whatsapp"))?;
    whatsapp::verify(config, query.mode.as_deref(), query.token.as_deref(), query.challenge.as_deref())
        .map(str::to_owned)
        .ok_or_else(|| ClientError::new(ErrorCode::BadSignature, "hub.mode must be subscribe and hub.verify_token the configured verify_token"))
}

/// `POST /v1/channels/whatsapp`: messages and delivery statuses.
pub(super) async fn whatsapp_notify(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ClientError> {
    let config = app.hub.channels.whatsapp.as_ref().ok_or_else(|| off("whatsapp"))?;
    let signature = headers.get("x-hub-signature-256").and_then(|value| value.to_str().ok());
    if !whatsapp::signature_ok(&config.app_secret, &body, signature) {
        return Err(bad_signature("X-Hub-Signature-256"));
    }
    let json: Value = serde_json::from_slice(&body).map_err(|error| ClientError::bad_frame(format!("the body is not JSON: {error}")))?;
    // Each notice apart: one that fails does not keep the others from being stored; the
    // first failure is answered, so Meta sends the POST again and replays change nothing.
    let mut failure = None;
    for notice in whatsapp::notices(&json) {
        let done = match notice {
            whatsapp::Notice::Message { id, from, name, input } => {
                let said = match input {
                    whatsapp::Inbound::Text(text) => Said::Text(text),
                    whatsapp::Inbound::Pressed(payload) => Said::Pressed(payload),
                    // Kept as a message, so the agent sees the contact sent something.
                    whatsapp::Inbound::Other(kind) => Said::Text(format!("[{kind}]")),
                };
                let name = name.map(|name| clean(&name));
                let inbound = Inbound { channel: "whatsapp", address: from, client_id: id.clone(), provider_id: id, said, verified_user_id: None, name };
                app.hub.receive(inbound).await.map(drop)
            }
            whatsapp::Notice::Status { id, status, error } => match status.as_str() {
                "delivered" | "read" => report(&app, "whatsapp", &id, DeliveryState::Delivered, None).await,
                "failed" => report(&app, "whatsapp", &id, DeliveryState::Failed, error.as_deref()).await,
                _ => Ok(()),
            },
        };
        if let Err(error) = done {
            failure.get_or_insert(error);
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(Json(json!({"ok": true}))),
    }
}

/// The REST caller, by its `Authorization: Bearer` key (`relais channel add-key`).
pub(super) struct RestCaller;

impl FromRequestParts<App> for RestCaller {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        if app.hub.channels.rest.is_none() {
            return Err(off("rest"));
        }
        let unauthorized = || ClientError::unauthorized("send Authorization: Bearer <a key from relais channel add-key>");
        let key = bearer(&parts.headers).ok_or_else(unauthorized)?;
        let hash = relais_channels::rest::key_hash(key);
        app.hub.store.channel_key_name(&hash).await?.ok_or_else(unauthorized)?;
        Ok(RestCaller)
    }
}

/// The body of `POST /v1/channels/rest/messages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RestMessage {
    /// The caller's id for its user: the contact, vouched for by the key.
    user_id: String,
    /// The message, or …
    text: Option<String>,
    /// … the payload of a quick reply pressed.
    quick_reply: Option<String>,
    /// The caller's id for this message: sent again, it is stored once.
    client_id: Option<String>,
    name: Option<String>,
}

/// `POST /v1/channels/rest/messages`: the bot's events answer in JSON; later ones go
/// to the webhook.
pub(super) async fn rest_message(
    State(app): State<App>,
    _caller: RestCaller,
    body: Result<Json<RestMessage>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ClientError> {
    let Json(RestMessage { user_id, text, quick_reply, client_id, name }) = body.map_err(|rejection| {
        ClientError::bad_frame(format!("send JSON {{user_id, text | quick_reply, client_id?, name?}}: {}", rejection.body_text()))
    })?;
    for (field, value) in [("user_id", Some(&user_id)), ("client_id", client_id.as_ref())] {
        if value.is_some_and(|value| value.trim().is_empty() || value.chars().count() > MAX_ID_CHARS || value.chars().any(char::is_control)) {
            return Err(ClientError::bad_frame(format!("{field} must be 1 to {MAX_ID_CHARS} characters, none of them control characters")));
        }
    }
    let most = app.hub.config.limits.max_message_chars;
    let said = match (text, quick_reply) {
        (Some(text), None) if text.chars().count() > most => {
            return Err(ClientError::new(ErrorCode::TooLong, format!("text is over {most} characters")));
        }
        (Some(text), None) if !text.trim().is_empty() => Said::Text(text),
        (None, Some(payload)) if !payload.is_empty() && payload.chars().count() <= most && !payload.chars().any(char::is_control) => {
            Said::Pressed(payload)
        }
        _ => return Err(ClientError::bad_frame(format!(
            "send either text (not blank) or quick_reply (1 to {most} characters, no control characters)"
        ))),
    };
    // Client ids are the caller's per user: the user id, length first, keeps two users' apart.
    let client_id = match client_id {
        Some(client_id) => client_id,
        None => crate::token::new_conversation_id().map_err(ClientError::internal)?,
    };
    let provider_id = format!("{}:{user_id}:{client_id}", user_id.len());
    let name = name.map(|name| clean(&name));
    let inbound = Inbound { channel: "rest", address: user_id.clone(), provider_id, client_id, said, verified_user_id: Some(user_id), name };
    let received = app.hub.receive(inbound).await?;
    let events: Vec<Value> = received.stored.iter().filter_map(crate::wire::visitor_event).collect();
    Ok(Json(json!({
        "conversation_id": received.conversation_id, "seq": received.seq,
        "repeated": received.repeated, "events": events,
    })))
}
