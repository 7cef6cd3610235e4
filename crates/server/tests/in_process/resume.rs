//! Resuming a conversation after a dropped socket: nothing lost, nothing doubled, `last_seq`
//! honoured, re-sent messages acknowledged once; and the tokens that guard it.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_dropped_socket_loses_and_doubles_nothing() {
    let server = TestServer::start().await;
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
async fn what_an_agent_says_while_the_visitor_is_away_arrives_once() {
    let server = TestServer::start().await;
    let token = server.signed_in("ann@example.com", "Ann").await;
    let (mut ann, _) = agent(&server, &token).await;
    let Waiting {
        client: mut visitor_socket,
        id,
        token: resume_token,
        ..
    } = queued_visitor(&server).await;
    let resume =
        |last_seq: u64| json!({"type": "hello", "conversation_id": id, "token": resume_token, "last_seq": last_seq});
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    let joined = visitor_socket
        .recv_until(|f| f["state"] == "agent_joined")
        .await
        .pop()
        .unwrap();
    drop(visitor_socket);

    let mut acked = Vec::new();
    for (client_id, text) in [("a1", "Are you still there?"), ("a2", "I found your order.")] {
        ann.send(json!({"type": "message", "conversation_id": id, "client_id": client_id, "text": text}))
            .await;
        let ack = ann.recv_until(|f| f["type"] == "ack").await.pop().unwrap();
        acked.push(ack["seq"].as_u64().unwrap());
    }

    let (mut client, welcome) = visitor(&server, resume(joined["seq"].as_u64().unwrap())).await;
    let replayed = welcome["events"].as_array().unwrap();
    assert_eq!(seqs(replayed), acked, "{replayed:?}");
    let texts: Vec<&str> = replayed.iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Are you still there?", "I found your order."]);
    assert!(
        replayed
            .iter()
            .all(|e| e["from"] == "agent" && e["agent_name"] == "Ann")
    );

    // Live from here on: once each, after the replay.
    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a3", "text": "It ships today."}))
        .await;
    let ack = ann.recv_until(|f| f["type"] == "ack").await.pop().unwrap();
    let live = client.recv().await;
    assert_eq!((&live["seq"], &live["text"]), (&ack["seq"], &json!("It ships today.")));
    let more = client.drain().await;
    assert!(more.is_empty(), "nothing doubled: {more:?}");

    // Resuming from the middle gives what came after, no more.
    let (_tab, welcome) = visitor(&server, resume(acked[0])).await;
    let after: Vec<u64> = seqs(welcome["events"].as_array().unwrap());
    assert_eq!(after, [acked[1], ack["seq"].as_u64().unwrap()]);

    // And the visitor is heard on the resumed socket.
    let (seq, _) = say(&mut client, "v1", "thank you").await;
    let heard = ann
        .recv_until(|f| f["kind"] == "message" && f["from"] == "visitor")
        .await
        .pop()
        .unwrap();
    assert_eq!(
        (heard["seq"].as_u64(), &heard["text"]),
        (Some(seq), &json!("thank you"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_protect_conversations_and_agent_sockets() {
    let server = TestServer::start().await;
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

    server
        .add_agent("ann@example.com", "Ann", relais_store::Role::Agent)
        .await;
    let wrong = json!({"email": "ann@example.com", "password": "wrong password"});
    assert_eq!(
        refusal(&server.post("/v1/auth/login", None, wrong).await),
        (401, "unauthorized")
    );
    let (status, _) = server.get("/v1/conversations", Some("forged")).await;
    assert_eq!(status, 401);
    let token = server.login("ann@example.com").await;
    let (status, list) = server.get("/v1/conversations?state=open", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 3);
}
