//! The agents' feed: every stored event and typing notice of every conversation (each
//! agent socket keeps those of the conversations it holds), and the queue's `queue`
//! frame, rebuilt after a change at most every [`QUEUE_FRAME_EVERY`] however often the
//! queue changes, and built once for every agent.

use std::sync::Arc;
use std::time::Duration;

use relais_dialogue::{EventKind, Stage};
use relais_store::{Page, Store, StoredEvent};
use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast};

use super::rooms::{Room, Update};
use crate::error::ClientError;
use crate::wire::rfc3339;

/// Notices buffered for agent sockets.
const AGENT_BUFFER: usize = 1024;
/// Conversations in a `queue` frame; agents page through the rest over HTTP.
const QUEUE_PAGE: u32 = 50;
/// Least time between two `queue` frames: changes in between are sent together.
const QUEUE_FRAME_EVERY: Duration = Duration::from_millis(250);
/// Longest queue preview, in characters.
const PREVIEW_CHARS: usize = 140;

/// What agent sockets hear about.
#[derive(Debug, Clone)]
pub enum AgentNotice {
    Update {
        conversation_id: Arc<str>,
        update: Arc<Update>,
    },
    /// The queue changed: its new `queue` frame.
    Queue(Arc<Value>),
}

pub(crate) struct Feed {
    notices: broadcast::Sender<AgentNotice>,
    /// Set when the queue changed and agents have not been sent its new frame yet.
    queue_changed: Notify,
}

impl Feed {
    pub(crate) fn new() -> Self {
        Self {
            notices: broadcast::channel(AGENT_BUFFER).0,
            queue_changed: Notify::new(),
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<AgentNotice> {
        self.notices.subscribe()
    }

    /// Sends stored events to the conversation's sockets and to the agents, and has the
    /// queue's frame sent if they changed it.
    pub(crate) fn publish(&self, id: &str, room: &Room, stored: &[StoredEvent]) {
        let conversation_id: Arc<str> = id.into();
        let mut queue_changed = false;
        for event in stored {
            queue_changed |= matches!(
                event.event.kind,
                EventKind::Handoff { .. } | EventKind::Closed { .. }
            );
            self.send(room, &conversation_id, Update::Event(event.clone()));
        }
        if queue_changed {
            self.queue_changed.notify_one();
        }
    }

    /// Sends an update that is not stored (typing) to the conversation's sockets and the agents.
    pub(crate) fn send(&self, room: &Room, conversation_id: &Arc<str>, update: Update) {
        let update = Arc::new(update);
        let _ = room.updates.send(update.clone());
        let _ = self.notices.send(AgentNotice::Update {
            conversation_id: conversation_id.clone(),
            update,
        });
    }

    /// Tells agents what became of an outbound message (visitors never hear of it).
    pub(crate) fn delivery(&self, status: relais_store::DeliveryStatus) {
        let _ = self.notices.send(AgentNotice::Update {
            conversation_id: status.conversation_id.as_str().into(),
            update: Arc::new(Update::Delivery(status)),
        });
    }

    /// Has the queue's frame sent again, for a change [`Feed::publish`] cannot see.
    pub(crate) fn queue_changed(&self) {
        self.queue_changed.notify_one();
    }

    /// Sends agents the queue's frame after each change, at most every
    /// [`QUEUE_FRAME_EVERY`]: a burst of changes costs each agent one frame.
    pub(crate) async fn publish_queue(&self, store: &Store) {
        loop {
            self.queue_changed.notified().await;
            if self.notices.receiver_count() > 0 {
                match queue_frame(store).await {
                    Ok(frame) => {
                        let _ = self.notices.send(AgentNotice::Queue(Arc::new(frame)));
                    }
                    Err(error) => tracing::warn!("the queue could not be listed: {}", error.message),
                }
            }
            tokio::time::sleep(QUEUE_FRAME_EVERY).await;
        }
    }
}

/// The `queue` frame: how many conversations wait for an agent (`total`), and the
/// first [`QUEUE_PAGE`] of them, oldest first.
pub async fn queue_frame(store: &Store) -> Result<Value, ClientError> {
    let total = store.count_conversations(Some(Stage::Queued)).await?;
    let waiting = store.queue(Page::first(QUEUE_PAGE)).await?;
    let conversations: Vec<Value> = waiting
        .into_iter()
        .map(|(conversation, last_text)| {
            json!({
                "conversation_id": conversation.id,
                "waiting_since": conversation.queued_at.map(rfc3339),
                "reason": conversation.escalation_reason,
                "lang": conversation.language,
                "channel": conversation.channel,
                "preview": last_text.map(|text| text.chars().take(PREVIEW_CHARS).collect::<String>()),
            })
        })
        .collect();
    Ok(json!({"type": "queue", "total": total, "conversations": conversations}))
}
