//! One conversation's facts: a pure fold of its events, in `seq` order, into what the
//! figures count (docs/metrics.md defines each one and names the events it comes from).
//! The fold reads no clock: whether a quiet conversation counts as resolved depends on
//! the `now` it is given.

use std::collections::BTreeMap;
use std::time::Duration;

use relais_dialogue::{EventKind, HandoffState, ReasonCode};
use relais_store::StoredEvent;
use serde::Serialize;

/// The only channel so far: the web widget.
pub const WIDGET: &str = "widget";

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

/// The visitor's rating of the whole conversation: `score` from 1 to `scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub score: u8,
    pub scale: u8,
}

impl Rating {
    /// At least 80 % of the scale: 2 of 2 (👍), 4 or 5 of 5.
    pub fn positive(self) -> bool {
        5 * u32::from(self.score) >= 4 * u32::from(self.scale)
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
    pub channel: &'static str,
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
    /// Each rated bot message's latest rating (true: 👍) with the intent it answered, if
    /// any (per-intent usefulness).
    #[serde(skip)]
    pub answer_ratings: Vec<(Option<String>, bool)>,
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
    /// The same verified visitor started another conversation within `repeat_window`;
    /// set across conversations ([`crate::Cohort`]), false from the fold alone.
    pub repeat_contact: bool,
}

impl ConversationFacts {
    /// Engaged: the visitor wrote at least once (typed, pressed a suggestion or asked for
    /// a person).
    pub fn engaged(&self) -> bool {
        self.outcome != Outcome::NotEngaged
    }

