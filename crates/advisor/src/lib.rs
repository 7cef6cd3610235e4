//! The threshold advisor: which `[dialogue] intent_confidence` gives a target share of
//! wrong answers, judged on the bot's own reviewed traffic.
//!
//! Peers recommend a threshold from a test set, if at all; the traffic a bot really gets
//! (its mix of in-scope and out-of-scope questions, its phrasing) is what sets the error.
//! Every turn keeps the classifier's prediction and confidence, and reviewers label turns
//! with what they should have been (docs/review.md). The advisor replays those logged
//! confidences over every threshold from 0 to 1 in steps of 0.01 — the same rule as the
//! dialogue engine: a turn is answered from its intent when it is in scope, not ambiguous
//! and its confidence is at least the threshold — and counts, at each, the answered turns,
//! the wrong answers among them, the turns left to rephrase or fall back, and the
//! conversations that would escalate for low confidence. docs/advisor.md defines each
//! figure and the choice of the recommended threshold.
//!
//! The key decision: the recommendation is the lowest threshold from which **every**
//! higher threshold with enough answered turns keeps the wrong-answer rate within the
//! target, not the lowest that happens to dip under it — a dip on a few turns is noise,
//! and the threshold is then applied to the traffic that follows.

use std::collections::BTreeMap;

use serde::Serialize;

/// The thresholds replayed: 0.00, 0.01, … 1.00.
pub const STEPS: u32 = 100;

/// Answered turns a threshold needs for its wrong-answer rate to count in the choice.
pub const MIN_SUPPORT: u64 = 20;

/// Labelled turns an intent needs (predicted as it) for a threshold of its own.
pub const MIN_INTENT_LABELS: usize = 30;

/// Answered turns an intent's threshold needs for its rate to count in the choice.
pub const MIN_INTENT_SUPPORT: u64 = 10;

/// A reviewed turn: what the classifier said, and what the reviewer says it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The conversation and the message's place in it, for the escalations a threshold
    /// implies.
    pub conversation: String,
    pub seq: u64,
    /// The predicted intent and its confidence.
    pub intent: String,
    pub confidence: f32,
    /// Out of scope or ambiguous: never answered from the intent, whatever the threshold.
    pub declined: bool,
    pub truth: Truth,
}

/// What a turn should have been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    /// This intent (a `confirm` label: the predicted one).
    Intent(String),
    /// No intent: out of scope, or a question for an article.
    NoIntent,
}

/// The labels that name no intent (docs/review.md): out of scope, or a question for an
/// article.
const NO_INTENT: [&str; 2] = ["oos", "needs_article"];

impl Turn {
    /// A reviewed turn of the store with its `label`: `confirm` says the prediction was
    /// right (for a turn the bot declined, that no intent was).
    pub fn reviewed(turn: &relais_store::ReviewTurn, label: &str) -> Turn {
        let prediction = &turn.prediction;
        let declined = prediction.oos || prediction.ambiguous;
        let truth = match label {
            "confirm" if declined => Truth::NoIntent,
            "confirm" => Truth::Intent(prediction.intent.clone()),
            label if NO_INTENT.contains(&label) => Truth::NoIntent,
            intent => Truth::Intent(intent.to_owned()),
        };
        Turn {
            conversation: turn.conversation_id.clone(),
            seq: turn.seq,
            intent: prediction.intent.clone(),
            confidence: prediction.confidence,
            declined,
            truth,
        }
    }
}

/// The advice over the store's turns whose message is in `[from, to)`, of language
/// `lang`: the labelled ones, and kept apart, the unlabelled ones the bot answered from the
/// predicted intent and whose answer's latest rating is 👍 (the intent taken as confirmed).
pub async fn advice(
    store: &relais_store::Store,
    from: i64,
    to: i64,
    lang: Option<&str>,
    settings: &Settings,
) -> relais_store::Result<Advice> {
    let labelled = store.labelled_turns(from, to, lang).await?;
    let labelled: Vec<Turn> = labelled.iter().map(|(turn, label)| Turn::reviewed(turn, label)).collect();
    let rated = store.rated_helpful_turns(from, to, lang).await?;
    let rated: Vec<Turn> = rated
        .iter()
        .filter(|turn| turn.answered_intent.as_ref() == Some(&turn.prediction.intent))
        .map(|turn| Turn::reviewed(turn, "confirm"))
        .collect();
    Ok(advise(&labelled, &rated, settings))
}

