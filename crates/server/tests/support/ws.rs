//! WebSocket clients for the server tests, visitor or agent, and the helpers that drive
//! them. Shared by the in-process suite (`crates/server/tests`) and the suites that spawn
//! `relais serve` (`crates/relais/tests`, whose support module includes this file): a
//! server of either kind tells where its sockets are through [`Sockets`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

/// How long a test waits for a frame it expects.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a test waits to be sure no frame comes.
pub const QUIET: Duration = Duration::from_millis(700);

/// A running server: where its sockets are.
pub trait Sockets {
    /// `ws://host:port{path}`.
    fn ws(&self, path: &str) -> String;
}

/// A WebSocket client (visitor or agent).
pub struct Client {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    pub async fn connect(url: &str) -> Client {
        let (socket, _) = connect_async_with_config(url, None, true).await.expect("socket opens");
        Client { socket }
    }

    /// A socket opened once the server has let go of this address's closed sockets: a
    /// closed socket's place is freed when the server's side of it ends, a moment after the
    /// client saw it close, so a 429 is tried again until [`FRAME_TIMEOUT`].
    pub async fn connect_once_freed(url: &str) -> Client {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            match connect_async_with_config(url, None, true).await {
                Ok((socket, _)) => return Client { socket },
                Err(tokio_tungstenite::tungstenite::Error::Http(response))
                    if response.status() == 429 && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(other) => panic!("socket opens: {other}"),
            }
        }
    }

    /// A socket whose TCP connection comes from `source`, another address of the
    /// loopback range (127.0.0.2 …): to the server, another client address.
    pub async fn connect_from(url: &str, source: IpAddr) -> Client {
        let request = url.into_client_request().unwrap();
        let authority = request.uri().authority().expect("a host and port").as_str();
        let server: SocketAddr = authority.parse().expect("an IP address and port");
        let tcp = TcpSocket::new_v4().unwrap();
        tcp.bind(SocketAddr::new(source, 0))
            .expect("the source address can be bound");
        let stream = tcp.connect(server).await.expect("the server accepts");
        stream.set_nodelay(true).unwrap();
        let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
            .await
            .expect("socket opens");
        Client { socket }
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket.send(Message::Text(frame.to_string().into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next JSON frame (pings skipped); panics on close or timeout.
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(FRAME_TIMEOUT, self.socket.next())
                .await
                .expect("a frame within the timeout")
                .expect("the socket is open")
                .expect("a valid frame");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).unwrap(),
                Message::Close(frame) => panic!("socket closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Frames until one satisfies `done`; returns them all, that one last.
    pub async fn recv_until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            let stop = done(&frame);
            frames.push(frame);
            if stop {
                return frames;
            }
        }
    }

    /// Frames that arrive within [`QUIET`].
    pub async fn drain(&mut self) -> Vec<Value> {
        let mut frames = Vec::new();
        while let Ok(Some(Ok(message))) = tokio::time::timeout(QUIET, self.socket.next()).await {
            if let Message::Text(text) = message {
                frames.push(serde_json::from_str(&text).unwrap());
            }
        }
        frames
    }

    /// Waits for the server to close the socket; returns the close code.
    pub async fn closed(&mut self) -> Option<CloseCode> {
        loop {
            match tokio::time::timeout(FRAME_TIMEOUT, self.socket.next())
                .await
                .expect("the socket closes within the timeout")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return None,
            }
        }
    }
}

/// The HTTP status of a socket upgrade: 101 when let in, else the refusal's.
pub async fn upgrade_status(request: impl IntoClientRequest + Unpin) -> u16 {
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("the upgrade failed without an HTTP answer: {other}"),
    }
}

/// [`upgrade_status`] of the request `make` builds, once the server has let go of this
/// address's closed sockets (see [`Client::connect_once_freed`]).
pub async fn upgrade_status_once_freed<R: IntoClientRequest + Unpin>(make: impl Fn() -> R) -> u16 {
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let status = upgrade_status(make()).await;
        if status != 429 || tokio::time::Instant::now() >= deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A visitor who said hello; returns the socket and the `welcome` frame.
pub async fn visitor(server: &impl Sockets, hello: Value) -> (Client, Value) {
    let mut client = Client::connect(&server.ws("/v1/ws")).await;
    client.send(hello).await;
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (client, welcome)
}

/// An agent socket past `hello`; returns it with the first `queue` frame.
pub async fn agent(server: &impl Sockets, token: &str) -> (Client, Value) {
    let mut client = Client::connect(&server.ws("/v1/agent/ws")).await;
    client.send(json!({"type": "hello", "token": token})).await;
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let queue = client.recv().await;
    assert_eq!(queue["type"], "queue", "{queue}");
    (client, queue)
}

/// Sends a visitor message and returns the frames up to the `ack` and the bot's events
/// that follow within the quiet time.
pub async fn say(client: &mut Client, client_id: &str, text: &str) -> (u64, Vec<Value>) {
    let (seq, mut frames) = said(client, client_id, text).await;
    frames.extend(client.drain().await);
    (seq, frames)
}

/// Sends a visitor message and returns its `ack`'s seq with the frames before it, without
/// waiting for more: the ack comes once the turn is stored.
pub async fn said(client: &mut Client, client_id: &str, text: &str) -> (u64, Vec<Value>) {
    client
        .send(json!({"type": "message", "client_id": client_id, "text": text}))
        .await;
    let mut frames = client.recv_until(|f| f["type"] == "ack" || f["type"] == "error").await;
    let ack = frames.pop().unwrap();
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_id"], client_id);
    (ack["seq"].as_u64().unwrap(), frames)
}

pub fn bot_messages(frames: &[Value]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|f| f["kind"] == "message" && f["from"] == "bot")
        .collect()
}

pub fn seqs(frames: &[Value]) -> Vec<u64> {
    frames.iter().filter_map(|f| f["seq"].as_u64()).collect()
}

/// `claim`s a conversation and returns the answer: the `conversation` frame or an `error`.
pub async fn claim(agent: &mut Client, id: &str) -> Value {
    agent.send(json!({"type": "claim", "conversation_id": id})).await;
    agent
        .recv_until(|f| f["type"] == "error" || (f["type"] == "conversation" && f["conversation_id"] == id))
        .await
        .pop()
        .unwrap()
}
