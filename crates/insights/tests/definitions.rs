//! Each definition of docs/metrics.md on hand-built event logs, with the figures worked
//! out by hand in the comments; the sum identity; the language filter; the drill-down;
//! the CSV. `now` is fixed, so nothing depends on today's date.

use std::collections::{BTreeMap, HashMap};

use relais_dialogue::{Event, EventKind, FallbackStage, HandoffState, ReasonCode, Source};
use relais_insights::{
    AgentRow, Cohort, ConversationFacts, Figure, InsightsConfig, IntentRow, Outcome, Slice, Summary, Window, text_cell,
};
use relais_store::{ConversationTally, Store, StoredEvent, Tally, VisitorStart};
use serde_json::Value;

const S: i64 = 1000;
const HOUR: i64 = 3600 * S;
const DAY: i64 = 24 * HOUR;
/// 2023-11-14T22:13:20Z; every conversation starts in [T0, NOW).
const T0: i64 = 1_700_000_000_000;
const NOW: i64 = T0 + 30 * DAY;

/// One conversation written event by event; `seq` follows.
struct Script {
    id: String,
    start: i64,
    events: Vec<StoredEvent>,
}

impl Script {
    /// `started` (in English unless `lang` is None) and the bot's greeting.
    fn new(id: &str, start: i64, lang: Option<&str>) -> Script {
        let script = Script {
            id: id.into(),
            start,
            events: Vec::new(),
        };
        script
            .then(0, EventKind::Started {
                conversation_id: id.into(),
                lang: lang.map(str::to_owned),
                visitor: BTreeMap::new(),
                verified_user_id: None,
                browser_id: None,
                simulated: false,
                channel: None,
            })
            .then(0, say("Hello! How can I help?"))
    }

    fn en(id: &str, start: i64) -> Script {
        Script::new(id, start, Some("en"))
    }

    /// Appends `kind` `seconds` after the start.
    fn then(mut self, seconds: i64, kind: EventKind) -> Script {
        let seq = self.events.len() as u64 + 1;
        self.events.push(StoredEvent {
            seq,
            event: Event {
                at: self.start + seconds * S,
                kind,
            },
        });
        self
    }

    /// The `seq` of the last event so far (to rate the answer just given).
    fn last(&self) -> u64 {
        self.events.len() as u64
    }

    fn rate(self, seconds: i64, seq: u64, helpful: bool) -> Script {
        let reply = if helpful { "Glad it helped!" } else { "Sorry about that." };
        let script = self.then(seconds, EventKind::Feedback { seq, helpful }).then(seconds, say(reply));
        if helpful { script.then(seconds, EventKind::Resolved) } else { script }
    }

    /// The tally the store keeps of it.
    fn log(&self) -> ConversationTally {
        ConversationTally {
            id: self.id.clone(),
            tally: Tally::of(&self.events),
        }
    }
}

fn message(text: &str) -> EventKind {
    EventKind::VisitorMessage {
        text: text.into(),
        client_id: format!("c-{text}"),
    }
}

fn bot(text: &str, intent: Option<&str>, sources: Vec<Source>) -> EventKind {
    EventKind::BotMessage {
        text: text.into(),
        quick_replies: Vec::new(),
        sources,
        intent: intent.map(str::to_owned),
        ask_feedback: false,
    }
}

fn say(text: &str) -> EventKind {
    bot(text, None, Vec::new())
}

fn answer(intent: &str) -> EventKind {
    bot("An answer.", Some(intent), Vec::new())
}

fn article() -> EventKind {
    let source = Source {
        title: "Delivery times".into(),
        url: "https://shop.example/help/delivery".into(),
    };
    bot("Parcels arrive in 3 days.", None, vec![source])
}

fn fallback() -> EventKind {
    EventKind::Fallback {
        stage: FallbackStage::Rephrase,
    }
}

fn escalate(reason: ReasonCode) -> EventKind {
    EventKind::HandoffRequested {
        reason,
        detail: String::new(),
    }
}

fn handoff(state: HandoffState) -> EventKind {
    EventKind::handoff(state, None)
}

fn joined(agent: &str) -> EventKind {
    EventKind::Handoff {
        state: HandoffState::AgentJoined,
        reason: None,
        agent_name: Some(agent.into()),
        position: None,
    }
}

fn agent_says(agent: &str) -> EventKind {
    EventKind::AgentMessage {
        text: "Let me check.".into(),
        client_id: format!("a-{agent}"),
        agent_id: 1,
        agent_name: agent.into(),
    }
}

fn closed(by: &str) -> EventKind {
    EventKind::Closed {
        by: by.into(),
        resolution: None,
    }
}

fn rated(score: u8, scale: u8) -> EventKind {
    EventKind::ConversationRated { score, scale }
}

fn window() -> Window {
    Window { from: T0, to: NOW }
}

fn cohort(scripts: &[Script]) -> Cohort {
    let logs: Vec<ConversationTally> = scripts.iter().map(Script::log).collect();
    Cohort::of(window(), logs.clone(), &[], &InsightsConfig::default(), NOW)
}

fn summary(scripts: &[Script]) -> Summary {
    cohort(scripts).summary(&InsightsConfig::default())
}

fn outcomes(cohort: &Cohort) -> HashMap<&str, Outcome> {
    cohort.facts.iter().map(|f| (f.id.as_str(), f.outcome)).collect()
}

fn ids(facts: &[&ConversationFacts]) -> Vec<String> {
    facts.iter().map(|f| f.id.clone()).collect()
}

