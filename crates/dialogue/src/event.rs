//! Conversation events: everything that happens in a conversation, as appended to its log.
//!
//! Kinds mirror the wire protocol's event kinds (message, handoff, closed) plus the
//! internal ones the state fold and analytics need (intent predicted, slot set …).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event of a conversation. `at` is the time in milliseconds since the Unix epoch,
/// given by the caller: the engine never reads a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A suggested button under a bot message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub title: String,
    pub payload: String,
}

/// A knowledge article cited by a bot message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// One intent of the classifier's ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentScore {
    pub intent: String,
    pub confidence: f32,
}

/// Why the bot gives way to a human. New reasons go last: the store's insights tallies
/// keep a reason as its position (relais_store::TALLY_VERSION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The intent confidence stayed below threshold too many turns in a row.
    LowConfidence,
    /// The visitor asked for a person.
    ExplicitRequest,
    /// Frustration: lexicon, the same question repeated, shouting.
    Frustration,
    /// The visitor marked too many answers as not useful.
    NegativeFeedback,
    /// The intent is marked `handoff: always`.
    AlwaysHandoffIntent,
    /// The business's action failed.
    ActionFailed,
    /// The business's action asked for a handoff in its reply.
    ActionHandoff,
    /// Neither an intent nor the knowledge base covers the question.
    KnowledgeNotFound,
    /// Too many turns or too much time without resolution.
    NoResolution,
}

impl ReasonCode {
    /// The reason's snake_case name, as in events, on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::LowConfidence => "low_confidence",
            ReasonCode::ExplicitRequest => "explicit_request",
            ReasonCode::Frustration => "frustration",
            ReasonCode::NegativeFeedback => "negative_feedback",
            ReasonCode::AlwaysHandoffIntent => "always_handoff_intent",
            ReasonCode::ActionFailed => "action_failed",
            ReasonCode::ActionHandoff => "action_handoff",
            ReasonCode::KnowledgeNotFound => "knowledge_not_found",
            ReasonCode::NoResolution => "no_resolution",
        }
    }
}

/// Who holds the conversation, as announced in `handoff` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffState {
    Queued,
    AgentJoined,
    AgentLeft,
    ReturnedToBot,
    NoAgentAvailable,
    /// The visitor left the queue: no socket of theirs for `queue_abandon_after`.
    Abandoned,
}

/// Which step of the fallback ladder a turn reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackStage {
    /// Ask the visitor to rephrase.
    Rephrase,
    /// Offer the two closest intents as quick replies.
    Disambiguate,
    /// Ask to rephrase and offer a human.
    OfferHuman,
    /// Too many failures: the conversation is escalated.
    Handoff,
}

/// How a form ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormOutcome {
    Completed,
    Cancelled,
    /// The visitor gave too many invalid values for a slot.
    GaveUp,
    /// The conversation was escalated while the form was open.
    Escalated,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The conversation starts (from the visitor's `hello`).
    Started {
        conversation_id: String,
        lang: Option<String>,
        /// What the visitor (or the host page) says about them: claims, never trusted.
        #[serde(default)]
        visitor: BTreeMap<String, String>,
        /// The user id the host site vouched for with a valid signature; set by the
        /// server only, never taken from the visitor's attributes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verified_user_id: Option<String>,
        /// The widget's random id for the browser (`hello.browser_id`): a claim, used
        /// only to recognise a returning browser in the insights.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        browser_id: Option<String>,
        /// Made by `relais simulate` for a demo, not by a real visitor; set by the server
        /// only (a server option, never anything a visitor sends), absent when false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        simulated: bool,
        /// The channel it runs on when not the widget, with the contact's address there
        /// (a phone number the provider vouched for); set by the server only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<ChannelAddress>,
    },
    /// The conversation's language was detected from the first message.
    LanguageSet {
        lang: String,
    },
    VisitorMessage {
        text: String,
        client_id: String,
    },
    /// The visitor pressed a suggested button.
    QuickReplyPressed {
        payload: String,
    },
    /// The visitor pressed "talk to a person".
    RequestAgent {
        reason: Option<String>,
    },
    BotMessage {
        text: String,
        #[serde(default)]
        quick_replies: Vec<QuickReply>,
        #[serde(default)]
        sources: Vec<Source>,
        /// The intent this message answers, if any.
        intent: Option<String>,
        /// The widget should ask "Was this useful?" under this message.
        #[serde(default)]
        ask_feedback: bool,
    },
    IntentPredicted {
        intent: String,
        confidence: f32,
        ranking: Vec<IntentScore>,
        oos: bool,
        ambiguous: bool,
    },
    KnowledgeShown {
        articles: Vec<Source>,
        confidence: f32,
    },
    /// The turn fell back (see [`FallbackStage`]).
    Fallback {
        stage: FallbackStage,
    },
    FormStarted {
        intent: String,
    },
    FormEnded {
        intent: String,
        outcome: FormOutcome,
    },
    SlotSet {
        name: String,
        value: String,
    },
    /// The visitor's answer to a slot prompt failed validation.
    SlotRejected {
        name: String,
        value: String,
    },
    /// The caller should POST `payload` to `url` and feed back an `ActionResult`.
    ActionRequested {
        intent: String,
        action: String,
        url: String,
        payload: Value,
    },
    ActionResult {
        action: String,
        ok: bool,
        reply: Option<Value>,
        error: Option<String>,
    },
    /// The visitor's need was met: resets the no-resolution counters.
    Resolved,
    HandoffRequested {
        reason: ReasonCode,
        detail: String,
    },
    Handoff {
        state: HandoffState,
        reason: Option<ReasonCode>,
        /// The agent who joined or left.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_name: Option<String>,
        /// Place in the queue when `queued` (1 = next), set by the server.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<u32>,
    },
    /// An agent's message to the visitor.
    AgentMessage {
        text: String,
        client_id: String,
        agent_id: i64,
        agent_name: String,
    },
    /// An agent's internal note: shown to agents, never to the visitor.
    AgentNote {
        text: String,
        agent_id: i64,
        agent_name: String,
    },
    /// The host site told who the visitor is: claims merged into the visitor
    /// attributes, and a signed user id when the signature was valid.
    VisitorIdentified {
        visitor: BTreeMap<String, String>,
        /// Set by the server only, from a valid signature; `None` never clears an
        /// identity verified earlier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verified_user_id: Option<String>,
    },
    /// No agent was free: the visitor asked to be contacted.
    CallbackRequested {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        preferred_time: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    Feedback {
        seq: u64,
        helpful: bool,
    },
    /// The visitor is asked to rate the conversation, from 1 to `scale` (2: 👎 👍; 5: 1–5).
    RatingAsked {
        scale: u8,
    },
    /// The visitor's rating of the conversation; positive when `score` is 2 of 2 or 4–5 of 5.
    ConversationRated {
        score: u8,
        scale: u8,
    },
    PageViewed {
        url: String,
        title: Option<String>,
    },
    /// The page the visitor says they are on shows an article of the help centre: what
    /// the conversation is about until another is shown. Set by the server only, matching
    /// the reported page against its own articles (the page itself is the visitor's
    /// claim, so this steers answers and informs agents, never more); internal.
    TopicSet {
        article_id: String,
        title: String,
    },
    Closed {
        /// "visitor", "agent" or "timeout".
        by: String,
        /// How an agent closed it ("solved", "callback", …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
    },
}

/// Where a conversation that is not in the widget runs: the channel's name (`sms`,
/// `whatsapp`, `rest`) and the contact's address on it (a phone number in E.164 form, or
/// the REST caller's user id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAddress {
    pub name: String,
    pub address: String,
}

