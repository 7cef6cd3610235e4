//! An on-disk cache of embeddings keyed by the SHA-256 of the text, one file per
//! encoder, so that retraining or reindexing embeds only what changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Encoder, EncoderError};

type Key = [u8; 32];

/// Embeddings computed before, by one encoder.
pub struct EmbeddingCache {
    path: PathBuf,
    entries: HashMap<Key, Vec<f32>>,
    dirty: bool,
}

impl EmbeddingCache {
    /// Opens (or starts) the cache of `encoder` in `dir`. A damaged cache file is
    /// ignored and rewritten: it only ever saves time.
    pub fn open(dir: &Path, encoder: &Encoder) -> Self {
        let path = dir.join(format!("embeddings-{}.bin", encoder.short_fingerprint()));
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<Vec<(Key, Vec<f32>)>>(&bytes).ok())
            .map(|entries| entries.into_iter().collect())
            .unwrap_or_default();
        Self {
            path,
            entries,
            dirty: false,
        }
    }

    /// Number of cached embeddings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Embeds `texts`, running the encoder only on those not cached; `progress` gets
    /// the number of texts encoded so far out of those missing.
    pub fn embed<S: AsRef<str> + Sync>(
        &mut self,
        encoder: &Encoder,
        texts: &[S],
        progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        let keys: Vec<Key> = texts
            .iter()
            .map(|t| Sha256::digest(t.as_ref().as_bytes()).into())
            .collect();
        let mut missing: Vec<usize> = (0..texts.len())
            .filter(|&i| !self.entries.contains_key(&keys[i]))
            .collect();
        missing.dedup_by_key(|&mut i| keys[i]);
        let missing_texts: Vec<&str> = missing.iter().map(|&i| texts[i].as_ref()).collect();
        let fresh = encoder.encode_with_progress(&missing_texts, progress)?;
        self.dirty |= !fresh.is_empty();
        for (i, embedding) in missing.into_iter().zip(fresh) {
            self.entries.insert(keys[i], embedding);
        }
        Ok(keys.iter().map(|key| self.entries[key].clone()).collect())
    }

    /// Writes the cache back if it gained entries.
    pub fn save(&mut self) -> Result<(), EncoderError> {
        if !self.dirty {
            return Ok(());
        }
        let io = |source| EncoderError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let entries: Vec<(&Key, &Vec<f32>)> = self.entries.iter().collect();
        let bytes = postcard::to_stdvec(&entries).map_err(|e| io(std::io::Error::other(e)))?;
        std::fs::write(&self.path, bytes).map_err(io)?;
        self.dirty = false;
        Ok(())
    }
}
