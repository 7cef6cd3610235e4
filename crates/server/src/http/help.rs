//! The help centre under `[help] base_path` (`/help`), rendered by relais-help from the
//! knowledge folder: `/help/` (to a language by `Accept-Language`), `/help/{lang}/`,
//! `/help/{lang}/{id}` and its Markdown copy `{id}.md`, `/help/{lang}/search?q=` (the
//! hybrid retriever), `/help/{lang}/suggest?q=` (JSON, for the search box's suggestions),
//! `POST /help/{lang}/{id}/feedback`, `/help/{lang}/contact` (the form; sent, a conversation
//! for the agents: `crate::hub::contact`), `/help/sitemap.xml`, the page's CSS and script;
//! `/robots.txt` and `/llms.txt` at the root. Articles are looked up by language and id
//! in memory, never as files, so `{id}` cannot reach the disk.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use relais_help::pages::{ContactLimits, Context, MAX_COMMENT_CHARS, MAX_QUERY_CHARS, Sent};
use relais_help::{Found, HelpCentre, Site};
use relais_store::HelpFeedback;
use serde::Deserialize;
use serde_json::json;

use super::App;
use super::extract::ClientAddress;
use crate::hub::contact::{ContactForm, Filed, MAX_NAME_CHARS, MAX_SUBJECT_CHARS, max_form_message};
use crate::limits::address_key;
use crate::error::{ClientError, ErrorCode};

/// Most articles a search page lists, and how many passages are searched for them.
const SEARCH_ARTICLES: usize = 10;
/// Most articles suggested as the visitor types.
const SUGGESTIONS: usize = 5;
/// How long browsers and caches may keep a page, in seconds (an edit shows within it).
const PAGE_MAX_AGE: &str = "public, max-age=300";
const ASSET_MAX_AGE: &str = "public, max-age=3600";

const CSS: &str = include_str!("../../../help/assets/help.css");
const SCRIPT: &str = include_str!("../../../help/assets/help.js");

/// The help centre's routes, for a router of [`App`]s that has `help`.
pub(super) fn routes(base: &str) -> Router<App> {
    Router::new()
        .route(&format!("{base}/"), get(index))
        .route(base, get(index))
        .route(&format!("{base}/sitemap.xml"), get(sitemap))
        .route(&format!("{base}/help.css"), get(|| async { asset("text/css; charset=utf-8", CSS) }))
        .route(&format!("{base}/help.js"), get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route(&format!("{base}/{{lang}}"), get(to_home))
        .route(&format!("{base}/{{lang}}/"), get(home))
        .route(&format!("{base}/{{lang}}/search"), get(search))
        .route(&format!("{base}/{{lang}}/suggest"), get(suggest))
        .route(&format!("{base}/{{lang}}/contact"), get(contact).post(send_contact))
        .route(&format!("{base}/{{lang}}/{{id}}"), get(article))
        .route(&format!("{base}/{{lang}}/{{id}}/feedback"), post(feedback))
        .route("/robots.txt", get(robots))
        .route("/llms.txt", get(llms))
}

fn centre(app: &App) -> &Arc<HelpCentre> {
    app.hub.help.as_ref().expect("the help routes are only mounted with a help centre")
}

/// What a request renders from: the articles as they are now, the settings, the origin.
struct View {
    centre: Arc<HelpCentre>,
    site: Arc<Site>,
    origin: String,
}

impl View {
    fn of(app: &App, headers: &HeaderMap) -> Self {
        let centre = centre(app).clone();
        let origin = origin(&centre, headers);
        Self { site: centre.site(), centre, origin }
    }

    fn context(&self) -> Context<'_> {
        Context { site: &self.site, config: &self.centre.config, origin: &self.origin }
    }

    fn not_found(&self, lang: &str) -> Response {
        page(StatusCode::NOT_FOUND, self.context().not_found(lang))
    }
}

/// `https://example.com`: `[help] public_url`, else `http://` and the request's Host
/// when it is a plain host name or address (with a port), else `http://localhost`.
fn origin(centre: &HelpCentre, headers: &HeaderMap) -> String {
    if let Some(url) = &centre.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Takes one of the address's help requests (`help_requests_per_ip_per_minute`).
fn take_help_request(app: &App, client: IpAddr) -> Result<(), ClientError> {
    app.hub.quotas.help_requests.take(&address_key(client)).map_err(|wait| {
        ClientError::new(ErrorCode::RateLimited, format!("too many help-centre searches or answers from here; try again in {} s", wait.as_secs().max(1)))
    })
}

fn page(status: StatusCode, html: String) -> Response {
    (status, [(header::CACHE_CONTROL, PAGE_MAX_AGE)], Html(html)).into_response()
}

fn text(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, PAGE_MAX_AGE)], body).into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, ASSET_MAX_AGE)], body).into_response()
}

