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
        "cannot open the database {location}: {source}; check [store] url (or --data-dir), that \
         the database server is up and that the file or database is writable"
    )]
    Open { location: String, source: sqlx::Error },
    #[error("cannot migrate the database {location}: {source}; restore a backup, or report it")]
    Migrate {
        location: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error(
        "the database {location} has schema version {found}, newer than this Relais knows \
         ({known}): a newer Relais migrated it; run that version here, or point [store] url \
         at another database"
    )]
    SchemaNewer {
        location: String,
        found: i64,
        known: i64,
    },
    #[error(
        "[store] url {0:?} is not a database this Relais opens; use sqlite://{{path}} or \
         postgres://{{user}}:{{password}}@{{host}}:{{port}}/{{database}}"
    )]
    UnknownUrl(String),
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
    #[error("agent {0} is disabled or removed, and can no longer take conversations")]
    AgentDisabled(i64),
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
    #[error("too many passwords are waiting to be checked; try again in a second")]
    PasswordsBusy,
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