    /// Folds conversation `id`'s events, in `seq` order. A conversation that is neither
    /// closed nor has had an event for `assume_resolved_after` before `now` (ms since the
    /// epoch) is still open, so never assumed resolved.
    pub fn fold(id: &str, events: &[StoredEvent], assume_resolved_after: Duration, now: i64) -> ConversationFacts {
        let mut fold = Fold::default();
        for stored in events {
            fold.apply(stored);
        }
        let started_at = events.first().map_or(0, |stored| stored.event.at);
        let quiet_ms = i64::try_from(assume_resolved_after.as_millis()).unwrap_or(i64::MAX);
        let quiet = fold.closed_at.is_some() || now.saturating_sub(fold.last_at) >= quiet_ms;
        let outcome = fold.outcome(quiet);
        let resolution_end = if outcome.bot_resolved() {
            fold.last_answer_at
        } else if fold.joined_at.is_some() {
            fold.closed_at
        } else {
            None
        };
        let latest_feedback = fold.feedback.values();
        let answer_ratings = fold
            .feedback
            .iter()
            .map(|(seq, helpful)| (fold.message_intents.get(seq).cloned().flatten(), *helpful))
            .collect();
        ConversationFacts {
            id: id.to_owned(),
            started_at,
            language: fold.language,
            channel: WIDGET,
            first_page: fold.first_page,
            intents: fold.intents,
            verified_user_id: fold.verified_user_id,
            outcome,
            escalation_reason: fold.escalation_reason,
            queued: fold.queued_at.is_some(),
            agent_handled: fold.joined_at.is_some(),
            agent: fold.agent,
            abandoned_in_queue: fold.abandoned,
            callbacks: fold.callbacks,
            helpful_answers: count(latest_feedback.clone().filter(|helpful| **helpful)),
            unhelpful_answers: count(latest_feedback.filter(|helpful| !**helpful)),
            answer_ratings,
            predictions: fold.predictions,
            rating_asked: fold.rating_asked,
            rating: fold.rating,
            queue_wait_ms: fold.queue_wait_ms,
            resolution_time_ms: resolution_end.map(|end| end - started_at),
            agent_first_response_ms: fold
                .first_agent_message_at
                .zip(fold.joined_at)
                .map(|(message, joined)| message - joined),
            repeat_contact: false,
        }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// What the fold keeps while it reads the events.
#[derive(Default)]
struct Fold {
    language: Option<String>,
    first_page: Option<String>,
    intents: Vec<String>,
    verified_user_id: Option<String>,
    engaged: bool,
    escalation_reason: Option<ReasonCode>,
    /// A `resolved` that did not come from a 👍: an intent that resolves, or an action
    /// that succeeded.
    resolved_by_answer: bool,
    /// The turn under way began with a 👍 (the engine then says thanks and `resolved`).
    in_positive_feedback_turn: bool,
    /// The latest feedback per rated `seq`.
    feedback: BTreeMap<u64, bool>,
    /// The intent of each bot message, by `seq`.
    message_intents: BTreeMap<u64, Option<String>>,
    predictions: Vec<(String, f32)>,
    last_feedback_helpful: Option<bool>,
    any_unhelpful: bool,
    rating_asked: bool,
    rating: Option<Rating>,
    /// The bot's last message was an answer (an intent's, or one citing articles) and no
    /// fallback came after it.
    last_bot_word_answers: bool,
    last_answer_at: Option<i64>,
    queued_at: Option<i64>,
    queue_wait_ms: Option<i64>,
    joined_at: Option<i64>,
    agent: Option<String>,
    first_agent_message_at: Option<i64>,
    abandoned: bool,
    callbacks: u32,
    closed_at: Option<i64>,
    last_at: i64,
}

impl Fold {
    fn apply(&mut self, stored: &StoredEvent) {
        let at = stored.event.at;
        self.last_at = self.last_at.max(at);
        match &stored.event.kind {
            EventKind::Started {
                lang,
                verified_user_id,
                ..
            } => {
                self.language.clone_from(lang);
                self.verified_user_id.clone_from(verified_user_id);
            }
            EventKind::LanguageSet { lang } => self.language = Some(lang.clone()),
            EventKind::VisitorIdentified {
                verified_user_id: Some(user),
                ..
            } => {
                self.verified_user_id.get_or_insert_with(|| user.clone());
            }
            EventKind::PageViewed { url, .. } => {
                self.first_page.get_or_insert_with(|| url.clone());
            }
            EventKind::VisitorMessage { .. } | EventKind::QuickReplyPressed { .. } => {
                self.engaged = true;
                self.in_positive_feedback_turn = false;
            }
            EventKind::RequestAgent { .. } => self.engaged = true,
            EventKind::ActionResult { .. } => self.in_positive_feedback_turn = false,
            EventKind::IntentPredicted {
                intent,
                confidence,
                oos: false,
                ..
            } => self.predictions.push((intent.clone(), *confidence)),
            EventKind::BotMessage { intent, sources, .. } => {
                self.message_intents.insert(stored.seq, intent.clone());
                self.last_bot_word_answers = intent.is_some() || !sources.is_empty();
                if self.last_bot_word_answers {
                    self.last_answer_at = Some(at);
                }
                if let Some(intent) = intent
                    && !self.intents.contains(intent)
                {
                    self.intents.push(intent.clone());
                }
            }
            EventKind::Fallback { .. } => self.last_bot_word_answers = false,
            EventKind::Resolved if !self.in_positive_feedback_turn => self.resolved_by_answer = true,
            EventKind::Feedback { seq, helpful } => {
                self.feedback.insert(*seq, *helpful);
                self.last_feedback_helpful = Some(*helpful);
                self.any_unhelpful |= !helpful;
                self.in_positive_feedback_turn = *helpful;
            }
            EventKind::RatingAsked { .. } => self.rating_asked = true,
            EventKind::ConversationRated { score, scale } => {
                self.rating = Some(Rating {
                    score: *score,
                    scale: *scale,
                });
            }
            EventKind::HandoffRequested { reason, .. } => {
                self.escalation_reason.get_or_insert(*reason);
            }
            EventKind::Handoff {
                state, agent_name, ..
            } => self.handoff(*state, agent_name, at),
            EventKind::AgentMessage { agent_name, .. }
                if self.joined_at.is_some() && self.first_agent_message_at.is_none() =>
            {
                self.first_agent_message_at = Some(at);
                self.agent.get_or_insert_with(|| agent_name.clone());
            }
            EventKind::CallbackRequested { .. } => self.callbacks = self.callbacks.saturating_add(1),
            EventKind::Closed { .. } => {
                self.closed_at.get_or_insert(at);
            }
            _ => {}
        }
    }

    fn handoff(&mut self, state: HandoffState, agent_name: &Option<String>, at: i64) {
        match state {
            HandoffState::Queued => self.queued_at = Some(at),
            HandoffState::AgentJoined if self.joined_at.is_none() => {
                self.joined_at = Some(at);
                self.agent.clone_from(agent_name);
                self.queue_wait_ms = self.queued_at.map(|queued| at - queued);
            }
            HandoffState::Abandoned => self.abandoned = true,
            _ => {}
        }
    }

    /// The outcome, given whether the conversation is closed or quiet long enough.
    fn outcome(&self, quiet: bool) -> Outcome {
        let rated_positive = self.rating.map(Rating::positive);
        let confirmed = self.resolved_by_answer
            || self.last_feedback_helpful == Some(true)
            || rated_positive == Some(true);
        let negative = self.any_unhelpful || rated_positive == Some(false);
        if !self.engaged {
            Outcome::NotEngaged
        } else if self.escalation_reason.is_some() {
            Outcome::Escalated
        } else if confirmed {
            Outcome::BotResolvedConfirmed
        } else if self.last_bot_word_answers && !negative && quiet {
            Outcome::BotResolvedAssumed
        } else {
            Outcome::Unresolved
        }
    }
}
