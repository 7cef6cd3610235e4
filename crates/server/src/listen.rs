//! Accepting connections, before any request is read: a cap on open connections per
//! address and in all (kept under the process's file-descriptor limit, so the listener
//! itself always has one to accept with), a deadline for each request's headers (idle
//! keep-alive connections included), and HTTP/1.1 with upgrades to WebSocket.
//!
//! axum's own `serve` has neither limit nor deadline: 1,100 silent connections used up
//! 1,024 descriptors and every new client waited. This loop refuses the excess at once
//! (accept, then close) and warns once a minute while it does.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower_service::Service;

use crate::address::TrustedProxies;
use crate::limits::{LimitLog, OpenPerAddress, OpenPermit};

/// Descriptors kept for everything but client connections (database, models, logs,
/// the listener itself).
const RESERVED_DESCRIPTORS: u64 = 64;
/// Pause after a failed accept (out of descriptors despite the cap, say) before retrying.
const ACCEPT_RETRY: Duration = Duration::from_millis(20);

/// How connections are limited.
pub struct ConnectionLimits {
    /// Per peer address; a trusted proxy carries many clients and has only `total`.
    pub per_address: usize,
    pub total: usize,
    pub header_read_timeout: Duration,
    pub proxies: TrustedProxies,
}

impl ConnectionLimits {
    /// The most connections that fit in `descriptors` (the soft limit) with some to spare.
    pub fn total_for(descriptors: u64) -> usize {
        usize::try_from(descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(1)).unwrap_or(usize::MAX)
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting, lets
/// each connection finish its request in flight and returns once all have closed or
/// `drain` has passed (upgraded sockets close on their own, told by the hub).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    log: Arc<LimitLog>,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) {
    let open = Arc::new(OpenPerAddress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let (closed_tx, closed_rx) = watch::channel(());
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log.bite("accept", || format!("cannot accept a connection: {error}"));
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if open.total() >= limits.total {
            log.bite("connections", || {
                format!("{} connections are open, the most this process's file descriptors allow; closed one from {peer}", limits.total)
            });
            continue;
        }
        let per_address = if limits.proxies.trusts(peer.ip()) {
            usize::MAX
        } else {
            limits.per_address
        };
        let Some(permit) = open.acquire(peer.ip(), per_address) else {
            log.bite("connections_per_ip", || {
                format!("{} already has {} connections open; closed one more", peer.ip(), limits.per_address)
            });
            continue;
        };
        // Small frames go out at once: without this, Nagle's algorithm holds a reply
        // behind the client's delayed ACK of the previous frame (40 ms on Linux).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {error}");
        }
        let connection = Connection {
            stream,
            _permit: permit,
        };
        tokio::spawn(serve_connection(
            connection,
            peer,
            router.clone(),
            limits.header_read_timeout,
            stop_rx.clone(),
            closed_rx.clone(),
        ));
    }
    drop(listener);
    stop_tx.send_replace(true);
    drop(closed_rx);
    if tokio::time::timeout(drain, closed_tx.closed()).await.is_err() {
        tracing::warn!("some connections were still open {} s after shutdown began", drain.as_secs());
    }
}

async fn serve_connection(
    connection: Connection,
    peer: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _closed: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { Ok::<_, Infallible>(router.call(request).await.unwrap_or_else(|never| match never {})) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection = builder
        .serve_connection(TokioIo::new(connection), service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::trace!("connection from {peer} ended: {error}");
                }
                break;
            }
            changed = stop.wait_for(|stop| *stop), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A client's TCP stream with its place in the connection count, kept for as long as
/// the stream lives (an upgraded WebSocket included).
struct Connection {
    stream: TcpStream,
    _permit: OpenPermit,
}

impl AsyncRead for Connection {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
