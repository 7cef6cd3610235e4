//! Where a conversation stands — with the bot, waiting for an agent, with an agent, or
//! closed — and the one rule that moves it from event to event. The dialogue state, the
//! store's projection and the server all read the stage through [`Stage::after`], so
//! they cannot disagree on who holds a conversation.

use crate::event::{EventKind, HandoffState};

/// Who holds a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stage {
    /// The bot answers (`open` on the wire and in the database).
    #[default]
    Bot,
    /// Escalated, waiting for an agent: the bot stays silent.
    Queued,
    /// An agent holds the conversation: the bot stays silent.
    Agent,
    /// Ended; nothing moves it any more.
    Closed,
}

impl Stage {
    /// Every stage, in the order a conversation usually passes them.
    pub const ALL: [Stage; 4] = [Stage::Bot, Stage::Queued, Stage::Agent, Stage::Closed];

    /// The stage after an event of kind `kind`.
    pub fn after(self, kind: &EventKind) -> Stage {
        match kind {
            _ if self == Stage::Closed => Stage::Closed,
            EventKind::Closed { .. } => Stage::Closed,
            EventKind::Handoff { state, .. } => match state {
                // An agent who leaves without handing back puts the visitor back in the queue.
                HandoffState::Queued | HandoffState::AgentLeft => Stage::Queued,
                HandoffState::AgentJoined => Stage::Agent,
                HandoffState::ReturnedToBot | HandoffState::NoAgentAvailable | HandoffState::Abandoned => {
                    Stage::Bot
                }
            },
            _ => self,
        }
    }

    /// The stage's name on the wire and in the database: `open`, `queued`, `agent`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Bot => "open",
            Stage::Queued => "queued",
            Stage::Agent => "agent",
            Stage::Closed => "closed",
        }
    }

    /// The stage named `name` (see [`Stage::as_str`]).
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == name)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_closed_is_final() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::parse("bot"), None);
        let joined = EventKind::handoff(HandoffState::AgentJoined, None);
        assert_eq!(Stage::Queued.after(&joined), Stage::Agent);
        assert_eq!(Stage::Closed.after(&joined), Stage::Closed);
        let closed = EventKind::Closed { by: "visitor".into(), resolution: None };
        assert_eq!(Stage::Agent.after(&closed), Stage::Closed);
        let left = EventKind::handoff(HandoffState::AgentLeft, None);
        assert_eq!(Stage::Agent.after(&left), Stage::Queued);
        assert_eq!(Stage::Bot.after(&EventKind::Resolved), Stage::Bot);
    }
}
