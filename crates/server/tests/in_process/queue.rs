//! The handoff queue: concurrent claims, places and the `queue` frame, when no agent
//! is available (away, or outside business hours), and a disabled agent's conversations
//! coming back to it.

use futures_util::future::join_all;
use relais_dialogue::Stage;
use relais_server::{ServerConfig, now_ms};
use relais_store::Role;
use serde_json::{Value, json};

use crate::support::*;

/// Agents on a socket each who all claim every queued conversation.
const CLAIMERS: usize = 4;
/// Conversations they race for.
const RACES: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_agents_claiming_at_once_exactly_one_wins() {
    let server = TestServer::start().await;
    let mut agents = Vec::new();
    for i in 0..CLAIMERS {
        let token = server
            .signed_in(&format!("agent{i}@example.com"), &format!("Agent {i}"))
            .await;
        agents.push(agent(&server, &token).await.0);
    }
    let mut visitors = Vec::new();
    for race in 0..RACES {
        let Waiting { mut client, id, .. } = queued_visitor(&server).await;
        let answers: Vec<Value> = join_all(agents.iter_mut().map(|agent| claim(agent, &id))).await;
        let winners: Vec<usize> = (0..CLAIMERS)
            .filter(|&i| answers[i]["type"] == "conversation")
            .collect();
        let outcomes: Vec<&Value> = answers
            .iter()
            .map(|a| if a["type"] == "error" { &a["code"] } else { &a["type"] })
            .collect();
        assert_eq!(winners.len(), 1, "race {race}: {outcomes:?}");
        for (i, answer) in answers.iter().enumerate().filter(|(i, _)| *i != winners[0]) {
            assert_eq!(answer["code"], "already_claimed", "race {race}, agent {i}: {answer}");
        }
        let joined = client.recv_until(|f| f["kind"] == "handoff").await.pop().unwrap();
        assert_eq!(
            (&joined["state"], &joined["agent_name"]),
            (&json!("agent_joined"), &json!(format!("Agent {}", winners[0]))),
            "race {race}"
        );
        visitors.push(client);
    }
    let later = join_all(visitors.iter_mut().map(Client::drain)).await;
    for (race, frames) in later.iter().enumerate() {
        assert!(
            frames.iter().all(|f| f["kind"] != "handoff"),
            "race {race}: one agent joined: {frames:?}"
        );
    }
    let reader = server.signed_in("reader@example.com", "Reader").await;
    let (status, held) = server.get("/v1/conversations?state=agent", Some(&reader)).await;
    assert_eq!(status, 200);
    assert_eq!(held.as_array().unwrap().len(), RACES, "{held}");

    // Only a queued conversation can be claimed, and only one that exists.
    let (_client, welcome) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    let with_the_bot = welcome["conversation_id"].as_str().unwrap();
    assert_eq!(claim(&mut agents[0], with_the_bot).await["code"], "already_claimed");
    assert_eq!(
        claim(&mut agents[0], "0123456789abcdef0123456789abcdef").await["code"],
        "not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_places_are_numbered_and_the_queue_frame_counts_them() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, first) = agent(&server, &token).await;
    assert_eq!((&first["total"], &first["conversations"]), (&json!(0), &json!([])));

    let mut waiting = Vec::new();
    for place in 1..=3 {
        let queued = queued_visitor(&server).await;
        assert_eq!(queued.handoff["position"], place, "{}", queued.handoff);
        waiting.push(queued);
    }
    let queue = ann
        .recv_until(|f| f["type"] == "queue" && f["total"] == 3)
        .await
        .pop()
        .unwrap();
    let listed: Vec<&str> = queue["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversation_id"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = waiting.iter().map(|queued| queued.id.as_str()).collect();
    assert_eq!(listed, ids, "oldest first");
    for entry in queue["conversations"].as_array().unwrap() {
        assert_eq!(
            (&entry["lang"], &entry["reason"]),
            (&json!("en"), &waiting[0].handoff["reason"]),
            "{entry}"
        );
        assert!(entry["waiting_since"].as_str().unwrap().ends_with('Z'), "{entry}");
    }
    let answer = server
        .fetch("/v1/conversations?state=queued&limit=2", Some(&token))
        .await;
    assert_eq!((answer.status, answer.header("x-total-count")), (200, "3"));
    let page: Vec<String> = answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(page, ids[..2]);

    // The first is claimed: the queue frame shrinks, a newcomer is third again, and
    // those already waiting keep the place they were told (it is computed once).
    assert_eq!(claim(&mut ann, ids[0]).await["type"], "conversation");
    let queue = ann
        .recv_until(|f| f["type"] == "queue" && f["total"] == 2)
        .await
        .pop()
        .unwrap();
    assert_eq!(queue["conversations"][0]["conversation_id"], ids[1]);
    let newcomer = queued_visitor(&server).await;
    assert_eq!(newcomer.handoff["position"], 3, "{}", newcomer.handoff);
    let told = waiting[1].client.drain().await;
    assert!(told.iter().all(|f| f["kind"] != "handoff"), "{told:?}");
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
    let server = TestServer::with(|config: &mut ServerConfig| config.business_hours = vec![rule]).await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (_ann, _) = agent(&server, &token).await;
    let (mut client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    client.send(json!({"type": "request_agent"})).await;
    let frames = client.recv_until(|f| f["kind"] == "handoff").await;
    assert_eq!(frames.last().unwrap()["state"], "no_agent_available");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn away_agents_are_not_offered_conversations() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
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
    away.send(json!({"type": "hello", "token": token, "available": false}))
        .await;
    let welcome = away.recv().await;
    assert_eq!(
        (&welcome["type"], &welcome["available"]),
        (&json!("welcome"), &json!(false))
    );
    let (client, _) = visitor(&server, json!({"type": "hello", "lang": "en"})).await;
    assert_eq!(request_agent(client).await, "no_agent_available");

    away.send(json!({"type": "status", "available": "yes"})).await;
    let refused = away.recv_until(|f| f["type"] == "error").await;
    assert_eq!(refused.last().unwrap()["code"], "bad_frame");
}

/// Visitors who ask for a person at the same moment.
const AT_ONCE: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_queued_at_the_same_moment_get_different_places() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (_ann, _) = agent(&server, &token).await;
    let mut visitors = Vec::new();
    for _ in 0..AT_ONCE {
        visitors.push(visitor(&server, json!({"type": "hello", "lang": "en"})).await.0);
    }
    let places = join_all(visitors.iter_mut().map(|client| async move {
        client.send(json!({"type": "request_agent"})).await;
        let handoff = client.recv_until(|f| f["kind"] == "handoff").await.pop().unwrap();
        assert_eq!(handoff["state"], "queued", "{handoff}");
        handoff["position"].as_u64().unwrap()
    }))
    .await;
    let mut sorted = places.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=AT_ONCE as u64).collect::<Vec<_>>(), "places given: {places:?}");
}

