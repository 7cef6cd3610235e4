//! Errors of relais-nlu, each naming the file or setting a person has to fix.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum NluError {
    #[error(transparent)]
    Encoder(#[from] relais_encoder::EncoderError),
    #[error(
        "intent model: it was trained with another encoder; give `--lang` if `[nlu.language_models]` names one for its language, or retrain it with `relais nlu train`"
    )]
    OtherEncoder,
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    #[error("no training examples found in {0}")]
    NoData(PathBuf),
    #[error("training needs at least two intents, found {0}")]
    TooFewIntents(usize),
    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),
    #[error("{path}: not a Relais intent model ({message}); train one with `relais nlu train`")]
    BadModelFile { path: PathBuf, message: String },
}

impl NluError {
    pub(crate) fn data(path: &Path, message: impl Into<String>) -> Self {
        Self::Data {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
