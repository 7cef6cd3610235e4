//! The bot's turns to review, their labels and flags (migrations 0006, 0007): the improvement loop's
//! inbox. A review turn is a visitor's typed message the bot handled — what the classifier
//! predicted, with its three best intents and their probabilities, and what the bot did —
//! folded from the log ([`fold_turns`]) by the transaction that appends the events, so the
//! inbox lists the newest turns of a window without reading conversations. A label says
//! what the turn should have been; labels are rows of their own, appended, never changing
//! the conversation's log: the latest is the turn's label. A flag is an agent saying, from
//! a conversation they hold, that the bot got a turn wrong; flags too are rows of their
//! own. docs/review.md defines the kinds of turn the inbox filters on.

use std::collections::BTreeMap;

use relais_dialogue::{EventKind, FallbackStage, IntentScore, ReasonCode, Source};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Backend, Db, Error, Result, Store, StoredEvent};

/// The intents of the classifier's ranking kept with a turn.
pub const RANKING_KEPT: usize = 3;

/// What the classifier said of a turn's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub intent: String,
    pub confidence: f32,
    /// The best intents first, at most [`RANKING_KEPT`].
    pub ranking: Vec<IntentScore>,
    pub oos: bool,
    pub ambiguous: bool,
}

/// A visitor's typed message the bot handled, and what the bot did with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewTurn {
    pub conversation_id: String,
    /// The `seq` of the visitor message.
    pub seq: u64,
    pub at: i64,
    /// The conversation's language once the turn was handled.
    pub lang: Option<String>,
    pub text: String,
    pub prediction: Prediction,
    /// The intent the bot answered.
    pub answered_intent: Option<String>,
    /// The first article the bot showed.
    pub article: Option<Source>,
    /// The furthest step of the fallback ladder the turn reached.
    pub fallback: Option<FallbackStage>,
    /// Why the turn handed the conversation to a person.
    pub escalation_reason: Option<ReasonCode>,
    /// The latest "Was this useful?" on one of its answers was 👎.
    pub rated_unhelpful: bool,
    /// … was 👍: a weaker confirmation than a label, which the advisor keeps apart.
    #[serde(default)]
    pub rated_helpful: bool,
}

impl ReviewTurn {
    /// The bot answered: an intent, or an article.
    pub fn answered(&self) -> bool {
        self.answered_intent.is_some() || self.article.is_some()
    }

    fn apply(&mut self, kind: &EventKind) {
        match kind {
            EventKind::BotMessage { intent, sources, .. } => {
                if self.answered_intent.is_none() {
                    self.answered_intent.clone_from(intent);
                }
                if self.article.is_none() {
                    self.article = sources.first().cloned();
                }
            }
            EventKind::KnowledgeShown { articles, .. } if self.article.is_none() => {
                self.article = articles.first().cloned();
            }
            EventKind::Fallback { stage } => self.fallback = Some(*stage),
            EventKind::HandoffRequested { reason, .. } => {
                self.escalation_reason.get_or_insert(*reason);
            }
            _ => {}
        }
    }
}

