//! The `[channels]` section of `relais.toml`: which channels are on, their providers'
//! credentials and addresses, and how the outbox retries. Secrets may come from the
//! environment instead (`RELAIS__CHANNELS__TWILIO__AUTH_TOKEN`, …).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every channel beyond the widget; a channel without its table is off.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelsConfig {
    pub twilio: Option<TwilioConfig>,
    pub whatsapp: Option<WhatsAppConfig>,
    pub rest: Option<RestConfig>,
    /// Attempts to send one message before it is `failed`.
    pub max_attempts: u32,
    /// Wait before the second attempt, in ms; each later wait doubles, up to `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// Seconds a provider call may take.
    pub timeout_seconds: u64,
}

impl Default for ChannelsConfig {
    fn default() -> Self {
        Self {
            twilio: None,
            whatsapp: None,
            rest: None,
            max_attempts: 6,
            retry_base_ms: 2_000,
            retry_max_ms: 300_000,
            timeout_seconds: 10,
        }
    }
}

impl ChannelsConfig {
    /// The wait before the attempt after `attempts` failed ones.
    pub fn backoff_ms(&self, attempts: u32) -> u64 {
        let doubled = self.retry_base_ms.saturating_mul(1u64 << attempts.saturating_sub(1).min(30));
        doubled.min(self.retry_max_ms)
    }

    /// Refuses settings that cannot work, naming the key and the fix.
    pub fn checked(self) -> Result<Self, String> {
        if self.max_attempts == 0 {
            return Err("[channels] max_attempts must be at least 1".into());
        }
        if let Some(twilio) = &self.twilio {
            for (key, value) in [("account_sid", &twilio.account_sid), ("auth_token", &twilio.auth_token), ("from", &twilio.from)] {
                if value.trim().is_empty() {
                    return Err(format!("[channels.twilio] {key} is empty; copy it from the Twilio console"));
                }
            }
        }
        if let Some(whatsapp) = &self.whatsapp {
            for (key, value) in [
                ("verify_token", &whatsapp.verify_token),
                ("app_secret", &whatsapp.app_secret),
                ("access_token", &whatsapp.access_token),
                ("phone_number_id", &whatsapp.phone_number_id),
            ] {
                if value.trim().is_empty() {
                    return Err(format!("[channels.whatsapp] {key} is empty; copy it from the Meta app dashboard"));
                }
            }
        }
        if let Some(rest) = &self.rest {
            if !(rest.webhook_url.starts_with("https://") || rest.webhook_url.starts_with("http://")) {
                return Err(format!("[channels.rest] webhook_url {:?} is not an http(s) URL", rest.webhook_url));
            }
            if rest.webhook_secret.trim().is_empty() {
                return Err("[channels.rest] webhook_secret is empty; choose a long random secret and check X-Relais-Signature with it".into());
            }
        }
        Ok(self)
    }
}

/// SMS through Twilio Programmable Messaging.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    pub account_sid: String,
    /// Signs Twilio's webhooks and authenticates calls to its API.
    pub auth_token: String,
    /// The number messages are sent from (E.164, "+15550001111").
    pub from: String,
    /// The full URL Twilio calls for incoming messages, as set in its console, when the
    /// server sits behind a proxy that changes it; otherwise it is rebuilt from the
    /// request (`http://{Host}{path}`). Signatures are computed over it.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where the Messages API is.
    #[serde(default = "twilio_api")]
    pub api_base: String,
}

fn twilio_api() -> String {
    "https://api.twilio.com".into()
}

/// WhatsApp through the Cloud API.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppConfig {
    /// What the webhook's GET verification must present (`hub.verify_token`).
    pub verify_token: String,
    /// Signs the webhook's POSTs (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// Authenticates calls to the Graph API.
    pub access_token: String,
    /// The business number's id, in `{api_base}/{phone_number_id}/messages`.
    pub phone_number_id: String,
    #[serde(default = "graph_api")]
    pub api_base: String,
}

fn graph_api() -> String {
    "https://graph.facebook.com/v21.0".into()
}

/// The REST/webhook channel: callers need a key from `relais channel add-key`.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RestConfig {
    /// Where the events that follow a request (agent replies, closing) are POSTed.
    pub webhook_url: String,
    /// Key of the webhook's `X-Relais-Signature` (HMAC-SHA256 of the body, hex).
    pub webhook_secret: String,
}

/// What the three tables show when printed: never a secret.
const HIDDEN: &str = "[secret]";

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &HIDDEN)
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .field("api_base", &self.api_base)
            .finish()
    }
}

impl fmt::Debug for WhatsAppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhatsAppConfig")
            .field("verify_token", &HIDDEN)
            .field("app_secret", &HIDDEN)
            .field("access_token", &HIDDEN)
            .field("phone_number_id", &self.phone_number_id)
            .field("api_base", &self.api_base)
            .finish()
    }
}

impl fmt::Debug for RestConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestConfig").field("webhook_url", &self.webhook_url).field("webhook_secret", &HIDDEN).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_most_and_secrets_are_never_printed() {
        let config = ChannelsConfig { retry_base_ms: 100, retry_max_ms: 1_000, ..ChannelsConfig::default() };
        let waits: Vec<u64> = (1..=6).map(|attempts| config.backoff_ms(attempts)).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1_000, 1_000]);
        let rest = RestConfig { webhook_url: "ftp://app.example".into(), webhook_secret: "hunter2".into() };
        assert!(!format!("{rest:?}").contains("hunter2"));
        let refused = ChannelsConfig { rest: Some(rest), ..ChannelsConfig::default() }.checked().unwrap_err();
        assert!(refused.contains("webhook_url"), "{refused}");
        assert!(ChannelsConfig { max_attempts: 0, ..ChannelsConfig::default() }.checked().is_err());
    }
}
