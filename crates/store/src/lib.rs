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
//! PostgreSQL for several nodes ([`Store::connect`] with a `postgres://` URL): the same
//! API over sqlx's `Any` driver, so one set of queries serves both. The SQL uses `$n`
//! parameters and syntax both accept (`ON CONFLICT`, `RETURNING`, `CAST`); the few
//! statements that differ (JSON, the write lock) branch on [`Backend`]. Each database
//! has its own migrations (`migrations/sqlite`, `migrations/postgres`) with shared
//! version numbers; a store refuses a schema newer than the migrations it knows.
//!
//! Callers see no SQL types.

mod agents;
mod callbacks;
mod cluster;
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
use std::sync::Arc;

use passwords::PasswordChecks;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

pub use agents::{Agent, NewAgent, Role};
pub use callbacks::{CallbackRequest, StoredCallbackRequest};
pub use cluster::{Listener, NodeLock, Signal};
pub use channels::{
    ChannelCounts, Delivery, DeliveryOutcome, DeliveryState, DeliveryStatus, SWITCH_WINDOW_MS, WIDGET,
};
pub use cohort::{ConversationTally, VisitorStart};
pub use conversations::{Conversation, Feedback};
pub use error::{Error, Result};
pub use events::{StoredEvent, VisitorAppend};
pub use help::{COMMENTS_KEPT, Deflection, HelpArticleFeedback, HelpComment, HelpFeedback};
pub use messages::{MessageRead, MessageVector};
pub use review::{Flagged, Label, ListedTurn, Prediction, RANKING_KEPT, ReviewKind, ReviewQuery, ReviewTurn};
pub use tally::{Answer, GapReason, OpenTurn, Rating, Tally};

/// The database driver behind the store: sqlx's `Any`, so one set of queries runs on
/// SQLite and PostgreSQL alike; [`Backend`] says which is behind it where they differ.
type Db = sqlx::Any;

/// A row as the store's queries return it.
type DbRow = sqlx::any::AnyRow;

/// Every SQLite connection's settings: WAL journal (readers never wait for the writer),
/// `synchronous = FULL` (a committed transaction survives a power cut), foreign keys,
/// and 10 s for a writer to wait for another writer's transaction before failing.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

/// How long a query waits for a connection to PostgreSQL (while the server restarts,
/// say) before failing.
const POSTGRES_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Locks of each kind a node holds at once on PostgreSQL (each holds a connection).
const LOCKS_HELD: u32 = 32;

/// Connections in the pool: reads run in parallel, writes take turns.
const MAX_CONNECTIONS: u32 = 8;

/// The key of the PostgreSQL advisory lock every write transaction takes first: the
/// cluster-wide counterpart of SQLite's single write lock (see [`Store::begin_write`]).
const WRITE_LOCK: i64 = 0x5245_4c41_4953; // "RELAIS"

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file on one node.
    Sqlite,
    /// A server shared by several nodes.
    Postgres,
}

