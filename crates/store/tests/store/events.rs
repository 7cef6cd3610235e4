//! The event log, conversations, agents, the queue and callbacks.

use std::collections::BTreeMap;
use std::time::Duration;

use relais_dialogue::{Event, EventKind, HandoffState, ReasonCode, Stage};
use relais_store::{
    CallbackRequest, Error, MessageVector, NewAgent, Page, Role, Store, StoredEvent, Tally, VisitorAppend,
};

use crate::support::open_temp;

fn started(at: i64, id: &str) -> Event {
    Event {
        at,
        kind: EventKind::Started {
            conversation_id: id.into(),
            lang: Some("en".into()),
            visitor: BTreeMap::from([("plan".into(), "pro".into())]),
            verified_user_id: None,
            browser_id: None,
            simulated: false,
            channel: None,
        },
    }
}

fn visitor(at: i64, client_id: &str, text: &str) -> Event {
    Event {
        at,
        kind: EventKind::VisitorMessage {
            text: text.into(),
            client_id: client_id.into(),
        },
    }
}

fn bot(at: i64, text: &str) -> Event {
    Event {
        at,
        kind: EventKind::BotMessage {
            text: text.into(),
            quick_replies: Vec::new(),
            sources: Vec::new(),
            intent: None,
            ask_feedback: true,
        },
    }
}

fn handoff(at: i64, state: HandoffState, reason: Option<ReasonCode>) -> Event {
    Event {
        at,
        kind: EventKind::handoff(state, reason),
    }
}


fn seqs(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().map(|stored| stored.seq).collect()
}

fn new_agent(email: &str, password: &str) -> NewAgent {
    NewAgent {
        email: email.into(),
        name: "Ada".into(),
        role: Role::Agent,
        reviewer: false,
        password: password.into(),
    }
}

#[tokio::test]
async fn seq_is_monotonic_and_gapless_per_conversation() {
    let (_dir, store) = open_temp().await;
    let first = store
        .append(
            "c1",
            &[started(1, "c1"), visitor(2, "m1", "hi"), bot(3, "hello")],
        )
        .await
        .unwrap();
    assert_eq!(seqs(&first), [1, 2, 3]);
    let second = store
        .append("c1", &[bot(4, "anything else?"), bot(5, "bye")])
        .await
        .unwrap();
    assert_eq!(seqs(&second), [4, 5]);
    let other = store.append("c2", &[started(6, "c2")]).await.unwrap();
    assert_eq!(seqs(&other), [1]);
    assert!(store.append("c1", &[]).await.unwrap().is_empty());
    let all = store.events_after("c1", 0).await.unwrap();
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    assert_eq!(all[1].event, visitor(2, "m1", "hi"));
    assert_eq!(store.conversation("c1").await.unwrap().unwrap().last_seq, 5);
}

#[tokio::test]
async fn events_after_returns_later_events_once_in_order() {
    let (_dir, store) = open_temp().await;
    store
        .append("c", &[started(1, "c"), visitor(2, "m1", "a")])
        .await
        .unwrap();
    store
        .append("c", &[bot(3, "b"), bot(4, "c")])
        .await
        .unwrap();
    let later = store.events_after("c", 2).await.unwrap();
    assert_eq!(seqs(&later), [3, 4]);
    assert_eq!(later[0].event, bot(3, "b"));
    assert_eq!(later[1].event, bot(4, "c"));
    assert!(store.events_after("c", 4).await.unwrap().is_empty());
    assert!(store.events_after("c", u64::MAX).await.unwrap().is_empty());
    assert!(store.events_after("unknown", 0).await.unwrap().is_empty());
    assert!(store.conversation("unknown").await.unwrap().is_none());
}

