//! A Relais intent file (`intents:`), seeded from `intents/`; the YAML loader must
//! return examples or an error, never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = relais_nlu::parse_yaml(text, Path::new("fuzz.yml"));
});
