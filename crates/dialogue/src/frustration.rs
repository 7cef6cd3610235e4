//! Frustration signals in a visitor message: lexicon (en/fr), repetition, shouting.

use crate::text::normalize;

/// Normalised phrases that express frustration, English then French.
const LEXICON: &[&str] = &[
    "useless",
    "ridiculous",
    "stupid",
    "rubbish",
    "terrible",
    "awful",
    "annoying",
    "annoyed",
    "frustrated",
    "frustrating",
    "fed up",
    "waste of time",
    "not helpful",
    "pathetic",
    "you don t understand",
    "doesn t help",
    "sick of",
    "nul",
    "nulle",
    "inutile",
    "ridicule",
    "n importe quoi",
    "marre",
    "ras le bol",
    "énervé",
    "énervée",
    "agacé",
    "agacée",
    "frustré",
    "frustrée",
    "frustrant",
    "perte de temps",
    "tu ne comprends rien",
    "vous ne comprenez rien",
    "débile",
    "lamentable",
    "sert à rien",
];

/// Shortest message (in words) whose repetition counts as asking the same question again;
/// "yes" or "no" twice is not frustration.
const MIN_REPEATED_WORDS: usize = 3;

/// What made a message look frustrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    Lexicon(&'static str),
    Repetition,
    Shouting,
}

impl Signal {
    pub(crate) fn describe(&self) -> String {
        match self {
            Signal::Lexicon(phrase) => format!("lexicon: {phrase}"),
            Signal::Repetition => "same question repeated".into(),
            Signal::Shouting => "all caps or !!!".into(),
        }
    }
}

/// The first frustration signal in `text`, given the previous visitor messages (already
/// normalised, oldest first) of which the last `window` are compared.
pub(crate) fn detect(
    text: &str,
    previous: &[String],
    window: usize,
    caps_min_letters: usize,
) -> Option<Signal> {
    let norm = normalize(text);
    let padded = format!(" {norm} ");
    if let Some(phrase) = LEXICON.iter().find(|p| padded.contains(&format!(" {p} "))) {
        return Some(Signal::Lexicon(phrase));
    }
    let recent = &previous[previous.len().saturating_sub(window)..];
    if norm.split(' ').count() >= MIN_REPEATED_WORDS && recent.contains(&norm) {
        return Some(Signal::Repetition);
    }
    let upper = text.chars().filter(|c| c.is_uppercase()).count();
    let lower = text.chars().filter(|c| c.is_lowercase()).count();
    if text.contains("!!!") || (upper >= caps_min_letters && lower * 10 <= upper) {
        return Some(Signal::Shouting);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_matches_whole_words_in_both_languages() {
        assert_eq!(
            detect("This bot is USEless.", &[], 3, 8),
            Some(Signal::Lexicon("useless"))
        );
        assert_eq!(
            detect("C'est n'importe quoi", &[], 3, 8),
            Some(Signal::Lexicon("n importe quoi"))
        );
        assert_eq!(detect("my nullable field", &[], 3, 8), None);
    }

    #[test]
    fn repetition_needs_three_words_within_the_window() {
        let previous = vec!["where is my parcel".to_string(), "yes".to_string()];
        assert_eq!(
            detect("Where is my parcel?", &previous, 3, 8),
            Some(Signal::Repetition)
        );
        assert_eq!(detect("Where is my parcel?", &previous, 1, 8), None);
        assert_eq!(detect("yes", &previous, 3, 8), None);
    }

    #[test]
    fn shouting_is_caps_or_three_bangs() {
        assert_eq!(
            detect("WHERE IS MY ORDER", &[], 3, 8),
            Some(Signal::Shouting)
        );
        assert_eq!(detect("where is it!!!", &[], 3, 8), Some(Signal::Shouting));
        assert_eq!(detect("DHL OK?", &[], 3, 8), None);
    }
}
