//! What the caller hands the engine for one turn: the input event and the results of the
//! intent model, the knowledge retriever and the agent roster, computed outside the engine.

use crate::event::{EventKind, IntentScore};

/// The intent model's reading of a visitor message.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
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

/// One input to the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Time of the input, in ms since the Unix epoch.
    pub at: i64,
    /// The new event: a visitor message, quick reply, feedback, action result, handoff …
    pub input: EventKind,
    /// The intent model's result for a visitor message (None: not run).
    pub understanding: Option<Understanding>,
    /// The retriever's result (None: not searched).
    pub knowledge: Option<KnowledgeAnswer>,
    /// An agent can take the conversation now (on shift, within business hours).
    pub agents_available: bool,
}

impl Turn {
    /// A turn with no NLU or knowledge result and agents available.
    pub fn new(at: i64, input: EventKind) -> Self {
        Turn {
            at,
            input,
            understanding: None,
            knowledge: None,
            agents_available: true,
        }
    }

    /// A visitor message.
    pub fn message(at: i64, client_id: &str, text: &str) -> Self {
        Turn::new(
            at,
            EventKind::VisitorMessage {
                text: text.into(),
                client_id: client_id.into(),
            },
        )
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
