//! Evaluation of the intent model on a labelled test set: accuracy, macro F1,
//! out-of-scope precision and recall, the in-scope queries turned away as out of scope,
//! the most confused intent pairs, training time and prediction latency; and the few-shot
//! sample of a training set ([`few_shot`]) that `relais nlu eval --few-shot` trains on.

use std::collections::BTreeMap;
use std::time::Instant;

use relais_encoder::{EmbeddingCache, Encoder};
use serde::Serialize;

use crate::{Example, IntentModel, NluError, OOS, TrainOptions, TrainProgress};

/// How many test messages are timed one at a time for the latency figures.
const LATENCY_SAMPLES: usize = 500;

/// How many of the most confused intent pairs an evaluation lists.
pub const CONFUSED_PAIRS: usize = 10;

/// In-scope test queries of one intent given another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// The right intent.
    pub intent: String,
    /// The intent predicted instead (never `oos`: those are `turned_away_rate`).
    pub predicted: String,
    pub count: usize,
}

/// The figures `relais nlu eval` prints.
#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Share of in-scope test queries given their right intent (not `oos`).
    pub in_scope_accuracy: f64,
    pub oos_precision: Option<f64>,
    pub oos_recall: Option<f64>,
    /// Share of in-scope test queries predicted out of scope: real questions turned away.
    pub turned_away_rate: f64,
    /// The most confused pairs of in-scope intents, most first (at most [`CONFUSED_PAIRS`]).
    pub confused: Vec<Confusion>,
    pub n_train: usize,
    pub n_test: usize,
    pub train_seconds: f64,
    pub predict_p50_ms: f64,
    pub predict_p99_ms: f64,
    pub threshold: f64,
    /// Expected calibration error of the top intent's probability on in-scope queries
    /// (10 bins): how far "70% sure" is from being right 70% of the time.
    pub calibration_error: f64,
}

/// Trains on `train` (and `valid`), then scores `test`.
pub fn evaluate(
    encoder: &Encoder,
    cache: Option<&mut EmbeddingCache>,
    train: &[Example],
    valid: Option<&[Example]>,
    test: &[Example],
    options: &TrainOptions,
    progress: impl FnMut(TrainProgress),
) -> Result<Evaluation, NluError> {
    let mut cache = cache;
    let started = Instant::now();
    let model = IntentModel::train(
        encoder,
        cache.as_deref_mut(),
        train,
        valid,
        options,
        progress,
    )?;
    let train_seconds = started.elapsed().as_secs_f64();

    let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
    let embeddings = match cache {
        Some(cache) => cache.embed(encoder, &texts, |_| {})?,
        None => encoder.encode(&texts)?,
    };
    let predictions = texts
        .iter()
        .zip(&embeddings)
        .map(|(text, embedding)| model.predict_embedded(text, embedding))
        .collect::<Result<Vec<_>, NluError>>()?;
    let calibration = test
        .iter()
        .zip(&predictions)
        .filter(|(example, _)| example.intent != OOS)
        .map(|(example, p)| (p.confidence, p.ranking[0].intent == example.intent))
        .collect::<Vec<_>>();
    let predicted: Vec<String> = predictions.into_iter().map(|p| p.intent).collect();
    let gold: Vec<&str> = test.iter().map(|e| e.intent.as_str()).collect();

    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for text in texts.iter().take(LATENCY_SAMPLES) {
        let started = Instant::now();
        model.predict(encoder, text)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);

    let n_train = train.len() + valid.map_or(0, <[Example]>::len);
    let mut evaluation = score(
        &gold,
        &predicted,
        n_train,
        train_seconds,
        &latencies,
        model.threshold(),
    );
    evaluation.calibration_error = calibration_error(&calibration);
    Ok(evaluation)
}

