//! The simulation's WebSocket clients, speaking protocol v1 (docs/protocol.md) to the
//! in-process server like the widget and the console do: a visitor on `/v1/ws`, agents on
//! `/v1/agent/ws`.
//!
//! A visitor waits for each of its frames' turns: once the store holds the turn's events
//! (a turn is stored in one transaction), it reads its socket up to the last of them a
//! visitor sees, so the next frame (a 👍 on an answer, say) goes out as it would from a
//! person who has read the reply. Decisions are made on the stored events.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use relais_dialogue::EventKind;
use relais_store::{Store, StoredEvent};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a client waits for the server's answer or a turn's events.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A visitor's socket on one conversation.
pub struct Visitor {
    socket: Socket,
    pub id: String,
    /// The highest `seq` read on the socket.
    seen: u64,
}

impl Visitor {
    /// Opens a socket and starts a conversation with `hello`.
    pub async fn start(url: &str, hello: Value) -> anyhow::Result<Visitor> {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("opening the visitor socket {url}"))?;
        send(&mut socket, &hello).await?;
        let welcome = next_frame(&mut socket).await?;
        if welcome["type"] != "welcome" {
            bail!("the server answered hello with {welcome}");
        }
        let seen = welcome["events"]
            .as_array()
            .and_then(|events| events.iter().filter_map(|event| event["seq"].as_u64()).max())
            .unwrap_or(0);
        let id = welcome["conversation_id"].as_str().context("welcome without conversation_id")?.to_owned();
        Ok(Visitor { socket, id, seen })
    }

    pub async fn send(&mut self, frame: Value) -> anyhow::Result<()> {
        send(&mut self.socket, &frame).await
    }

    /// Waits until the store holds events of this conversation after `before` (the turn
    /// of the last frame sent, by the visitor or an agent), reads the socket up to the
    /// last one a visitor sees, and returns them all.
    pub async fn settle(&mut self, store: &Store, before: u64) -> anyhow::Result<Vec<StoredEvent>> {
        let deadline = Instant::now() + TIMEOUT;
        let events = loop {
            let events = store.events_after(&self.id, before).await?;
            if !events.is_empty() {
                break events;
            }
            if Instant::now() > deadline {
                bail!("conversation {}: the server stored nothing within {TIMEOUT:?}", self.id);
            }
            // Reads what comes meanwhile: an `ack`, or an `error` refusing the frame.
            if let Ok(frame) = tokio::time::timeout(Duration::from_millis(2), next_frame(&mut self.socket)).await {
                self.read(&frame?)?;
            }
        };
        let target = events.iter().filter(|e| visitor_sees(&e.event.kind)).map(|e| e.seq).max();
        if let Some(target) = target {
            while self.seen < target {
                let frame = tokio::time::timeout(TIMEOUT, next_frame(&mut self.socket))
                    .await
                    .with_context(|| format!("conversation {}: event {target} never reached the visitor", self.id))??;
                self.read(&frame)?;
            }
        }
        Ok(events)
    }

    /// The conversation's last `seq` in the store.
    pub async fn last_seq(&self, store: &Store) -> anyhow::Result<u64> {
        Ok(store.conversation(&self.id).await?.map_or(0, |c| c.last_seq))
    }

    /// Notes the `seq` of an event frame; fails on an `error` frame.
    fn read(&mut self, frame: &Value) -> anyhow::Result<()> {
        match frame["type"].as_str() {
            Some("error") => bail!("conversation {}: the server refused a visitor frame: {frame}", self.id),
            Some("event") if frame["kind"] != "typing" => {
                self.seen = self.seen.max(frame["seq"].as_u64().unwrap_or(0));
            }
            _ => {}
        }
        Ok(())
    }

    /// Leaves: closes the socket.
    pub async fn leave(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// The kinds a visitor's socket is sent (protocol §3.6); the rest stays internal.
fn visitor_sees(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::VisitorMessage { .. }
            | EventKind::BotMessage { .. }
            | EventKind::AgentMessage { .. }
            | EventKind::Handoff { .. }
            | EventKind::Closed { .. }
            | EventKind::RatingAsked { .. }
    )
}

/// An agent's console socket. A task reads it into a channel (queue frames and events
/// come at any time); requests wait there for their answer.
pub struct Agent {
    sink: SplitSink<Socket, Message>,
    frames: mpsc::UnboundedReceiver<Value>,
    pub name: String,
    pub available: bool,
}

impl Agent {
    /// Opens the socket and says `hello` with a session token.
    pub async fn connect(url: &str, token: &str, name: String) -> anyhow::Result<Agent> {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("opening the agent socket {url}"))?;
        let (sink, mut stream) = socket.split();
        let (sender, frames) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Text(text) = message
                    && let Ok(frame) = serde_json::from_str::<Value>(&text)
                    && sender.send(frame).is_err()
                {
                    break;
                }
            }
        });
        let mut agent = Agent {
            sink,
            frames,
            name,
            available: true,
        };
        agent.request(json!({"type": "hello", "token": token}), |f| f["type"] == "welcome").await?;
        Ok(agent)
    }

    /// Sends `frame` and waits for the frame `answer` matches, skipping the others.
    pub async fn request(&mut self, frame: Value, answer: impl Fn(&Value) -> bool) -> anyhow::Result<Value> {
        self.send(frame.clone()).await?;
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let got = tokio::time::timeout_at(deadline, self.frames.recv())
                .await
                .with_context(|| format!("agent {}: no answer to {frame} within {TIMEOUT:?}", self.name))?
                .with_context(|| format!("agent {}: the server closed the socket", self.name))?;
            if got["type"] == "error" {
                bail!("agent {}: the server refused {frame}: {got}", self.name);
            }
            if answer(&got) {
                return Ok(got);
            }
        }
    }

    /// Sends a frame that has no answer of its own.
    pub async fn send(&mut self, frame: Value) -> anyhow::Result<()> {
        self.sink
            .send(Message::Text(frame.to_string().into()))
            .await
            .with_context(|| format!("agent {}: the socket is closed", self.name))
    }

    /// Available or away (`status`), when it changes.
    pub async fn set_available(&mut self, available: bool) -> anyhow::Result<()> {
        if self.available != available {
            self.request(json!({"type": "status", "available": available}), |f| f["type"] == "status").await?;
            self.available = available;
        }
        Ok(())
    }
}

async fn send(socket: &mut Socket, frame: &Value) -> anyhow::Result<()> {
    socket.send(Message::Text(frame.to_string().into())).await.context("the visitor socket is closed")
}

/// The next JSON text frame (pings and pongs skipped).
async fn next_frame(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
            Some(Ok(Message::Close(frame))) => bail!("the server closed the socket: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(error.into()),
            None => bail!("the socket ended"),
        }
    }
}
