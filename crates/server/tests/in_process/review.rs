//! The review inbox over HTTP after real conversations: the bot's turns newest first with
//! what it predicted and did, filtered by kind, in pages; labels given, changed and
//! refused; the advisor over the labelled turns; admins and reviewers only; agents' flags
//! from a held conversation.

use relais_store::Role;
use serde_json::{Value, json};

use crate::support::*;

fn texts(page: &Value) -> Vec<&str> {
    page["turns"].as_array().unwrap().iter().map(|t| t["text"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bots_turns_are_listed_labelled_and_paged() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let agent = server.signed_in("ann@example.com", "Ann").await;

    // Two turns of one visitor: a question the bot answers, then nonsense it cannot place.
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    say(&mut client, "m1", "which payment methods do you accept").await;
    say(&mut client, "m2", "zxqv blorp wubba flarn").await;

    let (status, page) = server.get("/v1/review", Some(&admin)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(texts(&page), ["zxqv blorp wubba flarn", "which payment methods do you accept"], "newest first: {page}");
    assert_eq!(page["next_cursor"], Value::Null);
    let answered = &page["turns"][1];
    assert_eq!(answered["prediction"]["intent"], "payment_methods", "{answered}");
    assert_eq!(answered["answered_intent"], "payment_methods", "{answered}");
    let ranking = answered["prediction"]["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), 3, "the three best intents: {answered}");
    assert!(ranking[0]["confidence"].as_f64() >= ranking[1]["confidence"].as_f64());
    assert_eq!(answered["lang"], "en");
    let lost = &page["turns"][0];
    assert_eq!(lost["answered_intent"], Value::Null, "{lost}");
    assert!(lost["fallback"].is_string(), "the bot fell back: {lost}");

    // The nonsense is a turn the bot found nothing for; the answered one is not.
    let (_, no_article) = server.get("/v1/review?kind=no_article", Some(&admin)).await;
    assert_eq!(texts(&no_article), ["zxqv blorp wubba flarn"]);
    // Pages of one, the cursor from the last.
    let (_, first) = server.get("/v1/review?limit=1", Some(&admin)).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = server.get(&format!("/v1/review?limit=1&cursor={cursor}"), Some(&admin)).await;
    assert_eq!(texts(&second), ["which payment methods do you accept"]);

    // Labels: an intent the bot knows, then changed; refused otherwise.
    let id = lost["id"].as_i64().unwrap();
    let (status, labelled) = server.post(&format!("/v1/review/{id}/label"), Some(&admin), json!({"label": "oos"})).await;
    assert_eq!(status, 200, "{labelled}");
    assert_eq!((&labelled["label"]["label"], &labelled["label"]["by"]), (&json!("oos"), &json!("boss@example.com")));
    let (_, changed) = server
        .post(&format!("/v1/review/{id}/label"), Some(&admin), json!({"label": "order_status"}))
        .await;
    assert_eq!(changed["label"]["label"], "order_status", "{changed}");
    let refused = server.post(&format!("/v1/review/{id}/label"), Some(&admin), json!({"label": "no_such_intent"})).await;
    assert_eq!(refusal(&refused).0, 400, "{refused:?}");
    assert!(refused.1["error"]["message"].as_str().unwrap().contains("needs_article"), "{refused:?}");
    let missing = server.post("/v1/review/99999/label", Some(&admin), json!({"label": "oos"})).await;
    assert_eq!(refusal(&missing).0, 404, "{missing:?}");
    let (_, page) = server.get("/v1/review", Some(&admin)).await;
    assert_eq!(page["turns"][0]["label"]["label"], "order_status");

    // The advisor over the one labelled turn: too few to advise, so the threshold in force.
    let (status, advice) = server.get("/v1/advisor?target_error=0.05", Some(&admin)).await;
    assert_eq!(status, 200, "{advice}");
    assert_eq!((advice["labelled_turns"].as_u64(), advice["reachable"].as_bool()), (Some(1), Some(false)), "{advice}");
    assert_eq!(advice["curve"].as_array().unwrap().len(), 101);
    assert_eq!(advice["per_intent"].as_object().unwrap().len(), 1, "{advice}");
    let (_, french) = server.get("/v1/advisor?lang=fr", Some(&admin)).await;
    assert_eq!(french["labelled_turns"], 0);
    let (_, english) = server.get("/v1/advisor?lang=en-US", Some(&admin)).await;
    assert_eq!(english["labelled_turns"], 1, "{english}");
    assert_eq!(refusal(&server.get("/v1/advisor?target_error=1.5", Some(&admin)).await).0, 400);
    assert_eq!(refusal(&server.get("/v1/advisor", Some(&agent)).await).0, 403);

    // Bad queries say what to send; agents who are not admins are refused.
    let bad_kind = server.get("/v1/review?kind=everything", Some(&admin)).await;
    assert_eq!(refusal(&bad_kind).0, 400);
    assert!(bad_kind.1["error"]["message"].as_str().unwrap().contains("low_confidence"), "{bad_kind:?}");
    assert_eq!(refusal(&server.get("/v1/review?cursor=nonsense", Some(&admin)).await).0, 400);
    assert_eq!(refusal(&server.get("/v1/review?from=yesterday", Some(&admin)).await).0, 400);
    let refused = server.get("/v1/review", Some(&agent)).await;
    assert_eq!(refusal(&refused), (403, "not_reviewer"), "{refused:?}");
    let not_reviewer = server.post(&format!("/v1/review/{id}/label"), Some(&agent), json!({"label": "oos"})).await;
    assert_eq!(refusal(&not_reviewer).0, 403);

    // An admin gives Ann the reviewer role: she reviews, but applies nothing.
    let (status, ann) = server.post("/v1/agents/reviewer", Some(&admin), json!({"email": "ann@example.com", "reviewer": true})).await;
    assert_eq!((status, &ann["reviewer"]), (200, &json!(true)), "{ann}");
    assert_eq!(refusal(&server.post("/v1/agents/reviewer", Some(&agent), json!({"email": "ann@example.com", "reviewer": true})).await).0, 403);
    let (status, page) = server.get("/v1/review", Some(&agent)).await;
    assert_eq!(status, 200, "{page}");
    // The intents to label with, with the titles the intent files give them.
    let intents = page["intents"].as_array().unwrap();
    assert!(intents.contains(&json!({"name": "cancel_subscription", "title": "Cancel Brightwood Plus"})), "{intents:?}");
    assert!(intents.iter().all(|i| i["name"] != "oos"));
    let (status, by_ann) = server.post(&format!("/v1/review/{id}/label"), Some(&agent), json!({"label": "confirm"})).await;
    assert_eq!((status, &by_ann["label"]["by"]), (200, &json!("ann@example.com")), "{by_ann}");
    assert_eq!(server.get("/v1/advisor", Some(&agent)).await.0, 200);
    let apply = server.post("/v1/advisor/apply", Some(&agent), json!({})).await;
    assert_eq!(refusal(&apply), (403, "not_admin"), "{apply:?}");
    server.post("/v1/agents/reviewer", Some(&admin), json!({"email": "ann@example.com", "reviewer": false})).await;
    assert_eq!(refusal(&server.get("/v1/review", Some(&agent)).await).0, 403, "the role taken away");
    let unknown = server.post("/v1/agents/reviewer", Some(&admin), json!({"email": "nobody@example.com", "reviewer": true})).await;
    assert_eq!(refusal(&unknown).0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_flags_a_bot_turn_of_a_conversation_they_hold() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let ann_token = server.signed_in("ann@example.com", "Ann").await;
    let bob_token = server.signed_in("bob@example.com", "Bob").await;
    let (mut ann, _) = agent(&server, &ann_token).await;
    let (mut bob, _) = agent(&server, &bob_token).await;

    let (mut client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_owned();
    let (_, frames) = say(&mut client, "m1", "which payment methods do you accept").await;
    let reply = bot_messages(&frames)[0]["seq"].as_u64().unwrap();
    // Rated 👍: kept apart by the advisor.
    client.send(json!({"type": "feedback", "seq": reply, "helpful": true})).await;
    client.send(json!({"type": "request_agent"})).await;
    client.recv_until(|f| f["kind"] == "handoff").await;

    // Not held yet: refused.
    ann.send(json!({"type": "flag", "conversation_id": id, "seq": reply})).await;
    assert_eq!(ann.recv_until(|f| f["type"] == "error").await.pop().unwrap()["code"], "not_holder");
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    ann.send(json!({"type": "flag", "conversation_id": id, "seq": reply})).await;
    let flagged = ann.recv_until(|f| f["type"] == "flagged" || f["type"] == "error").await.pop().unwrap();
    assert_eq!((&flagged["type"], &flagged["seq"]), (&json!("flagged"), &json!(reply)), "{flagged}");
    // Another agent, who does not hold it, cannot; nor a seq before any message.
    bob.send(json!({"type": "flag", "conversation_id": id, "seq": reply})).await;
    assert_eq!(bob.recv_until(|f| f["type"] == "error").await.pop().unwrap()["code"], "not_holder");
    ann.send(json!({"type": "flag", "conversation_id": id, "seq": 1})).await;
    let refused = ann.recv_until(|f| f["type"] == "error").await.pop().unwrap();
    assert_eq!(refused["code"], "bad_frame", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("typed question"), "{refused}");
    ann.send(json!({"type": "flag", "conversation_id": id})).await;
    assert_eq!(ann.recv_until(|f| f["type"] == "error").await.pop().unwrap()["code"], "bad_frame");

    let (_, page) = server.get("/v1/review?kind=flagged", Some(&admin)).await;
    assert_eq!(texts(&page), ["which payment methods do you accept"], "{page}");
    let turn = &page["turns"][0];
    assert_eq!((&turn["id"], &turn["flagged"]["by"], &turn["flagged"]["times"]), (&flagged["turn_id"], &json!("ann@example.com"), &json!(1)));
    assert_eq!(turn["rated_helpful"], true, "{turn}");
    let (_, advice) = server.get("/v1/advisor", Some(&admin)).await;
    assert_eq!((&advice["labelled_turns"], &advice["rated_helpful"]["turns"]), (&json!(0), &json!(1)), "{advice}");
}
