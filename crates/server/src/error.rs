//! Errors: what a client is told (`error {code, message}` frames and HTTP bodies), and
//! what stops the server from starting.

use std::path::PathBuf;

/// A refusal or failure reported to one client; the socket stays open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    pub code: &'static str,
    pub message: String,
}

impl ClientError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn bad_frame(message: impl Into<String>) -> Self {
        Self::new("bad_frame", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("unauthorized", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("not_found", message)
    }

    /// A failure on our side; the details go to the log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("{error}");
        Self::new("internal", "the server could not complete this request; try again")
    }
}

impl From<relais_store::Error> for ClientError {
    fn from(error: relais_store::Error) -> Self {
        Self::internal(format!("store: {error}"))
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "business hours rule {0:?} is not of the form \"mon-fri 09:00-18:00\" (days mon…sun, times HH:MM, from before to)"
    )]
    BusinessHours(String),
    #[error("cannot read or create the signing key {path}: {source}")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("[server.limits] {0} must be above 0: at 0 nothing would get through")]
    Limit(&'static str),
    #[error("trusted proxy {0:?} is not an address or a CIDR such as \"10.0.0.0/8\"")]
    TrustedProxy(String),
    #[error("forwarded_header {0:?} is neither \"x-forwarded-for\" nor \"forwarded\"; name the header your proxy writes")]
    ForwardedHeader(String),
    #[error("the signing key {path} is damaged (expected 64 hex digits); delete it to make a new one, which signs out every visitor")]
    BadSecret { path: PathBuf },
}
