//! Starts the example server on a free port and checks one reply of each endpoint.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The running server; killed when dropped.
struct Running {
    child: Child,
    address: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais-example-actions"))
        .args(["--bind", "127.0.0.1:0", "--today", "2026-11-15"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Running { child, address }
}

fn post(server: &Running, action: &str, lang: &str, slots: Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let payload = json!({"conversation_id": "c-1", "intent": action, "lang": lang,
        "slots": slots, "visitor": {}});
    let mut response = agent
        .post(format!("http://{}/actions/{action}", server.address))
        .send_json(&payload)
        .unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().unwrap())
}

#[test]
fn answers_each_demo_action() {
    let server = start();
    assert!(!server.address.ends_with(":0"), "{}", server.address);

    let (status, reply) = post(
        &server,
        "order_status",
        "en",
        json!({"order_number": "BW-482913"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        reply["slots"],
        json!({"status": "shipped", "eta": "Thursday"})
    );

    let (status, reply) = post(
        &server,
        "order_status",
        "fr",
        json!({"order_number": "BW-999999"}),
    );
    assert_eq!(
        (status, reply),
        (500, json!({"error": "the order database is unavailable"}))
    );

    let email = json!({"email": "ada@example.com"});
    let (status, reply) = post(&server, "reset_password", "en", email.clone());
    assert_eq!(
        (status, reply),
        (200, json!({"slots": {"email": "ada@example.com"}}))
    );

    let (status, reply) = post(&server, "cancel_subscription", "fr", email);
    assert_eq!(
        (status, reply),
        (200, json!({"slots": {"end_date": "30 novembre 2026"}}))
    );
}