fn score(
    gold: &[&str],
    predicted: &[String],
    n_train: usize,
    train_seconds: f64,
    latencies: &[f64],
    threshold: f32,
) -> Evaluation {
    let n = gold.len().max(1) as f64;
    let correct = gold
        .iter()
        .zip(predicted)
        .filter(|(g, p)| **g == p.as_str())
        .count();
    let in_scope: Vec<(&&str, &String)> = gold
        .iter()
        .zip(predicted)
        .filter(|(g, _)| **g != OOS)
        .collect();
    let in_scope_right = in_scope.iter().filter(|(g, p)| **g == p.as_str()).count();
    let has_oos = gold.contains(&OOS);
    let said_oos = predicted.iter().filter(|p| *p == OOS).count();
    let caught = gold
        .iter()
        .zip(predicted)
        .filter(|(g, p)| **g == OOS && *p == OOS)
        .count();
    let actual_oos = gold.iter().filter(|g| **g == OOS).count();
    let turned_away = in_scope.iter().filter(|(_, p)| p.as_str() == OOS).count();
    let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (g, p) in &in_scope {
        if **g != p.as_str() && p.as_str() != OOS {
            *pairs.entry((**g, p.as_str())).or_default() += 1;
        }
    }
    let mut confused: Vec<Confusion> = pairs
        .into_iter()
        .map(|((intent, predicted), count)| Confusion {
            intent: intent.to_owned(),
            predicted: predicted.to_owned(),
            count,
        })
        .collect();
    // Most first; the names break ties, so the list is the same on every run.
    confused.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (&a.intent, &a.predicted).cmp(&(&b.intent, &b.predicted))));
    confused.truncate(CONFUSED_PAIRS);
    Evaluation {
        accuracy: correct as f64 / n,
        macro_f1: macro_f1(gold, predicted),
        in_scope_accuracy: in_scope_right as f64 / in_scope.len().max(1) as f64,
        oos_precision: has_oos.then(|| ratio(caught, said_oos)),
        oos_recall: has_oos.then(|| ratio(caught, actual_oos)),
        turned_away_rate: ratio(turned_away, in_scope.len()),
        confused,
        n_train,
        n_test: gold.len(),
        train_seconds,
        predict_p50_ms: percentile(latencies, 0.50),
        predict_p99_ms: percentile(latencies, 0.99),
        threshold: threshold as f64,
        calibration_error: 0.0,
    }
}

/// `k` examples of each intent of `train` (all of an intent with fewer), drawn with `seed`:
/// the same sample for the same seed, in the order of `train`. Out-of-scope examples are
/// left out, as in the published few-shot splits: strangers must be learned from elsewhere.
pub fn few_shot(train: &[Example], k: usize, seed: u64) -> Vec<Example> {
    let mut by_intent: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, example) in train.iter().enumerate().filter(|(_, e)| e.intent != OOS) {
        by_intent.entry(example.intent.as_str()).or_default().push(index);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut kept: Vec<usize> = Vec::new();
    for indices in by_intent.values_mut() {
        rng.shuffle(indices);
        kept.extend(indices.iter().take(k));
    }
    kept.sort_unstable();
    kept.into_iter().map(|index| train[index].clone()).collect()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Mean F1 over the labels of the test set (`oos` included when present).
fn macro_f1(gold: &[&str], predicted: &[String]) -> f64 {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for label in gold {
        counts.entry(label).or_default();
    }
    for (g, p) in gold.iter().zip(predicted) {
        if *g == p.as_str() {
            counts.entry(g).or_default().0 += 1;
        } else {
            counts.entry(g).or_default().2 += 1;
            if let Some(entry) = counts.get_mut(p.as_str()) {
                entry.1 += 1;
            }
        }
    }
    let f1s: Vec<f64> = counts
        .values()
        .map(|&(tp, fp, fn_)| {
            if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
            }
        })
        .collect();
    f1s.iter().sum::<f64>() / f1s.len().max(1) as f64
}