/// `/help/`: to the home page of the language the browser prefers.
async fn index(State(app): State<App>, headers: HeaderMap) -> Response {
    let centre = centre(&app);
    let site = centre.site();
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|h| h.to_str().ok());
    let Some(lang) = site.pick_language(accept, &centre.config.default_lang) else {
        return View::of(&app, &headers).not_found(&centre.config.default_lang);
    };
    let mut response = Redirect::temporary(&format!("{}/{lang}/", centre.config.base_path)).into_response();
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

async fn to_home(State(app): State<App>, Path(lang): Path<String>) -> Redirect {
    Redirect::permanent(&format!("{}/{}/", centre(&app).config.base_path, urlencode(&lang)))
}

async fn home(State(app): State<App>, Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let view = View::of(&app, &headers);
    match view.context().home(&lang) {
        Some(html) => page(StatusCode::OK, html),
        None => view.not_found(&lang),
    }
}

#[derive(Deserialize)]
struct ArticleQuery {
    feedback: Option<String>,
    /// The contact form's visit that suggested this article (help.js adds it).
    visit: Option<String>,
}

/// A visit id as help.js makes them (a UUID); anything else is not counted.
fn visit_id(visit: Option<&str>) -> Option<&str> {
    visit.filter(|v| (8..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
}

/// An article, or its Markdown copy when the id ends in `.md`. Opened from the contact
/// form's suggestions, it counts for the visit's deflection.
async fn article(
    State(app): State<App>,
    Path((lang, id)): Path<(String, String)>,
    Query(query): Query<ArticleQuery>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let view = View::of(&app, &headers);
    let context = view.context();
    if let Some(id) = id.strip_suffix(".md") {
        return match context.markdown(&lang, id) {
            Some(markdown) => text("text/markdown; charset=utf-8", markdown),
            None => view.not_found(&lang),
        };
    }
    let Some(html) = context.article(&lang, &id, query.feedback.as_deref() == Some("thanks")) else {
        return view.not_found(&lang);
    };
    // Counted within the address's help requests, so that a loop cannot make up visits.
    if let Some(visit) = visit_id(query.visit.as_deref())
        && take_help_request(&app, client).is_ok()
        && let Err(error) = app.hub.store.help_suggestion_opened(visit, &lang, &id, app.hub.clock.now_ms()).await
    {
        tracing::warn!("the help centre's deflection could not be recorded: {error}");
    }
    page(StatusCode::OK, html)
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The articles that best answer `q`, one entry per article at its best passage.
async fn find(app: &App, lang: &str, query: &str, articles: usize) -> Result<Vec<Found>, ClientError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ClientError::new(ErrorCode::TooLong, format!("the search is longer than {MAX_QUERY_CHARS} characters; shorten it")));
    }
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let bot = app.hub.bot();
    let (lang, query) = (lang.to_string(), query.to_string());
    tokio::task::spawn_blocking(move || {
        let results = bot.search_knowledge(&query, Some(&lang), articles * 3).map_err(ClientError::internal)?;
        let mut found = Found::from_hits(results.hits, &query, &lang);
        found.truncate(articles);
        Ok(found)
    })
    .await
    .map_err(ClientError::internal)?
}

async fn search(
    State(app): State<App>,
    Path(lang): Path<String>,
    Query(query): Query<SearchQuery>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
) -> Result<Response, ClientError> {
    let view = View::of(&app, &headers);
    if !view.site.has_language(&lang) {
        return Ok(view.not_found(&lang));
    }
    take_help_request(&app, client)?;
    let query_text = query.q.trim();
    let found = find(&app, &lang, query_text, SEARCH_ARTICLES).await?;
    Ok(page(StatusCode::OK, view.context().search(&lang, query_text, &found)))
}

/// `{"articles": [{"id", "title", "url"}]}`: what the search box suggests as one types.
async fn suggest(
    State(app): State<App>,
    Path(lang): Path<String>,
    Query(query): Query<SearchQuery>,
    ClientAddress(client): ClientAddress,
) -> Result<Response, ClientError> {
    if !centre(&app).site().has_language(&lang) {
        return Err(ClientError::not_found(format!("the help centre has no articles in {lang:?}")));
    }
    take_help_request(&app, client)?;
    let base = centre(&app).config.base_path.clone();
    let found = find(&app, &lang, query.q.trim(), SUGGESTIONS).await?;
    let articles: Vec<_> = found
        .into_iter()
        .map(|f| json!({"id": f.id, "title": f.title, "url": format!("{base}/{lang}/{}", f.id)}))
        .collect();
    Ok(axum::Json(json!({"articles": articles})).into_response())
}