/// Twelve conversations, one for each way a conversation can end up.
fn outcome_scripts() -> Vec<Script> {
    let b = Script::en("b-thumbs-up", T0 + 2 * S).then(10, message("where is my order")).then(12, answer("order_status"));
    let b_answer = b.last();
    let c = Script::en("c-up-then-down", T0 + 3 * S).then(10, message("hours")).then(12, answer("opening_hours"));
    let c_first = c.last();
    let c = c.rate(20, c_first, true).then(40, message("and on sunday")).then(42, answer("sunday_hours"));
    let c_second = c.last();
    let h = Script::en("h-escalated", T0 + 8 * S).then(10, message("a person please")).then(11, answer("greet"));
    let h_answer = h.last();
    vec![
        // A: an intent marked `resolves` answered: `resolved` right after the answer.
        Script::en("a-resolves", T0 + S)
            .then(10, message("opening hours"))
            .then(11, answer("opening_hours"))
            .then(11, EventKind::Resolved),
        // B: the visitor marked the answer useful (the engine thanks and emits `resolved`).
        b.rate(30, b_answer, true),
        // C: 👍 on one answer, then 👎 on a later one: the 👍 no longer stands and the 👎
        // rules out "assumed"; the `resolved` that followed the 👍 is not a confirmation.
        c.rate(50, c_second, false).then(60, closed("visitor")),
        // D: answered from an article, quiet for weeks: assumed.
        Script::en("d-quiet", T0 + 4 * S).then(10, message("delivery")).then(12, article()),
        // E: the same two hours before `now`: still open, unresolved.
        Script::en("e-open", NOW - 2 * HOUR).then(10, message("delivery")).then(12, article()),
        // F: the same, closed by the visitor: assumed.
        Script::en("f-closed", NOW - 2 * HOUR)
            .then(10, message("delivery"))
            .then(12, article())
            .then(60, closed("visitor")),
        // G: the bot's last word was a fallback: unresolved, closed or not.
        Script::en("g-fallback", T0 + 5 * S)
            .then(10, message("blorp"))
            .then(11, fallback())
            .then(11, say("Could you say it differently?"))
            .then(30, closed("visitor")),
        // H: a handoff was requested: escalated, whatever comes after.
        h.then(12, escalate(ReasonCode::ExplicitRequest)).rate(20, h_answer, true),
        // I: the visitor never wrote: not engaged.
        Script::en("i-silent", T0 + 9 * S).then(1, EventKind::PageViewed {
            url: "https://shop.example/".into(),
            title: None,
        }),
        // J: a positive conversation rating (5 of 5) confirms, even after a fallback.
        Script::en("j-rated-5", T0 + 10 * S)
            .then(10, message("thanks"))
            .then(11, fallback())
            .then(11, say("Sorry?"))
            .then(12, EventKind::RatingAsked { scale: 5 })
            .then(20, rated(5, 5)),
        // K: 3 of 5 is not positive, so a negative rating: not confirmed, not assumed.
        Script::en("k-rated-3", T0 + 11 * S)
            .then(10, message("returns"))
            .then(11, answer("returns"))
            .then(12, EventKind::RatingAsked { scale: 5 })
            .then(20, rated(3, 5))
            .then(30, closed("visitor")),
        // L: an action succeeded: the engine emits `resolved` after its reply.
        Script::en("l-action", T0 + 12 * S)
            .then(10, message("track AB123"))
            .then(11, EventKind::ActionResult {
                action: "track".into(),
                ok: true,
                reply: None,
                error: None,
            })
            .then(11, answer("track_order"))
            .then(11, EventKind::Resolved),
    ]
}

#[test]
fn each_engaged_conversation_ends_one_way_and_the_four_add_up() {
    let scripts = outcome_scripts();
    let cohort = cohort(&scripts);
    let by_id = outcomes(&cohort);
    use Outcome::*;
    let expected = [
        ("a-resolves", BotResolvedConfirmed),
        ("b-thumbs-up", BotResolvedConfirmed),
        ("c-up-then-down", Unresolved),
        ("d-quiet", BotResolvedAssumed),
        ("e-open", Unresolved),
        ("f-closed", BotResolvedAssumed),
        ("g-fallback", Unresolved),
        ("h-escalated", Escalated),
        ("i-silent", NotEngaged),
        ("j-rated-5", BotResolvedConfirmed),
        ("k-rated-3", Unresolved),
        ("l-action", BotResolvedConfirmed),
    ];
    for (id, outcome) in expected {
        assert_eq!(by_id[id], outcome, "{id}");
    }

    let s = cohort.summary(&InsightsConfig::default());
    // 12 started, 11 engaged (all but I); confirmed A B J L = 4, assumed D F = 2,
    // escalated H = 1, unresolved C E G K = 4; 4 + 2 + 1 + 4 = 11.
    assert_eq!((s.conversations, s.engaged), (12, 11));
    assert_eq!((s.bot_resolved_confirmed, s.bot_resolved_assumed, s.bot_resolved), (4, 2, 6));
    assert_eq!((s.escalated, s.unresolved), (1, 4));
    assert_eq!(s.bot_resolved + s.escalated + s.unresolved, s.engaged);
    // containment (11 − 1) / 11, bot resolution 6 / 11, escalation 1 / 11.
    assert_eq!(s.containment_rate, Some(10.0 / 11.0));
    assert_eq!(s.bot_resolution_rate, Some(6.0 / 11.0));
    assert_eq!(s.escalation_rate, Some(1.0 / 11.0));
    assert_eq!(s.escalation_reasons, BTreeMap::from([("explicit_request".to_owned(), 1)]));
    // Start to the bot's last answer: A 11 s, B 12 s, D 12 s, F 12 s, L 11 s (J has no
    // answer); sorted 11 11 12 12 12, the median (rank ⌈2.5⌉ = 3) is 12 s.
    assert_eq!(s.resolution_time_p50_s.bot_resolved, Some(12.0));
    assert_eq!(s.resolution_time_p50_s.agent_handled, None);
    // ROI: 6 contacts × (8.01 − 0.10) = 47.46 USD; 6 × 6 min = 0.6 h.
    assert_eq!((s.contacts_saved, s.cost_saved, s.currency.as_str(), s.agent_hours_saved), (6, 47.46, "USD", 0.6));
}

