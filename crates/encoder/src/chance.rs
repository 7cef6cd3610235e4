//! Chance similarity: the cosine an encoder gives two texts that have nothing to do
//! with each other, per language, and cosines measured from it.
//!
//! Encoders differ in where "unrelated" lies, and one encoder differs across languages:
//! measured on the built-in sentences below, two unrelated English sentences have a
//! cosine of about 0.07 under all-MiniLM-L6-v2 and 0.76 under multilingual-e5-small;
//! two French ones 0.43 (MiniLM reads French poorly) and 0.82. A limit written as a raw
//! cosine ("an article answers at 0.65") holds for one encoder and language only.
//! Written as a [`ChanceSimilarity::relative`] similarity, the share of the way from
//! chance to identical, one limit serves them all. Chance is measured when the encoder
//! loads, in one forward pass.

use serde::Serialize;

/// Sentences on unrelated subjects, in English and in French: the chance similarity of
/// a language is the mean cosine of two of its sentences.
const ENGLISH: [&str; 12] = [
    "What time does the swimming pool open on Sunday?",
    "My laptop battery drains in an hour.",
    "Can you recommend a good recipe for lemon cake?",
    "The train to Edinburgh was cancelled this morning.",
    "How many moons does Jupiter have?",
    "I would like to change the date of my dentist appointment.",
    "Our team lost the football match again.",
    "Is it going to snow in the mountains tomorrow?",
    "Please send me the invoice for last month.",
    "Who painted the ceiling of the Sistine Chapel?",
    "The cat keeps scratching the new sofa.",
    "How do I reset the password of my email account?",
];
const FRENCH: [&str; 12] = [
    "À quelle heure ouvre la piscine le dimanche ?",
    "La batterie de mon ordinateur se vide en une heure.",
    "Tu connais une bonne recette de gâteau au citron ?",
    "Le train pour Lyon a été annulé ce matin.",
    "Combien de lunes a Jupiter ?",
    "Je voudrais déplacer mon rendez-vous chez le dentiste.",
    "Notre équipe a encore perdu le match de foot.",
    "Est-ce qu'il va neiger en montagne demain ?",
    "Envoyez-moi la facture du mois dernier, s'il vous plaît.",
    "Qui a peint le plafond de la chapelle Sixtine ?",
    "Le chat griffe le nouveau canapé.",
    "Comment réinitialiser le mot de passe de ma messagerie ?",
];

/// The cosine an encoder gives two unrelated texts, in English and in French.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChanceSimilarity {
    pub en: f32,
    pub fr: f32,
}

impl ChanceSimilarity {
    /// Chance of 0 in every language: for vectors that are not an encoder's (random
    /// ones in benchmarks, hand-made ones in tests).
    pub const ZERO: Self = Self { en: 0.0, fr: 0.0 };

    /// The texts [`ChanceSimilarity::measure`] wants the embeddings of, in one batch.
    pub(crate) fn texts() -> impl Iterator<Item = &'static str> {
        ENGLISH.into_iter().chain(FRENCH)
    }

    /// Chance from the unit-length embeddings of [`ChanceSimilarity::texts`], in order.
    pub(crate) fn measure(embeddings: &[Vec<f32>]) -> Self {
        let (english, french) = embeddings.split_at(ENGLISH.len());
        Self {
            en: mean_pairwise_cosine(english),
            fr: mean_pairwise_cosine(french),
        }
    }

    /// The chance similarity of `lang` (ISO 639-1, a region tag such as `fr-CA`
    /// allowed); for another language or none, the higher of the two measured, so that
    /// a limit errs towards caution (callers that can name a language should).
    pub fn of(&self, lang: Option<&str>) -> f32 {
        let primary = lang.map(|lang| lang.split(['-', '_']).next().unwrap_or(lang));
        match primary {
            Some(lang) if lang.eq_ignore_ascii_case("en") => self.en,
            Some(lang) if lang.eq_ignore_ascii_case("fr") => self.fr,
            _ => self.en.max(self.fr),
        }
    }

    /// Whether texts on unrelated subjects are told apart at all: a chance of 0.99 or
    /// more (or not a number) leaves no room for a limit between it and 1.
    pub(crate) fn is_usable(&self) -> bool {
        self.en < 0.99 && self.fr < 0.99
    }

    /// Where `cosine`, between texts in `lang`, lies from chance (0) to identical (1):
    /// `(cosine − chance) / (1 − chance)`. Below chance it is negative.
    pub fn relative(&self, cosine: f32, lang: Option<&str>) -> f32 {
        let chance = self.of(lang);
        (cosine - chance) / (1.0 - chance)
    }
}

fn mean_pairwise_cosine(embeddings: &[Vec<f32>]) -> f32 {
    let mut sum = 0.0;
    let mut pairs = 0;
    for (i, a) in embeddings.iter().enumerate() {
        for b in &embeddings[i + 1..] {
            sum += a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
            pairs += 1;
        }
    }
    sum / pairs as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_maps_to_zero_and_identity_to_one() {
        let chance = ChanceSimilarity { en: 0.1, fr: 0.75 };
        assert_eq!(chance.relative(0.75, Some("fr")), 0.0);
        assert_eq!(chance.relative(1.0, Some("FR")), 1.0);
        assert!((chance.relative(0.875, Some("fr")) - 0.5).abs() < 1e-6);
        assert!(chance.relative(0.5, Some("fr")) < 0.0);
        assert!((chance.relative(0.55, Some("en")) - 0.5).abs() < 1e-6);
        assert_eq!(chance.of(Some("de")), 0.75, "another language takes the higher");
        assert_eq!(chance.of(Some("en-GB")), 0.1);
        assert_eq!(chance.of(Some("fr_CA")), 0.75);
        assert!(!ChanceSimilarity { en: f32::NAN, fr: 0.5 }.is_usable());
        assert!(!ChanceSimilarity { en: 0.2, fr: 0.995 }.is_usable());
        assert!(chance.is_usable());
        assert_eq!(chance.of(None), 0.75);
        assert_eq!(ChanceSimilarity::ZERO.relative(0.3, None), 0.3);
    }

    #[test]
    fn each_language_is_measured_on_its_own_sentences() {
        // English sentences all identical (cosine 1), French ones all orthogonal (0).
        let mut embeddings = vec![vec![1.0, 0.0]; ENGLISH.len()];
        embeddings.extend((0..FRENCH.len()).map(|i| {
            let mut v = vec![0.0; FRENCH.len()];
            v[i] = 1.0;
            v
        }));
        assert_eq!(ChanceSimilarity::texts().count(), embeddings.len());
        assert_eq!(ChanceSimilarity::measure(&embeddings), ChanceSimilarity { en: 1.0, fr: 0.0 });
    }
}
