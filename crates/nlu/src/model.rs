//! The intent model: training, calibration, out-of-scope detection, prediction,
//! saving and loading.
//!
//! Out-of-scope detection combines two signals into one score: the calibrated
//! probability of the best intent, and the cosine similarity to the nearest training
//! example. A query near nothing that was ever said is out of scope even when the
//! classifier, which must pick some intent, is sure of itself. How much each signal
//! weighs and where the threshold lies are chosen on held-out data: the validation
//! set when there is one; otherwise, for up to [`CROSS_FIT_ROWS`] examples, every
//! training example held out once from a model fitted on the others, and beyond that a
//! slice of the training data.

use std::path::Path;

use candle_core::{Device, Tensor};
use relais_encoder::{EmbeddingCache, Encoder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::classifier::{FitOptions, Input, Linear, softmax};
use crate::features::Lexicon;
use crate::typicality::Typicality;
use crate::{Example, NluError, background};

/// The label of out-of-scope examples in training data, and of out-of-scope predictions.
pub const OOS: &str = "oos";

/// Bumped whenever the saved layout changes, so that old files are retrained.
const FORMAT: u32 = 6;

/// Where, among an intent's examples ranked by how close each is to its nearest fellow,
/// lies the closeness from which the intent claims a built-in stranger as its own
/// (see [`without_claimed_strangers`]): the lower quartile.
const CLAIM_QUANTILE: f32 = 0.25;

/// Up to this many examples, calibration holds out every example once, from a model
/// fitted on the others (as many fits as one over `holdout_fraction`): one held-out
/// slice of a few examples per intent would set the threshold on too few scores. Above
/// it, one slice holds enough of them, and costs one fit.
const CROSS_FIT_ROWS: usize = 3_000;

/// How many ranked intents a prediction carries.
const RANKING_LEN: usize = 5;

/// Settings of training; all have defaults that suit intent sets from 5 to 500 intents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TrainOptions {
    /// Passes over the training data.
    pub epochs: usize,
    /// Step size of the optimiser at the start (it decays linearly to zero).
    pub learning_rate: f32,
    /// L2 shrinkage of the weights: higher is smoother and less sure of itself.
    pub weight_decay: f32,
    /// Scale of the sentence embedding against the (unit-length) n-gram features.
    pub embedding_weight: f32,
    /// Share of the training data held out to calibrate when no validation set is given;
    /// up to [`CROSS_FIT_ROWS`] examples, each is held out once in turn, from one fit per
    /// share (at most 10).
    pub holdout_fraction: f32,
    /// With no out-of-scope examples to tune on, the threshold rejects this share of
    /// held-out in-scope queries: the price paid in false alarms for catching strangers.
    pub in_scope_rejection: f32,
    /// With no `oos` examples in the data, learn out-of-scope from a built-in set of
    /// general questions no shop assistant handles (weather, trivia, recipes…).
    pub background_strangers: bool,
    /// [`TrainOptions::in_scope_rejection`] when only the built-in strangers stand for
    /// out-of-scope queries: lower, since they only hint at what the real ones look like.
    pub background_rejection: f32,
    /// With only the built-in strangers, at most this share of held-out in-scope queries
    /// may be turned away by the typicality check (the relative Mahalanobis distance to
    /// the intents, see `typicality.rs`), which catches strangers that the classifier
    /// and the gate let through; it spends only what buys strangers, often nothing.
    pub typicality_rejection: f32,
    /// Share of the final probabilities that comes from a vote of the nearest training
    /// examples; the linear classifier gives the rest.
    pub neighbour_weight: f32,
    /// How many nearest training examples vote.
    pub neighbours: usize,
    /// Share of the in-scope intents' final probabilities that comes from the intents'
    /// Gaussians (the typicality check's, a shared covariance), read as a posterior; the
    /// out-of-scope decision is the classifier's and the neighbours' alone.
    pub gaussian_weight: f32,
    /// Learn from each intent's name, read as words (`order_status` → "order status"),
    /// as one more example of it: taught to every fit and never held out, since visitors
    /// do not write like that. Turn off when intent names are codes rather than words.
    pub intent_names: bool,
    /// Top two intents closer than this (in probability) make the prediction ambiguous.
    pub ambiguity_margin: f32,
    /// Seed of every random choice, so that training is repeatable.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 6,
            learning_rate: 0.01,
            weight_decay: 1e-4,
            embedding_weight: 3.0,
            holdout_fraction: 0.1,
            in_scope_rejection: 0.03,
            background_strangers: true,
            background_rejection: 0.0,
            typicality_rejection: 0.02,
            neighbour_weight: 0.3,
            neighbours: 5,
            gaussian_weight: 0.2,
            intent_names: true,
            ambiguity_margin: 0.1,
            seed: 42,
        }
    }
}

/// What training reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum TrainProgress {
    /// Texts embedded so far.
    Embedding { done: usize, total: usize },
    /// Epochs done of a fit; `final_fit` is false while calibrating on held-out data.
    Fitting {
        epoch: usize,
        epochs: usize,
        final_fit: bool,
    },
}

/// One intent and its calibrated probability, named `confidence` as in the dialogue's
/// `IntentScore` (the classifier and the engine share no crate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentScore {
    pub intent: String,
    pub confidence: f32,
}