#[test]
fn a_quiet_conversation_counts_as_resolved_only_after_assume_resolved_after() {
    let scripts = [Script::en("quiet", T0).then(10, message("delivery")).then(12, article())];
    let logs: Vec<ConversationTally> = scripts.iter().map(Script::log).collect();
    let config = InsightsConfig::default();
    let last = T0 + 12 * S;
    // 24 h after its last event it is assumed resolved; a millisecond before, still open.
    let at = |now| Cohort::of(window(), logs.clone(), &[], &config, now).facts[0].outcome;
    assert_eq!(at(last + DAY - 1), Outcome::Unresolved);
    assert_eq!(at(last + DAY), Outcome::BotResolvedAssumed);
    let patient = InsightsConfig {
        assume_resolved_after: std::time::Duration::from_secs(3 * 86_400),
        ..InsightsConfig::default()
    };
    assert_eq!(Cohort::of(window(), logs.clone(), &[], &patient, last + DAY).facts[0].outcome, Outcome::Unresolved);
}

/// Four escalations and one resolved conversation, for the queue and the agents.
fn escalation_scripts() -> Vec<Script> {
    vec![
        // Q1: queued at 10 s, Ann joins at 70 s (wait 60 s) and writes at 100 s (first
        // response 30 s); handed back, escalated again for frustration (the first reason,
        // explicit_request, counts), Bob joins; closed at 400 s (resolution 400 s).
        Script::en("q1", T0)
            .then(5, message("a person"))
            .then(10, escalate(ReasonCode::ExplicitRequest))
            .then(10, handoff(HandoffState::Queued))
            .then(70, joined("Ann"))
            .then(100, agent_says("Ann"))
            .then(250, handoff(HandoffState::ReturnedToBot))
            .then(260, message("still broken!!"))
            .then(261, escalate(ReasonCode::Frustration))
            .then(261, handoff(HandoffState::Queued))
            .then(300, joined("Bob"))
            .then(400, closed("agent")),
        // Q2: queued, abandoned at 605 s, queued again at 700 s, Bob joins at 720 s (wait
        // 20 s, from the last queueing) and writes at 780 s (60 s); never closed.
        Script::en("q2", T0 + S)
            .then(5, message("hmm"))
            .then(5, escalate(ReasonCode::LowConfidence))
            .then(5, handoff(HandoffState::Queued))
            .then(605, handoff(HandoffState::Abandoned))
            .then(700, message("hello?"))
            .then(700, escalate(ReasonCode::ExplicitRequest))
            .then(700, handoff(HandoffState::Queued))
            .then(720, joined("Bob"))
            .then(780, agent_says("Bob")),
        // Q3: no agent available; two callback requests (one conversation with callbacks).
        Script::en("q3", T0 + 2 * S)
            .then(5, message("??"))
            .then(6, escalate(ReasonCode::LowConfidence))
            .then(6, handoff(HandoffState::NoAgentAvailable))
            .then(30, EventKind::CallbackRequested {
                name: None,
                email: Some("v@example.com".into()),
                phone: None,
                preferred_time: None,
                note: None,
            })
            .then(40, EventKind::CallbackRequested {
                name: None,
                email: None,
                phone: Some("+33 1 23".into()),
                preferred_time: None,
                note: None,
            }),
        // Q4: queued, abandoned.
        Script::en("q4", T0 + 3 * S)
            .then(5, message("agent"))
            .then(6, escalate(ReasonCode::ExplicitRequest))
            .then(6, handoff(HandoffState::Queued))
            .then(606, handoff(HandoffState::Abandoned)),
        Script::en("r", T0 + 4 * S)
            .then(5, message("hours"))
            .then(6, answer("opening_hours"))
            .then(6, EventKind::Resolved),
    ]
}

#[test]
fn escalations_count_once_under_their_first_reason_and_the_queue_is_timed() {
    let scripts = escalation_scripts();
    let cohort = cohort(&scripts);
    let s = cohort.summary(&InsightsConfig::default());
    // 5 engaged, 4 escalated (Q1–Q4), 1 resolved (R).
    assert_eq!((s.engaged, s.escalated, s.bot_resolved, s.unresolved), (5, 4, 1, 0));
    assert_eq!((s.containment_rate, s.escalation_rate), (Some(0.2), Some(0.8)));
    // First reasons: Q1 explicit (not frustration), Q2 low confidence (not explicit), Q3
    // low confidence, Q4 explicit.
    let reasons = BTreeMap::from([("explicit_request".to_owned(), 2), ("low_confidence".to_owned(), 2)]);
    assert_eq!(s.escalation_reasons, reasons);
    // Queued Q1 Q2 Q4; abandoned Q2 Q4; callbacks Q3 (one conversation, two requests).
    assert_eq!((s.queued, s.abandoned_in_queue, s.callbacks), (3, 2, 1));
    // Agents joined Q1 (Ann) and Q2 (Bob); waits 60 s and 20 s: p50 rank ⌈1⌉ → 20 s,
    // p90 rank ⌈1.8⌉ = 2 → 60 s; first responses 30 s and 60 s: p50 → 30 s.
    assert_eq!(s.agent_handled, 2);
    assert_eq!((s.queue_wait_p50_s, s.queue_wait_p90_s), (Some(20.0), Some(60.0)));
    assert_eq!(s.agent_first_response_p50_s, Some(30.0));
    // Only Q1 was closed: 400 s.
    assert_eq!(s.resolution_time_p50_s.agent_handled, Some(400.0));
    let agents: Vec<(&str, Option<&str>)> =
        cohort.facts.iter().map(|f| (f.id.as_str(), f.agent.as_deref())).collect();
    assert_eq!(agents[..2], [("q1", Some("Ann")), ("q2", Some("Bob"))]);
}

