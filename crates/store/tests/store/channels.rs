//! The store's side of the channels: the outbox written with the events (what a channel
//! contact hears of, none in the widget, and on the REST channel only what the caller did
//! not ask for), due deliveries in order per conversation, settling and provider reports,
//! contacts across channels and the channel figures.

use std::collections::BTreeMap;

use relais_dialogue::{ChannelAddress, Event, EventKind, HandoffState};
use relais_store::{DeliveryOutcome, DeliveryState, Store, SWITCH_WINDOW_MS};

use crate::support;

const DAY: i64 = 24 * 3_600_000;

fn started(at: i64, id: &str, channel: Option<(&str, &str)>, user: Option<&str>) -> Event {
    Event {
        at,
        kind: EventKind::Started {
            conversation_id: id.into(),
            lang: Some("en".into()),
            visitor: BTreeMap::new(),
            verified_user_id: user.map(str::to_owned),
            browser_id: None,
            simulated: false,
            channel: channel.map(|(name, address)| ChannelAddress { name: name.into(), address: address.into() }),
        },
    }
}

fn said(at: i64, text: &str) -> Event {
    Event { at, kind: EventKind::VisitorMessage { text: text.into(), client_id: format!("c{at}") } }
}

fn bot(at: i64, text: &str) -> Event {
    Event {
        at,
        kind: EventKind::BotMessage { text: text.into(), quick_replies: Vec::new(), sources: Vec::new(), intent: None, ask_feedback: false },
    }
}

fn agent(at: i64, text: &str) -> Event {
    Event { at, kind: EventKind::AgentMessage { text: text.into(), client_id: format!("a{at}"), agent_id: 1, agent_name: "Ana".into() } }
}

async fn store() -> (tempfile::TempDir, Store) {
    support::open_temp().await
}

/// The seqs of the deliveries of conversation `id`.
async fn delivered_seqs(store: &Store, id: &str) -> Vec<u64> {
    store.deliveries(id).await.unwrap().iter().map(|d| d.seq).collect()
}

#[tokio::test]
async fn what_a_channel_contact_hears_of_is_queued_with_its_events() {
    let (_dir, store) = store().await;
    // The widget has no outbox.
    store.append("w", &[started(1, "w", None, None), bot(2, "Hello")]).await.unwrap();
    assert!(store.deliveries("w").await.unwrap().is_empty());

    // SMS: the bot's and the agent's messages, not the visitor's own nor the queued step (the
    // bot's message says it), nor a close the visitor made.
    store.append("s", &[started(1, "s", Some(("sms", "+15550001111")), None), bot(2, "Hello")]).await.unwrap();
    store.append_visitor_message("s", "c3", &[said(3, "a person please"), Event { at: 3, kind: EventKind::handoff(HandoffState::Queued, None) }], None).await.unwrap();
    store.append("s", &[agent(4, "Hi")]).await.unwrap();
    store.append("s", &[Event { at: 5, kind: EventKind::Closed { by: "visitor".into(), resolution: None } }]).await.unwrap();
    assert_eq!(delivered_seqs(&store, "s").await, vec![2, 5]);
    let first = &store.deliveries("s").await.unwrap()[0];
    assert_eq!((first.state, first.attempts), (DeliveryState::Pending, 0));

    // REST: what the caller's own request caused is its answer; only later events go out.
    store.append("r", &[started(1, "r", Some(("rest", "u-42")), Some("u-42")), bot(2, "Hello")]).await.unwrap();
    store.append_visitor_message("r", "m1", &[said(3, "hi"), bot(3, "Hi!")], None).await.unwrap();
    store.append("r", &[agent(4, "Ana here")]).await.unwrap();
    assert_eq!(delivered_seqs(&store, "r").await, vec![5]);

    let conversation = store.conversation("r").await.unwrap().unwrap();
    assert_eq!((conversation.channel.as_str(), conversation.address.as_deref(), conversation.contact.as_deref()), ("rest", Some("u-42"), Some("user:u-42")));
}

