//! The playbook definition: per language and intent, what the bot says and does.
//!
//! Loaded from `intents/<lang>/*.yml`, the files the intent model trains on. The NLU reads
//! `name` and `examples`; the keys read here sit beside them: `title`, `responses`,
//! `quick_replies`, `slots`, `action`, `handoff` and `resolves`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use crate::error::LoadError;
use crate::event::QuickReply;

/// The language responses fall back to when the conversation's language lacks an intent.
pub(crate) const FALLBACK_LANGUAGE: &str = "en";

/// One slot of a form: what to ask and how to check the answer.
#[derive(Debug, Clone)]
pub struct Slot {
    pub name: String,
    pub prompt: String,
    /// Asked after an invalid answer; the prompt is repeated when absent.
    pub retry: Option<String>,
    /// The whole (trimmed) answer must match, in any case.
    pub pattern: Option<Regex>,
    /// The same pattern, unanchored: finds the value inside a longer message.
    pub finder: Option<Regex>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
}

impl Slot {
    /// Whether `value` (already trimmed) is acceptable for this slot.
    pub fn accepts(&self, value: &str) -> bool {
        let len = value.chars().count();
        !value.is_empty()
            && self.min_length.is_none_or(|min| len >= min)
            && self.max_length.is_none_or(|max| len <= max)
            && self.pattern.as_ref().is_none_or(|re| re.is_match(value))
    }

    /// The value for this slot in `message`: the first match of the pattern anywhere in
    /// it ("it's BW-482913"), or else the whole trimmed message when acceptable.
    pub fn extract(&self, message: &str) -> Option<String> {
        let candidate = match &self.finder {
            Some(finder) => finder.find(message)?.as_str(),
            None => message.trim(),
        };
        self.accepts(candidate).then(|| candidate.to_string())
    }

    /// The value for this slot stated in a message that did not answer its question:
    /// only slots with a pattern can be recognised there.
    pub fn spot(&self, message: &str) -> Option<String> {
        self.finder.as_ref().and_then(|_| self.extract(message))
    }
}

/// A business action called over HTTP once the intent's slots are filled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub name: String,
    pub url: String,
}

/// What the bot does for one intent in one language.
#[derive(Debug, Clone)]
pub struct Intent {
    pub name: String,
    /// Label of the intent on a disambiguation button; the name when absent.
    pub title: Option<String>,
    /// Response variants, with `{placeholders}` filled from slots and visitor attributes.
    pub responses: Vec<String>,
    pub quick_replies: Vec<QuickReply>,
    /// Form: slots asked in order before the action runs or the response is given.
    pub slots: Vec<Slot>,
    pub action: Option<ActionSpec>,
    /// `handoff: always`: answer (if there are responses) then escalate.
    pub handoff_always: bool,
    /// Answering this intent counts as resolving the visitor's need.
    pub resolves: bool,
}

impl Intent {
    /// Whether the bot has anything to do for this intent.
    pub fn is_actionable(&self) -> bool {
        !self.responses.is_empty()
            || !self.slots.is_empty()
            || self.action.is_some()
            || self.handoff_always
    }
}

/// All intents of all languages.
#[derive(Debug, Clone, Default)]
pub struct Playbook {
    languages: BTreeMap<String, BTreeMap<String, Intent>>,
}

#[derive(Deserialize)]
struct FileDoc {
    lang: Option<String>,
    #[serde(default)]
    intents: Vec<IntentDoc>,
}

#[derive(Deserialize)]
struct IntentDoc {
    name: String,
    title: Option<String>,
    #[serde(default)]
    responses: Vec<String>,
    #[serde(default)]
    quick_replies: Vec<QuickReply>,
    #[serde(default)]
    slots: Vec<SlotDoc>,
    action: Option<ActionSpec>,
    handoff: Option<HandoffMode>,
    #[serde(default)]
    resolves: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum HandoffMode {
    Always,
    Never,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotDoc {
    name: String,
    prompt: String,
    retry: Option<String>,
    pattern: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
}

impl Playbook {
    /// Loads every `<dir>/<lang>/*.yml` (and `*.yaml`) file, in name order.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadError> {
        let mut playbook = Playbook::default();
        for lang_dir in sorted_entries(dir)? {
            if !lang_dir.is_dir() {
                continue;
            }
            let dir_lang = lang_dir
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned);
            for file in sorted_entries(&lang_dir)? {
                let is_yaml = matches!(
                    file.extension().and_then(|e| e.to_str()),
                    Some("yml" | "yaml")
                );
                if !is_yaml {
                    continue;
                }
                let src = std::fs::read_to_string(&file).map_err(|source| LoadError::Io {
                    path: file.clone(),
                    source,
                })?;
                playbook.add_yaml(&file, &src, dir_lang.as_deref())?;
            }
        }
        Ok(playbook)
    }

