//! What handlers take from a request: the client's address (behind trusted proxies),
//! the signed-in agent, admin or reviewer (so a handler cannot forget auth), a page of a
//! list, and a `lang=` filter read as conversations record languages.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use relais_dialogue::language_of;
use relais_store::{Agent, Page, Role};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ClientError, ErrorCode};
use super::App;

/// A `lang=` filter as conversations record languages: its tag's primary subtag (`fr-CA`,
/// `FR` → `fr`; relais-dialogue's `language_of`), so a region's tag finds its language's
/// conversations and articles. Empty stays empty (for insights, the conversations of no
/// language); a tag with no primary subtag (`-fr`) is refused.
pub(super) fn language_filter(lang: Option<&str>) -> Result<Option<String>, ClientError> {
    lang.map(|tag| {
        if tag.is_empty() {
            return Ok(String::new());
        }
        language_of(tag).ok_or_else(|| {
            ClientError::bad_frame(format!("lang {tag:?} is not a language tag: send one such as en, fr or fr-CA"))
        })
    })
    .transpose()
}

/// Conversations or callback requests listed per page when the request does not say …
pub(super) const DEFAULT_PAGE: u32 = 200;

/// … and at most.
pub(super) const MAX_PAGE: u32 = 500;

/// The client's address: the peer's, or what a trusted proxy says it is.
pub(super) struct ClientAddress(pub(super) IpAddr);

impl FromRequestParts<App> for ClientAddress {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        // The extractor, not the extension itself, so that in-process requests can give
        // an address with `MockConnectInfo`.
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, app)
            .await
            .map_err(|_| ClientError::internal("no peer address"))?;
        Ok(Self(app.hub.proxies.client(peer, &parts.headers)))
    }
}

/// The signed-in agent behind the request's `Authorization: Bearer` token.
pub(super) struct SignedIn {
    pub(super) agent: Agent,
    pub(super) token: String,
}

impl FromRequestParts<App> for SignedIn {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        let unauthorized =
            || ClientError::unauthorized("send Authorization: Bearer <token from POST /v1/auth/login>");
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        let agent = app
            .hub
            .store
            .agent_for_token(token, crate::now_ms())
            .await?
            .ok_or_else(unauthorized)?;
        Ok(Self {
            agent,
            token: token.to_owned(),
        })
    }
}

/// A signed-in agent whose role is admin (`not_admin` otherwise).
pub(super) struct Admin(pub(super) SignedIn);

impl FromRequestParts<App> for Admin {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        let signed_in = SignedIn::from_request_parts(parts, app).await?;
        if signed_in.agent.role != Role::Admin {
            return Err(ClientError::new(
                ErrorCode::NotAdmin,
                "only an admin may do this; ask one, or use `relais agent` on the server",
            ));
        }
        Ok(Self(signed_in))
    }
}

/// A signed-in admin, or an agent given the reviewer role (`not_reviewer` otherwise): who
/// works the review inbox.
pub(super) struct Reviewer(pub(super) SignedIn);

impl FromRequestParts<App> for Reviewer {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        let signed_in = SignedIn::from_request_parts(parts, app).await?;
        if !signed_in.agent.reviews() {
            return Err(ClientError::new(
                ErrorCode::NotReviewer,
                "only admins and reviewers may review turns; an admin can give you the role \
                 (`relais agent reviewer --email …` on the server)",
            ));
        }
        Ok(Self(signed_in))
    }
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

/// `?offset=&limit=` of a paged list.
#[derive(Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u32>,
}

impl PageQuery {
    pub(super) fn page(&self) -> Page {
        Page {
            offset: self.offset,
            limit: self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
        }
    }
}

/// A page of a list as JSON, with the whole list's length in `X-Total-Count`.
pub(super) fn paged(items: Vec<Value>, total: u64) -> Response {
    let mut response = Json(items).into_response();
    response
        .headers_mut()
        .insert(HeaderName::from_static("x-total-count"), HeaderValue::from(total));
    response
}
