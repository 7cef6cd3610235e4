//! The agent roster: how many agent sockets are open and available, and whether that
//! makes an agent able to take a conversation now (business hours included). Each agent
//! socket holds a [`Presence`] that counts it while it is available.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::hours::BusinessHours;

pub(crate) struct Roster {
    /// Agents with a socket open who said they are available.
    available: AtomicUsize,
    hours: BusinessHours,
}

impl Roster {
    pub(crate) fn new(hours: BusinessHours) -> Self {
        Self {
            available: AtomicUsize::new(0),
            hours,
        }
    }

    /// An agent can take a conversation at `at`: someone available within business hours.
    pub(crate) fn agents_available(&self, at: i64) -> bool {
        self.available.load(Ordering::SeqCst) > 0 && self.hours.open_at(at)
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
