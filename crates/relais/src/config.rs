//! `relais.toml`, with every key overridable by an environment variable
//! `RELAIS__SECTION__KEY` (for example `RELAIS__NLU__MODEL_DIR`, or `RELAIS__DATA_DIR`
//! for a key at the top), and the answer thresholds the advisor's Apply writes in the data
//! folder (`thresholds.toml`) over both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use relais_assistant::AssistantConfig;
use relais_dialogue::IntentThresholds;
use serde::{Deserialize, Serialize};

/// Everything the binary reads from configuration.
#[derive(Debug, Deserialize, Serialize)]
pub struct Settings {
    /// Worker threads for the encoder; unset means one per CPU.
    #[serde(default)]
    pub threads: Option<usize>,
    /// The data folder and the `[nlu]`, `[knowledge]`, `[dialogue]` and `[actions]`
    /// sections, at the top level of the file.
    #[serde(flatten)]
    pub assistant: AssistantConfig,
    /// Where the server listens, its limits, business hours (see relais.toml).
    #[serde(default)]
    pub server: relais_server::ServerConfig,
    /// When a quiet conversation counts as resolved, repeat contacts, the ROI costs.
    #[serde(default)]
    pub insights: relais_insights::InsightsConfig,
    /// The help centre: served or not, where, and how it looks.
    #[serde(default)]
    pub help: relais_help::HelpConfig,
    /// SMS, WhatsApp and the REST API: which are on, their providers, the outbox's retries.
    #[serde(default)]
    pub channels: relais_channels::ChannelsConfig,
    /// Where conversations and agents are kept.
    #[serde(default)]
    pub store: StoreSettings,
}

/// `[store]`: the event store's database.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// `sqlite://{path}` or `postgres://{user}:{password}@{host}:{port}/{database}`
    /// (`RELAIS__STORE__URL`); unset: the data folder's `relais.db`.
    pub url: Option<String>,
}

/// The store a command opens: its URL, and its file when it is SQLite's.
pub struct StoreAt {
    pub url: String,
    file: Option<PathBuf>,
}

impl StoreAt {
    /// Whether there is a store to read: a SQLite file must exist; a PostgreSQL database is
    /// assumed to (connecting says otherwise).
    pub fn exists(&self) -> bool {
        self.file.as_ref().is_none_or(|file| file.is_file())
    }
}

impl std::fmt::Display for StoreAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display()),
            None => write!(f, "{}", relais_store::redact(&self.url)),
        }
    }
}

/// The thresholds file the advisor's Apply writes in the data folder, read over
/// `[dialogue]` (docs/advisor.md).
const THRESHOLDS_FILE: &str = "thresholds.toml";

/// What the thresholds file may set.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    intent_confidence: Option<f32>,
    #[serde(default)]
    intent_thresholds: BTreeMap<String, IntentThresholds>,
}

impl Settings {
    /// The settings of the assistant as served from `data_dir` (the configured one when
    /// `None`): `[dialogue]`'s `intent_confidence` and per-intent thresholds as the data
    /// folder's thresholds file sets them, when there is one.
    pub fn served(mut self, data_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        if let Some(data_dir) = data_dir {
            self.assistant.data_dir = data_dir;
        }
        self.apply_thresholds()?;
        Ok(self)
    }

    /// The store of the data folder `data_dir`: `[store] url`, else its `relais.db`.
    pub fn store_at(&self, data_dir: &Path) -> StoreAt {
        // An empty URL (`RELAIS__STORE__URL=`) is no URL.
        match self.store.url.as_deref().filter(|url| !url.trim().is_empty()) {
            Some(url) => StoreAt {
                url: url.to_owned(),
                file: relais_store::sqlite_file(url).map(PathBuf::from),
            },
            None => {
                let file = data_dir.join("relais.db");
                StoreAt {
                    url: format!("sqlite://{}", file.display()),
                    file: Some(file),
                }
            }
        }
    }

    /// The thresholds file of the data folder in use.
    pub fn thresholds_path(&self) -> PathBuf {
        self.assistant.data_dir.join(THRESHOLDS_FILE)
    }

