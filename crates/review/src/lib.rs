//! The export of the review labels: the turns reviewers labelled (docs/review.md) become
//! training examples, one file per language, `intents/<lang>/reviewed.yml`, which `relais
//! nlu train` and a server's reload read with the intent files. `relais review export` and
//! the console's Apply (`POST /v1/advisor/apply`) both call [`export`].
//!
//! The key decision: the file is derived data, written whole from every label each time
//! (relais_nlu::reviewed), so a changed label changes the example and nothing is
//! appended twice; a language whose labels no longer give an example has its file
//! emptied. Every label left out is reported with why — conflicting labels, a message
//! already an example of another intent, an intent the language lacks, no intent folder
//! — never silently dropped. Every file is written beside its place first and renamed
//! into it once all are written, so a training that reads the folder meanwhile sees the old
//! file or the new one, never half of one, and a failure leaves every file as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use relais_nlu::reviewed::{self, Labelled, REVIEWED_FILE};
use relais_nlu::{Example, NluError, OOS};
use relais_store::ReviewTurn;
use serde::Serialize;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Read(#[from] NluError),
    #[error("cannot write {path}: {source}; check that the intent folder is writable")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Turns with a label.
    pub labelled_turns: usize,
    /// Per language, by name.
    pub languages: Vec<Language>,
    /// Labels `needs_article`: knowledge gaps, not examples.
    pub needs_article: usize,
    /// Labelled turns of no known language: left out.
    pub without_language: usize,
}

/// What an export did for one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Language {
    pub lang: String,
    /// The file written; `None` when the language has no intent folder (its labels left
    /// out).
    pub path: Option<PathBuf>,
    /// The labels of this language that name an intent (or `oos`).
    pub labels: usize,
    /// Examples written.
    pub examples: usize,
    /// Labelled messages already examples of the same intent in the intent files.
    pub already_examples: usize,
    /// Messages left out, each with why.
    pub left_out: Vec<String>,
}

/// Writes the examples of `labelled` (turns with their latest label, as
/// `Store::labelled_turns` gives them) into the language folders of `intents_dir`.
pub fn export(labelled: &[(ReviewTurn, String)], intents_dir: &Path) -> Result<Report, ExportError> {
    let mut report = Report {
        labelled_turns: labelled.len(),
        ..Report::default()
    };
    let mut by_lang: BTreeMap<String, Vec<Labelled>> = BTreeMap::new();
    for (turn, label) in labelled {
        match (example_intent(turn, label), &turn.lang) {
            (None, _) => report.needs_article += usize::from(label == "needs_article"),
            (Some(_), None) => report.without_language += 1,
            (Some(intent), Some(lang)) => by_lang.entry(lang.clone()).or_default().push(Labelled {
                text: turn.text.clone(),
                intent,
            }),
        }
    }
    // A language whose labels no longer give examples still has its file rewritten: empty.
    for folder in std::fs::read_dir(intents_dir).into_iter().flatten().flatten() {
        if folder.path().join(REVIEWED_FILE).is_file() {
            by_lang.entry(folder.file_name().to_string_lossy().into_owned()).or_default();
        }
    }
    let mut written = Vec::new();
    for (lang, labels) in by_lang {
        let folder = intents_dir.join(&lang);
        if !folder.is_dir() {
            report.languages.push(Language {
                left_out: vec![format!("no intent folder {}", folder.display())],
                lang,
                path: None,
                labels: labels.len(),
                examples: 0,
                already_examples: 0,
            });
            continue;
        }
        let out = reviewed::export(&labels, &other_examples(&folder)?);
        let path = folder.join(REVIEWED_FILE);
        let next = folder.join(format!(".{REVIEWED_FILE}.next"));
        if let Err(source) = std::fs::write(&next, reviewed::file_text(&out.examples)) {
            let _ = std::fs::remove_file(&next);
            for (next, _) in &written {
                let _ = std::fs::remove_file(next);
            }
            return Err(ExportError::Write { path: next, source });
        }
        written.push((next, path.clone()));
        report.languages.push(Language {
            lang,
            path: Some(path),
            labels: labels.len(),
            examples: out.examples.len(),
            already_examples: out.already_examples,
            left_out: out.left_out,
        });
    }
    for (next, path) in written {
        std::fs::rename(&next, &path).map_err(|source| ExportError::Write { path, source })?;
    }
    Ok(report)
}

/// The intent a labelled turn is an example of: the label's intent, `oos`, or for
/// `confirm` what the classifier said (out of scope included); none for `needs_article`
/// and for a confirmed ambiguous turn (no one intent was confirmed).
fn example_intent(turn: &ReviewTurn, label: &str) -> Option<String> {
    let prediction = &turn.prediction;
    match label {
        "needs_article" => None,
        "confirm" if prediction.oos => Some(OOS.to_owned()),
        "confirm" if prediction.ambiguous => None,
        "confirm" => Some(prediction.intent.clone()),
        intent => Some(intent.to_owned()),
    }
}

/// The examples of a language folder's files but the reviewed one.
fn other_examples(folder: &Path) -> Result<Vec<Example>, NluError> {
    let io = |source| NluError::Io {
        path: folder.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.file_name().is_some_and(|name| name != REVIEWED_FILE))
        .filter(|path| matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    files.sort();
    let mut examples = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| NluError::Io {
            path: file.clone(),
            source,
        })?;
        examples.extend(relais_nlu::parse_yaml(&text, &file)?);
    }
    Ok(examples)
}