    /// Adds the intents of one file. `file` is only used in error messages; the language
    /// is the file's `lang` key, else `dir_lang`; the two must agree when both are given.
    pub fn add_yaml(
        &mut self,
        file: &Path,
        src: &str,
        dir_lang: Option<&str>,
    ) -> Result<(), LoadError> {
        let doc: FileDoc = serde_yaml_ng::from_str(src).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            LoadError::Yaml {
                file: file.to_path_buf(),
                line,
                column,
                message: e.to_string(),
            }
        })?;
        let invalid = |key: &str, needle: &str, message: String| LoadError::Invalid {
            file: file.to_path_buf(),
            line: line_of(src, needle),
            key: key.to_owned(),
            message,
        };
        let lang = match (doc.lang, dir_lang) {
            (Some(l), Some(d)) if l != d => {
                return Err(invalid(
                    "lang",
                    "lang:",
                    format!("`{l}` in a file under `{d}/`"),
                ));
            }
            (Some(l), _) => l,
            (None, Some(d)) => d.to_owned(),
            (None, None) => return Err(invalid("lang", "", "missing language".into())),
        };
        let intents = self.languages.entry(lang).or_default();
        for doc in doc.intents {
            let name_line = format!("name: {}", doc.name);
            if intents.contains_key(&doc.name) {
                return Err(invalid(
                    "name",
                    &name_line,
                    format!("intent `{}` defined twice", doc.name),
                ));
            }
            let mut slots: Vec<Slot> = Vec::with_capacity(doc.slots.len());
            for slot in doc.slots {
                if slots.iter().any(|s| s.name == slot.name) {
                    return Err(invalid(
                        "slots",
                        &format!("name: {}", slot.name),
                        format!("slot `{}` listed twice", slot.name),
                    ));
                }
                let compile = |anchored: bool| {
                    slot.pattern
                        .as_ref()
                        .map(|p| {
                            let source = if anchored {
                                format!("(?i)^(?:{p})$")
                            } else {
                                format!("(?i)(?:{p})")
                            };
                            Regex::new(&source).map_err(|e| {
                                invalid("pattern", p, format!("slot `{}`: {e}", slot.name))
                            })
                        })
                        .transpose()
                };
                let pattern = compile(true)?;
                let finder = compile(false)?;
                slots.push(Slot {
                    name: slot.name,
                    prompt: slot.prompt,
                    retry: slot.retry,
                    pattern,
                    finder,
                    min_length: slot.min_length,
                    max_length: slot.max_length,
                });
            }
            if let Some(action) = &doc.action
                && !(action.url.starts_with("http://") || action.url.starts_with("https://"))
            {
                return Err(invalid(
                    "action",
                    &action.url,
                    format!("url `{}` is not http(s)", action.url),
                ));
            }
            if !slots.is_empty() && doc.action.is_none() && doc.responses.is_empty() {
                return Err(invalid(
                    "slots",
                    &name_line,
                    format!(
                        "intent `{}` has a form but neither an action nor responses",
                        doc.name
                    ),
                ));
            }
            let intent = Intent {
                name: doc.name.clone(),
                title: doc.title,
                responses: doc.responses,
                quick_replies: doc.quick_replies,
                slots,
                action: doc.action,
                handoff_always: matches!(doc.handoff, Some(HandoffMode::Always)),
                resolves: doc.resolves,
            };
            intents.insert(doc.name, intent);
        }
        Ok(())
    }

    /// The intent in `lang`, else in English.
    pub fn intent(&self, lang: &str, name: &str) -> Option<&Intent> {
        [lang, FALLBACK_LANGUAGE]
            .iter()
            .find_map(|l| self.languages.get(*l).and_then(|m| m.get(name)))
    }

    /// The languages that have at least one file.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    paths.sort();
    Ok(paths)
}

/// 1-based line of the first occurrence of `needle` in `src` (1 when not found).
fn line_of(src: &str, needle: &str) -> usize {
    src.find(needle)
        .map_or(1, |pos| src[..pos].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
lang: en
intents:
  - name: order_status
    examples: [where is my order]
    responses: [\"Order {order_number}: {status}\"]
    slots:
      - name: order_number
        prompt: Your order number?
        pattern: \"BW-[0-9]{6}\"
    action: {name: order_status, url: \"http://localhost:9000/order\"}
";

    fn load(src: &str) -> Result<Playbook, LoadError> {
        let mut playbook = Playbook::default();
        playbook.add_yaml(Path::new("intents/en/x.yml"), src, Some("en"))?;
        Ok(playbook)
    }

    #[test]
    fn loads_forms_and_falls_back_to_english() {
        let playbook = load(FILE).unwrap();
        let intent = playbook.intent("fr", "order_status").unwrap();
        assert_eq!(intent.slots[0].name, "order_number");
        assert!(intent.slots[0].accepts("BW-482913"));
        assert!(!intent.slots[0].accepts("BW-4829130"));
        assert_eq!(
            intent.slots[0].extract("it's bw-482913, thanks").as_deref(),
            Some("bw-482913")
        );
        assert_eq!(
            intent.slots[0].spot("where is order BW-482913?").as_deref(),
            Some("BW-482913")
        );
        assert_eq!(intent.slots[0].extract("no idea"), None);
        assert_eq!(intent.action.as_ref().unwrap().name, "order_status");
    }

    #[test]
    fn bad_regex_names_file_line_and_key() {
        let err = load(&FILE.replace("BW-[0-9]{6}", "BW-[0-9")).unwrap_err();
        assert_eq!(
            err.to_string().split(" slot").next().unwrap(),
            "intents/en/x.yml:9: key `pattern`:"
        );
    }

    #[test]
    fn yaml_shape_errors_carry_a_line() {
        let err = load(
            &FILE
                .replace("handoff", "x")
                .replace("    action:", "    handoff: sometimes\n    action:"),
        )
        .unwrap_err();
        match err {
            LoadError::Yaml { line, message, .. } => {
                assert_eq!(line, 10, "{message}");
                assert!(message.contains("sometimes"), "{message}");
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn language_mismatch_is_reported() {
        let mut playbook = Playbook::default();
        let err = playbook
            .add_yaml(Path::new("intents/fr/x.yml"), FILE, Some("fr"))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("intents/fr/x.yml:1: key `lang`"),
            "{err}"
        );
    }
}
