//! Load generator for `relais serve` (run by `make bench` through scripts/load-test.sh).
//!
//! - `idle`: opens N visitor sockets, each says `hello` and waits; reports how many are
//!   held and how long opening them took (the script reads the server's RSS).
//! - `active`: C conversations send messages open-loop at a total rate R (each one every
//!   C/R seconds, phases spread), and the time from each message to the bot's first
//!   reply is measured; reports replies/s and latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};
use tokio_tungstenite::connect_async_with_config;
use tokio_tungstenite::tungstenite::Message;

/// Handshakes in flight at once (the listen backlog is finite).
const CONNECTING: usize = 256;

/// Customer questions the demo assistant answers from intents or the knowledge base.
const QUESTIONS: &[&str] = &[
    "how do I assemble the Atlas bookshelf",
    "what is your returns policy",
    "how long does delivery take",
    "do you deliver to Belgium",
    "can I pay with PayPal",
    "what are your opening hours",
    "how do I care for an oak table",
    "is the Nora sofa available in blue",
    "how much does delivery cost",
    "can I change my delivery address",
    "do you offer gift cards",
    "how do I get a refund",
];

#[derive(Parser)]
struct Cli {
    /// The server's visitor socket.
    #[arg(long, default_value = "ws://127.0.0.1:8080/v1/ws")]
    url: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Hold idle visitor sockets.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        sockets: usize,
        /// Seconds to hold them once all are open.
        #[arg(long, default_value_t = 5)]
        hold: u64,
    },
    /// Active conversations at a given total message rate.
    Active {
        #[arg(long, default_value_t = 1_000)]
        conversations: usize,
        /// Messages per second over all conversations.
        #[arg(long, default_value_t = 150.0)]
        rate: f64,
        /// Seconds of measurement (after every conversation has started).
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a visitor socket and waits for `welcome`.
async fn hello(url: &str, gate: &Semaphore) -> anyhow::Result<Socket> {
    let _permit = gate.acquire().await?;
    let (mut socket, _) = connect_async_with_config(url, None, true).await.context("connecting")?;
    socket
        .send(Message::Text(json!({"type": "hello", "lang": "en"}).to_string().into()))
        .await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let frame: Value = serde_json::from_str(&text)?;
                if frame["type"] == "welcome" {
                    return Ok(socket);
                }
                bail!("expected welcome, got {frame}");
            }
            Some(Ok(_)) => continue,
            other => bail!("socket ended before welcome: {other:?}"),
        }
    }
}

async fn idle(url: String, sockets: usize, hold: u64) -> anyhow::Result<()> {
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let (url, gate) = (url.clone(), gate.clone());
        tasks.push(tokio::spawn(async move { hello(&url, &gate).await }));
    }
    let mut held = Vec::with_capacity(sockets);
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Ok(socket) => held.push(socket),
            Err(error) => {
                if failed == 0 {
                    eprintln!("first failure: {error:#}");
                }
                failed += 1;
            }
        }
    }
    let opened = started.elapsed();
    println!(
        "{}",
        json!({"mode": "idle", "held": held.len(), "failed": failed,
               "open_seconds": opened.as_secs_f64()})
    );
    println!("HELD");
    tokio::time::sleep(Duration::from_secs(hold)).await;
    Ok(())
}

/// Latencies (ms) of the replies received, shared by the conversations.
type Latencies = Arc<Mutex<Vec<f64>>>;

async fn conversation(
    mut socket: Socket,
    interval: Duration,
    phase: Duration,
    until: Instant,
    latencies: Latencies,
) -> anyhow::Result<usize> {
    tokio::time::sleep(phase).await;
    let mut ticker = tokio::time::interval(interval);
    let mut sent = 0usize;
    while Instant::now() < until {
        ticker.tick().await;
        sent += 1;
        let text = QUESTIONS[fastrand::usize(..QUESTIONS.len())];
        let frame = json!({"type": "message", "client_id": format!("m{sent}"), "text": text});
        let at = Instant::now();
        socket.send(Message::Text(frame.to_string().into())).await?;
        let mut acked = false;
        loop {
            let Some(message) = socket.next().await else {
                bail!("the server closed the socket");
            };
            let Message::Text(text) = message? else {
                continue;
            };
            let frame: Value = serde_json::from_str(&text)?;
            match frame["type"].as_str() {
                Some("ack") => acked = true,
                Some("error") => bail!("error frame: {frame}"),
                Some("event") if acked && frame["from"] == "bot" => {
                    latencies.lock().await.push(at.elapsed().as_secs_f64() * 1000.0);
                    break;
                }
                _ => {}
            }
        }
    }
    Ok(sent)
}

async fn active(url: String, conversations: usize, rate: f64, seconds: u64) -> anyhow::Result<()> {
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let mut sockets = Vec::with_capacity(conversations);
    for _ in 0..conversations {
        sockets.push(hello(&url, &gate).await?);
    }
    let interval = Duration::from_secs_f64(conversations as f64 / rate);
    let latencies: Latencies = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for socket in sockets {
        let phase = interval.mul_f64(fastrand::f64());
        tasks.push(tokio::spawn(conversation(socket, interval, phase, until, latencies.clone())));
    }
    let mut errors = 0;
    for task in tasks {
        if let Err(error) = task.await? {
            if errors == 0 {
                eprintln!("first failure: {error:#}");
            }
            errors += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{}",
        json!({
            "mode": "active", "conversations": conversations, "offered_rate": rate,
            "replies": latencies.len(), "replies_per_second": latencies.len() as f64 / elapsed,
            "p50_ms": percentile(0.50), "p90_ms": percentile(0.90), "p99_ms": percentile(0.99),
            "max_ms": latencies.last(), "failed_conversations": errors,
        })
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.mode {
        Mode::Idle { sockets, hold } => idle(cli.url, sockets, hold).await,
        Mode::Active {
            conversations,
            rate,
            seconds,
        } => active(cli.url, conversations, rate, seconds).await,
    }
}
