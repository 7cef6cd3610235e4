//! Training data: Relais intent files (`intents/<lang>/*.yml`, the reviewed examples'
//! `reviewed.yml` among them), Rasa `nlu.yml` files (imported as they are) and JSONL
//! lines `{"text", "intent"}`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::NluError;

/// One labelled utterance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Example {
    pub text: String,
    pub intent: String,
}

/// Examples gathered from one or more files, with what looked wrong in them.
#[derive(Debug, Default, Clone)]
pub struct TrainingData {
    pub examples: Vec<Example>,
    /// Problems that did not stop loading: duplicates, intents with one example…
    pub warnings: Vec<String>,
}

impl TrainingData {
    /// Intent names, sorted, with their number of examples.
    pub fn intent_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for example in &self.examples {
            *counts.entry(example.intent.as_str()).or_insert(0) += 1;
        }
        counts
    }
}

/// A Relais intent file. Keys other than these (responses, slots…) belong to the
/// dialogue manager and are ignored here.
#[derive(Deserialize)]
struct IntentFile {
    intents: Vec<IntentEntry>,
}

#[derive(Deserialize)]
struct IntentEntry {
    name: String,
    #[serde(default)]
    examples: Vec<String>,
}

/// A file of reviewed examples: `examples: [{text, intent}]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewedFile {
    examples: Vec<Example>,
}

/// A Rasa NLU file: `nlu: [{intent, examples: "- a\n- b"}]`.
#[derive(Deserialize)]
struct RasaFile {
    nlu: Vec<RasaEntry>,
}

#[derive(Deserialize)]
struct RasaEntry {
    intent: Option<String>,
    examples: Option<String>,
}

/// Loads a file, or every `.yml`, `.yaml` and `.jsonl` file below a folder (sorted by
/// path, so that training is repeatable), then checks the examples as a whole.
pub fn load_training_data(path: &Path) -> Result<TrainingData, NluError> {
    let files = if path.is_dir() {
        data_files(path)?
    } else {
        vec![path.to_path_buf()]
    };
    let mut raw = Vec::new();
    for file in &files {
        raw.extend(load_file(file)?);
    }
    if raw.is_empty() {
        return Err(NluError::NoData(path.to_path_buf()));
    }
    Ok(check(raw))
}

/// Loads a JSONL file of `{"text", "intent"}` objects, one per line.
pub fn load_jsonl(path: &Path) -> Result<Vec<Example>, NluError> {
    parse_jsonl(&read_text(path)?, path)
}

/// Parses JSONL text of `{"text", "intent"}` objects; errors name `source` and the line.
pub fn parse_jsonl(text: &str, source: &Path) -> Result<Vec<Example>, NluError> {
    let mut examples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let example: Example = serde_json::from_str(line)
            .map_err(|error| NluError::data(source, format!("line {}: {error}", number + 1)))?;
        examples.push(example);
    }
    Ok(examples)
}

fn data_files(dir: &Path) -> Result<Vec<PathBuf>, NluError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| NluError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| NluError::Io {
                    path: dir.clone(),
                    source,
                })?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(extension(&path), "yml" | "yaml" | "jsonl") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

fn load_file(path: &Path) -> Result<Vec<Example>, NluError> {
    match extension(path) {
        "jsonl" => load_jsonl(path),
        "yml" | "yaml" => load_yaml(path),
        _ => Err(NluError::data(
            path,
            "unknown kind of file: intents are read from .yml, .yaml (Relais or Rasa NLU) and .jsonl files",
        )),
    }
}

fn load_yaml(path: &Path) -> Result<Vec<Example>, NluError> {
    parse_yaml(&read_text(path)?, path)
}

