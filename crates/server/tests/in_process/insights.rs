//! The insights endpoints over HTTP after real conversations: the summary, the
//! breakdowns, the conversations behind a count, the CSV; admins only; windows that are
//! refused.

use relais_server::{now_ms, rfc3339};
use relais_store::Role;
use serde_json::{Value, json};

use crate::support::*;

/// `?from=&to=` around now: a minute before and after.
fn around_now() -> String {
    let now = now_ms();
    format!("from={}&to={}", rfc3339(now - 60_000), rfc3339(now + 60_000))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_and_rows_of_two_real_conversations() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let ann_token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &ann_token).await;

    // One answered from an article, marked useful (confirmed), then rated 👍.
    let (mut helped, _) = visitor(&server, json!({"type": "hello", "lang": "en", "page": {"url": "/products"}})).await;
    let (_, frames) = say(&mut helped, "m1", "how do I assemble the Atlas bookshelf").await;
    let answer = bot_messages(&frames)[0].clone();
    helped.send(json!({"type": "feedback", "seq": answer["seq"], "helpful": true})).await;
    let asked = helped.recv_until(|f| f["kind"] == "rating_request").await.pop().unwrap();
    assert_eq!(asked["scale"], 2, "{asked}");
    helped.send(json!({"type": "rate", "score": 2})).await;

    // One that asks for a person: queued, claimed by Ann, answered, closed.
    let (mut waiting, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let escalated_id = welcome["conversation_id"].as_str().unwrap().to_string();
    let (_, frames) = say(&mut waiting, "m1", "I want to talk to a human").await;
    assert!(frames.iter().any(|f| f["kind"] == "handoff" && f["state"] == "queued"), "{frames:?}");
    assert_eq!(claim(&mut ann, &escalated_id).await["type"], "conversation");
    ann.send(json!({"type": "message", "conversation_id": escalated_id, "client_id": "a1", "text": "Hello, Ann here."}))
        .await;
    waiting.recv_until(|f| f["from"] == "agent").await;
    ann.send(json!({"type": "close", "conversation_id": escalated_id, "resolution": "solved"})).await;
    waiting.recv_until(|f| f["kind"] == "closed").await;

    // The rating has no answer frame: wait until it is stored.
    let window = around_now();
    let summary = format!("/v1/insights/summary?{window}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let s = loop {
        let (status, s) = server.get(&summary, Some(&admin)).await;
        assert_eq!(status, 200, "{s}");
        if s["rated"] == 1 || std::time::Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let counts = |names: &[&str]| names.iter().map(|name| s[name].as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(
        counts(&["conversations", "engaged", "bot_resolved_confirmed", "escalated", "unresolved", "agent_handled"]),
        [2, 2, 1, 1, 0, 1],
        "{s}"
    );
    assert_eq!(s["escalation_reasons"], json!({"explicit_request": 1}), "{s}");
    assert_eq!((s["containment_rate"].as_f64(), s["escalation_rate"].as_f64()), (Some(0.5), Some(0.5)));
    // Asked twice: at the bot's resolution, and at Ann's close (rated once).
    assert_eq!(counts(&["helpful_answers", "ratings_asked", "rated", "rated_positive"]), [1, 2, 1, 1], "{s}");
    assert_eq!(s["csat_response_rate"].as_f64(), Some(0.5));
    assert_eq!(s["csat"].as_f64(), Some(1.0));
    assert!(s["queue_wait_p50_s"].as_f64().unwrap() >= 0.0, "{s}");
    assert!(s["resolution_time_p50_s"]["agent_handled"].as_f64().unwrap() > 0.0, "{s}");
    assert_eq!((s["cost_saved"].as_f64(), &s["currency"]), (Some(7.91), &json!("USD")));

    let french = server.get(&format!("/v1/insights/summary?{window}&lang=fr"), Some(&admin)).await.1;
    assert_eq!((french["conversations"].as_u64(), &french["lang"]), (Some(0), &json!("fr")));
    // A region's tag is read as its language, as conversations record it; no language, refused.
    let english = server.get(&format!("/v1/insights/summary?{window}&lang=EN-gb"), Some(&admin)).await.1;
    assert_eq!((english["conversations"].as_u64(), &english["lang"]), (Some(2), &json!("en")), "{english}");
    let no_language = server.get(&format!("/v1/insights/summary?{window}&lang=-fr"), Some(&admin)).await;
    assert_eq!(refusal(&no_language), (400, "bad_frame"), "{no_language:?}");

    let listed = server
        .fetch(&format!("/v1/insights/conversations?{window}&figure=escalated"), Some(&admin))
        .await;
    assert_eq!((listed.status, listed.header("x-total-count")), (200, "1"), "{}", listed.text);
    let rows = listed.json();
    assert_eq!(rows[0]["id"], escalated_id.as_str());
    assert_eq!((&rows[0]["agent"], &rows[0]["outcome"]), (&json!("Ann"), &json!("escalated")));
    let all = server
        .fetch(&format!("/v1/insights/conversations?{window}&figure=conversations&limit=1&offset=1"), Some(&admin))
        .await;
    assert_eq!((all.header("x-total-count"), all.json().as_array().map(Vec::len)), ("2", Some(1)));

    let (status, agents) = server.get(&format!("/v1/insights/agents?{window}"), Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!((&agents[0]["agent"], &agents[0]["handled"]), (&json!("Ann"), &json!(1)), "{agents}");
    assert!(agents[0]["resolution_time_p50_s"].as_f64().unwrap() > 0.0, "{agents}");
    let (status, intents) = server.get(&format!("/v1/insights/intents?{window}"), Some(&admin)).await;
    assert_eq!((status, intents.is_array()), (200, true), "{intents}");

    let csv = server.fetch(&format!("/v1/insights/conversations.csv?{window}"), Some(&admin)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"), "{}", csv.header("content-type"));
    let lines: Vec<&str> = csv.text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "a header and two rows: {}", csv.text);
    assert!(lines[0].starts_with("id,started,language,channel,first_page,intents,escalated,escalation_reason,agent,outcome"));
    // No cell of these rows holds a comma: split on them.
    let cells = |start: &str| -> Vec<String> {
        let line = lines.iter().find(|line| line.starts_with(start)).unwrap();
        line.split(',').map(str::to_owned).collect()
    };
    let escalated_row = cells(&escalated_id);
    assert_eq!(escalated_row[2..4], ["en", "widget"], "{escalated_row:?}");
    assert_eq!(escalated_row[6..10], ["true", "explicit_request", "Ann", "escalated"], "{escalated_row:?}");
    let helped_id = lines.iter().find(|line| line.contains(",/products,")).unwrap().split(',').next().unwrap();
    let helped_row = cells(helped_id);
    assert_eq!(helped_row[9], "bot_resolved_confirmed", "{helped_row:?}");
    assert_eq!(helped_row[15..17], ["2", "2"], "rated 2 of 2: {helped_row:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_read_insights_and_bad_windows_say_what_to_send() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let agent = server.signed_in("ann@example.com", "Ann").await;
    let window = around_now();
    let paths = [
        format!("/v1/insights/summary?{window}"),
        format!("/v1/insights/intents?{window}"),
        format!("/v1/insights/agents?{window}"),
        format!("/v1/insights/conversations?{window}&figure=engaged"),
        format!("/v1/insights/conversations.csv?{window}"),
    ];
    for path in &paths {
        assert_eq!(refusal(&server.get(path, None).await), (401, "unauthorized"), "{path}");
        assert_eq!(refusal(&server.get(path, Some(&agent)).await), (403, "not_admin"), "{path}");
        assert_eq!(server.fetch(path, Some(&admin)).await.status, 200, "{path}");
    }

    let refused = [
        ("from=yesterday&to=2026-11-02", "RFC 3339"),
        ("to=2026-11-02", "send from and to"),
        ("from=2026-11-02&to=2026-11-01", "earlier time as from"),
        ("from=2025-01-01&to=2026-11-01", "at most 366 days"),
    ];
    for (query, hint) in refused {
        for path in ["summary", "intents", "agents", "conversations.csv"] {
            let answer: (u16, Value) = server.get(&format!("/v1/insights/{path}?{query}"), Some(&admin)).await;
            assert_eq!(refusal(&answer), (400, "bad_frame"), "{path}?{query}");
            let message = answer.1["error"]["message"].as_str().unwrap();
            assert!(message.contains(hint), "{path}?{query}: {message}");
        }
    }
    let unknown = server
        .get(&format!("/v1/insights/conversations?{window}&figure=happiness"), Some(&admin))
        .await;
    assert_eq!(refusal(&unknown), (400, "bad_frame"));
    let message = unknown.1["error"]["message"].as_str().unwrap();
    assert!(message.contains("bot_resolved_assumed") && message.contains("escalation_reasons."), "{message}");
    let missing = server.get(&format!("/v1/insights/conversations?{window}"), Some(&admin)).await;
    assert_eq!(refusal(&missing), (400, "bad_frame"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breakdowns_gaps_and_repeat_browsers_from_real_conversations() {
    let server = TestServer::start().await;
    server.add_agent("boss@example.com", "Boss", Role::Admin).await;
    let admin = server.login("boss@example.com").await;
    let browser = "0123456789abcdef0123456789abcdef";

    // Answered from an article, on the products page.
    let (mut helped, _) = visitor(
        &server,
        json!({"type": "hello", "lang": "en", "page": {"url": "/products"}, "browser_id": browser}),
    )
    .await;
    let (_, frames) = say(&mut helped, "m1", "how do I assemble the Atlas bookshelf").await;
    let answer = bot_messages(&frames)[0].clone();
    let cited = answer["sources"][0]["url"].as_str().expect("the answer cites an article").to_owned();
    // The same browser comes back with a question the bot cannot serve, twice worded.
    let mut lost_ids = Vec::new();
    for (n, text) in ["zorblat quintessence frobnication", "zorblat quintessence frobnications"].iter().enumerate() {
        let (mut lost, welcome) = visitor(&server, json!({"type": "hello", "lang": "en", "browser_id": browser})).await;
        lost_ids.push(welcome["conversation_id"].as_str().unwrap().to_owned());
        let (_, frames) = say(&mut lost, &format!("m{n}"), text).await;
        assert!(bot_messages(&frames).iter().all(|m| m["sources"].as_array().is_none_or(Vec::is_empty)), "{frames:?}");
    }
    let window = around_now();
    let get = |what: &str| {
        let url = format!("/v1/insights/{what}{}{window}", if what.contains('?') { "&" } else { "?" });
        let server = &server;
        let admin = admin.clone();
        async move {
            let (status, body) = server.get(&url, Some(&admin)).await;
            assert_eq!(status, 200, "{url}: {body}");
            body
        }
    };

    let s = get("summary").await;
    // The first two came from the same browser within the repeat window.
    assert_eq!((s["conversations"].as_u64(), s["repeat_contacts"].as_u64()), (Some(3), Some(2)), "{s}");

    let articles = get("articles").await;
    assert_eq!((&articles[0]["article"], &articles[0]["shown"]), (&json!(cited), &json!(1)), "{articles}");
    let languages = get("languages").await;
    assert_eq!((&languages[0]["lang"], &languages[0]["conversations"]), (&json!("en"), &json!(3)), "{languages}");
    let pages = get("pages").await;
    assert!(pages.as_array().unwrap().iter().any(|row| row["page"] == "/products" && row["conversations"] == 1), "{pages}");
    let days = get("timeseries?interval=day").await;
    let total: u64 = days.as_array().unwrap().iter().map(|row| row["conversations"].as_u64().unwrap()).sum();
    assert_eq!(total, 3, "{days}");

    // The two unserved messages make one topic, with their conversations.
    let gaps = get("gaps").await;
    let topic = &gaps[0];
    assert_eq!(topic["messages"], 2, "{gaps}");
    let mut behind: Vec<String> = serde_json::from_value(topic["conversation_ids"].clone()).unwrap();
    behind.sort();
    lost_ids.sort();
    assert_eq!(behind, lost_ids, "{gaps}");
    assert!(topic["topic"].as_str().is_some_and(|t| t.starts_with("zorblat")), "{gaps}");
    assert_eq!(topic["languages"], json!({"en": 2}), "{gaps}");

    // A breakdown row opens its conversations.
    let listed = server
        .fetch(&format!("/v1/insights/conversations?{window}&figure=conversations&page=/products"), Some(&admin))
        .await;
    assert_eq!(listed.header("x-total-count"), "1", "{}", listed.text);
    let two = server
        .fetch(&format!("/v1/insights/conversations?{window}&figure=conversations&page=/p&day=2026-01-01"), Some(&admin))
        .await;
    assert_eq!(two.status, 400, "{}", two.text);
    let (status, body) = server.get(&format!("/v1/insights/timeseries?{window}&interval=week"), Some(&admin)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("interval=day"), "{body}");
}
