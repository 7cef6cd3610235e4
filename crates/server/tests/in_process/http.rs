//! The HTTP routes, answered in the same process: who may call them, the conversation log
//! in the wire format, the admin routes; and agent sessions that end.

use std::time::{Duration, Instant};

use relais_server::{ServerConfig, now_ms, rfc3339};
use relais_store::Role;
use serde_json::{Value, json};

use crate::support::*;

/// Whether `at` is an RFC 3339 UTC time with milliseconds, as the server writes them
/// (`2026-11-23T00:00:00.123Z`).
fn is_rfc3339_millis(at: &str) -> bool {
    let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    at.len() == shape.len()
        && at
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == 'd' { c.is_ascii_digit() } else { c == s })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_need_a_signed_in_agent_and_a_known_state() {
    let server = TestServer::start().await;
    let unknown = "/v1/conversations/0123456789abcdef0123456789abcdef/events";
    let reads = [
        "/v1/conversations",
        unknown,
        "/v1/callbacks",
        "/v1/knowledge/search?q=delivery",
        "/v1/agents",
    ];
    for path in reads {
        for token in [None, Some("forged")] {
            assert_eq!(
                refusal(&server.get(path, token).await),
                (401, "unauthorized"),
                "{path} {token:?}"
            );
        }
    }
    assert_eq!(server.post("/v1/auth/logout", None, json!({})).await.0, 401);
    let login = server
        .post("/v1/auth/login", None, json!({"email": "ann@example.com"}))
        .await;
    assert_eq!(refusal(&login), (400, "bad_frame"), "no password");

    let token = server.signed_in("ann@example.com", "Ann").await;
    let bogus = server.get("/v1/conversations?state=bogus", Some(&token)).await;
    assert_eq!(refusal(&bogus), (400, "bad_frame"));
    assert!(
        bogus.1["error"]["message"].as_str().unwrap().contains("bogus"),
        "{}",
        bogus.1
    );
    let answer = server.fetch("/v1/conversations?state=queued", Some(&token)).await;
    assert_eq!((answer.status, answer.header("x-total-count")), (200, "0"));
    assert_eq!(answer.json(), json!([]));
    assert_eq!(refusal(&server.get(unknown, Some(&token)).await), (404, "not_found"));

    // Signed out, the token is refused at once.
    assert_eq!(server.post("/v1/auth/logout", Some(&token), json!({})).await.0, 204);
    assert_eq!(server.get("/v1/conversations", Some(&token)).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_endpoint_speaks_the_wire_format() {
    let started = rfc3339(now_ms());
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &token).await;
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_string();
    say(&mut client, "m1", "where is my order").await;
    client.send(json!({"type": "request_agent"})).await;
    client.recv_until(|f| f["kind"] == "handoff").await;
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "Let me check."}))
        .await;
    ann.recv_until(|f| f["type"] == "ack").await;
    ann.send(json!({"type": "note", "conversation_id": id, "text": "check the courier"}))
        .await;
    ann.send(json!({"type": "close", "conversation_id": id, "resolution": "solved"}))
        .await;
    client.recv_until(|f| f["kind"] == "closed").await;

    let (status, log) = server
        .get(&format!("/v1/conversations/{id}/events"), Some(&token))
        .await;
    assert_eq!(status, 200, "{log}");
    let log = log.as_array().unwrap();
    let ended = rfc3339(now_ms());
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(
            (&entry["type"], &entry["conversation_id"]),
            (&json!("event"), &json!(id)),
            "{entry}"
        );
        assert_eq!(entry["seq"], i + 1, "every seq, from 1, in order: {entry}");
        let at = entry["at"].as_str().unwrap();
        assert!(
            is_rfc3339_millis(at) && *started <= *at && *at <= *ended,
            "{at} not within {started}..{ended}"
        );
        assert!(entry["kind"].is_string(), "{entry}");
    }
    let of_kind = |kind: &str| log.iter().filter(|e| e["kind"] == kind).collect::<Vec<&Value>>();
    let predicted = of_kind("intent_predicted");
    assert!(
        predicted
            .iter()
            .any(|e| e["intent"] == "order_status" && e["confidence"].as_f64().is_some() && e["ranking"].is_array()),
        "{predicted:?}"
    );
    let agent_said: Vec<&Value> = of_kind("message")
        .into_iter()
        .filter(|e| e["from"] == "agent")
        .collect();
    assert_eq!(agent_said.len(), 1, "{log:?}");
    assert_eq!(
        (&agent_said[0]["text"], &agent_said[0]["agent_name"]),
        (&json!("Let me check."), &json!("Ann"))
    );
    let notes = of_kind("note");
    assert_eq!(
        (notes.len(), &notes[0]["from"], &notes[0]["text"]),
        (1, &json!("agent"), &json!("check the courier"))
    );
    let closed = of_kind("closed");
    assert_eq!(
        (&closed[0]["by"], &closed[0]["resolution"]),
        (&json!("agent"), &json!("solved"))
    );
    assert!(
        of_kind("handoff")
            .iter()
            .any(|e| e["state"] == "queued" && e["position"] == 1)
    );
    assert_eq!(of_kind("started").len(), 1, "internal kinds are in the log too");
    for old in ["agent_message", "agent_note"] {
        assert!(of_kind(old).is_empty(), "the old kind {old} is gone");
    }
}