/// What the advice depends on besides the turns.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The highest acceptable share of wrong answers among answered turns, 0–1.
    pub target_error: f64,
    /// `[dialogue] intent_confidence` in force.
    pub current: f32,
    /// `[dialogue] low_confidence_handoff_after`: unanswered turns in a row that escalate
    /// (0: never).
    pub handoff_after: u32,
    /// The intents with a `high` threshold of their own in force
    /// (`[dialogue.intent_thresholds]`): the global threshold does not govern them.
    pub own: BTreeMap<String, f32>,
}

impl Settings {
    /// The settings of `policy` (`[dialogue]` in force) for `target_error`.
    pub fn of(target_error: f64, policy: &relais_dialogue::Policy) -> Settings {
        Settings {
            target_error,
            current: policy.intent_confidence,
            handoff_after: policy.low_confidence_handoff_after,
            own: policy.own_highs(),
        }
    }
}

/// The replay at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    #[serde(serialize_with = "four_places")]
    pub threshold: f32,
    pub answered: u64,
    /// Answered with another intent than the right one, or answered at all when no
    /// intent was right.
    pub wrong: u64,
    /// Left to rephrase, the knowledge base or a fallback.
    pub not_answered: u64,
    /// Conversations with `handoff_after` unanswered reviewed turns in a row.
    pub escalations: u64,
    /// answered / labelled turns; `None` without labelled turns.
    pub answered_rate: Option<f64>,
    /// wrong / answered; `None` when nothing is answered.
    pub wrong_rate: Option<f64>,
}

/// A recommended threshold and what it is expected to give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    #[serde(serialize_with = "four_places")]
    pub threshold: f32,
    /// The target can be met with enough answered turns; otherwise `threshold` is the
    /// closest safe value (the lowest wrong-answer rate), or the current one when too few
    /// turns are labelled to say anything.
    pub reachable: bool,
    pub labelled_turns: usize,
    pub expected_wrong_rate: Option<f64>,
    /// The 95 % Wilson interval of the wrong-answer rate at `threshold`.
    pub wrong_rate_interval: Option<(f64, f64)>,
    pub expected_answered_rate: Option<f64>,
}

/// An intent's threshold: its own when it has enough labels, the global one otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentAdvice {
    /// Computed from this intent's turns (`false`: the global recommendation).
    pub own: bool,
    #[serde(flatten)]
    pub recommendation: Recommendation,
}

/// The advice: the global threshold, the per-intent ones, and the curve it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub target_error: f64,
    #[serde(serialize_with = "four_places")]
    pub current_threshold: f32,
    /// The replay at the threshold in force.
    pub current: Point,
    #[serde(flatten)]
    pub recommendation: Recommendation,
    pub per_intent: BTreeMap<String, IntentAdvice>,
    pub curve: Vec<Point>,
    /// The 👍 on answers no one labelled, kept apart.
    pub rated_helpful: RatedHelpful,
}

/// 👍 ratings are weaker than labels — a visitor rates the answer, not the intent, and
/// only answered turns can be rated — so they never move the recommendation: this says
/// how many there are and what the recommendation would be were they `confirm` labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatedHelpful {
    /// Unlabelled turns answered from the predicted intent whose answer's latest rating is 👍.
    pub turns: usize,
    /// The global recommendation over the labelled turns and these, taken as `confirm`.
    pub recommendation: Recommendation,
}

