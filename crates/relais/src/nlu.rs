//! `relais nlu …`: train, predict with and evaluate intent models.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use relais_assistant::{NluConfig, load_encoder};
use relais_dialogue::detect_language;
use relais_encoder::{EmbeddingCache, Encoder};
use relais_nlu::{Example, IntentModel, load_jsonl, load_training_data};

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
        #[command(flatten)]
        lang: Lang,
    },
    /// Print the most likely intents of a text.
    Predict {
        #[arg(long)]
        model: PathBuf,
        text: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: Lang,
    },
    /// Train on one set, score another, print the figures.
    Eval {
        #[arg(long)]
        train: PathBuf,
        #[arg(long)]
        test: PathBuf,
        #[arg(long)]
        valid: Option<PathBuf>,
        /// Train on K examples of each intent drawn from --train (out-of-scope examples left
        /// out, as in the published few-shot splits) instead of all of them.
        #[arg(long, value_name = "K")]
        few_shot: Option<usize>,
        /// The seed of the --few-shot draw: the same seed, the same sample.
        #[arg(long, default_value_t = 1, requires = "few_shot")]
        seed: u64,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Reuse embeddings kept in this folder (for tuning; train_seconds then
        /// leaves out the embeddings found there).
        #[arg(long)]
        embedding_cache: Option<PathBuf>,
        #[command(flatten)]
        lang: Lang,
    },
}

/// Which encoder the intents are embedded with.
#[derive(clap::Args)]
pub struct Lang {
    /// The intents' language: embedded by the encoder `[nlu.language_models]` gives it,
    /// as `relais serve` does, else by `[nlu] model_dir`. Unset: the language most
    /// training examples are written in (English or French); for predict, the encoder the
    /// model was trained with. A region's tag is its language: fr-CA is fr.
    #[arg(long, value_parser = crate::lang::language)]
    lang: Option<String>,
}

impl Lang {
    /// The encoder for intents read from `data`: `--lang`'s; else, as `relais serve`
    /// does, that of the language a folder like `intents/fr` is named after; else that of
    /// the language the examples are written in (`detect`, called only then).
    fn encoder_for(
        &self,
        nlu: &NluConfig,
        data: &Path,
        detect: impl FnOnce() -> anyhow::Result<Option<&'static str>>,
    ) -> anyhow::Result<Encoder> {
        let lang = match &self.lang {
            Some(lang) => Some(lang.as_str()),
            None => {
                let named = data
                    .is_dir()
                    .then(|| data.file_name()?.to_str())
                    .flatten()
                    .filter(|name| nlu.language_models.contains_key(*name));
                let lang = match named {
                    Some(name) => Some(name),
                    None => detect()?,
                };
                if let Some(lang) = lang.filter(|lang| nlu.language_models.contains_key(*lang)) {
                    eprintln!(
                        "the examples are in {lang}: embedded by {}, as `relais serve` does ([nlu.language_models] {lang}); --lang chooses another",
                        nlu.encoder_dir(Some(lang)).display()
                    );
                }
                lang
            }
        };
        Ok(load_encoder(nlu.encoder_dir(lang))?)
    }

    /// The encoder for the model saved at `path`: `--lang`'s, else the one of
    /// `[nlu] model_dir` and `[nlu.language_models]` it was trained with.
    fn encoder_of(
        &self,
        nlu: &NluConfig,
        path: &Path,
        model: &IntentModel,
    ) -> anyhow::Result<Encoder> {
        if let Some(lang) = &self.lang {
            return Ok(load_encoder(nlu.encoder_dir(Some(lang)))?);
        }
        let mut dirs = vec![&nlu.model_dir];
        for dir in nlu.language_models.values() {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        let mut unloaded = String::new();
        for dir in dirs {
            match load_encoder(dir) {
                Ok(encoder) if model.trained_with(&encoder) => return Ok(encoder),
                Ok(_) => {}
                // model_dir must load; another folder that cannot is only not the one.
                Err(error) if *dir == nlu.model_dir => return Err(error.into()),
                Err(error) => unloaded += &format!(" ({} did not load: {error:#})", dir.display()),
            }
        }
        anyhow::bail!(
            "{} was trained with none of the encoders relais.toml names ([nlu] model_dir, [nlu.language_models]){unloaded}: retrain it with `relais nlu train`",
            path.display()
        )
    }
}

/// The language most texts are written in, English or French by [`detect_language`];
/// `None` when as many are in each.
fn written_in(examples: &[Example]) -> Option<&'static str> {
    let (mut en, mut fr) = (0usize, 0usize);
    for example in examples {
        match detect_language(&example.text) {
            Some("en") => en += 1,
            Some("fr") => fr += 1,
            _ => {}
        }
    }
    match en.cmp(&fr) {
        std::cmp::Ordering::Greater => Some("en"),
        std::cmp::Ordering::Less => Some("fr"),
        std::cmp::Ordering::Equal => None,
    }
}

