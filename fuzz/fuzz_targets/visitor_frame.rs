//! A visitor's WebSocket frame: any text must parse or be refused, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = relais_server::fuzzing::parse_visitor(text);
});