/// How long a taken delivery is another sender's (ms).
const LEASE: i64 = 20;

#[tokio::test]
async fn deliveries_leave_in_order_per_conversation_and_a_failed_one_does_not_hold_the_next() {
    let (_dir, store) = store().await;
    store.append("a", &[started(1, "a", Some(("sms", "+1")), None), bot(2, "one"), bot(3, "two")]).await.unwrap();
    store.append("b", &[started(1, "b", Some(("whatsapp", "+2")), None), bot(2, "three")]).await.unwrap();
    assert_eq!(store.take_due_deliveries(1, LEASE, 10).await.unwrap().len(), 0, "nothing is due before its event");
    let due = store.take_due_deliveries(10, LEASE, 10).await.unwrap();
    let firsts: Vec<(&str, u64)> = due.iter().map(|d| (d.conversation_id.as_str(), d.event.seq)).collect();
    assert_eq!(firsts.len(), 2, "one per conversation: {firsts:?}");
    assert!(firsts.contains(&("a", 2)) && firsts.contains(&("b", 2)));
    assert_eq!(store.take_due_deliveries(10, LEASE, 10).await.unwrap().len(), 0, "taken: another sender gets none of them");
    let one = due.iter().find(|d| d.conversation_id == "a").unwrap();
    assert_eq!((one.channel.as_str(), one.address.as_str(), one.language.as_deref()), ("sms", "+1", Some("en")));

    // A retry keeps the conversation's next message waiting until it is settled.
    let retried = store.settle_delivery(one, DeliveryOutcome::Retry { error: "HTTP 503", at: 100 }, 10).await.unwrap().unwrap();
    assert_eq!((retried.state, retried.attempts, retried.error.as_deref()), (DeliveryState::Pending, 1, Some("HTTP 503")));
    assert!(store.take_due_deliveries(50, LEASE, 10).await.unwrap().iter().all(|d| d.conversation_id != "a"));
    let again = store.take_due_deliveries(100, LEASE, 10).await.unwrap();
    // "b", taken at 50 and never settled (as if its sender died), is due again once its lease ended.
    assert!(again.iter().any(|d| d.conversation_id == "b"), "{again:?}");
    let one = again.iter().find(|d| d.conversation_id == "a").unwrap();
    assert_eq!((one.event.seq, one.attempts), (2, 1));
    let failed = store.settle_delivery(one, DeliveryOutcome::Failed { error: "gave up" }, 100).await.unwrap().unwrap();
    assert_eq!((failed.state, failed.attempts), (DeliveryState::Failed, 2));
    let next = store.take_due_deliveries(100, LEASE, 10).await.unwrap();
    assert!(next.iter().any(|d| d.conversation_id == "a" && d.event.seq == 3), "{next:?}");

    // The provider's reports: by its id; once delivered, a late report changes nothing.
    let b = again.iter().find(|d| d.conversation_id == "b").unwrap();
    store.settle_delivery(b, DeliveryOutcome::Sent { provider_id: Some("wamid.1") }, 100).await.unwrap().unwrap();
    let reached = store.delivery_reported("whatsapp", "wamid.1", DeliveryState::Delivered, None, 101).await.unwrap().unwrap();
    assert_eq!((reached.conversation_id.as_str(), reached.state), ("b", DeliveryState::Delivered));
    assert_eq!(store.delivery_reported("whatsapp", "wamid.1", DeliveryState::Failed, Some("late"), 102).await.unwrap(), None);
    assert_eq!(store.delivery_reported("sms", "wamid.1", DeliveryState::Delivered, None, 102).await.unwrap(), None, "another channel's id");
}

