//! The whole assistant in one process: the sentence encoder, an intent model per
//! language, the knowledge base, the dialogue engine and the action client, wired
//! together for `relais chat` and `relais test`.

use std::collections::BTreeMap;

use anyhow::Context;
use relais_dialogue::{
    Assistant, ConversationState, Engine, Event, EventKind, IntentScore, KnowledgeAnswer,
    KnowledgeHit, Policy, Turn, Understanding, detect_language,
};
use relais_knowledge::{KnowledgeBase, Ranking, SearchOptions};
use relais_nlu::{Encoder, IntentModel};

use crate::actions::ActionClient;
use crate::config::Settings;
use crate::nlu::{load_encoder, train_or_reuse};

/// How many knowledge passages a turn looks at.
const KNOWLEDGE_HITS: usize = 3;

/// Everything needed to answer a visitor.
pub struct Bot {
    encoder: Encoder,
    models: BTreeMap<String, IntentModel>,
    knowledge: KnowledgeBase,
    engine: Engine,
    actions: ActionClient,
}

/// One conversation held in memory: its log and the state folded from it.
pub struct Conversation {
    pub state: ConversationState,
    pub events: Vec<Event>,
}

impl Conversation {
    fn append(&mut self, events: &[Event]) {
        for event in events {
            self.state.apply(event);
        }
        self.events.extend_from_slice(events);
    }
}

impl Bot {
    /// Loads the encoder, trains (or reuses) an intent model for every language folder
    /// of the intents, and opens the knowledge base.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let encoder = load_encoder(&settings.nlu.model_dir)?;
        let intents_dir = &settings.nlu.intents_dir;
        let assistant = Assistant::load_dir(intents_dir)
            .with_context(|| format!("loading the assistant from {}", intents_dir.display()))?;
        let mut models = BTreeMap::new();
        for lang in assistant.languages() {
            let out = settings.nlu.models_out.join(format!("intents-{lang}.bin"));
            let model = train_or_reuse(
                &encoder,
                &intents_dir.join(lang),
                None,
                &out,
                &settings.nlu.training,
            )?;
            models.insert(lang.to_string(), model);
        }
        let knowledge = crate::knowledge::open(
            &settings.knowledge.dir,
            &settings.knowledge.index_dir,
            &encoder,
        )?;
        Ok(Self {
            encoder,
            models,
            knowledge,
            engine: Engine::new(assistant, settings.dialogue.clone()),
            actions: ActionClient::new(settings.actions.timeout()),
        })
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

    /// Starts a conversation; `lang` is the visitor's, or detected from the first message.
    pub fn start(
        &self,
        conversation_id: &str,
        lang: Option<String>,
        visitor: BTreeMap<String, String>,
        at: i64,
    ) -> Conversation {
        let mut conversation = Conversation {
            state: ConversationState::default(),
            events: Vec::new(),
        };
        let started = EventKind::Started {
            conversation_id: conversation_id.to_string(),
            lang,
            visitor,
        };
        conversation.append(&[Event { at, kind: started }]);
        conversation
    }

    /// The visitor says `text`: understand it, look it up, let the engine decide, and
    /// run the actions it asks for. Returns the new events.
    pub fn say(
        &self,
        conversation: &mut Conversation,
        client_id: &str,
        text: &str,
        at: i64,
        agents_available: bool,
    ) -> anyhow::Result<Vec<Event>> {
        let lang = conversation
            .state
            .lang
            .clone()
            .or_else(|| detect_language(text).map(str::to_string))
            .unwrap_or_else(|| self.engine.policy().default_language.clone());
        let embedding = self.encoder.encode_one(text)?;
        let model = self
            .models
            .get(&lang)
            .or_else(|| self.models.get(&self.engine.policy().default_language))
            .context("no intent model: the intents folder has no language")?;
        let prediction = model.predict_embedded(text, &embedding)?;
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
            .knowledge
            .search_embedded(text, Some(&embedding), &options)?;
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
        Ok(self.take_turn(conversation, turn))
    }

    /// Any other input (quick reply, feedback, handoff change …).
    pub fn handle(
        &self,
        conversation: &mut Conversation,
        input: EventKind,
        at: i64,
        agents_available: bool,
    ) -> Vec<Event> {
        self.take_turn(
            conversation,
            Turn::new(at, input).with_agents_available(agents_available),
        )
    }

    /// Runs the engine, then every action it requests, feeding each result back.
    fn take_turn(&self, conversation: &mut Conversation, turn: Turn) -> Vec<Event> {
        let agents_available = turn.agents_available;
        let at = turn.at;
        let mut new = self.engine.handle(&conversation.state, turn);
        conversation.append(&new);
        let mut pending: Vec<(String, String, serde_json::Value)> = requested_actions(&new);
        while let Some((action, url, payload)) = pending.pop() {
            let result = self.actions.perform(&action, &url, &payload);
            let events = self.engine.handle(
                &conversation.state,
                Turn::new(at, result).with_agents_available(agents_available),
            );
            conversation.append(&events);
            pending.extend(requested_actions(&events));
            new.extend(events);
        }
        new
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
