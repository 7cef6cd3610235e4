//! The engine: for one input, decide whether the bot answers, asks, acts or escalates.

use crate::playbook::{Playbook, Intent};
use crate::event::{Event, EventKind, FallbackStage, HandoffState, QuickReply, ReasonCode, Source};
use crate::frustration;
use crate::lang::detect_language;
use crate::messages::{Msg, text};
use crate::policy::Policy;
use crate::stage::Stage;
use crate::state::ConversationState;
use crate::template;
use crate::text::normalize;
use crate::turn::{Input, Outcome, Turn, Understanding};

/// Quick-reply payload that asks for a callback when no agent is available.
/// The payload of the "Request a callback" quick reply offered when no agent is free.
pub const CALLBACK_PAYLOAD: &str = "/callback_request";

/// The dialogue engine: a playbook and a policy. Cheap to share.
#[derive(Debug, Clone)]
pub struct Engine {
    playbook: Playbook,
    policy: Policy,
}

/// Events produced during one turn, folded into a working copy of the state as they go.
pub(crate) struct Out {
    pub(crate) state: ConversationState,
    pub(crate) events: Vec<Event>,
    at: i64,
}

impl Out {
    fn finish(self) -> Outcome {
        Outcome {
            events: self.events,
            state: self.state,
        }
    }

    pub(crate) fn push(&mut self, kind: EventKind) {
        let event = Event { at: self.at, kind };
        self.state.apply(&event);
        self.events.push(event);
    }
}

/// A bot message with no intent, sources or feedback request.
pub(crate) fn say(text: String, quick_replies: Vec<QuickReply>) -> EventKind {
    EventKind::BotMessage {
        text,
        quick_replies,
        sources: Vec::new(),
        intent: None,
        ask_feedback: false,
    }
}

impl Engine {
    pub fn new(playbook: Playbook, policy: Policy) -> Self {
        Engine { playbook, policy }
    }

