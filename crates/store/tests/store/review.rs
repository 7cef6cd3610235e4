//! The review turns: folded from a hand-built log as it is appended (a turn at a time, as
//! the server does), filtered by kind, newest first in pages, labelled (the latest label
//! wins, the log untouched), and the same when folded again from the log at open.

use std::collections::BTreeMap;

use relais_dialogue::{Event, EventKind, FallbackStage, IntentScore, ReasonCode, Source};
use relais_store::{NewAgent, ReviewKind, ReviewQuery, Role, Store};

use crate::support;

fn event(at: i64, kind: EventKind) -> Event {
    Event { at, kind }
}

fn said(at: i64, text: &str) -> Event {
    event(at, EventKind::VisitorMessage {
        text: text.into(),
        client_id: format!("m{at}"),
    })
}

fn predicted(at: i64, intent: &str, confidence: f32, oos: bool, ambiguous: bool) -> Event {
    let ranking = [(intent, confidence), ("second", confidence / 2.0), ("third", 0.05), ("fourth", 0.01)]
        .into_iter()
        .map(|(intent, confidence)| IntentScore {
            intent: intent.into(),
            confidence,
        })
        .collect();
    event(at, EventKind::IntentPredicted {
        intent: intent.into(),
        confidence,
        ranking,
        oos,
        ambiguous,
    })
}

fn answer(at: i64, intent: Option<&str>, article: Option<&str>) -> Event {
    event(at, EventKind::BotMessage {
        text: "An answer.".into(),
        quick_replies: Vec::new(),
        sources: article
            .map(|url| Source {
                title: "Delivery".into(),
                url: url.into(),
            })
            .into_iter()
            .collect(),
        intent: intent.map(str::to_owned),
        ask_feedback: true,
    })
}

fn fallback(at: i64, stage: FallbackStage) -> Event {
    event(at, EventKind::Fallback { stage })
}

/// Conversation "c", turn by turn (the first event of each slice is what the visitor
/// did). At 10: answered with an intent at 0.9; at 20: low confidence (0.4), answered
/// from an article, then rated 👎; at 30: out of scope, fell back; at 40: ambiguous, asked
/// to choose; at 50: low confidence again and escalated.
fn turns() -> Vec<Vec<Event>> {
    vec![
        vec![event(1, EventKind::Started {
            conversation_id: "c".into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: None,
            browser_id: None,
            simulated: false,
            channel: None,
        })],
        vec![said(10, "where is my parcel"), predicted(10, "order_status", 0.9, false, false), answer(11, Some("order_status"), None)],
        vec![said(20, "delivery to Norway?"), predicted(20, "shipping", 0.4, false, false), answer(21, None, Some("/help/delivery"))],
        // 👎 on the answer of seq 7 (the article).
        vec![event(22, EventKind::Feedback { seq: 7, helpful: false })],
        vec![said(30, "can I pay in bitcoin"), predicted(30, "payment", 0.2, true, false), fallback(31, FallbackStage::Rephrase)],
        vec![said(40, "change it"), predicted(40, "change_address", 0.5, false, true), fallback(41, FallbackStage::Disambiguate)],
        // A form's question answered: no turn, whatever the classifier said.
        vec![
            said(45, "sam@example.org"),
            predicted(45, "greet", 0.1, false, false),
            event(45, EventKind::SlotSet {
                name: "email".into(),
                value: "sam@example.org".into(),
            }),
        ],
        vec![
            said(50, "it broke again"),
            predicted(50, "warranty", 0.3, false, false),
            event(51, EventKind::HandoffRequested {
                reason: ReasonCode::LowConfidence,
                detail: String::new(),
            }),
        ],
    ]
}

fn query(kind: Option<ReviewKind>) -> ReviewQuery {
    ReviewQuery {
        from: 0,
        to: 1_000,
        kind,
        threshold: 0.6,
        own_thresholds: Default::default(),
        before: None,
        limit: 50,
    }
}

async fn listed(store: &Store, kind: Option<ReviewKind>) -> Vec<String> {
    store
        .review_turns(&query(kind))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.turn.text)
        .collect()
}