/// What the model makes of one text.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// The best intent, or [`OOS`] when the text fits none.
    pub intent: String,
    /// Calibrated probability of the best in-scope intent.
    pub confidence: f32,
    /// The best in-scope intents, most likely first.
    pub ranking: Vec<IntentScore>,
    /// True when the top two intents are too close to choose between.
    pub ambiguous: bool,
    /// Cosine similarity to the nearest training example, both centred on the training
    /// mean (so not the encoder's raw cosine).
    pub nearest_similarity: f32,
    /// The combined in-scope score that the threshold applies to: made of the best
    /// intent's probability before the Gaussian vote (which does not judge out of scope)
    /// and `nearest_similarity`, so not always of `confidence`.
    pub in_scope_score: f32,
    /// How much closer the embedding lies to the nearest intent's Gaussian than to the
    /// background's, per dimension (see `typicality.rs`); below the model's cut, `oos`.
    pub typicality: f32,
}

impl Prediction {
    pub fn is_oos(&self) -> bool {
        self.intent == OOS
    }
}

/// How the in-scope score is made and where it is cut.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct OosGate {
    /// Weight of the classifier's confidence; the nearest-example similarity gets the rest.
    confidence_weight: f32,
    threshold: f32,
}

impl OosGate {
    fn score(&self, confidence: f32, similarity: f32) -> f32 {
        self.confidence_weight * confidence + (1.0 - self.confidence_weight) * similarity
    }
}

/// A trained intent classifier with its out-of-scope gate.
#[derive(Serialize, Deserialize)]
pub struct IntentModel {
    format: u32,
    data_hash: String,
    encoder_fingerprint: String,
    labels: Vec<String>,
    lexicon: Lexicon,
    linear: Linear,
    temperature: f32,
    gate: OosGate,
    options: TrainOptions,
    dim: usize,
    /// Mean embedding of the training rows, built-in strangers included, taken off every
    /// embedding (see [`centred`]).
    centre: Vec<f32>,
    /// Embeddings of the in-scope training examples, row after row, and their labels.
    example_embeddings: Vec<f32>,
    example_labels: Vec<usize>,
    /// How many built-in strangers each intent claimed (left out of `oos`), the most
    /// first; intents that claimed none are not listed.
    claimed_strangers: Vec<(String, usize)>,
    /// The intents' Gaussians and the background's, for the typicality check.
    typicality: Typicality,
    /// Typicality below which a query is out of scope, whatever the classifier says;
    /// minus infinity when the model has no typicality check.
    typicality_cut: f32,
    /// Temperature of the intents' Gaussian posterior, fitted on held-out data.
    gaussian_temperature: f32,
    #[serde(skip)]
    neighbours: Option<Neighbours>,
}

/// Embedded, labelled examples ready for fitting.
struct Prepared<'a> {
    texts: Vec<&'a str>,
    embeddings: Vec<Vec<f32>>,
    labels: Vec<usize>,
}

