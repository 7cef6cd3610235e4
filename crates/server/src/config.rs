//! The `[server]` section of `relais.toml`: where to listen, which origins may open the
//! visitor socket, which proxies to believe, every limit and timeout, business hours,
//! agent sessions, the metrics token and proactive invitations.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Server settings; every field has a default suited to one machine.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Folder served at `/` (the demo website); none by default.
    pub site_dir: Option<PathBuf>,
    /// Origins allowed to open the visitor socket besides the server's own
    /// ("https://shop.example"); `*` allows any origin but `null`, which is allowed
    /// only when listed.
    pub allowed_origins: Vec<String>,
    /// Proxies (CIDRs, "10.0.0.0/8") whose `Forwarded` / `X-Forwarded-For` header names
    /// the client; from any other peer those headers are ignored.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies write: `x-forwarded-for` or `forwarded`; the other is
    /// ignored.
    pub forwarded_header: String,
    pub limits: Limits,
    /// When agents work, e.g. `["mon-fri 09:00-18:00", "sat 10:00-13:00"]`; empty means always.
    pub business_hours: Vec<String>,
    /// Offset of the business's clock from UTC, in minutes (+60 for Paris in winter).
    pub utc_offset_minutes: i32,
    /// How long an agent's login lasts.
    pub session_hours: u64,
    /// Secret for `hello.identity` signatures (HMAC-SHA256 of the user id, hex); unset
    /// means identities are refused.
    pub identity_secret: Option<String>,
    /// Largest batch of messages embedded in one encoder pass.
    pub encoder_batch: usize,
    /// Bearer token that `GET /metrics` requires; unset means `/metrics` is off.
    pub metrics_token: Option<String>,
    /// A queued visitor with no socket open for this long leaves the queue (`abandoned`).
    pub queue_abandon_after_seconds: u64,
    /// How long after `closed` the visitor's token may still read the transcript.
    pub closed_transcript_hours: u64,
    /// Invitations the widget shows on matching pages.
    pub proactive: Vec<ProactiveRule>,
    /// Nodes sharing a PostgreSQL store: a node whose heartbeat is this old is gone, and
    /// its agents with it (heartbeats go every third of it).
    pub presence_timeout_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            site_dir: None,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            forwarded_header: "x-forwarded-for".into(),
            limits: Limits::default(),
            business_hours: Vec::new(),
            utc_offset_minutes: 0,
            session_hours: 12,
            identity_secret: None,
            encoder_batch: 32,
            metrics_token: None,
            queue_abandon_after_seconds: 600,
            closed_transcript_hours: 24,
            proactive: Vec::new(),
            presence_timeout_seconds: 15,
        }
    }
}

/// What one client may send and hold. A breach on an open socket gets an `error` frame
/// and the socket stays open; a breach at the door is refused (HTTP 429 or a closed
/// connection). "Per address" means per IPv4 address or per IPv6 /64.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest visitor or agent message, in characters (`too_long`).
    pub max_message_chars: usize,
    /// Largest frame, in bytes (`too_long`); frames over 4 times this close the socket.
    pub max_frame_bytes: usize,
    /// Frames per second a socket may send on average (`rate_limited`) …
    pub frames_per_second: f64,
    /// … and in a burst.
    pub frames_burst: f64,
    /// Open WebSockets (visitor and agent) per address; more are refused with HTTP 429.
    pub sockets_per_ip: usize,
    /// Open TCP connections per address, sockets included; more are closed at once
    /// (trusted proxies are bound only by the process's file descriptors).
    pub connections_per_ip: usize,
    /// Seconds a connection may take to send a request's headers (idle keep-alive too).
    pub header_read_timeout_seconds: u64,
    /// Seconds a new socket may take to send `hello`.
    pub hello_timeout_seconds: u64,
    /// Seconds between the server's pings on an open socket …
    pub ping_interval_seconds: u64,
    /// … and seconds without any frame (pongs included) before it is closed.
    pub idle_timeout_seconds: u64,
    /// New conversations per address per minute (`rate_limited`).
    pub conversations_per_ip_per_minute: u32,
    /// Requests for a person per address per minute (`rate_limited`) …
    pub handoffs_per_ip_per_minute: u32,
    /// … and per conversation per minute.
    pub handoffs_per_conversation_per_minute: u32,
    /// Callback requests stored per conversation (`limit_reached`).
    pub callbacks_per_conversation: u32,
    /// The help centre's public requests that search or write (searches, suggestions,
    /// "Was this article helpful?" answers, suggested articles opened from the contact
    /// form) per address per minute (`rate_limited`).
    pub help_requests_per_ip_per_minute: u32,
    /// Login attempts per address per minute (successful ones give theirs back); more
    /// get HTTP 429 with `Retry-After`.
    pub logins_per_ip_per_minute: u32,
    /// Login attempts for one account within a minute, none successful, before the next
    /// one locks it (1 min, doubling with each further lock up to an hour; a successful
    /// login resets both).
    pub login_attempts_per_account: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_chars: 2000,
            max_frame_bytes: 64 * 1024,
            frames_per_second: 5.0,
            frames_burst: 20.0,
            sockets_per_ip: 50,
            connections_per_ip: 100,
            header_read_timeout_seconds: 10,
            hello_timeout_seconds: 10,
            ping_interval_seconds: 30,
            idle_timeout_seconds: 90,
            conversations_per_ip_per_minute: 30,
            handoffs_per_ip_per_minute: 10,
            handoffs_per_conversation_per_minute: 3,
            callbacks_per_conversation: 5,
            help_requests_per_ip_per_minute: 60,
            logins_per_ip_per_minute: 20,
            login_attempts_per_account: 10,
        }
    }
}

