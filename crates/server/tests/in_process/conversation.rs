//! Whole conversations: a sourced answer with feedback and metrics, an escalation that an
//! agent claims, answers and hands back, and a callback request when no agent is there.

use relais_server::ServerConfig;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_conversation_with_a_sourced_answer() {
    let server = TestServer::with(|config: &mut ServerConfig| config.metrics_token = Some("scrape".into())).await;
    let (mut client, welcome) = visitor(
        &server,
        json!({"type": "hello", "lang": "en", "page": {"url": "/products", "title": "Products"}}),
    )
    .await;
    assert_eq!(welcome["resumed"], false);
    let greeting = &welcome["events"][0];
    assert_eq!(
        (&greeting["kind"], &greeting["from"]),
        (&json!("message"), &json!("bot"))
    );
    assert!(welcome["token"].as_str().unwrap().len() >= 32);

    let (seq, frames) = say(&mut client, "m1", "how do I assemble the Atlas bookshelf").await;
    assert!(seq > greeting["seq"].as_u64().unwrap());
    let echo = frames
        .iter()
        .find(|f| f["from"] == "visitor")
        .expect("the message is echoed");
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

    let metrics = server.fetch("/metrics", Some("scrape")).await;
    assert_eq!(metrics.status, 200);
    let metrics = metrics.text;
    assert!(
        metrics.contains("relais_messages_total{from=\"visitor\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("relais_reply_seconds_count 1"), "{metrics}");
    assert!(
        metrics.contains("relais_connections{endpoint=\"visitor\"} 1"),
        "{metrics}"
    );
}

/// The claimer sees its `agent_joined` in the `conversation` frame, and not again as a
/// live event; what follows arrives live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claimer_sees_agent_joined_once() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &token).await;
    let Waiting { mut client, id, .. } = queued_visitor(&server).await;

    let conversation = claim(&mut ann, &id).await;
    assert_eq!(conversation["type"], "conversation", "{conversation}");
    let joined: Vec<&serde_json::Value> = conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "handoff" && e["state"] == "agent_joined")
        .collect();
    assert_eq!(joined.len(), 1, "{conversation}");
    let again = ann.drain().await;
    assert!(
        !again.iter().any(|f| f["conversation_id"] == id && f["seq"] == joined[0]["seq"]),
        "agent_joined came again: {again:?}"
    );

    say(&mut client, "m9", "are you there?").await;
    let heard = ann
        .recv_until(|f| f["kind"] == "message" && f["from"] == "visitor")
        .await;
    assert_eq!(heard.last().unwrap()["text"], "are you there?");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_claim_messages_both_ways_and_hand_back() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
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
    let queued = frames.iter().find(|f| f["kind"] == "handoff").expect("a handoff event");
    assert_eq!(
        (&queued["state"], &queued["reason"], &queued["position"]),
        (&json!("queued"), &json!("explicit_request"), &json!(1)),
        "{queued}"
    );

    let queue = ann
        .recv_until(|f| f["type"] == "queue" && f["conversations"] != json!([]))
        .await;
    let waiting = &queue.last().unwrap()["conversations"][0];
    assert_eq!(waiting["conversation_id"], json!(id));
    assert_eq!(
        (&waiting["reason"], &waiting["lang"]),
        (&json!("explicit_request"), &json!("en"))
    );
    assert_eq!(waiting["preview"], "I want to talk to a human");

    let conversation = claim(&mut ann, &id).await;
    let context = &conversation["context"];
    assert_eq!(context["visitor"]["plan"], "gold");
    assert_eq!(context["visitor"]["visits"], "3");
    let pages: Vec<&str> = context["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
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
    assert_eq!(
        (&joined["state"], &joined["agent_name"]),
        (&json!("agent_joined"), &json!("Ann"))
    );

    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "Hi, I'm Ann. Let me look."}))
        .await;
    let frames = ann.recv_until(|f| f["type"] == "ack").await;
    assert_eq!(frames.last().unwrap()["conversation_id"], json!(id));
    let from_agent = client.recv_until(|f| f["kind"] == "message").await;
    let from_agent = from_agent.last().unwrap();
    assert_eq!(
        (&from_agent["from"], &from_agent["agent_name"], &from_agent["text"]),
        (&json!("agent"), &json!("Ann"), &json!("Hi, I'm Ann. Let me look."))
    );

    ann.send(json!({"type": "note", "conversation_id": id, "text": "gold customer, be quick"}))
        .await;
    ann.send(json!({"type": "typing", "conversation_id": id})).await;
    let typing = client.recv_until(|f| f["kind"] == "typing").await;
    assert_eq!(typing.last().unwrap()["from"], "agent");

    // Under an agent the bot stays silent, and the agent hears the visitor.
    let (_, frames) = say(&mut client, "m3", "where is my order BW-482913?").await;
    assert!(
        bot_messages(&frames).is_empty(),
        "the bot spoke under an agent: {frames:?}"
    );
    let heard = ann
        .recv_until(|f| f["kind"] == "message" && f["from"] == "visitor")
        .await;
    let note_seen = heard
        .iter()
        .any(|f| f["kind"] == "note" && f["text"] == "gold customer, be quick");
    assert!(note_seen, "the agent sees notes: {heard:?}");
    assert_eq!(heard.last().unwrap()["text"], "where is my order BW-482913?");
    assert!(
        frames.iter().all(|f| f["kind"] != "note"),
        "notes never reach the visitor"
    );

    ann.send(json!({"type": "hand_back", "conversation_id": id})).await;
    let back = client
        .recv_until(|f| f["kind"] == "message" && f["from"] == "bot")
        .await;
    assert!(
        back.iter()
            .any(|f| f["kind"] == "handoff" && f["state"] == "returned_to_bot"),
        "{back:?}"
    );
    let (_, frames) = say(&mut client, "m4", "how do I assemble the Atlas bookshelf").await;
    assert!(
        !bot_messages(&frames).is_empty(),
        "the bot answers again after hand back"
    );

    // The log the console reads has everything, notes and intents included.
    let (status, events) = server
        .get(&format!("/v1/conversations/{id}/events"), Some(&token))
        .await;
    assert_eq!(status, 200);
    let kinds: Vec<String> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}{}",
                e["kind"].as_str().unwrap(),
                e["from"].as_str().map(|f| format!(" from {f}")).unwrap_or_default()
            )
        })
        .collect();
    for kind in [
        "started",
        "page_viewed",
        "intent_predicted",
        "message from agent",
        "note from agent",
        "handoff",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "event" && e["conversation_id"] == id.as_str())
    );
    let (status, _) = server.get(&format!("/v1/conversations/{id}/events"), None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_agent_the_visitor_leaves_a_callback_request() {
    let server = TestServer::start().await;
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "fr"})).await;
    let (_, frames) = say(&mut client, "m1", "je veux parler à un conseiller").await;
    let handoff = frames.iter().find(|f| f["kind"] == "handoff").expect("a handoff event");
    assert_eq!(handoff["state"], "no_agent_available");
    let offer = bot_messages(&frames)[0];
    assert_eq!(offer["quick_replies"][0]["payload"], "/callback_request");
    client
        .send(
            json!({"type": "callback_request", "name": "Léa", "email": "lea@example.fr",
                     "preferred_time": "demain matin", "note": "<b>facture</b>"}),
        )
        .await;
    let noted = client.recv().await;
    assert_eq!(noted["from"], "bot");
    assert!(noted["text"].as_str().unwrap().contains("conseiller"), "{noted}");

    let token = server.signed_in("ann@example.com", "Ann").await;
    let (status, callbacks) = server.get("/v1/callbacks", Some(&token)).await;
    assert_eq!(status, 200);
    let request = &callbacks[0];
    assert_eq!(request["conversation_id"], welcome["conversation_id"]);
    assert_eq!(
        (&request["name"], &request["email"], &request["note"]),
        (&json!("Léa"), &json!("lea@example.fr"), &json!("<b>facture</b>"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_rates_the_conversation_once_asked() {
    let server = TestServer::start().await;
    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_string();
    client.send(json!({"type": "rate", "score": 2})).await;
    assert_eq!(client.recv().await["code"], "bad_frame", "nobody asked yet");

    let (_, frames) = say(&mut client, "m1", "how do I assemble the Atlas bookshelf").await;
    let answer = bot_messages(&frames)[0];
    client
        .send(json!({"type": "feedback", "seq": answer["seq"], "helpful": true}))
        .await;
    let request = client.recv_until(|f| f["kind"] == "rating_request").await.pop().unwrap();
    assert_eq!(request["scale"], 2, "{request}");
    client.send(json!({"type": "rate", "score": 3})).await;
    assert_eq!(client.recv().await["code"], "bad_frame", "3 is off the thumbs scale");
    client.send(json!({"type": "rate", "score": 2})).await;
    client.send(json!({"type": "rate", "score": 1})).await;
    assert_eq!(client.recv().await["code"], "bad_frame", "answered already");

    let admin = server.signed_in("ann@example.com", "Ann").await;
    let (_, events) = server.get(&format!("/v1/conversations/{id}/events"), Some(&admin)).await;
    let ratings: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "rating")
        .map(|e| (e["score"].clone(), e["scale"].clone(), e["from"].clone()))
        .collect();
    assert_eq!(ratings, [(json!(2), json!(2), json!("visitor"))]);
}
