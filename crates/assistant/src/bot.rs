//! [`Bot`]: one visitor turn from text to events, actions included.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use relais_dialogue::{
    ConversationState, Engine, Event, EventKind, IntentScore, KnowledgeAnswer, KnowledgeHit,
    Policy, Turn, Understanding, detect_language,
};
use relais_encoder::Encoder;
use relais_knowledge::{KnowledgeBase, KnowledgeError, KnowledgeWatcher, Ranking, Reload, SearchOptions, SearchResults};
use relais_nlu::{IntentModel, NluError};

use crate::actions::ActionClient;

/// How many knowledge passages a turn looks at.
const KNOWLEDGE_HITS: usize = 3;

/// Why a turn could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("understanding the message failed: {0}")]
    Nlu(#[from] NluError),
    #[error("searching the knowledge base failed: {0}")]
    Knowledge(#[from] KnowledgeError),
    #[error("there is no intent model for language {0:?} nor for the default language")]
    NoIntentModel(String),
    #[error("the knowledge base is unusable: a reload panicked; restart relais")]
    KnowledgeLock,
}

/// Everything needed to answer a visitor. The knowledge base sits behind a lock so that
/// [`Bot::watch_knowledge`] can swap in a re-indexed one while turns go on.
pub struct Bot {
    encoder: Arc<Encoder>,
    models: BTreeMap<String, IntentModel>,
    knowledge: Arc<RwLock<KnowledgeBase>>,
    engine: Engine,
    actions: ActionClient,
}

/// One conversation held in memory: its log and the state folded from it.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub state: ConversationState,
    pub events: Vec<Event>,
}

impl Bot {
    /// A bot answering with `models` (one intent model per language code).
    pub fn new(
        encoder: Encoder,
        models: BTreeMap<String, IntentModel>,
        knowledge: KnowledgeBase,
        engine: Engine,
        actions: ActionClient,
    ) -> Self {
        Self {
            encoder: Arc::new(encoder),
            models,
            knowledge: Arc::new(RwLock::new(knowledge)),
            engine,
            actions,
        }
    }

