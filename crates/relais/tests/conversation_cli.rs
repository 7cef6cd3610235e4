//! `relais test`: a failing conversation test shows what was expected and what
//! happened, and broken test files are named. The cases run one after the other in a
//! single test: they share the repository's data folder (models, knowledge index).

use std::path::PathBuf;
use std::process::{Command, Output};

fn relais_test(file_text: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.yml");
    std::fs::write(&path, file_text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
        .env("RUST_BACKTRACE", "0")
        .args(["test", path.to_str().unwrap()])
        .output()
        .expect("relais runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn relais_test_reports_clearly() {
    a_passing_and_a_failing_test_are_reported_with_a_diff();
    an_unknown_intent_in_a_test_is_named();
    a_malformed_test_file_is_named_with_its_line();
    a_step_must_say_what_the_visitor_does();
}

fn a_passing_and_a_failing_test_are_reported_with_a_diff() {
    let (output, text) = relais_test(
        "lang: en\ntests:\n  - name: greets\n    steps:\n      - visitor: hello\n        intent: greet\n  - name: wrong on purpose\n    steps:\n      - visitor: hello\n        intent: order_status\n        bot_says: a sentence the bot never says\n",
    );
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("ok     "), "{text}");
    assert!(
        text.contains("FAILED") && text.contains("wrong on purpose"),
        "{text}"
    );
    assert!(
        text.contains("intent: expected order_status, got greet"),
        "{text}"
    );
    assert!(text.contains("bot_says: no bot message contains"), "{text}");
    assert!(
        text.contains("what happened:") && text.contains("bot: "),
        "{text}"
    );
    assert!(text.contains("1 passed, 1 failed"), "{text}");
}

fn an_unknown_intent_in_a_test_is_named() {
    let (output, text) = relais_test(
        "tests:\n  - name: typo\n    steps:\n      - visitor: hello\n        intent: gret\n",
    );
    assert!(!output.status.success());
    assert!(
        text.contains("`gret` is not an intent of the assistant"),
        "{text}"
    );
}

fn a_malformed_test_file_is_named_with_its_line() {
    let (output, text) = relais_test(
        "tests:\n  - name: x\n    steps:\n      - visitor: hi\n        expect_magic: yes\n",
    );
    assert!(!output.status.success());
    assert!(text.contains("case.yml"), "{text}");
    assert!(
        text.contains("expect_magic") && text.contains("line"),
        "{text}"
    );
}

fn a_step_must_say_what_the_visitor_does() {
    let (output, text) =
        relais_test("tests:\n  - name: empty step\n    steps:\n      - intent: greet\n");
    assert!(!output.status.success());
    assert!(
        text.contains("give exactly one of visitor, quick_reply, feedback, request_agent"),
        "{text}"
    );
}
