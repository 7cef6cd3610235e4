//! A slice of a cohort for the drill-down: the conversations behind one row of a
//! breakdown (an intent, an article, an agent, a page, a language, a day), so a number
//! in any table opens exactly the conversations it counts.

use crate::facts::ConversationFacts;
use crate::figure::Figure;
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
    /// The chat started on this page (its URL); `""`: no page was reported.
    Page(String),
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
            Slice::Page(page) => f.first_page.as_deref().unwrap_or_default() == page,
            Slice::Day(wanted) => day(f.started_at) == *wanted,
        }
    }

    /// What conversation `f` (in the slice) adds to `figure` in this slice: as in the
    /// summary, but the answer counts of an intent's or an article's row count only the
    /// answers of that intent, or citing that article (the row's own 👍 and 👎).
    pub fn weight(&self, figure: Figure, f: &ConversationFacts) -> u64 {
        let helpful = match figure {
            Figure::HelpfulAnswers => true,
            Figure::UnhelpfulAnswers => false,
            _ => return figure.weight(f),
        };
        let counted = |rating: &&crate::AnswerRating| match self {
            Slice::Intent(intent) => rating.intent.as_ref() == Some(intent),
            Slice::Article(url) => rating.articles.iter().any(|source| source.url == *url),
            _ => true,
        };
        let answers = f.answer_ratings.iter().filter(|r| r.helpful == helpful).filter(counted).count();
        u64::from(f.engaged()) * answers as u64
    }
}
