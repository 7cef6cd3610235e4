//! relais-encoder: what does a text mean?
//!
//! One sentence [`Encoder`] (candle, any BERT or MPNet sentence-transformer) turns a text
//! into a unit-length embedding. It is the costly step of understanding a message, so it
//! lives in a crate of its own that both intent recognition (relais-nlu) and knowledge
//! search (relais-knowledge) use: a process loads one encoder, and a visitor message is
//! embedded once, its embedding then feeding the intent model and the knowledge search
//! alike. Neither of those crates depends on the other.
//!
//! Around it: an on-disk [`EmbeddingCache`], so that retraining or re-indexing embeds
//! only what changed, and [`configure_threads`], which sizes the pool the forward pass
//! runs on.
//!
//! Encoders disagree on what cosine "unrelated" is (about 0.07 for all-MiniLM-L6-v2 in
//! English, 0.76 for multilingual-e5-small), so every encoder measures its own
//! [`ChanceSimilarity`] per language when it loads, and limits on cosines elsewhere are
//! on [`ChanceSimilarity::relative`]: the share of the way from chance to identical.

mod bert;
mod cache;
mod chance;
mod encoder;
mod error;
mod threads;

pub use cache::EmbeddingCache;
pub use chance::ChanceSimilarity;
pub use encoder::{Encoder, MAX_TOKENS};
pub use error::EncoderError;
pub use threads::configure_threads;
