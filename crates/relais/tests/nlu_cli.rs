//! The `relais nlu` command-line contract that evaluation scripts depend on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn relais(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(repo())
        .args(args)
        .output()
        .expect("relais runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write_jsonl(path: &Path, rows: &[(&str, &str)]) {
    let lines: Vec<String> = rows
        .iter()
        .map(|(text, intent)| serde_json::json!({"text": text, "intent": intent}).to_string())
        .collect();
    std::fs::write(path, lines.join("\n")).unwrap();
}

#[test]
fn train_reuses_an_up_to_date_model_and_predict_prints_intents() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("intents-en.bin");
    let out = out.to_str().unwrap();
    let first = relais(&["nlu", "train", "--data", "intents/en", "--out", out]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains("training on"), "{}", stderr(&first));
    let again = relais(&["nlu", "train", "--data", "intents/en", "--out", out]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("is up to date"),
        "{}",
        stderr(&again)
    );

    let predicted = relais(&[
        "nlu",
        "predict",
        "--model",
        out,
        "--json",
        "where is my parcel BW-123456?",
    ]);
    assert!(predicted.status.success(), "{}", stderr(&predicted));
    let prediction: serde_json::Value = serde_json::from_slice(&predicted.stdout).unwrap();
    assert_eq!(prediction["intent"], "order_status");
    assert!(prediction["ranking"][0]["confidence"].as_f64().unwrap() > 0.5);

    let stranger = relais(&[
        "nlu",
        "predict",
        "--model",
        out,
        "who painted the Mona Lisa",
    ]);
    assert!(
        String::from_utf8_lossy(&stranger.stdout).starts_with("oos"),
        "{stranger:?}"
    );
}

#[test]
fn eval_prints_the_agreed_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.jsonl");
    let test = dir.path().join("test.jsonl");
    write_jsonl(
        &train,
        &[
            ("where is my order", "order_status"),
            ("has my parcel shipped", "order_status"),
            ("track my package", "order_status"),
            ("I want my money back", "refund"),
            ("refund my purchase please", "refund"),
            ("how do I get a refund", "refund"),
            ("what's the capital of Peru", "oos"),
            ("play some jazz", "oos"),
        ],
    );
    write_jsonl(
        &test,
        &[
            ("where's my parcel", "order_status"),
            ("give me a refund", "refund"),
            ("tell me about volcanoes", "oos"),
        ],
    );
    let output = relais(&[
        "nlu",
        "eval",
        "--train",
        train.to_str().unwrap(),
        "--test",
        test.to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let figures: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object");
    for key in [
        "accuracy",
        "macro_f1",
        "in_scope_accuracy",
        "oos_precision",
        "oos_recall",
        "n_train",
        "n_test",
        "train_seconds",
        "predict_p50_ms",
        "predict_p99_ms",
        "threshold",
        "turned_away_rate",
        "confused",
    ] {
        assert!(figures.get(key).is_some(), "{key} missing from {figures}");
    }
    assert_eq!(figures["n_train"], 8);
    assert_eq!(figures["n_test"], 3);
    assert!(figures["oos_recall"].is_number());

    // Two of each intent drawn with a seed, the strangers left out; a table for people.
    let few = |seed: &str| {
        let output = relais(&["nlu", "eval", "--train", train.to_str().unwrap(), "--test", test.to_str().unwrap(), "--few-shot", "2", "--seed", seed]);
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let table = few("3");
    assert!(table.contains("examples                     4 trained, 3 tested"), "{table}");
    assert!(table.contains("in scope turned away as oos"), "{table}");
    let none = relais(&["nlu", "eval", "--train", train.to_str().unwrap(), "--test", test.to_str().unwrap(), "--few-shot", "0"]);
    assert!(!none.status.success() && stderr(&none).contains("--few-shot 0"), "{none:?}");
}

/// French examples get the French encoder of `[nlu.language_models]` without `--lang`,
/// and predict finds the encoder a model was trained with.
#[test]
fn french_intents_are_embedded_by_the_french_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("intents-fr.bin");
    let out = out.to_str().unwrap();
    let trained = relais(&["nlu", "train", "--data", "intents/fr", "--out", out]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    assert!(
        stderr(&trained).contains("the examples are in fr: embedded by models/multilingual-e5-small"),
        "{}",
        stderr(&trained)
    );
    let text = "je n'arrive plus à me connecter à mon espace client";
    let predicted = relais(&["nlu", "predict", "--model", out, "--json", text]);
    assert!(predicted.status.success(), "{}", stderr(&predicted));
    let prediction: serde_json::Value = serde_json::from_slice(&predicted.stdout).unwrap();
    assert_eq!(prediction["intent"], "reset_password");
    let english = relais(&["nlu", "predict", "--model", out, "--lang", "en", text]);
    assert!(
        !english.status.success() && stderr(&english).contains("trained with another encoder"),
        "{english:?}"
    );
    // A region's tag is its language: fr-CA chooses the French encoder; -fr is no language.
    let canadian = relais(&["nlu", "predict", "--model", out, "--lang", "fr-CA", text]);
    assert!(canadian.status.success(), "{}", stderr(&canadian));
    let no_language = relais(&["nlu", "predict", "--model", out, "--lang=-fr", text]);
    assert!(
        !no_language.status.success() && stderr(&no_language).contains("is not a language tag"),
        "{no_language:?}"
    );
    let without_e5 = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(repo())
        .env("RELAIS__NLU__LANGUAGE_MODELS__FR", "models/all-MiniLM-L6-v2")
        .args(["nlu", "predict", "--model", out, text])
        .output()
        .unwrap();
    assert!(
        !without_e5.status.success()
            && stderr(&without_e5).contains("was trained with none of the encoders relais.toml names"),
        "{without_e5:?}"
    );
}

#[test]
fn a_missing_model_folder_names_make_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("en.bin");
    let output = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(repo())
        .env("RELAIS__NLU__MODEL_DIR", "/nonexistent/model")
        .args(["nlu", "train", "--data", "intents/en", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("make models"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_broken_intent_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yml"),
        "intents:\n  - name: a\n    examples: [x\n",
    )
    .unwrap();
    let out = dir.path().join("m.bin");
    let output = relais(&[
        "nlu",
        "train",
        "--data",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("broken.yml") && message.contains("line"),
        "{message}"
    );
}
