//! The in-process harness: the real assistant (the repository's sentence encoder,
//! intents and articles, with the models and index trained into `data/` and reused),
//! loaded once per test binary and shared; and per test a server of its own, with its
//! own SQLite store and signing key in a temporary folder, that answers HTTP requests
//! without a socket (`TestServer::http`) and serves real sockets on a listener on port 0.
#![allow(dead_code)]

mod provider;
mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request};
use relais_assistant::{AssistantConfig, Bot};
use relais_server::{Server, ServerConfig, Signer};
use relais_store::{NewAgent, Role, Store};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::ServiceExt;

// Not every test binary that shares this module talks to a provider stand-in.
#[allow(unused_imports)]
pub use provider::*;
pub use ws::*;

pub const PASSWORD: &str = "correct horse battery";

/// The client address of requests made without a socket.
pub const HTTP_CLIENT: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 50_000);

pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The repository's assistant with the default settings, paths made absolute.
pub fn assistant_config() -> AssistantConfig {
    let root = root();
    let mut config = AssistantConfig {
        data_dir: root.join("data"),
        ..AssistantConfig::default()
    };
    config.nlu.model_dir = root.join(&config.nlu.model_dir);
    for dir in config.nlu.language_models.values_mut() {
        *dir = root.join(&*dir);
    }
    config.nlu.intents_dir = root.join(&config.nlu.intents_dir);
    config.knowledge.dir = root.join(&config.knowledge.dir);
    config
}

/// The assistant `relais serve` loads from the repository with the default settings
/// (those `relais.toml` lists), trained or reused once for every test of this binary.
static BOT: LazyLock<Arc<Bot>> = LazyLock::new(|| {
    let bot = relais_assistant::load(&assistant_config(), |_| {})
        .unwrap_or_else(|error| panic!("the assistant loads (run `make models` first): {error:?}"));
    Arc::new(bot)
});

/// One server: its data folder, its store, its routes and the address it serves on.
/// Dropping it stops the listener.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub address: SocketAddr,
    router: Router,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    /// A server with the default configuration.
    pub async fn start() -> TestServer {
        TestServer::with(|_| {}).await
    }

    /// A server whose configuration `tweak` changes from the default.
    pub async fn with(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let mut config = ServerConfig::default();
        tweak(&mut config);
        TestServer::built(config, |server| server).await
    }

    /// A server with `config`, whose options `build` sets (`Server::simulated` …).
    pub async fn built(config: ServerConfig, build: impl FnOnce(Server) -> Server) -> TestServer {
        TestServer::serving(BOT.clone(), config, build).await
    }

    /// A server answering with `bot` instead of the repository's assistant.
    pub async fn serving(bot: Arc<Bot>, config: ServerConfig, build: impl FnOnce(Server) -> Server) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("relais.db")).await.unwrap();
        let signer = Signer::load_or_create(&dir.path().join("secret.key")).unwrap();
        let server = build(Server::new(config, store.clone(), bot, signer).expect("a valid configuration"));
        let router = server.router().layer(MockConnectInfo(HTTP_CLIENT));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        TestServer {
            dir,
            store,
            address,
            router,
            _stop: stop,
        }
    }

    /// An HTTP request answered in this process, without a socket.
    pub async fn http(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Answer {
            status,
            headers,
            text: String::from_utf8(body.to_vec()).expect("a UTF-8 body"),
        }
    }

    /// `GET path`, with a bearer token if given: the whole answer.
    pub async fn fetch(&self, path: &str, token: Option<&str>) -> Answer {
        self.http(request(Method::GET, path, token, None)).await
    }

    /// `GET path`, with a bearer token if given: the status and the body as JSON.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let answer = self.fetch(path, token).await;
        (answer.status, answer.json())
    }

    /// `POST path` with a JSON body, with a bearer token if given.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let answer = self.http(request(Method::POST, path, token, Some(body))).await;
        (answer.status, answer.json())
    }

    /// Adds an agent with [`PASSWORD`].
    pub async fn add_agent(&self, email: &str, name: &str, role: Role) {
        let agent = NewAgent {
            email: email.into(),
            name: name.into(),
            role,
            reviewer: false,
            password: PASSWORD.into(),
        };
        self.store.add_agent(agent, relais_server::now_ms()).await.unwrap();
    }

    /// Logs in over HTTP; returns the session token.
    pub async fn login(&self, email: &str) -> String {
        let (status, body) = self
            .post("/v1/auth/login", None, json!({"email": email, "password": PASSWORD}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// Adds an agent of role `agent` and logs them in; returns the session token.
    pub async fn signed_in(&self, email: &str, name: &str) -> String {
        self.add_agent(email, name, Role::Agent).await;
        self.login(email).await
    }
}

/// An HTTP response.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |value| value.to_str().unwrap())
    }
}

impl Sockets for TestServer {
    fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.address)
    }
}

/// The status and error code of an HTTP answer (`""` when it has none).
pub fn refusal((status, body): &(u16, Value)) -> (u16, &str) {
    (*status, body["error"]["code"].as_str().unwrap_or(""))
}

/// A request to `path`, with a bearer token and a JSON body if given.
pub fn request(method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap()
}

/// A visitor waiting in the queue.
pub struct Waiting {
    pub client: Client,
    pub id: String,
    /// The conversation token, to resume.
    pub token: String,
    /// The `handoff queued` event.
    pub handoff: Value,
}

/// A visitor who started a conversation in English, asked for a person and was queued.
pub async fn queued_visitor(server: &TestServer) -> Waiting {
    let (mut client, welcome) = visitor(server, json!({"type": "hello", "lang": "en"})).await;
    client.send(json!({"type": "request_agent"})).await;
    let handoff = client.recv_until(|f| f["kind"] == "handoff").await.pop().unwrap();
    assert_eq!(handoff["state"], "queued", "{handoff}");
    Waiting {
        client,
        id: welcome["conversation_id"].as_str().unwrap().to_string(),
        token: welcome["token"].as_str().unwrap().to_string(),
        handoff,
    }
}

