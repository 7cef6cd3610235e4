//! Relais's event store: the per-conversation event log and its projections
//! (conversations with their insights tally, feedback), agents with their login
//! sessions, callback requests, and the tallies read by conversation start for insights.
//!
//! SQLite by default ([`Store::open`]): one file, WAL journal, `synchronous = FULL`,
//! foreign keys on, migrations embedded. Every write that appends events runs in one
//! `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock up front, so
//! concurrent appends to a conversation are serialised and its `seq` stays 1, 2, 3 …
//! with no gap and no duplicate. A call returns only once the transaction is
//! committed: the caller may acknowledge or broadcast the events afterwards.
//!
//! Callers see no SQL types: a PostgreSQL backend can replace the pool inside
//! [`Store`] without changing them. The SQL uses `$n` parameters and ANSI syntax
//! (`ON CONFLICT`, `RETURNING`), which both databases accept.

mod agents;
mod callbacks;
mod channels;
mod cohort;
mod conversations;
mod error;
mod events;
mod help;
mod messages;
mod passwords;
mod purge;
mod review;
mod tally;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use passwords::PasswordChecks;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use agents::{Agent, NewAgent, Role};
pub use callbacks::{CallbackRequest, StoredCallbackRequest};
pub use channels::{
    ChannelCounts, Delivery, DeliveryOutcome, DeliveryState, DeliveryStatus, SWITCH_WINDOW_MS, WIDGET,
};
pub use cohort::{ConversationTally, VisitorStart};
pub use conversations::{Conversation, Feedback};
pub use error::{Error, Result};
pub use events::{StoredEvent, VisitorAppend};
pub use help::{COMMENTS_KEPT, Deflection, HelpArticleFeedback, HelpComment, HelpFeedback};
pub use messages::MessageRead;
pub use review::{Flagged, Label, ListedTurn, Prediction, RANKING_KEPT, ReviewKind, ReviewQuery, ReviewTurn};
pub use tally::{Answer, GapReason, OpenTurn, Rating, Tally};

/// The database driver behind the store; the only place that names SQLite.
type Db = sqlx::Sqlite;

/// How long a writer waits for another writer's transaction before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool: reads run in parallel in WAL mode, writes take turns.
const MAX_CONNECTIONS: u32 = 8;

/// A handle on the database; cheap to clone and share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pool: sqlx::Pool<Db>,
    path: PathBuf,
    passwords: PasswordChecks,
}

/// A slice of a list: `limit` items after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u32,
}

impl Page {
    /// The first `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }

    fn offset_i64(self) -> i64 {
        i64::try_from(self.offset).unwrap_or(i64::MAX)
    }
}

impl Store {
    /// Opens (creating it and its directory if needed) the SQLite database at `path`,
    /// e.g. `data/relais.db`, and applies pending migrations. The database file and its
    /// journal files are made readable by their owner only (an older install's looser
    /// mode is tightened); SQLite creates journal files with the database's mode.
    pub async fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        make_private(&path).map_err(|source| Error::CreateFile {
            path: path.clone(),
            source,
        })?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?;
        sqlx::migrate!()
            .run(&pool)
            .await
            .map_err(|source| Error::Migrate {
                path: path.clone(),
                source,
            })?;
        let store = Store {
            pool,
            path,
            passwords: PasswordChecks::sized_to_cores()?,
        };
        store.fill_tallies().await?;
        Ok(store)
    }

    /// The database file this store was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for in-flight queries and closes every connection (for a graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction holding the database's write lock from its first
    /// statement, so two writers never read the same `last_seq`.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Creates an empty database file at `path` readable by its owner only if there is
/// none, and takes every other permission off it and its journal files if there is.
fn make_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            for suffix in ["", "-wal", "-shm"] {
                use std::os::unix::fs::PermissionsExt;
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::metadata(&file) {
                    Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Converts a stored integer to an unsigned one, or reports corrupt data.
fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|e| Error::corrupt(what, e))
}