/// The review turns of `events` (a conversation's log from a visitor message on, in `seq`
/// order): each typed message the classifier read, with what followed it up to the next
/// visitor input, and a 👎 on one of its answers (the latest rating of an answer wins). A
/// message that answered a form's question (a slot filled, no form started) is no turn:
/// the classifier's reading of it did not count, and it may hold personal data.
/// `lang` is the conversation's language before the first event.
pub(crate) fn fold_turns(conversation_id: &str, events: &[StoredEvent], mut lang: Option<String>) -> Vec<ReviewTurn> {
    struct Open {
        seq: u64,
        at: i64,
        text: String,
        prediction: Option<Prediction>,
        answers: Vec<u64>,
        /// A slot was filled and no form started: the message answered a form's
        /// question, whatever the classifier said of it.
        slot_answer: bool,
        form_started: bool,
    }
    let mut turns: Vec<ReviewTurn> = Vec::new();
    // The answers (bot message seqs) of each turn, to find the turn a rating is about.
    let mut answers: Vec<(u64, usize)> = Vec::new();
    let mut open: Option<(Open, Vec<&EventKind>)> = None;
    let close = |open: Option<(Open, Vec<&EventKind>)>, lang: &Option<String>, turns: &mut Vec<ReviewTurn>, answers: &mut Vec<(u64, usize)>| {
        let Some((open, kinds)) = open else { return };
        if open.slot_answer && !open.form_started {
            return;
        }
        let Some(prediction) = open.prediction else { return };
        let mut turn = ReviewTurn {
            conversation_id: conversation_id.to_owned(),
            seq: open.seq,
            at: open.at,
            lang: lang.clone(),
            text: open.text,
            prediction,
            answered_intent: None,
            article: None,
            fallback: None,
            escalation_reason: None,
            rated_unhelpful: false,
            rated_helpful: false,
        };
        for kind in kinds {
            turn.apply(kind);
        }
        answers.extend(open.answers.into_iter().map(|seq| (seq, turns.len())));
        turns.push(turn);
    };
    for stored in events {
        match &stored.event.kind {
            EventKind::Started { lang: started, .. } => lang.clone_from(started),
            EventKind::LanguageSet { lang: set } => lang = Some(set.clone()),
            EventKind::VisitorMessage { text, .. } => {
                close(open.take(), &lang, &mut turns, &mut answers);
                open = Some((
                    Open {
                        seq: stored.seq,
                        at: stored.event.at,
                        text: text.clone(),
                        prediction: None,
                        answers: Vec::new(),
                        slot_answer: false,
                        form_started: false,
                    },
                    Vec::new(),
                ));
            }
            // A pressed suggestion is the bot's own words, not a message to review.
            EventKind::QuickReplyPressed { .. } => close(open.take(), &lang, &mut turns, &mut answers),
            EventKind::IntentPredicted {
                intent,
                confidence,
                ranking,
                oos,
                ambiguous,
            } => {
                if let Some((turn, _)) = &mut open
                    && turn.prediction.is_none()
                {
                    turn.prediction = Some(Prediction {
                        intent: intent.clone(),
                        confidence: *confidence,
                        ranking: ranking.iter().take(RANKING_KEPT).cloned().collect(),
                        oos: *oos,
                        ambiguous: *ambiguous,
                    });
                }
            }
            EventKind::Feedback { seq, helpful } => {
                close(open.take(), &lang, &mut turns, &mut answers);
                if let Some(&(_, index)) = answers.iter().find(|(answer, _)| answer == seq) {
                    turns[index].rated_unhelpful = !helpful;
                    turns[index].rated_helpful = *helpful;
                }
            }
            EventKind::SlotSet { .. } => {
                if let Some((turn, _)) = &mut open {
                    turn.slot_answer = true;
                }
            }
            EventKind::FormStarted { .. } => {
                if let Some((turn, _)) = &mut open {
                    turn.form_started = true;
                }
            }
            kind @ (EventKind::BotMessage { .. }
            | EventKind::KnowledgeShown { .. }
            | EventKind::Fallback { .. }
            | EventKind::HandoffRequested { .. }) => {
                if let Some((turn, kinds)) = &mut open {
                    // Only an answer can be rated (as the tally counts them).
                    if let EventKind::BotMessage { intent, sources, .. } = kind
                        && (intent.is_some() || !sources.is_empty())
                    {
                        turn.answers.push(stored.seq);
                    }
                    kinds.push(kind);
                }
            }
            _ => {}
        }
    }
    close(open, &lang, &mut turns, &mut answers);
    turns
}

