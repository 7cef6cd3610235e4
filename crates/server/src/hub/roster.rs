//! The agent roster: how many agent sockets are open and available, here and on the
//! other nodes of a cluster (their heartbeats say), and whether that makes an agent able
//! to take a conversation now (business hours included). Each agent socket holds a
//! [`Presence`] that counts it while it is available.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::hours::BusinessHours;

pub(crate) struct Roster {
    /// Agents with a socket open on this node who said they are available.
    available: AtomicUsize,
    /// Available agents on the other nodes, as their last heartbeats say.
    elsewhere: AtomicUsize,
    /// Told when this node's count changes (the heartbeat goes out at once).
    pub(crate) changed: tokio::sync::Notify,
    hours: BusinessHours,
}

impl Roster {
    pub(crate) fn new(hours: BusinessHours) -> Self {
        Self {
            available: AtomicUsize::new(0),
            elsewhere: AtomicUsize::new(0),
            changed: tokio::sync::Notify::new(),
            hours,
        }
    }

    /// An agent can take a conversation at `at`: someone available, on any node, within
    /// business hours.
    pub(crate) fn agents_available(&self, at: i64) -> bool {
        self.available.load(Ordering::SeqCst) + self.elsewhere.load(Ordering::SeqCst) > 0 && self.hours.open_at(at)
    }

    /// Available agents with a socket on this node.
    pub(crate) fn available_here(&self) -> usize {
        self.available.load(Ordering::SeqCst)
    }

    /// Available agents on the other nodes, from their heartbeats.
    pub(crate) fn set_elsewhere(&self, count: u64) {
        self.elsewhere.store(usize::try_from(count).unwrap_or(usize::MAX), Ordering::SeqCst);
    }

    /// An agent socket authenticated, available or away; the returned presence counts
    /// them out when dropped.
    pub(crate) fn online(self: &Arc<Self>, available: bool) -> Presence {
        let mut presence = Presence {
            roster: self.clone(),
            available: false,
        };
        presence.set_available(available);
        presence
    }
}

/// One agent socket's part in the count of available agents, taken back when the socket ends.
pub struct Presence {
    roster: Arc<Roster>,
    available: bool,
}

impl Presence {
    /// Available agents get new conversations; away agents keep theirs but are not counted.
    pub fn set_available(&mut self, available: bool) {
        if available != self.available {
            if available {
                self.roster.available.fetch_add(1, Ordering::SeqCst);
            } else {
                self.roster.available.fetch_sub(1, Ordering::SeqCst);
            }
            self.available = available;
            self.roster.changed.notify_one();
        }
    }

    pub fn available(&self) -> bool {
        self.available
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.set_available(false);
    }
}
