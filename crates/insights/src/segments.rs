//! Breakdowns of a cohort by segment — language, the page where the chat started, the
//! day (UTC) it started — each row the same outcome counts and rates as the summary
//! (docs/metrics.md), over that segment's conversations.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::{ConversationFacts, Outcome};
use crate::summary::rate;
use crate::window::{Window, day, days_of};

/// The outcomes of a segment's conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcomes {
    pub conversations: u64,
    pub engaged: u64,
    pub bot_resolved: u64,
    pub escalated: u64,
    pub unresolved: u64,
    pub containment_rate: Option<f64>,
    pub bot_resolution_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
}

impl Outcomes {
    fn add(&mut self, f: &ConversationFacts) {
        self.conversations += 1;
        if f.engaged() {
            self.engaged += 1;
            self.bot_resolved += u64::from(f.outcome.bot_resolved());
            self.escalated += u64::from(f.outcome == Outcome::Escalated);
            self.unresolved += u64::from(f.outcome == Outcome::Unresolved);
        }
    }

    fn with_rates(mut self) -> Self {
        self.containment_rate = rate(self.engaged - self.escalated, self.engaged);
        self.bot_resolution_rate = rate(self.bot_resolved, self.engaged);
        self.escalation_rate = rate(self.escalated, self.engaged);
        self
    }
}

/// One language's row; `lang` is `None` for conversations whose language is unknown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageRow {
    pub lang: Option<String>,
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// One start page's row; `page` is `None` for chats that reported no page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageRow {
    pub page: Option<String>,
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// One day's row, `YYYY-MM-DD` in UTC.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub day: String,
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// The outcomes per key, the most conversations first, then by key.
fn by<'a, K: Ord + Clone>(facts: &'a [ConversationFacts], key: impl Fn(&'a ConversationFacts) -> K) -> Vec<(K, Outcomes)> {
    let mut groups: BTreeMap<K, Outcomes> = BTreeMap::new();
    for f in facts {
        groups.entry(key(f)).or_default().add(f);
    }
    let mut rows: Vec<(K, Outcomes)> = groups.into_iter().map(|(k, o)| (k, o.with_rates())).collect();
    rows.sort_by(|a, b| b.1.conversations.cmp(&a.1.conversations).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Per language, the most conversations first.
pub fn languages(facts: &[ConversationFacts]) -> Vec<LanguageRow> {
    by(facts, |f| f.language.clone().filter(|lang| !lang.is_empty()))
        .into_iter()
        .map(|(lang, outcomes)| LanguageRow { lang, outcomes })
        .collect()
}

/// Per start page, the most conversations first.
pub fn pages(facts: &[ConversationFacts]) -> Vec<PageRow> {
    by(facts, |f| f.first_page.clone().filter(|page| !page.is_empty()))
        .into_iter()
        .map(|(page, outcomes)| PageRow { page, outcomes })
        .collect()
}

/// Per day of `window`, in order, days without conversations included.
pub fn days(window: Window, facts: &[ConversationFacts]) -> Vec<DayRow> {
    let mut by_day: BTreeMap<String, Outcomes> = days_of(window).map(|start| (day(start), Outcomes::default())).collect();
    for f in facts {
        by_day.entry(day(f.started_at)).or_default().add(f);
    }
    by_day
        .into_iter()
        .map(|(day, outcomes)| DayRow {
            day,
            outcomes: outcomes.with_rates(),
        })
        .collect()
}