/// Writes `turns` over the rows of the same messages (a row keeps its id, so its labels).
pub(crate) async fn save_turns(tx: &mut sqlx::Transaction<'static, Db>, turns: &[ReviewTurn]) -> Result<()> {
    for turn in turns {
        let detail = serde_json::to_string(turn).map_err(|e| Error::encode("a review turn", e))?;
        sqlx::query(
            "INSERT INTO review_turns \
             (conversation_id, seq, at, confidence, oos, ambiguous, answered, escalation_reason, rated_unhelpful, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (conversation_id, seq) DO UPDATE SET at = excluded.at, confidence = excluded.confidence, \
             oos = excluded.oos, ambiguous = excluded.ambiguous, answered = excluded.answered, \
             escalation_reason = excluded.escalation_reason, rated_unhelpful = excluded.rated_unhelpful, \
             detail = excluded.detail",
        )
        .bind(&turn.conversation_id)
        .bind(i64::try_from(turn.seq).map_err(|e| Error::corrupt("review_turns.seq", e))?)
        .bind(turn.at)
        .bind(turn.prediction.confidence)
        .bind(turn.prediction.oos)
        .bind(turn.prediction.ambiguous)
        .bind(turn.answered())
        .bind(turn.escalation_reason.map(ReasonCode::as_str))
        .bind(turn.rated_unhelpful)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Which turns the review inbox lists (docs/review.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// In scope, not ambiguous, confidence below the threshold in force.
    LowConfidence,
    /// The two best intents were too close.
    Ambiguous,
    /// The classifier judged the message out of scope.
    OutOfScope,
    /// The bot answered neither with an intent nor with an article.
    NoArticle,
    /// The latest rating of one of its answers was 👎.
    RatedUnhelpful,
    /// It handed the conversation to a person for low confidence, no resolution or no
    /// article found.
    Escalated,
    /// An agent flagged it from a conversation they held: the bot got it wrong.
    Flagged,
}

impl ReviewKind {
    /// Every kind, in the order of the docs.
    pub const ALL: [ReviewKind; 7] = [
        ReviewKind::LowConfidence,
        ReviewKind::Ambiguous,
        ReviewKind::OutOfScope,
        ReviewKind::NoArticle,
        ReviewKind::RatedUnhelpful,
        ReviewKind::Escalated,
        ReviewKind::Flagged,
    ];

    /// The snake_case name, as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::LowConfidence => "low_confidence",
            ReviewKind::Ambiguous => "ambiguous",
            ReviewKind::OutOfScope => "out_of_scope",
            ReviewKind::NoArticle => "no_article",
            ReviewKind::RatedUnhelpful => "rated_unhelpful",
            ReviewKind::Escalated => "escalated",
            ReviewKind::Flagged => "flagged",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The SQL condition on a `review_turns` row `t`; `$5` is the global confidence
    /// threshold, `$7` the intents' own (a JSON object).
    fn condition(self, backend: Backend) -> &'static str {
        match self {
            ReviewKind::LowConfidence => match backend {
                Backend::Sqlite => {
                    "NOT oos AND NOT ambiguous AND confidence < coalesce(\
                     (SELECT value FROM json_each($7) WHERE key = json_extract(t.detail, '$.prediction.intent')), $5)"
                }
                Backend::Postgres => {
                    "NOT oos AND NOT ambiguous AND confidence < coalesce(CAST(CAST($7 AS jsonb) \
                     ->> (CAST(t.detail AS jsonb) #>> '{prediction,intent}') AS DOUBLE PRECISION), $5)"
                }
            },
            ReviewKind::Ambiguous => "ambiguous",
            ReviewKind::OutOfScope => "oos",
            ReviewKind::NoArticle => "NOT answered",
            ReviewKind::RatedUnhelpful => "rated_unhelpful",
            ReviewKind::Escalated => {
                "escalation_reason IN ('low_confidence', 'no_resolution', 'knowledge_not_found')"
            }
            ReviewKind::Flagged => "EXISTS (SELECT 1 FROM review_flags WHERE turn_id = t.id)",
        }
    }
}

/// What a reviewer says a turn should have been.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// An intent's name, `oos`, `needs_article` or `confirm`.
    pub label: String,
    /// The email of the reviewer.
    pub by: String,
    /// When, ms since the epoch.
    pub at: i64,
}

/// Agents' flags on a turn: the latest, and how many agents flagged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flagged {
    /// The email of the agent who flagged it last.
    pub by: String,
    /// When, ms since the epoch.
    pub at: i64,
    /// The agents who flagged it (each counts once, however often they flagged it).
    pub times: u32,
}

