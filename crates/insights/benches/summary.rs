//! How long the figures of 100,000 conversations (about 1.4 M events) take: the summary
//! read from SQLite (`Store::tallies_started` and `visitor_starts`) and added up, the
//! same without the read, and the knowledge gaps (the gap messages and their vectors read
//! by key, then grouped; the server's nearest-article search per topic is not included).
//! A log of five kinds of conversation (resolved by an intent, marked useful and rated,
//! answered from an article and left, escalated to an agent, lost after four fallbacks,
//! each of its messages on one of 40 topics) is generated once in a temporary folder
//! through the store's append path; `INSIGHTS_CONVERSATIONS` changes the count, and
//! `INSIGHTS_DB=<path>` keeps the log there to measure it again without generating it.

use std::collections::BTreeMap;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_dialogue::{Event, EventKind, FallbackStage, HandoffState, ReasonCode, Source};
use relais_insights::{Cohort, InsightsConfig, Window, read_gap_messages, topics};
use relais_store::{MessageVector, Store};

/// The conversations generated, unless `INSIGHTS_CONVERSATIONS` says otherwise.
const CONVERSATIONS: i64 = 100_000;
/// The topics of the lost conversations' messages, and the embedding's dimension.
const TOPICS: usize = 40;
const DIM: usize = 384;
/// The name every vector is stored under, as an encoder's short fingerprint.
const ENCODER: &str = "53aa51172d142c89";
/// 2026-11-01T00:00:00Z; the conversations spread over 30 days from it.
const FROM: i64 = 1_793_491_200_000;
const DAY: i64 = 86_400_000;

fn bot(intent: Option<&str>, sources: Vec<Source>) -> EventKind {
    EventKind::BotMessage {
        text: "An answer of a few words, as the bot gives them.".into(),
        quick_replies: Vec::new(),
        sources,
        intent: intent.map(str::to_owned),
        ask_feedback: true,
    }
}

fn message(n: usize) -> EventKind {
    EventKind::VisitorMessage {
        text: "Where is my order? I ordered it last week.".into(),
        client_id: format!("m{n}"),
    }
}

/// A lost visitor's message `n` on `topic`, worded one of seven ways.
fn lost_message(n: usize, topic: usize, i: i64) -> EventKind {
    EventKind::VisitorMessage {
        text: format!("question {} about unanswered topic {topic}", i % 7),
        client_id: format!("m{n}"),
    }
}

/// A deterministic pseudo-random number in [-1, 1) (splitmix64).
fn noise(seed: u64) -> f32 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// A message's embedding: its topic's direction plus a third as much noise.
fn embedding(topic: usize, message: u64) -> Vec<f32> {
    (0..DIM)
        .map(|d| noise((topic * DIM + d) as u64) + noise((1 << 40) | (message * DIM as u64 + d as u64)) / 3.0)
        .collect()
}

fn predicted(intent: &str) -> EventKind {
    EventKind::IntentPredicted {
        intent: intent.into(),
        confidence: 0.91,
        ranking: Vec::new(),
        oos: false,
        ambiguous: false,
    }
}

/// Conversation `i`'s events: one of five shapes, 9 to 21 events.
fn conversation(i: i64) -> Vec<EventKind> {
    let mut kinds = vec![
        EventKind::Started {
            conversation_id: format!("c{i:08}"),
            lang: Some(if i % 4 == 0 { "fr" } else { "en" }.into()),
            visitor: BTreeMap::new(),
            verified_user_id: (i % 3 == 0).then(|| format!("user-{}", i % 1_000)),
            browser_id: None,
            simulated: false,
            channel: None,
        },
        EventKind::PageViewed {
            url: "https://shop.example/products/atlas".into(),
            title: Some("Atlas".into()),
        },
        bot(None, Vec::new()),
        message(1),
        predicted("order_status"),
    ];
    match i % 5 {
        0 => kinds.extend([bot(Some("opening_hours"), Vec::new()), EventKind::Resolved]),
        1 => kinds.extend([
            bot(Some("order_status"), Vec::new()),
            EventKind::Feedback { seq: 6, helpful: true },
            bot(None, Vec::new()),
            EventKind::Resolved,
            EventKind::RatingAsked { scale: 5 },
            EventKind::ConversationRated { score: 4, scale: 5 },
        ]),
        2 => {
            let source = Source {
                title: "Delivery".into(),
                url: "https://shop.example/help/delivery".into(),
            };
            kinds.extend([
                EventKind::KnowledgeShown {
                    articles: vec![source.clone()],
                    confidence: 0.7,
                },
                bot(None, vec![source]),
                EventKind::Closed {
                    by: "visitor".into(),
                    resolution: None,
                },
            ]);
        }
        3 => kinds.extend([
            EventKind::HandoffRequested {
                reason: ReasonCode::ExplicitRequest,
                detail: "request_agent".into(),
            },
            bot(None, Vec::new()),
            EventKind::handoff(HandoffState::Queued, Some(ReasonCode::ExplicitRequest)),
            EventKind::Handoff {
                state: HandoffState::AgentJoined,
                reason: None,
                agent_name: Some("Ann".into()),
                position: None,
            },
            EventKind::AgentMessage {
                text: "Hello, let me check.".into(),
                client_id: "a1".into(),
                agent_id: 1,
                agent_name: "Ann".into(),
            },
            message(2),
            EventKind::AgentMessage {
                text: "It leaves today.".into(),
                client_id: "a2".into(),
                agent_id: 1,
                agent_name: "Ann".into(),
            },
            EventKind::Closed {
                by: "agent".into(),
                resolution: Some("solved".into()),
            },
        ]),
        _ => {
            let topic = (i as usize / 5) % TOPICS;
            kinds.pop();
            kinds.pop();
            kinds.extend([lost_message(1, topic, i), predicted("chitchat")]);
            for n in 2..5 {
                kinds.extend([
                    EventKind::Fallback {
                        stage: FallbackStage::Rephrase,
                    },
                    bot(None, Vec::new()),
                    lost_message(n, topic, i + n as i64),
                    predicted("chitchat"),
                ]);
            }
            kinds.push(EventKind::Fallback {
                stage: FallbackStage::Rephrase,
            });
        }
    }
    kinds
}

