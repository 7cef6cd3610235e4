//! What visitor and agent sockets share below the protocol: sending frames, the
//! liveness check (a ping every `ping_interval_seconds`; a socket silent for
//! `idle_timeout_seconds`, pongs included, is closed), and the close frames that say why
//! the server ends a socket (restart, idle, oversized frame, invalid UTF-8).

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use serde_json::Value;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::config::Limits;
use crate::error::ClientError;

pub async fn send_all(socket: &mut WebSocket, frames: Vec<Value>) -> Result<(), axum::Error> {
    for frame in frames {
        socket.send(Message::Text(frame.to_string().into())).await?;
    }
    Ok(())
}

/// Close frame telling clients the server restarts: reconnect and resume.
pub fn restart_close() -> Message {
    close(close_code::RESTART, "server restarting; reconnect and resume")
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// What a socket loop does with what it read.
pub enum Read {
    /// A text frame to handle.
    Text(Utf8Bytes),
    /// A frame to refuse with an `error` frame; the socket stays open.
    Refuse(ClientError),
    /// Nothing to do (a ping or pong).
    Skip,
    /// The socket is done (closed by the client, dropped, or ended here).
    End,
}

/// Sorts what `socket.recv()` gave; a read error the client is to blame for ends the
/// socket with a close frame saying why.
pub async fn read(socket: &mut WebSocket, incoming: Option<Result<Message, axum::Error>>, limits: &Limits) -> Read {
    match incoming {
        Some(Ok(Message::Text(text))) => Read::Text(text),
        Some(Ok(Message::Binary(_))) => Read::Refuse(ClientError::bad_frame("frames must be JSON text, not binary")),
        Some(Ok(Message::Close(_))) | None => Read::End,
        Some(Err(error)) => {
            close_after_read_error(socket, error, limits).await;
            Read::End
        }
        Some(Ok(_)) => Read::Skip,
    }
}

/// Ends a socket that failed to read a frame with a close frame saying why, when the
/// client is to blame: 1009 for a frame over 4 × `max_frame_bytes`, 1007 for text that
/// is not UTF-8. Other errors (the connection dropped) get none.
pub async fn close_after_read_error(socket: &mut WebSocket, error: axum::Error, limits: &Limits) {
    let error = error.into_inner();
    // axum wraps its tungstenite's errors: the `tungstenite` dependency must stay on
    // axum's version, or this downcast never matches and no close code is sent (the
    // hardening tests would fail).
    let close = match error.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => close(
            close_code::SIZE,
            &format!("frame over {} bytes", limits.hard_frame_bytes()),
        ),
        Some(tungstenite::Error::Utf8(_)) => close(close_code::INVALID, "text frame is not valid UTF-8"),
        _ => return,
    };
    let _ = socket.send(close).await;
}

/// Acts on a liveness check: pings, or closes a silent socket. `false` when the
/// socket is done.
pub async fn keep_alive(socket: &mut WebSocket, check: Check) -> bool {
    match check {
        Check::Ping => socket.send(Message::Ping(Default::default())).await.is_ok(),
        Check::Idle(close) => {
            let _ = socket.send(close).await;
            false
        }
    }
}

/// Pings a socket and tells when it has been silent too long.
pub struct Liveness {
    ping: Interval,
    idle: Duration,
    last_heard: Instant,
}

/// What the liveness check asks for.
pub enum Check {
    /// Send a ping.
    Ping,
    /// Close: nothing heard for the idle timeout.
    Idle(Message),
}

impl Liveness {
    pub fn new(limits: &Limits) -> Self {
        let every = Duration::from_secs(limits.ping_interval_seconds.max(1));
        let mut ping = tokio::time::interval_at(Instant::now() + every, every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            ping,
            idle: Duration::from_secs(limits.idle_timeout_seconds.max(1)),
            last_heard: Instant::now(),
        }
    }

    /// The client sent something (a pong counts).
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    /// Resolves at the next ping time.
    pub async fn check(&mut self) -> Check {
        self.ping.tick().await;
        if self.last_heard.elapsed() >= self.idle {
            let reason = format!("nothing received for {} s", self.idle.as_secs());
            Check::Idle(close(close_code::AWAY, &reason))
        } else {
            Check::Ping
        }
    }
}

/// The close frame for a socket that did not say `hello` in time.
pub fn hello_timeout_close(after: Duration) -> Message {
    close(
        close_code::POLICY,
        &format!("no hello within {} s", after.as_secs()),
    )
}
