//! A conversation's language: the language of a tag a client sends (`fr-CA` is French),
//! and a tiny English/French detector based on stop words, for a first message.

use crate::text::words;

const EN: &[&str] = &[
    "the", "a", "an", "is", "are", "my", "i", "you", "your", "to", "of", "and", "in", "it", "for",
    "what", "how", "where", "when", "can", "do", "does", "did", "with", "not", "this", "that",
    "please", "hello", "hi", "thanks", "thank", "want", "need", "have", "has", "me", "order",
    "yet", "still", "why", "was", "be", "am", "help",
];

const FR: &[&str] = &[
    "le", "la", "les", "un", "une", "des", "est", "mon", "ma", "mes", "je", "j", "vous", "tu",
    "de", "du", "et", "en", "pour", "quoi", "comment", "où", "pas", "ce", "cette", "que", "qui",
    "bonjour", "merci", "salut", "avec", "commande", "veux", "voudrais", "suis", "ai", "c", "d",
    "l", "n", "qu", "s", "toujours", "pourquoi", "aide", "votre", "ne", "au", "aux", "reçu",
];

/// The language of a BCP 47 tag: its primary subtag, lower-cased (`fr-CA` → `fr`,
/// `EN` → `en`); none when it has no primary subtag (`-fr`). Intents, articles and the
/// bot's own texts are kept by language, so a region's variant is read as its language
/// rather than as a language of its own.
pub fn language_of(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    (!primary.is_empty()).then(|| primary.to_ascii_lowercase())
}

/// `Some("en")` or `Some("fr")` when one language's stop words dominate, `None` when unsure.
pub fn detect_language(text: &str) -> Option<&'static str> {
    let (mut en, mut fr) = (0usize, 0usize);
    for word in words(text) {
        en += usize::from(EN.contains(&word.as_str()));
        fr += usize::from(FR.contains(&word.as_str()));
    }
    match en.cmp(&fr) {
        std::cmp::Ordering::Greater => Some("en"),
        std::cmp::Ordering::Less => Some("fr"),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_s_tag_is_its_language() {
        assert_eq!(language_of("fr-CA").as_deref(), Some("fr"));
        assert_eq!(language_of("pt_BR").as_deref(), Some("pt"));
        assert_eq!(language_of("EN").as_deref(), Some("en"));
        assert_eq!(language_of("fr").as_deref(), Some("fr"));
        assert_eq!(language_of("-fr"), None);
        assert_eq!(language_of(""), None);
    }

    #[test]
    fn detects_english_french_and_doubt() {
        assert_eq!(
            detect_language("Where is my order? I still have not received it"),
            Some("en")
        );
        assert_eq!(
            detect_language("Bonjour, je n'ai toujours pas reçu ma commande"),
            Some("fr")
        );
        assert_eq!(detect_language("BW-482913"), None);
    }
}
