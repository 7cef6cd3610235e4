//! Built-in out-of-scope examples: general questions that visitors of a shop's support
//! chat may type and that no shop assistant handles, in English and French.

use crate::{Example, OOS};

const ENGLISH: &str = include_str!("background/en.txt");
const FRENCH: &str = include_str!("background/fr.txt");

/// Every built-in stranger, labelled [`OOS`].
pub(crate) fn strangers() -> impl Iterator<Item = Example> {
    [ENGLISH, FRENCH]
        .into_iter()
        .flat_map(str::lines)
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| Example {
            text: line.to_string(),
            intent: OOS.to_string(),
        })
}
