//! HTTP routes, one file per resource: the two sockets, login and logout, the team
//! (admins only), the console's read endpoints (paged, with the true count in `X-Total-Count`),
//! the insights, the review inbox, the threshold advisor and reloads (admins only), health,
//! metrics (behind a token), the channels' webhooks and REST API, the widget and console
//! files, the help centre, and the site folder at `/`.
//! Handlers take what they need through extractors (`extract`: the signed-in agent or
//! admin, the client's address, a page) and answer errors as `ClientError`s, whose code sets
//! the status. Every response carries the security headers.

mod advisor;
mod agents;
mod assets;
mod auth;
mod callbacks;
mod channels;
mod conversations;
mod extract;
mod help;
mod insights;
mod knowledge;
mod reload;
mod review;
mod sockets;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use relais_insights::InsightsConfig;
use tower_http::services::ServeDir;

use crate::hub::Hub;

/// Where pages of this server may load from and be framed: only itself. Inline styles
/// are allowed (the widget styles its Shadow DOM), inline scripts are not.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What every handler can reach.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) hub: Arc<Hub>,
    /// `[insights]`: when quiet conversations count as resolved, the ROI costs.
    pub(crate) insights: Arc<InsightsConfig>,
}

/// Every route of the server.
pub fn router(hub: Arc<Hub>, insights: Arc<InsightsConfig>) -> Router {
    let site = hub.config.site_dir.clone();
    let help_routes = hub.help.as_ref().map(|centre| help::routes(&centre.config.base_path));
    let app = App { hub, insights };
    let router = Router::new()
        .route("/v1/ws", get(sockets::visitor_socket))
        .route("/v1/agent/ws", get(sockets::agent_socket))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/agents", get(agents::agents))
        .route("/v1/agents/reviewer", post(agents::reviewer))
        .route("/v1/agents/disable", post(agents::disable))
        .route("/v1/conversations", get(conversations::conversations))
        .route("/v1/conversations/{id}/events", get(conversations::events))
        .route("/v1/callbacks", get(callbacks::callbacks))
        .route("/v1/channels/twilio", post(channels::twilio_message))
        .route("/v1/channels/twilio/status", post(channels::twilio_status))
        .route("/v1/channels/whatsapp", get(channels::whatsapp_verify).post(channels::whatsapp_notify))
        .route("/v1/channels/rest/messages", post(channels::rest_message))
        .route("/v1/insights/summary", get(insights::summary))
        .route("/v1/insights/intents", get(insights::intents))
        .route("/v1/insights/agents", get(insights::agents))
        .route("/v1/insights/articles", get(insights::articles))
        .route("/v1/insights/languages", get(insights::languages))
        .route("/v1/insights/pages", get(insights::pages))
        .route("/v1/insights/timeseries", get(insights::timeseries))
        .route("/v1/insights/gaps", get(insights::gaps))
        .route("/v1/insights/help", get(insights::help))
        .route("/v1/insights/channels", get(insights::channels))
        .route("/v1/insights/conversations", get(insights::conversations))
        .route("/v1/insights/conversations.csv", get(insights::csv))
        .route("/v1/review", get(review::inbox))
        .route("/v1/advisor", get(advisor::advice))
        .route("/v1/advisor/apply", post(advisor::apply))
        .route("/v1/admin/reload", get(reload::status).post(reload::start))
        .route("/v1/review/{turn_id}/label", post(review::label))
        .route("/v1/knowledge/search", get(knowledge::knowledge_search))
        .route("/v1/widget/config", get(assets::widget_config))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(assets::metrics))
        .route("/widget.js", get(assets::asset))
        .route("/console", get(assets::asset))
        .route("/console/", get(assets::asset))
        .route("/console/{*file}", get(assets::asset));
    let router = match help_routes {
        Some(routes) => router.merge(routes),
        None => router,
    };
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