/// The file of the thresholds an advice recommends, which the server reads over
/// `relais.toml`'s `[dialogue]` (`<data_dir>/thresholds.toml`, docs/advisor.md): the global
/// `intent_confidence` and, for the intents with their own, `high`. With a comment saying
/// where it comes from; `None` when the advice recommends nothing (too few reviewed turns).
pub fn thresholds_file(advice: &Advice) -> Option<String> {
    #[derive(Serialize)]
    struct File<'a> {
        intent_confidence: f64,
        intent_thresholds: BTreeMap<&'a str, High>,
    }
    #[derive(Serialize)]
    struct High {
        high: f64,
    }
    // Hundredths, as on the grid: 0.28, not the f32's 0.2800000011920929.
    let hundredths = |threshold: f32| (f64::from(threshold) * 100.0).round() / 100.0;
    let recommendation = &advice.recommendation;
    recommendation.expected_wrong_rate?;
    let file = File {
        intent_confidence: hundredths(recommendation.threshold),
        intent_thresholds: advice
            .per_intent
            .iter()
            .filter(|(_, intent)| intent.own && intent.recommendation.expected_wrong_rate.is_some())
            .map(|(name, intent)| (name.as_str(), High { high: hundredths(intent.recommendation.threshold) }))
            .collect(),
    };
    let toml = toml::to_string(&file).ok()?;
    Some(format!(
        "# Written by the threshold advisor (docs/advisor.md) for a target of {:.1} % wrong answers,\n\
         # from {} reviewed turns; read over relais.toml's [dialogue]. Apply again to replace it.\n{toml}",
        advice.target_error * 100.0,
        recommendation.labelled_turns
    ))
}

/// The advice for the labelled `turns`, with the `rated_helpful` ones kept apart.
pub fn advise(turns: &[Turn], rated_helpful: &[Turn], settings: &Settings) -> Advice {
    let with_ratings: Vec<Turn> = turns.iter().chain(rated_helpful).cloned().collect();
    let rated_helpful = RatedHelpful {
        turns: rated_helpful.len(),
        recommendation: global(&with_ratings, settings).1,
    };
    let (replayed, recommendation) = global(turns, settings);
    let mut by_intent: BTreeMap<&str, Vec<Turn>> = BTreeMap::new();
    for turn in turns {
        by_intent.entry(turn.intent.as_str()).or_default().push(turn.clone());
    }
    let per_intent = by_intent
        .into_iter()
        .map(|(intent, turns)| {
            let advice = if turns.len() >= MIN_INTENT_LABELS {
                IntentAdvice {
                    own: true,
                    recommendation: recommend(&curve(&turns, 0), turns.len(), settings, MIN_INTENT_SUPPORT),
                }
            } else {
                IntentAdvice {
                    own: false,
                    recommendation: recommendation.clone(),
                }
            };
            (intent.to_owned(), advice)
        })
        .collect();
    Advice {
        target_error: settings.target_error,
        current_threshold: settings.current,
        current: in_force(turns, settings),
        recommendation,
        per_intent,
        curve: replayed,
        rated_helpful,
    }
}

/// The curve and the global recommendation of `turns`, fitted on the turns the global
/// threshold governs.
fn global(turns: &[Turn], settings: &Settings) -> (Vec<Point>, Recommendation) {
    let governed: Vec<Turn> = turns.iter().filter(|t| !settings.own.contains_key(&t.intent)).cloned().collect();
    let replayed = curve(&governed, settings.handoff_after);
    let recommendation = recommend(&replayed, governed.len(), settings, MIN_SUPPORT);
    (replayed, recommendation)
}

fn curve(turns: &[Turn], handoff_after: u32) -> Vec<Point> {
    (0..=STEPS).map(|step| at(turns, threshold(step), handoff_after)).collect()
}

/// Step `step` of the grid as an `f32`, as a threshold read from `relais.toml` would be
/// (a correctly rounded division gives the same number as parsing "0.6").
fn threshold(step: u32) -> f32 {
    step as f32 / STEPS as f32
}

