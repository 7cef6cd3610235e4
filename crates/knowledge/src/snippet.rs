//! Short snippets: the sentence (of three words or more) of a passage that shares the
//! most words with the query, without markdown marks, cut at a word boundary; and the
//! words of a text that match a query, to highlight them.

use std::collections::HashSet;
use std::ops::Range;

use crate::analyzer::Analysis;

/// The byte ranges of the words of `text` that match a word of `query` as the search
/// does in `lang` (stemmed, stop words left out, accents folded): "returns" marks
/// "returned", "ou" marks "où".
pub fn matching_words(text: &str, query: &str, lang: &str) -> Vec<Range<usize>> {
    let analysis = Analysis::for_lang(lang);
    let wanted: HashSet<String> = analysis.terms(query).into_iter().collect();
    analysis
        .tokens(text)
        .into_iter()
        .filter(|(term, _)| wanted.contains(term))
        .map(|(_, range)| range)
        .collect()
}

/// Longest snippet, in characters (an ellipsis is added when cut).
pub const SNIPPET_CHARS: usize = 200;

/// The part of `text` to show for `query`.
pub fn snippet(text: &str, query: &str) -> String {
    let query_words: HashSet<String> = words(query).collect();
    let best = sentences(text)
        .enumerate()
        .max_by_key(|(index, sentence)| {
            (
                words(sentence).filter(|w| query_words.contains(w)).count(),
                usize::MAX - index,
            )
        })
        .map_or(text, |(_, sentence)| sentence);
    shorten(&plain(best), SNIPPET_CHARS)
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 || w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['\n', '.', '!', '?'])
        .map(str::trim)
        .filter(|s| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
                >= 3
        })
}

/// `text` without the marks of emphasis, headings, list items and tables.
fn plain(text: &str) -> String {
    let text = text.trim_start_matches(['#', '-', '*', '>', ' ']);
    let stripped: String = text
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '|'))
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let end = cut.rfind(' ').filter(|&i| i > max / 2).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_words_are_stemmed_and_folded() {
        // The French stemmer keeps "retourn" apart from "retour", as the search does.
        let text = "Où sont les retours ? Retourner un article";
        let marked: Vec<&str> = matching_words(text, "retour ou", "fr").into_iter().map(|r| &text[r]).collect();
        assert_eq!(marked, ["retours"]);
        let text = "Délai de remboursement";
        let marked: Vec<&str> = matching_words(text, "delai", "fr").into_iter().map(|r| &text[r]).collect();
        assert_eq!(marked, ["Délai"]);
        let text = "Returned items are refunded";
        let marked: Vec<&str> = matching_words(text, "how do I return", "en").into_iter().map(|r| &text[r]).collect();
        assert_eq!(marked, ["Returned"]);
    }

    #[test]
    fn picks_the_sentence_matching_the_query() {
        let text = "An intro sentence. The **tracking link** is in the email.\n- Another point";
        assert_eq!(
            snippet(text, "where is the tracking link"),
            "The tracking link is in the email."
        );
        assert_eq!(snippet(text, "nothing in common"), "An intro sentence.");
    }

    #[test]
    fn long_snippets_are_cut_at_a_word() {
        let text = "word ".repeat(100);
        let short = snippet(&text, "word");
        assert!(short.chars().count() <= SNIPPET_CHARS + 1);
        assert!(short.ends_with("word…"));
        assert_eq!(snippet("", "x"), "");
        assert_eq!(
            snippet("1. Fix the AT-80 shelf.", "AT-80"),
            "Fix the AT-80 shelf."
        );
        assert_eq!(snippet("Too short", "x"), "Too short");
    }
}
