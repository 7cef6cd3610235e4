//! Paths shared by the integration tests: the repository and the models fetched by
//! `make models`.

use std::path::PathBuf;

pub fn model_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/all-MiniLM-L6-v2"
    ))
}

/// multilingual-e5-small, also fetched by `make models`.
pub fn multilingual_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/multilingual-e5-small"
    ))
}

pub fn repo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
