//! A Rasa `nlu.yml` file: the same YAML loader as `intent_yaml`, with every input read
//! as the body of an `nlu:` list so that the fuzzer spends its time in the Rasa path
//! (entries, example blocks, inline entity annotations).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = relais_nlu::parse_yaml(&format!("nlu:\n{text}"), Path::new("nlu.yml"));
});