#[tokio::test]
async fn a_sender_that_outlived_its_lease_cannot_undo_what_the_next_one_settled_but_its_sent_is_kept() {
    let (_dir, store) = store().await;
    store.append("a", &[started(1, "a", Some(("sms", "+1")), None), bot(2, "one")]).await.unwrap();
    let slow = store.take_due_deliveries(10, LEASE, 10).await.unwrap().remove(0);
    assert_eq!(slow.leased_until, 10 + LEASE);
    // The slow sender's lease ends; another takes the delivery and sends it.
    let next = store.take_due_deliveries(10 + LEASE, LEASE, 10).await.unwrap().remove(0);
    assert_eq!((next.id, next.leased_until), (slow.id, 10 + 2 * LEASE));
    let sent = store.settle_delivery(&next, DeliveryOutcome::Sent { provider_id: Some("SM1") }, 35).await.unwrap().unwrap();
    assert_eq!((sent.state, sent.attempts), (DeliveryState::Sent, 1));
    // The slow one's late failure changes nothing: the message is not put back to be sent again.
    let late = DeliveryOutcome::Retry { error: "timed out", at: 100 };
    assert_eq!(store.settle_delivery(&slow, late, 40).await.unwrap(), None);
    assert_eq!(store.settle_delivery(&slow, DeliveryOutcome::Failed { error: "timed out" }, 40).await.unwrap(), None);
    let stored = &store.deliveries("a").await.unwrap()[0];
    assert_eq!((stored.state, stored.attempts, stored.error.as_deref()), (DeliveryState::Sent, 1, None));
    assert!(store.take_due_deliveries(1_000, LEASE, 10).await.unwrap().is_empty(), "nothing is due again");
    // Settled once, a delivery cannot be settled again by the sender that settled it, nor
    // sent twice over.
    assert_eq!(store.settle_delivery(&next, DeliveryOutcome::Failed { error: "twice" }, 41).await.unwrap(), None);
    assert_eq!(store.settle_delivery(&slow, DeliveryOutcome::Sent { provider_id: Some("SM0") }, 42).await.unwrap(), None);

    // The other way round: the next sender gave up, but the slow one's provider had taken
    // the message. That is a fact, and it is kept, with the provider's id for its reports.
    store.append("c", &[started(1, "c", Some(("sms", "+3")), None), bot(2, "three")]).await.unwrap();
    let slow = store.take_due_deliveries(50, LEASE, 10).await.unwrap().remove(0);
    let next = store.take_due_deliveries(50 + LEASE, LEASE, 10).await.unwrap().remove(0);
    let refused = DeliveryOutcome::Failed { error: "the contact replied STOP" };
    assert_eq!(store.settle_delivery(&next, refused, 75).await.unwrap().map(|s| s.state), Some(DeliveryState::Failed));
    let sent = store.settle_delivery(&slow, DeliveryOutcome::Sent { provider_id: Some("SM3") }, 80).await.unwrap().unwrap();
    assert_eq!((sent.conversation_id.as_str(), sent.state), ("c", DeliveryState::Sent));
    let reached = store.delivery_reported("sms", "SM3", DeliveryState::Delivered, None, 90).await.unwrap();
    assert_eq!(reached.map(|s| s.state), Some(DeliveryState::Delivered));

    // A sender whose lease ended while no other took the delivery still settles it.
    store.append("b", &[started(1, "b", Some(("sms", "+2")), None), bot(2, "two")]).await.unwrap();
    let late = store.take_due_deliveries(100, LEASE, 10).await.unwrap().remove(0);
    let settled = store.settle_delivery(&late, DeliveryOutcome::Sent { provider_id: None }, 100 + 5 * LEASE).await.unwrap();
    assert_eq!(settled.map(|s| s.state), Some(DeliveryState::Sent));
}