#[tokio::test]
async fn duplicate_client_id_is_stored_once_and_returns_the_original_seq() {
    let (_dir, store) = open_temp().await;
    store.append("c", &[started(1, "c")]).await.unwrap();
    let first = store
        .append_visitor_message(
            "c",
            "m1",
            &[
                visitor(2, "m1", "where is my order?"),
                bot(3, "It ships today."),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(first.seq(), Some(2));
    assert!(matches!(&first, VisitorAppend::Stored(events) if seqs(events) == [2, 3]));

    let again = store
        .append_visitor_message("c", "m1", &[visitor(9, "m1", "where is my order?")], None)
        .await
        .unwrap();
    assert_eq!(again, VisitorAppend::Duplicate { seq: 2 });
    assert_eq!(seqs(&store.events_after("c", 0).await.unwrap()), [1, 2, 3]);

    // The same client id in another conversation is another message.
    let elsewhere = store
        .append_visitor_message("d", "m1", &[visitor(4, "m1", "hi")], None)
        .await
        .unwrap();
    assert_eq!(elsewhere.seq(), Some(1));
}

#[tokio::test]
async fn committed_events_survive_dropping_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relais.db");
    let store = Store::open(&path).await.unwrap();
    store
        .append("c", &[started(1, "c"), visitor(2, "m1", "hi")])
        .await
        .unwrap();
    store
        .append(
            "c",
            &[handoff(
                3,
                HandoffState::Queued,
                Some(ReasonCode::ExplicitRequest),
            )],
        )
        .await
        .unwrap();
    let agent = store
        .add_agent(new_agent("ada@example.com", "pw"), 4)
        .await
        .unwrap();
    drop(store);

    let reopened = Store::open(&path).await.unwrap();
    let events = reopened.events_after("c", 0).await.unwrap();
    assert_eq!(seqs(&events), [1, 2, 3]);
    // Stored with its place in the queue, which the store numbers: the first.
    let queued = EventKind::Handoff {
        state: HandoffState::Queued,
        reason: Some(ReasonCode::ExplicitRequest),
        agent_name: None,
        position: Some(1),
    };
    assert_eq!(events[2].event, Event { at: 3, kind: queued });
    let conversation = reopened.conversation("c").await.unwrap().unwrap();
    assert_eq!(conversation.stage, Stage::Queued);
    assert_eq!(
        reopened
            .verify_password("ada@example.com", "pw")
            .await
            .unwrap(),
        Some(agent)
    );
    assert_eq!(
        seqs(&reopened.append("c", &[bot(5, "x")]).await.unwrap()),
        [4]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_never_share_or_skip_a_seq() {
    let (_dir, store) = open_temp().await;
    store.append("c", &[started(0, "c")]).await.unwrap();
    let writer = |name: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..100 {
                let stored = store.append("c", &[bot(i, name)]).await.unwrap();
                seen.extend(seqs(&stored));
            }
            seen
        })
    };
    let (a, b) = (writer("a"), writer("b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(
        a.windows(2).all(|w| w[0] < w[1]),
        "each writer sees growing seqs"
    );
    let mut all: Vec<u64> = a.into_iter().chain(b).collect();
    all.sort_unstable();
    assert_eq!(all, (2..=201).collect::<Vec<u64>>());
    assert_eq!(
        seqs(&store.events_after("c", 0).await.unwrap()),
        (1..=201).collect::<Vec<u64>>()
    );
}

/// Conversation `id`, started and queued by the visitor's frustration.
async fn queue(store: &Store, id: &str) {
    store
        .append(
            id,
            &[
                started(1, id),
                handoff(2, HandoffState::Queued, Some(ReasonCode::Frustration)),
            ],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_two_concurrent_claims_wins() {
    let (_dir, store) = open_temp().await;
    let ada = store
        .add_agent(new_agent("ada@example.com", "pw"), 0)
        .await
        .unwrap();
    let bob = store
        .add_agent(new_agent("bob@example.com", "pw"), 0)
        .await
        .unwrap();
    queue(&store, "c").await;
    let claim = |agent: i64| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .claim("c", agent, &[handoff(3, HandoffState::AgentJoined, None)])
                .await
        })
    };
    let (a, b) = (claim(ada.id), claim(bob.id));
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(
            loser,
            Error::NotQueued {
                stage: Stage::Agent,
                ..
            }
        ),
        "{loser}"
    );
    assert_eq!(seqs(&store.events_after("c", 0).await.unwrap()), [1, 2, 3]);
    let holder = store
        .conversation("c")
        .await
        .unwrap()
        .unwrap()
        .holder_agent_id
        .unwrap();
    assert!(holder == ada.id || holder == bob.id);

    let missing = store.claim("nope", ada.id, &[]).await.unwrap_err();
    assert!(
        matches!(missing, Error::ConversationNotFound(_)),
        "{missing}"
    );
}

