//! What the server tests share: a `relais serve` process per test (killed when
//! dropped), HTTP helpers, and WebSocket clients for visitors and agents.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

/// How long a test waits for a frame it expects.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a test waits to be sure no frame comes.
pub const QUIET: Duration = Duration::from_millis(700);
pub const PASSWORD: &str = "correct horse battery";

/// The first server start may build the models and the index: one at a time.
pub static FIRST_START: Mutex<()> = Mutex::new(());

pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A `relais serve` process, killed when dropped. Its log (stderr) goes to
/// `serve.log` in its data folder.
pub struct Server {
    pub child: Child,
    pub address: String,
    pub data: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Server {
    pub fn start(env: &[(&str, &str)]) -> (tempfile::TempDir, Server) {
        Server::start_limited(env, None)
    }

    /// A server whose open-file limit (soft and hard) is `descriptors`, if given.
    pub fn start_limited(env: &[(&str, &str)], descriptors: Option<u64>) -> (tempfile::TempDir, Server) {
        let dir = tempfile::tempdir().unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let server = Server::spawn(dir.path(), env, "127.0.0.1:0", descriptors);
        (dir, server)
    }

    pub fn start_in(data: &Path, env: Vec<(String, String)>, bind: &str) -> Server {
        Server::spawn(data, env, bind, None)
    }

    fn spawn(data: &Path, env: Vec<(String, String)>, bind: &str, descriptors: Option<u64>) -> Server {
        let _first = FIRST_START.lock().unwrap_or_else(|e| e.into_inner());
        let binary = env!("CARGO_BIN_EXE_relais");
        let mut command = match descriptors {
            Some(limit) => {
                let mut shell = Command::new("sh");
                shell.args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\""), binary]);
                shell
            }
            None => Command::new(binary),
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data.join("serve.log"))
            .unwrap();
        let mut child = command
            .current_dir(root())
            .env("RUST_BACKTRACE", "0")
            .env("RELAIS_LOG", "warn")
            // Every test has a data folder of its own, but shares the repository's
            // trained models and knowledge index instead of building them again.
            .env("RELAIS__NLU__MODELS_OUT", "data/models")
            .env("RELAIS__KNOWLEDGE__INDEX_DIR", "data/knowledge")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(["serve", "--bind", bind, "--data-dir"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("relais serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("relais serve printed its address before exiting")
                .unwrap();
            if let Some(rest) = line.strip_prefix("listening on http://") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            address,
            data: data.to_path_buf(),
            env,
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("serve.log")).unwrap_or_default()
    }

    /// The server's resident memory, in MB.
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .expect("VmRSS in /proc/PID/status");
        kb / 1024.0
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.address)
    }

    /// Kills the process (SIGKILL: no chance to flush anything) and starts it again on
    /// the same address and data folder.
    pub fn kill_and_restart(mut self) -> Server {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let address = self.address.clone();
        let env = std::mem::take(&mut self.env);
        let data = self.data.clone();
        drop(self);
        Server::start_in(&data, env, &address)
    }

    pub fn add_agent(&self, email: &str, name: &str) {
        add_agent(&self.data, email, name);
    }

    pub fn login(&self, email: &str) -> String {
        let (status, body) = post_json(
            &self.url("/v1/auth/login"),
            json!({"email": email, "password": PASSWORD}),
        );
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn add_agent(data: &Path, email: &str, name: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(root())
        .args(["agent", "add", "--email", email, "--name", name, "--password-stdin", "--data-dir"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success(), "relais agent add failed");
}

pub fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub fn post_json(url: &str, body: Value) -> (u16, Value) {
    let mut response = http().post(url).send_json(body).unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().unwrap_or(Value::Null))
}

pub fn get_json(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = http().get(url);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().unwrap_or(Value::Null))
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

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
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

/// A visitor who said hello; returns the socket and the `welcome` frame.
pub async fn visitor(server: &Server, hello: Value) -> (Client, Value) {
    let mut client = Client::connect(&server.ws("/v1/ws")).await;
    client.send(hello).await;
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (client, welcome)
}

/// An agent socket past `hello`; returns it with the first `queue` frame.
pub async fn agent(server: &Server, token: &str) -> (Client, Value) {
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
    client
        .send(json!({"type": "message", "client_id": client_id, "text": text}))
        .await;
    let mut frames = client
        .recv_until(|f| f["type"] == "ack" || f["type"] == "error")
        .await;
    let ack = frames.pop().unwrap();
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_id"], client_id);
    frames.extend(client.drain().await);
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
