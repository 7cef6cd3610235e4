//! Errors: what a client is told — one [`ErrorCode`] per kind of refusal, with its wire
//! name and HTTP status, in `error {code, message}` frames and HTTP bodies alike — and
//! what stops the server from starting.

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every error code of the protocol (docs/protocol.md), on sockets and over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadFrame,
    UnknownType,
    TooLong,
    RateLimited,
    Unauthorized,
    NotFound,
    AlreadyClaimed,
    NotHolder,
    /// The signed-in agent is not an admin.
    NotAdmin,
    /// The signed-in agent is neither an admin nor a reviewer.
    NotReviewer,
    Closed,
    LimitReached,
    ForbiddenOrigin,
    TooManySockets,
    /// A channel webhook's signature is missing or wrong.
    BadSignature,
    /// WhatsApp's 24-hour window is closed: only a template message may be sent.
    TemplateNeeded,
    Internal,
}

impl ErrorCode {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::TooLong => "too_long",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyClaimed => "already_claimed",
            ErrorCode::NotHolder => "not_holder",
            ErrorCode::NotAdmin => "not_admin",
            ErrorCode::NotReviewer => "not_reviewer",
            ErrorCode::Closed => "closed",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::ForbiddenOrigin => "forbidden_origin",
            ErrorCode::TooManySockets => "too_many_sockets",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::TemplateNeeded => "template_needed",
            ErrorCode::Internal => "internal",
        }
    }

    /// The status of an HTTP answer with this code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadFrame | ErrorCode::UnknownType | ErrorCode::TooLong => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::ForbiddenOrigin
            | ErrorCode::NotHolder
            | ErrorCode::NotAdmin
            | ErrorCode::NotReviewer
            | ErrorCode::BadSignature => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::AlreadyClaimed | ErrorCode::Closed | ErrorCode::TemplateNeeded => StatusCode::CONFLICT,
            ErrorCode::RateLimited | ErrorCode::LimitReached | ErrorCode::TooManySockets => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal or failure reported to one client; the socket stays open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    pub code: ErrorCode,
    pub message: String,
}

impl ClientError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn bad_frame(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadFrame, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// A failure on our side; the details go to the log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("{error}");
        Self::new(ErrorCode::Internal, "the server could not complete this request; try again")
    }
}

/// `{"error": {"code", "message"}}` with the code's status.
impl IntoResponse for ClientError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code.as_str(), "message": self.message}});
        (self.code.status(), Json(body)).into_response()
    }
}

impl From<relais_store::Error> for ClientError {
    fn from(error: relais_store::Error) -> Self {
        match error {
            relais_store::Error::AgentNotFound(_) => Self::not_found(error.to_string()),
            error => Self::internal(format!("store: {error}")),
        }
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