impl Prepared<'_> {
    fn subset(&self, rows: &[usize]) -> Self {
        Prepared {
            texts: rows.iter().map(|&i| self.texts[i]).collect(),
            embeddings: rows.iter().map(|&i| self.embeddings[i].clone()).collect(),
            labels: rows.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// The classifier and lexicon fitted on one set of examples.
struct Fitted {
    lexicon: Lexicon,
    linear: Linear,
}

impl IntentModel {
    /// Hash of everything training depends on; a saved model with the same hash is current.
    pub fn data_hash(
        encoder: &Encoder,
        train: &[Example],
        valid: Option<&[Example]>,
        options: &TrainOptions,
    ) -> String {
        let mut hasher = Sha256::new();
        hasher.update(FORMAT.to_le_bytes());
        hasher.update(encoder.fingerprint());
        hasher.update(serde_json::to_vec(options).unwrap_or_default());
        for (set, examples) in [("train", Some(train)), ("valid", valid)] {
            hasher.update(set);
            for example in examples.into_iter().flatten() {
                hasher.update(example.intent.as_bytes());
                hasher.update([0]);
                hasher.update(example.text.as_bytes());
                hasher.update([0]);
            }
        }
        format!("{:x}", hasher.finalize())
    }

    /// Trains on `train`; `valid`, when given, calibrates the probabilities and picks the
    /// out-of-scope threshold, and is then learnt from too.
    pub fn train(
        encoder: &Encoder,
        cache: Option<&mut EmbeddingCache>,
        train: &[Example],
        valid: Option<&[Example]>,
        options: &TrainOptions,
        mut progress: impl FnMut(TrainProgress),
    ) -> Result<Self, NluError> {
        let data_hash = Self::data_hash(encoder, train, valid, options);
        let mut labels: Vec<String> = train.iter().map(|e| e.intent.clone()).collect();
        labels.sort();
        labels.dedup();
        let in_scope = labels.iter().filter(|l| *l != OOS).count();
        if in_scope < 2 {
            return Err(NluError::TooFewIntents(in_scope));
        }
        // Without out-of-scope examples of its own, the model learns them from a
        // built-in set of strangers, and dares only a smaller false-alarm rate.
        let strangers_added = !labels.iter().any(|l| l == OOS) && options.background_strangers;
        let (train, rejection) = if !strangers_added {
            (train.to_vec(), options.in_scope_rejection)
        } else {
            labels.push(OOS.to_string());
            labels.sort();
            let with_strangers = train
                .iter()
                .cloned()
                .chain(background::strangers())
                .collect();
            (with_strangers, options.background_rejection)
        };
        let train = train.as_slice();
        let valid: Vec<&Example> = valid
            .into_iter()
            .flatten()
            .filter(|e| labels.binary_search(&e.intent).is_ok())
            .collect();
        // The names go last, after the validation rows: they are never held out.
        let names: Vec<Example> = labels
            .iter()
            .filter(|label| options.intent_names && *label != OOS)
            .map(|label| Example {
                text: label.replace(['_', '-', '.'], " "),
                intent: label.clone(),
            })
            .collect();
        let all: Vec<&Example> = train.iter().chain(valid.iter().copied()).chain(&names).collect();
        let texts: Vec<&str> = all.iter().map(|e| e.text.as_str()).collect();
        let total = texts.len();
        let report = |done| progress(TrainProgress::Embedding { done, total });
        let embeddings = match cache {
            Some(cache) => cache.embed(encoder, &texts, report)?,
            None => encoder.encode_with_progress(&texts, report)?,
        };
        let centre = mean(&embeddings[..train.len()], encoder.dim());
        let embeddings = embeddings.iter().map(|e| centred(e, &centre)).collect();
        let prepared = Prepared {
            texts,
            embeddings,
            labels: all
                .iter()
                .map(|e| labels.binary_search(&e.intent).unwrap_or_default())
                .collect(),
        };
        let oos_label = labels.iter().position(|l| l == OOS);
        let (prepared, train_len, claims) = match oos_label {
            Some(oos) if strangers_added => without_claimed_strangers(prepared, oos, train.len()),
            _ => (prepared, train.len(), Vec::new()),
        };
        let mut claimed_strangers: Vec<(String, usize)> = claims
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(label, n)| (labels[label].clone(), *n))
            .collect();
        claimed_strangers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let total = prepared.texts.len();
        let examples = total - names.len();
        let mut splits = if !valid.is_empty() {
            vec![((0..train_len).collect(), (train_len..examples).collect())]
        } else if examples <= CROSS_FIT_ROWS {
            let folds = (1.0 / options.holdout_fraction.max(0.1)).round() as usize;
            cross_fit_splits(&prepared.labels[..examples], folds.max(2), options.seed)
        } else {
            vec![holdout_split(&prepared.labels[..examples], options.holdout_fraction, options.seed)]
        };
        for (fit_rows, _) in &mut splits {
            fit_rows.extend(examples..total);
        }
        // Every held-out row is scored by a model that did not see it.
        let epochs = options.epochs;
        let calibrating = splits.len() * epochs;
        let (mut held_labels, mut held_logits, mut looks) = (Vec::new(), Vec::new(), Vec::new());
        let (mut held_typicalities, mut held_distances) = (Vec::new(), Vec::new());
        for (index, (fit_rows, held_rows)) in splits.iter().enumerate() {
            let fit_part = prepared.subset(fit_rows);
            let held_part = prepared.subset(held_rows);
            let first = fit(&fit_part, labels.len(), options, |epoch| {
                progress(TrainProgress::Fitting {
                    epoch: index * epochs + epoch,
                    epochs: calibrating,
                    final_fit: false,
                })
            });
            let (rows, row_labels) = in_scope_rows(&fit_part, oos_label);
            let typicality = Typicality::fit(&rows, &row_labels, encoder.dim())?;
            for embedding in &held_part.embeddings {
                let (distances, score) = typicality.read(embedding);
                held_distances.push(distances);
                held_typicalities.push(score);
            }
            let neighbours = Neighbours::new(&rows, row_labels, encoder.dim())?;
            held_logits.extend(held_part.texts.iter().zip(&held_part.embeddings).map(
                |(text, embedding)| {
                    first
                        .linear
                        .logits(&input(&first.lexicon, text, embedding, options))
                },
            ));
            looks.extend(neighbours.look(&held_part.embeddings, labels.len(), options.neighbours)?);
            held_labels.extend(held_part.labels);
        }
        let temperature = fit_temperature(&held_logits, &held_labels);
        let gaussian_temperature = fit_gaussian_temperature(&held_distances, &held_labels, labels.len());
        let held_probabilities: Vec<Vec<f32>> = held_logits
            .iter()
            .zip(&looks)
            .map(|(logits, look)| {
                blend(
                    &softmax(logits, temperature),
                    &look.votes,
                    options.neighbour_weight,
                )
            })
            .collect();
        let similarities: Vec<f32> = looks.iter().map(|look| look.nearest).collect();
        let gate = tune_gate(
            &held_probabilities,
            &held_labels,
            &similarities,
            oos_label,
            rejection,
        );

        let last = fit(&prepared, labels.len(), options, |epoch| {
            progress(TrainProgress::Fitting {
                epoch,
                epochs,
                final_fit: true,
            })
        });
        let (example_embeddings, example_labels) = in_scope_rows(&prepared, oos_label);
        let typicality = Typicality::fit(&example_embeddings, &example_labels, encoder.dim())?;
        let held: Vec<HeldOut> = held_probabilities
            .iter()
            .zip(&similarities)
            .zip(&held_typicalities)
            .zip(&held_labels)
            .map(|(((p, &similarity), &typicality), &label)| HeldOut {
                stranger: Some(label) == oos_label,
                rejected: oos_label.is_some_and(|oos| argmax(p) == oos)
                    || gate.score(in_scope_confidence(p, oos_label), similarity) < gate.threshold,
                typicality,
            })
            .collect();
        // With out-of-scope examples of its own, the gate was tuned on them at the
        // in-scope rejection rate, which the typicality check would only overspend.
        let typicality_cut = if strangers_added {
            tune_typicality(&held, options.typicality_rejection)
        } else {
            f32::NEG_INFINITY
        };
        let mut model = Self {
            format: FORMAT,
            data_hash,
            encoder_fingerprint: encoder.fingerprint().to_string(),
            labels,
            lexicon: last.lexicon,
            linear: last.linear,
            temperature,
            gate,
            options: options.clone(),
            dim: encoder.dim(),
            centre,
            example_embeddings,
            example_labels,
            claimed_strangers,
            typicality,
            typicality_cut,
            gaussian_temperature,
            neighbours: None,
        };
        model.build_neighbours()?;
        Ok(model)
    }

    /// Hash of the data and settings this model was trained on.
    pub fn trained_on(&self) -> &str {
        &self.data_hash
    }

    /// How many built-in strangers each intent claimed as its own, the most first: an
    /// intent that claims many is broad (or has an example that strays), and the
    /// strangers it took no longer teach the model what is out of scope.
    pub fn claimed_strangers(&self) -> &[(String, usize)] {
        &self.claimed_strangers
    }

    /// Intents the model knows, without [`OOS`].
    pub fn intents(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(String::as_str).filter(|l| *l != OOS)
    }

    /// The in-scope score below which a text is out of scope.
    pub fn threshold(&self) -> f32 {
        self.gate.threshold
    }

    /// The typicality below which a query is out of scope; `None` when the model has no
    /// typicality check (see `tune_typicality`).
    pub fn typicality_cut(&self) -> Option<f32> {
        self.typicality_cut.is_finite().then_some(self.typicality_cut)
    }

    /// Embeds `text` and predicts its intent.
    pub fn predict(&self, encoder: &Encoder, text: &str) -> Result<Prediction, NluError> {
        self.check_encoder(encoder)?;
        let embedding = encoder.encode_one(text)?;
        self.predict_embedded(text, &embedding)
    }

    /// Predicts from a text and its embedding, for callers that batch the encoder themselves.
    pub fn predict_embedded(&self, text: &str, embedding: &[f32]) -> Result<Prediction, NluError> {
        let embedding = &centred(embedding, &self.centre);
        let logits = self
            .linear
            .logits(&input(&self.lexicon, text, embedding, &self.options));
        let neighbours = self
            .neighbours
            .as_ref()
            .expect("neighbours are built on train and load");
        let look = neighbours
            .look(
                &[embedding.to_vec()],
                self.labels.len(),
                self.options.neighbours,
            )?
            .remove(0);
        let classified = blend(
            &softmax(&logits, self.temperature),
            &look.votes,
            self.options.neighbour_weight,
        );
        let (distances, typicality) = self.typicality.read(embedding);
        let probabilities = blend(
            &classified,
            &gaussian_vote(&distances, self.labels.len(), self.gaussian_temperature),
            self.options.gaussian_weight,
        );
        let similarity = look.nearest;
        let oos_label = self.labels.iter().position(|l| l == OOS);
        let top_is_oos = oos_label.is_some_and(|oos| argmax(&classified) == oos);
        let mut ranked: Vec<usize> = (0..self.labels.len()).collect();
        ranked.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
        let ranking: Vec<IntentScore> = ranked
            .iter()
            .filter(|&&i| self.labels[i] != OOS)
            .take(RANKING_LEN)
            .map(|&i| IntentScore {
                intent: self.labels[i].clone(),
                confidence: probabilities[i],
            })
            .collect();
        let confidence = ranking[0].confidence;
        let score = self.gate.score(in_scope_confidence(&classified, oos_label), similarity);
        let oos = top_is_oos || score < self.gate.threshold || typicality < self.typicality_cut;
        let ambiguous = !oos
            && ranking.get(1).is_some_and(|second| {
                confidence - second.confidence < self.options.ambiguity_margin
            });
        Ok(Prediction {
            intent: if oos {
                OOS.to_string()
            } else {
                ranking[0].intent.clone()
            },
            confidence,
            ranking,
            ambiguous,
            nearest_similarity: similarity,
            in_scope_score: score,
            typicality,
        })
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), NluError> {
        let bytes = postcard::to_stdvec(self).map_err(|error| NluError::BadModelFile {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| NluError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        // Write beside, then rename: a reader never sees half a model.
        let partial = path.with_extension("partial");
        let io = |source| NluError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::write(&partial, bytes).map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)
    }

    /// Reads a model written by [`IntentModel::save`].
    pub fn load(path: &Path) -> Result<Self, NluError> {
        let bytes = std::fs::read(path).map_err(|source| NluError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| NluError::BadModelFile {
            path: path.to_path_buf(),
            message,
        };
        let format = postcard::take_from_bytes::<u32>(&bytes)
            .map_err(|e| bad(e.to_string()))?
            .0;
        if format != FORMAT {
            return Err(bad(format!(
                "saved in format {format}, this build reads format {FORMAT}"
            )));
        }
        let mut model: Self = postcard::from_bytes(&bytes).map_err(|e| bad(e.to_string()))?;
        model.build_neighbours()?;
        Ok(model)
    }

    fn build_neighbours(&mut self) -> Result<(), NluError> {
        self.neighbours = Some(Neighbours::new(
            &self.example_embeddings,
            self.example_labels.clone(),
            self.dim,
        )?);
        Ok(())
    }

    /// Whether this model was trained with `encoder`'s embeddings (and so can predict
    /// with it).
    pub fn trained_with(&self, encoder: &Encoder) -> bool {
        encoder.fingerprint() == self.encoder_fingerprint
    }

    fn check_encoder(&self, encoder: &Encoder) -> Result<(), NluError> {
        if self.trained_with(encoder) {
            Ok(())
        } else {
            Err(NluError::OtherEncoder)
        }
    }
}

fn input(lexicon: &Lexicon, text: &str, embedding: &[f32], options: &TrainOptions) -> Input {
    Input {
        dense: embedding
            .iter()
            .map(|x| x * options.embedding_weight)
            .collect(),
        sparse: lexicon.transform(text),
    }
}

fn fit(
    part: &Prepared,
    classes: usize,
    options: &TrainOptions,
    progress: impl FnMut(usize),
) -> Fitted {
    let min_df = if part.texts.len() >= 2_000 { 2 } else { 1 };
    let lexicon = Lexicon::fit(&part.texts, min_df);
    let inputs: Vec<Input> = part
        .texts
        .iter()
        .zip(&part.embeddings)
        .map(|(text, embedding)| input(&lexicon, text, embedding, options))
        .collect();
    let fit_options = FitOptions {
        epochs: options.epochs,
        batch_size: 32,
        learning_rate: options.learning_rate,
        weight_decay: options.weight_decay,
        seed: options.seed,
    };
    let linear = Linear::fit(
        &inputs,
        &part.labels,
        classes,
        lexicon.len(),
        &fit_options,
        progress,
    );
    Fitted { lexicon, linear }
}

/// Splits row indices into `folds` pairs of (fit, held out) in which every row is held
/// out once, but the single row of a label, which is always fitted on. A label's rows are
/// dealt to the folds in turn, so that each fold holds out a share of every label.
fn cross_fit_splits(labels: &[usize], folds: usize, seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut fold_of = vec![None; labels.len()];
    let mut dealt = 0;
    for class in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if rows.len() < 2 {
            continue;
        }
        rng.shuffle(&mut rows);
        for row in rows {
            fold_of[row] = Some(dealt % folds);
            dealt += 1;
        }
    }
    (0..folds)
        .map(|fold| (0..labels.len()).partition::<Vec<usize>, _>(|&row| fold_of[row] != Some(fold)))
        .filter(|(_, held)| !held.is_empty())
        .collect()
}

/// Splits row indices into (fit, held out), holding out `fraction` of each label but
/// always leaving at least one example of it to fit on.
fn holdout_split(labels: &[usize], fraction: f32, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let (mut fit, mut held) = (Vec::new(), Vec::new());
    for class in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut rows);
        let hold =
            ((rows.len() as f32 * fraction).round() as usize).min(rows.len().saturating_sub(1));
        held.extend_from_slice(&rows[..hold]);
        fit.extend_from_slice(&rows[hold..]);
    }
    fit.sort_unstable();
    held.sort_unstable();
    (fit, held)
}