#[tokio::test]
async fn one_contact_across_channels_and_the_channel_figures() {
    let (_dir, store) = store().await;
    let at = 10 * DAY;
    store.append("sms", &[started(at, "sms", Some(("sms", "+15550001111")), None)]).await.unwrap();
    store.append("wa", &[started(at + DAY, "wa", Some(("whatsapp", "+15550001111")), None)]).await.unwrap();
    // A widget visitor verified later is a contact from then on.
    store.append("web", &[started(at, "web", None, None)]).await.unwrap();
    assert_eq!(store.conversation("web").await.unwrap().unwrap().contact, None);
    let identified = Event { at: at + 1, kind: EventKind::VisitorIdentified { visitor: BTreeMap::new(), verified_user_id: Some("u-1".into()) } };
    store.append("web", &[identified]).await.unwrap();
    assert_eq!(store.conversation("web").await.unwrap().unwrap().contact.as_deref(), Some("user:u-1"));
    // The same user on the REST channel 8 days later: another channel, but too far apart.
    store.append("app", &[started(at + 8 * DAY, "app", Some(("rest", "u-1")), Some("u-1"))]).await.unwrap();

    let earlier = store.contact_conversations("phone:+15550001111", "wa", 10).await.unwrap();
    assert_eq!(earlier.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["sms"]);
    assert_eq!(store.open_conversation_at("whatsapp", "+15550001111").await.unwrap().as_deref(), Some("wa"));
    assert_eq!(store.open_conversation_at("sms", "+15550009999").await.unwrap(), None);

    let counts = store.channel_counts(at, at + 9 * DAY).await.unwrap();
    let mut per: Vec<(String, u64)> = counts.conversations.clone();
    per.sort();
    assert_eq!(per, [("rest".into(), 1), ("sms".into(), 1), ("whatsapp".into(), 1), ("widget".into(), 1)]);
    assert_eq!((counts.contacts, counts.switching_contacts), (2, 1), "the phone switched within 7 days; u-1 did not");
    // A window holding only the WhatsApp conversation still sees the SMS one a day before.
    let later = store.channel_counts(at + DAY, at + 2 * DAY).await.unwrap();
    assert_eq!((later.contacts, later.switching_contacts), (1, 1));
    assert_eq!(SWITCH_WINDOW_MS, 7 * DAY);
}

#[tokio::test]
async fn inbound_ids_opt_outs_and_keys() {
    let (_dir, store) = store().await;
    store.append("s", &[started(1, "s", Some(("sms", "+1")), None)]).await.unwrap();
    assert_eq!(store.inbound_conversation("sms", "SM1").await.unwrap(), None);
    store.record_inbound("sms", "SM1", "s", Some(2), 2).await.unwrap();
    store.record_inbound("sms", "SM1", "s", Some(3), 3).await.unwrap();
    assert_eq!(store.inbound_conversation("sms", "SM1").await.unwrap(), Some(("s".into(), Some(2))), "the first is kept");
    assert_eq!(store.inbound_conversation("whatsapp", "SM1").await.unwrap(), None);

    assert!(!store.opted_out("sms", "+1").await.unwrap());
    store.set_opted_out("sms", "+1", true, 5).await.unwrap();
    store.set_opted_out("sms", "+1", true, 6).await.unwrap();
    assert!(store.opted_out("sms", "+1").await.unwrap());
    store.set_opted_out("sms", "+1", false, 7).await.unwrap();
    assert!(!store.opted_out("sms", "+1").await.unwrap());

    store.add_channel_key("app", "hash-1", 1).await.unwrap();
    assert_eq!(store.channel_key_name("hash-1").await.unwrap().as_deref(), Some("app"));
    assert_eq!(store.channel_key_name("hash-2").await.unwrap(), None);
    assert!(matches!(store.add_channel_key("app", "hash-2", 1).await, Err(relais_store::Error::DuplicateKeyName(_))));
    assert!(store.remove_channel_key("app").await.unwrap());
    assert_eq!(store.channel_key_name("hash-1").await.unwrap(), None, "a revoked key opens nothing");
    assert!(!store.remove_channel_key("app").await.unwrap());
    assert_eq!(store.last_inbound_at("s").await.unwrap(), Some(1));
}