fn rating_scripts() -> Vec<Script> {
    let u1 = Script::en("u1", T0).then(5, message("hours")).then(6, answer("opening_hours"));
    let u1_first = u1.last();
    let u1 = u1.then(20, message("sunday?")).then(21, answer("sunday_hours"));
    let u1_second = u1.last();
    let u2 = Script::en("u2", T0 + S).then(5, message("delivery")).then(6, article());
    let u2_answer = u2.last();
    vec![
        // U1: 👍 on the first answer; 👎 then 👍 on the second (the latest per answer
        // counts): 2 helpful answers. Rated 2 of 2: positive.
        u1.rate(30, u1_first, true)
            .rate(40, u1_second, false)
            .rate(50, u1_second, true)
            .then(51, EventKind::RatingAsked { scale: 2 })
            .then(60, rated(2, 2)),
        // U2: 👎 on the answer: 1 unhelpful answer. Rated 2 of 5: not positive.
        u2.rate(30, u2_answer, false).then(31, EventKind::RatingAsked { scale: 5 }).then(40, rated(2, 5)),
        // U3: asked, never rated.
        Script::en("u3", T0 + 2 * S)
            .then(5, message("returns"))
            .then(6, answer("returns"))
            .then(7, EventKind::RatingAsked { scale: 5 }),
        // U4: rated 1 of 5, then changed to 4 of 5 (the latest counts): positive.
        Script::en("u4", T0 + 3 * S)
            .then(5, message("returns"))
            .then(6, answer("returns"))
            .then(7, EventKind::RatingAsked { scale: 5 })
            .then(10, rated(1, 5))
            .then(12, rated(4, 5)),
    ]
}

#[test]
fn usefulness_counts_answers_and_csat_counts_rated_conversations() {
    let s = summary(&rating_scripts());
    // 👍 2 (U1), 👎 1 (U2): usefulness 2 / 3.
    assert_eq!((s.helpful_answers, s.unhelpful_answers), (2, 1));
    assert_eq!(s.usefulness_rate, Some(2.0 / 3.0));
    // Asked U1–U4 = 4, rated U1 U2 U4 = 3, positive U1 U4 = 2: csat 2 / 3, response 3 / 4.
    assert_eq!((s.ratings_asked, s.rated, s.rated_positive), (4, 3, 2));
    assert_eq!((s.csat, s.csat_response_rate), (Some(2.0 / 3.0), Some(0.75)));
    // U1 and U4 are confirmed by their ratings; U2 (a 👎, rated 2/5) and U3 (asked, quiet
    // for weeks after an answer: assumed) are not confirmed.
    let outcomes = outcomes(&cohort(&rating_scripts()))
        .into_iter()
        .map(|(id, outcome)| (id.to_owned(), outcome))
        .collect::<BTreeMap<_, _>>();
    use Outcome::*;
    let expected = [("u1", BotResolvedConfirmed), ("u2", Unresolved), ("u3", BotResolvedAssumed), ("u4", BotResolvedConfirmed)];
    assert_eq!(outcomes, expected.map(|(id, o)| (id.to_owned(), o)).into_iter().collect());
}

#[test]
fn rates_are_none_without_a_denominator() {
    let s = summary(&[Script::en("silent", T0)]);
    assert_eq!((s.conversations, s.engaged), (1, 0));
    for rate in [
        s.containment_rate,
        s.bot_resolution_rate,
        s.escalation_rate,
        s.usefulness_rate,
        s.csat,
        s.csat_response_rate,
        s.repeat_contact_rate,
        s.queue_wait_p50_s,
        s.resolution_time_p50_s.bot_resolved,
    ] {
        assert_eq!(rate, None);
    }
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["containment_rate"], Value::Null);
    assert_eq!((s.cost_saved, s.agent_hours_saved), (0.0, 0.0));
}

#[test]
fn roi_follows_the_configured_costs() {
    let config = InsightsConfig {
        cost_live_contact: 5.0,
        cost_self_service: 1.0,
        currency: "EUR".into(),
        agent_handle_minutes: 10.0,
        ..InsightsConfig::default()
    };
    let s = cohort(&outcome_scripts()).summary(&config);
    // 6 bot-resolved × (5 − 1) = 24 EUR; 6 × 10 min = 1 h.
    assert_eq!((s.cost_saved, s.currency.as_str(), s.agent_hours_saved), (24.0, "EUR", 1.0));
}

/// Two French conversations: the language set from the first message.
fn french_scripts() -> Vec<Script> {
    let set_fr = || EventKind::LanguageSet { lang: "fr".into() };
    vec![
        Script::new("fr-1", T0 + 20 * S, None)
            .then(5, message("horaires"))
            .then(5, set_fr())
            .then(6, answer("opening_hours"))
            .then(6, EventKind::Resolved),
        Script::new("fr-2", T0 + 21 * S, None)
            .then(5, message("un humain"))
            .then(5, set_fr())
            .then(6, escalate(ReasonCode::ExplicitRequest)),
    ]
}

fn all_scripts() -> Vec<Script> {
    let mut all = outcome_scripts();
    all.extend(escalation_scripts());
    all.extend(rating_scripts());
    all.extend(french_scripts());
    // One made by `relais simulate`, which changes nothing but the `simulated` count.
    if let Some(EventKind::Started { simulated, .. }) = all.last_mut().map(|s| &mut s.events[0].event.kind) {
        *simulated = true;
    }
    all
}