/// The mean of `rows`.
fn mean(rows: &[Vec<f32>], dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0f32; dim];
    for row in rows {
        sum.iter_mut().zip(row).for_each(|(s, x)| *s += x);
    }
    sum.iter_mut().for_each(|s| *s /= rows.len().max(1) as f32);
    sum
}

/// `embedding - centre`, at unit length again.
///
/// Sentence encoders put every text in a narrow cone: two unrelated sentences still
/// have a cosine of about 0.76 under e5. Taking the training mean off opens the cone, so
/// that the classifier's weights, the neighbours' vote and the out-of-scope gate see
/// differences between texts rather than what all texts share.
fn centred(embedding: &[f32], centre: &[f32]) -> Vec<f32> {
    let mut out: Vec<f32> = embedding.iter().zip(centre).map(|(x, c)| x - c).collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        out.iter_mut().for_each(|x| *x /= norm);
    }
    out
}

/// Leaves out the built-in strangers that the assistant's own intents claim, so that a
/// weather intent's questions are not learnt as out of scope because "will it rain
/// tomorrow?" is a stranger to most shops.
///
/// An intent claims a stranger that is as close to one of its examples as most of its
/// examples are to their nearest fellow: the lower quartile ([`CLAIM_QUANTILE`]), over
/// the intent's examples, of the cosine similarity to the nearest other example of the
/// intent. An intent of one example claims nothing. The first `train_len`
/// rows are training rows (the strangers among them); returns the rows kept, how many
/// of them are training rows, and how many strangers each label claimed (a stranger
/// two intents claim goes to the one with the example nearest it).
fn without_claimed_strangers<'a>(
    prepared: Prepared<'a>,
    oos: usize,
    train_len: usize,
) -> (Prepared<'a>, usize, Vec<usize>) {
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let classes = prepared.labels.iter().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (row, &label) in prepared.labels[..train_len].iter().enumerate() {
        if label != oos {
            members[label].push(row);
        }
    }
    let reach: Vec<f32> = members
        .iter()
        .map(|rows| {
            let mut nearest: Vec<f32> = rows
                .iter()
                .map(|&a| {
                    rows.iter()
                        .filter(|&&b| b != a)
                        .map(|&b| dot(&prepared.embeddings[a], &prepared.embeddings[b]))
                        .fold(f32::NEG_INFINITY, f32::max)
                })
                .filter(|s| s.is_finite())
                .collect();
            nearest.sort_by(f32::total_cmp);
            nearest
                .get(((nearest.len() as f32 - 1.0) * CLAIM_QUANTILE).round() as usize)
                .copied()
                .unwrap_or(f32::INFINITY)
        })
        .collect();
    // The label whose example nearest `row` is within its reach, the nearest first.
    let claimer = |row: usize| {
        members
            .iter()
            .zip(&reach)
            .enumerate()
            .filter_map(|(label, (rows, &reach))| {
                let nearest = rows
                    .iter()
                    .map(|&b| dot(&prepared.embeddings[row], &prepared.embeddings[b]))
                    .fold(f32::NEG_INFINITY, f32::max);
                (nearest >= reach).then_some((label, nearest))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(label, _)| label)
    };
    let mut claims = vec![0; classes];
    let kept: Vec<usize> = (0..prepared.texts.len())
        .filter(|&row| {
            if row >= train_len || prepared.labels[row] != oos {
                return true;
            }
            match claimer(row) {
                Some(label) => {
                    claims[label] += 1;
                    false
                }
                None => true,
            }
        })
        .collect();
    let kept_train = kept.iter().filter(|&&row| row < train_len).count();
    (prepared.subset(&kept), kept_train, claims)
}

/// Embeddings (row after row) and labels of the examples that are not out of scope.
fn in_scope_rows(part: &Prepared, oos_label: Option<usize>) -> (Vec<f32>, Vec<usize>) {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (embedding, &label) in part.embeddings.iter().zip(&part.labels) {
        if Some(label) != oos_label {
            rows.extend_from_slice(embedding);
            labels.push(label);
        }
    }
    (rows, labels)
}

/// What the nearest training examples say about a query.
struct Look {
    /// Cosine similarity to the nearest example.
    nearest: f32,
    /// A probability per label from the similarity-weighted vote of the nearest examples.
    votes: Vec<f32>,
}

/// The training examples' embeddings, searched exactly with one matrix product.
struct Neighbours {
    matrix: Tensor,
    labels: Vec<usize>,
}

impl Neighbours {
    /// Sharpness of the vote: similarities are divided by this before `exp`.
    const VOTE_TEMPERATURE: f32 = 0.05;

    fn new(rows: &[f32], labels: Vec<usize>, dim: usize) -> Result<Self, NluError> {
        let matrix = Tensor::from_slice(rows, (labels.len(), dim), &Device::Cpu)?;
        Ok(Self { matrix, labels })
    }

    fn look(&self, queries: &[Vec<f32>], classes: usize, k: usize) -> Result<Vec<Look>, NluError> {
        let dim = self.matrix.dim(1)?;
        let mut out = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(256) {
            let flat: Vec<f32> = chunk.iter().flatten().copied().collect();
            let queries = Tensor::from_vec(flat, (chunk.len(), dim), &Device::Cpu)?;
            for similarities in queries.matmul(&self.matrix.t()?)?.to_vec2::<f32>()? {
                out.push(self.vote(&similarities, classes, k));
            }
        }
        Ok(out)
    }

    fn vote(&self, similarities: &[f32], classes: usize, k: usize) -> Look {
        let mut order: Vec<usize> = (0..similarities.len()).collect();
        let k = k.clamp(1, order.len().max(1)).min(order.len());
        if k < order.len() {
            order.select_nth_unstable_by(k, |&a, &b| similarities[b].total_cmp(&similarities[a]));
        }
        let top = &order[..k];
        let nearest = top
            .iter()
            .map(|&i| similarities[i])
            .fold(f32::NEG_INFINITY, f32::max);
        let mut votes = vec![0.0f32; classes];
        for &i in top {
            votes[self.labels[i]] += ((similarities[i] - nearest) / Self::VOTE_TEMPERATURE).exp();
        }
        let sum: f32 = votes.iter().sum();
        if sum > 0.0 {
            votes.iter_mut().for_each(|v| *v /= sum);
        }
        Look { nearest, votes }
    }
}

/// `(1 - weight) · classifier + weight · vote`.
fn blend(classifier: &[f32], votes: &[f32], weight: f32) -> Vec<f32> {
    classifier
        .iter()
        .zip(votes)
        .map(|(c, v)| (1.0 - weight) * c + weight * v)
        .collect()
}

/// The intents' Gaussian posterior: a probability per label from the squared
/// Mahalanobis distances `(label, distance)`, `exp(−distance / 2 / temperature)`
/// normalised; labels without a Gaussian (`oos`) get none.
fn gaussian_vote(distances: &[(usize, f32)], labels: usize, temperature: f32) -> Vec<f32> {
    if distances.is_empty() {
        return vec![0.0; labels];
    }
    softmax(&gaussian_logits(distances, labels), temperature)
}

/// `−distance / 2` for each label with a Gaussian, minus infinity for the others.
fn gaussian_logits(distances: &[(usize, f32)], labels: usize) -> Vec<f32> {
    let mut logits = vec![f32::NEG_INFINITY; labels];
    for &(label, distance) in distances {
        logits[label] = -distance / 2.0;
    }
    logits
}

/// The temperature of [`gaussian_vote`] that minimises the negative log-likelihood of the
/// held-out in-scope queries whose intent has a Gaussian.
fn fit_gaussian_temperature(distances: &[Vec<(usize, f32)>], labels: &[usize], classes: usize) -> f32 {
    let (logits, kept): (Vec<Vec<f32>>, Vec<usize>) = distances
        .iter()
        .zip(labels)
        .filter(|(distances, label)| distances.iter().any(|(l, _)| l == *label))
        .map(|(distances, &label)| (gaussian_logits(distances, classes), label))
        .unzip();
    // Distances add up over hundreds of dimensions: the temperature may be far from 1.
    likeliest_temperature(&logits, &kept, (0..=160).map(|k| 0.01 * 1.1f32.powi(k)))
}

/// The temperature that minimises the negative log-likelihood of the held-out labels.
fn fit_temperature(logits: &[Vec<f32>], labels: &[usize]) -> f32 {
    likeliest_temperature(logits, labels, (0..=60).map(|k| 0.25 * 1.06f32.powi(k)))
}

/// Of the temperatures in `grid`, the one that minimises the negative log-likelihood of
/// `labels` under the softmax of `logits`.
fn likeliest_temperature(logits: &[Vec<f32>], labels: &[usize], grid: impl Iterator<Item = f32>) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let nll = |t: f32| -> f32 {
        logits
            .iter()
            .zip(labels)
            .map(|(l, &y)| -softmax(l, t)[y].max(1e-12).ln())
            .sum()
    };
    grid.min_by(|&a, &b| nll(a).total_cmp(&nll(b))).unwrap_or(1.0)
}

