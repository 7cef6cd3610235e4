//! `Store::purge_simulated`: simulated conversations go with every row of theirs, in
//! every per-conversation table; the others stay whole.

use std::collections::BTreeMap;

use relais_dialogue::{Event, EventKind};
use relais_store::{MessageVector, Store};
use sqlx::Row;

fn event(at: i64, kind: EventKind) -> Event {
    Event { at, kind }
}

/// A conversation with a visitor message, the intent predicted, a bot answer, 👍 on it
/// and a callback request.
fn conversation(id: &str, simulated: bool) -> Vec<Event> {
    vec![
        event(1, EventKind::Started {
            conversation_id: id.into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            simulated,
            // On SMS: its bot messages go to the outbox (`deliveries`).
            channel: Some(relais_dialogue::ChannelAddress { name: "sms".into(), address: format!("+1555{id}") }),
        }),
        event(2, EventKind::VisitorMessage {
            text: "where is my parcel".into(),
            client_id: format!("{id}-m1"),
        }),
        event(3, EventKind::IntentPredicted {
            intent: "order_status".into(),
            confidence: 0.9,
            ranking: Vec::new(),
            oos: false,
            ambiguous: false,
        }),
        event(3, EventKind::BotMessage {
            text: "Here is how to track it.".into(),
            quick_replies: Vec::new(),
            sources: Vec::new(),
            intent: Some("order_status".into()),
            ask_feedback: true,
        }),
        event(4, EventKind::Feedback { seq: 4, helpful: true }),
        event(5, EventKind::CallbackRequested {
            name: Some("Sam".into()),
            email: Some("sam@example.com".into()),
            phone: None,
            preferred_time: None,
            note: None,
        }),
    ]
}

/// How many rows of conversation `id` each table holds (`conversations` by `id`, the
/// others by their `conversation_id` column), for every table of the schema that has one.
async fn rows_of(path: &std::path::Path, id: &str) -> BTreeMap<String, i64> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get("name"))
            .collect();
        let column = if table == "conversations" {
            "id"
        } else if columns.iter().any(|c| c == "conversation_id") {
            "conversation_id"
        } else {
            continue;
        };
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"));
        let count: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(&pool).await.unwrap();
        counts.insert(table, count);
    }
    pool.close().await;
    counts
}

#[tokio::test]
async fn purging_leaves_no_row_of_a_simulated_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relais.db");
    let store = Store::open(&path).await.unwrap();
    for (id, simulated) in [("sim-1", true), ("sim-2", true), ("real", false)] {
        // Started, then the visitor's message with what follows and its vector.
        let events = conversation(id, simulated);
        store.append(id, &events[..1]).await.unwrap();
        let message = format!("{id}-m1");
        store.append_visitor_message(id, &message, &events[1..], Some(MessageVector { encoder: "53aa51172d142c89", vector: &[0.6, 0.8] })).await.unwrap();
        store.record_inbound("sms", &format!("SM-{id}"), id, Some(2), 2).await.unwrap();
    }
    // A reviewer labels and flags each conversation's turn.
    let reviewer = store
        .add_agent(
            relais_store::NewAgent {
                email: "rev@example.com".into(),
                name: "Rev".into(),
                password: "a long enough password".into(),
                role: relais_store::Role::Admin,
                reviewer: false,
            },
            0,
        )
        .await
        .unwrap();
    let query = relais_store::ReviewQuery {
        from: 0,
        to: 100,
        kind: None,
        threshold: 0.5,
        own_thresholds: Default::default(),
        before: None,
        limit: 10,
    };
    for turn in store.review_turns(&query).await.unwrap() {
        store.label_turn(turn.id, "confirm", reviewer.id, 50).await.unwrap().unwrap();
    }
    // And flags (an agent flags only a conversation they hold: written here as the store
    // would).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    sqlx::query("INSERT INTO review_flags (turn_id, conversation_id, agent_id, at) SELECT id, conversation_id, $1, 50 FROM review_turns")
        .bind(reviewer.id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let before = rows_of(&path, "real").await;
    assert!(before.values().all(|&count| count > 0), "the real conversation has rows everywhere: {before:?}");
    assert_eq!(before, rows_of(&path, "sim-1").await);

    assert_eq!(store.purge_simulated().await.unwrap(), 2);

    for id in ["sim-1", "sim-2"] {
        let left = rows_of(&path, id).await;
        assert!(left.values().all(|&count| count == 0), "rows of {id} left: {left:?}");
    }
    assert_eq!(rows_of(&path, "real").await, before, "the real conversation is untouched");
    assert_eq!(store.events_after("real", 0).await.unwrap().len(), 6);
    assert_eq!(store.purge_simulated().await.unwrap(), 0, "nothing is left to purge");
}