#[tokio::test]
async fn a_disabled_agent_cannot_claim() {
    let (_dir, store) = open_temp().await;
    let ada = store
        .add_agent(new_agent("ada@example.com", "pw"), 0)
        .await
        .unwrap();
    queue(&store, "c").await;
    // Signed in before, disabled after: the claim that was on its way is refused.
    store.disable_agent("ada@example.com", 1_000).await.unwrap();
    let refused = store
        .claim("c", ada.id, &[handoff(3, HandoffState::AgentJoined, None)])
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::AgentDisabled(id) if id == ada.id), "{refused}");
    let conversation = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(conversation.stage, Stage::Queued);
    assert_eq!(conversation.holder_agent_id, None);
    assert_eq!(seqs(&store.events_after("c", 0).await.unwrap()), [1, 2]);
}

#[tokio::test]
async fn agents_are_added_and_verified_by_password() {
    let (_dir, store) = open_temp().await;
    let added = store
        .add_agent(
            NewAgent {
                email: " Ada@Example.com ".into(),
                name: "Ada Lovelace".into(),
                role: Role::Admin,
                reviewer: false,
                password: "correct horse".into(),
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(added.email, "ada@example.com");
    assert_eq!(added.role, Role::Admin);
    assert_eq!(
        store
            .verify_password("ada@example.com", "correct horse")
            .await
            .unwrap(),
        Some(added.clone())
    );
    assert_eq!(
        store
            .verify_password("ADA@example.com", "correct horse")
            .await
            .unwrap(),
        Some(added)
    );
    assert_eq!(
        store
            .verify_password("ada@example.com", "wrong")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .verify_password("nobody@example.com", "correct horse")
            .await
            .unwrap(),
        None
    );

    let duplicate = store
        .add_agent(new_agent("ADA@example.com", "other"), 11)
        .await
        .unwrap_err();
    assert!(
        matches!(&duplicate, Error::DuplicateEmail(email) if email == "ada@example.com"),
        "{duplicate}"
    );
    assert!(duplicate.to_string().contains("choose another email"));
    assert!(matches!("boss".parse::<Role>(), Err(Error::UnknownRole(_))));
}

#[tokio::test]
async fn sessions_expire_and_can_be_revoked() {
    let (_dir, store) = open_temp().await;
    let agent = store
        .add_agent(new_agent("ada@example.com", "pw"), 0)
        .await
        .unwrap();
    let token = store
        .create_session(agent.id, Duration::from_secs(60), 1_000)
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    let other = store
        .create_session(agent.id, Duration::from_secs(60), 1_000)
        .await
        .unwrap();
    assert_ne!(token, other);

    assert_eq!(
        store.agent_for_token(&token, 1_000).await.unwrap(),
        Some(agent.clone())
    );
    assert_eq!(
        store.agent_for_token(&token, 60_999).await.unwrap(),
        Some(agent.clone())
    );
    assert_eq!(store.agent_for_token(&token, 61_000).await.unwrap(), None);
    assert_eq!(
        store.agent_for_token("not-a-token", 1_000).await.unwrap(),
        None
    );

    store.revoke_session(&other).await.unwrap();
    assert_eq!(store.agent_for_token(&other, 2_000).await.unwrap(), None);
}

#[tokio::test]
async fn disabled_agents_lose_their_sessions_and_cannot_log_in() {
    let (_dir, store) = open_temp().await;
    let ada = store.add_agent(new_agent("ada@example.com", "pw-ada-1"), 0).await.unwrap();
    let bob = store.add_agent(new_agent("bob@example.com", "pw-bob-1"), 0).await.unwrap();
    let token = store.create_session(ada.id, Duration::from_secs(60), 1_000).await.unwrap();
    let kept = store.create_session(bob.id, Duration::from_secs(60), 1_000).await.unwrap();

    let disabled = store.disable_agent(" ADA@example.com", 2_000).await.unwrap();
    assert_eq!(disabled.disabled_at, Some(2_000));
    assert_eq!(store.agent_for_token(&token, 2_001).await.unwrap(), None);
    assert_eq!(store.verify_password("ada@example.com", "pw-ada-1").await.unwrap(), None);
    assert!(store.agent_for_token(&kept, 2_001).await.unwrap().is_some());
    // Disabling again keeps the first time; an unknown email is an error that says so.
    assert_eq!(store.disable_agent("ada@example.com", 3_000).await.unwrap().disabled_at, Some(2_000));
    let unknown = store.disable_agent("nobody@example.com", 3_000).await.unwrap_err();
    assert!(matches!(unknown, Error::AgentNotFound(_)), "{unknown}");

    let listed: Vec<(String, Option<i64>)> = store
        .agents()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.email, a.disabled_at))
        .collect();
    assert_eq!(listed, [("ada@example.com".into(), Some(2_000)), ("bob@example.com".into(), None)]);
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(data.join("relais.db")).await.unwrap();
    let modes = || -> Vec<(String, u32)> {
        let mut modes: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (entry.file_name().to_string_lossy().into_owned(), entry.metadata().unwrap().permissions().mode() & 0o777)
            })
            .collect();
        modes.sort();
        modes
    };
    assert!(modes().iter().all(|(_, mode)| *mode == 0o600), "{:?}", modes());
    // An older install's world-readable database is tightened when opened.
    store.close().await;
    for (file, _) in modes() {
        std::fs::set_permissions(data.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _reopened = Store::open(data.join("relais.db")).await.unwrap();
    assert!(modes().iter().all(|(_, mode)| *mode == 0o600), "{:?}", modes());
}

#[tokio::test]
async fn callback_requests_are_listed_oldest_first() {
    let (_dir, store) = open_temp().await;
    store.append("c1", &[started(1, "c1")]).await.unwrap();
    store.append("c2", &[started(2, "c2")]).await.unwrap();
    let later = CallbackRequest {
        conversation_id: "c2".into(),
        email: Some("eve@example.com".into()),
        created_at: 20,
        ..CallbackRequest::default()
    };
    let earlier = CallbackRequest {
        conversation_id: "c1".into(),
        name: Some("Bo".into()),
        phone: Some("+33 1 23 45 67 89".into()),
        preferred_time: Some("mornings".into()),
        note: Some("about my invoice".into()),
        created_at: 10,
        ..CallbackRequest::default()
    };
    for request in [&later, &earlier] {
        let event = Event {
            at: request.created_at,
            kind: EventKind::CallbackRequested {
                name: request.name.clone(),
                email: request.email.clone(),
                phone: request.phone.clone(),
                preferred_time: request.preferred_time.clone(),
                note: request.note.clone(),
            },
        };
        store.append(&request.conversation_id, &[event]).await.unwrap();
    }
    let listed: Vec<CallbackRequest> = store
        .callback_requests(Page::first(100))
        .await
        .unwrap()
        .into_iter()
        .map(|stored| stored.request)
        .collect();
    assert_eq!(listed, [earlier.clone(), later]);
    let second = store.callback_requests(Page { offset: 1, limit: 1 }).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].request.conversation_id, "c2");
    assert_eq!(store.count_callback_requests(None).await.unwrap(), 2);
    assert_eq!(store.count_callback_requests(Some("c1")).await.unwrap(), 1);
    assert_eq!(store.count_callback_requests(Some("c3")).await.unwrap(), 0);
}

