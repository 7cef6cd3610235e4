//! The node's part in a cluster of nodes sharing one PostgreSQL store (nothing to do on
//! SQLite, where the node is alone).
//!
//! - **Events**: the store announces each append at commit (ids and seqs only), and
//!   PostgreSQL delivers the notices in commit order. Every node, the one that stored the
//!   events included, publishes them from its notices, reading them from the table: one
//!   path, so a conversation's events go out in seq order and each once ([`Published`]:
//!   after the first, a gap is read from the table first).
//! - **Typing and deliveries**: relayed as they are announced (not caught up: typing is
//!   stale by then, and a conversation's deliveries are read with it).
//! - **Catching up**: when the listening connection drops (or says nothing for three
//!   heartbeats, which each ping the node through the database), notices are lost; once
//!   it is back, every conversation this node published in the last hour is read again
//!   from its last seq, and every one a visitor socket here listens to from its start
//!   (the socket skips what it saw); the queue frame and the agents' presence are
//!   refreshed.
//! - **Presence**: each node writes a heartbeat with its count of available agents every
//!   third of `presence_timeout_seconds`, and at once when it changes; a node's agents
//!   count until its heartbeat is that old (a killed node's agents are gone within it).
//!   Heartbeats also note which queued visitors have a socket here, so the queue sweep
//!   sees visitors on every node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use relais_dialogue::Stage;
use relais_store::{Page, Signal, StoredEvent};

use super::Hub;
use super::rooms::Room;

/// A conversation this node has published nothing of for this long is forgotten: its
/// next events are published from the first one announced.
const FORGET_AFTER: Duration = Duration::from_secs(3_600);
/// Wait before listening again after the store refused.
const RETRY: Duration = Duration::from_secs(1);

/// The last seq this node published of each conversation (on PostgreSQL).
#[derive(Default)]
pub(crate) struct Published {
    last: Mutex<HashMap<String, (u64, Instant)>>,
}

impl Published {
    /// Sends `stored` (one conversation's events, in order) to `room`'s sockets and the
    /// agents, those after the last seq published only; `Err(last)` if there is a gap
    /// after `last`, which the caller reads from the store.
    fn send(&self, hub: &Hub, id: &str, room: &Room, stored: &[StoredEvent]) -> Result<(), u64> {
        let mut published = self.last.lock().expect("published lock");
        let last = published.get(id).map(|(seq, _)| *seq);
        if let (Some(last), Some(first)) = (last, stored.first())
            && first.seq > last + 1
        {
            return Err(last);
        }
        let fresh: Vec<StoredEvent> =
            stored.iter().filter(|event| last.is_none_or(|last| event.seq > last)).cloned().collect();
        if let Some(newest) = fresh.last() {
            published.insert(id.to_owned(), (newest.seq, Instant::now()));
            hub.feed.publish(id, room, &fresh);
        }
        Ok(())
    }

    /// The conversations published lately, with the last seq of each.
    fn known(&self) -> Vec<(String, u64)> {
        let published = self.last.lock().expect("published lock");
        published.iter().map(|(id, (seq, _))| (id.clone(), *seq)).collect()
    }

    /// Forgets the conversations nothing was published of for [`FORGET_AFTER`], but those
    /// a socket here still `listened` to.
    fn forget_old(&self, listened: impl Fn(&str) -> bool) {
        self.last
            .lock()
            .expect("published lock")
            .retain(|id, (_, at)| at.elapsed() < FORGET_AFTER || listened(id));
    }
}

impl Hub {
    /// Publishes conversation `id`'s newly stored events, at once on SQLite; on
    /// PostgreSQL, their notice publishes them ([`Hub::relay_appended`]).
    pub(crate) fn publish(&self, id: &str, room: &Room, stored: &[StoredEvent]) {
        if !self.clustered() {
            self.feed.publish(id, room, stored);
        }
    }

    /// Publishes `stored` (conversation `id`'s, in order), those after the last seq
    /// published only, after reading any gap before them from the store.
    async fn publish_in_order(&self, id: &str, room: &Room, stored: &[StoredEvent]) {
        let mut batch = stored.to_vec();
        while let Err(after) = self.published.send(self, id, room, &batch) {
            match self.store.events_after(id, after).await {
                Ok(events) => batch = events,
                Err(error) => {
                    tracing::warn!("conversation {id}'s events could not be read: {error}");
                    return;
                }
            }
        }
    }

    /// Whether other nodes may share the store.
    pub(crate) fn clustered(&self) -> bool {
        self.store.backend() == relais_store::Backend::Postgres
    }

    /// Publishes what a node (this one too) stored in conversation `id` from `first` on.
    async fn relay_appended(&self, id: &str, first: u64) {
        let events = match self.store.events_after(id, first.saturating_sub(1)).await {
            Ok(events) => events,
            Err(error) => {
                tracing::warn!("conversation {id}'s events could not be read: {error}");
                return;
            }
        };
        let room = self.rooms.room(id);
        self.publish_in_order(id, &room, &events).await;
        drop(room);
        self.rooms.tidy(id);
    }

