//! Conversation state: a fold over the conversation's events.

use std::collections::BTreeMap;

use crate::event::{Event, EventKind, HandoffState, ReasonCode};
use crate::stage::Stage;
use crate::text::normalize;

/// How many recent visitor messages are kept for repetition detection.
const RECENT_TEXTS_KEPT: usize = 10;

/// The form being filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProgress {
    pub intent: String,
    /// Invalid answers to the slot being asked.
    pub failed_attempts: u32,
}

/// An action requested and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAction {
    pub intent: String,
    pub action: String,
}

/// Everything the engine needs to know about a conversation, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationState {
    pub conversation_id: String,
    pub started_at: Option<i64>,
    pub lang: Option<String>,
    /// Visitor attributes from `hello` (name, plan …), used in placeholders: what the
    /// visitor claims, never a proof of identity.
    pub visitor: BTreeMap<String, String>,
    /// The user id the host site signed for; only the server sets it.
    pub verified_user_id: Option<String>,
    pub slots: BTreeMap<String, String>,
    pub form: Option<FormProgress>,
    pub pending_action: Option<PendingAction>,
    /// Consecutive turns that fell back (reset by an answer).
    pub fallback_streak: u32,
    /// "Not useful" feedback since the bot last took the conversation.
    pub negative_feedback: u32,
    /// Visitor messages since the last resolution (or start, or hand back).
    pub turns_since_resolution: u32,
    /// Time of the last resolution (or start, or hand back), in ms.
    pub last_resolution_at: i64,
    pub stage: Stage,
    pub last_handoff_reason: Option<ReasonCode>,
    pub last_intent: Option<String>,
    /// Visitor messages so far (seeds the choice of response variants).
    pub visitor_turns: u32,
    /// The last visitor messages, normalised, oldest first.
    pub recent_texts: Vec<String>,
    /// The scale of the last rating asked, while the visitor has not answered it.
    pub rating_pending: Option<u8>,
    /// Whether a rating was ever asked in this conversation.
    pub rating_asked: bool,
    /// The help-centre article the visitor last had on screen (id), which the
    /// knowledge search prefers; and its title.
    pub topic: Option<String>,
    pub topic_title: Option<String>,
}

