//! relais-nlu: what does the visitor want?
//!
//! The sentence embedding of relais-encoder's [`relais_encoder::Encoder`] feeds an
//! [`IntentModel`]: a calibrated linear classifier over the sentence embedding and
//! word/character n-grams, with out-of-scope detection that combines the classifier's
//! confidence with the distance to the nearest training example and, when only built-in
//! strangers stand for out-of-scope queries, the typicality of the embedding under the
//! intents' Gaussians (`typicality.rs`). A model is trained from intent files, or reused
//! when it was trained on the same ones ([`IntentModel::train_or_reuse`]).

mod background;
mod classifier;
mod data;
mod error;
mod eval;
mod features;
mod model;
mod reuse;
pub mod reviewed;
mod typicality;

pub use data::{Example, TrainingData, load_jsonl, load_training_data, parse_jsonl, parse_yaml};
pub use error::NluError;
pub use eval::{Confusion, Evaluation, evaluate, few_shot};
pub use model::{IntentModel, IntentScore, OOS, Prediction, TrainOptions, TrainProgress};
pub use reuse::{Preparing, describe_claims};