impl Backend {
    /// The database `connection` (inside a transaction, say) talks to.
    fn of(connection: &sqlx::AnyConnection) -> Backend {
        if connection.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A handle on the database; cheap to clone and share between tasks.
#[derive(Clone)]
pub struct Store {
    pool: sqlx::Pool<Db>,
    backend: Backend,
    /// Where the database is, without a password: for messages and `relais migrate`.
    location: String,
    /// The PostgreSQL URL, for the listening connection ([`Store::listen`]).
    url: Option<String>,
    /// The connections that hold turns and contacts on every node (PostgreSQL), apart from
    /// the pool ([`Store::turn_lock`]).
    locks: Option<Arc<cluster::LockPools>>,
    /// This node among those sharing the database: random, so it skips its own notices.
    node: u64,
    passwords: PasswordChecks,
}

/// Without the URL, which may hold a password.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("location", &self.location)
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
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
        let absolute = std::path::absolute(&path).map_err(|source| Error::CreateFile {
            path: path.clone(),
            source,
        })?;
        let url = format!("sqlite://{}?mode=rwc", encode_path(&absolute));
        let pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                    Ok(())
                })
            });
        Store::start(pool, &url, Backend::Sqlite, path.display().to_string()).await
    }

    /// Opens the store at `url`: `sqlite://{path}` (see [`Store::open`]) or
    /// `postgres://{user}:{password}@{host}:{port}/{database}` (the database must exist;
    /// its tables are created by the migrations).
    pub async fn connect(url: &str) -> Result<Store> {
        if let Some(path) = sqlite_file(url) {
            return Store::open(path).await;
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::UnknownUrl(redact(url)));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(POSTGRES_WAIT);
        let mut store = Store::start(pool, url, Backend::Postgres, redact(url)).await?;
        store.url = Some(url.to_owned());
        let pool = || {
            AnyPoolOptions::new()
                .max_connections(LOCKS_HELD)
                .acquire_timeout(POSTGRES_WAIT)
                .connect_lazy(url)
                .map_err(|source| Error::Open { location: store.location.clone(), source })
        };
        store.locks = Some(Arc::new(cluster::LockPools { turns: pool()?, contacts: pool()? }));
        Ok(store)
    }

    /// Connects `pool` to `url`, migrates and fills the tallies.
    async fn start(
        pool: AnyPoolOptions,
        url: &str,
        backend: Backend,
        location: String,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let pool = pool.connect(url).await.map_err(|source| Error::Open {
            location: location.clone(),
            source,
        })?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        migrator.run(&pool).await.map_err(|source| match source {
            sqlx::migrate::MigrateError::VersionMissing(found) => Error::SchemaNewer {
                location: location.clone(),
                found,
                known,
            },
            source => Error::Migrate {
                location: location.clone(),
                source,
            },
        })?;
        let mut node = [0u8; 8];
        getrandom::fill(&mut node).map_err(Error::Random)?;
        let store = Store {
            pool,
            backend,
            location,
            url: None,
            locks: None,
            node: u64::from_le_bytes(node),
            passwords: PasswordChecks::sized_to_cores()?,
        };
        store.fill_tallies().await?;
        Ok(store)
    }

    /// Where the database is: the SQLite file, or the PostgreSQL URL without its password.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The database behind the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The schema version the database is at (the newest migration applied).
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Waits for in-flight queries and closes every connection (for a graceful shutdown).
    pub async fn close(&self) {
        if let Some(locks) = &self.locks {
            locks.turns.close().await;
            locks.contacts.close().await;
        }
        self.pool.close().await;
    }

    /// Starts a write transaction that holds the database's one write lock from its
    /// first statement, so two writers never read the same `last_seq` and exactly one of
    /// two concurrent claims wins: SQLite's `BEGIN IMMEDIATE`, or on PostgreSQL a
    /// transaction-scoped advisory lock, which every node's writers share.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }
}

/// A path as the path of a `sqlite://` URL: the characters a URL gives a meaning to
/// are percent-encoded (the driver decodes them).
fn encode_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The file of a `sqlite://{path}` (or `sqlite:{path}`) URL; `None` for another database.
pub fn sqlite_file(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))
}

/// `url` without the passwords it may hold (in its user part, or as the `password` or
/// `sslpassword` of its query), for messages and logs; a value that is no URL is not shown.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(a value that is not a URL)".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let secret = key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword");
                (key.into_owned(), if secret { "***".to_owned() } else { value.into_owned() })
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
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

/// A BOOLEAN column, selected as `CAST(column AS INTEGER) AS column`: sqlx's `Any` reads
/// SQLite's booleans as integers and refuses the BOOLEAN type itself.
fn flag(row: &DbRow, column: &str) -> Result<bool> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Converts a stored integer to an unsigned one, or reports corrupt data.
fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|e| Error::corrupt(what, e))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_url_is_shown_without_its_passwords() {
        assert_eq!(redact("postgres://relais:s3cret@db:5432/relais"), "postgres://relais:***@db:5432/relais");
        assert_eq!(redact("postgres://relais:p@ss@db/relais"), "postgres://relais:***@db/relais");
        let query = redact("postgres://relais@db/relais?sslmode=require&password=s3cret&SSLPASSWORD=k3y");
        assert!(!query.contains("s3cret") && !query.contains("k3y") && query.contains("sslmode=require"), "{query}");
        assert_eq!(redact("postgres://db/relais"), "postgres://db/relais");
        assert_eq!(redact("s3cret"), "(a value that is not a URL)");
    }
}
