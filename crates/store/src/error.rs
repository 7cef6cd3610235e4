//! The store's errors, each saying what to do about it.

use std::path::PathBuf;

use relais_dialogue::Stage;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot create the data directory {path}: {source}; check --data-dir and its permissions"
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the database file {path}: {source}; check --data-dir and its permissions")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the database {path}: {source}; check --data-dir and that the file is writable"
    )]
    Open { path: PathBuf, source: sqlx::Error },
    #[error(
        "cannot migrate the database {path}: {source}; it may come from a newer Relais version: \
         upgrade Relais or restore a backup"
    )]
    Migrate {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}; check disk space and permissions of the data directory")]
    Database(#[from] sqlx::Error),
    #[error("cannot encode {what}: {detail}; this is a bug in Relais, please report it")]
    Encode { what: &'static str, detail: String },
    #[error(
        "stored data cannot be read ({what}): {detail}; the database was written by an \
         incompatible Relais version or edited by hand: restore a backup"
    )]
    Corrupt { what: String, detail: String },
    #[error("no conversation {0}; check the conversation id")]
    ConversationNotFound(String),
    #[error("conversation id \"{0}\" holds a control character; use letters, digits and punctuation")]
    BadConversationId(String),
    #[error("conversation {id} is {stage}, not queued: only a queued conversation can be claimed")]
    NotQueued {
        id: String,
        stage: Stage,
    },
    #[error("no agent has the email {0}; `relais agent list` shows them")]
    AgentNotFound(String),
    #[error("an agent with the email {0} already exists; choose another email")]
    DuplicateEmail(String),
    #[error("a channel key named {0} already exists; choose another name")]
    DuplicateKeyName(String),
    #[error("the agent {email} cannot be removed: {why}; disable them instead (relais agent disable)")]
    AgentInUse { email: String, why: String },
    #[error("unknown role {0:?}; use \"agent\" or \"admin\"")]
    UnknownRole(String),
    #[error("cannot hash the password: {0}")]
    PasswordHash(String),
    #[error("the system's random number generator failed: {0}; check /dev/urandom")]
    Random(getrandom::Error),
}

/// The store's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn encode(what: &'static str, detail: impl ToString) -> Self {
        Error::Encode {
            what,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> Self {
        Error::Corrupt {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}