/// The replay of every turn at the thresholds in force: an intent's own, else the global.
fn in_force(turns: &[Turn], settings: &Settings) -> Point {
    let mut point = at(&[], settings.current, settings.handoff_after);
    let mut answered_turns = Vec::new();
    for turn in turns {
        let threshold = settings.own.get(&turn.intent).copied().unwrap_or(settings.current);
        let one = at(std::slice::from_ref(turn), threshold, 0);
        point.answered += one.answered;
        point.wrong += one.wrong;
        point.not_answered += one.not_answered;
        answered_turns.push((turn, one.answered == 1));
    }
    point.escalations = escalations_of(answered_turns.into_iter().map(|(t, a)| (t.conversation.as_str(), t.seq, a)), settings.handoff_after);
    point.answered_rate = rate(point.answered, turns.len() as u64);
    point.wrong_rate = rate(point.wrong, point.answered);
    point
}

/// Whether the engine answers `turn` from its intent at `threshold`.
fn answered(turn: &Turn, threshold: f32) -> bool {
    !turn.declined && turn.confidence >= threshold
}

/// The replay of `turns` at `threshold`.
pub fn at(turns: &[Turn], threshold: f32, handoff_after: u32) -> Point {
    let mut point = Point {
        threshold,
        answered: 0,
        wrong: 0,
        not_answered: 0,
        escalations: 0,
        answered_rate: None,
        wrong_rate: None,
    };
    for turn in turns {
        if answered(turn, threshold) {
            point.answered += 1;
            if turn.truth != Truth::Intent(turn.intent.clone()) {
                point.wrong += 1;
            }
        } else {
            point.not_answered += 1;
        }
    }
    point.escalations = escalations(turns, threshold, handoff_after);
    point.answered_rate = rate(point.answered, turns.len() as u64);
    point.wrong_rate = rate(point.wrong, point.answered);
    point
}

/// Conversations whose reviewed turns, in order, hold `handoff_after` unanswered ones in
/// a row at `threshold`.
fn escalations(turns: &[Turn], threshold: f32, handoff_after: u32) -> u64 {
    escalations_of(turns.iter().map(|t| (t.conversation.as_str(), t.seq, answered(t, threshold))), handoff_after)
}

/// Conversations whose `(conversation, seq, answered)` turns hold `handoff_after`
/// unanswered ones in a row.
fn escalations_of<'a>(turns: impl Iterator<Item = (&'a str, u64, bool)>, handoff_after: u32) -> u64 {
    if handoff_after == 0 {
        return 0;
    }
    let mut conversations: BTreeMap<&str, Vec<(u64, bool)>> = BTreeMap::new();
    for (conversation, seq, answered) in turns {
        conversations.entry(conversation).or_default().push((seq, answered));
    }
    conversations
        .into_values()
        .filter(|turns| {
            let mut turns = turns.clone();
            turns.sort_unstable();
            let mut run = 0;
            turns.iter().any(|&(_, answered)| {
                run = if answered { 0 } else { run + 1 };
                run >= handoff_after
            })
        })
        .count() as u64
}

