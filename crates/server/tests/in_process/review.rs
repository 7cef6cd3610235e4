//! The review inbox over HTTP after real conversations: the bot's turns newest first with
//! what it predicted and did, filtered by kind, in pages; labels given, changed and
//! refused; the advisor over the labelled turns; admins only.

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
    assert_eq!(refusal(&server.get("/v1/advisor?target_error=1.5", Some(&admin)).await).0, 400);
    assert_eq!(refusal(&server.get("/v1/advisor", Some(&agent)).await).0, 403);

    // Bad queries say what to send; agents who are not admins are refused.
    let bad_kind = server.get("/v1/review?kind=everything", Some(&admin)).await;
    assert_eq!(refusal(&bad_kind).0, 400);
    assert!(bad_kind.1["error"]["message"].as_str().unwrap().contains("low_confidence"), "{bad_kind:?}");
    assert_eq!(refusal(&server.get("/v1/review?cursor=nonsense", Some(&admin)).await).0, 400);
    assert_eq!(refusal(&server.get("/v1/review?from=yesterday", Some(&admin)).await).0, 400);
    assert_eq!(refusal(&server.get("/v1/review", Some(&agent)).await).0, 403);
    let not_admin = server.post(&format!("/v1/review/{id}/label"), Some(&agent), json!({"label": "oos"})).await;
    assert_eq!(refusal(&not_admin).0, 403);
}
