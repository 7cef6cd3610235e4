//! A slice of a cohort for the drill-down: the conversations behind one row of a
//! breakdown (an intent, an article, an agent, a page, a language, a day), so a number
//! in any table opens exactly the conversations it counts.

use crate::facts::ConversationFacts;
use crate::window::day;

/// Which conversations of a cohort a breakdown row stands for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Slice {
    /// The whole cohort.
    #[default]
    All,
    /// The bot answered this intent.
    Intent(String),
    /// The bot cited this article (its URL).
    Article(String),
    /// This agent joined first.
    Agent(String),
    /// The chat started on this page (its URL).
    Page(String),
    /// In this language.
    Language(String),
    /// Started on this day, `YYYY-MM-DD` in UTC.
    Day(String),
}

impl Slice {
    /// Whether conversation `f` is in the slice.
    pub fn holds(&self, f: &ConversationFacts) -> bool {
        match self {
            Slice::All => true,
            Slice::Intent(intent) => f.intents.contains(intent),
            Slice::Article(url) => f.citations.iter().any(|source| source.url == *url),
            Slice::Agent(agent) => f.agent.as_ref() == Some(agent),
            Slice::Page(page) => f.first_page.as_ref() == Some(page),
            Slice::Language(lang) => f.language.as_ref() == Some(lang),
            Slice::Day(wanted) => day(f.started_at) == *wanted,
        }
    }
}
