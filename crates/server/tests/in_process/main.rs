//! The server in the same process as its tests: the real assistant, SQLite in a
//! temporary folder, HTTP requests answered without a socket and real WebSocket clients
//! against a listener on port 0. Each test has a server and a store of its own, so the
//! tests run in parallel; the assistant is loaded once for all of them (`support`).
//! What needs a process of its own (`kill -9`, SIGTERM, the binary's flags and
//! environment) is in `crates/relais/tests/server.rs`.

#[path = "../support/mod.rs"]
mod support;

mod channels;
mod conversation;
mod help;
mod honesty;
mod http;
mod insights;
mod limits;
mod queue;
mod reload;
mod resume;
mod review;
mod simulated;
