//! The reviewed turns on the command line: `relais advise`, the threshold advisor over a
//! data folder's reviewed turns, for people and as JSON, against `[dialogue]` of
//! relais.toml; `relais review export`, their labels as training examples that training
//! reads and the playbook accepts; a folder without a store says so; `relais agent
//! reviewer` gives and takes the reviewer role.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use relais_dialogue::{Event, EventKind};
use relais_store::{NewAgent, ReviewQuery, Role, Store};
use serde_json::Value;

fn relais(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("relais runs")
}

fn succeeded(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// 100 one-turn conversations predicted `order_status` at confidence i / 100; the 30
/// lowest really `cancel_order`, the rest confirmed: labelled by a reviewer.
async fn reviewed(dir: &std::path::Path) {
    let store = Store::open(dir.join("relais.db")).await.unwrap();
    for i in 1..=100i64 {
        let id = format!("c{i}");
        let events = [
            Event {
                at: i,
                kind: EventKind::Started {
                    conversation_id: id.clone(),
                    lang: Some("en".into()),
                    visitor: BTreeMap::new(),
                    verified_user_id: None,
                    browser_id: None,
                    simulated: false,
                    channel: None,
                },
            },
            Event {
                at: i,
                kind: EventKind::VisitorMessage {
                    text: format!("question {i}"),
                    client_id: "m1".into(),
                },
            },
            Event {
                at: i,
                kind: EventKind::IntentPredicted {
                    intent: "order_status".into(),
                    confidence: i as f32 / 100.0,
                    ranking: Vec::new(),
                    oos: false,
                    ambiguous: false,
                },
            },
        ];
        store.append(&id, &events).await.unwrap();
    }
    let reviewer = NewAgent {
        email: "rev@example.com".into(),
        name: "Rev".into(),
        role: Role::Admin,
        reviewer: false,
        password: "a long enough password".into(),
    };
    let reviewer = store.add_agent(reviewer, 0).await.unwrap();
    let query = ReviewQuery {
        from: 0,
        to: 1_000,
        kind: None,
        threshold: 0.6,
        own_thresholds: Default::default(),
        before: None,
        limit: 200,
    };
    for turn in store.review_turns(&query).await.unwrap() {
        let label = if turn.turn.at <= 30 { "cancel_order" } else { "confirm" };
        store.label_turn(turn.id, label, reviewer.id, 500).await.unwrap();
    }
    store.close().await;
}

#[tokio::test]
async fn the_advice_of_reviewed_turns_for_people_and_scripts() {
    let dir = tempfile::tempdir().unwrap();
    reviewed(dir.path()).await;
    let data = dir.path().to_str().unwrap();

    let json: Value = serde_json::from_str(&succeeded(&relais(&["advise", "--json", "--data-dir", data]))).unwrap();
    // The 30 wrong at 0.01–0.30: at 0.28, 3 of 73 (4.1 %) — the lowest within 5 %.
    assert_eq!((json["labelled_turns"].as_u64(), json["reachable"].as_bool()), (Some(100), Some(true)), "{json}");
    assert!((json["threshold"].as_f64().unwrap() - 0.28).abs() < 1e-6, "{json}");
    assert_eq!(json["curve"].as_array().unwrap().len(), 101);
    // relais.toml's threshold in force (the repository's: 0.6 unless it says otherwise).
    assert!(json["current"]["answered"].as_u64().unwrap() < 100, "{json}");
    assert_eq!(json["per_intent"]["order_status"]["own"], true);

    let strict = succeeded(&relais(&["advise", "--target-error", "0", "--data-dir", data]));
    assert!(strict.contains("recommended: intent_confidence = 0.31"), "{strict}");
    assert!(strict.contains("100 reviewed turns"), "{strict}");

    // --apply writes the thresholds file, which is then the threshold in force.
    let applied = relais(&["advise", "--apply", "--data-dir", data]);
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    let file = std::fs::read_to_string(dir.path().join("thresholds.toml")).unwrap();
    assert!(file.contains("\nintent_confidence = 0.28\n"), "{file}");
    assert!(file.contains("[intent_thresholds.order_status]\nhigh = 0.28"), "{file}");
    let json: Value = serde_json::from_str(&succeeded(&relais(&["advise", "--json", "--data-dir", data]))).unwrap();
    assert!((json["current_threshold"].as_f64().unwrap() - 0.28).abs() < 1e-6, "{json}");

    let refused = relais(&["advise", "--target-error", "5", "--data-dir", data]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a share"));
    let empty = tempfile::tempdir().unwrap();
    let missing = relais(&["advise", "--data-dir", empty.path().to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no relais.db"));
}

#[tokio::test]
async fn labels_are_exported_as_examples_that_training_reads() {
    let dir = tempfile::tempdir().unwrap();
    reviewed(dir.path()).await;
    // Two labels changed: one needs an article, one names an intent English does not have.
    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    let query = ReviewQuery {
        from: 99,
        to: 101,
        kind: None,
        threshold: 0.6,
        own_thresholds: Default::default(),
        before: None,
        limit: 10,
    };
    let agent = store.agents().await.unwrap().remove(0);
    for (turn, label) in store.review_turns(&query).await.unwrap().iter().zip(["needs_article", "book_flight"]) {
        store.label_turn(turn.id, label, agent.id, 600).await.unwrap();
    }
    store.close().await;
    // An intent folder of our own: "question 5" is already an example of cancel_order.
    let intents = dir.path().join("intents");
    std::fs::create_dir_all(intents.join("en")).unwrap();
    let file = "intents:\n  - name: order_status\n    examples: [where is my order, has it shipped]\n    responses: [It is on its way.]\n  - name: cancel_order\n    examples: [cancel it, Question 5]\n    responses: [Cancelled.]\n";
    std::fs::write(intents.join("en/orders.yml"), file).unwrap();

    let args = ["review", "export", "--data-dir", dir.path().to_str().unwrap(), "--intents-dir", intents.to_str().unwrap()];
    let said = succeeded(&relais(&args));
    assert!(said.contains("en: 97 examples written"), "{said}");
    assert!(said.contains("(1 already examples); 1 left out"), "{said}");
    assert!(said.contains("`book_flight` is no intent"), "{said}");
    assert!(said.contains("1 turns need an article"), "{said}");

    let data = relais_nlu::load_training_data(&intents.join("en")).unwrap();
    let counts = data.intent_counts();
    // 29 more of cancel_order (30 less "question 5"), 68 more of order_status (70 less the two relabelled).
    assert_eq!((counts["cancel_order"], counts["order_status"]), (2 + 29, 2 + 68), "{counts:?}");
    assert!(relais_dialogue::Playbook::load_dir(&intents).is_ok(), "the playbook accepts the reviewed file");
    // Exported again: the same file.
    let first = std::fs::read_to_string(intents.join("en/reviewed.yml")).unwrap();
    succeeded(&relais(&args));
    assert_eq!(std::fs::read_to_string(intents.join("en/reviewed.yml")).unwrap(), first);
}

#[tokio::test]
async fn an_agent_is_given_the_reviewer_role_and_it_is_taken_away() {
    let dir = tempfile::tempdir().unwrap();
    reviewed(dir.path()).await;
    let data = dir.path().to_str().unwrap();
    let given = succeeded(&relais(&["agent", "--data-dir", data, "reviewer", "--email", "REV@example.com"]));
    assert!(given.contains("rev@example.com> now reviews"), "{given}");
    assert!(succeeded(&relais(&["agent", "--data-dir", data, "list"])).contains("\tadmin reviewer\t"));
    let taken = succeeded(&relais(&["agent", "--data-dir", data, "reviewer", "--email", "rev@example.com", "--revoke"]));
    assert!(taken.contains("no longer reviews"), "{taken}");
    let unknown = relais(&["agent", "--data-dir", data, "reviewer", "--email", "nobody@example.com"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody@example.com"), "{unknown:?}");
}
