//! A JSONL file of `{"text", "intent"}` lines: examples or an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = relais_nlu::parse_jsonl(text, Path::new("fuzz.jsonl"));
});
