//! HTTP routes: the two sockets, login, the console's read endpoints, health, metrics,
//! the widget and console files, and the site folder at `/`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use relais_knowledge::{Ranking, SearchOptions};
use relais_store::{Agent, ConversationState as Stage};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::services::ServeDir;

use crate::error::ClientError;
use crate::hub::Hub;
use crate::limits::SocketsPerIp;

/// Most conversations listed by `GET /v1/conversations`.
const LIST_LIMIT: u32 = 200;
/// Initial read buffer of a socket (grows for larger frames): visitors mostly send a few
/// hundred bytes, and tungstenite's 128 KiB default costs 1.3 GB per 10,000 idle sockets.
const SOCKET_READ_BUFFER: usize = 4096;
/// Most hits of an agent's knowledge search.
const MAX_SEARCH_HITS: usize = 10;

#[derive(Clone)]
struct App {
    hub: Arc<Hub>,
    sockets: Arc<SocketsPerIp>,
}

/// Every route of the server.
pub fn router(hub: Arc<Hub>) -> Router {
    let site = hub.config.site_dir.clone();
    let app = App {
        hub,
        sockets: Arc::new(SocketsPerIp::default()),
    };
    let router = Router::new()
        .route("/v1/ws", get(visitor_socket))
        .route("/v1/agent/ws", get(agent_socket))
        .route("/v1/auth/login", post(login))
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
    router.with_state(app)
}

fn client_error(status: StatusCode, error: ClientError) -> Response {
    let body = json!({"error": {"code": error.code, "message": error.message}});
    (status, Json(body)).into_response()
}

async fn visitor_socket(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let config = &app.hub.config;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !config.origin_allowed(origin) {
        return client_error(
            StatusCode::FORBIDDEN,
            ClientError::new(
                "forbidden_origin",
                format!("origin {} is not in [server] allowed_origins", origin.unwrap_or("")),
            ),
        );
    }
    let Some(permit) = app.sockets.acquire(peer.ip(), config.limits.sockets_per_ip) else {
        return client_error(
            StatusCode::TOO_MANY_REQUESTS,
            ClientError::new(
                "too_many_sockets",
                format!(
                    "{} already has {} sockets open, the limit per address",
                    peer.ip(),
                    config.limits.sockets_per_ip
                ),
            ),
        );
    };
    let hard_limit = config.limits.max_frame_bytes.saturating_mul(4);
    let hub = app.hub.clone();
    upgrade
        .read_buffer_size(SOCKET_READ_BUFFER)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| crate::visitor::serve(hub, socket, permit))
}

async fn agent_socket(State(app): State<App>, upgrade: WebSocketUpgrade) -> Response {
    let hard_limit = app.hub.config.limits.max_frame_bytes.saturating_mul(4);
    upgrade
        .read_buffer_size(SOCKET_READ_BUFFER)
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| crate::agent::serve(app.hub, socket))
}

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

async fn login(State(app): State<App>, body: Result<Json<Login>, axum::extract::rejection::JsonRejection>) -> Response {
    let Ok(Json(login)) = body else {
        return client_error(
            StatusCode::BAD_REQUEST,
            ClientError::bad_frame("send JSON {\"email\": …, \"password\": …}"),
        );
    };
    let store = &app.hub.store;
    let agent = match store.verify_password(&login.email, &login.password).await {
        Ok(Some(agent)) => agent,
        Ok(None) => {
            return client_error(
                StatusCode::UNAUTHORIZED,
                ClientError::unauthorized("wrong email or password"),
            );
        }
        Err(error) => return client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into()),
    };
    let ttl = Duration::from_secs(app.hub.config.session_hours.saturating_mul(3600));
    let now = crate::now_ms();
    match store.create_session(agent.id, ttl, now).await {
        Ok(token) => Json(json!({
            "token": token,
            "expires_at": crate::wire::rfc3339(now + ttl.as_millis() as i64),
            "agent": {"id": agent.id, "name": agent.name, "role": agent.role.as_str()},
        }))
        .into_response(),
        Err(error) => client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into()),
    }
}