/// `POST /v1/agents/disable {email}` as the agent signed in with `token`.
async fn disable(server: &TestServer, token: &str, email: &str) -> (u16, Value) {
    server
        .post("/v1/agents/disable", Some(token), json!({"email": email}))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_and_disable_agents() {
    let server = TestServer::start().await;
    server.add_agent("ada@example.com", "Ada", Role::Admin).await;
    let admin = server.login("ada@example.com").await;
    let ann = server.signed_in("ann@example.com", "Ann").await;
    let bob = server.signed_in("bob@example.com", "Bob").await;

    // An agent is no admin.
    assert_eq!(refusal(&server.get("/v1/agents", Some(&ann)).await), (403, "not_admin"));
    assert_eq!(
        refusal(&disable(&server, &ann, "bob@example.com").await),
        (403, "not_admin")
    );
    assert_eq!(
        server.get("/v1/conversations", Some(&bob)).await.0,
        200,
        "Bob was left alone"
    );

    // The admin sees the team, by email.
    let (status, team) = server.get("/v1/agents", Some(&admin)).await;
    assert_eq!(status, 200, "{team}");
    let team = team.as_array().unwrap().clone();
    let rows: Vec<[&str; 3]> = team
        .iter()
        .map(|a| ["email", "name", "role"].map(|field| a[field].as_str().unwrap()))
        .collect();
    let expected = [
        ["ada@example.com", "Ada", "admin"],
        ["ann@example.com", "Ann", "agent"],
        ["bob@example.com", "Bob", "agent"],
    ];
    assert_eq!(rows, expected);
    let fresh = |a: &Value| a["disabled_at"].is_null() && a["created_at"].is_i64() && a["id"].is_i64();
    assert!(team.iter().all(fresh), "{team:?}");

    // Disabling Bob ends his session and closes his socket within seconds.
    let (mut socket, _) = agent(&server, &bob).await;
    let disabled_at = Instant::now();
    let (status, disabled) = disable(&server, &admin, "bob@example.com").await;
    assert_eq!(
        (status, &disabled["email"]),
        (200, &json!("bob@example.com")),
        "{disabled}"
    );
    let when = disabled["disabled_at"].as_i64().expect("a time in ms");
    let ended = socket.recv_until(|f| f["type"] == "error").await.pop().unwrap();
    assert_eq!(ended["code"], "unauthorized");
    socket.closed().await;
    assert!(disabled_at.elapsed() < Duration::from_secs(5), "closed within seconds");
    assert_eq!(server.get("/v1/conversations", Some(&bob)).await.0, 401);
    let login = json!({"email": "bob@example.com", "password": PASSWORD});
    assert_eq!(
        server.post("/v1/auth/login", None, login).await.0,
        401,
        "a disabled agent cannot log in"
    );
    let (_, team) = server.get("/v1/agents", Some(&admin)).await;
    let disabled: Vec<&str> = team
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["disabled_at"].is_null())
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(disabled, ["bob@example.com"]);

    // Again changes nothing; oneself, an unknown email or an oversized one are refused.
    let (status, again) = disable(&server, &admin, "BOB@example.com").await;
    assert_eq!((status, again["disabled_at"].as_i64()), (200, Some(when)));
    assert_eq!(
        refusal(&disable(&server, &admin, " Ada@Example.com ").await),
        (400, "bad_frame")
    );
    assert_eq!(
        refusal(&disable(&server, &admin, "nobody@example.com").await),
        (404, "not_found")
    );
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(refusal(&disable(&server, &admin, &long).await), (400, "bad_frame"));
    assert_eq!(
        server.get("/v1/conversations", Some(&admin)).await.0,
        200,
        "the admin is still in"
    );
    assert_eq!(server.get("/v1/conversations", Some(&ann)).await.0, 200, "so is Ann");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_agent_sessions_are_refused() {
    let server = TestServer::with(|config: &mut ServerConfig| config.session_hours = 0).await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    assert_eq!(server.get("/v1/conversations", Some(&token)).await.0, 401);
    let mut client = Client::connect(&server.ws("/v1/agent/ws")).await;
    client.send(json!({"type": "hello", "token": token})).await;
    let refused = client.recv().await;
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("expired"));
    client.closed().await;
}
