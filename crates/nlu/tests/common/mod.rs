//! Paths shared by the integration tests: the model fetched by `make models` and the
//! benchmark data beside the repository.

use std::path::PathBuf;

pub fn model_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-MiniLM-L6-v2"))
}

pub fn repo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `../shared/datasets/<name>` when it is there; the product never needs it.
pub fn shared_dataset(name: &str) -> Option<PathBuf> {
    let dir = repo_dir().join("../shared/datasets").join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("{} is absent: this check needs the shared benchmark data", dir.display());
        None
    }
}
