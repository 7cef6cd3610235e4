//! `relais serve` end to end: a real server process, real WebSocket clients
//! (tokio-tungstenite), a real SQLite file. Each test starts its own server on a free
//! port with its own data folder; the models and the knowledge index are the repository's.


mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_conversation_with_a_sourced_answer() {
    let (_dir, server) = Server::start(&[("RELAIS__SERVER__METRICS_TOKEN", "scrape")]);
    let (mut client, welcome) = visitor(
        &server,
        json!({"type": "hello", "lang": "en", "page": {"url": "/products", "title": "Products"}}),
    )
    .await;
    assert_eq!(welcome["resumed"], false);
    let greeting = &welcome["events"][0];
    assert_eq!((&greeting["kind"], &greeting["from"]), (&json!("message"), &json!("bot")));
    assert!(welcome["token"].as_str().unwrap().len() >= 32);

    let (seq, frames) = say(&mut client, "m1", "how do I assemble the Atlas bookshelf").await;
    assert!(seq > greeting["seq"].as_u64().unwrap());
    let echo = frames.iter().find(|f| f["from"] == "visitor").expect("the message is echoed");
    assert_eq!((echo["seq"].as_u64(), &echo["client_id"]), (Some(seq), &json!("m1")));
    let answer = bot_messages(&frames)[0];
    assert!(answer["seq"].as_u64().unwrap() > seq);
    assert!(answer["at"].as_str().unwrap().ends_with('Z'));
    let sources = answer["sources"].as_array().expect("a sourced answer");
    assert!(sources[0]["title"].as_str().unwrap().contains("Atlas"), "{answer}");
    assert!(sources[0]["url"].as_str().unwrap().starts_with("https://"));
    assert_eq!(answer["ask_feedback"], true);
    let ordered = seqs(&frames);
    assert!(ordered.windows(2).all(|w| w[0] < w[1]), "{ordered:?}");

    client
        .send(json!({"type": "feedback", "seq": answer["seq"], "helpful": true}))
        .await;
    let thanks = client.recv().await;
    assert_eq!(thanks["from"], "bot", "{thanks}");

    let (status, metrics) = {
        let mut response = http()
            .get(&server.url("/metrics"))
            .header("Authorization", "Bearer scrape")
            .call()
            .unwrap();
        (response.status().as_u16(), response.body_mut().read_to_string().unwrap())
    };
    assert_eq!(status, 200);
    assert!(metrics.contains("relais_messages_total{from=\"visitor\"} 1"), "{metrics}");
    assert!(metrics.contains("relais_reply_seconds_count 1"), "{metrics}");
    assert!(metrics.contains("relais_connections{endpoint=\"visitor\"} 1"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_claim_messages_both_ways_and_hand_back() {
    let (_dir, server) = Server::start(&[]);
    server.add_agent("ann@example.com", "Ann");
    let token = server.login("ann@example.com");
    let (mut ann, queue) = agent(&server, &token).await;
    assert_eq!(queue["conversations"], json!([]));

    let (mut client, welcome) = visitor(
        &server,
        json!({"type": "hello", "lang": "en", "visitor": {"plan": "gold", "visits": 3},
               "page": {"url": "/help", "title": "Help"}}),
    )
    .await;
    let id = welcome["conversation_id"].as_str().unwrap().to_string();
    say(&mut client, "m1", "where is my order").await;
    client
        .send(json!({"type": "page_view", "url": "/orders", "title": "Orders"}))
        .await;
    let (_, frames) = say(&mut client, "m2", "I want to talk to a human").await;
    let queued = frames
        .iter()
        .find(|f| f["kind"] == "handoff")
        .expect("a handoff event");
    assert_eq!(
        (&queued["state"], &queued["reason"], &queued["position"]),
        (&json!("queued"), &json!("explicit_request"), &json!(1)),
        "{queued}"
    );

    let queue = ann.recv_until(|f| f["type"] == "queue" && f["conversations"] != json!([])).await;
    let waiting = &queue.last().unwrap()["conversations"][0];
    assert_eq!(waiting["conversation_id"], json!(id));
    assert_eq!((&waiting["reason"], &waiting["lang"]), (&json!("explicit_request"), &json!("en")));
    assert_eq!(waiting["preview"], "I want to talk to a human");

    ann.send(json!({"type": "claim", "conversation_id": id})).await;
    let frames = ann.recv_until(|f| f["type"] == "conversation").await;
    let conversation = frames.last().unwrap();
    let context = &conversation["context"];
    assert_eq!(context["visitor"]["plan"], "gold");
    assert_eq!(context["visitor"]["visits"], "3");
    let pages: Vec<&str> = context["pages"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap()).collect();
    assert_eq!(pages, ["/help", "/orders"]);
    let intents = context["intents"].as_array().unwrap();
    assert_eq!(intents[0]["text"], "where is my order");
    assert_eq!(intents[0]["intent"], "order_status");
    assert!(intents[0]["confidence"].as_f64().unwrap() > 0.5);
    assert_eq!(context["escalation"]["reason"], "explicit_request");
    let transcript: Vec<&str> = conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == "visitor")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(transcript, ["where is my order", "I want to talk to a human"]);

    let joined = client.recv_until(|f| f["kind"] == "handoff").await;
    let joined = joined.last().unwrap();
    assert_eq!((&joined["state"], &joined["agent_name"]), (&json!("agent_joined"), &json!("Ann")));

    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "Hi, I'm Ann. Let me look."})).await;
    let frames = ann.recv_until(|f| f["type"] == "ack").await;
    assert_eq!(frames.last().unwrap()["conversation_id"], json!(id));
    let from_agent = client.recv_until(|f| f["kind"] == "message").await;
    let from_agent = from_agent.last().unwrap();
    assert_eq!(
        (&from_agent["from"], &from_agent["agent_name"], &from_agent["text"]),
        (&json!("agent"), &json!("Ann"), &json!("Hi, I'm Ann. Let me look."))
    );

    ann.send(json!({"type": "note", "conversation_id": id, "text": "gold customer, be quick"})).await;
    ann.send(json!({"type": "typing", "conversation_id": id})).await;
    let typing = client.recv_until(|f| f["kind"] == "typing").await;
    assert_eq!(typing.last().unwrap()["from"], "agent");

    // Under an agent the bot stays silent, and the agent hears the visitor.
    let (_, frames) = say(&mut client, "m3", "where is my order BW-482913?").await;
    assert!(bot_messages(&frames).is_empty(), "the bot spoke under an agent: {frames:?}");
    let heard = ann.recv_until(|f| f["kind"] == "message" && f["from"] == "visitor").await;
    let note_seen = heard.iter().any(|f| f["kind"] == "note" && f["text"] == "gold customer, be quick");
    assert!(note_seen, "the agent sees notes: {heard:?}");
    assert_eq!(heard.last().unwrap()["text"], "where is my order BW-482913?");
    assert!(frames.iter().all(|f| f["kind"] != "note"), "notes never reach the visitor");

    ann.send(json!({"type": "hand_back", "conversation_id": id})).await;
    let back = client.recv_until(|f| f["kind"] == "message" && f["from"] == "bot").await;
    assert!(back.iter().any(|f| f["kind"] == "handoff" && f["state"] == "returned_to_bot"), "{back:?}");
    let (_, frames) = say(&mut client, "m4", "how do I assemble the Atlas bookshelf").await;
    assert!(!bot_messages(&frames).is_empty(), "the bot answers again after hand back");

    // The log the console reads has everything, notes and intents included.
    let (status, events) = get_json(&server.url(&format!("/v1/conversations/{id}/events")), Some(&token));
    assert_eq!(status, 200);
    let kinds: Vec<String> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}{}", e["kind"].as_str().unwrap(), e["from"].as_str().map(|f| format!(" from {f}")).unwrap_or_default()))
        .collect();
    for kind in ["started", "page_viewed", "intent_predicted", "message from agent", "note from agent", "handoff"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    assert!(events.as_array().unwrap().iter().all(|e| e["type"] == "event" && e["conversation_id"] == id.as_str()));
    let (status, _) = get_json(&server.url(&format!("/v1/conversations/{id}/events")), None);
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_dropped_socket_loses_and_doubles_nothing() {
    let (_dir, server) = Server::start(&[]);
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].clone();
    let token = welcome["token"].clone();
    let (_, first) = say(&mut client, "m1", "how do I assemble the Atlas bookshelf").await;
    let seen = *seqs(&first).last().unwrap();
    let (_, missed) = say(&mut client, "m2", "what is your returns policy").await;
    drop(client);

    let (mut client, resumed) = visitor(
        &server,
        json!({"type": "hello", "conversation_id": id, "token": token, "last_seq": seen}),
    )
    .await;
    assert_eq!(resumed["resumed"], true);
    assert_eq!(resumed["conversation_id"], id);
    let replayed: Vec<Value> = resumed["events"].as_array().unwrap().clone();
    assert_eq!(seqs(&replayed), seqs(&missed), "exactly the missed events, in order");
    assert_eq!(replayed, missed);

    // A re-sent client_id is acknowledged with its first seq and stored once.
    client
        .send(json!({"type": "message", "client_id": "m2", "text": "what is your returns policy"}))
        .await;
    let again = client.recv().await;
    assert_eq!((&again["type"], &again["seq"]), (&json!("ack"), &missed[0]["seq"]));
    assert!(client.drain().await.is_empty(), "nothing new for a duplicate");

    // A second socket resuming from the start gets the whole history once.
    let (_other, everything) = visitor(
        &server,
        json!({"type": "hello", "conversation_id": id, "token": token, "last_seq": 0}),
    )
    .await;
    let everything = everything["events"].as_array().unwrap();
    assert_eq!(everything.len(), 1 + first.len() + missed.len());
    let all = seqs(everything);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
}

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
async fn two_agents_claiming_at_once_one_wins() {
    let (_dir, server) = Server::start(&[]);
    server.add_agent("ann@example.com", "Ann");
    server.add_agent("bob@example.com", "Bob");
    let (mut ann, _) = agent(&server, &server.login("ann@example.com")).await;
    let (mut bob, _) = agent(&server, &server.login("bob@example.com")).await;
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].clone();
    client.send(json!({"type": "request_agent"})).await;
    client.recv_until(|f| f["kind"] == "handoff" && f["state"] == "queued").await;

    let claim = json!({"type": "claim", "conversation_id": id});
    ann.send(claim.clone()).await;
    bob.send(claim).await;
    let outcome = |frames: Vec<Value>| frames.last().unwrap()["type"].as_str().unwrap().to_string();
    let is_answer = |f: &Value| f["type"] == "conversation" || f["type"] == "error";
    let ann_got = outcome(ann.recv_until(is_answer).await);
    let bob_got = outcome(bob.recv_until(is_answer).await);
    let mut results = [ann_got, bob_got];
    results.sort();
    assert_eq!(results, ["conversation", "error"]);
    let frames = client.recv_until(|f| f["kind"] == "handoff" && f["state"] == "agent_joined").await;
    assert_eq!(frames.iter().filter(|f| f["state"] == "agent_joined").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_and_error_code_answers_and_keeps_the_socket() {
    let (_dir, server) = Server::start(&[
        ("RELAIS__SERVER__LIMITS__MAX_FRAME_BYTES", "4096"),
        ("RELAIS__SERVER__LIMITS__FRAMES_BURST", "12"),
        ("RELAIS__SERVER__LIMITS__FRAMES_PER_SECOND", "0.5"),
        ("RELAIS__SERVER__LIMITS__SOCKETS_PER_IP", "3"),
        ("RELAIS__SERVER__ALLOWED_ORIGINS", "https://shop.example,https://www.shop.example"),
    ]);
    let mut client = Client::connect(&server.ws("/v1/ws")).await;
    let code = |frame: Value| frame["code"].as_str().unwrap_or("").to_string();

    client.send(json!({"type": "message", "client_id": "x", "text": "hi"})).await;
    assert_eq!(code(client.recv().await), "bad_frame", "hello comes first");
    client.send(json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(client.recv().await["type"], "welcome");
    client.send_raw("{not json".into()).await;
    assert_eq!(code(client.recv().await), "bad_frame");
    client.send(json!({"type": "dance"})).await;
    assert_eq!(code(client.recv().await), "unknown_type");
    client.send(json!({"type": "message", "text": "no client id"})).await;
    assert_eq!(code(client.recv().await), "bad_frame");
    client.send(json!({"type": "message", "client_id": "long", "text": "a".repeat(2001)})).await;
    assert_eq!(code(client.recv().await), "too_long");
    client.send(json!({"type": "message", "client_id": "ok", "text": "é".repeat(2000)})).await;
    let frames = client.recv_until(|f| f["type"] == "ack" || f["type"] == "error").await;
    assert_eq!(frames.last().unwrap()["type"], "ack", "2000 characters are allowed: {frames:?}");
    client.drain().await; // the bot's answer follows the ack
    client.send(json!({"type": "page_view", "url": "x".repeat(5000)})).await;
    let frames = client.recv_until(|f| f["type"] == "error").await;
    assert_eq!(code(frames.last().unwrap().clone()), "too_long", "frame over 4096 bytes");
    client.send(json!({"type": "callback_request", "name": "Bo"})).await;
    assert_eq!(code(client.recv().await), "bad_frame", "a callback needs a way to call back");
    client.send_raw("{\"type\": \"hello\"}".into()).await;
    assert_eq!(code(client.recv().await), "bad_frame", "a second hello");

    // Burst of 12 spent above (10 frames so far): the next ones are over the rate.
    let mut limited = false;
    for i in 0..5 {
        client.send(json!({"type": "page_view", "url": format!("/p{i}")})).await;
        let frames = client.drain().await;
        limited |= frames.iter().any(|f| f["code"] == "rate_limited");
    }
    assert!(limited, "the socket is rate limited");

    // A frame over 4 times the limit closes the socket (the only limit that does).
    client.send_raw("x".repeat(20_000)).await;
    assert_eq!(client.closed().await, Some(CloseCode::Size));

    // Sockets per IP: three open, the fourth is refused with 429.
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(Client::connect(&server.ws("/v1/ws")).await);
    }
    match connect_async(server.ws("/v1/ws")).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("a fourth socket was not refused: {:?}", other.map(|_| ())),
    }
    drop(open);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Origin allow-list.
    let mut request = server.ws("/v1/ws").into_client_request().unwrap();
    request.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    match connect_async(request).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    let mut request = server.ws("/v1/ws").into_client_request().unwrap();
    request.headers_mut().insert("Origin", "https://shop.example".parse().unwrap());
    assert!(connect_async(request).await.is_ok(), "an allowed origin is let in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_protect_conversations_and_agent_sockets() {
    let (_dir, server) = Server::start(&[]);
    let (_first, one) = visitor(&server, json!({"type": "hello"})).await;
    let (_second, two) = visitor(&server, json!({"type": "hello"})).await;

    let mut thief = Client::connect(&server.ws("/v1/ws")).await;
    thief
        .send(json!({"type": "hello", "conversation_id": two["conversation_id"],
                     "token": one["token"], "last_seq": 0}))
        .await;
    let refused = thief.recv().await;
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    thief
        .send(json!({"type": "hello", "conversation_id": "nope", "token": one["token"], "last_seq": 0}))
        .await;
    assert_eq!(thief.recv().await["code"], "not_found");
    thief.send(json!({"type": "hello", "conversation_id": "x"})).await;
    assert_eq!(thief.recv().await["code"], "bad_frame", "resume needs all three fields");
    thief.send(json!({"type": "hello"})).await;
    assert_eq!(thief.recv().await["type"], "welcome", "the socket stayed usable");

    // Agent sockets: no hello, a wrong token, no token.
    let mut anonymous = Client::connect(&server.ws("/v1/agent/ws")).await;
    anonymous.send(json!({"type": "claim", "conversation_id": "x"})).await;
    assert_eq!(anonymous.recv().await["code"], "unauthorized");
    anonymous.closed().await;
    let mut forger = Client::connect(&server.ws("/v1/agent/ws")).await;
    forger.send(json!({"type": "hello", "token": "forged"})).await;
    assert_eq!(forger.recv().await["code"], "unauthorized");
    forger.closed().await;

    server.add_agent("ann@example.com", "Ann");
    let (status, body) = post_json(
        &server.url("/v1/auth/login"),
        json!({"email": "ann@example.com", "password": "wrong password"}),
    );
    assert_eq!((status, &body["error"]["code"]), (401, &json!("unauthorized")));
    let (status, _) = get_json(&server.url("/v1/conversations"), Some("forged"));
    assert_eq!(status, 401);
    let token = server.login("ann@example.com");
    let (status, list) = get_json(&server.url("/v1/conversations?state=open"), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_agent_sessions_are_refused() {
    let (_dir, server) = Server::start(&[("RELAIS__SERVER__SESSION_HOURS", "0")]);
    server.add_agent("ann@example.com", "Ann");
    let token = server.login("ann@example.com");
    let mut client = Client::connect(&server.ws("/v1/agent/ws")).await;
    client.send(json!({"type": "hello", "token": token})).await;
    let refused = client.recv().await;
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("expired"));
    client.closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_agent_the_visitor_leaves_a_callback_request() {
    let (_dir, server) = Server::start(&[]);
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "fr"})).await;
    let (_, frames) = say(&mut client, "m1", "je veux parler à un conseiller").await;
    let handoff = frames.iter().find(|f| f["kind"] == "handoff").expect("a handoff event");
    assert_eq!(handoff["state"], "no_agent_available");
    let offer = bot_messages(&frames)[0];
    assert_eq!(offer["quick_replies"][0]["payload"], "/callback_request");
    client
        .send(json!({"type": "callback_request", "name": "Léa", "email": "lea@example.fr",
                     "preferred_time": "demain matin", "note": "<b>facture</b>"}))
        .await;
    let noted = client.recv().await;
    assert_eq!(noted["from"], "bot");
    assert!(noted["text"].as_str().unwrap().contains("conseiller"), "{noted}");

    server.add_agent("ann@example.com", "Ann");
    let token = server.login("ann@example.com");
    let (status, callbacks) = get_json(&server.url("/v1/callbacks"), Some(&token));
    assert_eq!(status, 200);
    let request = &callbacks[0];
    assert_eq!(request["conversation_id"], welcome["conversation_id"]);
    assert_eq!(
        (&request["name"], &request["email"], &request["note"]),
        (&json!("Léa"), &json!("lea@example.fr"), &json!("<b>facture</b>"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_business_hours_no_agent_is_available() {
    // Open only on the day after tomorrow (UTC): closed now, whenever the test runs.
    let closed_today = {
        let days = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"];
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        days[((now / 86_400 + 2) % 7) as usize]
    };
    let rule = format!("{closed_today} 00:00-24:00");
    let (_dir, server) = Server::start(&[("RELAIS__SERVER__BUSINESS_HOURS", rule.as_str())]);
    server.add_agent("ann@example.com", "Ann");
    let (_ann, _) = agent(&server, &server.login("ann@example.com")).await;
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    client.send(json!({"type": "request_agent"})).await;
    let frames = client.recv_until(|f| f["kind"] == "handoff").await;
    assert_eq!(frames.last().unwrap()["state"], "no_agent_available");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn away_agents_are_not_offered_conversations() {
    let (_dir, server) = Server::start(&[]);
    server.add_agent("ann@example.com", "Ann");
    let token = server.login("ann@example.com");
    let request_agent = |mut client: Client| async move {
        client.send(json!({"type": "request_agent"})).await;
        let frames = client.recv_until(|f| f["kind"] == "handoff").await;
        frames.last().unwrap()["state"].clone()
    };

    let (mut ann, _) = agent(&server, &token).await;
    ann.send(json!({"type": "status", "available": false})).await;
    let status = ann.recv_until(|f| f["type"] == "status").await;
    assert_eq!(status.last().unwrap()["available"], false);
    let (client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(request_agent(client).await, "no_agent_available");

    ann.send(json!({"type": "status", "available": true})).await;
    ann.recv_until(|f| f["type"] == "status").await;
    let (client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(request_agent(client).await, "queued");

    // Away from the first frame on: a console that reconnects keeps its status.
    ann.send(json!({"type": "status", "available": false})).await;
    ann.recv_until(|f| f["type"] == "status").await;
    let mut away = Client::connect(&server.ws("/v1/agent/ws")).await;
    away.send(json!({"type": "hello", "token": token, "available": false})).await;
    let welcome = away.recv().await;
    assert_eq!((&welcome["type"], &welcome["available"]), (&json!("welcome"), &json!(false)));
    let (client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(request_agent(client).await, "no_agent_available");

    away.send(json!({"type": "status", "available": "yes"})).await;
    let refused = away.recv_until(|f| f["type"] == "error").await;
    assert_eq!(refused.last().unwrap()["code"], "bad_frame");
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