    pub fn playbook(&self) -> &Playbook {
        &self.playbook
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The language a visitor message is read in: the conversation's, else the one
    /// detected in `message`, else the policy's default. Callers choose it once per turn
    /// and pass it in [`Understanding::lang`].
    pub fn language(&self, state: &ConversationState, message: &str) -> String {
        state
            .lang
            .clone()
            .or_else(|| detect_language(message).map(str::to_owned))
            .unwrap_or_else(|| self.policy.default_language.clone())
    }

    /// One turn: the events recording `turn.input` first, then whatever the bot does,
    /// with the state after them all.
    pub fn handle(&self, state: &ConversationState, turn: Turn) -> Outcome {
        let mut out = Out {
            state: state.clone(),
            events: Vec::new(),
            at: turn.at,
        };
        for kind in turn.input.events(state) {
            out.push(kind);
        }
        if state.stage == Stage::Closed {
            return out.finish();
        }
        match &turn.input {
            Input::Start { .. } => {
                let lang = self.lang(&out.state);
                let greeting = match &out.state.topic_title {
                    Some(title) => crate::messages::greeting_on(title, &lang),
                    None => text(Msg::Greeting, &lang).to_owned(),
                };
                out.push(say(greeting, Vec::new()));
            }
            Input::Message { text, .. } => self.on_message(&mut out, state, text, &turn),
            Input::QuickReply { payload } => self.on_quick_reply(&mut out, state, payload, &turn),
            Input::RequestAgent { reason } if out.state.stage == Stage::Bot => {
                let detail = reason.clone().unwrap_or_else(|| "request_agent".into());
                self.escalate(&mut out, ReasonCode::ExplicitRequest, detail, &turn);
            }
            Input::Feedback { helpful, .. } => self.on_feedback(&mut out, *helpful, &turn),
            Input::ActionResult {
                ok, reply, error, ..
            } => {
                self.on_action_result(
                    &mut out,
                    state,
                    *ok,
                    reply.as_ref(),
                    error.as_deref(),
                    &turn,
                );
            }
            Input::Callback { .. } => {
                let noted = text(Msg::CallbackNoted, &self.lang(&out.state)).to_owned();
                out.push(say(noted, Vec::new()));
            }
            Input::HandBack { .. } => {
                let back = text(Msg::BackFromAgent, &self.lang(&out.state)).to_owned();
                out.push(say(back, Vec::new()));
            }
            // An agent's close asks for the rating, unless one was asked already.
            Input::Close { by, .. } if by == "agent" && !out.state.rating_asked => self.ask_rating(&mut out),
            _ => {}
        }
        let resolved = out.events.iter().any(|e| e.kind == EventKind::Resolved);
        if resolved && !out.state.rating_asked {
            self.ask_rating(&mut out);
        }
        out.finish()
    }

    /// Asks the visitor to rate the conversation, on the policy's scale (unless off).
    fn ask_rating(&self, out: &mut Out) {
        if let Some(scale) = self.policy.rating.top() {
            out.push(EventKind::RatingAsked { scale });
        }
    }

    /// The conversation's language, or the policy's default.
    pub(crate) fn lang(&self, state: &ConversationState) -> String {
        state
            .lang
            .clone()
            .unwrap_or_else(|| self.policy.default_language.clone())
    }

    /// The intent in the conversation's language if the bot has something to do for it.
    pub(crate) fn answerable(&self, state: &ConversationState, name: &str) -> Option<&Intent> {
        self.playbook
            .intent(&self.lang(state), name)
            .filter(|i| i.is_actionable())
    }

    /// Renders response variants with slots and visitor attributes.
    pub(crate) fn render(&self, state: &ConversationState, variants: &[String]) -> Option<String> {
        let seed = template::seed(&state.conversation_id, state.visitor_turns);
        template::render(variants, seed, |key| {
            state
                .slots
                .get(key)
                .or_else(|| state.visitor.get(key))
                .map(String::as_str)
        })
    }

    /// At or above the high threshold (the intent's own, else `intent_confidence`).
    fn confident(&self, u: &Understanding) -> bool {
        !u.oos && !u.ambiguous && u.confidence >= self.policy.thresholds(&u.intent).0
    }

    /// Between the low threshold and the high one: worth a "Did you mean …?".
    fn worth_suggesting(&self, u: &Understanding) -> bool {
        let (high, low) = self.policy.thresholds(&u.intent);
        !u.oos && !u.ambiguous && u.confidence >= low && u.confidence < high
    }

    /// Whether `message` is one of the words that leave a form.
    fn is_cancel(&self, message: &str) -> bool {
        let norm = normalize(message);
        self.policy
            .cancel_words
            .iter()
            .any(|w| normalize(w) == norm)
    }

    fn answers_current_slot(&self, state: &ConversationState, message: &str) -> bool {
        let Some(form) = &state.form else {
            return false;
        };
        if self.is_cancel(message) {
            return false;
        }
        self.playbook
            .intent(&self.lang(state), &form.intent)
            .and_then(|intent| {
                intent
                    .slots
                    .iter()
                    .find(|s| !state.slots.contains_key(&s.name))
            })
            .is_some_and(|slot| slot.extract(message).is_some())
    }

    fn on_message(&self, out: &mut Out, prior: &ConversationState, message: &str, turn: &Turn) {
        if out.state.stage != Stage::Bot {
            return;
        }
        if let Some(u) = &turn.understanding {
            if out.state.lang.is_none() {
                out.push(EventKind::LanguageSet { lang: u.lang.clone() });
            }
            out.push(EventKind::IntentPredicted {
                intent: u.intent.clone(),
                confidence: u.confidence,
                ranking: u.ranking.clone(),
                oos: u.oos,
                ambiguous: u.ambiguous,
            });
        }
        // A valid answer to the slot being asked is that, whatever the classifier says
        // ("sam@example.org" is no request for a person).
        if self.answers_current_slot(&out.state, message) {
            self.fill_slot(out, message.trim());
            return;
        }
        if self.policy.escalate_on_frustration
            && let Some(signal) = frustration::detect(
                message,
                &prior.recent_texts,
                self.policy.repeat_window,
                self.policy.caps_min_letters,
            )
        {
            self.escalate(out, ReasonCode::Frustration, signal.describe(), turn);
            return;
        }
        let wants_human = turn
            .understanding
            .as_ref()
            .is_some_and(|u| self.confident(u) && u.intent == self.policy.human_intent);
        if wants_human {
            self.escalate(
                out,
                ReasonCode::ExplicitRequest,
                "talk_to_human intent".into(),
                turn,
            );
            return;
        }
        if out.state.form.is_some() {
            if self.is_cancel(message) {
                self.cancel_form(out);
            } else {
                self.fill_slot(out, message.trim());
            }
            return;
        }
        if let Some(detail) = self.no_resolution(&out.state, turn.at) {
            self.escalate(out, ReasonCode::NoResolution, detail, turn);
            return;
        }
        if let Some(u) = &turn.understanding {
            if self.confident(u)
                && let Some(intent) = self.answerable(&out.state, &u.intent)
            {
                self.run_intent(out, intent, turn);
                return;
            }
            // A confident article beats an unsure or ambiguous intent; else "Did you mean …?".
            if (u.ambiguous || self.worth_suggesting(u))
                && !self.knowledge_answers(turn)
                && self.disambiguate(out, u)
            {
                return;
            }
        }
        self.not_understood(out, turn);
    }

    /// Whether the knowledge base has a confident answer for the turn.
    fn knowledge_answers(&self, turn: &Turn) -> bool {
        turn.knowledge
            .as_ref()
            .is_some_and(|k| k.confidence >= self.policy.knowledge_confidence && !k.hits.is_empty())
    }

    fn on_quick_reply(&self, out: &mut Out, prior: &ConversationState, payload: &str, turn: &Turn) {
        if out.state.stage != Stage::Bot {
            return;
        }
        let Some(name) = payload.strip_prefix('/') else {
            self.on_message(out, prior, payload, turn);
            return;
        };
        if name == self.policy.human_intent {
            self.escalate(out, ReasonCode::ExplicitRequest, "quick reply".into(), turn);
            return;
        }
        out.push(EventKind::IntentPredicted {
            intent: name.to_owned(),
            confidence: 1.0,
            ranking: Vec::new(),
            oos: false,
            ambiguous: false,
        });
        match self.answerable(&out.state, name) {
            Some(intent) => self.run_intent(out, intent, turn),
            None => self.not_understood(out, turn),
        }
    }

    fn on_feedback(&self, out: &mut Out, helpful: bool, turn: &Turn) {
        if out.state.stage != Stage::Bot {
            return;
        }
        let lang = self.lang(&out.state);
        if helpful {
            out.push(say(text(Msg::FeedbackThanks, &lang).into(), Vec::new()));
            out.push(EventKind::Resolved);
        } else if out.state.negative_feedback >= self.policy.negative_feedback_handoff_after {
            let detail = format!("{} answers marked not useful", out.state.negative_feedback);
            self.escalate(out, ReasonCode::NegativeFeedback, detail, turn);
        } else {
            out.push(say(text(Msg::FeedbackSorry, &lang).into(), Vec::new()));
        }
    }

    /// Answers a confident intent: handoff, form, action or response.
    pub(crate) fn run_intent(&self, out: &mut Out, intent: &Intent, turn: &Turn) {
        if intent.handoff_always {
            self.respond(out, intent);
            self.escalate(
                out,
                ReasonCode::AlwaysHandoffIntent,
                intent.name.clone(),
                turn,
            );
        } else if !intent.slots.is_empty() {
            out.push(EventKind::FormStarted {
                intent: intent.name.clone(),
            });
            if let Input::Message { text, .. } = &turn.input {
                for slot in &intent.slots {
                    if let Some(value) = slot.spot(text) {
                        out.push(EventKind::SlotSet {
                            name: slot.name.clone(),
                            value,
                        });
                    }
                }
            }
            self.advance_form(out, intent);
        } else if let Some(action) = &intent.action {
            self.request_action(out, intent, action);
        } else {
            self.respond(out, intent);
        }
    }

    /// Says one of the intent's responses (if it has any).
    pub(crate) fn respond(&self, out: &mut Out, intent: &Intent) {
        if let Some(reply) = self.render(&out.state, &intent.responses) {
            out.push(EventKind::BotMessage {
                text: reply,
                quick_replies: intent.quick_replies.clone(),
                sources: Vec::new(),
                intent: Some(intent.name.clone()),
                ask_feedback: false,
            });
            if intent.resolves {
                out.push(EventKind::Resolved);
            }
        }
    }

    /// Offers the two best known intents as quick replies; false when there are not two.
    fn disambiguate(&self, out: &mut Out, u: &Understanding) -> bool {
        let options: Vec<QuickReply> = u
            .ranking
            .iter()
            .filter_map(|score| self.answerable(&out.state, &score.intent))
            .take(2)
            .map(|i| QuickReply {
                title: i.title.clone().unwrap_or_else(|| i.name.clone()),
                payload: format!("/{}", i.name),
            })
            .collect();
        if options.len() < 2 {
            return false;
        }
        out.push(EventKind::Fallback {
            stage: FallbackStage::Disambiguate,
        });
        out.push(say(
            text(Msg::Disambiguate, &self.lang(&out.state)).into(),
            options,
        ));
        true
    }

    /// No intent answers: the knowledge base, else the fallback ladder.
    fn not_understood(&self, out: &mut Out, turn: &Turn) {
        let lang = self.lang(&out.state);
        if let Some(knowledge) = &turn.knowledge {
            if knowledge.confidence >= self.policy.knowledge_confidence
                && let Some(hit) = knowledge.hits.first()
            {
                let source = Source {
                    title: hit.title.clone(),
                    url: hit.url.clone(),
                };
                out.push(EventKind::KnowledgeShown {
                    articles: vec![source.clone()],
                    confidence: knowledge.confidence,
                });
                out.push(EventKind::BotMessage {
                    text: hit.text.trim().to_string(),
                    quick_replies: Vec::new(),
                    sources: vec![source],
                    intent: None,
                    ask_feedback: true,
                });
                return;
            }
            if self.policy.escalate_on_knowledge_miss {
                let detail = format!("best knowledge confidence {:.2}", knowledge.confidence);
                self.escalate(out, ReasonCode::KnowledgeNotFound, detail, turn);
                return;
            }
        }
        let streak = out.state.fallback_streak + 1;
        if streak >= self.policy.low_confidence_handoff_after {
            out.push(EventKind::Fallback {
                stage: FallbackStage::Handoff,
            });
            self.escalate(
                out,
                ReasonCode::LowConfidence,
                format!("{streak} turns not understood in a row"),
                turn,
            );
        } else if streak >= self.policy.offer_human_after {
            out.push(EventKind::Fallback {
                stage: FallbackStage::OfferHuman,
            });
            out.push(say(
                text(Msg::RephraseOrHuman, &lang).into(),
                vec![self.human_button(&lang)],
            ));
        } else {
            out.push(EventKind::Fallback {
                stage: FallbackStage::Rephrase,
            });
            out.push(say(text(Msg::Rephrase, &lang).into(), Vec::new()));
        }
    }

    pub(crate) fn human_button(&self, lang: &str) -> QuickReply {
        QuickReply {
            title: text(Msg::HumanButton, lang).into(),
            payload: format!("/{}", self.policy.human_intent),
        }
    }

    fn no_resolution(&self, state: &ConversationState, at: i64) -> Option<String> {
        let policy = &self.policy;
        if policy.max_turns_without_resolution > 0
            && state.turns_since_resolution >= policy.max_turns_without_resolution
        {
            return Some(format!(
                "{} turns without resolution",
                state.turns_since_resolution
            ));
        }
        let limit_ms = i64::try_from(policy.max_seconds_without_resolution.saturating_mul(1000))
            .unwrap_or(i64::MAX);
        let elapsed_ms = at.saturating_sub(state.last_resolution_at);
        (policy.max_seconds_without_resolution > 0 && elapsed_ms >= limit_ms)
            .then(|| format!("{} s without resolution", elapsed_ms / 1000))
    }

    /// Gives the conversation to a human: queued when an agent is available, otherwise
    /// `no_agent_available` with a callback offer (and the bot keeps the conversation).
    pub(crate) fn escalate(&self, out: &mut Out, reason: ReasonCode, detail: String, turn: &Turn) {
        if let Some(form) = out.state.form.clone() {
            out.push(EventKind::FormEnded {
                intent: form.intent,
                outcome: crate::event::FormOutcome::Escalated,
            });
        }
        out.push(EventKind::HandoffRequested { reason, detail });
        let lang = self.lang(&out.state);
        if turn.agents_available {
            out.push(say(text(Msg::HandoffQueued, &lang).into(), Vec::new()));
            out.push(EventKind::handoff(HandoffState::Queued, Some(reason)));
        } else {
            let callback = QuickReply {
                title: text(Msg::CallbackButton, &lang).into(),
                payload: CALLBACK_PAYLOAD.into(),
            };
            out.push(say(text(Msg::NoAgent, &lang).into(), vec![callback]));
            out.push(EventKind::handoff(HandoffState::NoAgentAvailable, Some(reason)));
        }
    }
}
