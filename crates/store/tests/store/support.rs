//! The store the tests run on: SQLite in a temporary folder or, with
//! `RELAIS_TEST_STORE=postgres` (`make test` runs the store's tests both ways), a new
//! database on the test process's throw-away PostgreSQL cluster.

use relais_store::Store;

/// A new, empty store, and the folder that holds it (SQLite) or nothing (PostgreSQL).
pub async fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = match std::env::var("RELAIS_TEST_STORE").as_deref() {
        Ok("postgres") => Store::connect(&relais_pgtest::Cluster::shared().create_database()).await,
        Ok("sqlite") | Err(_) => Store::open(dir.path().join("data/relais.db")).await,
        Ok(other) => panic!("RELAIS_TEST_STORE={other}: use sqlite or postgres"),
    }
    .expect("open store");
    (dir, store)
}