/// Picks the blend of confidence and similarity and the threshold on held-out data.
///
/// The threshold is set so that `in_scope_rejection` of the held-out in-scope queries
/// fall below it: a fixed false-alarm rate, which does not move with how many strangers
/// the held-out set happens to hold. When out-of-scope examples are there too, the blend
/// is the one that catches most of them at that rate; otherwise it is an even blend.
fn tune_gate(
    probabilities: &[Vec<f32>],
    labels: &[usize],
    similarities: &[f32],
    oos_label: Option<usize>,
    in_scope_rejection: f32,
) -> OosGate {
    let mut in_scope = Vec::new();
    let mut strangers = Vec::new();
    for ((p, &label), &similarity) in probabilities.iter().zip(labels).zip(similarities) {
        let confidence = in_scope_confidence(p, oos_label);
        let caught_by_class = oos_label.is_some_and(|oos| argmax(p) == oos);
        if Some(label) == oos_label {
            strangers.push((confidence, similarity, caught_by_class));
        } else {
            in_scope.push((confidence, similarity));
        }
    }
    let gate_at = |confidence_weight: f32| {
        let gate = OosGate {
            confidence_weight,
            threshold: 0.0,
        };
        let mut scores: Vec<f32> = in_scope.iter().map(|&(c, s)| gate.score(c, s)).collect();
        scores.sort_by(f32::total_cmp);
        let cut = (scores.len() as f32 * in_scope_rejection).floor() as usize;
        OosGate {
            threshold: scores.get(cut).copied().unwrap_or(0.0),
            ..gate
        }
    };
    if strangers.is_empty() {
        return gate_at(0.5);
    }
    let caught = |gate: &OosGate| {
        strangers
            .iter()
            .filter(|&&(c, s, by_class)| by_class || gate.score(c, s) < gate.threshold)
            .count()
    };
    (0..=10)
        .map(|step| gate_at(step as f32 / 10.0))
        .max_by_key(caught)
        .expect("the range is not empty")
}