/// Appends conversation after conversation as the server does: a visitor message with
/// what follows it and its embedding in one transaction. Returns the events written.
fn generate(store: &Store, runtime: &tokio::runtime::Runtime, conversations: i64) -> usize {
    let mut events = 0;
    runtime.block_on(async {
        for i in 0..conversations {
            let id = format!("c{i:08}");
            let start = FROM + i * (30 * DAY / conversations);
            let log: Vec<Event> = conversation(i)
                .into_iter()
                .enumerate()
                .map(|(n, kind)| Event {
                    at: start + n as i64 * 5_000,
                    kind,
                })
                .collect();
            events += log.len();
            let mut turns: Vec<&[Event]> = Vec::new();
            let mut begin = 0;
            for (n, event) in log.iter().enumerate() {
                if n > 0 && matches!(event.kind, EventKind::VisitorMessage { .. }) {
                    turns.push(&log[begin..n]);
                    begin = n;
                }
            }
            turns.push(&log[begin..]);
            for turn in turns {
                match &turn[0].kind {
                    EventKind::VisitorMessage { client_id, .. } => {
                        let vector = embedding((i as usize / 5) % TOPICS, (i as u64) << 3 | turns_seq(client_id));
                        let vector = MessageVector { encoder: ENCODER, vector: &vector };
                        store.append_visitor_message(&id, client_id, turn, Some(vector)).await.unwrap();
                    }
                    _ => {
                        store.append(&id, turn).await.unwrap();
                    }
                }
            }
        }
    });
    events
}

/// The message number in a client id `m<n>`.
fn turns_seq(client_id: &str) -> u64 {
    client_id[1..].parse().unwrap_or(0)
}

fn figures(c: &mut Criterion) {
    let conversations: i64 = std::env::var("INSIGHTS_CONVERSATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CONVERSATIONS);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // INSIGHTS_DB keeps the generated log at that path, and reads it back on the next run.
    let (path, reuse) = match std::env::var_os("INSIGHTS_DB") {
        Some(path) => (std::path::PathBuf::from(&path), std::path::Path::new(&path).exists()),
        None => (dir.path().join("relais.db"), false),
    };
    let store = runtime.block_on(Store::open(path)).unwrap();
    if reuse {
        eprintln!("read the log kept at INSIGHTS_DB");
    } else {
        let began = Instant::now();
        let events = generate(&store, &runtime, conversations);
        eprintln!("generated {conversations} conversations, {events} events, in {:.1?}", began.elapsed());
    }
    let window = Window {
        from: FROM,
        to: FROM + 30 * DAY,
    };
    let config = InsightsConfig::default();
    let now = FROM + 40 * DAY;
    let mut group = c.benchmark_group("insights");
    group.sample_size(10);
    group.bench_function(format!("summary of {conversations} conversations from SQLite"), |b| {
        b.iter(|| {
            let cohort = runtime.block_on(Cohort::load(&store, window, &config, now)).unwrap();
            cohort.summary(&config)
        })
    });
    group.bench_function(format!("read {conversations} tallies from SQLite"), |b| {
        b.iter(|| runtime.block_on(store.tallies_started(window.from, window.to)).unwrap())
    });
    let tallies = runtime.block_on(store.tallies_started(window.from, window.to)).unwrap();
    let starts = runtime.block_on(store.visitor_starts(window.from, window.to + 7 * DAY)).unwrap();
    group.bench_function(format!("summary of {conversations} tallies in memory (a copy of the tallies included)"), |b| {
        b.iter(|| Cohort::of(window, tallies.clone(), &starts, &config, now).summary(&config))
    });
    let gaps = || {
        let cohort = runtime.block_on(Cohort::load(&store, window, &config, now)).unwrap();
        let wanted = cohort.gap_messages();
        let messages = runtime.block_on(read_gap_messages(&store, wanted, ENCODER, DIM)).unwrap();
        topics(messages, 50, |cosine, _| cosine)
    };
    let found = gaps();
    eprintln!(
        "gaps: {} topics, the largest {} messages in {} conversations",
        found.len(),
        found.first().map_or(0, |t| t.messages),
        found.first().map_or(0, |t| t.conversations)
    );
    group.bench_function(format!("gaps of {conversations} conversations from SQLite"), |b| b.iter(gaps));
    group.finish();
}

criterion_group!(benches, figures);
criterion_main!(benches);