/// "Open the widget with `text` after `after_seconds` on a page whose path matches `url_pattern`."
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProactiveRule {
    /// Glob on the page path: `*` matches any characters (`/products*`).
    pub url_pattern: String,
    pub after_seconds: u32,
    pub text: String,
    /// Only for pages in this language; any when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

impl Limits {
    /// Frames over this many bytes end the socket (close 1009): 4 × `max_frame_bytes`.
    pub fn hard_frame_bytes(&self) -> usize {
        self.max_frame_bytes.saturating_mul(4)
    }

    /// Refuses limits that would let nothing through (a rate or count of 0).
    pub fn check(&self) -> Result<(), ConfigError> {
        let counts = [
            ("max_message_chars", self.max_message_chars),
            ("max_frame_bytes", self.max_frame_bytes),
            ("sockets_per_ip", self.sockets_per_ip),
            ("connections_per_ip", self.connections_per_ip),
        ];
        let per_minute = [
            ("conversations_per_ip_per_minute", self.conversations_per_ip_per_minute),
            ("handoffs_per_ip_per_minute", self.handoffs_per_ip_per_minute),
            ("help_requests_per_ip_per_minute", self.help_requests_per_ip_per_minute),
            ("handoffs_per_conversation_per_minute", self.handoffs_per_conversation_per_minute),
            ("logins_per_ip_per_minute", self.logins_per_ip_per_minute),
            ("login_attempts_per_account", self.login_attempts_per_account),
        ];
        let too_low = counts
            .iter()
            .find(|(_, value)| *value == 0)
            .map(|(name, _)| *name)
            .or_else(|| per_minute.iter().find(|(_, value)| *value == 0).map(|(name, _)| *name))
            .or_else(|| (self.frames_per_second <= 0.0).then_some("frames_per_second"))
            .or_else(|| (self.frames_burst < 1.0).then_some("frames_burst"));
        match too_low {
            Some(name) => Err(ConfigError::Limit(name)),
            None => Ok(()),
        }
    }
}

impl ServerConfig {
    /// Whether a visitor socket from `origin` (the `Origin` header, if sent) is allowed:
    /// the server's own origin (its `Host`), any listed origin, or any but `null` with
    /// `*`. Browsers always send an origin; other clients without one are let in.
    pub fn origin_allowed(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        let own = host.is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
        });
        own || self.allowed_origins.iter().any(|allowed| {
            (allowed == "*" && origin != "null") || allowed.eq_ignore_ascii_case(origin)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_that_let_nothing_through_are_refused() {
        assert!(Limits::default().check().is_ok());
        let zero = Limits {
            handoffs_per_ip_per_minute: 0,
            ..Limits::default()
        };
        assert!(matches!(zero.check(), Err(ConfigError::Limit("handoffs_per_ip_per_minute"))));
        let still = Limits {
            frames_per_second: 0.0,
            ..Limits::default()
        };
        assert!(matches!(still.check(), Err(ConfigError::Limit("frames_per_second"))));
    }

    #[test]
    fn only_the_own_origin_by_default_and_null_only_when_listed() {
        let mut config = ServerConfig::default();
        let host = Some("127.0.0.1:8080");
        assert!(config.origin_allowed(Some("http://127.0.0.1:8080"), host));
        assert!(config.origin_allowed(None, host));
        for origin in ["https://evil.example", "null", "http://127.0.0.1:8081"] {
            assert!(!config.origin_allowed(Some(origin), host), "{origin}");
        }
        config.allowed_origins = vec!["*".into()];
        assert!(config.origin_allowed(Some("https://evil.example"), host));
        assert!(!config.origin_allowed(Some("null"), host));
        config.allowed_origins = vec!["https://shop.example".into(), "null".into()];
        assert!(config.origin_allowed(Some("https://SHOP.example"), host));
        assert!(config.origin_allowed(Some("null"), host));
        assert!(!config.origin_allowed(Some("https://evil.example"), host));
    }
}
