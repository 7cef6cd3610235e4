//! Limits and error codes: every refusal answers with its code and keeps the socket
//! open (but a frame over 4 × the size limit); conversation starts per address; frames
//! per second on both sockets; texts over the character limit.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use relais_server::ServerConfig;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::*;

fn code(frame: &Value) -> &str {
    frame["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_and_error_code_answers_and_keeps_the_socket() {
    let server = TestServer::with(|config: &mut ServerConfig| {
        config.limits.max_frame_bytes = 4096;
        config.limits.frames_burst = 12.0;
        config.limits.frames_per_second = 0.5;
        config.limits.sockets_per_ip = 3;
        config.allowed_origins = vec!["https://shop.example".into(), "https://www.shop.example".into()];
    })
    .await;
    let mut client = Client::connect(&server.ws("/v1/ws")).await;

    client
        .send(json!({"type": "message", "client_id": "x", "text": "hi"}))
        .await;
    assert_eq!(code(&client.recv().await), "bad_frame", "hello comes first");
    client.send(json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(client.recv().await["type"], "welcome");
    client.send_raw("{not json".into()).await;
    assert_eq!(code(&client.recv().await), "bad_frame");
    client.send(json!({"type": "dance"})).await;
    assert_eq!(code(&client.recv().await), "unknown_type");
    client.send(json!({"type": "message", "text": "no client id"})).await;
    assert_eq!(code(&client.recv().await), "bad_frame");
    client
        .send(json!({"type": "message", "client_id": "long", "text": "a".repeat(2001)}))
        .await;
    assert_eq!(code(&client.recv().await), "too_long");
    client
        .send(json!({"type": "message", "client_id": "ok", "text": "é".repeat(2000)}))
        .await;
    let frames = client.recv_until(|f| f["type"] == "ack" || f["type"] == "error").await;
    assert_eq!(
        frames.last().unwrap()["type"],
        "ack",
        "2000 characters are allowed: {frames:?}"
    );
    client.drain().await; // the bot's answer follows the ack
    client.send(json!({"type": "page_view", "url": "x".repeat(5000)})).await;
    let frames = client.recv_until(|f| f["type"] == "error").await;
    assert_eq!(code(frames.last().unwrap()), "too_long", "frame over 4096 bytes");
    client.send(json!({"type": "callback_request", "name": "Bo"})).await;
    assert_eq!(
        code(&client.recv().await),
        "bad_frame",
        "a callback needs a way to call back"
    );
    client.send_raw("{\"type\": \"hello\"}".into()).await;
    assert_eq!(code(&client.recv().await), "bad_frame", "a second hello");

    // Burst of 12 spent above (10 frames so far): the next ones are over the rate
    // (a page view has no answer but this refusal).
    for i in 0..8 {
        client.send(json!({"type": "page_view", "url": format!("/p{i}")})).await;
    }
    let refused = client.recv().await;
    assert_eq!(code(&refused), "rate_limited", "the socket is rate limited: {refused}");

    // A frame over 4 times the limit closes the socket (the only limit that does).
    client.send_raw("x".repeat(20_000)).await;
    assert_eq!(client.closed().await, Some(CloseCode::Size));

    // Sockets per IP: three open, the fourth is refused with 429. (The socket closed above
    // frees its place once the server's side of it has ended.)
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(Client::connect_once_freed(&server.ws("/v1/ws")).await);
    }
    assert_eq!(
        upgrade_status(server.ws("/v1/ws")).await,
        429,
        "a fourth socket is refused"
    );
    drop(open);

    // Origin allow-list.
    let from = |origin: &str| {
        let mut request = server.ws("/v1/ws").into_client_request().unwrap();
        request.headers_mut().insert("Origin", origin.parse().unwrap());
        request
    };
    assert_eq!(
        upgrade_status_once_freed(|| from("https://evil.example")).await,
        403,
        "a foreign origin is refused"
    );
    assert_eq!(
        upgrade_status_once_freed(|| from("https://shop.example")).await,
        101,
        "an allowed origin is let in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_starts_are_limited_per_address() {
    let server = TestServer::with(|config: &mut ServerConfig| config.limits.conversations_per_ip_per_minute = 2).await;
    let (_one, first) = visitor(&server, json!({"type": "hello"})).await;
    let (_two, _) = visitor(&server, json!({"type": "hello"})).await;
    let mut third = Client::connect(&server.ws("/v1/ws")).await;
    third.send(json!({"type": "hello"})).await;
    let refused = third.recv().await;
    assert_eq!(code(&refused), "rate_limited", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains(" s"),
        "it says when to retry: {refused}"
    );

    // Resuming is no start, and the refused socket may still resume.
    third
        .send(json!({"type": "hello", "conversation_id": first["conversation_id"],
                     "token": first["token"], "last_seq": 0}))
        .await;
    assert_eq!(third.recv().await["type"], "welcome");

    // Another address has starts of its own.
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let mut other = Client::connect_from(&server.ws("/v1/ws"), elsewhere).await;
    other.send(json!({"type": "hello"})).await;
    let welcome = other.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
}

/// Sends `request_agent`; returns the `handoff` event or the error that answers it.
async fn ask_for_a_person(client: &mut Client) -> Value {
    client.send(json!({"type": "request_agent"})).await;
    let frames = client
        .recv_until(|f| f["kind"] == "handoff" || f["type"] == "error")
        .await;
    frames.into_iter().next_back().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_for_a_person_cost_the_address_nothing() {
    let server = TestServer::with(|config: &mut ServerConfig| {
        config.limits.handoffs_per_ip_per_minute = 2;
        config.limits.handoffs_per_conversation_per_minute = 1;
    })
    .await;
    let (mut one, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(ask_for_a_person(&mut one).await["kind"], "handoff", "the address's first");
    let refused = ask_for_a_person(&mut one).await;
    assert_eq!(code(&refused), "rate_limited", "the conversation's second: {refused}");

    let (mut two, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    two.send(json!({"type": "close"})).await;
    two.recv_until(|f| f["kind"] == "closed").await;
    let refused = ask_for_a_person(&mut two).await;
    assert_eq!(code(&refused), "closed", "{refused}");

    // Neither refusal was charged: the address still has its second request, and
    // no more.
    let (mut three, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let second = ask_for_a_person(&mut three).await;
    assert_eq!(second["kind"], "handoff", "a refusal took the address's token: {second}");
    let (mut four, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let third = ask_for_a_person(&mut four).await;
    assert_eq!(code(&third), "rate_limited", "the address's limit still holds: {third}");
}

/// Sends `count` frames of an unknown type at once; returns the codes of the `error`
/// frames that answer them (each is refused, as an unknown type or over the rate).
async fn burst(client: &mut Client, count: usize) -> Vec<String> {
    for _ in 0..count {
        client.send(json!({"type": "dance"})).await;
    }
    let mut codes = Vec::new();
    while codes.len() < count {
        let frame = client.recv().await;
        if frame["type"] == "error" {
            codes.push(code(&frame).to_string());
        }
    }
    codes
}

fn count(codes: &[String], wanted: &str) -> usize {
    codes.iter().filter(|c| *c == wanted).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_over_the_rate_are_dropped_until_the_bucket_refills() {
    let server = TestServer::with(|config: &mut ServerConfig| {
        config.limits.frames_burst = 3.0;
        config.limits.frames_per_second = 2.0;
    })
    .await;
    // A visitor: hello took one of 3; of 6 frames at once, 2 pass (a little more if
    // the bucket refilled meanwhile), the others are refused and the socket stays open.
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let codes = burst(&mut client, 6).await;
    assert_eq!(codes[..2], ["unknown_type", "unknown_type"], "{codes:?}");
    assert!(count(&codes, "rate_limited") >= 1, "{codes:?}");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (seq, _) = say(&mut client, "m1", "hello").await;
    assert!(seq > 0, "the bucket refilled");

    // An agent socket gets 4 times as much: a burst of 12.
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &token).await;
    let codes = burst(&mut ann, 20).await;
    assert_eq!(codes[..12], ["unknown_type"; 12], "{codes:?}");
    assert!(count(&codes, "rate_limited") >= 1, "{codes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_over_the_limit_are_too_long_everywhere() {
    let server = TestServer::with(|config: &mut ServerConfig| config.limits.max_message_chars = 50).await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &token).await;
    let Waiting { mut client, id, .. } = queued_visitor(&server).await;

    // The visitor: characters, not bytes, are counted.
    client
        .send(json!({"type": "message", "client_id": "long", "text": "a".repeat(51)}))
        .await;
    assert_eq!(code(&client.recv().await), "too_long");
    client
        .send(json!({"type": "page_view", "url": "/", "title": "t".repeat(51)}))
        .await;
    assert_eq!(code(&client.recv().await), "too_long");
    let (_, frames) = say(&mut client, "fits", &"é".repeat(50)).await;
    assert!(frames.iter().all(|f| f["type"] != "error"), "{frames:?}");

    // The agent, on a conversation they hold.
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    for frame in [
        json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "b".repeat(51)}),
        json!({"type": "note", "conversation_id": id, "text": "n".repeat(51)}),
        json!({"type": "close", "conversation_id": id, "resolution": "r".repeat(51)}),
    ] {
        ann.send(frame.clone()).await;
        let refused = ann.recv_until(|f| f["type"] == "error").await.pop().unwrap();
        assert_eq!(code(&refused), "too_long", "{frame}");
    }
    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a2", "text": "b".repeat(50)}))
        .await;
    assert_eq!(
        ann.recv_until(|f| f["type"] == "ack").await.pop().unwrap()["client_id"],
        "a2"
    );

    // A knowledge search over HTTP.
    let path = format!("/v1/knowledge/search?q={}&lang=en", "q".repeat(51));
    assert_eq!(refusal(&server.get(&path, Some(&token)).await), (400, "too_long"));
    let (status, found) = server
        .get("/v1/knowledge/search?q=assemble%20bookshelf&lang=en", Some(&token))
        .await;
    assert_eq!(status, 200, "{found}");
    // A region's tag searches its language's articles.
    let (_, british) = server
        .get("/v1/knowledge/search?q=assemble%20bookshelf&lang=en-GB", Some(&token))
        .await;
    assert_eq!((british["hits"].as_array().map(Vec::len), &british), (found["hits"].as_array().map(Vec::len), &found));
    assert!(found["hits"][0].is_object(), "{found}");
}
