//! Two `relais serve` processes on one PostgreSQL (a throw-away cluster of this test
//! binary): visitors and agents on different nodes talk in order, one claim wins across
//! nodes, a node killed with -9 loses nothing a client was told was stored, and the nodes
//! carry on after PostgreSQL restarts. Both nodes share a data folder (the token key, the
//! models), as nodes behind one load balancer share their configuration.

mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use relais_pgtest::Cluster;
use serde_json::{Value, json};
use support::*;

/// A node's agents are gone this long after its last heartbeat (short, for the tests).
const PRESENCE_TIMEOUT: &str = "3";

/// Two nodes on a database of their own.
struct Nodes {
    url: String,
    data: tempfile::TempDir,
    a: Server,
    b: Server,
}

impl Nodes {
    fn start(cluster: &Cluster) -> Nodes {
        let url = cluster.create_database();
        let data = tempfile::tempdir().unwrap();
        let a = Server::start_in(data.path(), env(&url), "127.0.0.1:0");
        let b = Server::start_in(data.path(), env(&url), "127.0.0.1:0");
        Nodes { url, data, a, b }
    }

    /// Adds an agent (to the shared store) and opens their socket on `node`, available.
    async fn agent_on(&self, node: &Server, email: &str) -> Client {
        let mut add = Command::new(env!("CARGO_BIN_EXE_relais"))
            .current_dir(root())
            .envs(env(&self.url))
            .args(["agent", "add", "--email", email, "--name", email, "--role", "agent", "--password-stdin", "--data-dir"])
            .arg(self.data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success(), "relais agent add failed");
        agent(node, &node.login(email)).await.0
    }
}

fn env(url: &str) -> Vec<(String, String)> {
    vec![
        ("RELAIS__STORE__URL".into(), url.into()),
        ("RELAIS__SERVER__PRESENCE_TIMEOUT_SECONDS".into(), PRESENCE_TIMEOUT.into()),
        // Every visitor of these tests comes from 127.0.0.1.
        ("RELAIS__SERVER__LIMITS__SOCKETS_PER_IP".into(), "1000".into()),
        ("RELAIS__SERVER__LIMITS__CONNECTIONS_PER_IP".into(), "1000".into()),
        ("RELAIS__SERVER__LIMITS__CONVERSATIONS_PER_IP_PER_MINUTE".into(), "10000".into()),
        ("RELAIS__SERVER__LIMITS__HANDOFFS_PER_IP_PER_MINUTE".into(), "10000".into()),
        // Agents here claim as fast as the nodes answer (100 claims in a few seconds), past
        // the 20 frames a second a person's socket is allowed.
        ("RELAIS__SERVER__LIMITS__FRAMES_PER_SECOND".into(), "1000".into()),
    ]
}

