//! What the caller hands the engine for one turn — the input, and the results of the
//! intent model, the knowledge retriever and the agent roster, computed outside the
//! engine — and what it gets back.
//!
//! An [`Input`] is all a caller can feed in: something a visitor, an agent or the server
//! did. The engine writes every event itself, the input's first, so no caller can put a
//! bot message or an intent prediction in a conversation's log.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::event::{ChannelAddress, Event, EventKind, HandoffState, IntentScore};
use crate::lang::language_of;
use crate::state::ConversationState;

/// The intent model's reading of a visitor message.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    /// The language the message was read in, chosen once per turn with
    /// [`Engine::language`](crate::Engine::language); it becomes the conversation's
    /// language if it has none yet.
    pub lang: String,
    /// The top intent.
    pub intent: String,
    pub confidence: f32,
    /// Top intents with their probabilities, best first.
    pub ranking: Vec<IntentScore>,
    /// Out of scope: no intent covers the message.
    pub oos: bool,
    /// The top two intents are too close to choose.
    pub ambiguous: bool,
}

/// One passage returned by the knowledge retriever.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeHit {
    pub title: String,
    pub url: String,
    pub text: String,
}

/// The knowledge retriever's answer, best hit first.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeAnswer {
    pub hits: Vec<KnowledgeHit>,
    pub confidence: f32,
}

/// What starts a turn. Each becomes the event of the same name (see [`Input::events`]).
/// A help-centre article a page shows, as the server found it among its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub article_id: String,
    pub title: String,
}

impl Topic {
    fn event(self) -> EventKind {
        EventKind::TopicSet { article_id: self.article_id, title: self.title }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A new conversation: `started`, the page the visitor is on, then the greeting.
    Start {
        conversation_id: String,
        /// A language tag; recorded as its language (`fr-CA` → `fr`, see `language_of`).
        lang: Option<String>,
        /// What the visitor claims about themself.
        visitor: BTreeMap<String, String>,
        /// The user id of a valid identity signature; set by the server only.
        verified_user_id: Option<String>,
        /// The widget's random id for the browser: a claim, for the insights only.
        browser_id: Option<String>,
        /// The page the visitor is on: url and title.
        page: Option<(String, Option<String>)>,
        /// The help-centre article that page shows; set by the server only.
        topic: Option<Topic>,
        /// Started by a simulation (`relais simulate`); set by the server only.
        simulated: bool,
        /// The channel it runs on when not the widget; set by the server only.
        channel: Option<ChannelAddress>,
    },
    /// The visitor's message.
    Message { client_id: String, text: String },
    /// The visitor pressed a suggested button.
    QuickReply { payload: String },
    /// The visitor asked for a person.
    RequestAgent { reason: Option<String> },
    Feedback { seq: u64, helpful: bool },
    PageView {
        url: String,
        title: Option<String>,
        /// The help-centre article the page shows; set by the server only.
        topic: Option<Topic>,
    },
    /// The host site told who the visitor is.
    Identify {
        visitor: BTreeMap<String, String>,
        verified_user_id: Option<String>,
    },
    /// No agent was free: the visitor asked to be contacted.
    Callback {
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        preferred_time: Option<String>,
        note: Option<String>,
    },
    /// The visitor rated the conversation (1 to the scale asked).
    Rate { score: u8 },
    /// The visitor or an agent ended the conversation.
    Close { by: String, resolution: Option<String> },
    /// An agent took the conversation from the queue.
    Claim { agent_name: String },
    AgentMessage {
        client_id: String,
        text: String,
        agent_id: i64,
        agent_name: String,
    },
    AgentNote {
        text: String,
        agent_id: i64,
        agent_name: String,
    },
    /// The agent gave the conversation back to the bot.
    HandBack { agent_name: String },
    /// The agent holding the conversation can no longer answer it (they were disabled):
    /// it goes back to the queue, for another agent to claim.
    AgentLeft { agent_name: String },
    /// The visitor left the queue (no socket of theirs for a while).
    Abandon,
    /// The business's answer to an action the engine requested.
    ActionResult {
        action: String,
        ok: bool,
        reply: Option<Value>,
        error: Option<String>,
    },
}

impl Input {
    /// A new conversation started by a visitor of the widget who claims nothing and is
    /// on no particular page, in `lang` if it is known.
    pub fn start(conversation_id: impl Into<String>, lang: Option<String>) -> Self {
        Input::Start {
            conversation_id: conversation_id.into(),
            lang,
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            page: None,
            topic: None,
            simulated: false,
            channel: None,
        }
    }

