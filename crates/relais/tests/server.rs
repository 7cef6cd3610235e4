//! `relais serve` end to end, for what needs a process of its own: a `kill -9` and a
//! restart, SIGTERM, and what the binary wires up (the knowledge watcher, the reload on
//! SIGHUP). Each test
//! starts its own server on a free port with its own data folder; the models and the
//! knowledge index are the repository's. Everything else about the server is tested in
//! the same process, in `crates/server/tests/in_process`.

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_restarts_with_every_acknowledged_event() {
    let (_dir, server) = Server::start(&[]);
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let (id, token) = (welcome["conversation_id"].clone(), welcome["token"].clone());
    let (_, before) = say(&mut client, "m1", "how do I assemble the Atlas bookshelf").await;
    let server = server.kill_and_restart();
    drop(client);

    let (mut client, resumed) = visitor(
        &server,
        json!({"type": "hello", "conversation_id": id, "token": token, "last_seq": 0}),
    )
    .await;
    let events = resumed["events"].as_array().unwrap();
    let texts: Vec<&Value> = events.iter().map(|e| &e["text"]).collect();
    assert_eq!(events.len(), 1 + before.len(), "greeting + the acknowledged turn: {texts:?}");
    assert_eq!(&events[1..], &before[..]);
    let (seq, _) = say(&mut client, "m2", "thanks").await;
    assert!(seq > *seqs(&before).last().unwrap(), "seq goes on after the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_tells_sockets_to_reconnect() {
    let (_dir, mut server) = Server::start(&[]);
    let (mut client, _) = visitor(&server, json!({"type": "hello"})).await;
    say(&mut client, "m1", "hello").await;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert_eq!(client.closed().await, Some(CloseCode::Restart));
    let status = server.child.wait().unwrap();
    assert!(status.success(), "relais serve exits cleanly on SIGTERM: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_edited_on_disk_is_answered_without_a_restart() {
    let knowledge = tempfile::tempdir().unwrap();
    let index = tempfile::tempdir().unwrap();
    std::fs::create_dir(knowledge.path().join("en")).unwrap();
    for article in ["assemble-atlas-bookshelf.md", "assembly-service.md"] {
        std::fs::copy(root().join("knowledge/en").join(article), knowledge.path().join("en").join(article)).unwrap();
    }
    let (_dir, server) = Server::start(&[
        ("RELAIS__KNOWLEDGE__DIR", knowledge.path().to_str().unwrap()),
        ("RELAIS__KNOWLEDGE__INDEX_DIR", index.path().to_str().unwrap()),
    ]);
    server.add_agent("ann@example.com", "Ann");
    let token = server.login("ann@example.com");
    let search = || {
        let (status, found) = get_json(&server.url("/v1/knowledge/search?q=gift%20wrapping%20ribbons&lang=en"), Some(&token));
        assert_eq!(status, 200, "{found}");
        found["hits"][0]["title"].as_str().unwrap_or("").to_string()
    };
    assert_ne!(search(), "Gift wrapping");
    std::fs::write(
        knowledge.path().join("en/gift-wrapping.md"),
        "---\nid: gift-wrapping\ntitle: Gift wrapping\nlang: en\nurl: https://brightwood.example/help/gift-wrapping\n---\n\
         Any order can be gift wrapped in recycled paper with cotton ribbons for 4 euros; choose it at checkout.\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    while search() != "Gift wrapping" {
        assert!(started.elapsed() < Duration::from_secs(30), "the new article was not indexed within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_assistant_without_a_restart() {
    let (_dir, server) = Server::start(&[]);
    server.add_admin("boss@example.com", "Boss");
    let token = server.login("boss@example.com");
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    say(&mut client, "m1", "where is my order").await;
    let status = || get_json(&server.url("/v1/admin/reload"), Some(&token)).1;
    assert_eq!(status()["state"], "idle");
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let started = std::time::Instant::now();
    let done = loop {
        let now = status();
        if now["state"] == "done" || now["state"] == "failed" {
            break now;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the reload ends: {now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((done["state"].as_str(), done["reloads"].as_u64()), (Some("done"), Some(1)), "{done}");
    // The same socket goes on with the reloaded assistant.
    let (_, frames) = say(&mut client, "m2", "how long does delivery take").await;
    assert!(frames.iter().any(|f| f["from"] == "bot"), "{frames:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_channel_key_made_by_the_cli_is_taken_by_the_server_until_revoked() {
    let (dir, server) = Server::start(&[
        ("RELAIS__CHANNELS__REST__WEBHOOK_URL", "http://127.0.0.1:9/hook"),
        ("RELAIS__CHANNELS__REST__WEBHOOK_SECRET", "webhook-secret"),
    ]);
    let add_key = || {
        Command::new(env!("CARGO_BIN_EXE_relais"))
            .current_dir(root())
            .args(["channel", "add-key", "--name", "mobile-app", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let made = add_key();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let key = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(key.starts_with("rlk_") && key.len() == 68, "{key}");
    let again = add_key();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&again.stderr));

    let send = |key: &str| {
        let mut response = http()
            .post(&server.url("/v1/channels/rest/messages"))
            .header("Authorization", &format!("Bearer {key}"))
            .send_json(json!({"user_id": "u-1", "text": "how do I return an item"}))
            .unwrap();
        (response.status().as_u16(), response.body_mut().read_json::<Value>().unwrap_or(Value::Null))
    };
    assert_eq!(send("rlk_0000").0, 401);
    let (status, answer) = send(&key);
    assert_eq!(status, 200, "{answer}");
    assert!(answer["events"].as_array().unwrap().iter().any(|e| e["from"] == "bot"), "{answer}");

    let revoked = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(root())
        .args(["channel", "revoke-key", "--name", "mobile-app", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert_eq!(send(&key).0, 401, "a revoked key is refused");
}