#[test]
fn the_language_filter_keeps_one_cohort_and_the_identity_holds_in_each() {
    let all = cohort(&all_scripts());
    let french = all.clone().in_language(Some("fr")).summary(&InsightsConfig::default());
    // fr-1 resolved by an intent, fr-2 escalated.
    assert_eq!(french.lang.as_deref(), Some("fr"));
    assert_eq!((french.conversations, french.engaged, french.bot_resolved, french.escalated), (2, 2, 1, 1));
    let english = all.clone().in_language(Some("en")).summary(&InsightsConfig::default());
    let everyone = all.summary(&InsightsConfig::default());
    // 12 + 5 + 4 in English, 2 in French.
    assert_eq!((english.conversations, everyone.conversations), (21, 23));
    assert_eq!(english.escalated + french.escalated, everyone.escalated);
    for s in [&french, &english, &everyone] {
        assert_eq!(s.bot_resolved + s.escalated + s.unresolved, s.engaged, "{s:?}");
        assert_eq!(s.bot_resolved_confirmed + s.bot_resolved_assumed, s.bot_resolved);
        assert_eq!(s.escalation_reasons.values().sum::<u64>(), s.escalated);
    }
    assert_eq!(all_scripts().len(), 23);
}

#[test]
fn every_count_opens_exactly_the_conversations_it_counts() {
    let all = cohort(&all_scripts());
    let summary = serde_json::to_value(all.summary(&InsightsConfig::default())).unwrap();
    let mut names: Vec<String> = Figure::names().iter().map(|name| name.to_string()).collect();
    let reasons = summary["escalation_reasons"].as_object().unwrap();
    assert_eq!(reasons.len(), 2, "explicit_request, low_confidence and no other: {reasons:?}");
    names.extend(reasons.keys().map(|reason| format!("escalation_reasons.{reason}")));
    for name in &names {
        let figure = Figure::parse(name).unwrap();
        let path = format!("/{}", name.replace('.', "/"));
        let count = summary.pointer(&path).and_then(Value::as_u64).unwrap_or_else(|| panic!("{name} in the summary"));
        let listed = all.conversations(figure, &Slice::All);
        assert!(count > 0 || name == "repeat_contacts", "{name}: a figure at 0 tests nothing");
        match figure {
            Figure::HelpfulAnswers | Figure::UnhelpfulAnswers => {
                // Answers: the listed conversations hold them all, and only they hold any.
                let held = |f: &ConversationFacts| {
                    u64::from(if figure == Figure::HelpfulAnswers { f.helpful_answers } else { f.unhelpful_answers })
                };
                assert_eq!(listed.iter().map(|f| held(f)).sum::<u64>(), count, "{name}");
                assert!(listed.iter().all(|f| held(f) > 0), "{name}");
            }
            _ => assert_eq!(listed.len() as u64, count, "{name}"),
        }
    }
    assert_eq!(ids(&all.conversations(Figure::BotResolvedAssumed, &Slice::All)), ["u3", "d-quiet", "f-closed"]);
    assert_eq!(ids(&all.conversations(Figure::parse("abandoned_in_queue").unwrap(), &Slice::All)), ["q2", "q4"]);
    let unknown = Figure::parse("happiness").unwrap_err().to_string();
    assert!(unknown.contains("\"happiness\"") && unknown.contains("bot_resolved_assumed"), "{unknown}");
    assert!(Figure::parse("escalation_reasons.boredom").is_err());
}

#[test]
fn the_fold_keeps_language_page_intents_identity_and_agent() {
    let script = Script::new("x", T0, None)
        .then(1, EventKind::PageViewed {
            url: "https://shop.example/pricing".into(),
            title: None,
        })
        .then(2, EventKind::PageViewed {
            url: "https://shop.example/cart".into(),
            title: None,
        })
        .then(3, message("bonjour"))
        .then(3, EventKind::LanguageSet { lang: "fr".into() })
        .then(4, answer("greet"))
        .then(5, EventKind::VisitorIdentified {
            visitor: BTreeMap::new(),
            verified_user_id: Some("user-42".into()),
        })
        .then(6, message("commande"))
        .then(7, answer("order_status"))
        .then(8, message("bonjour"))
        .then(9, answer("greet"));
    let facts = &cohort(&[script]).facts[0];
    assert_eq!(facts.language.as_deref(), Some("fr"));
    assert_eq!(facts.first_page.as_deref(), Some("https://shop.example/pricing"));
    assert_eq!(facts.intents, ["greet", "order_status"]);
    assert_eq!(facts.verified_user_id.as_deref(), Some("user-42"));
    assert_eq!((facts.channel.as_str(), facts.started_at), ("widget", T0));
}

