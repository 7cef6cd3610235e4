//! The Relais server: protocol v1 over WebSocket for visitors (`/v1/ws`) and agents
//! (`/v1/agent/ws`), the handoff queue, limits, metrics, and the widget and console
//! files, on top of the event store and the assistant.
//!
//! Every conversation event is appended to the store before anyone hears of it, so a
//! client that reconnects with the last `seq` it saw gets every later event once, in
//! order, even after a restart.

mod agent;
mod batcher;
mod config;
mod context;
mod error;
mod hours;
mod http;
mod hub;
mod limits;
mod metrics;
mod token;
mod visitor;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use relais_assistant::Bot;
use relais_store::Store;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

pub use config::{Limits, ProactiveRule, ServerConfig};
pub use error::ConfigError;
pub use hours::BusinessHours;
pub use token::Signer;

/// How long sockets get to finish their writes after being told to reconnect.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Time in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// Serves on `listener` until `shutdown` resolves; then stops accepting, tells every
/// socket to reconnect (close code 1012), lets in-flight writes finish and closes the store.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    store: Store,
    bot: Arc<Bot>,
    signer: Signer,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let hours = BusinessHours::parse(&config.business_hours, config.utc_offset_minutes)?;
    let hub = Arc::new(hub::Hub::new(config, store.clone(), bot, signer, hours));
    let app = http::router(hub.clone());
    let stopping = hub.clone();
    // Small frames go out at once: without this, Nagle's algorithm holds a reply behind
    // the client's delayed ACK of the previous frame (40 ms on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {error}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        stopping.begin_shutdown();
    })
    .await
    .map_err(ServeError::Io)?;
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while Arc::strong_count(&hub) > 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("some sockets were still busy after {DRAIN_TIMEOUT:?}");
    }
    store.close().await;
    Ok(())
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the listener failed: {0}")]
    Io(std::io::Error),
}
