//! Every threshold that decides when the bot answers, asks again or gives way to a human.
//!
//! Deserialised from the `[dialogue]` section of `relais.toml`; a missing key takes its
//! default, an unknown key is an error (so a typo does not silently keep a default).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Dialogue thresholds. Each field says what raising or lowering it trades.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Minimum intent confidence to answer from an intent (the high threshold). Higher:
    /// fewer wrong answers, more "Did you mean …?", rephrase requests and knowledge
    /// look-ups.
    pub intent_confidence: f32,
    /// Minimum intent confidence to ask "Did you mean …?" with the two best intents as
    /// quick replies, when a turn is below `intent_confidence` and the knowledge base has
    /// no confident answer (the low threshold). Lower: fewer rephrase requests, more
    /// suggestions off the mark; equal to `intent_confidence`: never asks.
    pub suggest_confidence: f32,
    /// Per intent, thresholds that replace the two above for turns predicted as it
    /// (`[dialogue.intent_thresholds.<intent>]`, `high` and `low`).
    pub intent_thresholds: BTreeMap<String, IntentThresholds>,
    /// Minimum retriever confidence to answer from the knowledge base. Higher: fewer
    /// off-topic passages, more fallbacks.
    pub knowledge_confidence: f32,
    /// Failed turns in a row after which the rephrase request also offers a human.
    /// Lower: visitors reach people sooner, agents get more conversations.
    pub offer_human_after: u32,
    /// Failed (low-confidence) turns in a row that escalate with `low_confidence`.
    /// Lower: less visitor frustration, more agent load.
    pub low_confidence_handoff_after: u32,
    /// "Not useful" feedback count that escalates with `negative_feedback`.
    pub negative_feedback_handoff_after: u32,
    /// Escalate on frustration (lexicon, repeated question, shouting). Off: the bot keeps
    /// trying with an annoyed visitor.
    pub escalate_on_frustration: bool,
    /// How many previous visitor messages a message is compared with to detect the same
    /// question asked again. Larger: catches slower loops, risks false alarms.
    pub repeat_window: usize,
    /// Minimum upper-case letters for an all-caps message to count as shouting. Lower:
    /// short acronyms ("DHL OK") may escalate.
    pub caps_min_letters: usize,
    /// Escalate with `action_failed` when a business action fails; off: apologise and
    /// offer a human instead.
    pub escalate_on_action_failure: bool,
    /// Escalate with `knowledge_not_found` as soon as neither an intent nor the knowledge
    /// base covers a question; off: go down the rephrase ladder first.
    pub escalate_on_knowledge_miss: bool,
    /// Visitor turns without resolution that escalate with `no_resolution` (0: never).
    pub max_turns_without_resolution: u32,
    /// Seconds without resolution that escalate with `no_resolution` (0: never).
    pub max_seconds_without_resolution: u64,
    /// Invalid answers to one slot before the form gives up and offers a human.
    pub max_slot_attempts: u32,
    /// The intent that means "I want a person".
    pub human_intent: String,
    /// Words that leave a form (compared with the whole normalised message).
    pub cancel_words: Vec<String>,
    /// Language used when the conversation's language is unknown and detection is unsure.
    pub default_language: String,
    /// How the visitor rates the conversation when the bot first resolves it: `thumbs`
    /// (👎 👍), `five` (1–5) or `off` (never asked).
    pub rating: RatingScale,
}

/// One intent's thresholds; a missing one is the global one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntentThresholds {
    /// Answers at or above (replaces `intent_confidence`).
    pub high: Option<f32>,
    /// Asks "Did you mean …?" at or above (replaces `suggest_confidence`).
    pub low: Option<f32>,
}

impl Policy {
    /// The high and low thresholds for a turn predicted as `intent`.
    pub fn thresholds(&self, intent: &str) -> (f32, f32) {
        let own = self.intent_thresholds.get(intent).copied().unwrap_or_default();
        (
            own.high.unwrap_or(self.intent_confidence),
            own.low.unwrap_or(self.suggest_confidence),
        )
    }

    /// The intents with a `high` threshold of their own, and it: the global
    /// `intent_confidence` does not govern them.
    pub fn own_highs(&self) -> BTreeMap<String, f32> {
        self.intent_thresholds
            .iter()
            .filter_map(|(intent, own)| own.high.map(|high| (intent.clone(), high)))
            .collect()
    }
}

/// The scale of the conversation rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingScale {
    Off,
    Thumbs,
    Five,
}

impl RatingScale {
    /// The highest score (2 for thumbs: 1 = 👎, 2 = 👍), or `None` when off.
    pub fn top(self) -> Option<u8> {
        match self {
            RatingScale::Off => None,
            RatingScale::Thumbs => Some(2),
            RatingScale::Five => Some(5),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            intent_confidence: 0.6,
            suggest_confidence: 0.35,
            intent_thresholds: BTreeMap::new(),
            knowledge_confidence: 0.5,
            offer_human_after: 2,
            low_confidence_handoff_after: 3,
            negative_feedback_handoff_after: 2,
            escalate_on_frustration: true,
            repeat_window: 3,
            caps_min_letters: 8,
            escalate_on_action_failure: true,
            escalate_on_knowledge_miss: false,
            max_turns_without_resolution: 12,
            max_seconds_without_resolution: 1200,
            max_slot_attempts: 3,
            human_intent: "talk_to_human".into(),
            cancel_words: [
                "cancel", "stop", "quit", "annuler", "annule", "arrêter", "arrête",
            ]
            .map(String::from)
            .to_vec(),
            default_language: "en".into(),
            rating: RatingScale::Thumbs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_take_defaults_and_unknown_keys_fail() {
        let policy: Policy = serde_json::from_str(r#"{"intent_confidence": 0.8}"#).unwrap();
        assert_eq!(policy.intent_confidence, 0.8);
        assert_eq!(policy.low_confidence_handoff_after, 3);
        let err = serde_json::from_str::<Policy>(r#"{"intent_confidense": 0.8}"#).unwrap_err();
        assert!(err.to_string().contains("intent_confidense"), "{err}");
    }
}