#[derive(Deserialize)]
struct FeedbackForm {
    helpful: String,
    #[serde(default)]
    comment: String,
}

/// "Was this article helpful?": stored, then back to the article, which thanks.
async fn feedback(
    State(app): State<App>,
    Path((lang, id)): Path<(String, String)>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, ClientError> {
    let centre = centre(&app);
    if centre.site().page(&lang, &id).is_none() {
        return Ok(View::of(&app, &headers).not_found(&lang));
    }
    take_help_request(&app, client)?;
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(ClientError::bad_frame(format!("helpful is {other:?}: send yes or no"))),
    };
    let comment = form.comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ClientError::new(ErrorCode::TooLong, format!("the comment is longer than {MAX_COMMENT_CHARS} characters; shorten it")));
    }
    let feedback = HelpFeedback {
        lang: lang.clone(),
        article_id: id.clone(),
        helpful,
        comment: (!comment.is_empty()).then(|| comment.to_string()),
        at: app.hub.clock.now_ms(),
    };
    app.hub.store.add_help_feedback(&feedback).await?;
    Ok(Redirect::to(&format!("{}/{lang}/{id}?feedback=thanks#feedback", centre.config.base_path)).into_response())
}

async fn sitemap(State(app): State<App>, headers: HeaderMap) -> Response {
    text("application/xml; charset=utf-8", View::of(&app, &headers).context().sitemap())
}

async fn robots(State(app): State<App>, headers: HeaderMap) -> Response {
    text("text/plain; charset=utf-8", View::of(&app, &headers).context().robots())
}

async fn llms(State(app): State<App>, headers: HeaderMap) -> Response {
    text("text/plain; charset=utf-8", View::of(&app, &headers).context().llms())
}

#[derive(Deserialize)]
struct ContactQuery {
    sent: Option<String>,
}

/// The contact form, or its thanks (`?sent=queued|callback`, where the form sends one).
async fn contact(State(app): State<App>, Path(lang): Path<String>, Query(query): Query<ContactQuery>, headers: HeaderMap) -> Response {
    let view = View::of(&app, &headers);
    let sent = match query.sent.as_deref() {
        Some("queued") => Some(Sent::Queued),
        Some("callback") => Some(Sent::Callback),
        _ => None,
    };
    let limits = ContactLimits { name: MAX_NAME_CHARS, subject: MAX_SUBJECT_CHARS, message: max_form_message(app.hub.config.limits.max_message_chars) };
    match view.context().contact(&lang, sent, limits) {
        Some(html) => page(StatusCode::OK, html),
        None => view.not_found(&lang),
    }
}

#[derive(Deserialize)]
struct ContactFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: String,
    visit: Option<String>,
}

/// The contact form sent: a conversation queued for the agents, or a callback request
/// when none is available (see `crate::hub::contact`); then the thanks.
async fn send_contact(
    State(app): State<App>,
    Path(lang): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(fields): Form<ContactFields>,
) -> Result<Response, ClientError> {
    let view = View::of(&app, &headers);
    if !view.site.has_language(&lang) {
        return Ok(view.not_found(&lang));
    }
    let form = ContactForm {
        lang: lang.clone(),
        name: fields.name,
        email: fields.email,
        subject: fields.subject,
        message: fields.message,
        page: format!("{}{}/{lang}/contact", view.origin, view.centre.config.base_path),
    };
    let filed = app.hub.file_contact(client, form).await?;
    // The form is filed: a failure to count the visit must not make the visitor send it again.
    if let Some(visit) = visit_id(fields.visit.as_deref())
        && let Err(error) = app.hub.store.help_form_sent(visit, &lang, app.hub.clock.now_ms()).await
    {
        tracing::warn!("the help centre's deflection could not be recorded: {error}");
    }
    let sent = match filed {
        Filed::Queued => "queued",
        Filed::Callback => "callback",
    };
    Ok(Redirect::to(&format!("{}/{lang}/contact?sent={sent}", view.centre.config.base_path)).into_response())
}

/// A path segment made safe to put back in a Location header.
fn urlencode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
