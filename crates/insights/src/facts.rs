//! One conversation's facts: what the figures count (docs/metrics.md defines each one
//! and names the events it comes from), read from the conversation's tally (the store's
//! fold of its events, [`Tally`]) given `now`: whether a quiet conversation counts as
//! resolved depends on the `now` it is given.

use std::time::Duration;

use relais_dialogue::{ReasonCode, Source};
use relais_store::{GapReason, Rating, Tally};
use serde::Serialize;


/// How an engaged conversation ended up, exactly one of the four for each; the first
/// three are `bot_resolved`, `escalated` and `unresolved`, and so add up to `engaged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not escalated, and the visitor confirmed it (a standing 👍, an intent that
    /// resolves, a successful action, a positive conversation rating).
    BotResolvedConfirmed,
    /// Not escalated, not confirmed, the bot's last word an answer, no negative rating,
    /// and closed or quiet for `assume_resolved_after`.
    BotResolvedAssumed,
    /// A handoff was requested.
    Escalated,
    /// Engaged, and none of the above: abandoned after a fallback or a negative rating,
    /// or still open.
    Unresolved,
    /// The visitor never wrote: counted in `conversations` only.
    NotEngaged,
}

impl Outcome {
    /// The outcome's snake_case name, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::BotResolvedConfirmed => "bot_resolved_confirmed",
            Outcome::BotResolvedAssumed => "bot_resolved_assumed",
            Outcome::Escalated => "escalated",
            Outcome::Unresolved => "unresolved",
            Outcome::NotEngaged => "not_engaged",
        }
    }

    /// Resolved by the bot, confirmed or assumed.
    pub fn bot_resolved(self) -> bool {
        matches!(self, Outcome::BotResolvedConfirmed | Outcome::BotResolvedAssumed)
    }
}

/// What the figures need of one conversation. Times in ms since the epoch, durations in ms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationFacts {
    pub id: String,
    /// Its first event's time: the window selects conversations by it.
    pub started_at: i64,
    /// The last language set (`started.lang`, then `language_set`).
    pub language: Option<String>,
    /// `widget`, `sms`, `whatsapp` or `rest`.
    pub channel: String,
    /// Made by `relais simulate`, not by a real visitor.
    pub simulated: bool,
    /// The URL of its first `page_viewed`.
    pub first_page: Option<String>,
    /// The intents the bot answered, each once, in the order first answered.
    pub intents: Vec<String>,
    /// The first verified user id (at the start or from `identify`).
    pub verified_user_id: Option<String>,
    pub outcome: Outcome,
    /// The reason of the first `handoff_requested`.
    pub escalation_reason: Option<ReasonCode>,
    /// Put in the agents' queue at least once.
    pub queued: bool,
    /// An agent joined.
    pub agent_handled: bool,
    /// The name of the first agent who joined.
    pub agent: Option<String>,
    /// Left the queue because the visitor was gone.
    pub abandoned_in_queue: bool,
    /// Callback requests made.
    pub callbacks: u32,
    /// Answers whose latest "Was this useful?" is 👍, and 👎.
    pub helpful_answers: u32,
    pub unhelpful_answers: u32,
    /// Each rated answer's latest rating (true: 👍) with the intent it answered, if any,
    /// and the articles it cited (per-intent and per-article usefulness).
    #[serde(skip)]
    pub answer_ratings: Vec<AnswerRating>,
    /// The articles the bot's answers cited, once per answer citing each.
    #[serde(skip)]
    pub citations: Vec<Source>,
    /// Visitor messages the bot could not serve: `seq` and why.
    #[serde(skip)]
    pub gaps: Vec<(u64, GapReason)>,
    /// Who started it (`user:…` or `browser:…`), for repeat contacts.
    #[serde(skip)]
    pub visitor: Option<String>,
    /// The classifier's in-scope predictions: intent and confidence (per-intent median).
    #[serde(skip)]
    pub predictions: Vec<(String, f32)>,
    /// The visitor was asked to rate the conversation.
    pub rating_asked: bool,
    /// The visitor's latest rating of the conversation.
    pub rating: Option<Rating>,
    /// From the last `queued` before the first agent joined to that join.
    pub queue_wait_ms: Option<i64>,
    /// Bot-resolved: from the start to the bot's last answer; agent-handled: from the
    /// start to `closed`.
    pub resolution_time_ms: Option<i64>,
    /// From the first agent joining to their first message.
    pub agent_first_response_ms: Option<i64>,
    /// The same visitor (verified user, else browser) started another conversation
    /// within `repeat_window`; set across conversations ([`crate::Cohort`]), false from
    /// one tally alone.
    pub repeat_contact: bool,
}

