//! Insights for managers: the figures that set the human/bot ratio — containment,
//! resolution, escalation and its reasons, usefulness, satisfaction, the queue, repeat
//! contacts, ROI — the conversations behind each count, breakdowns per intent, article,
//! agent, language, start page and day, the knowledge gaps, and a CSV of one row per
//! conversation. docs/metrics.md defines every figure; this crate computes exactly those.
//!
//! A [`Window`] `[from, to)` selects conversations by their start: one cohort, one
//! denominator for every rate. Each conversation's tally (the store's fold of its events,
//! kept by the append transaction) becomes its [`ConversationFacts`] (pure, given `now`);
//! a [`Cohort`] holds the facts of a window and gives the [`Summary`], the drill-down of a
//! [`Figure`] in a [`Slice`], the breakdowns and the CSV.

mod breakdown;
mod config;
mod export;
mod facts;
mod figure;
mod gaps;
mod segments;
mod slice;
mod summary;
mod window;

use std::collections::HashMap;

use rayon::prelude::*;
use relais_store::{ConversationTally, Store, VisitorStart};

pub use breakdown::{AgentRow, ArticleRow, IntentRow};
pub use config::InsightsConfig;
pub use export::{COLUMNS, csv, text_cell};
pub use facts::{AnswerRating, ConversationFacts, Outcome};
pub use figure::{Figure, UnknownFigure};
pub use gaps::{GapMessage, NearestArticle, Sample, Topic, read_gap_messages, topics};
pub use relais_store::{GapReason, Rating};
pub use segments::{DayRow, LanguageRow, Outcomes, PageRow};
pub use slice::Slice;
pub use summary::{ResolutionTimes, Summary};
pub use window::{MAX_DAYS, Window, WindowError, day, rfc3339};

/// The facts of the conversations started in a window, ordered by start then id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub window: Window,
    /// The language kept by [`Cohort::in_language`]; `None`: all.
    pub lang: Option<String>,
    /// The channel kept by [`Cohort::in_channel`]; `None`: all.
    pub channel: Option<String>,
    pub facts: Vec<ConversationFacts>,
}

impl Cohort {
    /// Reads the tallies of the conversations started in `window` from the store; `now`
    /// (ms since the epoch) decides which quiet conversations count as resolved. Reads
    /// who started the conversations up to `repeat_window` after the window too, for
    /// repeat contacts.
    pub async fn load(store: &Store, window: Window, config: &InsightsConfig, now: i64) -> relais_store::Result<Cohort> {
        let repeat_ms = i64::try_from(config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        // Two reads at once, on two of the store's connections.
        let (tallies, starts) = tokio::try_join!(
            store.tallies_started(window.from, window.to),
            store.visitor_starts(window.from, window.to.saturating_add(repeat_ms)),
        )?;
        Ok(Cohort::of(window, tallies, &starts, config, now))
    }

    /// The facts of `tallies` (the conversations started in `window`), ordered by start
    /// then id, with repeat contacts marked from `starts`: who started each conversation
    /// from the window's beginning to `repeat_window` after its end.
    pub fn of(window: Window, tallies: Vec<ConversationTally>, starts: &[VisitorStart], config: &InsightsConfig, now: i64) -> Cohort {
        let mut facts: Vec<ConversationFacts> = tallies
            .into_par_iter()
            .map(|c| ConversationFacts::of(c.id, c.tally, config.assume_resolved_after, now))
            .collect();
        facts.par_sort_unstable_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let mut starts_by_visitor: HashMap<&str, Vec<i64>> = HashMap::new();
        for start in starts {
            starts_by_visitor.entry(&start.visitor).or_default().push(start.started_at);
        }
        let repeat_ms = i64::try_from(config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        for visitor_starts in starts_by_visitor.values_mut() {
            visitor_starts.sort_unstable();
        }
        for f in &mut facts {
            let Some(visitor) = &f.visitor else { continue };
            let started = f.started_at;
            // The visitor's first start after this one: a binary search, so a visitor with
            // many conversations (a browser id is only a claim) costs no more than a log.
            let came_back = starts_by_visitor.get(visitor.as_str()).is_some_and(|visitor_starts| {
                let next = visitor_starts.partition_point(|&s| s <= started);
                visitor_starts.get(next).is_some_and(|&s| s - started <= repeat_ms)
            });
            f.repeat_contact = came_back;
        }
        Cohort {
            window,
            lang: None,
            channel: None,
            facts,
        }
    }

    /// Only the conversations in language `lang` (all when `None`; `Some("")`: those
    /// whose language is unknown).
    pub fn in_language(mut self, lang: Option<&str>) -> Cohort {
        if let Some(lang) = lang {
            self.facts.retain(|f| f.language.as_deref().unwrap_or_default() == lang);
            self.lang = Some(lang.to_owned());
        }
        self
    }

    /// Only the conversations of channel `channel` (all when `None`).
    pub fn in_channel(mut self, channel: Option<&str>) -> Cohort {
        if let Some(channel) = channel {
            self.facts.retain(|f| f.channel == channel);
            self.channel = Some(channel.to_owned());
        }
        self
    }

    /// Every figure over the cohort.
    pub fn summary(&self, config: &InsightsConfig) -> Summary {
        Summary::of(self, config)
    }

    /// The conversations of `slice` that `figure` counts, ordered by start then id. In an
    /// intent's or an article's row, the two answer counts count that row's answers only.
    pub fn conversations(&self, figure: Figure, slice: &Slice) -> Vec<&ConversationFacts> {
        self.facts
            .iter()
            .filter(|f| slice.holds(f) && slice.weight(figure, f) > 0)
            .collect()
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

    /// Per article the bot cited: times shown, conversations, usefulness.
    pub fn articles(&self) -> Vec<ArticleRow> {
        breakdown::articles(&self.facts)
    }

    /// Per language: the outcomes.
    pub fn languages(&self) -> Vec<LanguageRow> {
        segments::languages(&self.facts)
    }

    /// Per page where chats start: the outcomes.
    pub fn pages(&self) -> Vec<PageRow> {
        segments::pages(&self.facts)
    }

    /// Per day (UTC) of the window, days without conversations included: the outcomes.
    pub fn days(&self) -> Vec<DayRow> {
        segments::days(self.window, &self.facts)
    }

    /// The visitor messages the bot could not serve (docs/metrics.md, knowledge gaps),
    /// by conversation and `seq`, with why and the conversation's language.
    pub fn gap_messages(&self) -> Vec<(String, u64, GapReason, Option<String>)> {
        self.facts
            .iter()
            .flat_map(|f| f.gaps.iter().map(|(seq, reason)| (f.id.clone(), *seq, *reason, f.language.clone())))
            .collect()
    }

    /// One CSV row per conversation, ordered by start then id.
    pub fn csv(&self) -> String {
        csv(&self.facts)
    }
}