    /// Embeds `texts`, in their order, in as few passes of the encoder as it can: for
    /// callers that batch messages, then call [`Bot::reply`] with each embedding.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        Ok(self.encoder.encode(texts)?)
    }

    /// The `k` passages that best answer `query`, in articles of `lang` (any language
    /// when `None`): an agent looking for an article to send.
    pub fn search_knowledge(&self, query: &str, lang: Option<&str>, k: usize) -> Result<SearchResults, Error> {
        let options = SearchOptions {
            lang: lang.map(str::to_owned),
            k,
            ranking: Ranking::Hybrid,
        };
        Ok(self.knowledge_base()?.search(&self.encoder, query, &options)?)
    }

    /// Follows edits of the knowledge folder: `debounce` after the last change to an
    /// article, the knowledge base is re-indexed (incrementally) and swapped in, and
    /// `on_reload` hears how it went. Watching stops when the watcher is dropped.
    pub fn watch_knowledge(
        &self,
        debounce: Duration,
        on_reload: impl FnMut(Reload) + Send + 'static,
    ) -> Result<KnowledgeWatcher, KnowledgeError> {
        KnowledgeBase::watch(self.knowledge.clone(), self.encoder.clone(), debounce, on_reload)
    }

    fn knowledge_base(&self) -> Result<std::sync::RwLockReadGuard<'_, KnowledgeBase>, Error> {
        self.knowledge.read().map_err(|_| Error::KnowledgeLock)
    }

    /// Whether some language's intent model knows `intent` (`oos` included).
    pub fn knows_intent(&self, intent: &str) -> bool {
        intent == relais_nlu::OOS
            || self
                .models
                .values()
                .any(|m| m.intents().any(|i| i == intent))
    }

    /// The thresholds in force.
    pub fn policy(&self) -> &Policy {
        self.engine.policy()
    }

    /// Replaces the thresholds, keeping intents and responses.
    pub fn set_policy(&mut self, policy: Policy) {
        self.engine = Engine::new(self.engine.assistant().clone(), policy);
    }

    /// The `started` event of a conversation; `lang` is the visitor's, or detected
    /// from the first message.
    pub fn started(
        conversation_id: &str,
        lang: Option<String>,
        visitor: BTreeMap<String, String>,
        verified_user_id: Option<String>,
    ) -> EventKind {
        EventKind::Started {
            conversation_id: conversation_id.to_string(),
            lang,
            visitor,
            verified_user_id,
        }
    }

    /// The bot's first message in a conversation whose state is `state`.
    pub fn greeting(&self, state: &ConversationState) -> EventKind {
        self.engine.greeting(state)
    }

    /// Starts an in-memory conversation.
    pub fn start(
        &self,
        conversation_id: &str,
        lang: Option<String>,
        visitor: BTreeMap<String, String>,
        at: i64,
    ) -> Conversation {
        let mut conversation = Conversation::default();
        let started = Event {
            at,
            kind: Self::started(conversation_id, lang, visitor, None),
        };
        conversation.state.apply(&started);
        conversation.events.push(started);
        conversation
    }

    /// The visitor says `text` in an in-memory conversation; returns the new events.
    pub fn say(
        &self,
        conversation: &mut Conversation,
        client_id: &str,
        text: &str,
        at: i64,
        agents_available: bool,
    ) -> Result<Vec<Event>, Error> {
        let embedding = self.encoder.encode_one(text)?;
        let events = self.reply(
            &mut conversation.state,
            client_id,
            text,
            &embedding,
            at,
            agents_available,
        )?;
        conversation.events.extend_from_slice(&events);
        Ok(events)
    }

    /// Any other input (quick reply, feedback, handoff change …) in an in-memory conversation.
    pub fn handle(
        &self,
        conversation: &mut Conversation,
        input: EventKind,
        at: i64,
        agents_available: bool,
    ) -> Vec<Event> {
        let events = self.take_turn(
            &mut conversation.state,
            Turn::new(at, input).with_agents_available(agents_available),
        );
        conversation.events.extend_from_slice(&events);
        events
    }

    /// The visitor says `text`, already embedded by this bot's encoder: understand it,
    /// look it up, let the engine decide and run the actions it asks for. Returns the
    /// new events (the visitor's message first), already folded into `state`.
    pub fn reply(
        &self,
        state: &mut ConversationState,
        client_id: &str,
        text: &str,
        embedding: &[f32],
        at: i64,
        agents_available: bool,
    ) -> Result<Vec<Event>, Error> {
        let default_lang = &self.engine.policy().default_language;
        let lang = state
            .lang
            .clone()
            .or_else(|| detect_language(text).map(str::to_string))
            .unwrap_or_else(|| default_lang.clone());
        let model = self
            .models
            .get(&lang)
            .or_else(|| self.models.get(default_lang))
            .ok_or_else(|| Error::NoIntentModel(lang.clone()))?;
        let prediction = model.predict_embedded(text, embedding)?;
        let understanding = Understanding {
            intent: prediction.intent.clone(),
            confidence: prediction.confidence,
            ranking: prediction
                .ranking
                .iter()
                .map(|s| IntentScore {
                    intent: s.intent.clone(),
                    confidence: s.probability,
                })
                .collect(),
            oos: prediction.is_oos(),
            ambiguous: prediction.ambiguous,
        };
        let options = SearchOptions {
            lang: Some(lang),
            k: KNOWLEDGE_HITS,
            ranking: Ranking::Hybrid,
        };
        let found = self
            .knowledge_base()?
            .search_embedded(text, Some(embedding), &options)?;
        let knowledge = KnowledgeAnswer {
            confidence: found.confidence,
            hits: found
                .hits
                .into_iter()
                .map(|hit| KnowledgeHit {
                    title: hit.title,
                    url: hit.url.unwrap_or_default(),
                    text: hit.text,
                })
                .collect(),
        };
        let input = EventKind::VisitorMessage {
            text: text.to_string(),
            client_id: client_id.to_string(),
        };
        let turn = Turn::new(at, input)
            .with_understanding(understanding)
            .with_knowledge(knowledge)
            .with_agents_available(agents_available);
        Ok(self.take_turn(state, turn))
    }

    /// Any input other than a visitor message; returns the new events (the input
    /// first), already folded into `state`.
    pub fn handle_input(
        &self,
        state: &mut ConversationState,
        input: EventKind,
        at: i64,
        agents_available: bool,
    ) -> Vec<Event> {
        self.take_turn(
            state,
            Turn::new(at, input).with_agents_available(agents_available),
        )
    }

    /// Runs the engine, then every action it requests, feeding each result back.
    fn take_turn(&self, state: &mut ConversationState, turn: Turn) -> Vec<Event> {
        let agents_available = turn.agents_available;
        let at = turn.at;
        let mut new = self.engine.handle(state, turn);
        fold(state, &new);
        let mut pending = requested_actions(&new);
        while let Some((action, url, payload)) = pending.pop() {
            let result = self.actions.perform(&action, &url, &payload);
            let events = self.engine.handle(
                state,
                Turn::new(at, result).with_agents_available(agents_available),
            );
            fold(state, &events);
            pending.extend(requested_actions(&events));
            new.extend(events);
        }
        new
    }
}

fn fold(state: &mut ConversationState, events: &[Event]) {
    for event in events {
        state.apply(event);
    }
}

fn requested_actions(events: &[Event]) -> Vec<(String, String, serde_json::Value)> {
    events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::ActionRequested {
                action,
                url,
                payload,
                ..
            } => Some((action.clone(), url.clone(), payload.clone())),
            _ => None,
        })
        .collect()
}
