//! Prometheus metrics served at `/metrics`: connections, messages, handoffs, errors,
//! reply latency and encoder batch sizes.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets, linear_buckets};
use prometheus_client::registry::Registry;
use relais_dialogue::{EventKind, HandoffState, ReasonCode};
use relais_store::StoredEvent;

/// One label, e.g. `("from", "visitor")`.
type Label = Vec<(&'static str, String)>;

/// Every metric of the server.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Open sockets by endpoint (`visitor`, `agent`).
    pub connections: Family<Label, Gauge>,
    /// Messages stored, by sender (`visitor`, `bot`, `agent`).
    pub messages: Family<Label, Counter>,
    /// Conversations put in the queue or turned to a callback offer, by reason.
    pub handoffs: Family<Label, Counter>,
    /// Error frames sent, by code.
    pub errors: Family<Label, Counter>,
    /// Seconds from a visitor message's arrival to its stored reply.
    pub reply_seconds: Histogram,
    /// Texts per encoder pass.
    pub encoder_batch: Histogram,
}

impl Metrics {
    pub fn new() -> Self {
        let metrics = Metrics {
            registry: Mutex::new(Registry::with_prefix("relais")),
            connections: Family::default(),
            messages: Family::default(),
            handoffs: Family::default(),
            errors: Family::default(),
            reply_seconds: Histogram::new(exponential_buckets(0.002, 2.0, 12)),
            encoder_batch: Histogram::new(linear_buckets(1.0, 4.0, 9)),
        };
        {
            let mut registry = metrics.registry.lock().expect("metrics lock");
            registry.register("connections", "Open sockets", metrics.connections.clone());
            registry.register("messages", "Messages stored", metrics.messages.clone());
            registry.register("handoffs", "Escalations by reason", metrics.handoffs.clone());
            registry.register("errors", "Error frames sent by code", metrics.errors.clone());
            registry.register(
                "reply_seconds",
                "Time from a visitor message to its stored reply",
                metrics.reply_seconds.clone(),
            );
            registry.register(
                "encoder_batch_size",
                "Texts embedded per encoder pass",
                metrics.encoder_batch.clone(),
            );
        }
        metrics
    }

    /// The metrics in Prometheus's text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let registry = self.registry.lock().expect("metrics lock");
        encode(&mut text, &registry).expect("writing to a String cannot fail");
        text
    }

    /// The `error` frame for `error`, counted by code.
    pub fn error_frame(&self, error: &crate::error::ClientError) -> serde_json::Value {
        self.errors
            .get_or_create(&Metrics::label("code", error.code.as_str()))
            .inc();
        crate::wire::error_frame(error)
    }

    /// Counts the messages and handoffs among stored events.
    pub fn count(&self, stored: &[StoredEvent]) {
        for event in stored {
            let from = match &event.event.kind {
                EventKind::VisitorMessage { .. } => "visitor",
                EventKind::BotMessage { .. } => "bot",
                EventKind::AgentMessage { .. } => "agent",
                EventKind::Handoff {
                    state: HandoffState::Queued | HandoffState::NoAgentAvailable,
                    reason,
                    ..
                } => {
                    let reason = reason.map_or("unknown", ReasonCode::as_str);
                    self.handoffs.get_or_create(&Metrics::label("reason", reason)).inc();
                    continue;
                }
                _ => continue,
            };
            self.messages.get_or_create(&Metrics::label("from", from)).inc();
        }
    }

    pub fn label(name: &'static str, value: impl Into<String>) -> Label {
        vec![(name, value.into())]
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
