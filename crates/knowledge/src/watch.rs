//! Picks up edited articles without a restart: a debounced watch of the knowledge
//! folder that re-opens the knowledge base (incrementally) and swaps it in.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use relais_encoder::Encoder;

use crate::{KnowledgeBase, KnowledgeError, Warning};

/// What a reload gave: the warnings of the new knowledge base, or why it failed (the
/// previous knowledge base then stays in place).
pub type Reload = Result<Vec<Warning>, KnowledgeError>;

/// Keeps watching while it lives; drop it to stop.
pub struct KnowledgeWatcher {
    _debouncer: Debouncer<RecommendedWatcher>,
}

impl KnowledgeBase {
    /// Watches the knowledge folder of `shared` and, `debounce` after the last change
    /// to a markdown file, re-opens it and replaces `shared` with the result.
    /// `on_reload` hears about every reload. Searches go on during a reload: the lock
    /// is only taken to swap the new knowledge base in.
    pub fn watch(
        shared: Arc<RwLock<KnowledgeBase>>,
        encoder: Arc<Encoder>,
        debounce: Duration,
        mut on_reload: impl FnMut(Reload) + Send + 'static,
    ) -> Result<KnowledgeWatcher, KnowledgeError> {
        let location = shared
            .read()
            .map_err(|_| watch_error(Path::new("."), "the knowledge base lock is poisoned"))?
            .location()
            .cloned()
            .ok_or_else(|| {
                watch_error(
                    Path::new("."),
                    "an in-memory knowledge base has no folder to watch",
                )
            })?;
        let knowledge_dir = location.knowledge_dir.clone();
        let handler = move |events: DebounceEventResult| {
            let touches_articles = events.is_ok_and(|events| {
                events
                    .iter()
                    .any(|e| e.path.extension().is_some_and(|ext| ext == "md"))
            });
            if !touches_articles {
                return;
            }
            let reload = KnowledgeBase::open(&location.knowledge_dir, &location.data_dir, &encoder)
                .and_then(|(fresh, warnings)| {
                    let mut current = shared.write().map_err(|_| {
                        watch_error(
                            &location.knowledge_dir,
                            "the knowledge base lock is poisoned",
                        )
                    })?;
                    *current = fresh;
                    Ok(warnings)
                });
            on_reload(reload);
        };
        let mut debouncer =
            new_debouncer(debounce, handler).map_err(|e| watch_error(&knowledge_dir, e))?;
        debouncer
            .watcher()
            .watch(&knowledge_dir, RecursiveMode::Recursive)
            .map_err(|e| watch_error(&knowledge_dir, e))?;
        Ok(KnowledgeWatcher {
            _debouncer: debouncer,
        })
    }
}

fn watch_error(path: &Path, message: impl std::fmt::Display) -> KnowledgeError {
    KnowledgeError::Watch {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}
