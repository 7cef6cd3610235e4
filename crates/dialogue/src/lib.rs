//! Relais dialogue engine: given a conversation's events and a new input, decide whether
//! the bot answers, asks for a slot, runs an action or gives way to a human.
//!
//! The engine is pure and synchronous. The caller runs the intent model and the knowledge
//! retriever, performs action HTTP calls and reads the clock; it passes an [`Input`] with
//! their results in a [`Turn`]. [`Engine::handle`] returns an [`Outcome`]: the turn's
//! [`Event`]s to append to the log, and the state already folded from them. Who holds a
//! conversation is its [`Stage`], moved by one rule that the store's projection reuses.

mod playbook;
mod engine;
mod error;
mod event;
mod forms;
mod frustration;
mod lang;
mod messages;
mod policy;
mod stage;
mod state;
mod template;
mod text;
mod turn;

pub use playbook::{ActionSpec, Intent, Playbook, Slot};
pub use engine::{CALLBACK_PAYLOAD, Engine};
pub use error::LoadError;
pub use event::{
    contact_key, ChannelAddress, Event, EventKind, FallbackStage, FormOutcome, HandoffState, IntentScore, QuickReply,
    ReasonCode, Source,
};
pub use lang::{detect_language, language_of};
pub use policy::{IntentThresholds, Policy, RatingScale};
pub use stage::Stage;
pub use state::{ConversationState, FormProgress, PendingAction};
pub use turn::{Input, KnowledgeAnswer, KnowledgeHit, Outcome, Topic, Turn, Understanding};
