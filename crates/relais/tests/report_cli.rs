//! `relais report`: the figures of a data folder's conversations as JSON, a table and
//! CSV, and a data folder that holds none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use relais_dialogue::{Event, EventKind, ReasonCode};
use relais_store::Store;
use serde_json::Value;

/// 2025-03-10T00:00:00Z.
const START: i64 = 1_741_564_800_000;

fn relais(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("relais runs")
}

fn event(at: i64, kind: EventKind) -> Event {
    Event { at, kind }
}

fn started(at: i64, id: &str) -> Event {
    event(at, EventKind::Started {
        conversation_id: id.into(),
        lang: Some("en".into()),
        visitor: BTreeMap::new(),
        verified_user_id: None,
        browser_id: None,
        simulated: false,
        channel: None,
    })
}

fn message(at: i64, text: &str) -> Event {
    event(at, EventKind::VisitorMessage {
        text: text.into(),
        client_id: text.into(),
    })
}

/// Two conversations on 10 March 2025: one an intent resolved, one escalated; and one
/// on 1 April, outside the window.
async fn data_folder(dir: &Path) {
    let store = Store::open(dir.join("relais.db")).await.unwrap();
    let answer = EventKind::BotMessage {
        text: "We open at 9.".into(),
        quick_replies: Vec::new(),
        sources: Vec::new(),
        intent: Some("opening_hours".into()),
        ask_feedback: false,
    };
    let resolved = [started(START, "a"), message(START + 1_000, "hours"), event(START + 2_000, answer), event(START + 2_000, EventKind::Resolved)];
    let escalation = EventKind::HandoffRequested {
        reason: ReasonCode::ExplicitRequest,
        detail: String::new(),
    };
    let escalated = [started(START + 60_000, "b"), message(START + 61_000, "a person"), event(START + 62_000, escalation)];
    store.append("a", &resolved).await.unwrap();
    store.append("b", &escalated).await.unwrap();
    let april = START + 22 * 86_400_000;
    store.append("c", &[started(april, "c"), message(april + 1_000, "hi")]).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn relais_report_prints_the_figures_of_a_window() {
    let dir = tempfile::tempdir().unwrap();
    data_folder(dir.path()).await;
    let data = dir.path().to_str().unwrap();
    let window = ["--from", "2025-03-01", "--to", "2025-04-01", "--data-dir", data];

    let output = relais(&[&["report"][..], &window, &["--json"]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    // a and b started in March, c in April: 2 conversations, 1 resolved by the bot and
    // 1 escalated; containment (2 − 1) / 2; 1 × (8.01 − 0.10) saved.
    let count = |name: &str| summary[name].as_u64().unwrap();
    assert_eq!(
        [count("conversations"), count("engaged"), count("bot_resolved_confirmed"), count("escalated")],
        [2, 2, 1, 1],
        "{summary}"
    );
    assert_eq!(summary["containment_rate"].as_f64(), Some(0.5));
    assert_eq!(summary["cost_saved"].as_f64(), Some(7.91));
    assert_eq!(summary["from"], "2025-03-01T00:00:00.000Z");

    let table = relais(&[&["report"][..], &window].concat());
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("containment_rate") && table.contains("50.0 %"), "{table}");
    assert!(table.lines().any(|line| line.split_whitespace().eq(["explicit_request", "1"])), "{table}");
    // The breakdowns follow: a's intent, and both conversations in English.
    assert!(table.contains("Per intent answered") && table.contains("opening_hours"), "{table}");
    assert!(table.lines().any(|line| line.split_whitespace().eq(["en", "2", "2", "1", "50.0", "%"])), "{table}");

    let csv = relais(&[&["report"][..], &window, &["--csv"]].concat());
    let csv = String::from_utf8(csv.stdout).unwrap();
    let rows: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[1].starts_with("a,2025-03-10T00:00:00.000Z,en,widget,,opening_hours,false,"), "{csv}");

    let empty = tempfile::tempdir().unwrap();
    let missing = relais(&["report", "--from", "2025-03-01", "--to", "2025-04-01", "--data-dir", empty.path().to_str().unwrap()]);
    assert!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("no relais.db") && said.contains("--data-dir"), "{said}");
    assert!(!empty.path().join("relais.db").exists(), "nothing is created");
}