/// A review turn as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedTurn {
    /// The turn's id in the API.
    pub id: i64,
    #[serde(flatten)]
    pub turn: ReviewTurn,
    /// Its latest label.
    pub label: Option<Label>,
    /// Its flags, if an agent flagged it.
    pub flagged: Option<Flagged>,
}

/// Which turns to list: started in `[from, to)`, of `kind` (all with `None`), older than
/// `before` (the position of the last turn of the previous page), newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewQuery {
    pub from: i64,
    pub to: i64,
    pub kind: Option<ReviewKind>,
    /// The confidence under which a turn is `low_confidence`: the intent's own, else the
    /// global one.
    pub threshold: f32,
    /// The intents with a threshold of their own, and it.
    pub own_thresholds: BTreeMap<String, f32>,
    /// `(at, id)` of the last turn already listed.
    pub before: Option<(i64, i64)>,
    pub limit: u32,
}

/// A review turn with its latest label and who gave it, and its latest flag, as
/// [`listed`] reads it.
const LISTED: &str = "SELECT t.id, t.detail, l.label, a.email, l.at AS labelled_at, \
     f.at AS flagged_at, fa.email AS flagged_by, \
     (SELECT count(*) FROM review_flags WHERE turn_id = t.id) AS flags FROM review_turns t \
     LEFT JOIN review_labels l ON l.id = (SELECT max(id) FROM review_labels WHERE turn_id = t.id) \
     LEFT JOIN agents a ON a.id = l.agent_id \
     LEFT JOIN review_flags f ON f.id = \
     (SELECT id FROM review_flags WHERE turn_id = t.id ORDER BY at DESC, id DESC LIMIT 1) \
     LEFT JOIN agents fa ON fa.id = f.agent_id";

impl Store {
    /// A page of the turns `query` asks for, newest first.
    pub async fn review_turns(&self, query: &ReviewQuery) -> Result<Vec<ListedTurn>> {
        let condition = query.kind.map_or("1 = 1", |kind| kind.condition(self.backend));
        let sql = sqlx::AssertSqlSafe(format!(
            "{LISTED} WHERE t.at >= $1 AND t.at < $2 AND (t.at, t.id) < ($3, $4) AND {condition} \
             ORDER BY t.at DESC, t.id DESC LIMIT $6"
        ));
        let (before_at, before_id) = query.before.unwrap_or((i64::MAX, i64::MAX));
        let rows = sqlx::query(sql)
            .bind(query.from)
            .bind(query.to)
            .bind(before_at)
            .bind(before_id)
            .bind(query.threshold)
            .bind(i64::from(query.limit))
            .bind(own_thresholds(&query.own_thresholds)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(listed).collect()
    }

    /// The turn `id`, if there is one.
    pub async fn review_turn(&self, id: i64) -> Result<Option<ListedTurn>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{LISTED} WHERE t.id = $1")))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(listed).transpose()
    }

    /// Every turn whose message is in `[from, to)` (of language `lang`, if given) that has
    /// no label and whose latest rating was 👍, oldest first.
    pub async fn rated_helpful_turns(&self, from: i64, to: i64, lang: Option<&str>) -> Result<Vec<ReviewTurn>> {
        let rows = self
            .turns_in(
                "SELECT t.id, t.detail FROM review_turns t",
                match self.backend {
                    Backend::Sqlite => {
                        "json_extract(t.detail, '$.rated_helpful') \
                         AND NOT EXISTS (SELECT 1 FROM review_labels WHERE turn_id = t.id)"
                    }
                    Backend::Postgres => {
                        "coalesce(CAST(CAST(t.detail AS jsonb) ->> 'rated_helpful' AS BOOLEAN), FALSE) \
                         AND NOT EXISTS (SELECT 1 FROM review_labels WHERE turn_id = t.id)"
                    }
                },
                (from, to, lang),
            )
            .await?;
        rows.iter().map(detail).collect()
    }

