//! relais-nlu: what does the visitor want?
//!
//! A sentence [`Encoder`] (candle, any BERT-family sentence-transformer) feeds an
//! [`IntentModel`]: a calibrated linear classifier over the sentence embedding and
//! word/character n-grams, with out-of-scope detection that combines the classifier's
//! confidence with the distance to the nearest training example.

mod background;
mod bert;
mod cache;
mod classifier;
mod data;
mod encoder;
mod error;
mod eval;
mod features;
mod model;
mod threads;

pub use cache::EmbeddingCache;
pub use data::{Example, TrainingData, load_jsonl, load_training_data, parse_jsonl, parse_yaml};
pub use encoder::{Encoder, MAX_TOKENS};
pub use error::NluError;
pub use eval::{Evaluation, evaluate};
pub use model::{IntentModel, IntentScore, OOS, Prediction, TrainOptions, TrainProgress};
pub use threads::configure_threads;
