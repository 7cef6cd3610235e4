//! The store on PostgreSQL, always (whatever `RELAIS_TEST_STORE` says): two handles on
//! one database stand for two nodes; the schema version and a newer schema refused.

use relais_dialogue::{Event, EventKind, HandoffState, ReasonCode};
use relais_pgtest::Cluster;
use relais_store::{Backend, Error, NewAgent, Role, Store, VisitorAppend};

fn visitor(at: i64, text: &str) -> Event {
    Event {
        at,
        kind: EventKind::VisitorMessage {
            text: text.into(),
            client_id: format!("c{at}"),
        },
    }
}

fn handoff(at: i64, state: HandoffState) -> Event {
    Event {
        at,
        kind: EventKind::handoff(state, Some(ReasonCode::ExplicitRequest)),
    }
}

fn new_agent(email: &str) -> NewAgent {
    NewAgent {
        email: email.into(),
        name: "Ada".into(),
        role: Role::Agent,
        reviewer: false,
        password: "pw".into(),
    }
}

async fn two_nodes() -> (Store, Store) {
    let url = Cluster::shared().create_database();
    let a = Store::connect(&url).await.expect("node a connects");
    let b = Store::connect(&url).await.expect("node b connects");
    assert_eq!(a.backend(), Backend::Postgres);
    (a, b)
}

#[tokio::test]
async fn appends_from_two_nodes_share_one_gapless_seq_and_a_message_is_stored_once() {
    let (a, b) = two_nodes().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let node = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            // The same client id twice, once per node: stored once.
            let event = visitor(1_000 + i / 2, "hello");
            node.append_visitor_message("c1", &format!("m{}", i / 2), &[event], None).await
        }));
    }
    let mut stored = 0;
    let mut duplicates = 0;
    for task in tasks {
        match task.await.unwrap().expect("append") {
            VisitorAppend::Stored(_) => stored += 1,
            VisitorAppend::Duplicate { .. } => duplicates += 1,
        }
    }
    assert_eq!((stored, duplicates), (20, 20));
    let seqs: Vec<u64> = b.events_after("c1", 0).await.unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
}

#[tokio::test]
async fn exactly_one_of_two_nodes_claims_a_queued_conversation_in_each_of_100_trials() {
    let (a, b) = two_nodes().await;
    let ann = a.add_agent(new_agent("ann@example.com"), 0).await.unwrap();
    let bob = b.add_agent(new_agent("bob@example.com"), 0).await.unwrap();
    for trial in 0..100 {
        let id = format!("t{trial}");
        a.append(&id, &[visitor(1, "a person please"), handoff(2, HandoffState::Queued)]).await.unwrap();
        let joined = [handoff(3, HandoffState::AgentJoined)];
        let (first, second) = tokio::join!(a.claim(&id, ann.id, &joined), b.claim(&id, bob.id, &joined));
        let wins = [first.is_ok(), second.is_ok()];
        assert_eq!(wins.iter().filter(|won| **won).count(), 1, "trial {trial}: {wins:?}");
        for lost in [first, second].into_iter().filter_map(Result::err) {
            assert!(matches!(lost, Error::NotQueued { .. }), "{lost}");
        }
        assert_eq!(a.events_after(&id, 0).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn a_schema_newer_than_this_relais_is_refused_with_a_message_that_says_so() {
    let url = Cluster::shared().create_database();
    let store = Store::connect(&url).await.unwrap();
    let version = store.schema_version().await.unwrap();
    assert!(version >= 9);
    store.close().await;
    // A later Relais's migration, as sqlx records it.
    Cluster::shared().sql(&url, &format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({}, 'later', TRUE, '\\x00', 0)",
        version + 1
    ));
    let refused = Store::connect(&url).await.unwrap_err();
    let message = refused.to_string();
    assert!(matches!(refused, Error::SchemaNewer { .. }), "{message}");
    assert!(message.contains(&format!("schema version {}", version + 1)), "{message}");
    assert!(message.contains("newer than this Relais knows"), "{message}");
}

#[tokio::test]
async fn an_unknown_url_and_an_unreachable_server_say_what_to_check() {
    let unknown = Store::connect("mysql://localhost/relais").await.unwrap_err().to_string();
    assert!(unknown.contains("use sqlite://"), "{unknown}");
    let down = Store::connect("postgres://relais:secret@127.0.0.1:1/relais").await.unwrap_err().to_string();
    assert!(down.contains("check [store] url"), "{down}");
    assert!(!down.contains("secret"), "the password is not shown: {down}");
}
