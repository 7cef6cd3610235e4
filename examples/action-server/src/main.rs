//! An example action server, as a business would write one for its Relais assistant.
//!
//! Relais POSTs a JSON payload (`conversation_id`, `intent`, `slots`, `visitor`, `lang`)
//! to `/actions/<action>` when a form completes, and expects a JSON object back that may
//! hold `text`, `slots` and `handoff`. This server answers the demo intents of the
//! fictional retailer Brightwood; the business logic is in [`brightwood`], this file is
//! only HTTP plumbing. It prints `listening on ADDR` once ready (`--bind 127.0.0.1:0`
//! picks a free port).

mod brightwood;

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::brightwood::{Date, Reply};

/// Largest request body read.
const MAX_BODY_BYTES: u64 = 64 * 1024;

#[derive(Parser)]
#[command(
    version,
    about = "Example Relais action server for the demo retailer Brightwood"
)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8099")]
    bind: String,
    /// Answer as if today were this date (YYYY-MM-DD) instead of reading the clock, so
    /// conversation tests get the same answers on any day.
    #[arg(long, value_parser = parse_date)]
    today: Option<Date>,
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let server = Server::http(&args.bind)?;
    println!("listening on {}", server.server_addr());
    for request in server.incoming_requests() {
        let method = request.method().clone();
        let path = request.url().to_owned();
        let reply = serve(request, args.today.unwrap_or_else(today));
        eprintln!("{method} {path} -> {}", reply.unwrap_or(0));
    }
    Ok(())
}

/// Answers one request; returns the status sent, or `None` if the client went away.
fn serve(mut request: Request, today: Date) -> Option<u16> {
    let reply = if *request.method() != Method::Post {
        Reply::error(405, "actions take a POST with a JSON body")
    } else {
        let mut body = String::new();
        match request
            .as_reader()
            .take(MAX_BODY_BYTES)
            .read_to_string(&mut body)
            .ok()
            .and_then(|_| serde_json::from_str::<Value>(&body).ok())
        {
            Some(payload) => brightwood::handle(request.url(), &payload, today),
            None => Reply::error(400, "the body must be JSON"),
        }
    };
    let status = reply.status;
    let content_type = Header::from_bytes("Content-Type", "application/json").ok()?;
    let response = Response::from_string(json!(reply.body).to_string())
        .with_status_code(status)
        .with_header(content_type);
    request.respond(response).ok().map(|()| status)
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("{text:?} is not a date of the form 2026-11-15"))
}

/// Today's date from the system clock (UTC).
fn today() -> Date {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days_since_epoch((seconds / 86_400) as i64)
}
