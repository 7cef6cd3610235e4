//! The sender of the outbox: what a channel conversation sends out was written to the
//! store's `deliveries` with its events; this task sends each when due, a conversation's
//! in order, on its channel (Twilio, WhatsApp, the REST webhook), and settles it: `sent`
//! with the provider's id, retried with doubling waits after a failure worth retrying,
//! `failed` with the reason after `[channels] max_attempts` or a final refusal. Agents
//! holding the conversation hear of every change (`delivery` frames).
//!
//! Delivery is at least once: a crash between the provider's answer and the settling
//! sends the message again; a split SMS whose second part failed sends both again. On
//! several nodes each sender takes (leases) the deliveries it tries, so two nodes never
//! send one message at once; one a dead node took is due again when its lease ends, and a
//! sender that outlived its lease cannot retry or fail what another has taken since (its
//! `sent` is kept: the provider took the message).

use std::sync::Arc;
use std::time::Duration;

use relais_channels::{ChannelsConfig, Outbound, SendError, rest, twilio, whatsapp};
use relais_store::{Delivery, DeliveryOutcome};

use crate::hub::Hub;

/// Deliveries taken per round.
const BATCH: u32 = 16;
/// Longest wait between two looks at the outbox when it had nothing due (for retries that
/// come due); a turn that stores what a contact may hear wakes it at once.
const IDLE: Duration = Duration::from_millis(200);

