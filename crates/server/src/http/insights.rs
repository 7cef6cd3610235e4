//! `GET /v1/insights/…`, admins only: the figures of docs/metrics.md over the
//! conversations started in `[from, to)` (of one language with `lang`, one channel with
//! `channel`): the summary, the breakdowns (intents, articles, agents, languages, pages,
//! days), the knowledge gaps, the conversations behind one count (of one breakdown row
//! with `intent`, `article`, `agent`, `page` or `day`), and one CSV row per conversation;
//! and the help centre's article feedback, given in the window.
//! Each request reads the window's tallies (`relais_insights::Cohort::load`), one row
//! per conversation.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use relais_insights::{
    AgentRow, ArticleRow, Cohort, DayRow, Figure, IntentRow, LanguageRow, NearestArticle, PageRow, Slice,
    Summary, Topic, Window,
};
use serde::Deserialize;
use serde_json::Value;

use super::App;
use super::extract::{Admin, PageQuery, language_filter, paged};
use crate::error::ClientError;

/// Most topics `GET /v1/insights/gaps` lists.
const MAX_TOPICS: usize = 50;

/// `?from=&to=[&lang=][&channel=]`.
#[derive(Deserialize)]
pub(super) struct Frame {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
    channel: Option<String>,
}

/// `?figure=` and at most one breakdown row: `intent`, `article`, `agent`, `page`, `day`.
#[derive(Deserialize)]
pub(super) struct DrillDown {
    figure: Option<String>,
    intent: Option<String>,
    article: Option<String>,
    agent: Option<String>,
    page: Option<String>,
    day: Option<String>,
}

/// `?interval=day`.
#[derive(Deserialize)]
pub(super) struct Interval {
    interval: Option<String>,
}

impl Frame {
    fn window(&self) -> Result<Window, ClientError> {
        let (Some(from), Some(to)) = (&self.from, &self.to) else {
            return Err(ClientError::bad_frame(
                "send from and to, RFC 3339 in UTC such as ?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
            ));
        };
        Window::parse(from, to).map_err(|error| ClientError::bad_frame(error.to_string()))
    }

    /// Reads the window's conversations (of the language and channel asked for) and
    /// computes `figures` of them, both on a blocking thread: decoding 100,000 tallies and
    /// adding them up is a few hundred ms of CPU, which must not hold a runtime thread
    /// that every socket shares.
    async fn figures<T: Send + 'static>(
        &self,
        app: &App,
        figures: impl FnOnce(Cohort) -> T + Send + 'static,
    ) -> Result<T, ClientError> {
        let window = self.window()?;
        let (store, config) = (app.hub.store.clone(), app.insights.clone());
        let (lang, channel) = (language_filter(self.lang.as_deref())?, self.channel.clone());
        let now = crate::now_ms();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let cohort = runtime.block_on(Cohort::load(&store, window, &config, now))?;
            Ok(figures(cohort.in_language(lang.as_deref()).in_channel(channel.as_deref())))
        })
        .await
        .map_err(ClientError::internal)?
    }
}

impl DrillDown {
    fn slice(&self) -> Result<Slice, ClientError> {
        let rows = [
            self.intent.clone().map(Slice::Intent),
            self.article.clone().map(Slice::Article),
            self.agent.clone().map(Slice::Agent),
            self.page.clone().map(Slice::Page),
            self.day.clone().map(Slice::Day),
        ];
        if let Some(day) = &self.day
            && (day.len() != 10 || Window::parse(day, day).is_err())
        {
            return Err(ClientError::bad_frame(format!("day {day:?} is not a date: send YYYY-MM-DD, such as 2026-11-01")));
        }
        let mut given = rows.into_iter().flatten();
        match (given.next(), given.next()) {
            (None, _) => Ok(Slice::All),
            (Some(slice), None) => Ok(slice),
            (Some(_), Some(_)) => Err(ClientError::bad_frame(
                "send at most one of intent, article, agent, page and day",
            )),
        }
    }
}

