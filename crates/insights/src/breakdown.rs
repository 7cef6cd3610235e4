//! Breakdowns of a cohort's engaged conversations: per intent the bot answered (volume,
//! median confidence, containment, usefulness, escalation), per article it cited (shown,
//! 👍/👎) and per agent (handled, first response, resolution time, CSAT).
//! docs/metrics.md defines each column.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::{ConversationFacts, Outcome};
use crate::summary::{percentile, percentile_s, rate};

/// One intent's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentRow {
    pub intent: String,
    /// Engaged conversations in which the bot answered this intent.
    pub conversations: u64,
    /// Of those, escalated.
    pub escalated: u64,
    pub containment_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
    /// The median confidence of the classifier's in-scope predictions of this intent, in
    /// all engaged conversations of the cohort.
    pub median_confidence: Option<f32>,
    /// Answers of this intent whose latest rating is 👍, 👎.
    pub helpful_answers: u64,
    pub unhelpful_answers: u64,
    pub usefulness_rate: Option<f64>,
}

/// One article's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleRow {
    /// Its URL.
    pub article: String,
    pub title: String,
    /// Bot answers that cited it.
    pub shown: u64,
    /// Engaged conversations in which an answer cited it.
    pub conversations: u64,
    /// Of those, escalated.
    pub escalated: u64,
    /// Answers citing it whose latest rating is 👍, 👎.
    pub helpful_answers: u64,
    pub unhelpful_answers: u64,
    pub usefulness_rate: Option<f64>,
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    /// The name of the first agent who joined a conversation.
    pub agent: String,
    /// Engaged conversations this agent joined first.
    pub handled: u64,
    pub agent_first_response_p50_s: Option<f64>,
    /// From the start to `closed`, over their closed conversations.
    pub resolution_time_p50_s: Option<f64>,
    pub rated: u64,
    pub rated_positive: u64,
    pub csat: Option<f64>,
}

/// Per intent, the most answered first (then by name).
pub fn intents(facts: &[ConversationFacts]) -> Vec<IntentRow> {
    #[derive(Default)]
    struct Tally {
        conversations: u64,
        escalated: u64,
        confidences: Vec<f32>,
        helpful: u64,
        unhelpful: u64,
    }
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.engaged()) {
        for intent in &f.intents {
            let tally = tallies.entry(intent).or_default();
            tally.conversations += 1;
            tally.escalated += u64::from(f.outcome == Outcome::Escalated);
        }
        for (intent, confidence) in &f.predictions {
            tallies.entry(intent).or_default().confidences.push(*confidence);
        }
        for rating in &f.answer_ratings {
            if let Some(intent) = &rating.intent {
                let tally = tallies.entry(intent).or_default();
                if rating.helpful { tally.helpful += 1 } else { tally.unhelpful += 1 }
            }
        }
    }
    let mut rows: Vec<IntentRow> = tallies
        .into_iter()
        .map(|(intent, t)| IntentRow {
            intent: intent.to_owned(),
            conversations: t.conversations,
            escalated: t.escalated,
            containment_rate: rate(t.conversations - t.escalated, t.conversations),
            escalation_rate: rate(t.escalated, t.conversations),
            median_confidence: percentile(t.confidences, 50),
            helpful_answers: t.helpful,
            unhelpful_answers: t.unhelpful,
            usefulness_rate: rate(t.helpful, t.helpful + t.unhelpful),
        })
        .collect();
    rows.sort_by(|a, b| b.conversations.cmp(&a.conversations).then_with(|| a.intent.cmp(&b.intent)));
    rows
}

/// Per article, the most shown first (then by URL).
pub fn articles(facts: &[ConversationFacts]) -> Vec<ArticleRow> {
    let mut rows: BTreeMap<&str, ArticleRow> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.engaged()) {
        let mut seen: Vec<&str> = Vec::new();
        for source in &f.citations {
            let row = rows.entry(&source.url).or_insert_with(|| ArticleRow {
                article: source.url.clone(),
                title: source.title.clone(),
                shown: 0,
                conversations: 0,
                escalated: 0,
                helpful_answers: 0,
                unhelpful_answers: 0,
                usefulness_rate: None,
            });
            row.shown += 1;
            if !seen.contains(&source.url.as_str()) {
                seen.push(&source.url);
                row.conversations += 1;
                row.escalated += u64::from(f.outcome == Outcome::Escalated);
            }
        }
        for rating in &f.answer_ratings {
            for source in &rating.articles {
                if let Some(row) = rows.get_mut(source.url.as_str()) {
                    if rating.helpful { row.helpful_answers += 1 } else { row.unhelpful_answers += 1 }
                }
            }
        }
    }
    let mut rows: Vec<ArticleRow> = rows
        .into_values()
        .map(|mut row| {
            row.usefulness_rate = rate(row.helpful_answers, row.helpful_answers + row.unhelpful_answers);
            row
        })
        .collect();
    rows.sort_by(|a, b| b.shown.cmp(&a.shown).then_with(|| a.article.cmp(&b.article)));
    rows
}

/// Per agent, the most conversations first (then by name).
pub fn agents(facts: &[ConversationFacts]) -> Vec<AgentRow> {
    let mut by_agent: BTreeMap<&str, Vec<&ConversationFacts>> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.engaged() && f.agent_handled) {
        if let Some(agent) = &f.agent {
            by_agent.entry(agent).or_default().push(f);
        }
    }
    let mut rows: Vec<AgentRow> = by_agent
        .into_iter()
        .map(|(agent, handled)| {
            let rated = handled.iter().filter(|f| f.rating.is_some()).count() as u64;
            let positive = handled.iter().filter(|f| f.rating.is_some_and(|r| r.positive())).count() as u64;
            AgentRow {
                agent: agent.to_owned(),
                handled: handled.len() as u64,
                agent_first_response_p50_s: percentile_s(
                    handled.iter().filter_map(|f| f.agent_first_response_ms).collect(),
                    50,
                ),
                resolution_time_p50_s: percentile_s(handled.iter().filter_map(|f| f.resolution_time_ms).collect(), 50),
                rated,
                rated_positive: positive,
                csat: rate(positive, rated),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.handled.cmp(&a.handled).then_with(|| a.agent.cmp(&b.agent)));
    rows
}
