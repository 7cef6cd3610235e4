//! What the assistant is made of, as `relais.toml` says it: the `[nlu]`,
//! `[knowledge]`, `[dialogue]` and `[actions]` sections.

use std::path::PathBuf;
use std::time::Duration;

use relais_dialogue::Policy;
use relais_nlu::TrainOptions;
use serde::{Deserialize, Serialize};

/// Everything [`crate::load`] needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AssistantConfig {
    pub nlu: NluConfig,
    pub knowledge: KnowledgeConfig,
    /// When the bot answers, asks, acts or gives way (see relais.toml).
    pub dialogue: Policy,
    pub actions: ActionConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct NluConfig {
    /// Folder of the sentence-transformer (config.json, tokenizer.json, model.safetensors).
    pub model_dir: PathBuf,
    /// Folder of the intent files, one sub-folder per language.
    pub intents_dir: PathBuf,
    /// Where trained intent models are kept.
    pub models_out: PathBuf,
    /// How intent models are trained (see relais.toml for each setting).
    pub training: TrainOptions,
}

impl Default for NluConfig {
    fn default() -> Self {
        Self {
            model_dir: "models/all-MiniLM-L6-v2".into(),
            intents_dir: "intents".into(),
            models_out: "data/models".into(),
            training: TrainOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct KnowledgeConfig {
    /// Folder of markdown articles, one sub-folder per language.
    pub dir: PathBuf,
    /// Where the search index and passage embeddings are kept.
    pub index_dir: PathBuf,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        Self {
            dir: "knowledge".into(),
            index_dir: "data/knowledge".into(),
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
