//! The Relais server: protocol v1 over WebSocket for visitors (`/v1/ws`) and agents
//! (`/v1/agent/ws`), the handoff queue, limits, metrics, and the widget and console
//! files, on top of the event store and the assistant.
//!
//! Every conversation event is appended to the store before anyone hears of it, so a
//! client that reconnects with the last `seq` it saw gets every later event once, in
//! order, even after a restart.

mod address;
mod agent;
mod batcher;
mod clock;
mod config;
mod context;
mod error;
mod hours;
mod http;
mod hub;
mod limits;
mod listen;
mod login;
mod metrics;
mod outbox;
mod reload;
mod socket;
mod token;
mod validate;
mod visitor;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use relais_assistant::Bot;
use relais_store::Store;
use tokio::net::TcpListener;

use crate::listen::ConnectionLimits;

pub use clock::Clock;
pub use config::{Limits, ProactiveRule, ServerConfig};
pub use error::ConfigError;
pub use hours::BusinessHours;
pub use reload::{ReloadHandle, ReloadStatus, Reloader};
pub use token::Signer;
pub use wire::rfc3339;

/// How long sockets get to finish their writes after being told to reconnect.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Time in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A server assembled from its parts: the hub and the routes, ready to serve on a
/// listener or, in tests, to answer requests in the same process.
pub struct Server {
    hub: Arc<hub::Hub>,
    limits: ConnectionLimits,
    insights: Arc<relais_insights::InsightsConfig>,
}

impl Server {
    /// Checks the configuration (business hours, limits, trusted proxies) and builds the hub.
    pub fn new(config: ServerConfig, store: Store, bot: Arc<Bot>, signer: Signer) -> Result<Self, ServeError> {
        let hours = BusinessHours::parse(&config.business_hours, config.utc_offset_minutes)?;
        config.limits.check()?;
        let proxies = address::TrustedProxies::parse(&config.trusted_proxies, &config.forwarded_header)?;
        let limits = ConnectionLimits {
            per_address: config.limits.connections_per_ip,
            total: ConnectionLimits::total_for(raise_descriptor_limit()),
            header_read_timeout: Duration::from_secs(config.limits.header_read_timeout_seconds),
            proxies: proxies.clone(),
        };
        let hub = Arc::new(hub::Hub::new(config, store, bot, signer, hours, proxies));
        Ok(Self {
            hub,
            limits,
            insights: Arc::default(),
        })
    }

    /// Computes the insights endpoints' figures with `config` (`[insights]` of
    /// relais.toml) instead of its defaults.
    pub fn with_insights(mut self, config: relais_insights::InsightsConfig) -> Self {
        self.insights = Arc::new(config);
        self
    }

