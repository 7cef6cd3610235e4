//! Retrain and reload without a restart: 1,000 visitors keep talking while the assistant
//! is reloaded — no socket dropped, every turn answered — and the new settings answer
//! after; a reload that fails keeps the old assistant and says why; admins only; a server
//! given no way to reload says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use relais_server::Reloader;
use relais_store::Role;
use serde_json::{Value, json};

use crate::support::*;

const VISITORS: usize = 1_000;

/// A reloader building the repository's assistant with `change` applied to its settings.
fn reloader(change: impl Fn(&mut relais_assistant::AssistantConfig) + Send + Sync + 'static) -> Reloader {
    Arc::new(move |current, step| {
        let mut config = assistant_config();
        change(&mut config);
        step("reloading".into());
        relais_assistant::reload(&config, current, |_| {}).map_err(|error| anyhow_chain(&error))
    })
}

/// An error with its sources, as one line.
fn anyhow_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}

/// Polls the reload status until it is no longer running.
async fn finished(server: &TestServer, admin: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, body) = server.get("/v1/admin/reload", Some(admin)).await;
        assert_eq!(status, 200, "{body}");
        if body["state"] != "running" {
            return body;
        }
        assert!(Instant::now() < deadline, "the reload ends: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_visitors_keep_talking_through_a_reload() {
    let mut config = relais_server::ServerConfig::default();
    config.limits.connections_per_ip = 4 * VISITORS;
    config.limits.sockets_per_ip = 4 * VISITORS;
    config.limits.conversations_per_ip_per_minute = 4 * VISITORS as u32;
    // The reload raises the answer threshold: the advisor reports the one in force.
    let server = TestServer::built(config, |server| {
        server.with_reloader(reloader(|config| config.dialogue.intent_confidence = 0.7))
    })
    .await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let (_, before) = server.get("/v1/advisor", Some(&admin)).await;
    assert!((before["current_threshold"].as_f64().unwrap() - 0.6).abs() < 1e-6, "{before}");

    let mut visitors = Vec::with_capacity(VISITORS);
    for _ in 0..VISITORS {
        visitors.push(visitor(&server, json!({"type": "hello", "lang": "en"})).await.0);
    }
    // Every visitor asks at once; the reload starts among them.
    let asked = visitors.iter_mut().enumerate().map(|(i, client)| async move {
        let text = if i % 2 == 0 { "where is my order" } else { "how long does delivery take" };
        let (_, frames) = say(client, "m1", text).await;
        let mut frames = frames;
        if !frames.iter().any(|f| f["from"] == "bot") {
            frames.extend(client.recv_until(|f| f["from"] == "bot").await);
        }
        frames
    });
    let reload = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, body) = server.post("/v1/admin/reload", Some(&admin), json!({})).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["state"], "running", "{body}");
        // Asked again while it runs: not a second one at once, but one more after it (the
        // first may have read the files before they changed).
        let (_, again) = server.post("/v1/admin/reload", Some(&admin), json!({})).await;
        assert!(again["state"] == "running" || again["state"] == "done", "{again}");
    };
    let (answers, ()) = tokio::join!(join_all(asked), reload);
    assert_eq!(answers.len(), VISITORS);
    for frames in &answers {
        assert!(frames.iter().any(|f| f["from"] == "bot"), "every turn answered: {frames:?}");
    }
    let mut done = finished(&server, &admin).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while done["reloads"].as_u64() < Some(2) && done["state"] != "failed" {
        assert!(Instant::now() < deadline, "the second reload ends: {done}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        done = finished(&server, &admin).await;
    }
    assert_eq!((done["state"].as_str(), done["reloads"].as_u64()), (Some("done"), Some(2)), "two reloads, one after the other: {done}");
    assert!(done["error"].is_null());

    // No socket was dropped: each still talks, now to the reloaded assistant.
    let again = visitors.iter_mut().map(|client| async move { say(client, "m2", "thanks").await.0 });
    assert_eq!(join_all(again).await.len(), VISITORS);
    let (_, after) = server.get("/v1/advisor", Some(&admin)).await;
    assert!((after["current_threshold"].as_f64().unwrap() - 0.7).abs() < 1e-6, "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_keeps_the_assistant_in_use_and_says_why() {
    let broken = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(broken.path().join("en")).unwrap();
    std::fs::write(broken.path().join("en/broken.yml"), "intents:\n  - name: [not, a, name]\n").unwrap();
    let intents = broken.path().to_path_buf();
    let server = TestServer::built(relais_server::ServerConfig::default(), |server| {
        server.with_reloader(reloader(move |config| {
            config.nlu.intents_dir = intents.clone();
            config.dialogue.intent_confidence = 0.9;
        }))
    })
    .await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let agent = server.signed_in("ann@example.com", "Ann").await;
    assert_eq!(refusal(&server.post("/v1/admin/reload", Some(&agent), json!({})).await).0, 403);
    assert_eq!(refusal(&server.get("/v1/admin/reload", Some(&agent)).await).0, 403);
    let (_, idle) = server.get("/v1/admin/reload", Some(&admin)).await;
    assert_eq!(idle["state"], "idle");

    let (status, _) = server.post("/v1/admin/reload", Some(&admin), json!({})).await;
    assert_eq!(status, 202);
    let failed = finished(&server, &admin).await;
    assert_eq!((failed["state"].as_str(), failed["reloads"].as_u64()), (Some("failed"), Some(0)), "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("broken.yml"), "says which file: {failed}");
    // The old assistant answers as before.
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let (_, frames) = say(&mut client, "m1", "where is my order").await;
    assert!(!bot_messages(&frames).is_empty(), "{frames:?}");
    let (_, advice) = server.get("/v1/advisor", Some(&admin)).await;
    assert!((advice["current_threshold"].as_f64().unwrap() - 0.6).abs() < 1e-6, "{advice}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_a_reloader_says_so() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let refused = server.post("/v1/admin/reload", Some(&admin), json!({})).await;
    assert_eq!(refusal(&refused).0, 404, "{refused:?}");
    assert!(refused.1["error"]["message"].as_str().unwrap().contains("restart"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_writes_the_advised_thresholds_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("thresholds.toml");
    let written = file.clone();
    let server = TestServer::built(relais_server::ServerConfig::default(), move |server| {
        server.with_reloader(reloader(|_| {})).with_thresholds_file(written)
    })
    .await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    // Too few reviewed turns: nothing written.
    let refused = server.post("/v1/advisor/apply", Some(&admin), json!({})).await;
    assert_eq!(refusal(&refused).0, 400, "{refused:?}");
    assert!(!file.exists());

    // 30 turns at confidence 1/30 … 30/30, the 10 lowest really another intent.
    let reviewer = server.store.agents().await.unwrap().into_iter().find(|a| a.email == "boss@example.com").unwrap();
    for i in 1..=30i64 {
        let id = format!("c{i}");
        let events = [
            relais_dialogue::Event {
                at: i,
                kind: relais_dialogue::EventKind::VisitorMessage {
                    text: format!("question {i}"),
                    client_id: "m1".into(),
                },
            },
            relais_dialogue::Event {
                at: i,
                kind: relais_dialogue::EventKind::IntentPredicted {
                    intent: "order_status".into(),
                    confidence: i as f32 / 30.0,
                    ranking: Vec::new(),
                    oos: false,
                    ambiguous: false,
                },
            },
        ];
        server.store.append(&id, &events).await.unwrap();
    }
    let query = relais_store::ReviewQuery {
        from: 0,
        to: 100,
        kind: None,
        threshold: 0.6,
        own_thresholds: Default::default(),
        before: None,
        limit: 100,
    };
    for turn in server.store.review_turns(&query).await.unwrap() {
        let label = if turn.turn.at <= 10 { "cancel_order" } else { "confirm" };
        server.store.label_turn(turn.id, label, reviewer.id, 50).await.unwrap();
    }
    let (status, applied) = server.post("/v1/advisor/apply", Some(&admin), json!({"target_error": 0.0})).await;
    assert_eq!(status, 202, "{applied}");
    // From 0.34 the 20 answered (11/30 … 30/30) are all right; at 0.33 the 10th is answered, wrongly.
    assert_eq!(applied["advice"]["threshold"], json!(0.34), "{applied}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\nintent_confidence = 0.34\n"), "{text}");
    assert_eq!(applied["reload"]["state"], "running", "{applied}");
    assert_eq!(finished(&server, &admin).await["state"], "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloader_that_panics_is_a_failed_reload_and_the_next_one_runs() {
    let panicking: Reloader = Arc::new(|_, _| panic!("a reloader that panics, on purpose"));
    let server = TestServer::built(relais_server::ServerConfig::default(), |server| server.with_reloader(panicking)).await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    for _ in 0..2 {
        let (status, _) = server.post("/v1/admin/reload", Some(&admin), json!({})).await;
        assert_eq!(status, 202);
        let failed = finished(&server, &admin).await;
        assert_eq!(failed["state"], "failed", "{failed}");
        assert!(failed["error"].as_str().unwrap().contains("panicked"), "{failed}");
    }
}

/// Copies the intent folders `from` into `to`, without the labels a local `make run`
/// may have exported there (reviewed.yml).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else if entry.file_name() != "reviewed.yml" {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// The intent the assistant now predicts for `text`, read from the review inbox.
async fn predicted(server: &TestServer, admin: &str, text: &str) -> String {
    let (mut client, _) = visitor(server, json!({"type": "hello", "lang": "en"})).await;
    say(&mut client, "m1", text).await;
    let (_, page) = server.get("/v1/review?limit=1", Some(admin)).await;
    let turn = &page["turns"][0];
    assert_eq!(turn["text"], text, "{page}");
    let prediction = &turn["prediction"];
    if prediction["oos"] == true { "oos".to_owned() } else { prediction["intent"].as_str().unwrap().to_owned() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_exports_the_labels_and_the_reload_trains_on_them() {
    // A copy of the repository's intents and a data folder of the test's own, so that the
    // model retrained with the labels replaces no one else's.
    let dir = tempfile::tempdir().unwrap();
    let intents = dir.path().join("intents");
    copy_dir(&root().join("intents"), &intents);
    let (for_reloader, data) = (intents.clone(), dir.path().join("data"));
    let thresholds = dir.path().join("thresholds.toml");
    let given = (intents.clone(), thresholds.clone());
    let server = TestServer::built(relais_server::ServerConfig::default(), move |server| {
        server
            .with_reloader(reloader(move |config| {
                config.nlu.intents_dir = for_reloader.clone();
                config.data_dir = data.clone();
            }))
            .with_thresholds_file(given.1)
            .with_intents_dir(given.0)
    })
    .await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    // Visitors ask about a festival the intents do not know; the team decides it is a
    // question of payment methods (the festival's tokens).
    let phrase = "is there a zebra umbrella festival";
    let before = predicted(&server, &admin, phrase).await;
    assert_ne!(before, "payment_methods", "the bot does not know the phrase yet");

    // 12 visitors said it in other words; a reviewer labels every one `payment_methods`.
    let variants = ["zebra umbrella festival tokens", "the umbrella festival for zebras", "when is the zebra umbrella festival"];
    for (i, text) in variants.iter().cycle().take(12).enumerate() {
        let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
        say(&mut client, "m1", &format!("{text} {}", "!".repeat(i / 3))).await;
    }
    let (_, page) = server.get("/v1/review?limit=12", Some(&admin)).await;
    for turn in page["turns"].as_array().unwrap() {
        let id = turn["id"].as_i64().unwrap();
        let (status, body) = server.post(&format!("/v1/review/{id}/label"), Some(&admin), json!({"label": "payment_methods"})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, applied) = server.post("/v1/advisor/apply", Some(&admin), json!({})).await;
    assert_eq!(status, 202, "{applied}");
    // Too few labels for a threshold: the examples alone are applied.
    assert_eq!(applied["written"], Value::Null, "{applied}");
    let english = &applied["export"]["languages"][0];
    assert_eq!((&english["lang"], &english["labels"]), (&json!("en"), &json!(12)), "{applied}");
    // The same message with trailing "!" differs only by punctuation: one example each.
    assert!(english["examples"].as_u64().unwrap() >= 3, "{applied}");
    let file = std::fs::read_to_string(intents.join("en/reviewed.yml")).unwrap();
    assert!(file.contains("the umbrella festival for zebras") && file.contains("intent: payment_methods"), "{file}");
    let done = finished(&server, &admin).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(predicted(&server, &admin, phrase).await, "payment_methods", "retrained on the labels");
}
