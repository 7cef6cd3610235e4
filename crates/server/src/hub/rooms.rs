//! Rooms: one per conversation in use, holding its turn lock (with the state folded from
//! its log) and the channel its sockets listen to. A room is forgotten once no socket
//! listens and no turn runs; the next turn folds the state from the store again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use relais_dialogue::ConversationState;
use relais_store::StoredEvent;
use tokio::sync::broadcast;

/// Updates buffered per conversation before a slow socket must re-read the store.
const CONVERSATION_BUFFER: usize = 64;

/// Something that happened in a conversation, as its sockets learn it.
#[derive(Debug, Clone)]
pub enum Update {
    /// A stored event.
    Event(StoredEvent),
    /// Someone is typing (not stored); `last_seq` is the conversation's last stored seq.
    Typing { from: &'static str, last_seq: u64 },
    /// What became of an outbound message on the conversation's channel (agents only).
    Delivery(relais_store::DeliveryStatus),
}

/// One conversation in memory.
pub(crate) struct Room {
    /// Taken for a whole turn; holds the state once folded.
    pub(crate) turn: tokio::sync::Mutex<Option<ConversationState>>,
    pub(crate) updates: broadcast::Sender<Arc<Update>>,
}

/// The rooms of the conversations in use, and when each lost its last visitor socket.
#[derive(Default)]
pub(crate) struct Rooms {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    visitor_gone: Mutex<HashMap<String, Instant>>,
}

impl Rooms {
    /// The room of conversation `id`, made on first use.
    pub(crate) fn room(&self, id: &str) -> Arc<Room> {
        let mut rooms = self.rooms.lock().expect("rooms lock");
        rooms
            .entry(id.to_owned())
            .or_insert_with(|| {
                Arc::new(Room {
                    turn: tokio::sync::Mutex::new(None),
                    updates: broadcast::channel(CONVERSATION_BUFFER).0,
                })
            })
            .clone()
    }

    /// Listens to a conversation's updates (before reading its past, so nothing falls between).
    pub(crate) fn subscribe(&self, id: &str) -> broadcast::Receiver<Arc<Update>> {
        self.room(id).updates.subscribe()
    }

    /// Whether a socket listens to conversation `id` now.
    pub(crate) fn listened(&self, id: &str) -> bool {
        self.rooms
            .lock()
            .expect("rooms lock")
            .get(id)
            .is_some_and(|room| room.updates.receiver_count() > 0)
    }

    /// The conversations a socket listens to now.
    pub(crate) fn listened_ids(&self) -> Vec<String> {
        self.rooms
            .lock()
            .expect("rooms lock")
            .iter()
            .filter(|(_, room)| room.updates.receiver_count() > 0)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// A visitor socket stopped listening to conversation `id`: notes when the last one
    /// went, and forgets the room when nothing uses it any more.
    pub(crate) fn release(&self, id: &str) {
        let mut rooms = self.rooms.lock().expect("rooms lock");
        if rooms.get(id).is_some_and(|room| room.updates.receiver_count() == 0) {
            self.visitor_gone
                .lock()
                .expect("rooms lock")
                .insert(id.to_owned(), Instant::now());
            forget_if_unused(&mut rooms, id);
        }
    }

    /// Forgets the room of `id` when nothing uses it: no socket listens and no turn holds
    /// it (the caller has dropped its own handle). Its next turn folds the state again.
    pub(crate) fn tidy(&self, id: &str) {
        forget_if_unused(&mut self.rooms.lock().expect("rooms lock"), id);
    }

    /// Of the conversations `queued`, those whose visitor has had no socket since
    /// `deadline` (or since `default` for those never seen); forgets when visitors went
    /// from conversations no longer queued.
    pub(crate) fn gone_before(&self, queued: Vec<String>, deadline: Instant, default: Instant) -> Vec<String> {
        let mut gone_since = self.visitor_gone.lock().expect("rooms lock");
        let ids: std::collections::HashSet<&str> = queued.iter().map(String::as_str).collect();
        gone_since.retain(|id, _| ids.contains(id.as_str()));
        queued
            .into_iter()
            .filter(|id| gone_since.get(id).copied().unwrap_or(default) <= deadline)
            .collect()
    }

    /// Counts conversation `id`'s visitor as gone from now on if no socket listens to it:
    /// the queue's abandon clock starts again (a conversation queued again).
    pub(crate) fn gone_from_now(&self, id: &str) {
        if !self.listened(id) {
            self.visitor_gone
                .lock()
                .expect("rooms lock")
                .insert(id.to_owned(), Instant::now());
        }
    }

    /// Forgets when the visitor of conversation `id` went.
    pub(crate) fn forget_gone(&self, id: &str) {
        self.visitor_gone.lock().expect("rooms lock").remove(id);
    }
}

fn forget_if_unused(rooms: &mut HashMap<String, Arc<Room>>, id: &str) {
    if rooms
        .get(id)
        .is_some_and(|room| room.updates.receiver_count() == 0 && Arc::strong_count(room) == 1)
    {
        rooms.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(rooms: &Rooms) -> usize {
        rooms.rooms.lock().unwrap().len()
    }

    #[test]
    fn a_room_is_forgotten_once_no_socket_listens_and_no_turn_holds_it() {
        let rooms = Rooms::default();
        let held = rooms.room("c");
        rooms.tidy("c");
        assert_eq!(count(&rooms), 1, "a turn holds it");
        drop(held);
        let listening = rooms.subscribe("c");
        rooms.tidy("c");
        assert_eq!(count(&rooms), 1, "a socket listens");
        drop(listening);
        rooms.release("c");
        assert_eq!(count(&rooms), 0);
        assert_eq!(rooms.gone_before(vec!["c".into()], Instant::now(), Instant::now()), ["c"]);
        rooms.room("unknown");
        rooms.tidy("unknown");
        assert_eq!(count(&rooms), 0, "a turn on an unknown id leaves nothing behind");
    }
}
