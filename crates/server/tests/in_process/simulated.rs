//! Simulated conversations: only a server built with `Server::simulated()` marks the
//! conversations it starts, whatever a visitor sends; and a server's clock stamps every
//! event.

use std::collections::BTreeMap;

use relais_dialogue::EventKind;
use relais_server::{Clock, ServerConfig};
use serde_json::json;

use crate::support::*;

/// Whether conversation `id`'s `started` event is marked simulated, and the visitor's
/// claimed attributes in it.
async fn started(server: &TestServer, id: &str) -> (bool, BTreeMap<String, String>) {
    let events = server.store.events_after(id, 0).await.unwrap();
    match &events[0].event.kind {
        EventKind::Started { simulated, visitor, .. } => (*simulated, visitor.clone()),
        other => panic!("the first event is {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_cannot_mark_a_conversation_simulated() {
    let server = TestServer::start().await;
    let hello = json!({
        "type": "hello", "lang": "en", "simulated": true,
        "visitor": {"simulated": "true", "plan": "pro"},
    });
    let (mut client, welcome) = visitor(&server, hello).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_owned();
    client
        .send(json!({"type": "identify", "visitor": {"simulated": true}, "simulated": true}))
        .await;
    say(&mut client, "m1", "where is my order").await;
    let (simulated, claims) = started(&server, &id).await;
    assert!(!simulated, "a visitor's claim is only an attribute");
    assert_eq!(claims.get("simulated").map(String::as_str), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_server_marks_its_conversations_and_stamps_them_with_its_clock() {
    const THEN: i64 = 1_700_000_000_000;
    let server = TestServer::built(ServerConfig::default(), |server| {
        server.with_clock(Clock::from_fn(|| THEN)).simulated()
    })
    .await;
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(welcome["events"][0]["at"], "2023-11-14T22:13:20.000Z");
    say(&mut client, "m1", "where is my order").await;
    assert!(started(&server, &id).await.0);
    let events = server.store.events_after(&id, 0).await.unwrap();
    assert!(events.iter().all(|stored| stored.event.at == THEN), "every event at the clock's time");
    assert_eq!(server.store.conversation(&id).await.unwrap().unwrap().created_at, THEN);
}