    /// Stamps events with `clock` instead of the system's (for simulations: see
    /// [`Clock`]). Call before [`Server::router`] or [`Server::serve`].
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.hub_mut().clock = clock;
        self
    }

    /// Marks every conversation this server starts as simulated (`started` with
    /// `simulated: true`), so that `relais purge --simulated` can remove them; nothing a
    /// visitor sends sets it. Call before [`Server::router`] or [`Server::serve`].
    pub fn simulated(mut self) -> Self {
        self.hub_mut().simulated = true;
        self
    }

    /// Lets `POST /v1/admin/reload` (and [`Server::reload_handle`]) build a new bot with
    /// `reloader` and swap it in. Call before [`Server::router`] or [`Server::serve`].
    pub fn with_reloader(mut self, reloader: Reloader) -> Self {
        self.hub_mut().reload.reloader = Some(reloader);
        self
    }

    /// Lets `POST /v1/advisor/apply` write the advisor's thresholds to `path` (which the
    /// [`Reloader`] reads) before it reloads. Call before [`Server::router`] or
    /// [`Server::serve`].
    pub fn with_thresholds_file(mut self, path: std::path::PathBuf) -> Self {
        self.hub_mut().reload.thresholds_file = Some(path);
        self
    }

    /// Lets `POST /v1/advisor/apply` export the review labels as training examples into
    /// `dir`'s language folders (which the [`Reloader`] trains from) before it reloads.
    /// Call before [`Server::router`] or [`Server::serve`].
    pub fn with_intents_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.hub_mut().reload.intents_dir = Some(dir);
        self
    }

    /// Serves `centre` under its `[help] base_path`, with `/robots.txt` and `/llms.txt`;
    /// a conversation on one of its article pages has that article as its topic. Call
    /// before [`Server::router`] or [`Server::serve`].
    pub fn with_help(mut self, centre: Arc<relais_help::HelpCentre>) -> Self {
        self.hub_mut().help = Some(centre);
        self
    }

    /// Turns on the channels of `config` (`[channels]`: SMS, WhatsApp, the REST API) and
    /// the retries of their outbox. Call before [`Server::router`] or [`Server::serve`].
    pub fn with_channels(mut self, config: relais_channels::ChannelsConfig) -> Self {
        self.hub_mut().channels = Arc::new(config);
        self
    }

    /// Starts reloads from outside HTTP (a signal handler).
    pub fn reload_handle(&self) -> ReloadHandle {
        ReloadHandle(self.hub.clone())
    }

    /// The hub, while nothing else holds it (before `router` or `serve`).
    fn hub_mut(&mut self) -> &mut hub::Hub {
        Arc::get_mut(&mut self.hub).expect("the server's options are set before router() or serve()")
    }

    /// Every route, for requests made in the same process (`tower::ServiceExt::oneshot`);
    /// such requests need a `MockConnectInfo` layer for the client's address.
    pub fn router(&self) -> axum::Router {
        http::router(self.hub.clone(), self.insights.clone())
    }

    /// Serves on `listener` until `shutdown` resolves; then stops accepting, tells every
    /// socket to reconnect (close code 1012), lets in-flight writes finish and closes the
    /// store.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) {
        let Server { hub, limits, insights } = self;
        if hub.config.allowed_origins.is_empty() {
            tracing::info!(
                "visitor sockets are accepted from this server's own origin only; list the sites that embed the widget in [server] allowed_origins"
            );
        }
        let background = hub.start_background_tasks();
        let app = http::router(hub.clone(), insights);
        let stopping = hub.clone();
        let shutdown = async move {
            shutdown.await;
            stopping.begin_shutdown();
        };
        listen::serve(listener, app, limits, hub.limit_log.clone(), shutdown, DRAIN_TIMEOUT).await;
        background.abort();
        if let Err(error) = hub.store.leave().await {
            tracing::warn!("this node could not leave the presence table: {error}; its agents count until presence_timeout_seconds");
        }
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while Arc::strong_count(&hub) > 1 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!("some sockets were still busy after {DRAIN_TIMEOUT:?}");
        }
        hub.store.close().await;
    }
}

/// Raises the soft limit on open file descriptors to the hard one (each connection
/// takes one) and returns the soft limit in force.
fn raise_descriptor_limit() -> u64 {
    let (soft, hard) = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok(limits) => limits,
        Err(error) => {
            tracing::warn!("cannot read the file descriptor limit: {error}");
            return 1024;
        }
    };
    match rlimit::increase_nofile_limit(hard) {
        Ok(raised) => {
            tracing::info!("file descriptors: soft limit {soft} raised to {raised} (hard limit {hard})");
            raised
        }
        Err(error) => {
            tracing::warn!("file descriptors: soft limit {soft}, hard limit {hard}; cannot raise it: {error}");
            soft
        }
    }
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Entry points for the fuzz targets in `fuzz/`, not an API: they run the private frame
/// parsers on any text and give back the `error` frame's code of a refusal.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses a frame as a visitor's.
    pub fn parse_visitor(text: &str) -> Result<(), &'static str> {
        crate::wire::parse_visitor(text, &crate::Limits::default())
            .map(drop)
            .map_err(|e| e.code.as_str())
    }

    /// Parses a frame as an agent's.
    pub fn parse_agent(text: &str) -> Result<(), &'static str> {
        crate::wire::parse_agent(text, &crate::Limits::default())
            .map(drop)
            .map_err(|e| e.code.as_str())
    }
}
