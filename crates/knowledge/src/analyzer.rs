//! Text analysis for BM25, one analyzer per language: words, lower case, stop words,
//! stemming, then accent folding. Folding comes after stemming because the French
//! stemmer needs the accents, and before matching so that "ou est ma commande" finds
//! "où est ma commande".

use std::ops::Range;
use std::sync::OnceLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenizerManager,
};

/// Words of questions that say nothing about the topic, on top of tantivy's lists.
const EXTRA_ENGLISH_STOP_WORDS: &[&str] = &[
    "am", "can", "could", "did", "do", "does", "how", "i", "me", "my", "our", "should", "we",
    "what", "when", "where", "which", "who", "why", "would", "you", "your",
];
const EXTRA_FRENCH_STOP_WORDS: &[&str] = &[
    "a", "comment", "est", "où", "pourquoi", "quand", "quel", "quelle", "quels", "quelles",
];

/// Words longer than this (base64 blobs, pasted junk) are not indexed.
const LONGEST_WORD: usize = 40;

/// The languages the index analyses differently; anything else gets [`Analysis::Other`]
/// (lower case and accent folding, no stemming or stop words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Analysis {
    English,
    French,
    Other,
}

impl Analysis {
    pub const ALL: [Analysis; 3] = [Analysis::English, Analysis::French, Analysis::Other];

    /// The analysis for an ISO 639-1 code such as "en" or "fr-CA".
    pub fn for_lang(lang: &str) -> Self {
        match lang.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Self::English,
            Some("fr") => Self::French,
            _ => Self::Other,
        }
    }

    /// Suffix of the index fields and name of the tokenizer.
    pub fn name(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::French => "fr",
            Self::Other => "other",
        }
    }

    pub fn analyzer(self) -> TextAnalyzer {
        let words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser);
        let (language, extra_stop_words) = match self {
            Self::English => (Language::English, EXTRA_ENGLISH_STOP_WORDS),
            Self::French => (Language::French, EXTRA_FRENCH_STOP_WORDS),
            Self::Other => return words.filter(AsciiFoldingFilter).build(),
        };
        let standard_stop_words =
            StopWordFilter::new(language).unwrap_or_else(|| StopWordFilter::remove([]));
        words
            .filter(standard_stop_words)
            .filter(StopWordFilter::remove(
                extra_stop_words.iter().map(|w| w.to_string()),
            ))
            .filter(Stemmer::new(language))
            .filter(AsciiFoldingFilter)
            .build()
    }

    /// The terms `text` is indexed or searched under.
    pub fn terms(self, text: &str) -> Vec<String> {
        self.tokens(text).into_iter().map(|(term, _)| term).collect()
    }

    /// The terms of `text` with the byte range of the word each comes from.
    pub fn tokens(self, text: &str) -> Vec<(String, Range<usize>)> {
        static ANALYZERS: OnceLock<[TextAnalyzer; 3]> = OnceLock::new();
        let analyzers = ANALYZERS.get_or_init(|| Analysis::ALL.map(Analysis::analyzer));
        let mut analyzer = analyzers[self as usize].clone();
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            let token = stream.token();
            tokens.push((token.text.clone(), token.offset_from..token.offset_to));
        }
        tokens
    }
}

/// Registers every analyzer under its [`Analysis::name`].
pub fn register(tokenizers: &TokenizerManager) {
    for analysis in Analysis::ALL {
        tokenizers.register(analysis.name(), analysis.analyzer());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_drops_stop_words_and_stems() {
        assert_eq!(Analysis::English.terms("Where is my ORDERS?"), ["order"]);
        assert_eq!(Analysis::English.terms("the of and"), Vec::<String>::new());
    }

    #[test]
    fn french_matches_with_and_without_accents() {
        assert_eq!(Analysis::French.terms("Où est ma commande ?"), ["command"]);
        assert_eq!(Analysis::French.terms("ou est ma commande"), ["command"]);
        assert_eq!(
            Analysis::French.terms("être livré à l'entrepôt"),
            Analysis::French.terms("etre livre a l'entrepot")
        );
        assert_eq!(
            Analysis::French.terms("Remboursement"),
            Analysis::French.terms("remboursé")
        );
    }

    #[test]
    fn languages_are_recognised_by_code() {
        assert_eq!(Analysis::for_lang("fr-CA"), Analysis::French);
        assert_eq!(Analysis::for_lang("EN"), Analysis::English);
        assert_eq!(Analysis::for_lang("de"), Analysis::Other);
        assert_eq!(Analysis::for_lang(""), Analysis::Other);
    }
}
