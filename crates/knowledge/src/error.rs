//! Errors and warnings of relais-knowledge. Errors stop an operation and name the file
//! and what to do; warnings name a file that was skipped while the rest went on.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(
        "the knowledge folder {0} does not exist; create it with en/ and fr/ sub-folders of markdown articles, or pass another folder"
    )]
    MissingFolder(PathBuf),
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "search index in {path}: {message}; delete that folder to rebuild it from the articles"
    )]
    Index { path: PathBuf, message: String },
    #[error("{path}, line {line}: {message}")]
    Data {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot watch {path} for changes: {message}")]
    Watch { path: PathBuf, message: String },
    #[error(transparent)]
    Encoder(#[from] relais_encoder::EncoderError),
}

impl KnowledgeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn index(path: &Path, error: impl fmt::Display) -> Self {
        Self::Index {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }
}

/// A file that was skipped or partly used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: PathBuf,
    pub message: String,
}

impl Warning {
    pub(crate) fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}
