//! The summary: every figure of docs/metrics.md over one cohort of conversations, under
//! the names used there. Rates are `None` (JSON `null`) when their denominator is 0.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::figure::Figure;
use crate::{Cohort, InsightsConfig, rfc3339};

/// Every figure over the conversations started in a window (and of one language, if
/// asked). Counts are conversations unless named `…_answers`; durations in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The window, RFC 3339 in UTC.
    pub from: String,
    pub to: String,
    /// The language asked for; `None`: all.
    pub lang: Option<String>,
    /// The channel asked for; `None`: all.
    pub channel: Option<String>,
    pub conversations: u64,
    pub engaged: u64,
    pub escalated: u64,
    pub agent_handled: u64,
    pub bot_resolved: u64,
    pub bot_resolved_confirmed: u64,
    pub bot_resolved_assumed: u64,
    pub unresolved: u64,
    pub containment_rate: Option<f64>,
    pub bot_resolution_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
    /// Escalated conversations by their first reason code; reasons that did not occur
    /// are left out.
    pub escalation_reasons: BTreeMap<String, u64>,
    pub helpful_answers: u64,
    pub unhelpful_answers: u64,
    pub usefulness_rate: Option<f64>,
    pub ratings_asked: u64,
    pub rated: u64,
    pub rated_positive: u64,
    pub csat: Option<f64>,
    pub csat_response_rate: Option<f64>,
    pub queued: u64,
    pub queue_wait_p50_s: Option<f64>,
    pub queue_wait_p90_s: Option<f64>,
    pub abandoned_in_queue: u64,
    pub callbacks: u64,
    pub resolution_time_p50_s: ResolutionTimes,
    pub agent_first_response_p50_s: Option<f64>,
    pub repeat_contacts: u64,
    pub repeat_contact_rate: Option<f64>,
    pub contacts_saved: u64,
    /// In `currency`, rounded to the cent.
    pub cost_saved: f64,
    pub currency: String,
    /// Rounded to the hundredth.
    pub agent_hours_saved: f64,
}

/// `resolution_time_p50_s`, for bot-resolved and for agent-handled conversations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolutionTimes {
    pub bot_resolved: Option<f64>,
    pub agent_handled: Option<f64>,
}

impl Summary {
    /// The figures over `cohort`.
    pub fn of(cohort: &Cohort, config: &InsightsConfig) -> Summary {
        let facts = &cohort.facts[..];
        let count = |figure: Figure| figure.count(facts);
        let engaged_facts = || facts.iter().filter(|f| f.engaged());
        let engaged = count(Figure::Engaged);
        let escalated = count(Figure::Escalated);
        let bot_resolved = count(Figure::BotResolved);
        let helpful_answers = count(Figure::HelpfulAnswers);
        let unhelpful_answers = count(Figure::UnhelpfulAnswers);
        let ratings_asked = count(Figure::RatingsAsked);
        let rated = count(Figure::Rated);
        let repeat_contacts = count(Figure::RepeatContacts);
        let mut escalation_reasons = BTreeMap::new();
        for reason in engaged_facts().filter_map(|f| f.escalation_reason) {
            escalation_reasons
                .entry(reason.as_str().to_owned())
                .or_insert_with(|| count(Figure::EscalationReason(reason)));
        }
        let queue_waits: Vec<i64> = engaged_facts().filter_map(|f| f.queue_wait_ms).collect();
        let resolution_times = |agent_handled: bool| -> Vec<i64> {
            engaged_facts()
                .filter(|f| if agent_handled { f.agent_handled } else { f.outcome.bot_resolved() })
                .filter_map(|f| f.resolution_time_ms)
                .collect()
        };
        let saved_per_contact = config.cost_live_contact - config.cost_self_service;
        Summary {
            from: rfc3339(cohort.window.from),
            to: rfc3339(cohort.window.to),
            lang: cohort.lang.clone(),
            channel: cohort.channel.clone(),
            conversations: count(Figure::Conversations),
            engaged,
            escalated,
            agent_handled: count(Figure::AgentHandled),
            bot_resolved,
            bot_resolved_confirmed: count(Figure::BotResolvedConfirmed),
            bot_resolved_assumed: count(Figure::BotResolvedAssumed),
            unresolved: count(Figure::Unresolved),
            containment_rate: rate(engaged - escalated, engaged),
            bot_resolution_rate: rate(bot_resolved, engaged),
            escalation_rate: rate(escalated, engaged),
            escalation_reasons,
            helpful_answers,
            unhelpful_answers,
            usefulness_rate: rate(helpful_answers, helpful_answers + unhelpful_answers),
            ratings_asked,
            rated,
            rated_positive: count(Figure::RatedPositive),
            csat: rate(count(Figure::RatedPositive), rated),
            csat_response_rate: rate(rated, ratings_asked),
            queued: count(Figure::Queued),
            queue_wait_p50_s: percentile_s(queue_waits.clone(), 50),
            queue_wait_p90_s: percentile_s(queue_waits, 90),
            abandoned_in_queue: count(Figure::AbandonedInQueue),
            callbacks: count(Figure::Callbacks),
            resolution_time_p50_s: ResolutionTimes {
                bot_resolved: percentile_s(resolution_times(false), 50),
                agent_handled: percentile_s(resolution_times(true), 50),
            },
            agent_first_response_p50_s: percentile_s(
                engaged_facts().filter_map(|f| f.agent_first_response_ms).collect(),
                50,
            ),
            repeat_contacts,
            repeat_contact_rate: rate(repeat_contacts, engaged),
            contacts_saved: count(Figure::ContactsSaved),
            cost_saved: round_to(bot_resolved as f64 * saved_per_contact, 100.0),
            currency: config.currency.clone(),
            agent_hours_saved: round_to(bot_resolved as f64 * config.agent_handle_minutes / 60.0, 100.0),
        }
    }
}

/// `part / whole`, or `None` when `whole` is 0.
pub(crate) fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The nearest-rank `p`th percentile: the smallest value with at least `p` % of the
/// values at or below it; `None` for no values.
pub(crate) fn percentile<T: Copy + PartialOrd>(mut values: Vec<T>, p: usize) -> Option<T> {
    values.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = (p * values.len()).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// The `p`th percentile of durations in ms, in seconds.
pub(crate) fn percentile_s(values_ms: Vec<i64>, p: usize) -> Option<f64> {
    percentile(values_ms, p).map(|ms| ms as f64 / 1000.0)
}

fn round_to(value: f64, per_unit: f64) -> f64 {
    (value * per_unit).round() / per_unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile_s(Vec::new(), 50), None);
        assert_eq!(percentile_s(vec![7_000], 90), Some(7.0));
        // 10 values 1..=10 s: p50 is the 5th (rank ⌈0.5 × 10⌉), p90 the 9th.
        let values: Vec<i64> = (1..=10).rev().map(|s| s * 1000).collect();
        assert_eq!(percentile_s(values.clone(), 50), Some(5.0));
        assert_eq!(percentile_s(values, 90), Some(9.0));
        // 3 values: p50 is rank ⌈1.5⌉ = 2, p90 rank ⌈2.7⌉ = 3.
        assert_eq!(percentile_s(vec![1_500, 500, 9_000], 50), Some(1.5));
        assert_eq!(percentile_s(vec![1_500, 500, 9_000], 90), Some(9.0));
    }
}
