//! HTTP routes: the two sockets, login and logout, the console's read endpoints (paged,
//! with the true count in `X-Total-Count`), health, metrics (behind a token), the widget
//! and console files, and the site folder at `/`. Every response carries the security
//! headers; a request's client address is the peer's, or a trusted proxy's word for it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use relais_knowledge::{Ranking, SearchOptions};
use relais_store::{Agent, ConversationState as Stage, Page};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

use crate::error::{ClientError, ErrorCode};
use crate::hub::Hub;
use crate::login::Refused;

/// Conversations or callback requests listed per page when the request does not say …
const DEFAULT_PAGE: u32 = 200;
/// … and at most.
const MAX_PAGE: u32 = 500;
/// Initial read buffer of a socket (grows for larger frames): visitors mostly send a few
/// hundred bytes, and tungstenite's 128 KiB default costs 1.3 GB per 10,000 idle sockets.
const SOCKET_READ_BUFFER: usize = 4096;
/// Longest email and password a login may send (an email is at most 254 characters).
const MAX_EMAIL_BYTES: usize = 254;
const MAX_PASSWORD_BYTES: usize = 1024;
/// Most hits of an agent's knowledge search.
const MAX_SEARCH_HITS: usize = 10;
/// Where pages of this server may load from and be framed: only itself. Inline styles
/// are allowed (the widget styles its Shadow DOM), inline scripts are not.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

#[derive(Clone)]
struct App {
    hub: Arc<Hub>,
}

/// Every route of the server.
pub fn router(hub: Arc<Hub>) -> Router {
    let site = hub.config.site_dir.clone();
    let app = App { hub };
    let router = Router::new()
        .route("/v1/ws", get(visitor_socket))
        .route("/v1/agent/ws", get(agent_socket))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/conversations", get(conversations))
        .route("/v1/conversations/{id}/events", get(events))
        .route("/v1/callbacks", get(callbacks))
        .route("/v1/knowledge/search", get(knowledge_search))
        .route("/v1/widget/config", get(widget_config))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route("/widget.js", get(asset))
        .route("/console", get(asset))
        .route("/console/", get(asset))
        .route("/console/{*file}", get(asset));
    let router = match site {
        Some(dir) => router.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true)),
        None => router,
    };
    router
        .with_state(app)
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers every response carries: no framing, no content sniffing, no referrer sent
/// to other sites, and the content security policy.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `429 rate_limited` with `Retry-After`.
fn too_many(what: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let refusal = ClientError::new(ErrorCode::RateLimited, format!("{what}; try again in {seconds} s"));
    ([(header::RETRY_AFTER, HeaderValue::from(seconds))], refusal).into_response()
}

/// The client's address: the peer's, or what a trusted proxy says it is.
struct ClientAddress(IpAddr);

impl FromRequestParts<App> for ClientAddress {
    type Rejection = ClientError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ClientError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| ClientError::internal("no peer address"))?;
        Ok(Self(app.hub.proxies.client(peer, &parts.headers)))
    }
}

