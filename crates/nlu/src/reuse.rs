//! Train or reuse: an intent model saved before is used as it is when it was trained on
//! the same examples, with the same settings and encoder; otherwise it is trained again
//! and saved in its place. Callers hear what happens through [`Preparing`] reports.

use std::path::Path;

use relais_encoder::Encoder;

use crate::{IntentModel, NluError, TrainOptions, TrainProgress, load_training_data};

/// What [`IntentModel::train_or_reuse`] reports as it goes.
#[derive(Debug)]
pub enum Preparing<'a> {
    /// Something in the training data that did not stop loading (a duplicate, an
    /// intent with one example…).
    Warning(&'a str),
    /// `out` holds a model trained on the same data: it is used as it is.
    UpToDate { out: &'a Path, data: &'a Path },
    /// `out` holds no model this build can read; it is trained again.
    Unreadable(&'a NluError),
    /// Training starts.
    Training {
        examples: usize,
        intents: usize,
        data: &'a Path,
    },
    /// How training goes.
    Train(TrainProgress),
    /// Training is done, and these intents claimed built-in strangers as their own
    /// ([`IntentModel::claimed_strangers`]), of `of`.
    StrangersClaimed { claimed: &'a [(String, usize)], of: usize },
}

/// [`Preparing::StrangersClaimed`] in words, e.g. "weather claimed 31 of the 400
/// built-in out-of-scope examples as its own, trivia 2: they no longer teach the
/// model what is out of scope".
pub fn describe_claims(claimed: &[(String, usize)], of: usize) -> String {
    let Some(((intent, n), rest)) = claimed.split_first() else {
        return format!("no intent claimed any of the {of} built-in out-of-scope examples");
    };
    let rest: String = rest.iter().map(|(intent, n)| format!(", {intent} {n}")).collect();
    format!(
        "{intent} claimed {n} of the {of} built-in out-of-scope examples as its own{rest}: they no longer teach the model what is out of scope"
    )
}

impl IntentModel {
    /// Trains a model on `data` (a file or a folder of intent files), calibrated on
    /// `valid` when given, and saves it in `out` — unless `out` already holds one
    /// trained on the same data, which is then loaded instead.
    pub fn train_or_reuse(
        encoder: &Encoder,
        data: &Path,
        valid: Option<&Path>,
        out: &Path,
        options: &TrainOptions,
        mut report: impl FnMut(Preparing<'_>),
    ) -> Result<IntentModel, NluError> {
        let training = load_training_data(data)?;
        for warning in &training.warnings {
            report(Preparing::Warning(warning));
        }
        let valid = valid
            .map(load_training_data)
            .transpose()?
            .map(|v| v.examples);
        let hash = IntentModel::data_hash(encoder, &training.examples, valid.as_deref(), options);
        if out.exists() {
            match IntentModel::load(out) {
                Ok(model) if model.trained_on() == hash => {
                    report(Preparing::UpToDate { out, data });
                    return Ok(model);
                }
                Ok(_) => {}
                Err(error) => report(Preparing::Unreadable(&error)),
            }
        }
        let intents = training.intent_counts().len();
        if intents == 0 {
            return Err(NluError::NoData(data.to_path_buf()));
        }
        report(Preparing::Training {
            examples: training.examples.len(),
            intents,
            data,
        });
        let model = IntentModel::train(
            encoder,
            None,
            &training.examples,
            valid.as_deref(),
            options,
            |p| report(Preparing::Train(p)),
        )?;
        if !model.claimed_strangers().is_empty() {
            report(Preparing::StrangersClaimed {
                claimed: model.claimed_strangers(),
                of: crate::background::strangers().count(),
            });
        }
        model.save(out)?;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_told_the_most_first() {
        let claimed = [("weather".to_string(), 31), ("trivia".to_string(), 2)];
        assert_eq!(
            describe_claims(&claimed, 400),
            "weather claimed 31 of the 400 built-in out-of-scope examples as its own, trivia 2: they no longer teach the model what is out of scope"
        );
        assert_eq!(
            describe_claims(&[], 400),
            "no intent claimed any of the 400 built-in out-of-scope examples"
        );
    }
}