    /// Reads again every conversation this node publishes, from the last seq it
    /// published, after notices may have been lost; a conversation a visitor socket here
    /// listens to and none was published of, from its start (the socket skips what it saw).
    async fn catch_up(&self) {
        let mut conversations = self.published.known();
        for id in self.rooms.listened_ids() {
            if !conversations.iter().any(|(known, _)| *known == id) {
                conversations.push((id, 0));
            }
        }
        for (id, last) in conversations {
            match self.store.events_after(&id, last).await {
                Ok(events) if !events.is_empty() => {
                    let room = self.rooms.room(&id);
                    self.publish_in_order(&id, &room, &events).await;
                    drop(room);
                    self.rooms.tidy(&id);
                }
                Ok(_) => {}
                Err(error) => tracing::warn!("conversation {id} could not be caught up: {error}"),
            }
        }
        self.feed.queue_changed();
        self.roster.changed.notify_one();
    }
}

/// Relays the other nodes' notices and keeps this node's presence, until aborted.
pub(crate) async fn run(hub: &Hub) {
    if !hub.clustered() {
        return;
    }
    tokio::join!(listen(hub), heartbeats(hub));
}

async fn listen(hub: &Hub) {
    let mut first = true;
    loop {
        let mut listener = match hub.store.listen().await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!("cannot listen to the other nodes: {error}; trying again");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        if !first {
            tracing::info!("listening to the other nodes again; catching up");
            hub.catch_up().await;
        }
        first = false;
        // The heartbeats ping this node through the database: silence for three of them
        // means a connection dead without saying so.
        let silence = heartbeat_every(hub) * 3;
        loop {
            let Ok(heard) = tokio::time::timeout(silence, listener.next()).await else {
                tracing::warn!("heard nothing from the database for {silence:?}: listening again");
                break;
            };
            match heard {
                Ok(Signal::Alive) => {}
                Ok(Signal::Appended { conversation_id, first, .. }) => {
                    hub.relay_appended(&conversation_id, first).await;
                }
                Ok(Signal::Typing { conversation_id, from, last_seq }) => {
                    let from = if from == "agent" { "agent" } else { "visitor" };
                    hub.typing_here(&conversation_id, from, last_seq);
                }
                Ok(Signal::Agents) => {
                    hub.roster.changed.notify_one();
                    hub.feed.queue_changed();
                }
                Ok(Signal::Delivery { conversation_id, seq }) => match hub.store.deliveries(&conversation_id).await {
                    Ok(statuses) => {
                        if let Some(status) = statuses.into_iter().find(|status| status.seq == seq) {
                            hub.feed.delivery(status);
                        }
                    }
                    Err(error) => tracing::warn!("conversation {conversation_id}'s deliveries could not be read: {error}"),
                },
                Ok(Signal::Lost) | Err(_) => {
                    tracing::warn!("lost the connection that listens to the other nodes");
                    break;
                }
            }
        }
    }
}

/// Writes this node's heartbeat every third of the presence timeout, and at once when
/// its agents change or another node's did; tells the others when its count changed.
async fn heartbeats(hub: &Hub) {
    let every = heartbeat_every(hub);
    let timeout_ms = i64::try_from((every * 3).as_millis()).unwrap_or(i64::MAX);
    let mut announced = None;
    loop {
        let available = hub.roster.available_here();
        let now = hub.clock.now_ms();
        let since = now.saturating_sub(timeout_ms);
        match hub.store.heartbeat(available as u64, now, since).await {
            Ok(elsewhere) => hub.roster.set_elsewhere(elsewhere),
            Err(error) => tracing::warn!("the node's heartbeat could not be written: {error}"),
        }
        if announced != Some(available) && hub.store.announce_agents().await.is_ok() {
            announced = Some(available);
        }
        hub.published.forget_old(|id| hub.rooms.listened(id));
        if let Err(error) = hub.store.ping().await {
            tracing::warn!("the node could not ping itself: {error}");
        }
        if let Err(error) = note_visitors(hub, now).await {
            tracing::warn!("the queued visitors here could not be noted: {error}");
        }
        let _ = tokio::time::timeout(every, hub.roster.changed.notified()).await;
    }
}

/// How often a node writes its heartbeat: a third of `presence_timeout_seconds`.
fn heartbeat_every(hub: &Hub) -> Duration {
    Duration::from_secs(hub.config.presence_timeout_seconds.max(1)) / 3
}

/// Notes the queued conversations whose visitor has a socket on this node.
async fn note_visitors(hub: &Hub, now: i64) -> relais_store::Result<()> {
    let here: Vec<String> = hub
        .store
        .conversations(Some(Stage::Queued), Page::first(u32::MAX))
        .await?
        .into_iter()
        .map(|conversation| conversation.id)
        .filter(|id| hub.rooms.listened(id))
        .collect();
    hub.store.visitors_seen(&here, now).await
}