/// One held-out query as the typicality check's cut is tuned on it.
struct HeldOut {
    /// Out of scope: a built-in stranger, or a validation set's `oos` query.
    stranger: bool,
    /// Turned away already, by the `oos` class or the gate.
    rejected: bool,
    typicality: f32,
}

/// The typicality below which queries are turned away. False alarms are spent only where
/// they buy strangers: of the cuts that turn away at most `share` of the held-out in-scope
/// queries the rest of the model lets through, the one that most raises the share of
/// held-out strangers caught over the share of in-scope queries turned away; none (no
/// cut) when no cut raises it. Where the classifier already tells the built-in strangers
/// from the intents (BANKING77's banking questions), the check stays off; where it
/// cannot (CLINC150's everyday intents, with 10 examples each), it catches strangers.
fn tune_typicality(held: &[HeldOut], share: f32) -> f32 {
    let strangers = held.iter().filter(|h| h.stranger).count();
    let in_scope = held.len() - strangers;
    if strangers == 0 || in_scope == 0 || share <= 0.0 {
        return f32::NEG_INFINITY;
    }
    let mut open: Vec<&HeldOut> = held.iter().filter(|h| !h.rejected).collect();
    open.sort_by(|a, b| a.typicality.total_cmp(&b.typicality));
    let budget = (in_scope as f32 * share).floor() as usize;
    let (mut turned_away, mut caught) = (0, 0);
    let mut best = (0.0, f32::NEG_INFINITY);
    for query in open {
        // The cut at this query's typicality turns away every query below it.
        let gain = caught as f32 / strangers as f32 - turned_away as f32 / in_scope as f32;
        if gain > best.0 {
            best = (gain, query.typicality);
        }
        if query.stranger {
            caught += 1;
        } else if turned_away == budget {
            break;
        } else {
            turned_away += 1;
        }
    }
    best.1
}