    /// Every labelled turn whose message is in `[from, to)` (of language `lang`, if
    /// given), with its latest label, oldest first.
    pub async fn labelled_turns(&self, from: i64, to: i64, lang: Option<&str>) -> Result<Vec<(ReviewTurn, String)>> {
        let rows = self
            .turns_in(
                "SELECT t.id, t.detail, l.label FROM review_turns t \
                 JOIN review_labels l ON l.id = (SELECT max(id) FROM review_labels WHERE turn_id = t.id)",
                "1 = 1",
                (from, to, lang),
            )
            .await?;
        rows.iter().map(|row| Ok((detail(row)?, row.try_get("label")?))).collect()
    }

    /// The rows `select` (over `review_turns t`) gives of the turns whose message is in
    /// `[from, to)`, of language `lang` if given, that meet `condition`, oldest first.
    async fn turns_in(
        &self,
        select: &str,
        condition: &str,
        (from, to, lang): (i64, i64, Option<&str>),
    ) -> Result<Vec<crate::DbRow>> {
        let lang_of_turn = match self.backend {
            Backend::Sqlite => "json_extract(t.detail, '$.lang')",
            Backend::Postgres => "(CAST(t.detail AS jsonb) ->> 'lang')",
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "{select} WHERE t.at >= $1 AND t.at < $2 AND ($3 IS NULL OR {lang_of_turn} = $3) \
             AND {condition} ORDER BY t.at, t.id"
        ));
        Ok(sqlx::query(sql).bind(from).bind(to).bind(lang).fetch_all(&self.pool).await?)
    }

    /// Labels turn `id` with `label` by agent `agent_id` at `at`; the turn as it now is, or
    /// `None` if there is no such turn.
    pub async fn label_turn(&self, id: i64, label: &str, agent_id: i64, at: i64) -> Result<Option<ListedTurn>> {
        let inserted = sqlx::query(
            "INSERT INTO review_labels (turn_id, conversation_id, label, agent_id, at) \
             SELECT id, conversation_id, $2, $3, $4 FROM review_turns WHERE id = $1",
        )
        .bind(id)
        .bind(label)
        .bind(agent_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(None);
        }
        self.review_turn(id).await
    }

    /// Flags, by agent `agent_id` at `at`, the turn of conversation `conversation_id` that
    /// the message or reply `seq` belongs to: the turn of the visitor's latest input at or
    /// before `seq` — if the agent holds the conversation at that moment (checked in the
    /// same statement). Flagging a turn again updates the time. `None` if the agent does
    /// not hold it, or that input is no review turn (a pressed suggestion, an answer to a
    /// form's question, nothing the classifier read).
    pub async fn flag_turn(&self, conversation_id: &str, seq: u64, agent_id: i64, at: i64) -> Result<Option<ListedTurn>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO review_flags (turn_id, conversation_id, agent_id, at) \
             SELECT t.id, t.conversation_id, $3, $4 FROM review_turns t \
             WHERE t.conversation_id = $1 AND t.seq = (SELECT max(seq) FROM events \
             WHERE conversation_id = $1 AND seq <= $2 AND kind IN ('visitor_message', 'quick_reply_pressed')) \
             AND EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND state = 'agent' AND holder_agent_id = $3) \
             ON CONFLICT (turn_id, agent_id) DO UPDATE SET at = excluded.at \
             RETURNING turn_id",
        )
        .bind(conversation_id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(agent_id)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.review_turn(id).await,
            None => Ok(None),
        }
    }
}

/// The intents' own thresholds as a JSON object for SQL, each the `f64` its `f32` is (as
/// the stored confidences are), so that a confidence equal to a threshold is not below it.
fn own_thresholds(own: &BTreeMap<String, f32>) -> Result<String> {
    let widened: BTreeMap<&str, f64> = own.iter().map(|(intent, t)| (intent.as_str(), f64::from(*t))).collect();
    serde_json::to_string(&widened).map_err(|e| Error::corrupt("thresholds", e))
}

/// The turn in a row's `detail`.
fn detail(row: &crate::DbRow) -> Result<ReviewTurn> {
    let id: i64 = row.try_get("id")?;
    let detail: String = row.try_get("detail")?;
    serde_json::from_str(&detail).map_err(|e| Error::corrupt(format!("review turn {id}"), e))
}

