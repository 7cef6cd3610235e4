//! Relais's channels beyond the widget: SMS through Twilio, WhatsApp through the Cloud
//! API, and a REST/webhook API for a business's own app.
//!
//! This crate knows each provider: how it signs what it sends ([`twilio::signature`],
//! [`whatsapp::signature_ok`], [`rest::signature`]), what its inbound messages look like,
//! how a bot or agent message is shaped for it ([`Outbound`]: numbered choices on SMS,
//! reply buttons or a list on WhatsApp, the event itself on a webhook) and how it is sent.
//! The server feeds inbound messages into the same turn path as the widget and sends
//! from its durable outbox.
//!
//! The key decision: replies never ride on the provider's webhook response (TwiML, a
//! synchronous answer). Every outbound message is written to the outbox in the
//! transaction that stores it, then sent by the REST API of the provider, retried with
//! backoff and settled `sent`, `delivered` or `failed`; so a provider that is down loses
//! nothing, and agents see what became of each reply.

pub mod config;
mod outbound;
pub mod rest;
pub mod twilio;
pub mod whatsapp;

pub use config::{ChannelsConfig, RestConfig, TwilioConfig, WhatsAppConfig};
pub use outbound::{Choice, Outbound};

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    /// Worth trying again later (the provider was unreachable, overloaded or failing);
    /// otherwise final (the provider refused the message).
    pub retry: bool,
    pub reason: String,
}

impl SendError {
    fn final_(reason: impl Into<String>) -> Self {
        Self { retry: false, reason: reason.into() }
    }
}

/// An HTTP client for providers: a timeout, no redirects, statuses read as answers.
pub fn http_agent(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("relais/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The outcome of a provider call: its JSON answer on 2xx; a retryable error on a
/// transport failure, 429 or 5xx; a final one otherwise, quoting the provider.
fn answer(provider: &str, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<serde_json::Value, SendError> {
    let mut response = result.map_err(|error| SendError {
        retry: true,
        reason: format!("could not reach {provider}: {error}"),
    })?;
    let status = response.status().as_u16();
    let body = response.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(serde_json::from_str(&body).unwrap_or(serde_json::Value::Null));
    }
    let quoted: String = body.chars().take(300).collect();
    Err(SendError {
        retry: status == 429 || status >= 500,
        reason: format!("{provider} answered HTTP {status}: {quoted}"),
    })
}

/// Compares two byte strings in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
