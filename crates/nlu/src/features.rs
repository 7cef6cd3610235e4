//! Lexical features: TF-IDF over words, word pairs and character n-grams.
//!
//! They complement the sentence embedding where it is weak: typos, product codes and
//! order numbers, inflected French. Text is lower-cased, stripped of accents and its
//! digits folded to `0`, so `BW-482913` and `bw-000000` share their n-grams.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Character n-gram lengths, taken inside words padded with a space on each side.
const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// A sparse vector: (feature index, value), indices ascending.
pub(crate) type Sparse = Vec<(u32, f32)>;

/// The vocabulary and inverse document frequencies learnt from the training texts.
#[derive(Serialize, Deserialize)]
pub(crate) struct Lexicon {
    vocabulary: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl Lexicon {
    /// Keeps every term seen in at least `min_df` training texts.
    pub(crate) fn fit<S: AsRef<str>>(texts: &[S], min_df: usize) -> Self {
        let mut df: HashMap<String, usize> = HashMap::new();
        for text in texts {
            let mut terms = terms(text.as_ref());
            terms.sort_unstable();
            terms.dedup();
            for term in terms {
                *df.entry(term).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(String, usize)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_unstable();
        let n = texts.len() as f32;
        let idf = kept
            .iter()
            .map(|(_, df)| ((1.0 + n) / (1.0 + *df as f32)).ln() + 1.0)
            .collect();
        let vocabulary = kept
            .into_iter()
            .enumerate()
            .map(|(index, (term, _))| (term, index as u32))
            .collect();
        Self { vocabulary, idf }
    }

    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.idf.len()
    }

    /// Sublinear TF-IDF of the known terms of `text`, unit length (or empty).
    pub(crate) fn transform(&self, text: &str) -> Sparse {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for term in terms(text) {
            if let Some(&index) = self.vocabulary.get(&term) {
                *counts.entry(index).or_insert(0.0) += 1.0;
            }
        }
        let mut vector: Sparse = counts
            .into_iter()
            .map(|(index, tf)| (index, (1.0 + tf.ln()) * self.idf[index as usize]))
            .collect();
        vector.sort_unstable_by_key(|&(index, _)| index);
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        vector
    }
}

/// Lower-case, accents removed, digits folded to `0`.
pub(crate) fn normalise(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

fn terms(text: &str) -> Vec<String> {
    let text = normalise(text);
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut terms = Vec::with_capacity(words.len() * 12);
    for word in &words {
        terms.push(format!("w:{word}"));
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for n in CHAR_NGRAMS {
            for gram in padded.windows(n) {
                terms.push(format!("c:{}", gram.iter().collect::<String>()));
            }
        }
    }
    for pair in words.windows(2) {
        terms.push(format!("b:{} {}", pair[0], pair[1]));
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_accents_and_digits() {
        assert_eq!(
            normalise("Où est ma COMMANDE BW-482913 ?"),
            "ou est ma commande bw-000000 ?"
        );
    }

    #[test]
    fn similar_spellings_share_features_and_vectors_are_unit_length() {
        let lexicon = Lexicon::fit(
            &["where is my order", "track my parcel", "reset password"],
            1,
        );
        let typo = lexicon.transform("were is my ordr");
        assert!(!typo.is_empty());
        let norm: f32 = typo.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let reference = lexicon.transform("where is my order");
        let overlap: f32 = dot(&typo, &reference);
        let unrelated = dot(&typo, &lexicon.transform("reset password"));
        assert!(
            overlap > 0.3 && overlap > unrelated + 0.2,
            "{overlap} vs {unrelated}"
        );
    }

    #[test]
    fn text_without_known_terms_gives_an_empty_vector() {
        let lexicon = Lexicon::fit(&["hello there"], 1);
        assert!(lexicon.transform("").is_empty());
        assert!(lexicon.transform("???").is_empty());
    }

    fn dot(a: &Sparse, b: &Sparse) -> f32 {
        let b: HashMap<u32, f32> = b.iter().copied().collect();
        a.iter().map(|(i, v)| v * b.get(i).unwrap_or(&0.0)).sum()
    }
}