/// The signed-in agent behind the request's `Authorization: Bearer` token.
struct SignedIn {
    agent: Agent,
    token: String,
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

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

async fn visitor_socket(
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

async fn agent_socket(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ClientError> {
    let permit = socket_permit(&app, client)?;
    Ok(socket_limits(upgrade, &app.hub.config.limits)
        .on_upgrade(move |socket| crate::agent::serve(app.hub, socket, permit)))
}

/// A place among the sockets `client`'s address may hold, or `429 too_many_sockets`.
fn socket_permit(app: &App, client: IpAddr) -> Result<crate::limits::OpenPermit, ClientError> {
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
fn socket_limits(upgrade: WebSocketUpgrade, limits: &crate::config::Limits) -> WebSocketUpgrade {
    let hard_limit = limits.hard_frame_bytes();
    upgrade
        .read_buffer_size(SOCKET_READ_BUFFER)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
}

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

async fn login(
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
    let agent = hub
        .store
        .verify_password(&login.email, &login.password)
        .await?
        .ok_or_else(|| ClientError::unauthorized("wrong email or password"))?;
    hub.quotas.login.succeeded(address, &login.email);
    let ttl = Duration::from_secs(hub.config.session_hours.saturating_mul(3600));
    let now = crate::now_ms();
    let token = hub.store.create_session(agent.id, ttl, now).await?;
    Ok(Json(json!({
        "token": token,
        "expires_at": crate::wire::rfc3339(now + ttl.as_millis() as i64),
        "agent": {"id": agent.id, "name": agent.name, "role": agent.role.as_str()},
    }))
    .into_response())
}

/// Ends the caller's session; its sockets close within seconds.
async fn logout(State(app): State<App>, signed_in: SignedIn) -> Result<StatusCode, ClientError> {
    app.hub.store.revoke_session(&signed_in.token).await?;
    tracing::info!("agent {} signed out", signed_in.agent.email);
    Ok(StatusCode::NO_CONTENT)
}

/// `?offset=&limit=` of a paged list.
#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u32>,
}

impl PageQuery {
    fn page(&self) -> Page {
        Page {
            offset: self.offset,
            limit: self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
        }
    }
}

/// A page of a list as JSON, with the whole list's length in `X-Total-Count`.
fn paged(items: Vec<Value>, total: u64) -> Response {
    let mut response = Json(items).into_response();
    response
        .headers_mut()
        .insert(HeaderName::from_static("x-total-count"), HeaderValue::from(total));
    response
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
}

/// A page of the conversations (the queue oldest first, others newest first).
async fn conversations(
    State(app): State<App>,
    _: SignedIn,
    Query(query): Query<ListQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ClientError> {
    let state = match query.state.as_deref() {
        None => None,
        Some("open") => Some(Stage::Open),
        Some("queued") => Some(Stage::Queued),
        Some("agent") => Some(Stage::Agent),
        Some("closed") => Some(Stage::Closed),
        Some(other) => {
            return Err(ClientError::bad_frame(format!(
                "state {other:?} is not one of open, queued, agent, closed"
            )));
        }
    };
    let store = &app.hub.store;
    let total = store.count_conversations(state).await?;
    let list: Vec<Value> = store
        .conversations(state, page.page())
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id, "created_at": c.created_at, "updated_at": c.updated_at,
                "state": c.state.as_str(), "language": c.language,
                "holder_agent_id": c.holder_agent_id, "escalation_reason": c.escalation_reason,
                "queued_at": c.queued_at, "closed_at": c.closed_at, "last_seq": c.last_seq,
            })
        })
        .collect();
    Ok(paged(list, total))
}

async fn events(State(app): State<App>, _: SignedIn, Path(id): Path<String>) -> Result<Json<Vec<Value>>, ClientError> {
    let events = app.hub.store.events_after(&id, 0).await?;
    if events.is_empty() {
        return Err(ClientError::not_found(format!("no conversation {id}")));
    }
    let list = events
        .into_iter()
        .map(|stored| {
            let mut value = serde_json::to_value(&stored.event).unwrap_or(Value::Null);
            value["seq"] = stored.seq.into();
            value
        })
        .collect();
    Ok(Json(list))
}

/// A page of the callback requests, oldest first.
async fn callbacks(State(app): State<App>, _: SignedIn, Query(page): Query<PageQuery>) -> Result<Response, ClientError> {
    let store = &app.hub.store;
    let total = store.count_callback_requests(None).await?;
    let list: Vec<Value> = store
        .callback_requests(page.page())
        .await?
        .into_iter()
        .map(|stored| {
            let r = stored.request;
            json!({
                "id": stored.id, "conversation_id": r.conversation_id, "name": r.name,
                "email": r.email, "phone": r.phone, "preferred_time": r.preferred_time,
                "note": r.note, "created_at": r.created_at,
            })
        })
        .collect();
    Ok(paged(list, total))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
    lang: Option<String>,
    k: Option<usize>,
}

async fn knowledge_search(
    State(app): State<App>,
    _: SignedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, ClientError> {
    if query.q.chars().count() > app.hub.config.limits.max_message_chars {
        return Err(ClientError::new(ErrorCode::TooLong, "the query is longer than a message may be"));
    }
    let bot = app.hub.bot.clone();
    let options = SearchOptions {
        lang: query.lang,
        k: query.k.unwrap_or(5).clamp(1, MAX_SEARCH_HITS),
        ranking: Ranking::Hybrid,
    };
    let results = tokio::task::spawn_blocking(move || bot.search_knowledge(&query.q, &options))
        .await
        .map_err(ClientError::internal)?
        .map_err(ClientError::internal)?;
    let hits: Vec<Value> = results
        .hits
        .into_iter()
        .map(|hit| {
            json!({"title": hit.title, "heading": hit.heading, "url": hit.url,
                   "text": hit.text, "snippet": hit.snippet})
        })
        .collect();
    Ok(Json(json!({"hits": hits, "confidence": results.confidence})))
}

async fn widget_config(State(app): State<App>) -> Response {
    let mut response = Json(json!({"proactive": app.hub.config.proactive})).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The metrics, for a request with `Authorization: Bearer <[server] metrics_token>`.
async fn metrics(State(app): State<App>, headers: HeaderMap) -> Result<Response, ClientError> {
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

async fn asset(uri: axum::http::Uri) -> Result<Response, ClientError> {
    let asset = relais_web::asset(uri.path())
        .ok_or_else(|| ClientError::not_found(format!("no file {}", uri.path())))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    Ok((headers, asset.body).into_response())
}
