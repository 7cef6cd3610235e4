//! `relais.toml`, with every key overridable by an environment variable
//! `RELAIS__SECTION__KEY` (for example `RELAIS__NLU__MODEL_DIR`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Everything the binary reads from configuration.
#[derive(Debug, Deserialize, Serialize)]
pub struct Settings {
    /// Worker threads for the encoder; unset means one per CPU.
    #[serde(default)]
    pub threads: Option<usize>,
    #[serde(default)]
    pub nlu: NluSettings,
    #[serde(default)]
    pub knowledge: KnowledgeSettings,
    /// When the bot answers, asks, acts or gives way (see relais.toml).
    #[serde(default)]
    pub dialogue: relais_dialogue::Policy,
    #[serde(default)]
    pub actions: ActionSettings,
    /// Where the server listens, its limits, business hours (see relais.toml).
    #[serde(default)]
    pub server: relais_server::ServerConfig,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct KnowledgeSettings {
    /// Folder of markdown articles, one sub-folder per language.
    pub dir: PathBuf,
    /// Where the search index and passage embeddings are kept.
    pub index_dir: PathBuf,
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        Self {
            dir: "knowledge".into(),
            index_dir: "data/knowledge".into(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct ActionSettings {
    /// How long an action's HTTP call may take before it counts as failed (it is tried twice).
    pub timeout_ms: u64,
}

impl Default for ActionSettings {
    fn default() -> Self {
        Self { timeout_ms: 5_000 }
    }
}

impl ActionSettings {
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms)
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct NluSettings {
    /// Folder of the sentence-transformer (config.json, tokenizer.json, model.safetensors).
    pub model_dir: PathBuf,
    /// Folder of the intent files, one sub-folder per language.
    pub intents_dir: PathBuf,
    /// Where trained intent models are kept.
    pub models_out: PathBuf,
    /// How intent models are trained (see relais.toml for each setting).
    pub training: relais_nlu::TrainOptions,
}

impl Default for NluSettings {
    fn default() -> Self {
        Self {
            model_dir: "models/all-MiniLM-L6-v2".into(),
            intents_dir: "intents".into(),
            models_out: "data/models".into(),
            training: relais_nlu::TrainOptions::default(),
        }
    }
}

impl Settings {
    /// Reads `path` when it exists (defaults otherwise), then the environment.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        config::Config::builder()
            .add_source(config::File::from(path).required(false))
            .add_source(
                config::Environment::with_prefix("RELAIS")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("server.allowed_origins")
                    .with_list_parse_key("server.business_hours")
                    .with_list_parse_key("server.trusted_proxies")
                    .try_parsing(true),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("reading the configuration {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    /// Dotted paths of every setting (`server.limits.sockets_per_ip`); lists are leaves.
    fn paths(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(fields) => {
                for (key, value) in fields {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    paths(&path, value, out);
                }
            }
            _ => {
                out.insert(prefix.to_owned());
            }
        }
    }

    /// Dotted paths of the keys `relais.toml` shows, set or commented out
    /// (`# identity_secret = …`), and of its `[[tables]]`.
    fn documented(text: &str) -> BTreeSet<String> {
        let mut section = String::new();
        let mut keys = BTreeSet::new();
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
                keys.insert(name.to_owned());
                section = name.to_owned();
            } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_owned();
            } else if let Some((key, _)) = line.trim_start_matches("# ").split_once(" = ") {
                let path = if section.is_empty() { key.to_owned() } else { format!("{section}.{key}") };
                keys.insert(path);
            }
        }
        keys
    }

    #[test]
    fn relais_toml_shows_every_setting() {
        let defaults: Settings = serde_json::from_str("{}").unwrap();
        let mut settings = BTreeSet::new();
        paths("", &serde_json::to_value(&defaults).unwrap(), &mut settings);
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../relais.toml")).unwrap();
        let shown = documented(&text);
        let missing: Vec<&String> = settings.difference(&shown).collect();
        assert!(missing.is_empty(), "relais.toml does not show these settings: {missing:?}");
    }
}
