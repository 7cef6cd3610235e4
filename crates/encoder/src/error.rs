//! Errors of relais-encoder, each naming the file a person has to fix.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error(
        "the model folder {dir} lacks {missing}; run `make models` to fetch the shipped encoders \
         (all-MiniLM-L6-v2, multilingual-e5-small), or point to a folder holding a sentence-transformer's config.json, tokenizer.json and model.safetensors"
    )]
    ModelMissing { dir: PathBuf, missing: String },
    #[error("{path}: {message}")]
    ModelConfig { path: PathBuf, message: String },
    #[error("{path}: cannot load the weights: {message}")]
    Weights { path: PathBuf, message: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("tokenizer: {0}")]
    Tokenize(String),
    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),
}

impl EncoderError {
    pub(crate) fn weights(path: &Path, source: candle_core::Error) -> Self {
        Self::Weights {
            path: path.to_path_buf(),
            message: source.to_string(),
        }
    }
}
