//! What the server tests share: a `relais serve` process per test (killed when
//! dropped), HTTP helpers, and WebSocket clients for visitors and agents (`ws.rs` of
//! the in-process suite in `crates/server/tests/support`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use serde_json::{Value, json};

// The WebSocket client and its helpers, shared with the in-process suite.
#[path = "../../../server/tests/support/ws.rs"]
mod ws;
pub use ws::*;

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

    pub fn add_admin(&self, email: &str, name: &str) {
        add_account(&self.data, email, name, "admin");
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

impl Sockets for Server {
    fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn add_agent(data: &Path, email: &str, name: &str) {
    add_account(data, email, name, "agent");
}

/// Adds an account of `role` (agent or admin) with `relais agent add`.
pub fn add_account(data: &Path, email: &str, name: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .current_dir(root())
        .args(["agent", "add", "--email", email, "--name", name, "--role", role, "--password-stdin", "--data-dir"])
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