/// How long a delivery taken by this sender is its own: every attempt of the batch may
/// take the provider's whole timeout, twice for a split SMS, and then some.
fn lease_ms(config: &ChannelsConfig) -> i64 {
    i64::try_from(config.timeout_seconds.saturating_mul(4).saturating_add(30).saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Sends due deliveries until the server stops; returns at once when no channel is on
/// (deliveries left from a configuration with channels wait until one is).
pub(crate) async fn send_due(hub: &Arc<Hub>) {
    let config = hub.channels.clone();
    if config.twilio.is_none() && config.whatsapp.is_none() && config.rest.is_none() {
        return;
    }
    let agent = relais_channels::http_agent(Duration::from_secs(config.timeout_seconds));
    loop {
        let due = match hub.store.take_due_deliveries(hub.clock.now_ms(), lease_ms(&config), BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!("the outbox could not be read: {error}");
                Vec::new()
            }
        };
        if due.is_empty() {
            let _ = tokio::time::timeout(IDLE, hub.outbox_due.notified()).await;
            continue;
        }
        let attempts = due.into_iter().map(|delivery| {
            let (hub, config, agent) = (hub.clone(), config.clone(), agent.clone());
            tokio::spawn(async move { attempt(&hub, config, agent, delivery).await })
        });
        for done in futures_util::future::join_all(attempts).await {
            if let Err(error) = done {
                tracing::warn!("an outbox attempt stopped: {error}");
            }
        }
    }
}

/// One attempt at one delivery, then its settling.
async fn attempt(hub: &Hub, config: Arc<ChannelsConfig>, agent: ureq::Agent, delivery: Delivery) {
    let result = match precheck(hub, &delivery).await {
        Some(refusal) => Err(refusal),
        None => {
            let (config, delivery) = (config.clone(), delivery.clone());
            tokio::task::spawn_blocking(move || send(&agent, &config, &delivery))
                .await
                .unwrap_or_else(|error| Err(SendError { retry: true, reason: format!("the sender stopped: {error}") }))
        }
    };
    let now = hub.clock.now_ms();
    let tried = delivery.attempts + 1;
    let (retry_at, error);
    let outcome = match &result {
        Ok(provider_id) => DeliveryOutcome::Sent { provider_id: provider_id.as_deref() },
        Err(failure) if failure.retry && tried < config.max_attempts => {
            retry_at = now.saturating_add(i64::try_from(config.backoff_ms(tried)).unwrap_or(i64::MAX));
            DeliveryOutcome::Retry { error: &failure.reason, at: retry_at }
        }
        Err(failure) => {
            error = if failure.retry { format!("{} (gave up after {tried} attempts)", failure.reason) } else { failure.reason.clone() };
            DeliveryOutcome::Failed { error: &error }
        }
    };
    match hub.store.settle_delivery(&delivery, outcome, now).await {
        Ok(Some(status)) => hub.delivery_changed(status).await,
        Ok(None) => tracing::warn!(
            "delivery {}: this attempt's outcome ({}) is dropped: its lease ended and another sender took it, or it is settled or gone",
            delivery.id,
            match &result {
                Ok(_) => "sent".to_owned(),
                Err(failure) => failure.reason.clone(),
            }
        ),
        Err(error) => tracing::warn!("delivery {} could not be settled: {error}", delivery.id),
    }
}

/// Why a delivery must not be sent now: the contact replied STOP, or WhatsApp's 24-hour
/// window is closed. Both final.
async fn precheck(hub: &Hub, delivery: &Delivery) -> Option<SendError> {
    let refuse = |reason: &str| SendError { retry: false, reason: reason.to_owned() };
    match delivery.channel.as_str() {
        "sms" => match hub.store.opted_out("sms", &delivery.address).await {
            Ok(true) => Some(refuse("the contact replied STOP; nothing is sent to them until they reply START")),
            Ok(false) => None,
            Err(error) => Some(SendError { retry: true, reason: format!("the opt-outs could not be read: {error}") }),
        },
        "whatsapp" => match hub.store.last_inbound_at(&delivery.conversation_id).await {
            Ok(Some(last)) if hub.clock.now_ms() - last <= whatsapp::WINDOW_MS => None,
            Ok(_) => Some(refuse(WINDOW_CLOSED)),
            Err(error) => Some(SendError { retry: true, reason: format!("the last message could not be read: {error}") }),
        },
        _ => None,
    }
}

/// Why WhatsApp takes no free-form message now.
pub(crate) const WINDOW_CLOSED: &str =
    "outside WhatsApp's 24-hour customer-service window (the contact's last message is older): only a template message can reach them now";

/// Sends one delivery on its channel (blocking); the provider's message id if it gave one.
fn send(agent: &ureq::Agent, config: &ChannelsConfig, delivery: &Delivery) -> Result<Option<String>, SendError> {
    let off = |channel: &str| SendError { retry: false, reason: format!("the {channel} channel is not configured ([channels.{channel}])") };
    let lang = delivery.language.as_deref();
    match delivery.channel.as_str() {
        "rest" => {
            let rest = config.rest.as_ref().ok_or_else(|| off("rest"))?;
            // `sent_at` is signed with the rest: a receiver can refuse an old POST replayed.
            let body = serde_json::json!({
                "conversation_id": delivery.conversation_id,
                "user_id": delivery.address,
                "event": crate::wire::visitor_event(&delivery.event),
                "sent_at": crate::wire::rfc3339(crate::now_ms()),
            });
            rest::post(agent, &rest.webhook_url, &rest.webhook_secret, &body.to_string())?;
            Ok(None)
        }
        channel => {
            let Some(message) = Outbound::of(&delivery.event.event.kind, lang) else {
                return Err(SendError { retry: false, reason: format!("event {} is not one a contact hears of", delivery.event.seq) });
            };
            match channel {
                "sms" => {
                    let twilio = config.twilio.as_ref().ok_or_else(|| off("twilio"))?;
                    let status_url = twilio.public_url.as_ref().map(|url| format!("{}/status", url.trim_end_matches('/')));
                    let mut last = None;
                    for body in twilio::bodies(&message, lang) {
                        last = Some(twilio::send(agent, twilio, &delivery.address, &body, status_url.as_deref())?);
                    }
                    Ok(last)
                }
                "whatsapp" => {
                    let whatsapp = config.whatsapp.as_ref().ok_or_else(|| off("whatsapp"))?;
                    let payload = whatsapp::payload(&delivery.address, &message, lang);
                    whatsapp::send(agent, whatsapp, &payload).map(Some)
                }
                other => Err(SendError { retry: false, reason: format!("no channel is called {other}") }),
            }
        }
    }
}