    fn apply_thresholds(&mut self) -> anyhow::Result<()> {
        let path = self.thresholds_path();
        if !path.is_file() {
            return Ok(());
        }
        let thresholds: Thresholds = config::Config::builder()
            .add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml))
            .build()
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("reading the thresholds {} (the advisor's Apply writes it; delete it to use relais.toml's)", path.display()))?;
        let policy = &mut self.assistant.dialogue;
        if let Some(high) = thresholds.intent_confidence {
            policy.intent_confidence = high;
        }
        for (intent, own) in thresholds.intent_thresholds {
            let entry = policy.intent_thresholds.entry(intent).or_default();
            entry.high = own.high.or(entry.high);
            entry.low = own.low.or(entry.low);
        }
        Ok(())
    }

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

    #[test]
    fn the_thresholds_file_is_read_over_relais_toml() {
        let dir = tempfile::tempdir().unwrap();
        let toml = dir.path().join("relais.toml");
        std::fs::write(&toml, "[dialogue]\nintent_confidence = 0.6\nsuggest_confidence = 0.3\n[dialogue.intent_thresholds.returns]\nlow = 0.2\n").unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let served = |data: &Path| Settings::load(&toml).unwrap().served(Some(data.to_path_buf()));
        // No file: relais.toml's.
        assert_eq!(served(&data).unwrap().assistant.dialogue.intent_confidence, 0.6);
        std::fs::write(data.join("thresholds.toml"), "intent_confidence = 0.42\n[intent_thresholds.returns]\nhigh = 0.5\n").unwrap();
        let policy = served(&data).unwrap().assistant.dialogue;
        assert_eq!(policy.intent_confidence, 0.42);
        assert_eq!(policy.suggest_confidence, 0.3, "what the file does not set stays");
        assert_eq!(policy.thresholds("returns"), (0.5, 0.2), "the file's high, relais.toml's low");
        assert_eq!(policy.thresholds("greet"), (0.42, 0.3));
        std::fs::write(data.join("thresholds.toml"), "intent_confidense = 0.42\n").unwrap();
        let error = format!("{:#}", served(&data).unwrap_err());
        assert!(error.contains("thresholds.toml") && error.contains("intent_confidense"), "{error}");
    }

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
            // A commented-out optional table ("# [channels.twilio]  # …") shows that it exists.
            let table = line.strip_prefix("# [").map(|l| l.split_once(" #").map_or(l, |(code, _)| code).trim_end());
            if let Some(name) = table.and_then(|l| l.strip_suffix(']')) {
                keys.insert(name.to_owned());
            } else if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
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
    fn sections_of_the_assistant_read_at_the_top_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relais.toml");
        std::fs::write(
            &path,
            "data_dir = \"/srv/relais\"\n[nlu]\nintents_dir = \"mine\"\n[nlu.language_models]\nfr = \"e5\"\n[nlu.training]\nepochs = 3\n\
             [knowledge]\nindex_dir = \"/var/cache/index\"\n[dialogue]\nintent_confidence = 0.7\n\
             [actions]\ntimeout_ms = 100\n[server]\nencoder_batch = 8\n",
        )
        .unwrap();
        let settings = Settings::load(&path).unwrap();
        let assistant = &settings.assistant;
        assert_eq!(assistant.nlu.intents_dir, Path::new("mine"));
        assert_eq!(assistant.nlu.training.epochs, 3);
        assert_eq!(assistant.nlu.language_models.get("fr").map(PathBuf::as_path), Some(Path::new("e5")));
        assert_eq!(assistant.dialogue.intent_confidence, 0.7);
        assert_eq!(assistant.actions.timeout_ms, 100);
        assert_eq!(settings.server.encoder_batch, 8);
        assert_eq!(assistant.models_dir(), Path::new("/srv/relais/models"));
        assert_eq!(assistant.index_dir(), Path::new("/var/cache/index"));
    }

    #[test]
    fn relais_toml_says_what_the_defaults_are() {
        let settings = Settings::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../relais.toml"))).unwrap();
        let assistant = &settings.assistant;
        assert_eq!(assistant.data_dir, Path::new("data"));
        assert_eq!(assistant.models_dir(), Path::new("data/models"));
        assert_eq!(assistant.index_dir(), Path::new("data/knowledge"));
        assert_eq!(assistant.dialogue, relais_dialogue::Policy::default());
        assert_eq!(assistant.nlu.training, relais_nlu::TrainOptions::default());
        assert_eq!(
            assistant.nlu.language_models,
            relais_assistant::NluConfig::default().language_models
        );
        assert_eq!(settings.insights, relais_insights::InsightsConfig::default());
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