#[tokio::test]
async fn projections_follow_the_handoff_lifecycle() {
    let (_dir, store) = open_temp().await;
    let ada = store
        .add_agent(new_agent("ada@example.com", "pw"), 0)
        .await
        .unwrap();
    store
        .append(
            "c",
            &[started(100, "c"), visitor(110, "m1", "I want a human")],
        )
        .await
        .unwrap();
    let c = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(
        (c.stage, c.created_at, c.language.as_deref()),
        (Stage::Bot, 100, Some("en"))
    );

    store
        .append(
            "c",
            &[
                Event {
                    at: 120,
                    kind: EventKind::HandoffRequested {
                        reason: ReasonCode::ExplicitRequest,
                        detail: "asked for a person".into(),
                    },
                },
                handoff(121, HandoffState::Queued, None),
            ],
        )
        .await
        .unwrap();
    let c = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(c.stage, Stage::Queued);
    assert_eq!(c.escalation_reason.as_deref(), Some("explicit_request"));
    assert_eq!(c.queued_at, Some(121));
    let queue = store
        .conversations(Some(Stage::Queued), Page::first(10))
        .await
        .unwrap();
    assert_eq!(
        queue.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );

    store
        .claim(
            "c",
            ada.id,
            &[handoff(130, HandoffState::AgentJoined, None)],
        )
        .await
        .unwrap();
    let c = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(
        (c.stage, c.holder_agent_id),
        (Stage::Agent, Some(ada.id))
    );
    assert!(
        store
            .conversations(Some(Stage::Queued), Page::first(10))
            .await
            .unwrap()
            .is_empty()
    );

    store
        .append("c", &[handoff(140, HandoffState::ReturnedToBot, None)])
        .await
        .unwrap();
    let c = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(
        (c.stage, c.holder_agent_id),
        (Stage::Bot, None)
    );

    store
        .append(
            "c",
            &[Event {
                at: 150,
                kind: EventKind::Closed {
                    by: "visitor".into(),
                    resolution: None,
                },
            }],
        )
        .await
        .unwrap();
    let c = store.conversation("c").await.unwrap().unwrap();
    assert_eq!(
        (c.stage, c.closed_at, c.updated_at, c.last_seq),
        (Stage::Closed, Some(150), 150, 7)
    );
    assert_eq!(store.conversations(None, Page::first(10)).await.unwrap(), [c]);
    let err = store.claim("c", ada.id, &[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotQueued {
                stage: Stage::Closed,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn feedback_is_projected_and_the_last_answer_wins() {
    let (_dir, store) = open_temp().await;
    store
        .append("c", &[started(1, "c"), bot(2, "answer")])
        .await
        .unwrap();
    let feedback = |at, helpful| Event {
        at,
        kind: EventKind::Feedback { seq: 2, helpful },
    };
    store.append("c", &[feedback(3, false)]).await.unwrap();
    store.append("c", &[feedback(4, true)]).await.unwrap();
    let given = store.feedback("c").await.unwrap();
    assert_eq!(given.len(), 1);
    assert_eq!((given[0].seq, given[0].helpful, given[0].at), (2, true, 4));
    assert_eq!(
        store.events_after("c", 2).await.unwrap().len(),
        2,
        "the log keeps both answers"
    );
}

#[tokio::test]
async fn an_unusable_path_gives_an_error_naming_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(file.join("relais.db")).await.unwrap_err();
    assert!(err.to_string().contains("--data-dir"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_resent_concurrently_is_stored_once_without_error() {
    let (_dir, store) = open_temp().await;
    store.append("c", &[started(0, "c")]).await.unwrap();
    let sender = || {
        let store = store.clone();
        tokio::spawn(async move {
            let mut acks = Vec::new();
            for i in 0..50 {
                let client_id = format!("m{i}");
                let outcome = store
                    .append_visitor_message(
                        "c",
                        &client_id,
                        &[visitor(i, &client_id, "hi"), bot(i, "hello")],
                        None,
                    )
                    .await
                    .unwrap();
                acks.push(outcome.seq().unwrap());
            }
            acks
        })
    };
    let (a, b) = (sender(), sender());
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(
        a, b,
        "both senders are acknowledged with the same seq per client id"
    );
    let events = store.events_after("c", 0).await.unwrap();
    assert_eq!(events.len(), 1 + 50 * 2);
    assert_eq!(seqs(&events), (1..=101).collect::<Vec<u64>>());
}

#[tokio::test]
async fn the_queue_lists_the_oldest_first_with_the_last_visitor_message() {
    let (_dir, store) = open_temp().await;
    for (id, at, texts) in [("late", 300, vec!["first", "second"]), ("early", 200, vec![]), ("open", 100, vec!["hi"])] {
        let mut events = vec![started(at, id)];
        for (n, text) in texts.iter().enumerate() {
            events.push(visitor(at + 1 + n as i64, &format!("{id}-{n}"), text));
        }
        if id != "open" {
            events.push(handoff(at + 10, HandoffState::Queued, Some(ReasonCode::Frustration)));
        }
        store.append(id, &events).await.unwrap();
    }
    let queue = store.queue(Page::first(10)).await.unwrap();
    let listed: Vec<(&str, Option<&str>)> = queue.iter().map(|(c, text)| (c.id.as_str(), text.as_deref())).collect();
    assert_eq!(listed, [("early", None), ("late", Some("second"))]);
    assert_eq!(store.queue(Page { offset: 1, limit: 10 }).await.unwrap().len(), 1);
}

#[tokio::test]
async fn conversations_are_read_by_their_start_in_a_half_open_window() {
    let (_dir, store) = open_temp().await;
    // Started at 100 (before the window), 200 (its first instant), 250, 300 (its end,
    // outside). "bé" is appended before "a" but starts later; its last event is after 300. (An id
    // of several bytes a character checks how the tallies are read back.)
    store.append("early", &[started(100, "early")]).await.unwrap();
    store.append("bé", &[started(250, "bé"), visitor(400, "m1", "late")]).await.unwrap();
    store.append("a", &[started(200, "a"), visitor(210, "m1", "hi")]).await.unwrap();
    store.append("end", &[started(300, "end")]).await.unwrap();
    let identified = Event {
        at: 260,
        kind: EventKind::VisitorIdentified {
            visitor: BTreeMap::new(),
            verified_user_id: Some("u-7".into()),
        },
    };
    store.append("bé", &[identified]).await.unwrap();

    let tallies = store.tallies_started(200, 300).await.unwrap();
    let read: Vec<&str> = tallies.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(read, ["a", "bé"]);
    // Each tally is the fold of the conversation's whole log, kept across appends.
    for c in &tallies {
        let events = store.events_after(&c.id, 0).await.unwrap();
        assert_eq!(c.tally, Tally::of(&events), "{}", c.id);
    }
    assert_eq!(tallies[1].tally.verified_user_id.as_deref(), Some("u-7"));
    assert_eq!(tallies[1].tally.last_at, 400);
    assert!(store.tallies_started(300, 300).await.unwrap().is_empty());

    let starts = store.visitor_starts(0, 1_000).await.unwrap();
    assert_eq!(
        starts,
        [relais_store::VisitorStart {
            visitor: "user:u-7".into(),
            started_at: 250,
        }]
    );
    assert!(store.visitor_starts(0, 250).await.unwrap().is_empty(), "bé starts at 250");
}

#[tokio::test]
async fn a_message_vector_is_kept_with_its_message_and_encoder_and_read_back_by_key() {
    let (_dir, store) = open_temp().await;
    store.append("c", &[started(1, "c")]).await.unwrap();
    let vector = [0.6_f32, -0.8, 0.0];
    let made = MessageVector { encoder: "53aa51172d142c89", vector: &vector };
    store
        .append_visitor_message("c", "m1", &[visitor(2, "m1", "can I pay in bitcoin?")], Some(made))
        .await
        .unwrap();
    store
        .append_visitor_message("c", "m2", &[visitor(3, "m2", "hello?")], None)
        .await
        .unwrap();
    let keys = [("c".to_owned(), 2), ("c".to_owned(), 3), ("c".to_owned(), 1), ("nope".to_owned(), 2)];
    let mut read = store.visitor_messages(&keys).await.unwrap();
    read.sort_by_key(|m| m.seq);
    // seq 1 is `started`, not a message; "nope" does not exist.
    assert_eq!(read.len(), 2, "{read:?}");
    assert_eq!(read[0].text, "can I pay in bitcoin?");
    assert_eq!(read[0].at, 2);
    // (0.6, -0.8, 0) × 127, rounded.
    assert_eq!(read[0].vector, Some(vec![76, -102, 0]));
    assert_eq!(read[0].encoder.as_deref(), Some("53aa51172d142c89"));
    assert_eq!((read[1].text.as_str(), read[1].vector.as_ref(), read[1].encoder.as_ref()), ("hello?", None, None));
    // A duplicate message keeps the first vector and its encoder.
    let other = MessageVector { encoder: "4fba3d53a7acd21d", vector: &[1.0, 0.0, 0.0] };
    let again = store
        .append_visitor_message("c", "m1", &[visitor(9, "m1", "can I pay in bitcoin?")], Some(other))
        .await
        .unwrap();
    assert_eq!(again, VisitorAppend::Duplicate { seq: 2 });
    let read = store.visitor_messages(&keys[..1]).await.unwrap();
    assert_eq!(read[0].vector, Some(vec![76, -102, 0]));
    assert_eq!(read[0].encoder.as_deref(), Some("53aa51172d142c89"));
}

#[tokio::test]
async fn a_vector_stored_before_encoders_were_recorded_reads_back_without_one() {
    // SQLite whatever RELAIS_TEST_STORE says: the row is written with SQL of its own.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relais.db");
    let store = Store::open(&path).await.unwrap();
    store.append("c", &[started(1, "c")]).await.unwrap();
    store
        .append_visitor_message("c", "m1", &[visitor(2, "m1", "can I pay in bitcoin?")], None)
        .await
        .unwrap();
    // As schema version 10 wrote it: (76, -102, 0), and no encoder.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    sqlx::query("INSERT INTO message_vectors (conversation_id, seq, vector) VALUES ('c', 2, x'4c9a00')")
        .execute(&pool)
        .await
        .unwrap();
    let read = store.visitor_messages(&[("c".to_owned(), 2)]).await.unwrap();
    assert_eq!((read[0].vector.as_deref(), read[0].encoder.as_deref()), (Some(&[76_i8, -102, 0][..]), None));
}

#[tokio::test]
async fn a_conversation_id_with_a_control_character_is_refused() {
    let (_dir, store) = open_temp().await;
    let error = store.append("a\u{1e}b", &[started(1, "a\u{1e}b")]).await.unwrap_err();
    assert!(matches!(error, Error::BadConversationId(_)), "{error}");
    assert!(error.to_string().contains("control character"), "{error}");
}

#[tokio::test]
async fn messages_are_read_back_across_batches_of_keys() {
    let (_dir, store) = open_temp().await;
    store.append("c", &[started(1, "c")]).await.unwrap();
    // 401 messages: two batches of 400 and one of 1.
    for i in 0..401 {
        let client = format!("m{i}");
        let vector = [i as f32, 1.0];
        store
            .append_visitor_message(
                "c",
                &client,
                &[visitor(2 + i, &client, &format!("message {i}"))],
                Some(MessageVector { encoder: "53aa51172d142c89", vector: &vector }),
            )
            .await
            .unwrap();
    }
    let keys: Vec<(String, u64)> = (2..=402).map(|seq| ("c".to_owned(), seq)).collect();
    let mut read = store.visitor_messages(&keys).await.unwrap();
    read.sort_by_key(|m| m.seq);
    assert_eq!(read.len(), 401);
    assert_eq!((read[0].seq, read[0].text.as_str()), (2, "message 0"));
    assert_eq!((read[400].seq, read[400].text.as_str()), (402, "message 400"));
    assert!(read.iter().all(|m| m.vector.is_some()));
}

#[tokio::test]
async fn a_long_or_open_window_reads_every_month_of_tallies_in_order() {
    let (_dir, store) = open_temp().await;
    const DAY: i64 = 86_400_000;
    // 40 days apart: three of the 31-day stretches the store reads one at a time.
    for (id, day) in [("late", 80), ("early", 0), ("middle", 40)] {
        store.append(id, &[started(day * DAY + 5, id)]).await.unwrap();
    }
    let ids = |tallies: Vec<relais_store::ConversationTally>| tallies.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(store.tallies_started(0, 100 * DAY).await.unwrap()), ["early", "middle", "late"]);
    assert_eq!(ids(store.tallies_started(i64::MIN, i64::MAX).await.unwrap()), ["early", "middle", "late"]);
    assert_eq!(ids(store.tallies_started(DAY, 80 * DAY + 5).await.unwrap()), ["middle"]);
    assert!(store.tallies_started(81 * DAY, i64::MAX).await.unwrap().is_empty());
}
