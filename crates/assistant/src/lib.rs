//! The whole assistant in one process: the sentence encoder, an intent model per
//! language, the knowledge base, the dialogue engine and the action client, wired
//! together. The server, `relais chat` and `relais test` all answer through [`Bot`],
//! which [`load`] assembles from an [`AssistantConfig`] (the `[nlu]`, `[knowledge]`,
//! `[dialogue]` and `[actions]` sections of `relais.toml`, and the data folder).
//!
//! Every input, whoever sends it, goes through [`Bot::turn`]. A visitor message is
//! embedded once; the same embedding feeds the intent model and the knowledge search.
//! Callers that batch messages into the encoder (the server) embed the text
//! [`Bot::reads`] names with [`Bot::embed`] and pass the embedding in.

mod actions;
mod bot;
mod config;
mod load;

pub use actions::ActionClient;
pub use bot::{Bot, Conversation, Error, LanguageEncoder};
pub use config::{ActionConfig, AssistantConfig, KnowledgeConfig, NluConfig};
pub use load::{LoadError, Loading, load, load_encoder, open_knowledge, reload};
pub use relais_knowledge::{Hit, SearchResults};
