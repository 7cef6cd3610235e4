//! Insights for managers: the figures that set the human/bot ratio — containment,
//! resolution, escalation and its reasons, usefulness, satisfaction, the queue, repeat
//! contacts, ROI — computed from the event log, the conversations behind each count,
//! breakdowns per intent and per agent, and a CSV of one row per conversation. docs/metrics.md defines every figure; this crate
//! computes exactly those.
//!
//! A [`Window`] `[from, to)` selects conversations by their start: one cohort, one
//! denominator for every rate. Each conversation's events fold into its
//! [`ConversationFacts`] (pure, given `now`); a [`Cohort`] holds the facts of a window
//! and gives the [`Summary`], the drill-down of a [`Figure`] and the CSV.

mod breakdown;
mod config;
mod export;
mod facts;
mod figure;
mod summary;
mod window;

use std::collections::HashMap;

use relais_store::{ConversationLog, Store, VerifiedStart};

pub use breakdown::{AgentRow, IntentRow};
pub use config::InsightsConfig;
pub use export::{COLUMNS, csv, text_cell};
pub use facts::{ConversationFacts, Outcome, Rating, WIDGET};
pub use figure::{Figure, UnknownFigure};
pub use summary::{ResolutionTimes, Summary};
pub use window::{MAX_DAYS, Window, WindowError, rfc3339};

/// The facts of the conversations started in a window, ordered by start then id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub window: Window,
    /// The language kept by [`Cohort::in_language`]; `None`: all.
    pub lang: Option<String>,
    pub facts: Vec<ConversationFacts>,
}

impl Cohort {
    /// Reads the conversations started in `window` from the store and folds them; `now`
    /// (ms since the epoch) decides which quiet conversations count as resolved. Reads
    /// the verified visitors' starts up to `repeat_window` after the window too, for
    /// repeat contacts.
    pub async fn load(store: &Store, window: Window, config: &InsightsConfig, now: i64) -> relais_store::Result<Cohort> {
        let logs = store.conversations_started(window.from, window.to).await?;
        let repeat_ms = i64::try_from(config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        let starts = store
            .verified_starts(window.from, window.to.saturating_add(repeat_ms))
            .await?;
        Ok(Cohort::of(window, &logs, &starts, config, now))
    }

    /// Folds `logs` (the conversations started in `window`) into their facts, ordered by
    /// start then id, and marks repeat contacts from `starts`: every verified start from the
    /// window's beginning to `repeat_window` after its end.
    pub fn of(window: Window, logs: &[ConversationLog], starts: &[VerifiedStart], config: &InsightsConfig, now: i64) -> Cohort {
        let mut facts: Vec<ConversationFacts> = logs
            .iter()
            .map(|log| ConversationFacts::fold(&log.id, &log.events, config.assume_resolved_after, now))
            .collect();
        facts.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let mut starts_by_user: HashMap<&str, Vec<i64>> = HashMap::new();
        for start in starts {
            starts_by_user.entry(&start.user_id).or_default().push(start.started_at);
        }
        let repeat_ms = i64::try_from(config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        for f in &mut facts {
            let Some(user) = &f.verified_user_id else { continue };
            let started = f.started_at;
            let came_back = starts_by_user.get(user.as_str()).is_some_and(|user_starts| {
                user_starts.iter().any(|&s| s > started && s - started <= repeat_ms)
            });
            f.repeat_contact = came_back;
        }
        Cohort {
            window,
            lang: None,
            facts,
        }
    }

    /// Only the conversations in language `lang` (all when `None`).
    pub fn in_language(mut self, lang: Option<&str>) -> Cohort {
        if let Some(lang) = lang {
            self.facts.retain(|f| f.language.as_deref() == Some(lang));
            self.lang = Some(lang.to_owned());
        }
        self
    }

    /// Every figure over the cohort.
    pub fn summary(&self, config: &InsightsConfig) -> Summary {
        Summary::of(
            &self.facts,
            rfc3339(self.window.from),
            rfc3339(self.window.to),
            self.lang.clone(),
            config,
        )
    }

    /// The conversations `figure` counts, ordered by start then id.
    pub fn conversations(&self, figure: Figure) -> Vec<&ConversationFacts> {
        figure.conversations(&self.facts)
    }

    /// Per intent the bot answered: volume, median confidence, containment, usefulness,
    /// escalation.
    pub fn intents(&self) -> Vec<IntentRow> {
        breakdown::intents(&self.facts)
    }

    /// Per agent: conversations handled, first response, resolution time, CSAT.
    pub fn agents(&self) -> Vec<AgentRow> {
        breakdown::agents(&self.facts)
    }

    /// One CSV row per conversation, ordered by start then id.
    pub fn csv(&self) -> String {
        csv(&self.facts)
    }
}