/// The probability of the most likely in-scope intent.
fn in_scope_confidence(probabilities: &[f32], oos_label: Option<usize>) -> f32 {
    probabilities
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != oos_label)
        .map(|(_, &x)| x)
        .fold(0.0, f32::max)
}

fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(stranger: bool, rejected: bool, typicality: f32) -> HeldOut {
        HeldOut {
            stranger,
            rejected,
            typicality,
        }
    }

    #[test]
    fn the_typicality_cut_is_spent_only_where_it_buys_strangers() {
        // 100 in-scope queries typical from 1.0 up; strangers below them are caught...
        let mut queries: Vec<HeldOut> = (0..100)
            .map(|i| held(false, false, 1.0 + i as f32))
            .collect();
        queries.extend((0..10).map(|i| held(true, false, -(i as f32))));
        let cut = tune_typicality(&queries, 0.02);
        assert!(cut > 0.0 && cut <= 1.0, "{cut}");
        // ...but not when the rest of the model caught them already.
        for query in queries.iter_mut().filter(|q| q.stranger) {
            query.rejected = true;
        }
        assert_eq!(tune_typicality(&queries, 0.02), f32::NEG_INFINITY);
    }

    #[test]
    fn the_typicality_cut_turns_away_no_more_than_its_share() {
        // Strangers hide among the least typical in-scope queries: catching them all
        // would turn away 10 in-scope queries, the share allows 2.
        let mut queries: Vec<HeldOut> = (0..100).map(|i| held(false, false, i as f32)).collect();
        queries.extend((0..10).map(|i| held(true, false, 9.5 - i as f32)));
        let cut = tune_typicality(&queries, 0.02);
        let turned_away = queries
            .iter()
            .filter(|q| !q.stranger && q.typicality < cut)
            .count();
        let caught = queries
            .iter()
            .filter(|q| q.stranger && q.typicality < cut)
            .count();
        assert!(turned_away <= 2, "{turned_away}");
        assert!(caught > 0);
        assert_eq!(tune_typicality(&queries, 0.0), f32::NEG_INFINITY);
    }

    #[test]
    fn cross_fitting_holds_out_every_row_once_but_a_label_s_only_one() {
        // Label 0 has ten rows, label 1 three, label 2 one.
        let labels: Vec<usize> = [vec![0; 10], vec![1; 3], vec![2]].concat();
        let splits = cross_fit_splits(&labels, 10, 7);
        let mut held_times = vec![0; labels.len()];
        for (fit, held) in &splits {
            assert!(!held.is_empty());
            assert_eq!(fit.len() + held.len(), labels.len());
            assert!(held.iter().all(|row| !fit.contains(row)));
            held.iter().for_each(|&row| held_times[row] += 1);
            // Every fold still fits on every label.
            for label in 0..3 {
                assert!(fit.iter().any(|&row| labels[row] == label), "{fit:?}");
            }
        }
        assert_eq!(&held_times[..13], &[1; 13]);
        assert_eq!(held_times[13], 0, "the only row of label 2 is never held out");
        assert_eq!(cross_fit_splits(&labels, 10, 7), splits, "the same seed, the same folds");
    }

    #[test]
    fn the_gaussian_vote_favours_the_nearer_intent_and_leaves_oos_out() {
        // Labels 0 and 2 have Gaussians; 1 (say `oos`) has none.
        let vote = gaussian_vote(&[(0, 10.0), (2, 14.0)], 3, 1.0);
        assert!(vote[0] > vote[2], "{vote:?}");
        assert_eq!(vote[1], 0.0);
        assert!((vote.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        // exp(−10/2) / (exp(−10/2) + exp(−14/2)) at temperature 1; flatter when hotter.
        assert!((vote[0] - 1.0 / (1.0 + (-2.0f32).exp())).abs() < 1e-6, "{vote:?}");
        assert!(gaussian_vote(&[(0, 10.0), (2, 14.0)], 3, 4.0)[0] < vote[0]);
    }

    #[test]
    fn centring_takes_the_mean_off_and_keeps_unit_length() {
        let rows = vec![vec![0.8, 0.6], vec![0.6, 0.8]];
        let centre = mean(&rows, 2);
        assert!(centre.iter().all(|c| (c - 0.7).abs() < 1e-6), "{centre:?}");
        let first = centred(&rows[0], &centre);
        assert!((first[0] - 0.5f32.sqrt()).abs() < 1e-6 && (first[1] + 0.5f32.sqrt()).abs() < 1e-6);
        assert_eq!(centred(&centre, &centre), vec![0.0, 0.0], "the mean itself: no NaN");
    }
}