/// An answer's latest "Was this useful?".
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRating {
    pub intent: Option<String>,
    pub articles: Vec<Source>,
    pub helpful: bool,
}

impl ConversationFacts {
    /// Engaged: the visitor wrote at least once (typed, pressed a suggestion or asked for
    /// a person).
    pub fn engaged(&self) -> bool {
        self.outcome != Outcome::NotEngaged
    }

    /// The facts of conversation `id` from its tally. A conversation that is neither
    /// closed nor has had an event for `assume_resolved_after` before `now` (ms since the
    /// epoch) is still open, so never assumed resolved.
    pub fn of(id: String, tally: Tally, assume_resolved_after: Duration, now: i64) -> ConversationFacts {
        let started_at = tally.started_at;
        let quiet_ms = i64::try_from(assume_resolved_after.as_millis()).unwrap_or(i64::MAX);
        let quiet = tally.closed_at.is_some() || now.saturating_sub(tally.last_at) >= quiet_ms;
        let outcome = outcome(&tally, quiet);
        let resolution_end = if outcome.bot_resolved() {
            tally.last_answer_at
        } else if tally.joined_at.is_some() {
            tally.closed_at
        } else {
            None
        };
        let helpful_answers = count(tally.feedback.values().filter(|helpful| **helpful));
        let unhelpful_answers = count(tally.feedback.values().filter(|helpful| !**helpful));
        let answer_ratings = tally
            .feedback
            .iter()
            .map(|(seq, helpful)| {
                let answer = tally.answers.get(seq);
                AnswerRating {
                    intent: answer.and_then(|answer| answer.intent.clone()),
                    articles: answer.map(|answer| answer.articles.clone()).unwrap_or_default(),
                    helpful: *helpful,
                }
            })
            .collect();
        let gaps = tally.gap_messages().into_iter().collect();
        let visitor = tally.visitor();
        let agent_first_response_ms = tally
            .first_agent_message_at
            .zip(tally.joined_at)
            .map(|(message, joined)| message - joined);
        ConversationFacts {
            id,
            started_at,
            language: tally.language,
            channel: tally.channel.unwrap_or_else(|| relais_store::WIDGET.to_owned()),
            simulated: tally.simulated,
            first_page: tally.first_page,
            intents: tally.intents,
            verified_user_id: tally.verified_user_id,
            outcome,
            escalation_reason: tally.escalation_reason,
            queued: tally.queued_at.is_some(),
            agent_handled: tally.joined_at.is_some(),
            agent: tally.agent,
            abandoned_in_queue: tally.abandoned,
            callbacks: tally.callbacks,
            helpful_answers,
            unhelpful_answers,
            answer_ratings,
            citations: tally.answers.into_values().flat_map(|answer| answer.articles).collect(),
            gaps,
            visitor,
            predictions: tally.predictions,
            rating_asked: tally.rating_asked,
            rating: tally.rating,
            queue_wait_ms: tally.queue_wait_ms,
            resolution_time_ms: resolution_end.map(|end| end - started_at),
            agent_first_response_ms,
            repeat_contact: false,
        }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// The outcome, given whether the conversation is closed or quiet long enough.
fn outcome(tally: &Tally, quiet: bool) -> Outcome {
    let rated_positive = tally.rating.map(Rating::positive);
    let confirmed = tally.resolved_by_answer
        || tally.last_feedback_helpful == Some(true)
        || rated_positive == Some(true);
    let negative = tally.any_unhelpful || rated_positive == Some(false);
    if !tally.engaged {
        Outcome::NotEngaged
    } else if tally.escalation_reason.is_some() {
        Outcome::Escalated
    } else if confirmed {
        Outcome::BotResolvedConfirmed
    } else if tally.last_bot_word_answers && !negative && quiet {
        Outcome::BotResolvedAssumed
    } else {
        Outcome::Unresolved
    }
}
