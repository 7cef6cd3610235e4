//! `--lang` as every command reads it: as conversations record languages, a region's tag
//! is its language (`fr-CA` and `FR` are `fr`), so that it finds that language's intents,
//! articles and conversations.

use relais_dialogue::language_of;

/// Parses a `--lang` value: its tag's primary subtag, lower-cased.
pub fn language(tag: &str) -> Result<String, String> {
    language_of(tag).ok_or_else(|| format!("{tag:?} is not a language tag: give one such as en, fr or fr-CA"))
}