/// A threshold as written in `relais.toml` (0.34, not the `f32`'s 0.3400000035762787).
fn four_places<S: serde::Serializer>(threshold: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((f64::from(*threshold) * 10_000.0).round() / 10_000.0)
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The lowest threshold from which every threshold with at least `support` answered turns
/// keeps the wrong-answer rate within the target; else the lowest within it; else the one
/// with the lowest rate; else (no threshold has the support) the current one.
fn recommend(curve: &[Point], labelled: usize, settings: &Settings, support: u64) -> Recommendation {
    let supported: Vec<&Point> = curve.iter().filter(|p| p.answered >= support).collect();
    let within = |p: &Point| p.wrong_rate.is_some_and(|rate| rate <= settings.target_error);
    // From the highest threshold down, while every one so far is within the target; if
    // the highest already misses it (a curve that is not monotone), the lowest within.
    let safe = supported.iter().rev().take_while(|p| within(p)).last().copied();
    let (point, reachable) = match safe.or_else(|| supported.iter().copied().find(|p| within(p))) {
        Some(point) => (Some(point), true),
        None => {
            let lowest = supported.iter().copied().min_by(|a, b| {
                let (a_rate, b_rate) = (a.wrong_rate.unwrap_or(1.0), b.wrong_rate.unwrap_or(1.0));
                a_rate.total_cmp(&b_rate).then(a.threshold.total_cmp(&b.threshold))
            });
            (lowest, false)
        }
    };
    match point {
        Some(point) => Recommendation {
            threshold: point.threshold,
            reachable,
            labelled_turns: labelled,
            expected_wrong_rate: point.wrong_rate,
            wrong_rate_interval: Some(wilson(point.wrong, point.answered)),
            expected_answered_rate: point.answered_rate,
        },
        None => Recommendation {
            threshold: settings.current,
            reachable: false,
            labelled_turns: labelled,
            expected_wrong_rate: None,
            wrong_rate_interval: None,
            expected_answered_rate: None,
        },
    }
}

/// The 95 % Wilson score interval of `part` successes in `whole` trials (well behaved
/// near 0 and with few trials, unlike the normal approximation).
fn wilson(part: u64, whole: u64) -> (f64, f64) {
    if whole == 0 {
        return (0.0, 1.0);
    }
    const Z: f64 = 1.959_964;
    let n = whole as f64;
    let p = part as f64 / n;
    let centre = p + Z * Z / (2.0 * n);
    let spread = Z * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + Z * Z / n;
    (((centre - spread) / denominator).max(0.0), ((centre + spread) / denominator).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(n: u64, intent: &str, confidence: f32, truth: &str) -> Turn {
        Turn {
            conversation: format!("c{}", n / 2),
            seq: n,
            intent: intent.into(),
            confidence,
            declined: false,
            truth: if truth == "oos" {
                Truth::NoIntent
            } else {
                Truth::Intent(truth.into())
            },
        }
    }

    #[test]
    fn the_wilson_interval_matches_published_values() {
        // 0 of 10: [0, 0.2775]; 5 of 10: [0.2366, 0.7634] (Newcombe 1998, table I).
        let (lo, hi) = wilson(0, 10);
        assert!((lo - 0.0).abs() < 1e-4 && (hi - 0.2775).abs() < 1e-4, "{lo} {hi}");
        let (lo, hi) = wilson(5, 10);
        assert!((lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4, "{lo} {hi}");
    }

    #[test]
    fn a_hand_built_log_gives_the_threshold_worked_out_by_hand() {
        // 100 turns predicted `a`: confidence 0.01 × i for i in 1..=100. The 30 below 0.31
        // are wrong (really `b` or out of scope), the 70 from 0.31 up are right.
        let turns: Vec<Turn> = (1..=100)
            .map(|i| {
                let truth = match i {
                    1..=15 => "oos",
                    16..=30 => "b",
                    _ => "a",
                };
                turn(i, "a", i as f32 / 100.0, truth)
            })
            .collect();
        let settings = Settings {
            target_error: 0.05,
            current: 0.6,
            handoff_after: 0,
            own: BTreeMap::new(),
        };
        let advice = advise(&turns, &[], &settings);
        // At t = 0.28 the 73 answered hold 3 wrong (0.28, 0.29, 0.30): 4.1 %; at 0.27, 4 of
        // 74 = 5.4 %. Every higher threshold with 20 answered has fewer wrong.
        assert_eq!(advice.recommendation.threshold, 0.28);
        assert!(advice.recommendation.reachable);
        assert_eq!(advice.recommendation.expected_wrong_rate, Some(3.0 / 73.0));
        assert_eq!(advice.recommendation.expected_answered_rate, Some(0.73));
        let (lo, hi) = advice.recommendation.wrong_rate_interval.unwrap();
        assert!(lo < 3.0 / 73.0 && 3.0 / 73.0 < hi && hi < 0.12, "{lo} {hi}");
        // The curve: 101 points; at 0 every turn is answered, 30 wrong.
        assert_eq!(advice.curve.len(), 101);
        assert_eq!((advice.curve[0].answered, advice.curve[0].wrong), (100, 30));
        assert_eq!((advice.current.answered, advice.current.wrong, advice.current.not_answered), (41, 0, 59));
        // 100 labels of one intent: its own threshold, the same here.
        assert!(advice.per_intent["a"].own);
        assert_eq!(advice.per_intent["a"].recommendation.threshold, 0.28);
        // 0 % is reachable too: from 0.31 on nothing is wrong.
        let strict = advise(&turns, &[], &Settings { target_error: 0.0, ..settings.clone() });
        assert_eq!(strict.recommendation.threshold, 0.31);
    }

    #[test]
    fn a_dip_below_the_target_is_not_taken_when_higher_thresholds_miss_it() {
        // 600 right at 0.10–0.19, 40 wrong at 0.40–0.49 (four at each hundredth), 400
        // right at 0.60–0.99. At 0 the rate dips to 40/1040 = 3.8 %, but from 0.20 to 0.44
        // it is above 5 %; from 0.45 (20 of 420 = 4.8 %) up it stays within.
        let mut turns: Vec<Turn> = (0..600).map(|i| turn(i, "a", 0.10 + (i % 10) as f32 / 100.0, "a")).collect();
        turns.extend((600..640).map(|i| turn(i, "a", 0.40 + (i % 10) as f32 / 100.0, "b")));
        turns.extend((640..1040).map(|i| turn(i, "a", 0.60 + (i % 40) as f32 / 100.0, "a")));
        let settings = Settings {
            target_error: 0.05,
            current: 0.5,
            handoff_after: 0,
            own: BTreeMap::new(),
        };
        let advice = advise(&turns, &[], &settings);
        assert_eq!(advice.curve[0].wrong_rate, Some(40.0 / 1040.0));
        assert_eq!(advice.recommendation.threshold, 0.45);
        assert_eq!(advice.recommendation.expected_wrong_rate, Some(20.0 / 420.0));
        assert!(advice.recommendation.reachable);
    }

    #[test]
    fn an_unreachable_target_says_so_and_gives_the_closest_safe_value() {
        // Right answers only at 0.50–0.54; wrong ones everywhere else: the rate at 0.50 is
        // 50/100 wrong, but above 0.55 every answer is wrong.
        let mut turns: Vec<Turn> = (0..50).map(|i| turn(i, "a", 0.50 + (i % 5) as f32 / 100.0, "a")).collect();
        turns.extend((50..100).map(|i| turn(i, "a", 0.55 + (i % 40) as f32 / 100.0, "b")));
        let settings = Settings {
            target_error: 0.05,
            current: 0.5,
            handoff_after: 0,
            own: BTreeMap::new(),
        };
        let advice = advise(&turns, &[], &settings);
        assert!(!advice.recommendation.reachable);
        // The closest safe value: the lowest rate with 20 answered, 50 % at 0.00–0.50.
        assert_eq!(advice.recommendation.expected_wrong_rate, Some(0.5));
        assert_eq!(advice.recommendation.threshold, 0.0);
        // Too few labels for anything: the current threshold, unreachable.
        let few = advise(&turns[..5], &[], &settings);
        assert_eq!((few.recommendation.threshold, few.recommendation.reachable), (0.5, false));
        assert_eq!(few.recommendation.expected_wrong_rate, None);
        assert!(!few.per_intent["a"].own);
    }

    #[test]
    fn the_thresholds_file_holds_the_recommendation_in_hundredths() {
        let turns: Vec<Turn> = (1..=100)
            .map(|i| turn(i, "a", i as f32 / 100.0, if i <= 30 { "b" } else { "a" }))
            .collect();
        let settings = Settings {
            target_error: 0.05,
            current: 0.6,
            handoff_after: 0,
            own: BTreeMap::new(),
        };
        let file = thresholds_file(&advise(&turns, &[], &settings)).unwrap();
        assert!(file.starts_with("# Written by the threshold advisor"), "{file}");
        assert!(file.contains("\nintent_confidence = 0.28\n"), "{file}");
        assert!(file.contains("[intent_thresholds.a]\nhigh = 0.28\n"), "{file}");
        assert_eq!(thresholds_file(&advise(&turns[..5], &[], &settings)), None, "too few to recommend");
    }

    #[test]
    fn an_intent_with_its_own_threshold_is_not_governed_by_the_global_one() {
        // `a` as in the hand-built log; `b`, always wrong, has its own threshold of 0.9.
        let mut turns: Vec<Turn> = (1..=100)
            .map(|i| turn(i, "a", i as f32 / 100.0, if i <= 30 { "oos" } else { "a" }))
            .collect();
        turns.extend((101..=140).map(|i| turn(i, "b", 0.5, "a")));
        let settings = Settings {
            target_error: 0.05,
            current: 0.6,
            handoff_after: 0,
            own: BTreeMap::from([("b".to_owned(), 0.9)]),
        };
        let advice = advise(&turns, &[], &settings);
        assert_eq!(advice.recommendation.threshold, 0.28, "b's wrong answers do not count");
        assert_eq!(advice.recommendation.labelled_turns, 100);
        // In force: a at 0.6 (41 answered, right), b at 0.9 (none answered).
        assert_eq!((advice.current.answered, advice.current.wrong, advice.current.not_answered), (41, 0, 99));
        assert!(advice.per_intent["b"].own);
    }

    #[test]
    fn thumbs_up_are_kept_apart_from_the_labels() {
        // The hand-built log's labels (0.28 for 5 %), and 400 👍 on right answers at
        // 0.20–0.27: they would lower the threshold, but only in their own figure.
        let turns: Vec<Turn> = (1..=100)
            .map(|i| turn(i, "a", i as f32 / 100.0, if i <= 30 { "b" } else { "a" }))
            .collect();
        let rated: Vec<Turn> = (200..600).map(|i| turn(i, "a", 0.20 + (i % 8) as f32 / 100.0, "a")).collect();
        let settings = Settings {
            target_error: 0.05,
            current: 0.6,
            handoff_after: 0,
            own: BTreeMap::new(),
        };
        let advice = advise(&turns, &rated, &settings);
        assert_eq!(advice.recommendation.threshold, 0.28, "the labels alone decide");
        assert_eq!(advice.recommendation.labelled_turns, 100);
        assert_eq!(advice.rated_helpful.turns, 400);
        assert_eq!(advice.rated_helpful.recommendation.labelled_turns, 500);
        assert!(advice.rated_helpful.recommendation.threshold < 0.28, "{:?}", advice.rated_helpful);
        assert_eq!(advise(&turns, &[], &settings).recommendation, advice.recommendation);
    }

    #[test]
    fn unanswered_turns_in_a_row_imply_escalations() {
        // Conversation c0: 0.2 then 0.3 (two unanswered at 0.5); c1: 0.2, 0.9, 0.2.
        let turns = vec![
            turn(0, "a", 0.2, "a"),
            turn(1, "a", 0.3, "a"),
            turn(2, "a", 0.2, "a"),
            turn(3, "a", 0.9, "a"),
        ];
        let mut more = turns.clone();
        more.push(Turn {
            conversation: "c1".into(),
            seq: 5,
            ..turn(5, "a", 0.2, "a")
        });
        assert_eq!(at(&more, 0.5, 2).escalations, 1, "c0 only: c1's two are not in a row");
        assert_eq!(at(&more, 0.1, 2).escalations, 0);
        assert_eq!(at(&more, 0.95, 2).escalations, 2);
        assert_eq!(at(&more, 0.95, 0).escalations, 0, "never when off");
        // Declined turns are never answered.
        let declined = Turn {
            declined: true,
            ..turn(9, "a", 0.99, "a")
        };
        assert_eq!(at(&[declined], 0.0, 0).answered, 0);
    }
}