/// Whether `frame` is a `queue` frame that lists conversation `id`.
fn queue_lists(frame: &Value, id: &str) -> bool {
    frame["type"] == "queue"
        && frame["conversations"]
            .as_array()
            .is_some_and(|waiting| waiting.iter().any(|c| c["conversation_id"] == id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_agents_conversations_go_back_to_the_queue() {
    let server = TestServer::start().await;
    server.add_agent("ada@example.com", "Ada", Role::Admin).await;
    let admin = server.login("ada@example.com").await;
    let (mut ann, _) = agent(&server, &server.signed_in("ann@example.com", "Ann").await).await;
    let (mut bob, _) = agent(&server, &server.signed_in("bob@example.com", "Bob").await).await;
    let Waiting { mut client, id, .. } = queued_visitor(&server).await;
    assert_eq!(claim(&mut bob, &id).await["type"], "conversation");
    let annes = queued_visitor(&server).await;
    assert_eq!(claim(&mut ann, &annes.id).await["type"], "conversation");
    let later = queued_visitor(&server).await;

    let disable = json!({"email": "bob@example.com"});
    let (status, disabled) = server.post("/v1/agents/disable", Some(&admin), disable.clone()).await;
    assert_eq!((status, &disabled["requeued"]), (200, &json!(1)), "{disabled}");
    let left = client.recv_until(|f| f["kind"] == "handoff" && f["state"] != "agent_joined").await.pop().unwrap();
    assert_eq!((&left["state"], &left["agent_name"]), (&json!("agent_left"), &json!("Bob")), "{left}");
    let queue = ann.recv_until(|f| queue_lists(f, &id)).await.pop().unwrap();
    let order: Vec<&Value> = queue["conversations"].as_array().unwrap().iter().map(|c| &c["conversation_id"]).collect();
    assert_eq!(order, [&json!(id), &json!(later.id)], "the visitor keeps their place, ahead of one queued since");
    let conversation = server.store.conversation(&id).await.unwrap().unwrap();
    assert_eq!((conversation.stage, conversation.holder_agent_id), (Stage::Queued, None));
    let held = server.store.conversation(&annes.id).await.unwrap().unwrap();
    assert_eq!(held.stage, Stage::Agent, "Ann's conversation stays hers");

    // Another agent takes it, with the whole story, and hears the visitor.
    let taken = claim(&mut ann, &id).await;
    assert_eq!(taken["type"], "conversation", "{taken}");
    say(&mut client, "m1", "hello again").await;
    let heard = ann.recv_until(|f| f["kind"] == "message" && f["from"] == "visitor").await;
    assert_eq!(heard.last().unwrap()["conversation_id"], json!(id));

    let (status, again) = server.post("/v1/agents/disable", Some(&admin), disable).await;
    assert_eq!((status, &again["requeued"]), (200, &json!(0)), "nothing left to put back: {again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_disabled_from_the_command_line_loses_their_conversations_at_the_next_sweep() {
    // Sweeps every second (half the abandon time).
    let server = TestServer::with(|config| config.queue_abandon_after_seconds = 2).await;
    let (mut bob, _) = agent(&server, &server.signed_in("bob@example.com", "Bob").await).await;
    let Waiting { mut client, id, .. } = queued_visitor(&server).await;
    assert_eq!(claim(&mut bob, &id).await["type"], "conversation");

    // What `relais agent disable` does: the store alone, no word to the server.
    server.store.disable_agent("bob@example.com", now_ms()).await.unwrap();
    let left = client.recv_until(|f| f["kind"] == "handoff" && f["state"] != "agent_joined").await.pop().unwrap();
    assert_eq!((&left["state"], &left["agent_name"]), (&json!("agent_left"), &json!("Bob")), "{left}");
    let conversation = server.store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(conversation.stage, Stage::Queued);
    // The visitor is still there: the queue keeps them.
    client.drain().await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(server.store.conversation(&id).await.unwrap().unwrap().stage, Stage::Queued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_visitor_who_had_left_gets_the_whole_abandon_time_again() {
    // Sweeps every 1.5 s.
    let server = TestServer::with(|config| config.queue_abandon_after_seconds = 3).await;
    server.add_agent("ada@example.com", "Ada", Role::Admin).await;
    let admin = server.login("ada@example.com").await;
    let (mut bob, _) = agent(&server, &server.signed_in("bob@example.com", "Bob").await).await;
    let Waiting { client, id, .. } = queued_visitor(&server).await;
    assert_eq!(claim(&mut bob, &id).await["type"], "conversation");
    // The visitor leaves while Bob holds them, longer ago than the abandon time.
    drop(client);
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;

    let (status, disabled) = server.post("/v1/agents/disable", Some(&admin), json!({"email": "bob@example.com"})).await;
    assert_eq!((status, &disabled["requeued"]), (200, &json!(1)), "{disabled}");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let stage = || async { server.store.conversation(&id).await.unwrap().unwrap().stage };
    assert_eq!(stage().await, Stage::Queued, "a sweep has passed: not abandoned at once");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stage().await == Stage::Queued {
        assert!(std::time::Instant::now() < deadline, "abandoned once the abandon time has passed again");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let events = server.store.events_after(&id, 0).await.unwrap();
    let last = &events.last().unwrap().event.kind;
    assert!(
        matches!(last, relais_dialogue::EventKind::Handoff { state: relais_dialogue::HandoffState::Abandoned, .. }),
        "{last:?}"
    );
}