#[test]
fn cells_a_spreadsheet_would_misread_are_quoted_or_defused() {
    let agent = "Ann, \"the\" boss\nsecond line";
    let script = Script::en("=1+1", T0)
        .then(1, EventKind::PageViewed {
            url: "=HYPERLINK(\"http://evil.example\",\"x\")".into(),
            title: None,
        })
        .then(2, message("x"))
        .then(3, answer("+sum"))
        .then(3, answer("@cmd"))
        .then(4, escalate(ReasonCode::ExplicitRequest))
        .then(4, handoff(HandoffState::Queued))
        .then(9, joined(agent));
    let plain = Script::en("plain", T0 + S).then(2, message("hours")).then(3, answer("-opening_hours"));
    let cohort = cohort(&[script, plain]);
    let text = cohort.csv();

    // The header, then one row per conversation, CRLF line ends.
    assert!(text.starts_with("id,started,language,channel,first_page,intents,escalated,"), "{text}");
    // Quotes doubled inside a quoted cell; a comma or a new line inside quotes.
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "{text}");
    assert!(text.contains("\"Ann, \"\"the\"\" boss\nsecond line\""), "{text}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let header = reader.headers().unwrap().clone();
    let cell = |row: usize, column: &str| rows[row][header.iter().position(|h| h == column).unwrap()].to_owned();
    // Read back, each cell is the text with a `'` before a leading = + - @.
    assert_eq!(cell(0, "id"), "'=1+1");
    assert_eq!(cell(0, "first_page"), "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(cell(0, "intents"), "'+sum @cmd");
    assert_eq!(cell(0, "agent"), agent);
    assert_eq!((cell(0, "escalated"), cell(0, "escalation_reason")), ("true".into(), "explicit_request".into()));
    assert_eq!((cell(0, "outcome"), cell(0, "queue_wait_s")), ("escalated".into(), "5.000".into()));
    assert_eq!(cell(0, "started"), "2023-11-14T22:13:20.000Z");
    assert_eq!(cell(1, "intents"), "'-opening_hours");
    assert_eq!((cell(1, "id"), cell(1, "language"), cell(1, "channel")), ("plain".into(), "en".into(), "widget".into()));
    assert_eq!(cell(1, "outcome"), "bot_resolved_assumed");
    assert_eq!(cell(1, "resolution_time_s"), "3.000");
    for text in ["=", "+", "-", "@", "\t", "\r"] {
        assert_eq!(text_cell(&format!("{text}x")), format!("'{text}x"));
    }
    assert_eq!(text_cell("a=b"), "a=b");
    assert_eq!(text_cell(""), "");
}

/// Appends the scripts' events to a store, as the server would.
async fn store_with(scripts: &[Script]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    for script in scripts {
        let events: Vec<Event> = script.events.iter().map(|stored| stored.event.clone()).collect();
        store.append(&script.id, &events).await.unwrap();
    }
    (dir, store)
}

fn verified(id: &str, start: i64, user: &str) -> Script {
    let script = Script {
        id: id.into(),
        start,
        events: Vec::new(),
    };
    script
        .then(0, EventKind::Started {
            conversation_id: id.into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: Some(user.into()),
            browser_id: None,
            simulated: false,
            channel: None,
        })
        .then(5, message("hello"))
        .then(6, answer("greet"))
}

#[tokio::test]
async fn a_verified_visitor_who_comes_back_within_the_repeat_window_is_a_repeat_contact() {
    let identified = |script: Script, user: &str| {
        script.then(7, EventKind::VisitorIdentified {
            visitor: BTreeMap::new(),
            verified_user_id: Some(user.into()),
        })
    };
    let scripts = [
        // u1 at day 0 and day 3: x is a repeat contact (3 days ≤ 7), y is not.
        verified("x", T0, "u1"),
        verified("y", T0 + 3 * DAY, "u1"),
        // u2, identified during z at day 1, back at day 9: 8 days, not a repeat.
        identified(Script::en("z", T0 + DAY).then(5, message("hi")), "u2"),
        verified("z2", T0 + 9 * DAY, "u2"),
        // u4 at day 1, back exactly 7 days later: a repeat.
        verified("p", T0 + DAY + 5, "u4"),
        verified("p2", T0 + 8 * DAY + 5, "u4"),
        // u3 on the window's last day, back 2 days after it ends: a repeat.
        verified("w", T0 + 9 * DAY, "u3"),
        verified("w2", T0 + 12 * DAY, "u3"),
        // No verified identity: never a repeat.
        Script::en("v", T0 + 2 * DAY).then(5, message("hi")).then(6, answer("greet")),
        Script::en("v2", T0 + 3 * DAY).then(5, message("hi")).then(6, answer("greet")),
    ];
    let (_dir, store) = store_with(&scripts).await;
    let window = Window { from: T0, to: T0 + 10 * DAY };
    let cohort = Cohort::load(&store, window, &InsightsConfig::default(), NOW).await.unwrap();
    // w2 started after the window: not in the cohort.
    assert_eq!(cohort.facts.len(), 9);
    let mut repeats = ids(&cohort.conversations(Figure::RepeatContacts, &Slice::All));
    repeats.sort();
    assert_eq!(repeats, ["p", "w", "x"]);
    // 3 repeats among 9 engaged.
    let s = cohort.summary(&InsightsConfig::default());
    assert_eq!((s.repeat_contacts, s.repeat_contact_rate), (3, Some(3.0 / 9.0)));
    assert_eq!(s.from, "2023-11-14T22:13:20.000Z");

    // The same from the pure fold, given the verified starts by hand.
    let logs: Vec<ConversationTally> = scripts.iter().filter(|s| s.id != "w2").map(Script::log).collect();
    let starts = [("x", 0, "u1"), ("y", 3 * DAY, "u1"), ("w2", 12 * DAY, "u3"), ("w", 9 * DAY, "u3")]
        .map(|(_, offset, user)| VisitorStart {
            visitor: format!("user:{user}"),
            started_at: T0 + offset,
        });
    let by_hand = Cohort::of(window, logs, &starts, &InsightsConfig::default(), NOW);
    let mut repeats = ids(&by_hand.conversations(Figure::RepeatContacts, &Slice::All));
    repeats.sort();
    assert_eq!(repeats, ["w", "x"], "p's return is not among the starts given");
}

fn predicted(intent: &str, confidence: f32, oos: bool) -> EventKind {
    EventKind::IntentPredicted {
        intent: intent.into(),
        confidence,
        ranking: Vec::new(),
        oos,
        ambiguous: false,
    }
}

#[test]
fn breakdowns_per_intent_and_per_agent() {
    let i1 = Script::en("i1", T0)
        .then(5, message("order"))
        .then(5, predicted("order_status", 0.9, false))
        .then(6, answer("order_status"));
    let i1_answer = i1.last();
    let i3 = Script::en("i3", T0 + 2 * S)
        .then(5, message("hours"))
        .then(5, predicted("opening_hours", 0.8, false))
        .then(6, answer("opening_hours"));
    let i3_answer = i3.last();
    let scripts = [
        // i1: order_status answered and marked useful.
        i1.rate(10, i1_answer, true),
        // i2: order_status answered, then escalated; Ann joins 10 s after the queueing,
        // writes 30 s later, closes at 100 s; rated 5 of 5.
        Script::en("i2", T0 + S)
            .then(5, message("order"))
            .then(5, predicted("order_status", 0.7, false))
            .then(6, answer("order_status"))
            .then(10, escalate(ReasonCode::ExplicitRequest))
            .then(10, handoff(HandoffState::Queued))
            .then(20, joined("Ann"))
            .then(50, agent_says("Ann"))
            .then(100, closed("agent"))
            .then(110, rated(5, 5)),
        // i3: opening_hours answered and marked not useful; then order_status predicted
        // (0.5) but not answered.
        i3.rate(10, i3_answer, false)
            .then(20, message("my order"))
            .then(20, predicted("order_status", 0.5, false))
            .then(21, fallback())
            .then(21, say("Sorry?")),
        // i4: out of scope (not counted), escalated; Bob joins 60 s after the queueing,
        // writes 30 s later, closes at 300 s; rated 1 of 2.
        Script::en("i4", T0 + 3 * S)
            .then(5, message("weather"))
            .then(5, predicted("returns", 0.95, true))
            .then(5, escalate(ReasonCode::LowConfidence))
            .then(5, handoff(HandoffState::Queued))
            .then(65, joined("Bob"))
            .then(95, agent_says("Bob"))
            .then(300, closed("agent"))
            .then(310, rated(1, 2)),
    ];
    let cohort = cohort(&scripts);
    // order_status: answered in i1 and i2 (2), i2 escalated: containment 1/2; predicted
    // 0.9, 0.7, 0.5: median (rank ⌈1.5⌉ = 2) 0.7; i1's 👍: usefulness 1.
    // opening_hours: i3 only, not escalated; 0.8; i3's 👎: usefulness 0. returns: out of
    // scope, never answered: no row.
    assert_eq!(
        cohort.intents(),
        [
            IntentRow {
                intent: "order_status".into(),
                conversations: 2,
                escalated: 1,
                containment_rate: Some(0.5),
                escalation_rate: Some(0.5),
                median_confidence: Some(0.7),
                helpful_answers: 1,
                unhelpful_answers: 0,
                usefulness_rate: Some(1.0),
            },
            IntentRow {
                intent: "opening_hours".into(),
                conversations: 1,
                escalated: 0,
                containment_rate: Some(1.0),
                escalation_rate: Some(0.0),
                median_confidence: Some(0.8),
                helpful_answers: 0,
                unhelpful_answers: 1,
                usefulness_rate: Some(0.0),
            },
        ]
    );
    // Ann: i2, first response 30 s, resolution 100 s, 5/5 positive. Bob: i4, 30 s, 300 s,
    // 1/2 negative.
    let agent = |name: &str, resolution: f64, positive: u64| AgentRow {
        agent: name.into(),
        handled: 1,
        agent_first_response_p50_s: Some(30.0),
        resolution_time_p50_s: Some(resolution),
        rated: 1,
        rated_positive: positive,
        csat: Some(positive as f64),
    };
    assert_eq!(cohort.agents(), [agent("Ann", 100.0, 1), agent("Bob", 300.0, 0)]);
}

fn page(url: &str) -> EventKind {
    EventKind::PageViewed {
        url: url.into(),
        title: None,
    }
}

#[test]
fn breakdowns_per_article_language_page_and_day_and_their_drill_down() {
    let a1 = Script::en("a1", T0).then(0, page("https://shop.example/cart")).then(5, message("delivery?")).then(6, article());
    let a1_answer = a1.last();
    let a2 = Script::new("a2", T0 + DAY + HOUR, Some("fr"))
        .then(0, page("https://shop.example/cart"))
        .then(5, message("livraison ?"))
        .then(6, article())
        .then(7, message("et le samedi ?"))
        .then(8, article());
    let a2_second = a2.last();
    let scripts = [
        // a1 (day 0, cart, en): the article shown once, rated 👍: bot-resolved.
        a1.rate(10, a1_answer, true),
        // a2 (day 1, cart, fr): the article shown twice, the second rated 👎, then escalated.
        a2.rate(10, a2_second, false).then(20, escalate(ReasonCode::NegativeFeedback)),
        // a3 (day 1, before a2, no page, en): an intent answered, never cited an article.
        Script::en("a3", T0 + DAY + HOUR / 2).then(5, message("hours")).then(6, answer("opening_hours")),
        // a4 (day 3, home, no language): never wrote.
        Script::new("a4", T0 + 3 * DAY, None).then(0, page("https://shop.example/")),
    ];
    let cohort = cohort(&scripts);

    let articles = cohort.articles();
    assert_eq!(articles.len(), 1);
    let delivery = &articles[0];
    assert_eq!((delivery.article.as_str(), delivery.title.as_str()), ("https://shop.example/help/delivery", "Delivery times"));
    // Shown 3 times in 2 conversations, 1 escalated; 1 👍 and 1 👎.
    assert_eq!((delivery.shown, delivery.conversations, delivery.escalated), (3, 2, 1));
    assert_eq!((delivery.helpful_answers, delivery.unhelpful_answers, delivery.usefulness_rate), (1, 1, Some(0.5)));

    let languages = cohort.languages();
    let by_lang: Vec<(Option<&str>, u64, u64, u64)> = languages
        .iter()
        .map(|row| (row.lang.as_deref(), row.outcomes.conversations, row.outcomes.engaged, row.outcomes.escalated))
        .collect();
    // en: a1, a3 (both engaged, none escalated); fr: a2 (escalated); none: a4.
    assert_eq!(by_lang, [(Some("en"), 2, 2, 0), (None, 1, 0, 0), (Some("fr"), 1, 1, 1)]);
    assert_eq!(languages[2].outcomes.containment_rate, Some(0.0));
    assert_eq!(languages[1].outcomes.containment_rate, None, "no engaged conversation");

    let pages = cohort.pages();
    let by_page: Vec<(Option<&str>, u64)> = pages.iter().map(|row| (row.page.as_deref(), row.outcomes.conversations)).collect();
    assert_eq!(by_page, [(Some("https://shop.example/cart"), 2), (None, 1), (Some("https://shop.example/"), 1)]);

    // The window is 30 days from 2023-11-14T22:13:20Z: 31 days touched, zeros included;
    // a2 and a3 start at 23:13 and 22:43 on the 15th, a4 at 22:13 on the 17th.
    let days = cohort.days();
    assert_eq!(days.len(), 31);
    let counts: Vec<(&str, u64)> = days.iter().take(4).map(|row| (row.day.as_str(), row.outcomes.conversations)).collect();
    assert_eq!(counts, [("2023-11-14", 1), ("2023-11-15", 2), ("2023-11-16", 0), ("2023-11-17", 1)]);
    assert_eq!(days.iter().map(|row| row.outcomes.conversations).sum::<u64>(), 4);

    // Each row's numbers open exactly its conversations.
    let listed = |figure: &str, slice: Slice| ids(&cohort.conversations(Figure::parse(figure).unwrap(), &slice));
    let delivery_url = Slice::Article("https://shop.example/help/delivery".into());
    assert_eq!(listed("engaged", delivery_url.clone()), ["a1", "a2"]);
    assert_eq!(listed("escalated", delivery_url), ["a2"]);
    assert_eq!(listed("conversations", Slice::Day("2023-11-15".into())), ["a3", "a2"]);
    assert_eq!(listed("conversations", Slice::Page("https://shop.example/cart".into())), ["a1", "a2"]);
    // The rows of no page (a3) and of no language (a4): an empty value.
    assert_eq!(listed("conversations", Slice::Page(String::new())), ["a3"]);
    assert_eq!(ids(&cohort.clone().in_language(Some("")).conversations(Figure::parse("conversations").unwrap(), &Slice::All)), ["a4"]);
    // The row's 👍 and 👎: a1's 👍 and a2's 👎 cited the article; a3's intent has none.
    assert_eq!(listed("helpful_answers", Slice::Article("https://shop.example/help/delivery".into())), ["a1"]);
    assert_eq!(listed("unhelpful_answers", Slice::Article("https://shop.example/help/delivery".into())), ["a2"]);
    assert_eq!(listed("helpful_answers", Slice::Intent("opening_hours".into())), Vec::<String>::new());
    // a3 has been quiet for weeks at NOW: assumed resolved.
    assert_eq!(listed("bot_resolved_assumed", Slice::Intent("opening_hours".into())), ["a3"]);
    assert_eq!(listed("unresolved", Slice::Intent("opening_hours".into())), Vec::<String>::new());
}

#[test]
fn the_channel_filter_keeps_the_widget_and_nothing_else() {
    let scripts = all_scripts();
    let everything = cohort(&scripts).facts.len();
    assert_eq!(cohort(&scripts).in_channel(Some("widget")).facts.len(), everything);
    let sms = cohort(&scripts).in_channel(Some("sms"));
    assert!(sms.facts.is_empty());
    let s = sms.summary(&InsightsConfig::default());
    assert_eq!((s.channel.as_deref(), s.conversations, s.containment_rate), (Some("sms"), 0, None));
}

#[test]
fn a_browser_that_comes_back_is_a_repeat_contact_unless_the_visitor_is_verified() {
    let from_browser = |id: &str, start: i64, browser: &str, user: Option<&str>| {
        Script {
            id: id.into(),
            start,
            events: Vec::new(),
        }
        .then(0, EventKind::Started {
            conversation_id: id.into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: user.map(str::to_owned),
            browser_id: Some(browser.into()),
            simulated: false,
            channel: None,
        })
        .then(5, message("hello"))
        .then(6, answer("greet"))
    };
    let scripts = [
        // Browser b1 at day 0 and day 2: r1 is a repeat.
        from_browser("r1", T0, "b1-aaaaaaaa", None),
        from_browser("r2", T0 + 2 * DAY, "b1-aaaaaaaa", None),
        // Browser b2 at day 0, then the same browser signed in as u9 at day 1: the
        // second is user:u9, so r3 is not a repeat (two name spaces).
        from_browser("r3", T0 + 5, "b2-bbbbbbbb", None),
        from_browser("r4", T0 + DAY, "b2-bbbbbbbb", Some("u9")),
    ];
    let logs: Vec<ConversationTally> = scripts.iter().map(Script::log).collect();
    let starts: Vec<VisitorStart> = logs
        .iter()
        .filter_map(|c| {
            Some(VisitorStart {
                visitor: c.tally.visitor()?,
                started_at: c.tally.started_at,
            })
        })
        .collect();
    let cohort = Cohort::of(window(), logs.clone(), &starts, &InsightsConfig::default(), NOW);
    assert_eq!(ids(&cohort.conversations(Figure::RepeatContacts, &Slice::All)), ["r1"]);
}

#[test]
fn simulated_conversations_are_counted_and_listed() {
    let mut made = Script::en("sim", T0 + 5).then(5, message("hello")).then(6, answer("greet"));
    if let EventKind::Started { simulated, .. } = &mut made.events[0].event.kind {
        *simulated = true;
    }
    let scripts = [made, Script::en("real", T0 + 6).then(5, message("hello")).then(6, answer("greet"))];
    let cohort = cohort(&scripts);
    let s = cohort.summary(&InsightsConfig::default());
    // Both count everywhere; one of the two is simulated.
    assert_eq!((s.conversations, s.simulated, s.engaged), (2, 1, 2));
    assert_eq!(ids(&cohort.conversations(Figure::parse("simulated").unwrap(), &Slice::All)), ["sim"]);
}