/// Mean gap between confidence and accuracy over 10 equal-width bins, weighted by size.
fn calibration_error(predictions: &[(f32, bool)]) -> f64 {
    let mut bins = [(0.0f64, 0.0f64, 0usize); 10];
    for &(confidence, right) in predictions {
        let bin = &mut bins[((confidence * 10.0) as usize).min(9)];
        bin.0 += confidence as f64;
        bin.1 += right as u8 as f64;
        bin.2 += 1;
    }
    let total = predictions.len().max(1) as f64;
    bins.iter()
        .filter(|b| b.2 > 0)
        .map(|&(confidence, right, _)| (confidence - right).abs() / total)
        .sum()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_accuracy_f1_and_out_of_scope() {
        let gold = ["a", "a", "b", "oos", "oos"];
        let predicted: Vec<String> = ["a", "b", "b", "oos", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = score(&gold, &predicted, 10, 1.0, &[1.0, 2.0, 3.0], 0.4);
        assert!((e.accuracy - 0.6).abs() < 1e-9);
        assert!((e.in_scope_accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(e.oos_precision, Some(1.0));
        assert_eq!(e.oos_recall, Some(0.5));
        // F1: a = 2·1/(2+1+1) = 0.5, b = 2/(2+1+0) = 2/3, oos = 2/(2+0+1) = 2/3.
        assert!((e.macro_f1 - (0.5 + 2.0 / 3.0 + 2.0 / 3.0) / 3.0).abs() < 1e-9);
        assert_eq!(e.predict_p50_ms, 2.0);
        // One of the three in-scope queries was an `a` taken for `b`; none turned away.
        assert_eq!(e.turned_away_rate, 0.0);
        assert_eq!(e.confused, [Confusion { intent: "a".into(), predicted: "b".into(), count: 1 }]);
    }

    #[test]
    fn turned_away_and_confused_pairs_count_in_scope_queries_only() {
        let gold = ["a", "a", "a", "b", "b", "c", "oos"];
        let predicted: Vec<String> = ["oos", "b", "b", "oos", "c", "a", "b"].iter().map(|s| s.to_string()).collect();
        let e = score(&gold, &predicted, 1, 0.0, &[], 0.0);
        assert!((e.turned_away_rate - 2.0 / 6.0).abs() < 1e-9, "{}", e.turned_away_rate);
        let pairs: Vec<(&str, &str, usize)> = e.confused.iter().map(|c| (c.intent.as_str(), c.predicted.as_str(), c.count)).collect();
        // oos → b is no confusion of intents; ties in the order of the names.
        assert_eq!(pairs, [("a", "b", 2), ("b", "c", 1), ("c", "a", 1)]);
    }

    #[test]
    fn a_few_shot_sample_takes_k_of_each_intent_the_same_for_a_seed() {
        let train: Vec<Example> = (0..30)
            .map(|i| Example {
                text: format!("text {i}"),
                intent: ["a", "b", "oos"][i % 3].to_owned(),
            })
            .chain([Example { text: "lone".into(), intent: "c".into() }])
            .collect();
        let sample = few_shot(&train, 4, 7);
        let count = |intent: &str| sample.iter().filter(|e| e.intent == intent).count();
        assert_eq!((count("a"), count("b"), count("c"), count("oos")), (4, 4, 1, 0));
        assert_eq!(sample, few_shot(&train, 4, 7), "the same seed, the same sample");
        assert_ne!(sample, few_shot(&train, 4, 8), "another seed, another sample");
    }

    #[test]
    fn calibration_error_is_the_gap_between_confidence_and_accuracy() {
        // Bin 0.9: said 0.9 twice, right once (gap 0.8 of 2 rows); bin 0.5: 0.5, right (gap 0.5).
        let error = calibration_error(&[(0.9, true), (0.9, false), (0.5, true)]);
        assert!((error - (0.8 + 0.5) / 3.0).abs() < 1e-6, "{error}");
        assert_eq!(
            calibration_error(&[(0.75, true), (0.75, true), (0.75, false), (0.75, true)]),
            0.0
        );
    }

    #[test]
    fn no_oos_in_the_test_set_gives_null_oos_figures() {
        let predicted: Vec<String> = vec!["a".into()];
        let e = score(&["a"], &predicted, 1, 0.0, &[], 0.0);
        assert_eq!(e.oos_precision, None);
        assert_eq!(e.oos_recall, None);
    }
}
