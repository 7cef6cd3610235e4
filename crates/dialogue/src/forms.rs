//! Forms and actions: asking an intent's slots in order, validating the answers, and
//! turning a complete form into an action request and its result into a reply.

use serde_json::{Value, json};

use crate::playbook::{ActionSpec, Intent};
use crate::engine::{Engine, Out, say};
use crate::event::{EventKind, FormOutcome, ReasonCode};
use crate::messages::{Msg, text};
use crate::state::ConversationState;
use crate::turn::Turn;

impl Engine {
    /// Asks the first unfilled slot, or completes the form (action or response).
    pub(crate) fn advance_form(&self, out: &mut Out, intent: &Intent) {
        match intent
            .slots
            .iter()
            .find(|s| !out.state.slots.contains_key(&s.name))
        {
            Some(slot) => self.ask(out, intent, &slot.prompt),
            None => {
                out.push(EventKind::FormEnded {
                    intent: intent.name.clone(),
                    outcome: FormOutcome::Completed,
                });
                match &intent.action {
                    Some(action) => self.request_action(out, intent, action),
                    None => self.respond(out, intent),
                }
            }
        }
    }

    /// Takes `value` as the answer to the slot being asked.
    pub(crate) fn fill_slot(&self, out: &mut Out, value: &str) {
        let Some(form) = out.state.form.clone() else {
            return;
        };
        let Some(intent) = self
            .playbook()
            .intent(&self.lang(&out.state), &form.intent)
        else {
            out.push(EventKind::FormEnded {
                intent: form.intent,
                outcome: FormOutcome::Cancelled,
            });
            return;
        };
        let Some(slot) = intent
            .slots
            .iter()
            .find(|s| !out.state.slots.contains_key(&s.name))
        else {
            self.advance_form(out, intent);
            return;
        };
        if let Some(value) = slot.extract(value) {
            out.push(EventKind::SlotSet {
                name: slot.name.clone(),
                value,
            });
            self.advance_form(out, intent);
            return;
        }
        out.push(EventKind::SlotRejected {
            name: slot.name.clone(),
            value: value.to_owned(),
        });
        let attempts = out.state.form.as_ref().map_or(0, |f| f.failed_attempts);
        if attempts >= self.policy().max_slot_attempts {
            out.push(EventKind::FormEnded {
                intent: intent.name.clone(),
                outcome: FormOutcome::GaveUp,
            });
            let lang = self.lang(&out.state);
            out.push(say(
                text(Msg::SlotGaveUp, &lang).into(),
                vec![self.human_button(&lang)],
            ));
            return;
        }
        self.ask(out, intent, slot.retry.as_ref().unwrap_or(&slot.prompt));
    }

    /// Asks a slot's question (its prompt or retry), rendered with what is known so far.
    fn ask(&self, out: &mut Out, intent: &Intent, question: &String) {
        let text = self
            .render(&out.state, std::slice::from_ref(question))
            .unwrap_or_default();
        out.push(EventKind::BotMessage {
            text,
            quick_replies: Vec::new(),
            sources: Vec::new(),
            intent: Some(intent.name.clone()),
            ask_feedback: false,
        });
    }

    /// Leaves the form on "cancel"; slots already given are kept.
    pub(crate) fn cancel_form(&self, out: &mut Out) {
        if let Some(form) = out.state.form.clone() {
            out.push(EventKind::FormEnded {
                intent: form.intent,
                outcome: FormOutcome::Cancelled,
            });
            out.push(say(
                text(Msg::FormCancelled, &self.lang(&out.state)).into(),
                Vec::new(),
            ));
        }
    }

    /// Asks the caller to POST intent, slots, visitor attributes (claims), the verified
    /// user id (or null) and language to the action.
    pub(crate) fn request_action(&self, out: &mut Out, intent: &Intent, action: &ActionSpec) {
        let payload = json!({
            "conversation_id": out.state.conversation_id,
            "intent": intent.name,
            "slots": out.state.slots,
            "visitor": out.state.visitor,
            "verified_user_id": out.state.verified_user_id,
            "lang": self.lang(&out.state),
        });
        out.push(EventKind::ActionRequested {
            intent: intent.name.clone(),
            action: action.name.clone(),
            url: action.url.clone(),
            payload,
        });
    }

    /// Turns the caller's action result into slots, a reply and possibly a handoff. The
    /// reply JSON may hold `text` (string), `slots` (object) and `handoff` (bool).
    pub(crate) fn on_action_result(
        &self,
        out: &mut Out,
        prior: &ConversationState,
        ok: bool,
        reply: Option<&Value>,
        error: Option<&str>,
        turn: &Turn,
    ) {
        let Some(pending) = prior.pending_action.clone() else {
            return;
        };
        let lang = self.lang(&out.state);
        let intent = self.playbook().intent(&lang, &pending.intent);
        if !ok {
            let escalate = self.policy().escalate_on_action_failure;
            let buttons = if escalate {
                Vec::new()
            } else {
                vec![self.human_button(&lang)]
            };
            out.push(say(text(Msg::ActionFailed, &lang).into(), buttons));
            if escalate {
                let detail = format!("{}: {}", pending.action, error.unwrap_or("unknown error"));
                self.escalate(out, ReasonCode::ActionFailed, detail, turn);
            }
            return;
        }
        let object = reply.and_then(Value::as_object);
        if let Some(slots) = object
            .and_then(|o| o.get("slots"))
            .and_then(Value::as_object)
        {
            for (name, value) in slots {
                let value = match value {
                    Value::Null => continue,
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push(EventKind::SlotSet {
                    name: name.clone(),
                    value,
                });
            }
        }
        let reply_text = object
            .and_then(|o| o.get("text"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| intent.and_then(|i| self.render(&out.state, &i.responses)));
        if let Some(reply_text) = reply_text {
            out.push(EventKind::BotMessage {
                text: reply_text,
                quick_replies: intent.map(|i| i.quick_replies.clone()).unwrap_or_default(),
                sources: Vec::new(),
                intent: Some(pending.intent.clone()),
                ask_feedback: false,
            });
        }
        if object
            .and_then(|o| o.get("handoff"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            self.escalate(out, ReasonCode::ActionHandoff, pending.action, turn);
        } else {
            out.push(EventKind::Resolved);
        }
    }
}
