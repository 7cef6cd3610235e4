//! `relais simulate` fills a data folder through the real server with conversations
//! marked simulated, spread over the days asked, with escalations, agents and ratings;
//! `relais purge --simulated` removes them and only them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};

use relais_dialogue::{Event, EventKind, HandoffState};
use relais_store::Store;

const DAY: i64 = 86_400_000;

fn relais(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
        .env("RUST_BACKTRACE", "0")
        // The repository's trained models and knowledge index, not new ones per folder.
        .env("RELAIS__NLU__MODELS_OUT", "data/models")
        .env("RELAIS__KNOWLEDGE__INDEX_DIR", "data/knowledge")
        .args(args)
        .output()
        .expect("relais runs")
}

fn succeeded(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// One conversation's events.
struct Log {
    id: String,
    events: Vec<relais_store::StoredEvent>,
}

#[tokio::test]
async fn simulated_conversations_are_made_through_the_server_and_purged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let before = relais_server::now_ms();
    let said = succeeded(&relais(&["simulate", "--conversations", "20", "--days", "3", "--seed", "7", "--data-dir", data]));
    assert!(said.contains("simulated 20 conversations over the last 3 days"), "{said}");

    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    let tallies = store.tallies_started(before - 5 * DAY, before).await.unwrap();
    let browsers: BTreeSet<&str> = tallies.iter().filter_map(|c| c.tally.browser_id.as_deref()).collect();
    assert!(browsers.len() < tallies.len(), "some browsers come back: {browsers:?}");
    let mut logs = Vec::new();
    for started in tallies.clone() {
        let events = store.events_after(&started.id, 0).await.unwrap();
        logs.push(Log { id: started.id, events });
    }
    assert_eq!(logs.len(), 20, "every conversation started in the last days");
    let kinds: Vec<&EventKind> = logs.iter().flat_map(|log| &log.events).map(|stored| &stored.event.kind).collect();
    for log in &logs {
        assert!(
            matches!(log.events[0].event.kind, EventKind::Started { simulated: true, .. }),
            "conversation {} is marked simulated",
            log.id
        );
    }
    let days: BTreeSet<i64> = logs.iter().map(|log| log.events[0].event.at / DAY).collect();
    assert!(days.len() >= 2, "spread over the days: {days:?}");
    let today = before / DAY;
    assert!(days.iter().all(|day| (today - 3..=today).contains(day)), "within the last 3 days: {days:?}");
    let count = |wanted: fn(&EventKind) -> bool| kinds.iter().filter(|kind| wanted(kind)).count();
    assert!(count(|k| matches!(k, EventKind::HandoffRequested { .. })) > 0, "some escalate");
    assert!(count(|k| matches!(k, EventKind::Handoff { state: HandoffState::AgentJoined, .. })) > 0, "an agent claims");
    assert!(count(|k| matches!(k, EventKind::AgentMessage { .. })) > 0, "an agent answers");
    assert!(count(|k| matches!(k, EventKind::ConversationRated { .. })) > 0, "visitors rate conversations");
    let french = logs.iter().filter(|log| matches!(&log.events[0].event.kind, EventKind::Started { lang: Some(lang), .. } if lang == "fr"));
    assert!(french.count() > 0, "some visitors write in French");

    let again = succeeded(&relais(&["simulate", "--if-empty", "--data-dir", data]));
    assert!(again.contains("already holds 20 conversations: nothing simulated"), "{again}");

    // A real conversation beside them.
    let real = Event {
        at: before,
        kind: EventKind::Started {
            conversation_id: "real".into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            simulated: false,
            channel: None,
        },
    };
    store.append("real", &[real]).await.unwrap();
    store.close().await;

    let refused = relais(&["purge", "--data-dir", data]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("relais purge --simulated"), "{why}");

    let said = succeeded(&relais(&["purge", "--simulated", "--data-dir", data]));
    assert!(said.contains("removed 20 simulated conversations and 2 simulated agents"), "{said}");
    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    assert!(store.agents().await.unwrap().iter().all(|a| !a.email.ends_with("@simulated-agent.invalid")), "the simulated agents are gone");
    let left = store.tallies_started(0, i64::MAX).await.unwrap();
    assert_eq!(left.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["real"]);
    assert_eq!(store.count_callback_requests(None).await.unwrap(), 0);
    store.close().await;
}