/// Every figure over the window.
pub(super) async fn summary(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Summary>, ClientError> {
    let config = app.insights.clone();
    Ok(Json(frame.figures(&app, move |cohort| cohort.summary(&config)).await?))
}

/// Per intent the bot answered, the most answered first.
pub(super) async fn intents(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<IntentRow>>, ClientError> {
    Ok(Json(frame.figures(&app, |cohort| cohort.intents()).await?))
}

/// Per article the bot cited, the most shown first.
pub(super) async fn articles(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<ArticleRow>>, ClientError> {
    Ok(Json(frame.figures(&app, |cohort| cohort.articles()).await?))
}

/// The help centre in the window: the "Was this article helpful?" answers given, per
/// article, the most answers first, with the latest comments; and the contact form's
/// deflection (docs/metrics.md).
pub(super) async fn help(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<serde_json::Value>, ClientError> {
    let window = frame.window()?;
    let articles = app.hub.store.help_feedback(window.from, window.to).await?;
    let deflection = app.hub.store.help_deflection(window.from, window.to).await?;
    let contacted = deflection.deflected + deflection.forms_sent;
    let rate = (contacted > 0).then(|| deflection.deflected as f64 / contacted as f64);
    Ok(Json(serde_json::json!({
        "articles": articles,
        "deflection": {
            "suggestions_opened": deflection.suggestions_opened,
            "deflected": deflection.deflected,
            "forms_sent": deflection.forms_sent,
            "deflection_rate": rate,
        },
    })))
}

/// Conversations per channel in the window, the most first, and the contacts who
/// switched channel: with a conversation in the window and another on another channel
/// started less than 7 days before or after it (docs/metrics.md).
pub(super) async fn channels(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<serde_json::Value>, ClientError> {
    let window = frame.window()?;
    let counts = app.hub.store.channel_counts(window.from, window.to).await?;
    let channels: Vec<serde_json::Value> = counts
        .conversations
        .iter()
        .map(|(channel, conversations)| serde_json::json!({"channel": channel, "conversations": conversations}))
        .collect();
    let rate = (counts.contacts > 0).then(|| counts.switching_contacts as f64 / counts.contacts as f64);
    Ok(Json(serde_json::json!({
        "channels": channels,
        "contacts": counts.contacts,
        "switching_contacts": counts.switching_contacts,
        "switch_rate": rate,
    })))
}

/// Per agent, the most conversations first.
pub(super) async fn agents(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<AgentRow>>, ClientError> {
    Ok(Json(frame.figures(&app, |cohort| cohort.agents()).await?))
}

/// Per language, the most conversations first.
pub(super) async fn languages(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<LanguageRow>>, ClientError> {
    Ok(Json(frame.figures(&app, |cohort| cohort.languages()).await?))
}

/// Per page where chats start, the most conversations first.
pub(super) async fn pages(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<PageRow>>, ClientError> {
    Ok(Json(frame.figures(&app, |cohort| cohort.pages()).await?))
}

/// Per day of the window (UTC), in order; `interval=day` is the only interval.
pub(super) async fn timeseries(
    State(app): State<App>,
    _: Admin,
    Query(frame): Query<Frame>,
    Query(interval): Query<Interval>,
) -> Result<Json<Vec<DayRow>>, ClientError> {
    match interval.interval.as_deref() {
        None | Some("day") => Ok(Json(frame.figures(&app, |cohort| cohort.days()).await?)),
        Some(other) => Err(ClientError::bad_frame(format!("interval {other:?} is not known; send interval=day"))),
    }
}

/// The knowledge gaps: messages the bot could not serve, grouped into topics, the
/// largest first, each with the article the knowledge search finds nearest.
pub(super) async fn gaps(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Json<Vec<Topic>>, ClientError> {
    let wanted = frame.figures(&app, |cohort| cohort.gap_messages()).await?;
    let bot = app.hub.bot();
    let encoder = bot.encoder();
    let messages = relais_insights::read_gap_messages(&app.hub.store, wanted, encoder.short_fingerprint(), encoder.dim()).await?;
    let topics = tokio::task::spawn_blocking(move || {
        let chance = bot.chance_similarity();
        let mut topics = relais_insights::topics(messages, MAX_TOPICS, |cosine, lang| chance.relative(cosine, lang));
        for topic in &mut topics {
            let lang = topic.samples.first().and_then(|s| s.lang.clone());
            let results = bot.search_knowledge(&topic.topic, lang.as_deref(), 1)?;
            topic.nearest_article = results.hits.into_iter().next().map(|hit| NearestArticle {
                id: hit.url.unwrap_or(hit.article_id),
                title: hit.title,
                score: results.confidence,
            });
        }
        Ok::<_, relais_assistant::Error>(topics)
    })
    .await
    .map_err(ClientError::internal)?
    .map_err(ClientError::internal)?;
    Ok(Json(topics))
}

/// A page of the conversations one count figure counts (in one breakdown row, if
/// asked), ordered by start.
pub(super) async fn conversations(
    State(app): State<App>,
    _: Admin,
    Query(frame): Query<Frame>,
    Query(drill): Query<DrillDown>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ClientError> {
    let name = drill.figure.as_deref().unwrap_or_default();
    let figure = Figure::parse(name).map_err(|error| ClientError::bad_frame(error.to_string()))?;
    let slice = drill.slice()?;
    let page = page.page();
    let (rows, total) = frame
        .figures(&app, move |cohort| {
            let listed = cohort.conversations(figure, &slice);
            let rows: Result<Vec<Value>, _> = listed
                .iter()
                .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
                .take(page.limit as usize)
                .map(serde_json::to_value)
                .collect();
            (rows, listed.len() as u64)
        })
        .await?;
    Ok(paged(rows.map_err(ClientError::internal)?, total))
}

/// One CSV row per conversation started in the window.
pub(super) async fn csv(State(app): State<App>, _: Admin, Query(frame): Query<Frame>) -> Result<Response, ClientError> {
    let csv = frame.figures(&app, |cohort| cohort.csv()).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"relais-conversations.csv\""),
    ];
    Ok((headers, csv).into_response())
}