/// A visitor on `node` who asked for a person and waits in the queue; retried until the
/// node has heard of an available agent (on whichever node).
async fn queued_visitor(node: &Server) -> (Client, String, String) {
    let started = Instant::now();
    loop {
        let (mut client, welcome) = visitor(node, json!({"type": "hello", "lang": "en"})).await;
        client.send(json!({"type": "request_agent"})).await;
        let handoff = client.recv_until(|f| f["kind"] == "handoff").await.pop().unwrap();
        if handoff["state"] == "queued" {
            let id = welcome["conversation_id"].as_str().unwrap().to_string();
            let token = welcome["token"].as_str().unwrap().to_string();
            return (client, id, token);
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no node heard of an agent: {handoff}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The next `event` frame of conversation `id` with this text.
async fn heard(client: &mut Client, text: &str) -> Value {
    client.recv_until(|f| f["type"] == "event" && f["text"] == text).await.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_on_one_node_and_an_agent_on_the_other_talk_in_order() {
    let cluster = Cluster::start();
    let nodes = Nodes::start(&cluster);
    let mut ann = nodes.agent_on(&nodes.b, "ann@example.com").await;
    let (mut visitor, id, _) = queued_visitor(&nodes.a).await;
    // The queue frame on node B lists the conversation queued on node A.
    ann.recv_until(|f| f["type"] == "queue" && f["conversations"].as_array().unwrap().iter().any(|c| c["conversation_id"] == id.as_str()))
        .await;
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    let joined = visitor.recv_until(|f| f["kind"] == "handoff" && f["state"] == "agent_joined").await.pop().unwrap();
    let mut last_seq = joined["seq"].as_u64().unwrap();
    for round in 0..5 {
        let text = format!("agent says {round}");
        ann.send(json!({"type": "message", "conversation_id": id, "client_id": format!("a{round}"), "text": text})).await;
        let event = heard(&mut visitor, &text).await;
        assert!(event["seq"].as_u64().unwrap() > last_seq, "in order: {event}");
        last_seq = event["seq"].as_u64().unwrap();
        let text = format!("visitor says {round}");
        let (seq, _) = say(&mut visitor, &format!("v{round}"), &text).await;
        assert!(seq > last_seq);
        let event = heard(&mut ann, &text).await;
        assert_eq!(event["seq"].as_u64(), Some(seq), "the agent hears the visitor's message with its seq");
        last_seq = seq;
    }
    // Typing crosses nodes too.
    ann.send(json!({"type": "typing", "conversation_id": id})).await;
    let typing = visitor.recv_until(|f| f["kind"] == "typing").await.pop().unwrap();
    assert_eq!(typing["from"], "agent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_conversation_loses_and_doubles_nothing() {
    let cluster = Cluster::start();
    let mut nodes = Nodes::start(&cluster);
    let mut ann = nodes.agent_on(&nodes.b, "ann@example.com").await;
    let (mut on_a, id, token) = queued_visitor(&nodes.a).await;
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    let (first, _) = say(&mut on_a, "v1", "my parcel never came").await;
    heard(&mut ann, "my parcel never came").await;
    // Node A dies; the agent on B answers meanwhile.
    nodes.a.child.kill().unwrap();
    nodes.a.child.wait().unwrap();
    drop(on_a);
    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "let me look"})).await;
    heard(&mut ann, "let me look").await;
    // The visitor reconnects to B from the last seq it saw and misses nothing.
    let (mut on_b, resumed) =
        visitor(&nodes.b, json!({"type": "hello", "conversation_id": id, "token": token, "last_seq": first})).await;
    let texts: Vec<&str> = resumed["events"].as_array().unwrap().iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(texts, ["let me look"], "{resumed}");
    // A message resent with the same client id (its ack was lost with node A) is stored once.
    let (again, _) = say(&mut on_b, "v1", "my parcel never came").await;
    assert_eq!(again, first);
    let (next, _) = say(&mut on_b, "v2", "thanks").await;
    heard(&mut ann, "thanks").await;
    let store = relais_store::Store::connect(&nodes.url).await.unwrap();
    let log = store.events_after(&id, 0).await.unwrap();
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=next).collect::<Vec<_>>(), "gapless");
    let parcels = log.iter().filter(|e| matches!(&e.event.kind, relais_dialogue::EventKind::VisitorMessage { text, .. } if text == "my parcel never came")).count();
    assert_eq!(parcels, 1);
    nodes.a = Server::start_in(nodes.data.path(), env(&nodes.url), "127.0.0.1:0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_on_two_nodes_claim_at_once_and_one_wins_each_of_100_times() {
    let cluster = Cluster::start();
    let nodes = Nodes::start(&cluster);
    let mut ann = nodes.agent_on(&nodes.a, "ann@example.com").await;
    let mut bob = nodes.agent_on(&nodes.b, "bob@example.com").await;
    let mut wins = HashMap::from([("ann", 0), ("bob", 0)]);
    for trial in 0..100 {
        let node = if trial % 2 == 0 { &nodes.a } else { &nodes.b };
        let (_visitor, id, _) = queued_visitor(node).await;
        let (for_ann, for_bob) = tokio::join!(claim(&mut ann, &id), claim(&mut bob, &id));
        let won: Vec<&str> = [("ann", &for_ann), ("bob", &for_bob)]
            .into_iter()
            .filter(|(_, answer)| answer["type"] == "conversation")
            .map(|(name, _)| name)
            .collect();
        assert_eq!(won.len(), 1, "trial {trial}: {for_ann} / {for_bob}");
        let lost = if won[0] == "ann" { &for_bob } else { &for_ann };
        assert_eq!(lost["code"], "already_claimed", "{lost}");
        *wins.get_mut(won[0]).unwrap() += 1;
    }
    assert_eq!(wins["ann"] + wins["bob"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_agents_are_gone_within_the_presence_timeout() {
    let cluster = Cluster::start();
    let mut nodes = Nodes::start(&cluster);
    let _ann = nodes.agent_on(&nodes.b, "ann@example.com").await;
    let (_visitor, _, _) = queued_visitor(&nodes.a).await;
    nodes.b.child.kill().unwrap();
    nodes.b.child.wait().unwrap();
    let killed = Instant::now();
    // Node A no longer queues visitors: no agent is available anywhere.
    loop {
        let (mut client, _) = visitor(&nodes.a, json!({"type": "hello", "lang": "en"})).await;
        client.send(json!({"type": "request_agent"})).await;
        let handoff = client.recv_until(|f| f["kind"] == "handoff").await.pop().unwrap();
        if handoff["state"] != "queued" {
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(10), "node B's agent still counts after 10 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(killed.elapsed() >= Duration::from_secs(2), "gone only once the heartbeat is old");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_conversations_over_two_nodes_with_one_killed_store_every_acknowledged_message_once() {
    let cluster = Cluster::start();
    let mut nodes = Nodes::start(&cluster);
    let (a, b) = (nodes.a.address.clone(), nodes.b.address.clone());
    let mut tasks = Vec::new();
    for n in 0..200 {
        let home = if n % 2 == 0 { a.clone() } else { b.clone() };
        let fallback = b.clone();
        tasks.push(tokio::spawn(async move { chat(n, &home, &fallback).await }));
    }
    // Node A dies while its visitors are mid-conversation.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    nodes.a.child.kill().unwrap();
    nodes.a.child.wait().unwrap();
    let mut acked = Vec::new();
    let mut moved = 0;
    for task in tasks {
        let (id, client_ids, resumed) = task.await.unwrap();
        moved += usize::from(resumed);
        acked.push((id, client_ids));
    }
    assert!(moved >= 10, "only {moved} visitors were mid-conversation on the killed node");
    stored_once(&nodes.url, acked).await;
    nodes.a = Server::start_in(nodes.data.path(), env(&nodes.url), "127.0.0.1:0");
}

/// Checks in the store that each conversation's log is gapless and holds each message
/// its visitor was acknowledged exactly once.
async fn stored_once(url: &str, acked: Vec<(String, Vec<String>)>) {
    let store = relais_store::Store::connect(url).await.unwrap();
    for (id, client_ids) in acked {
        let log = store.events_after(&id, 0).await.unwrap();
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{id}: gapless");
        for client_id in client_ids {
            let stored = log
                .iter()
                .filter(|e| matches!(&e.event.kind, relais_dialogue::EventKind::VisitorMessage { client_id: c, .. } if *c == client_id))
                .count();
            assert_eq!(stored, 1, "{id}: message {client_id} stored {stored} times");
        }
    }
}

/// A visitor who says five things, on `home` and, once it is gone, on `fallback`, each
/// message sent again (same client id) until acknowledged; the conversation and the
/// client ids acknowledged, and whether it had to resume on `fallback`.
async fn chat(n: usize, home: &str, fallback: &str) -> (String, Vec<String>, bool) {
    let hello = json!({"type": "hello", "lang": "en"});
    let (mut client, welcome) = match welcomed(home, &hello).await {
        Some(started) => started,
        None => welcomed_again(fallback, &hello).await,
    };
    let id = welcome["conversation_id"].as_str().unwrap().to_string();
    let token = welcome["token"].as_str().unwrap().to_string();
    let mut acked = Vec::new();
    let mut resumed = false;
    for m in 0..5 {
        let client_id = format!("c{n}-{m}");
        let message = json!({"type": "message", "client_id": client_id, "text": format!("where is order BW-{n}{m}")});
        while !acked_by(&mut client, &message).await {
            // The node is gone: resume on the other one, and send the message again.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let resume = json!({"type": "hello", "conversation_id": id, "token": token, "last_seq": 0});
            client = welcomed_again(fallback, &resume).await.0;
            resumed = true;
        }
        acked.push(client_id);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (id, acked, resumed)
}

/// Sends `message` and waits for its `ack`; false if the socket fails or an error comes
/// first (the node died).
async fn acked_by(client: &mut Client, message: &Value) -> bool {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    if client.socket.send(Message::Text(message.to_string().into())).await.is_err() {
        return false;
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(10), client.socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                match frame["type"].as_str() {
                    Some("ack") => return true,
                    Some("error") => return false,
                    _ => {}
                }
            }
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) | Err(_) => return false,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// [`welcomed`], tried again for up to 30 s (while PostgreSQL restarts, say).
async fn welcomed_again(address: &str, hello: &Value) -> (Client, Value) {
    let started = Instant::now();
    loop {
        if let Some(welcomed) = welcomed(address, hello).await {
            return welcomed;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{address} did not welcome {hello} within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A visitor socket on the node at `address` and its `welcome`, or `None` if the node
/// fails on the way (it was killed).
async fn welcomed(address: &str, hello: &Value) -> Option<(Client, Value)> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/v1/ws")).await.ok()?;
    socket.send(Message::Text(hello.to_string().into())).await.ok()?;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await.ok()?? {
            Ok(Message::Text(text)) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                if frame["type"] != "welcome" {
                    eprintln!("not welcomed at {address}: {frame}");
                }
                return (frame["type"] == "welcome").then_some((Client { socket }, frame));
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_postgresql_restarts_under_load_the_nodes_reconnect_and_carry_on() {
    let cluster = Cluster::start();
    let nodes = Nodes::start(&cluster);
    let mut ann = nodes.agent_on(&nodes.b, "ann@example.com").await;
    let (mut visitor, id, _) = queued_visitor(&nodes.a).await;
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    say(&mut visitor, "v1", "before the restart").await;
    heard(&mut ann, "before the restart").await;
    // Visitors chat on both nodes while PostgreSQL stops and starts again; each sends a
    // message again until it is acknowledged.
    let (a, b) = (nodes.a.address.clone(), nodes.b.address.clone());
    let chats: Vec<_> = (0..40)
        .map(|n| {
            let (home, other) = if n % 2 == 0 { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
            tokio::spawn(async move { chat(n, &home, &other).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    cluster.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.resume();
    let mut acked = Vec::new();
    for chat in chats {
        let (chat_id, client_ids, _) = chat.await.unwrap();
        acked.push((chat_id, client_ids));
    }
    stored_once(&nodes.url, acked).await;
    // Both ways again, once the nodes are back on the database.
    let started = Instant::now();
    let mut round = 0;
    loop {
        round += 1;
        visitor.send(json!({"type": "message", "client_id": format!("after{round}"), "text": format!("after the restart {round}")})).await;
        let answer = visitor.recv_until(|f| f["type"] == "ack" || f["type"] == "error").await.pop().unwrap();
        if answer["type"] == "ack" {
            heard(&mut ann, &format!("after the restart {round}")).await;
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "node A did not reconnect: {answer}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    ann.send(json!({"type": "message", "conversation_id": id, "client_id": "a1", "text": "I am back"})).await;
    heard(&mut visitor, "I am back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_listening_connection_is_cut_misses_nothing() {
    let cluster = Cluster::start();
    let nodes = Nodes::start(&cluster);
    let mut ann = nodes.agent_on(&nodes.b, "ann@example.com").await;
    let (mut visitor, id, _) = queued_visitor(&nodes.a).await;
    assert_eq!(claim(&mut ann, &id).await["type"], "conversation");
    for round in 0..3 {
        // Every listening connection is cut; the agent writes at once, while node A may
        // not be listening yet: the notice is lost, and node A catches up from the table.
        cluster.sql(&nodes.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'");
        let text = format!("written while A was deaf {round}");
        ann.send(json!({"type": "message", "conversation_id": id, "client_id": format!("a{round}"), "text": text})).await;
        heard(&mut visitor, &text).await;
    }
}

#[test]
fn relais_migrate_says_the_schema_version_of_the_store_it_was_given() {
    let cluster = Cluster::start();
    let url = cluster.create_database();
    let data = tempfile::tempdir().unwrap();
    let migrate = |env: Vec<(String, String)>| {
        Command::new(env!("CARGO_BIN_EXE_relais"))
            .current_dir(root())
            .envs(env)
            .args(["migrate", "--data-dir"])
            .arg(data.path())
            .output()
            .unwrap()
    };
    // The test cluster trusts its user: any password will do, and none may be shown.
    let with_password = url.replacen("relais@", "relais:s3cret@", 1);
    let on_postgres = migrate(env(&with_password));
    let said = String::from_utf8_lossy(&on_postgres.stdout);
    assert!(on_postgres.status.success(), "{}", String::from_utf8_lossy(&on_postgres.stderr));
    assert!(said.contains("127.0.0.1") && said.contains("schema version 11"), "{said}");
    assert!(!said.contains("s3cret"), "no password: {said}");
    let on_sqlite = migrate(Vec::new());
    let said = String::from_utf8_lossy(&on_sqlite.stdout);
    assert!(said.contains("relais.db: schema version 11"), "{said}");
}
