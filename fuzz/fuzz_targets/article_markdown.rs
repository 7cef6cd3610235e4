//! A knowledge-base article (front matter and markdown): an article or an error, never a
//! panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = relais_knowledge::parse_article(text, Path::new("fuzz.md"));
});
