//! The `[server]` section of `relais.toml`: where to listen, which origins may open the
//! visitor socket, every limit, business hours, agent sessions and proactive invitations.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Server settings; every field has a default suited to one machine.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Folder served at `/` (the demo website); none by default.
    pub site_dir: Option<PathBuf>,
    /// Origins allowed to open the visitor socket ("https://shop.example"); `*` allows any.
    pub allowed_origins: Vec<String>,
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
    /// Invitations the widget shows on matching pages.
    pub proactive: Vec<ProactiveRule>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            site_dir: None,
            allowed_origins: vec!["*".into()],
            limits: Limits::default(),
            business_hours: Vec::new(),
            utc_offset_minutes: 0,
            session_hours: 12,
            identity_secret: None,
            encoder_batch: 32,
            proactive: Vec::new(),
        }
    }
}

/// What one client may send; a breach gets an `error` frame, the socket stays open.
#[derive(Debug, Clone, Deserialize)]
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
    /// Open sockets from one IP address; more are refused with HTTP 429.
    pub sockets_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_chars: 2000,
            max_frame_bytes: 64 * 1024,
            frames_per_second: 5.0,
            frames_burst: 20.0,
            sockets_per_ip: 50,
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

impl ServerConfig {
    /// Whether a visitor socket from `origin` (the `Origin` header, if sent) is allowed.
    /// Browsers always send it; other clients without one are let in.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        match origin {
            None => true,
            Some(origin) => self
                .allowed_origins
                .iter()
                .any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin)),
        }
    }
}
