//! Typed errors of the dialogue crate; each names the file, line and key at fault.

use std::path::PathBuf;

/// Why a playbook (the intents' files) could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML or does not have the expected shape.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Yaml {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The YAML is well formed but a key holds a value the engine cannot use.
    #[error("{}:{line}: key `{key}`: {message}", file.display())]
    Invalid {
        file: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}