pub fn run(command: NluCommand, settings: &Settings) -> anyhow::Result<()> {
    let nlu = &settings.assistant.nlu;
    match command {
        NluCommand::Train {
            data,
            out,
            valid,
            lang,
        } => {
            let encoder = lang.encoder_for(nlu, &data, || {
                Ok(written_in(&load_training_data(&data)?.examples))
            })?;
            let mut bars = StageBars::default();
            let model = IntentModel::train_or_reuse(
                &encoder,
                &data,
                valid.as_deref(),
                &out,
                &nlu.training,
                |event| bars.preparing(event),
            );
            bars.finish();
            let model = model?;
            eprintln!(
                "{} intents, threshold {:.3}; saved to {}",
                model.intents().count(),
                model.threshold(),
                out.display()
            );
            Ok(())
        }
        NluCommand::Predict {
            model,
            text,
            json,
            lang,
        } => {
            let path = model;
            let model = IntentModel::load(&path)?;
            let encoder = lang.encoder_of(nlu, &path, &model)?;
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
                    println!("  {:<28} {:.3}", score.intent, score.confidence);
                }
                println!(
                    "  in-scope score {:.3} (threshold {:.3}), nearest example {:.3}",
                    prediction.in_scope_score,
                    model.threshold(),
                    prediction.nearest_similarity
                );
                match model.typicality_cut() {
                    Some(cut) => {
                        println!("  typicality {:.3} (cut {cut:.3})", prediction.typicality)
                    }
                    None => println!("  typicality {:.3} (no cut)", prediction.typicality),
                }
            }
            Ok(())
        }
        NluCommand::Eval {
            train,
            test,
            valid,
            few_shot,
            seed,
            json,
            embedding_cache,
            lang,
        } => {
            let examples = load_jsonl(&train)?;
            let encoder = lang.encoder_for(nlu, &train, || Ok(written_in(&examples)))?;
            let train = match few_shot {
                Some(0) => anyhow::bail!(
                    "--few-shot 0 leaves nothing to train on: give 1 or more examples per intent"
                ),
                Some(k) => relais_nlu::few_shot(&examples, k, seed),
                None => examples,
            };
            let test = load_jsonl(&test)?;
            let valid = valid.map(|path| load_jsonl(&path)).transpose()?;
            let mut bars = StageBars::default();
            let mut cache = embedding_cache.map(|dir| EmbeddingCache::open(&dir, &encoder));
            let options = &nlu.training;
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
            if json {
                crate::output::print_figures(&evaluation, true)
            } else {
                print!("{}", table(&evaluation));
                Ok(())
            }
        }
    }
}

/// An evaluation for people: the figures, then the most confused intent pairs.
fn table(e: &relais_nlu::Evaluation) -> String {
    let share = |rate: f64| format!("{:.1} %", rate * 100.0);
    let optional = |rate: Option<f64>| rate.map_or("-".to_owned(), share);
    let mut out = String::new();
    let rows = [
        ("accuracy", format!("{:.3}", e.accuracy)),
        ("macro F1", format!("{:.3}", e.macro_f1)),
        ("in-scope accuracy", format!("{:.3}", e.in_scope_accuracy)),
        ("in scope turned away as oos", share(e.turned_away_rate)),
        ("oos precision", optional(e.oos_precision)),
        ("oos recall", optional(e.oos_recall)),
        ("calibration error", format!("{:.3}", e.calibration_error)),
        ("oos threshold", format!("{:.3}", e.threshold)),
        (
            "examples",
            format!("{} trained, {} tested", e.n_train, e.n_test),
        ),
        ("training", format!("{:.1} s", e.train_seconds)),
        (
            "prediction",
            format!(
                "{:.1} ms p50, {:.1} ms p99",
                e.predict_p50_ms, e.predict_p99_ms
            ),
        ),
    ];
    for (name, value) in rows {
        out += &format!("{name:<28} {value}\n");
    }
    if !e.confused.is_empty() {
        out += "\nmost confused (right intent → predicted, in-scope queries)\n";
        for c in &e.confused {
            out += &format!("{:>5}  {} → {}\n", c.count, c.intent, c.predicted);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(texts: &[&str]) -> Vec<Example> {
        texts
            .iter()
            .map(|text| Example {
                text: (*text).into(),
                intent: "x".into(),
            })
            .collect()
    }

    #[test]
    fn the_language_most_examples_are_written_in_wins_and_a_tie_is_none() {
        let french = "où est ma commande";
        let english = "where is my order";
        assert_eq!(
            written_in(&examples(&[french, french, english])),
            Some("fr")
        );
        assert_eq!(
            written_in(&examples(&[english, "BW-123", french, english])),
            Some("en")
        );
        assert_eq!(written_in(&examples(&[english, french])), None);
        assert_eq!(written_in(&examples(&["BW-123"])), None);
    }
}