/// Parses the text of a YAML intent file, Relais (`intents:`), reviewed examples
/// (`examples:` of `{text, intent}`, [`crate::reviewed`]) or Rasa (`nlu:`); errors name
/// `path` and, for YAML errors, the line.
pub fn parse_yaml(text: &str, path: &Path) -> Result<Vec<Example>, NluError> {
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|source| NluError::data(path, source.to_string()))?;
    if value.get("examples").is_some() {
        let file: ReviewedFile = serde_yaml_ng::from_str(text)
            .map_err(|source| NluError::data(path, source.to_string()))?;
        return Ok(file.examples);
    }
    let is_rasa = value.get("nlu").is_some();
    if !is_rasa && value.get("intents").is_none() {
        return Err(NluError::data(
            path,
            "expected a top-level `intents:` list (Relais), `examples:` list (reviewed) or `nlu:` list (Rasa)",
        ));
    }
    // Parse the text again (not the value) so that errors keep their line numbers.
    let examples = if is_rasa {
        let file: RasaFile = serde_yaml_ng::from_str(text)
            .map_err(|source| NluError::data(path, source.to_string()))?;
        file.nlu
            .into_iter()
            .filter_map(|entry| Some((entry.intent?, entry.examples.unwrap_or_default())))
            .flat_map(|(intent, block)| {
                block
                    .lines()
                    .filter_map(|line| line.trim().strip_prefix("- ").map(strip_rasa_entities))
                    .map(|text| Example {
                        text,
                        intent: intent.clone(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    } else {
        let file: IntentFile = serde_yaml_ng::from_str(text)
            .map_err(|source| NluError::data(path, source.to_string()))?;
        file.intents
            .into_iter()
            .flat_map(|entry| {
                let intent = entry.name;
                entry.examples.into_iter().map(move |text| Example {
                    text,
                    intent: intent.clone(),
                })
            })
            .collect()
    };
    Ok(examples)
}

/// Rasa marks entities inline: `[Paris](city)` or `[Paris]{"entity": "city"}`; keep the words.
fn strip_rasa_entities(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|i| open + i) else {
            break;
        };
        let after = &rest[close + 1..];
        let annotation_end = match after.chars().next() {
            Some('(') => after.find(')'),
            Some('{') => after.find('}'),
            _ => None,
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = match annotation_end {
            Some(end) => &after[end + 1..],
            None => after,
        };
    }
    out.push_str(rest);
    out
}

fn read_text(path: &Path) -> Result<String, NluError> {
    let bytes = std::fs::read(path).map_err(|source| NluError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        NluError::data(
            path,
            format!("line {line}: not valid UTF-8; save the file as UTF-8"),
        )
    })
}

/// Drops empty and repeated examples and warns about what a person should look at.
fn check(raw: Vec<Example>) -> TrainingData {
    let mut data = TrainingData::default();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut empty = 0;
    for example in raw {
        let text = example.text.trim();
        if text.is_empty() {
            empty += 1;
            continue;
        }
        let key = text.to_lowercase();
        match seen.get(&key) {
            Some(first) if *first == example.intent => {}
            Some(first) => data.warnings.push(format!(
                "\"{text}\" is an example of both `{first}` and `{}`; kept it for `{first}` only",
                example.intent
            )),
            None => {
                seen.insert(key, example.intent.clone());
                data.examples.push(Example {
                    text: text.to_string(),
                    intent: example.intent,
                });
            }
        }
    }
    if empty > 0 {
        data.warnings
            .push(format!("skipped {empty} empty example(s)"));
    }
    let thin: Vec<String> = data
        .intent_counts()
        .into_iter()
        .filter(|&(_, count)| count < 2)
        .map(|(intent, _)| format!("`{intent}`"))
        .collect();
    if !thin.is_empty() {
        data.warnings.push(format!(
            "{} ha{} a single example; add a few more ways of saying it so the model can learn it",
            thin.join(", "),
            if thin.len() == 1 { "s" } else { "ve" }
        ));
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_relais_rasa_and_jsonl_files_from_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a.yml",
            b"lang: en\nintents:\n  - name: greet\n    examples: [hello, hi there]\n    responses: [ignored]\n",
        );
        write(
            dir.path(),
            "b.yml",
            b"version: \"3.1\"\nnlu:\n- intent: order_status\n  examples: |\n    - where is order [BW-123456](order_id)\n    - status of my parcel\n- synonym: x\n  examples: |\n    - y\n",
        );
        write(dir.path(), "c.jsonl", b"{\"text\": \"bye\", \"intent\": \"goodbye\"}\n\n{\"text\": \"see you\", \"intent\": \"goodbye\"}\n");
        let data = load_training_data(dir.path()).unwrap();
        let texts: Vec<&str> = data.examples.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "hello",
                "hi there",
                "where is order BW-123456",
                "status of my parcel",
                "bye",
                "see you"
            ]
        );
        assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    }

    #[test]
    fn a_yaml_error_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "bad.yml",
            b"intents:\n  - name: greet\n    examples: [hello\n  - oops: [\n",
        );
        let message = load_training_data(&path).unwrap_err().to_string();
        assert!(message.contains("bad.yml"), "{message}");
        assert!(message.contains("line "), "{message}");
    }

    #[test]
    fn invalid_utf8_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "latin1.jsonl",
            b"{\"text\": \"ok\", \"intent\": \"a\"}\n{\"text\": \"caf\xe9\", \"intent\": \"a\"}\n",
        );
        let message = load_training_data(&path).unwrap_err().to_string();
        assert!(
            message.contains("latin1.jsonl: line 2: not valid UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn a_bad_jsonl_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "x.jsonl",
            b"{\"text\": \"ok\", \"intent\": \"a\"}\n{\"text\": 3}\n",
        );
        let message = load_training_data(&path).unwrap_err().to_string();
        assert!(message.contains("x.jsonl: line 2"), "{message}");
    }

    #[test]
    fn duplicates_across_intents_and_single_examples_are_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "d.jsonl",
            b"{\"text\": \"cancel it\", \"intent\": \"cancel_order\"}\n{\"text\": \"Cancel it \", \"intent\": \"cancel_subscription\"}\n{\"text\": \"stop my plan\", \"intent\": \"cancel_subscription\"}\n{\"text\": \"   \", \"intent\": \"x\"}\n",
        );
        let data = load_training_data(&path).unwrap();
        assert_eq!(data.examples.len(), 2);
        let warnings = data.warnings.join("\n");
        assert!(
            warnings.contains(
                "\"Cancel it\" is an example of both `cancel_order` and `cancel_subscription`"
            ),
            "{warnings}"
        );
        assert!(warnings.contains("skipped 1 empty"), "{warnings}");
        assert!(
            warnings.contains("`cancel_order`, `cancel_subscription` have a single example"),
            "{warnings}"
        );
    }

    #[test]
    fn a_folder_without_examples_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = load_training_data(dir.path()).unwrap_err();
        assert!(matches!(error, NluError::NoData(_)), "{error}");
    }

    #[test]
    fn a_yaml_file_of_another_shape_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "other.yml", b"stories: []\n");
        let message = load_training_data(&path).unwrap_err().to_string();
        assert!(
            message.contains("expected a top-level `intents:`"),
            "{message}"
        );
    }
}
