//! [`Bot`]: one turn of a conversation, from an input to its events, understanding,
//! knowledge search and actions included.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use relais_dialogue::{
    ConversationState, Engine, Event, EventKind, Input, IntentScore, KnowledgeAnswer,
    KnowledgeHit, Outcome, Policy, Stage, Turn, Understanding,
};
use relais_encoder::{ChanceSimilarity, Encoder, EncoderError};
use relais_knowledge::{KnowledgeBase, KnowledgeError, KnowledgeWatcher, Ranking, Reload, SearchOptions, SearchResults};
use relais_nlu::{IntentModel, NluError};

use crate::actions::ActionClient;

/// How many knowledge passages a turn looks at.
const KNOWLEDGE_HITS: usize = 3;

/// Why a turn could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("embedding the message failed: {0}")]
    Encoder(#[from] EncoderError),
    #[error("understanding the message failed: {0}")]
    Nlu(#[from] NluError),
    #[error("searching the knowledge base failed: {0}")]
    Knowledge(#[from] KnowledgeError),
    #[error("there is no intent model for language {0:?} nor for the default language")]
    NoIntentModel(String),
    #[error("the knowledge base is unusable: a reload panicked; restart relais")]
    KnowledgeLock,
}

/// An encoder of its own for the intents of a language (`[nlu.language_models]`), and
/// the folder it was loaded from.
#[derive(Clone)]
pub struct LanguageEncoder {
    pub dir: PathBuf,
    pub encoder: Arc<Encoder>,
}

/// Everything needed to answer a visitor. The knowledge base sits behind a lock so that
/// [`Bot::watch_knowledge`] can swap in a re-indexed one while turns go on.
pub struct Bot {
    encoder: Arc<Encoder>,
    /// Encoders of their own for some languages' intents (`[nlu.language_models]`).
    language_encoders: BTreeMap<String, LanguageEncoder>,
    models: BTreeMap<String, IntentModel>,
    knowledge: Arc<RwLock<KnowledgeBase>>,
    engine: Engine,
    actions: Arc<ActionClient>,
}

/// One conversation held in memory: its log and the state folded from it.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub state: ConversationState,
    pub events: Vec<Event>,
}

impl Bot {
    /// A bot answering with `models` (one intent model per language code, trained with
    /// that language's encoder in `language_encoders`, or else with `encoder`).
    pub fn new(
        encoder: Encoder,
        language_encoders: BTreeMap<String, LanguageEncoder>,
        models: BTreeMap<String, IntentModel>,
        knowledge: KnowledgeBase,
        engine: Engine,
        actions: ActionClient,
    ) -> Self {
        Self {
            encoder: Arc::new(encoder),
            language_encoders,
            models,
            knowledge: Arc::new(RwLock::new(knowledge)),
            engine,
            actions: Arc::new(actions),
        }
    }

    /// A bot answering with other intent models (trained with `language_encoders` where
    /// they name the language) and another engine (intents, responses, thresholds),
    /// sharing this one's encoder, knowledge base (and whoever watches it) and action
    /// client: what a reload replaces ([`crate::reload`]).
    pub fn with_intents(
        &self,
        language_encoders: BTreeMap<String, LanguageEncoder>,
        models: BTreeMap<String, IntentModel>,
        engine: Engine,
    ) -> Bot {
        Bot {
            encoder: self.encoder.clone(),
            language_encoders,
            models,
            knowledge: self.knowledge.clone(),
            engine,
            actions: self.actions.clone(),
        }
    }

    /// The sentence encoder, shared.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The cosine the shared encoder gives unrelated texts, per language: limits on its
    /// cosines are set above it.
    pub fn chance_similarity(&self) -> ChanceSimilarity {
        self.encoder.chance_similarity()
    }

    /// The encoders of some languages' intents, by language (`[nlu.language_models]`).
    pub fn language_encoders(&self) -> &BTreeMap<String, LanguageEncoder> {
        &self.language_encoders
    }

    /// The intent model a message in `lang` is read with (the default language's when
    /// `lang` has none), and the encoder of its own, if its language has one.
    fn intent_model(&self, lang: &str) -> Result<(&IntentModel, Option<&Encoder>), Error> {
        let default_lang = &self.engine.policy().default_language;
        let (model_lang, model) = self
            .models
            .get_key_value(lang)
            .or_else(|| self.models.get_key_value(default_lang))
            .ok_or_else(|| Error::NoIntentModel(lang.to_owned()))?;
        let own = self.language_encoders.get(model_lang).map(|own| own.encoder.as_ref());
        Ok((model, own))
    }

    /// The encoder the intents of `lang` are recognised with.
    pub fn intent_encoder(&self, lang: &str) -> Result<&Encoder, Error> {
        Ok(self.intent_model(lang)?.1.unwrap_or(&self.encoder))
    }

    /// Embeds `texts`, in their order, in as few passes of the encoder as it can: for
    /// callers that batch messages, then pass each embedding to [`Bot::turn`].
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

    /// Every intent some language's model knows (`oos` not included), by name, with its
    /// title (the first language's with one) if the intent files give it one.
    pub fn intents(&self) -> BTreeMap<&str, Option<&str>> {
        let playbook = self.engine.playbook();
        let title = |name: &str| {
            playbook
                .languages()
                .find_map(|lang| playbook.intent(lang, name).and_then(|intent| intent.title.as_deref()))
        };
        self.models
            .values()
            .flat_map(|m| m.intents())
            .filter(|i| *i != relais_nlu::OOS)
            .map(|name| (name, title(name)))
            .collect()
    }

    /// The thresholds in force.
    pub fn policy(&self) -> &Policy {
        self.engine.policy()
    }

    /// Replaces the thresholds, keeping intents and responses.
    pub fn set_policy(&mut self, policy: Policy) {
        self.engine = Engine::new(self.engine.playbook().clone(), policy);
    }

    /// The text a turn on `input` reads with the intent model and the knowledge base: a
    /// visitor's message, or a typed quick reply, while the bot holds the conversation.
    /// Callers that batch embeddings embed this text and pass it to [`Bot::turn`].
    pub fn reads<'a>(&self, state: &ConversationState, input: &'a Input) -> Option<&'a str> {
        if state.stage != Stage::Bot {
            return None;
        }
        match input {
            Input::Message { text, .. } => Some(text),
            Input::QuickReply { payload } if !payload.starts_with('/') => Some(payload),
            _ => None,
        }
    }

    /// The one way a conversation moves: reads the text of the turn if there is one
    /// ([`Bot::reads`]; `embedding` is its embedding by this bot's encoder, computed here
    /// when `None`), lets the engine decide, and runs every action it asks for, feeding
    /// each result back. Returns the turn's events, the input's first, and the state
    /// after them.
    pub fn turn(
        &self,
        state: &ConversationState,
        mut turn: Turn,
        embedding: Option<Vec<f32>>,
    ) -> Result<Outcome, Error> {
        if let Some(text) = self.reads(state, &turn.input) {
            let text = text.to_owned();
            let embedding = match embedding {
                Some(embedding) => embedding,
                None => self.encoder.encode_one(&text)?,
            };
            let (understanding, knowledge) = self.read(state, &text, &embedding)?;
            turn = turn.with_understanding(understanding).with_knowledge(knowledge);
        }
        let (at, agents_available) = (turn.at, turn.agents_available);
        let mut outcome = self.engine.handle(state, turn);
        let mut pending = requested_actions(&outcome.events);
        while let Some((action, url, payload)) = pending.pop() {
            let result = self.actions.perform(&action, &url, &payload);
            let next = self.engine.handle(
                &outcome.state,
                Turn::new(at, result).with_agents_available(agents_available),
            );
            pending.extend(requested_actions(&next.events));
            outcome.events.extend(next.events);
            outcome.state = next.state;
        }
        Ok(outcome)
    }

    /// The knowledge search for `text`. In a conversation about a help-centre article
    /// ([`ConversationState::topic`]), the question is also searched as asked about that
    /// article (its title, then the text: "how much does it cost?" while reading "Return
    /// large items"); that search wins when its best passage is the article's and it is
    /// surer than the plain one. A question about something else keeps its plain answer.
    fn search_on_topic(
        &self,
        state: &ConversationState,
        text: &str,
        embedding: &[f32],
        options: &SearchOptions,
    ) -> Result<SearchResults, Error> {
        let knowledge = self.knowledge_base()?;
        let plain = knowledge.search_embedded(text, Some(embedding), options)?;
        let (Some(topic), Some(title)) = (&state.topic, &state.topic_title) else {
            return Ok(plain);
        };
        let about = format!("{title}: {text}");
        let about_embedding = self.encoder.encode_one(&about)?;
        let on_topic = knowledge.search_embedded(&about, Some(&about_embedding), options)?;
        let answers = on_topic.hits.first().is_some_and(|hit| &hit.article_id == topic);
        Ok(if answers && on_topic.confidence > plain.confidence { on_topic } else { plain })
    }

    /// What the intent model and the knowledge base make of `text`, in the language
    /// chosen for it once here. `embedding` is the shared encoder's; a language with an
    /// encoder of its own embeds `text` again for its intents.
    fn read(
        &self,
        state: &ConversationState,
        text: &str,
        embedding: &[f32],
    ) -> Result<(Understanding, KnowledgeAnswer), Error> {
        let lang = self.engine.language(state, text);
        let prediction = match self.intent_model(&lang)? {
            (model, Some(own)) => model.predict(own, text)?,
            (model, None) => model.predict_embedded(text, embedding)?,
        };
        let understanding = Understanding {
            lang: lang.clone(),
            intent: prediction.intent.clone(),
            confidence: prediction.confidence,
            ranking: prediction
                .ranking
                .iter()
                .map(|s| IntentScore {
                    intent: s.intent.clone(),
                    confidence: s.confidence,
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
        let found = self.search_on_topic(state, text, embedding, &options)?;
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
        Ok((understanding, knowledge))
    }
}

impl Conversation {
    /// Takes one turn of this in-memory conversation with `bot`; returns its events.
    pub fn take(&mut self, bot: &Bot, turn: Turn) -> Result<&[Event], Error> {
        let outcome = bot.turn(&self.state, turn, None)?;
        let from = self.events.len();
        self.events.extend(outcome.events);
        self.state = outcome.state;
        Ok(&self.events[from..])
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
