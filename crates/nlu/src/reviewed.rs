//! The reviewed examples: the turns reviewers labelled, turned into training examples
//! for one language's intent folder (`intents/<lang>/reviewed.yml`, [`REVIEWED_FILE`]).
//!
//! The file is written whole from every label each time (it is derived data: edit the
//! labels, not the file) as a top-level `examples:` list of `{text, intent}`, which
//! [`crate::parse_yaml`] reads with the intent files and the dialogue's playbook ignores
//! (it defines no intent). A label becomes an example unless it cannot be trusted: the
//! same message labelled two ways, a message already an example of another intent, or an
//! intent this language does not have — each is reported, never silently dropped.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Example, OOS};

/// The name of the reviewed examples' file in a language's intent folder.
pub const REVIEWED_FILE: &str = "reviewed.yml";

/// A labelled message: its text and the intent it should have been (`oos` included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub text: String,
    pub intent: String,
}

/// What an export made of the labels of one language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// The examples to write, sorted by intent then text.
    pub examples: Vec<Example>,
    /// Labelled messages already examples of the same intent in the intent files.
    pub already_examples: usize,
    /// Messages left out, each with why.
    pub left_out: Vec<String>,
}

/// The examples of `labelled` (one language's labels) given `existing`, the examples of
/// that language's other intent files. Messages are compared trimmed, with runs of white
/// space as one space, ignoring case (as training does).
pub fn export(labelled: &[Labelled], existing: &[Example]) -> Export {
    let known: BTreeSet<&str> = existing.iter().map(|e| e.intent.as_str()).chain([OOS]).collect();
    let in_files: BTreeMap<String, &str> = existing.iter().map(|e| (key(&e.text), e.intent.as_str())).collect();
    // Each message's text (as first labelled) and every intent it was labelled with.
    let mut by_text: BTreeMap<String, (String, BTreeSet<&str>)> = BTreeMap::new();
    for label in labelled {
        let text = clean(&label.text);
        if text.is_empty() {
            continue;
        }
        by_text.entry(key(&text)).or_insert_with(|| (text, BTreeSet::new())).1.insert(label.intent.as_str());
    }
    let mut out = Export::default();
    for (key, (text, intents)) in by_text {
        let intent = match intents.iter().collect::<Vec<_>>().as_slice() {
            [intent] => **intent,
            many => {
                let names: Vec<&str> = many.iter().map(|i| **i).collect();
                out.left_out.push(format!("\"{text}\": labelled {} (conflicting labels)", names.join(" and ")));
                continue;
            }
        };
        if !known.contains(intent) {
            out.left_out.push(format!("\"{text}\": `{intent}` is no intent of this language"));
            continue;
        }
        match in_files.get(&key) {
            Some(existing) if *existing == intent => out.already_examples += 1,
            Some(existing) => out.left_out.push(format!(
                "\"{text}\": labelled `{intent}` but already an example of `{existing}` in the intent files"
            )),
            None => out.examples.push(Example {
                text,
                intent: intent.to_owned(),
            }),
        }
    }
    out.examples.sort_by(|a, b| (&a.intent, &a.text).cmp(&(&b.intent, &b.text)));
    out
}

/// The file's text for `examples`.
pub fn file_text(examples: &[Example]) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        examples: Vec<Entry<'a>>,
    }
    #[derive(Serialize, Deserialize)]
    struct Entry<'a> {
        text: &'a str,
        intent: &'a str,
    }
    let file = File {
        examples: examples
            .iter()
            .map(|e| Entry {
                text: &e.text,
                intent: &e.intent,
            })
            .collect(),
    };
    let yaml = serde_yaml_ng::to_string(&file).unwrap_or_else(|_| "examples: []\n".to_owned());
    format!(
        "# The turns reviewers labelled, as training examples: written by `relais review export`\n\
         # from every label each time. Change the labels, not this file.\n{yaml}"
    )
}

/// `text` trimmed, each run of white space (new lines included) one space.
fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key(text: &str) -> String {
    clean(text).to_lowercase()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn labelled(text: &str, intent: &str) -> Labelled {
        Labelled {
            text: text.into(),
            intent: intent.into(),
        }
    }

    fn example(text: &str, intent: &str) -> Example {
        Example {
            text: text.into(),
            intent: intent.into(),
        }
    }

    #[test]
    fn labels_become_examples_and_what_cannot_be_trusted_is_reported() {
        let existing = [example("where is my order", "order_status"), example("cancel it", "cancel_order")];
        let labels = [
            labelled("my parcel   never came", "order_status"),
            labelled("My parcel never came", "order_status"),
            labelled("can I pay in bitcoin", "oos"),
            labelled("stop my order", "cancel_order"),
            labelled("stop my order", "order_status"),
            labelled("WHERE is my order", "order_status"),
            labelled("cancel it", "order_status"),
            labelled("book a flight", "book_flight"),
            labelled("  ", "order_status"),
        ];
        let out = export(&labels, &existing);
        assert_eq!(
            out.examples,
            [example("my parcel never came", "order_status"), example("can I pay in bitcoin", "oos")]
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
        );
        assert_eq!(out.already_examples, 1);
        assert_eq!(out.left_out.len(), 3, "{:?}", out.left_out);
        assert!(out.left_out.iter().any(|why| why.contains("conflicting labels")));
        assert!(out.left_out.iter().any(|why| why.contains("already an example of `cancel_order`")));
        assert!(out.left_out.iter().any(|why| why.contains("`book_flight` is no intent")));
    }

    #[test]
    fn the_file_is_read_back_by_training_whatever_the_text() {
        let examples = [
            example("a: colon, # hash, \"quotes\" and - dash", "order_status"),
            example("[Paris](city) stays as written", "oos"),
            example("yes", "affirm"),
        ];
        let text = file_text(&examples);
        let read = crate::parse_yaml(&text, Path::new("intents/en/reviewed.yml")).unwrap();
        assert_eq!(read, examples);
    }
}