fn listed(row: &crate::DbRow) -> Result<ListedTurn> {
    let id: i64 = row.try_get("id")?;
    let turn = detail(row)?;
    let flagged = match row.try_get::<Option<i64>, _>("flagged_at")? {
        Some(at) => Some(Flagged {
            by: row.try_get::<Option<String>, _>("flagged_by")?.unwrap_or_default(),
            at,
            times: u32::try_from(row.try_get::<i64, _>("flags")?).unwrap_or(u32::MAX),
        }),
        None => None,
    };
    let label: Option<String> = row.try_get("label")?;
    let label = match label {
        Some(label) => Some(Label {
            label,
            by: row.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
            at: row.try_get("labelled_at")?,
        }),
        None => None,
    };
    Ok(ListedTurn { id, turn, label, flagged })
}

/// The `seq` a conversation's turns must be folded again from after appending `events`
/// (stored), given the `seq` of the turn that was open before them: the open turn's if a
/// turn event follows it, a rated answer's turn for a rating, the first message's
/// otherwise; `None` if no turn changes. With it, the language in force before that
/// `seq` as far as `events` tell (`lang`: the conversation's before them).
pub(crate) fn refold_from(
    events: &[StoredEvent],
    open_turn: Option<u64>,
    asked_of: impl Fn(u64) -> Option<u64>,
    lang: Option<String>,
) -> Option<(u64, Option<String>)> {
    let from = first_changed(events, open_turn, asked_of)?;
    let lang = events
        .iter()
        .take_while(|stored| stored.seq < from)
        .fold(lang, |lang, stored| match &stored.event.kind {
            EventKind::Started { lang, .. } => lang.clone(),
            EventKind::LanguageSet { lang } => Some(lang.clone()),
            _ => lang,
        });
    Some((from, lang))
}

fn first_changed(events: &[StoredEvent], open_turn: Option<u64>, asked_of: impl Fn(u64) -> Option<u64>) -> Option<u64> {
    let mut from: Option<u64> = None;
    let mut earliest = |seq: u64| from = Some(from.map_or(seq, |from: u64| from.min(seq)));
    let mut in_turn = open_turn;
    for stored in events {
        match &stored.event.kind {
            EventKind::VisitorMessage { .. } => {
                in_turn = Some(stored.seq);
                earliest(stored.seq);
            }
            EventKind::QuickReplyPressed { .. } => in_turn = None,
            EventKind::Feedback { seq, .. } => {
                if let Some(asked) = asked_of(*seq) {
                    earliest(asked);
                }
                in_turn = None;
            }
            EventKind::IntentPredicted { .. }
            | EventKind::BotMessage { .. }
            | EventKind::KnowledgeShown { .. }
            | EventKind::Fallback { .. }
            | EventKind::HandoffRequested { .. } => {
                if let Some(turn) = in_turn {
                    earliest(turn);
                }
            }
            _ => {}
        }
    }
    from
}

/// Folds conversation `id`'s turns from `seq` on again and saves them. The language
/// before `seq` is taken from the turn of `seq` as last saved, else `lang` (the
/// conversation's before the append).
pub(crate) async fn refold_turns(
    tx: &mut sqlx::Transaction<'static, Db>,
    id: &str,
    seq: u64,
    lang: Option<String>,
) -> Result<()> {
    let saved: Option<Option<String>> = sqlx::query_scalar(match Backend::of(tx) {
        Backend::Sqlite => {
            "SELECT json_extract(detail, '$.lang') FROM review_turns WHERE conversation_id = $1 AND seq = $2"
        }
        Backend::Postgres => {
            "SELECT CAST(detail AS jsonb) ->> 'lang' FROM review_turns WHERE conversation_id = $1 AND seq = $2"
        }
    })
    .bind(id)
    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
    .fetch_optional(&mut **tx)
    .await?;
    let lang = saved.flatten().or(lang);
    let events = crate::tally::read_log(tx, id, seq).await?;
    save_turns(tx, &fold_turns(id, &events, lang)).await
}
