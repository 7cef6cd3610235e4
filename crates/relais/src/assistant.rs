//! Loads the whole assistant described by `relais.toml`: the encoder, an intent model
//! per language folder (trained or reused), the knowledge base and the dialogue engine.

use std::collections::BTreeMap;

use anyhow::Context;
use relais_assistant::{ActionClient, Bot};
use relais_dialogue::{Assistant, Engine};

use crate::config::Settings;
use crate::nlu::{load_encoder, train_or_reuse};

/// Loads the encoder, trains (or reuses) an intent model for every language folder
/// of the intents, and opens the knowledge base.
pub fn load(settings: &Settings) -> anyhow::Result<Bot> {
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
    Ok(Bot::new(
        encoder,
        models,
        knowledge,
        Engine::new(assistant, settings.dialogue.clone()),
        ActionClient::new(settings.actions.timeout()),
    ))
}