/// The key that joins one person's conversations across channels: `user:{id}` for a
/// verified user id (a signed widget identity, a REST caller's user), else `phone:{number}`
/// on a phone channel (`sms`, `whatsapp`: the provider vouched for the number); `None`
/// while nobody is verified.
pub fn contact_key(verified_user_id: Option<&str>, channel: Option<&ChannelAddress>) -> Option<String> {
    match (verified_user_id, channel) {
        (Some(user), _) => Some(format!("user:{user}")),
        (None, Some(channel)) if matches!(channel.name.as_str(), "sms" | "whatsapp") => {
            Some(format!("phone:{}", channel.address))
        }
        _ => None,
    }
}

impl EventKind {
    /// Whether a contact on a channel beyond the widget (SMS, WhatsApp, a webhook) hears
    /// of this event: what the bot and agents say, an agent joining or leaving (the bot's
    /// own messages already say when the visitor is queued, when no one is free and when
    /// they are back with it), and a close they did not make themselves.
    pub fn reaches_contact(&self) -> bool {
        match self {
            EventKind::BotMessage { .. } | EventKind::AgentMessage { .. } => true,
            EventKind::Handoff { state, .. } => matches!(state, HandoffState::AgentJoined | HandoffState::AgentLeft),
            EventKind::Closed { by, .. } => by != "visitor",
            _ => false,
        }
    }

    /// A `handoff` event with no agent name and no queue position.
    pub fn handoff(state: HandoffState, reason: Option<ReasonCode>) -> Self {
        EventKind::Handoff {
            state,
            reason,
            agent_name: None,
            position: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_kind_tag_and_snake_case_reason() {
        let event = Event {
            at: 42,
            kind: EventKind::HandoffRequested {
                reason: ReasonCode::AlwaysHandoffIntent,
                detail: "upgrade_eligibility".into(),
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"at": 42, "kind": "handoff_requested",
                "reason": "always_handoff_intent", "detail": "upgrade_eligibility"})
        );
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn reason_names_are_serde_names() {
        use ReasonCode::*;
        for reason in [
            LowConfidence, ExplicitRequest, Frustration, NegativeFeedback, AlwaysHandoffIntent,
            ActionFailed, ActionHandoff, KnowledgeNotFound, NoResolution,
        ] {
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
    }

    #[test]
    fn simulated_is_written_only_when_true_and_read_as_false_when_absent() {
        let started = |simulated| EventKind::Started {
            conversation_id: "c".into(),
            lang: None,
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            simulated,
            channel: None,
        };
        let real = serde_json::to_value(started(false)).unwrap();
        assert!(real.get("simulated").is_none(), "{real}");
        let before: EventKind = serde_json::from_str(r#"{"kind":"started","conversation_id":"c","lang":null}"#).unwrap();
        assert_eq!(before, started(false));
        assert_eq!(serde_json::to_value(started(true)).unwrap()["simulated"], true);
    }
}