impl ConversationState {
    /// The state after `events`, in order.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = ConversationState::default();
        for event in events {
            state.apply(event);
        }
        state
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event) {
        self.stage = self.stage.after(&event.kind);
        match &event.kind {
            EventKind::Started {
                conversation_id,
                lang,
                visitor,
                verified_user_id,
                ..
            } => {
                self.conversation_id.clone_from(conversation_id);
                self.lang.clone_from(lang);
                self.visitor.clone_from(visitor);
                self.verified_user_id.clone_from(verified_user_id);
                self.started_at = Some(event.at);
                self.last_resolution_at = event.at;
            }
            EventKind::LanguageSet { lang } => self.lang = Some(lang.clone()),
            EventKind::VisitorMessage { text, .. } => {
                if self.started_at.is_none() {
                    self.started_at = Some(event.at);
                    self.last_resolution_at = event.at;
                }
                self.visitor_turns += 1;
                if self.stage == Stage::Bot {
                    self.turns_since_resolution += 1;
                }
                self.recent_texts.push(normalize(text));
                let excess = self.recent_texts.len().saturating_sub(RECENT_TEXTS_KEPT);
                self.recent_texts.drain(..excess);
            }
            EventKind::BotMessage {
                intent, sources, ..
            } => {
                if intent.is_some() || !sources.is_empty() {
                    self.fallback_streak = 0;
                }
            }
            EventKind::IntentPredicted { intent, oos, .. } => {
                if !oos {
                    self.last_intent = Some(intent.clone());
                }
            }
            EventKind::Fallback { .. } => self.fallback_streak += 1,
            EventKind::FormStarted { intent } => {
                self.form = Some(FormProgress {
                    intent: intent.clone(),
                    failed_attempts: 0,
                });
            }
            EventKind::FormEnded { .. } => self.form = None,
            EventKind::SlotSet { name, value } => {
                self.slots.insert(name.clone(), value.clone());
                if let Some(form) = &mut self.form {
                    form.failed_attempts = 0;
                }
            }
            EventKind::SlotRejected { .. } => {
                if let Some(form) = &mut self.form {
                    form.failed_attempts += 1;
                }
            }
            EventKind::ActionRequested { intent, action, .. } => {
                self.pending_action = Some(PendingAction {
                    intent: intent.clone(),
                    action: action.clone(),
                });
            }
            EventKind::ActionResult { .. } => self.pending_action = None,
            EventKind::Resolved => self.resolve(event.at),
            EventKind::HandoffRequested { reason, .. } => self.last_handoff_reason = Some(*reason),
            EventKind::Handoff {
                state: HandoffState::ReturnedToBot | HandoffState::NoAgentAvailable | HandoffState::Abandoned,
                ..
            } => {
                self.fallback_streak = 0;
                self.negative_feedback = 0;
                self.resolve(event.at);
            }
            EventKind::Feedback { helpful, .. } => {
                if !helpful {
                    self.negative_feedback += 1;
                }
            }
            EventKind::VisitorIdentified {
                visitor,
                verified_user_id,
                ..
            } => {
                self.visitor
                    .extend(visitor.iter().map(|(k, v)| (k.clone(), v.clone())));
                if verified_user_id.is_some() {
                    self.verified_user_id.clone_from(verified_user_id);
                }
            }
            EventKind::RatingAsked { scale } => {
                self.rating_pending = Some(*scale);
                self.rating_asked = true;
            }
            EventKind::ConversationRated { .. } => self.rating_pending = None,
            EventKind::TopicSet { article_id, title } => {
                self.topic = Some(article_id.clone());
                self.topic_title = Some(title.clone());
            }
            EventKind::Handoff { .. }
            | EventKind::Closed { .. }
            | EventKind::QuickReplyPressed { .. }
            | EventKind::AgentMessage { .. }
            | EventKind::AgentNote { .. }
            | EventKind::CallbackRequested { .. }
            | EventKind::RequestAgent { .. }
            | EventKind::KnowledgeShown { .. }
            | EventKind::PageViewed { .. } => {}
        }
    }

    fn resolve(&mut self, at: i64) {
        self.turns_since_resolution = 0;
        self.last_resolution_at = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: i64, kind: EventKind) -> Event {
        Event { at, kind }
    }

    #[test]
    fn folds_stage_slots_and_counters() {
        let events = [
            ev(
                0,
                EventKind::Started {
                    conversation_id: "c".into(),
                    lang: Some("fr".into()),
                    visitor: BTreeMap::new(),
                    verified_user_id: None,
                    browser_id: None,
                    simulated: false,
                    channel: None,
                },
            ),
            ev(
                1,
                EventKind::VisitorMessage {
                    text: "Où est MA commande".into(),
                    client_id: "1".into(),
                },
            ),
            ev(
                2,
                EventKind::Fallback {
                    stage: crate::event::FallbackStage::Rephrase,
                },
            ),
            ev(
                3,
                EventKind::SlotSet {
                    name: "email".into(),
                    value: "a@b.c".into(),
                },
            ),
            ev(
                4,
                EventKind::Feedback {
                    seq: 3,
                    helpful: false,
                },
            ),
            ev(
                5,
                EventKind::handoff(HandoffState::Queued, Some(ReasonCode::Frustration)),
            ),
            ev(
                6,
                EventKind::handoff(HandoffState::AgentJoined, None),
            ),
        ];
        let state = ConversationState::from_events(&events);
        assert_eq!(state.stage, Stage::Agent);
        assert_eq!(
            (
                state.fallback_streak,
                state.negative_feedback,
                state.turns_since_resolution
            ),
            (1, 1, 1)
        );
        assert_eq!(state.recent_texts, ["où est ma commande"]);
        assert_eq!(state.slots["email"], "a@b.c");

        let mut back = state.clone();
        back.apply(&ev(
            9,
            EventKind::handoff(HandoffState::ReturnedToBot, None),
        ));
        assert_eq!(back.stage, Stage::Bot);
        assert_eq!(
            (
                back.fallback_streak,
                back.negative_feedback,
                back.last_resolution_at
            ),
            (0, 0, 9)
        );
        assert_eq!(back.slots["email"], "a@b.c");
    }
}