async fn written() -> (tempfile::TempDir, Store) {
    let (dir, store) = support::open_temp().await;
    for turn in turns() {
        store.append("c", &turn).await.unwrap();
    }
    (dir, store)
}

#[tokio::test]
async fn each_kind_lists_its_turns_newest_first() {
    let (_dir, store) = written().await;
    let all = store.review_turns(&query(None)).await.unwrap();
    let texts: Vec<&str> = all.iter().map(|t| t.turn.text.as_str()).collect();
    assert_eq!(texts, ["it broke again", "change it", "can I pay in bitcoin", "delivery to Norway?", "where is my parcel"]);
    // What the inbox shows of a turn: the three best intents, what the bot did, the article.
    let norway = &all[3].turn;
    assert_eq!(norway.lang.as_deref(), Some("en"));
    assert_eq!(norway.prediction.ranking.iter().map(|s| s.intent.as_str()).collect::<Vec<_>>(), ["shipping", "second", "third"]);
    assert_eq!(norway.article.as_ref().map(|a| a.url.as_str()), Some("/help/delivery"));
    assert!(norway.rated_unhelpful && norway.answered() && norway.answered_intent.is_none());
    assert_eq!(all[0].turn.escalation_reason, Some(ReasonCode::LowConfidence));
    assert_eq!(all[1].turn.fallback, Some(FallbackStage::Disambiguate));

    // Below 0.6, in scope and not ambiguous: 0.4 and 0.3 (not the 0.2 out of scope, nor
    // the 0.5 ambiguous).
    assert_eq!(listed(&store, Some(ReviewKind::LowConfidence)).await, ["it broke again", "delivery to Norway?"]);
    assert_eq!(listed(&store, Some(ReviewKind::Ambiguous)).await, ["change it"]);
    assert_eq!(listed(&store, Some(ReviewKind::OutOfScope)).await, ["can I pay in bitcoin"]);
    assert_eq!(listed(&store, Some(ReviewKind::NoArticle)).await, ["it broke again", "change it", "can I pay in bitcoin"]);
    assert_eq!(listed(&store, Some(ReviewKind::RatedUnhelpful)).await, ["delivery to Norway?"]);
    assert_eq!(listed(&store, Some(ReviewKind::Escalated)).await, ["it broke again"]);
    // The threshold in force decides what is low: at 0.35 only the 0.3.
    let low = ReviewQuery {
        threshold: 0.35,
        own_thresholds: Default::default(),
        ..query(Some(ReviewKind::LowConfidence))
    };
    assert_eq!(store.review_turns(&low).await.unwrap().len(), 1);

    // Pages: two, then from the last one listed.
    let first = store.review_turns(&ReviewQuery { limit: 2, ..query(None) }).await.unwrap();
    let last = first.last().unwrap();
    let next = ReviewQuery {
        before: Some((last.turn.at, last.id)),
        limit: 2,
        ..query(None)
    };
    let second: Vec<String> = store.review_turns(&next).await.unwrap().into_iter().map(|t| t.turn.text).collect();
    assert_eq!(second, ["can I pay in bitcoin", "delivery to Norway?"]);
    // The window is half-open on the message's time.
    let window = ReviewQuery { from: 20, to: 40, ..query(None) };
    assert_eq!(store.review_turns(&window).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_latest_label_wins_and_the_log_is_untouched() {
    let (_dir, store) = written().await;
    let reviewer = store
        .add_agent(
            NewAgent {
                email: "rev@example.com".into(),
                name: "Rev".into(),
                role: Role::Admin,
                reviewer: false,
                password: "a long enough password".into(),
            },
            0,
        )
        .await
        .unwrap();
    let events = store.events_after("c", 0).await.unwrap();
    let turn = store.review_turns(&query(Some(ReviewKind::Escalated))).await.unwrap().remove(0);
    assert_eq!(turn.label, None);
    let labelled = store.label_turn(turn.id, "warranty_claim", reviewer.id, 100).await.unwrap().unwrap();
    assert_eq!(labelled.label.as_ref().map(|l| (l.label.as_str(), l.by.as_str(), l.at)), Some(("warranty_claim", "rev@example.com", 100)));
    let changed = store.label_turn(turn.id, "oos", reviewer.id, 200).await.unwrap().unwrap();
    assert_eq!(changed.label.map(|l| l.label).as_deref(), Some("oos"));
    assert_eq!(store.label_turn(9_999, "oos", reviewer.id, 300).await.unwrap(), None, "no such turn");
    assert_eq!(store.events_after("c", 0).await.unwrap(), events, "labels are not the conversation's events");
    // A turn being labelled cannot lose its reviewer.
    assert!(store.remove_agent("rev@example.com").await.is_err());
}

#[tokio::test]
async fn folded_again_at_open_the_turns_and_their_ids_are_the_same() {
    // SQLite's file, reopened.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    for turn in turns() {
        store.append("c", &turn).await.unwrap();
    }
    let appended = store.review_turns(&query(None)).await.unwrap();
    store.close().await;
    // As a store of schema version 5 would have left it: no turns, tallies to fold.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("relais.db").display())).await.unwrap();
    sqlx::query("UPDATE conversations SET tally = NULL").execute(&pool).await.unwrap();
    pool.close().await;
    let store = Store::open(dir.path().join("relais.db")).await.unwrap();
    assert_eq!(store.review_turns(&query(None)).await.unwrap(), appended);
    // And a log appended in one go folds into the same turns.
    let dir = tempfile::tempdir().unwrap();
    let at_once = Store::open(dir.path().join("relais.db")).await.unwrap();
    at_once.append("c", &turns().concat()).await.unwrap();
    let texts = |turns: Vec<relais_store::ListedTurn>| turns.into_iter().map(|t| t.turn).collect::<Vec<_>>();
    assert_eq!(texts(at_once.review_turns(&query(None)).await.unwrap()), texts(appended));
}

async fn agent(store: &Store, email: &str, role: Role, reviewer: bool) -> relais_store::Agent {
    let new = NewAgent {
        email: email.into(),
        name: email.into(),
        role,
        reviewer,
        password: "a long enough password".into(),
    };
    store.add_agent(new, 0).await.unwrap()
}

#[tokio::test]
async fn an_intent_with_its_own_threshold_is_low_below_it() {
    let (_dir, store) = written().await;
    // `warranty` (0.3) has its own threshold of 0.25: no longer low; `shipping` (0.4) is
    // still low against the global 0.6.
    let own = ReviewQuery {
        own_thresholds: BTreeMap::from([("warranty".to_owned(), 0.25)]),
        ..query(Some(ReviewKind::LowConfidence))
    };
    let texts: Vec<String> = store.review_turns(&own).await.unwrap().into_iter().map(|t| t.turn.text).collect();
    assert_eq!(texts, ["delivery to Norway?"]);
    // And one above the global threshold makes a turn low that the global one would not.
    let high = ReviewQuery {
        own_thresholds: BTreeMap::from([("order_status".to_owned(), 0.95)]),
        ..query(Some(ReviewKind::LowConfidence))
    };
    assert_eq!(store.review_turns(&high).await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_agent_flags_the_turn_a_reply_answers() {
    let (_dir, store) = written().await;
    let ann = agent(&store, "ann@example.com", Role::Agent, false).await;
    let bob = agent(&store, "bob@example.com", Role::Agent, false).await;
    // Seqs: 1 started; 2–4 "where is my parcel" (4 its answer); … 15–17 the form's answer;
    // 18–20 "it broke again"; 21 queued, 22 Ann joins.
    assert_eq!(store.flag_turn("c", 4, ann.id, 400).await.unwrap(), None, "not held yet");
    let queued = EventKind::handoff(relais_dialogue::HandoffState::Queued, Some(ReasonCode::ExplicitRequest));
    store.append("c", &[event(55, queued)]).await.unwrap();
    let joined = EventKind::handoff(relais_dialogue::HandoffState::AgentJoined, None);
    store.claim("c", ann.id, &[event(56, joined)]).await.unwrap();
    let events = store.events_after("c", 0).await.unwrap();

    let flagged = store.flag_turn("c", 4, ann.id, 500).await.unwrap().unwrap();
    assert_eq!(flagged.turn.text, "where is my parcel");
    assert_eq!(flagged.flagged.as_ref().map(|f| (f.by.as_str(), f.at, f.times)), Some(("ann@example.com", 500, 1)));
    // The visitor's message itself is the same turn: flagged again, the time updated, one agent.
    let again = store.flag_turn("c", 2, ann.id, 600).await.unwrap().unwrap();
    assert_eq!((again.id, again.flagged.map(|f| (f.at, f.times))), (flagged.id, Some((600, 1))));
    // Bob does not hold it.
    assert_eq!(store.flag_turn("c", 4, bob.id, 650).await.unwrap(), None);
    // A form's answer is no turn; a seq before any message neither; nor another conversation.
    assert_eq!(store.flag_turn("c", 17, ann.id, 700).await.unwrap(), None);
    assert_eq!(store.flag_turn("c", 1, ann.id, 700).await.unwrap(), None);
    assert_eq!(store.flag_turn("other", 4, ann.id, 700).await.unwrap(), None);
    assert_eq!(store.flag_turn("c", 22, ann.id, 700).await.unwrap().unwrap().turn.text, "it broke again");
    assert_eq!(listed(&store, Some(ReviewKind::Flagged)).await, ["it broke again", "where is my parcel"]);
    assert_eq!(store.events_after("c", 0).await.unwrap(), events, "flags are not the conversation's events");
    // The flags survive the turns being folded again.
    store.append("c", &[said(60, "thanks"), predicted(60, "thanks", 0.99, false, false)]).await.unwrap();
    assert_eq!(listed(&store, Some(ReviewKind::Flagged)).await, ["it broke again", "where is my parcel"]);
    assert!(store.remove_agent("ann@example.com").await.is_err(), "a flag keeps its agent");
}

#[tokio::test]
async fn a_thumbs_up_is_kept_until_the_turn_is_labelled() {
    let (_dir, store) = written().await;
    let rev = agent(&store, "rev@example.com", Role::Agent, true).await;
    assert!(rev.reviews());
    assert!(store.rated_helpful_turns(0, 1_000, None).await.unwrap().is_empty());
    // 👍 on seq 4, the parcel's answer.
    store.append("c", &[event(60, EventKind::Feedback { seq: 4, helpful: true })]).await.unwrap();
    let rated = store.rated_helpful_turns(0, 1_000, None).await.unwrap();
    assert_eq!(rated.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["where is my parcel"]);
    assert!(rated[0].rated_helpful && !rated[0].rated_unhelpful);
    assert!(store.rated_helpful_turns(0, 1_000, Some("fr")).await.unwrap().is_empty());
    // Changed to 👎: no longer.
    store.append("c", &[event(61, EventKind::Feedback { seq: 4, helpful: false })]).await.unwrap();
    assert!(store.rated_helpful_turns(0, 1_000, None).await.unwrap().is_empty());
    store.append("c", &[event(62, EventKind::Feedback { seq: 4, helpful: true })]).await.unwrap();
    // Labelled: the label says more than the 👍.
    let parcel = store.review_turns(&query(None)).await.unwrap().into_iter().find(|t| t.turn.text == "where is my parcel").unwrap();
    store.label_turn(parcel.id, "confirm", rev.id, 70).await.unwrap();
    assert!(store.rated_helpful_turns(0, 1_000, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_reviewer_role_is_given_and_taken() {
    let (_dir, store) = support::open_temp().await;
    let ann = agent(&store, "ann@example.com", Role::Agent, false).await;
    assert!(!ann.reviewer && !ann.reviews());
    let given = store.set_reviewer("ANN@example.com ", true).await.unwrap();
    assert!(given.reviewer && given.reviews());
    let token = store.create_session(ann.id, std::time::Duration::from_secs(60), 0).await.unwrap();
    assert!(store.agent_for_token(&token, 1).await.unwrap().unwrap().reviewer, "the session sees the role");
    assert!(!store.set_reviewer("ann@example.com", false).await.unwrap().reviewer);
    assert!(store.set_reviewer("nobody@example.com", true).await.is_err());
    let boss = agent(&store, "boss@example.com", Role::Admin, false).await;
    assert!(boss.reviews(), "admins review");
}
