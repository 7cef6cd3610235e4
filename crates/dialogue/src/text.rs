//! Text normalisation shared by language detection, frustration and repetition checks.

/// Lower-cased words of `text`, split on anything that is not a letter or a digit.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `text` reduced to its lower-cased words joined by single spaces.
pub(crate) fn normalize(text: &str) -> String {
    words(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_punctuation_and_apostrophes() {
        assert_eq!(words("Where's MY order?!"), ["where", "s", "my", "order"]);
        assert_eq!(normalize("  Ça  ne marche PAS... "), "ça ne marche pas");
    }
}
