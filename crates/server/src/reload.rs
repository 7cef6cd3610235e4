//! Retraining and reloading the assistant while the server runs: `POST /v1/admin/reload`,
//! or SIGHUP to `relais serve`. The reload runs on a blocking thread — intent models
//! trained (or reused) from the intent files as they are now, the dialogue settings read
//! again — while the bot in use keeps answering; then the new bot is swapped in at once
//! ([`Hub::swap_bot`]). A turn takes the bot once at its start, so every turn is answered
//! wholly by the old bot or wholly by the new one, and no socket is touched. A reload that
//! fails keeps the old bot and says why in its status. One asked for while another runs
//! (which may have read the files before they changed) runs once more when that one ends.
//! How to build the new bot is the caller's ([`Reloader`]): the server knows no
//! configuration file.

use std::sync::{Arc, Mutex, PoisonError};

use relais_assistant::Bot;
use serde::Serialize;

use crate::hub::Hub;

/// Builds the next bot from the one in use, reporting each step; `Err` says why not.
pub type Reloader = Arc<dyn Fn(&Bot, &mut dyn FnMut(String)) -> Result<Bot, String> + Send + Sync>;

/// Where reloads stand, as `GET /v1/admin/reload` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReloadStatus {
    /// `idle` (none yet), `running`, `done` or `failed`.
    pub state: &'static str,
    /// When the last reload started and ended, ms since the epoch.
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// What the reload under way is doing, or the last step of the one before.
    pub step: Option<String>,
    /// Why the last reload failed (the old bot kept serving).
    pub error: Option<String>,
    /// Reloads swapped in since the server started.
    pub reloads: u64,
}

impl Default for ReloadStatus {
    fn default() -> Self {
        ReloadStatus {
            state: "idle",
            started_at: None,
            finished_at: None,
            step: None,
            error: None,
            reloads: 0,
        }
    }
}

/// The hub's reloads: how to build the next bot, if the server was given a way, the
/// thresholds file it reads, and the status.
#[derive(Default)]
pub(crate) struct Reloads {
    pub(crate) reloader: Option<Reloader>,
    /// Where the advisor's Apply writes the thresholds the reloader reads.
    pub(crate) thresholds_file: Option<std::path::PathBuf>,
    /// The intent folders Apply exports the review labels to (`reviewed.yml`), which the
    /// reloader trains from.
    pub(crate) intents_dir: Option<std::path::PathBuf>,
    status: Mutex<ReloadStatus>,
    /// Asked for while one ran (which may have read the files before they changed): one
    /// more runs when it ends.
    again: std::sync::atomic::AtomicBool,
}

impl Reloads {
    pub(crate) fn status(&self) -> ReloadStatus {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn update(&self, change: impl FnOnce(&mut ReloadStatus)) {
        change(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Starts a reload unless one is running; the status after. `None` when the server has no
/// [`Reloader`].
pub(crate) fn start(hub: &Arc<Hub>) -> Option<ReloadStatus> {
    let reloader = hub.reload.reloader.clone()?;
    {
        let mut status = hub.reload.status.lock().unwrap_or_else(PoisonError::into_inner);
        if status.state == "running" {
            hub.reload.again.store(true, std::sync::atomic::Ordering::SeqCst);
            return Some(status.clone());
        }
        *status = ReloadStatus {
            state: "running",
            started_at: Some(crate::now_ms()),
            finished_at: None,
            step: Some("starting".into()),
            error: None,
            reloads: status.reloads,
        };
    }
    let reloading = hub.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let hub = reloading;
        let current = hub.bot();
        // A panic in the reloader is a failed reload, not one left running for ever.
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            reloader(&current, &mut |step| hub.reload.update(|status| status.step = Some(step)))
        }))
        .unwrap_or_else(|_| Err("the reload panicked (see the server's log)".to_owned()));
        drop(current);
        let error = match built {
            Ok(bot) => {
                hub.swap_bot(Arc::new(bot));
                tracing::info!("reloaded: the new intents and settings answer from now on");
                None
            }
            Err(error) => {
                tracing::warn!("the reload failed, the assistant in use keeps serving: {error}");
                Some(error)
            }
        };
        hub.reload.update(|status| {
            status.state = if error.is_none() { "done" } else { "failed" };
            status.reloads += u64::from(error.is_none());
            status.error = error;
            status.finished_at = Some(crate::now_ms());
        });
        if hub.reload.again.swap(false, std::sync::atomic::Ordering::SeqCst) {
            tracing::info!("reloading again: asked for while the last one ran");
            let _entered = runtime.enter();
            start(&hub);
        }
    });
    Some(hub.reload.status())
}

/// Starts reloads from outside the HTTP routes (`relais serve` on SIGHUP).
#[derive(Clone)]
pub struct ReloadHandle(pub(crate) Arc<Hub>);

impl ReloadHandle {
    /// Starts a reload unless one is running (call from within the runtime); the status
    /// after, `None` when the server has no reloader.
    pub fn start(&self) -> Option<ReloadStatus> {
        start(&self.0)
    }

    /// Where reloads stand.
    pub fn status(&self) -> ReloadStatus {
        self.0.reload.status()
    }
}