    /// The events that record this input in a conversation whose state is `state`, first
    /// in the turn's events.
    pub fn events(&self, state: &ConversationState) -> Vec<EventKind> {
        let handoff = |state, agent_name: &str| EventKind::Handoff {
            state,
            reason: None,
            agent_name: Some(agent_name.to_owned()),
            position: None,
        };
        let kind = match self.clone() {
            Input::Start {
                conversation_id,
                lang,
                visitor,
                verified_user_id,
                browser_id,
                page,
                topic,
                simulated,
                channel,
            } => {
                let mut events = vec![EventKind::Started {
                    conversation_id,
                    lang: lang.as_deref().and_then(language_of),
                    visitor,
                    verified_user_id,
                    browser_id,
                    simulated,
                    channel,
                }];
                events.extend(page.map(|(url, title)| EventKind::PageViewed { url, title }));
                events.extend(topic.map(Topic::event));
                return events;
            }
            Input::Message { client_id, text } => EventKind::VisitorMessage { text, client_id },
            Input::QuickReply { payload } => EventKind::QuickReplyPressed { payload },
            Input::RequestAgent { reason } => EventKind::RequestAgent { reason },
            Input::Feedback { seq, helpful } => EventKind::Feedback { seq, helpful },
            Input::PageView { url, title, topic } => {
                let mut events = vec![EventKind::PageViewed { url, title }];
                events.extend(topic.filter(|t| state.topic.as_deref() != Some(t.article_id.as_str())).map(Topic::event));
                return events;
            }
            Input::Identify {
                visitor,
                verified_user_id,
            } => EventKind::VisitorIdentified {
                visitor,
                verified_user_id,
            },
            Input::Callback {
                name,
                email,
                phone,
                preferred_time,
                note,
            } => EventKind::CallbackRequested {
                name,
                email,
                phone,
                preferred_time,
                note,
            },
            // The scale of the rating asked (0 if none was: the server refuses that first).
            Input::Rate { score } => EventKind::ConversationRated {
                score,
                scale: state.rating_pending.unwrap_or(0),
            },
            Input::Close { by, resolution } => EventKind::Closed { by, resolution },
            Input::Claim { agent_name } => handoff(HandoffState::AgentJoined, &agent_name),
            Input::AgentMessage {
                client_id,
                text,
                agent_id,
                agent_name,
            } => EventKind::AgentMessage {
                text,
                client_id,
                agent_id,
                agent_name,
            },
            Input::AgentNote {
                text,
                agent_id,
                agent_name,
            } => EventKind::AgentNote {
                text,
                agent_id,
                agent_name,
            },
            Input::HandBack { agent_name } => handoff(HandoffState::ReturnedToBot, &agent_name),
            Input::AgentLeft { agent_name } => handoff(HandoffState::AgentLeft, &agent_name),
            Input::Abandon => EventKind::handoff(HandoffState::Abandoned, None),
            Input::ActionResult {
                action,
                ok,
                reply,
                error,
            } => EventKind::ActionResult {
                action,
                ok,
                reply,
                error,
            },
        };
        vec![kind]
    }
}

/// One input to the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Time of the input, in ms since the Unix epoch.
    pub at: i64,
    pub input: Input,
    /// The intent model's result for a visitor message (None: not run).
    pub understanding: Option<Understanding>,
    /// The retriever's result (None: not searched).
    pub knowledge: Option<KnowledgeAnswer>,
    /// An agent can take the conversation now (on shift, within business hours).
    pub agents_available: bool,
}

impl Turn {
    /// A turn with no NLU or knowledge result and agents available.
    pub fn new(at: i64, input: Input) -> Self {
        Turn {
            at,
            input,
            understanding: None,
            knowledge: None,
            agents_available: true,
        }
    }

    pub fn with_understanding(mut self, understanding: Understanding) -> Self {
        self.understanding = Some(understanding);
        self
    }

    pub fn with_knowledge(mut self, knowledge: KnowledgeAnswer) -> Self {
        self.knowledge = Some(knowledge);
        self
    }

    pub fn with_agents_available(mut self, available: bool) -> Self {
        self.agents_available = available;
        self
    }
}

/// What a turn did: its events, the input's first, and the state after them.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub events: Vec<Event>,
    pub state: ConversationState,
}
