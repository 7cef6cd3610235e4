//! A stand-in for the providers the real ones cannot be reached from here: one HTTP
//! server on port 0 that answers as Twilio's Messages API, WhatsApp's Graph API and a
//! business's webhook do, records every call, and fails the next calls on demand (HTTP
//! 503, as a provider that is down).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::net::TcpListener;

/// One call the stand-in received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Call {
    /// A form field of the call's body.
    pub fn form(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.body.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

#[derive(Default)]
struct Recorded {
    calls: Vec<Call>,
    /// Calls still to fail.
    failing: u32,
    /// Calls answered, failed ones included.
    answered: u32,
}

/// The stand-in; dropping it stops it.
pub struct Provider {
    pub address: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Provider {
    pub async fn start() -> Provider {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let app = Router::new().fallback(answer).with_state(recorded.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Provider { address, recorded, _stop: stop }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Fails the next `calls` calls with HTTP 503.
    pub fn fail_next(&self, calls: u32) {
        self.recorded.lock().unwrap().failing = calls;
    }

    /// The calls answered successfully so far.
    pub fn calls(&self) -> Vec<Call> {
        self.recorded.lock().unwrap().calls.clone()
    }

    /// Every call answered, failed ones included.
    pub fn answered(&self) -> u32 {
        self.recorded.lock().unwrap().answered
    }

    /// Waits (up to 10 s) until `done` holds of the successful calls; returns them.
    pub async fn wait_for(&self, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        for _ in 0..500 {
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the stand-in provider never got the calls awaited: {:#?}", self.calls());
    }
}

async fn answer(State(recorded): State<Arc<Mutex<Recorded>>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut recorded = recorded.lock().unwrap();
    recorded.answered += 1;
    if recorded.failing > 0 {
        recorded.failing -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response();
    }
    let path = uri.path().to_owned();
    recorded.calls.push(Call { path: path.clone(), headers, body: String::from_utf8_lossy(&body).into_owned() });
    let n = recorded.calls.len();
    if path.ends_with("/Messages.json") {
        (StatusCode::CREATED, axum::Json(json!({"sid": format!("SM{n:032}"), "status": "queued"}))).into_response()
    } else if path.ends_with("/messages") {
        axum::Json(json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.out{n}")}]})).into_response()
    } else {
        StatusCode::OK.into_response()
    }
}