/// The agent behind the request's `Authorization: Bearer` token.
async fn signed_in(app: &App, headers: &HeaderMap) -> Result<Agent, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let unauthorized = || {
        client_error(
            StatusCode::UNAUTHORIZED,
            ClientError::unauthorized("send Authorization: Bearer <token from POST /v1/auth/login>"),
        )
    };
    let Some(token) = token else {
        return Err(unauthorized());
    };
    match app.hub.store.agent_for_token(token, crate::now_ms()).await {
        Ok(Some(agent)) => Ok(agent),
        Ok(None) => Err(unauthorized()),
        Err(error) => Err(client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into())),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
}

async fn conversations(State(app): State<App>, headers: HeaderMap, Query(query): Query<ListQuery>) -> Response {
    if let Err(response) = signed_in(&app, &headers).await {
        return response;
    }
    let state = match query.state.as_deref() {
        None => None,
        Some("open") => Some(Stage::Open),
        Some("queued") => Some(Stage::Queued),
        Some("agent") => Some(Stage::Agent),
        Some("closed") => Some(Stage::Closed),
        Some(other) => {
            return client_error(
                StatusCode::BAD_REQUEST,
                ClientError::bad_frame(format!("state {other:?} is not one of open, queued, agent, closed")),
            );
        }
    };
    match app.hub.store.conversations(state, LIST_LIMIT).await {
        Ok(list) => {
            let list: Vec<Value> = list
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
            Json(list).into_response()
        }
        Err(error) => client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into()),
    }
}

async fn events(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(response) = signed_in(&app, &headers).await {
        return response;
    }
    match app.hub.store.events_after(&id, 0).await {
        Ok(events) if events.is_empty() => client_error(
            StatusCode::NOT_FOUND,
            ClientError::not_found(format!("no conversation {id}")),
        ),
        Ok(events) => {
            let list: Vec<Value> = events
                .into_iter()
                .map(|stored| {
                    let mut value = serde_json::to_value(&stored.event).unwrap_or(Value::Null);
                    value["seq"] = stored.seq.into();
                    value
                })
                .collect();
            Json(list).into_response()
        }
        Err(error) => client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into()),
    }
}

async fn callbacks(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(response) = signed_in(&app, &headers).await {
        return response;
    }
    match app.hub.store.callback_requests().await {
        Ok(requests) => {
            let list: Vec<Value> = requests
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
            Json(list).into_response()
        }
        Err(error) => client_error(StatusCode::INTERNAL_SERVER_ERROR, error.into()),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
    lang: Option<String>,
    k: Option<usize>,
}

async fn knowledge_search(State(app): State<App>, headers: HeaderMap, Query(query): Query<SearchQuery>) -> Response {
    if let Err(response) = signed_in(&app, &headers).await {
        return response;
    }
    if query.q.chars().count() > app.hub.config.limits.max_message_chars {
        return client_error(
            StatusCode::BAD_REQUEST,
            ClientError::new("too_long", "the query is longer than a message may be"),
        );
    }
    let bot = app.hub.bot.clone();
    let options = SearchOptions {
        lang: query.lang,
        k: query.k.unwrap_or(5).clamp(1, MAX_SEARCH_HITS),
        ranking: Ranking::Hybrid,
    };
    let found = tokio::task::spawn_blocking(move || {
        bot.knowledge().search(bot.encoder(), &query.q, &options)
    })
    .await;
    match found {
        Ok(Ok(results)) => {
            let hits: Vec<Value> = results
                .hits
                .into_iter()
                .map(|hit| {
                    json!({"title": hit.title, "heading": hit.heading, "url": hit.url,
                           "text": hit.text, "snippet": hit.snippet})
                })
                .collect();
            Json(json!({"hits": hits, "confidence": results.confidence})).into_response()
        }
        Ok(Err(error)) => client_error(StatusCode::INTERNAL_SERVER_ERROR, ClientError::internal(error)),
        Err(error) => client_error(StatusCode::INTERNAL_SERVER_ERROR, ClientError::internal(error)),
    }
}

async fn widget_config(State(app): State<App>) -> Response {
    let mut response = Json(json!({"proactive": app.hub.config.proactive})).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn metrics(State(app): State<App>) -> Response {
    let mut response = app.hub.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn asset(uri: axum::http::Uri) -> Response {
    match relais_web::asset(uri.path()) {
        Some(asset) => {
            let mut response = asset.body.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        None => client_error(
            StatusCode::NOT_FOUND,
            ClientError::not_found(format!("no file {}", uri.path())),
        ),
    }
}
