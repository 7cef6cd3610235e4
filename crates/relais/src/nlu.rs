//! `relais nlu …`: train, predict with and evaluate intent models.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use relais_encoder::{EmbeddingCache, Encoder};
use relais_nlu::{IntentModel, TrainOptions, load_jsonl, load_training_data};

use crate::config::Settings;
use crate::progress::StageBars;

#[derive(Subcommand)]
pub enum NluCommand {
    /// Train an intent model from intent files (YAML, Rasa nlu.yml) or JSONL.
    Train {
        /// A file, or a folder whose .yml/.yaml/.jsonl files are all read.
        #[arg(long)]
        data: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Labelled examples to calibrate on (and then learn from).
        #[arg(long)]
        valid: Option<PathBuf>,
    },
    /// Print the most likely intents of a text.
    Predict {
        #[arg(long)]
        model: PathBuf,
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Train on one set, score another, print the figures.
    Eval {
        #[arg(long)]
        train: PathBuf,
        #[arg(long)]
        test: PathBuf,
        #[arg(long)]
        valid: Option<PathBuf>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Reuse embeddings kept in this folder (for tuning; train_seconds then
        /// leaves out the embeddings found there).
        #[arg(long)]
        embedding_cache: Option<PathBuf>,
    },
}

pub fn run(command: NluCommand, settings: &Settings) -> anyhow::Result<()> {
    let encoder = load_encoder(&settings.nlu.model_dir)?;
    match command {
        NluCommand::Train { data, out, valid } => {
            let model = train_or_reuse(
                &encoder,
                &data,
                valid.as_deref(),
                &out,
                &settings.nlu.training,
            )?;
            eprintln!(
                "{} intents, threshold {:.3}; saved to {}",
                model.intents().count(),
                model.threshold(),
                out.display()
            );
            Ok(())
        }
        NluCommand::Predict { model, text, json } => {
            let model = IntentModel::load(&model)?;
            let prediction = model.predict(&encoder, &text)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&prediction)?);
            } else {
                println!(
                    "{}{}",
                    prediction.intent,
                    if prediction.ambiguous {
                        " (ambiguous)"
                    } else {
                        ""
                    }
                );
                for score in &prediction.ranking {
                    println!("  {:<28} {:.3}", score.intent, score.probability);
                }
                println!(
                    "  in-scope score {:.3} (threshold {:.3}), nearest example {:.3}",
                    prediction.in_scope_score,
                    model.threshold(),
                    prediction.nearest_similarity
                );
            }
            Ok(())
        }
        NluCommand::Eval {
            train,
            test,
            valid,
            json,
            embedding_cache,
        } => {
            let train = load_jsonl(&train)?;
            let test = load_jsonl(&test)?;
            let valid = valid.map(|path| load_jsonl(&path)).transpose()?;
            let mut bars = StageBars::default();
            let mut cache = embedding_cache.map(|dir| EmbeddingCache::open(&dir, &encoder));
            let options = &settings.nlu.training;
            let evaluation = relais_nlu::evaluate(
                &encoder,
                cache.as_mut(),
                &train,
                valid.as_deref(),
                &test,
                options,
                |p| bars.training(p),
            )?;
            bars.finish();
            if let Some(cache) = cache.as_mut() {
                cache.save()?;
            }
            crate::output::print_figures(&evaluation, json)
        }
    }
}

/// Loads the sentence encoder named in the configuration.
pub fn load_encoder(dir: &Path) -> anyhow::Result<Encoder> {
    Encoder::load(dir).context("loading the sentence encoder")
}

/// Trains a model on `data` unless `out` already holds one trained on the same data.
pub fn train_or_reuse(
    encoder: &Encoder,
    data: &Path,
    valid: Option<&Path>,
    out: &Path,
    options: &TrainOptions,
) -> anyhow::Result<IntentModel> {
    let training = load_training_data(data)?;
    for warning in &training.warnings {
        eprintln!("warning: {warning}");
    }
    let valid = valid
        .map(load_training_data)
        .transpose()?
        .map(|v| v.examples);
    let hash = IntentModel::data_hash(encoder, &training.examples, valid.as_deref(), options);
    if out.exists() {
        match IntentModel::load(out) {
            Ok(model) if model.trained_on() == hash => {
                eprintln!("{} is up to date with {}", out.display(), data.display());
                return Ok(model);
            }
            Ok(_) => {}
            Err(error) => eprintln!("retraining: {error}"),
        }
    }
    let counts = training.intent_counts();
    if counts.is_empty() {
        bail!("no examples in {}", data.display());
    }
    eprintln!(
        "training on {} examples of {} intents from {}",
        training.examples.len(),
        counts.len(),
        data.display()
    );
    let mut bars = StageBars::default();
    let model = IntentModel::train(
        encoder,
        None,
        &training.examples,
        valid.as_deref(),
        options,
        |p| bars.training(p),
    )?;
    bars.finish();
    model.save(out)?;
    Ok(model)
}
