//! Loads the whole assistant described by `relais.toml` (relais-assistant's [`load`]),
//! showing on the terminal what it trains, reuses and indexes.

use relais_assistant::{AssistantConfig, Bot, load};

use crate::progress::StageBars;

/// The assistant, trained or reused and indexed as needed.
pub fn load_bot(config: &AssistantConfig) -> anyhow::Result<Bot> {
    let mut bars = StageBars::default();
    let bot = load(config, |event| bars.loading(event));
    bars.finish();
    Ok(bot?)
}
