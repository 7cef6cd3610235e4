//! What the assistant is made of, as `relais.toml` says it: the data folder, the
//! `[nlu]`, `[knowledge]`, `[dialogue]` and `[actions]` sections. Trained models and
//! the knowledge index live in the data folder unless a key of their own puts them
//! elsewhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use relais_dialogue::Policy;
use relais_nlu::TrainOptions;
use serde::{Deserialize, Serialize};

/// Everything [`crate::load`] needs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AssistantConfig {
    /// The folder trained models and the knowledge index derive from (as do, for the
    /// server, the event store and the token key).
    pub data_dir: PathBuf,
    pub nlu: NluConfig,
    pub knowledge: KnowledgeConfig,
    /// When the bot answers, asks, acts or gives way (see relais.toml).
    pub dialogue: Policy,
    pub actions: ActionConfig,
}

impl Default for AssistantConfig {
    fn default() -> Self {
        Self {
            data_dir: "data".into(),
            nlu: NluConfig::default(),
            knowledge: KnowledgeConfig::default(),
            dialogue: Policy::default(),
            actions: ActionConfig::default(),
        }
    }
}

impl AssistantConfig {
    /// Where trained intent models are kept: `[nlu] models_out`, or `data_dir/models`.
    pub fn models_dir(&self) -> PathBuf {
        self.nlu
            .models_out
            .clone()
            .unwrap_or_else(|| self.data_dir.join("models"))
    }

    /// Where the search index and passage embeddings are kept: `[knowledge] index_dir`,
    /// or `data_dir/knowledge`.
    pub fn index_dir(&self) -> PathBuf {
        self.knowledge
            .index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("knowledge"))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct NluConfig {
    /// Folder of the sentence-transformer (config.json, tokenizer.json, model.safetensors).
    pub model_dir: PathBuf,
    /// Another sentence-transformer folder for the intents of a language (ISO 639-1);
    /// by default `fr = "models/multilingual-e5-small"`. That language's messages are
    /// embedded a second time, by it, for intent recognition. The knowledge base and
    /// everything else keep `model_dir`. A language the intents folder lacks loads none.
    pub language_models: BTreeMap<String, PathBuf>,
    /// Folder of the intent files, one sub-folder per language.
    pub intents_dir: PathBuf,
    /// Where trained intent models are kept; unset: `data_dir/models`.
    pub models_out: Option<PathBuf>,
    /// How intent models are trained (see relais.toml for each setting).
    pub training: TrainOptions,
}

impl NluConfig {
    /// The encoder folder of the intents of `lang`: its `language_models` entry, or
    /// `model_dir`.
    pub fn encoder_dir(&self, lang: Option<&str>) -> &Path {
        lang.and_then(|lang| self.language_models.get(lang))
            .unwrap_or(&self.model_dir)
    }
}

impl Default for NluConfig {
    fn default() -> Self {
        Self {
            model_dir: "models/all-MiniLM-L6-v2".into(),
            language_models: BTreeMap::from([(
                "fr".to_owned(),
                "models/multilingual-e5-small".into(),
            )]),
            intents_dir: "intents".into(),
            models_out: None,
            training: TrainOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct KnowledgeConfig {
    /// Folder of markdown articles, one sub-folder per language.
    pub dir: PathBuf,
    /// Where the search index and passage embeddings are kept; unset: `data_dir/knowledge`.
    pub index_dir: Option<PathBuf>,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        Self {
            dir: "knowledge".into(),
            index_dir: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ActionConfig {
    /// How long an action's HTTP call may take before it counts as failed (it is tried twice).
    pub timeout_ms: u64,
}

impl Default for ActionConfig {
    fn default() -> Self {
        Self { timeout_ms: 5_000 }
    }
}

impl ActionConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_and_index_derive_from_the_data_folder_unless_set() {
        let mut config = AssistantConfig {
            data_dir: "/srv/relais".into(),
            ..AssistantConfig::default()
        };
        assert_eq!(config.models_dir(), PathBuf::from("/srv/relais/models"));
        assert_eq!(config.index_dir(), PathBuf::from("/srv/relais/knowledge"));
        config.nlu.models_out = Some("/opt/models".into());
        config.knowledge.index_dir = Some("/var/cache/index".into());
        assert_eq!(config.models_dir(), PathBuf::from("/opt/models"));
        assert_eq!(config.index_dir(), PathBuf::from("/var/cache/index"));
    }
}
