//! The count figures by name, each defined once as what it counts in one conversation:
//! the summary adds these up and the drill-down lists the conversations they count, so
//! the two cannot disagree.

use relais_dialogue::ReasonCode;

use crate::facts::{ConversationFacts, Outcome};

/// A figure that counts conversations (or answers, for the two usefulness counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Conversations,
    /// Conversations made by `relais simulate`.
    Simulated,
    Engaged,
    Escalated,
    AgentHandled,
    BotResolved,
    BotResolvedConfirmed,
    BotResolvedAssumed,
    Unresolved,
    /// Escalated conversations whose first reason is this one.
    EscalationReason(ReasonCode),
    Queued,
    AbandonedInQueue,
    Callbacks,
    /// Answers, not conversations: the drill-down lists the conversations holding them.
    HelpfulAnswers,
    UnhelpfulAnswers,
    RatingsAsked,
    Rated,
    RatedPositive,
    RepeatContacts,
    /// The same conversations as `bot_resolved`, under its ROI name.
    ContactsSaved,
}

/// Every figure name but the reasons, which are `escalation_reasons.<reason code>`.
const NAMES: [(&str, Figure); 19] = [
    ("conversations", Figure::Conversations),
    ("simulated", Figure::Simulated),
    ("engaged", Figure::Engaged),
    ("escalated", Figure::Escalated),
    ("agent_handled", Figure::AgentHandled),
    ("bot_resolved", Figure::BotResolved),
    ("bot_resolved_confirmed", Figure::BotResolvedConfirmed),
    ("bot_resolved_assumed", Figure::BotResolvedAssumed),
    ("unresolved", Figure::Unresolved),
    ("queued", Figure::Queued),
    ("abandoned_in_queue", Figure::AbandonedInQueue),
    ("callbacks", Figure::Callbacks),
    ("helpful_answers", Figure::HelpfulAnswers),
    ("unhelpful_answers", Figure::UnhelpfulAnswers),
    ("ratings_asked", Figure::RatingsAsked),
    ("rated", Figure::Rated),
    ("rated_positive", Figure::RatedPositive),
    ("repeat_contacts", Figure::RepeatContacts),
    ("contacts_saved", Figure::ContactsSaved),
];

const REASON_PREFIX: &str = "escalation_reasons.";

/// The figure name is not one of [`Figure::names`] nor a reason's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no figure is called {name:?}; send one of {} or escalation_reasons.<reason code> (low_confidence, explicit_request …)",
    Figure::names().join(", ")
)]
pub struct UnknownFigure {
    pub name: String,
}

impl Figure {
    /// The figure called `name`, as in the summary (`escalated`,
    /// `escalation_reasons.low_confidence` …).
    pub fn parse(name: &str) -> Result<Figure, UnknownFigure> {
        let unknown = || UnknownFigure { name: name.to_owned() };
        if let Some(code) = name.strip_prefix(REASON_PREFIX) {
            let reason: ReasonCode = serde_json::from_value(serde_json::Value::String(code.to_owned()))
                .map_err(|_| unknown())?;
            return Ok(Figure::EscalationReason(reason));
        }
        NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, figure)| *figure)
            .ok_or_else(unknown)
    }

    /// Every figure name but the reasons', which are `escalation_reasons.<reason code>`.
    pub fn names() -> Vec<&'static str> {
        NAMES.iter().map(|(name, _)| *name).collect()
    }

    /// How much conversation `facts` adds to this figure: 0 or 1, or its answers for the
    /// two usefulness counts.
    pub fn weight(self, facts: &ConversationFacts) -> u64 {
        let engaged = facts.engaged();
        let yes = |counted: bool| u64::from(engaged && counted);
        match self {
            Figure::Conversations => 1,
            Figure::Simulated => u64::from(facts.simulated),
            Figure::Engaged => yes(true),
            Figure::Escalated => yes(facts.outcome == Outcome::Escalated),
            Figure::AgentHandled => yes(facts.agent_handled),
            Figure::BotResolved | Figure::ContactsSaved => yes(facts.outcome.bot_resolved()),
            Figure::BotResolvedConfirmed => yes(facts.outcome == Outcome::BotResolvedConfirmed),
            Figure::BotResolvedAssumed => yes(facts.outcome == Outcome::BotResolvedAssumed),
            Figure::Unresolved => yes(facts.outcome == Outcome::Unresolved),
            Figure::EscalationReason(reason) => {
                yes(facts.outcome == Outcome::Escalated && facts.escalation_reason == Some(reason))
            }
            Figure::Queued => yes(facts.queued),
            Figure::AbandonedInQueue => yes(facts.abandoned_in_queue),
            Figure::Callbacks => yes(facts.callbacks > 0),
            Figure::HelpfulAnswers => yes(true) * u64::from(facts.helpful_answers),
            Figure::UnhelpfulAnswers => yes(true) * u64::from(facts.unhelpful_answers),
            Figure::RatingsAsked => yes(facts.rating_asked),
            Figure::Rated => yes(facts.rating.is_some()),
            Figure::RatedPositive => yes(facts.rating.is_some_and(|rating| rating.positive())),
            Figure::RepeatContacts => yes(facts.repeat_contact),
        }
    }

    /// The figure over `facts`.
    pub fn count(self, facts: &[ConversationFacts]) -> u64 {
        facts.iter().map(|f| self.weight(f)).sum()
    }
}
