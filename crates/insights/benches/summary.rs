//! How long the summary of 10,000 conversations (about 140,000 events) takes: read from
//! SQLite (`Store::conversations_started` and `verified_starts`), folded and added up, and
//! the fold and sum alone. A log of five kinds of conversation (resolved by an intent,
//! marked useful and rated, answered from an article and left, escalated to an agent, lost
//! after fallbacks) is generated once in a temporary folder.

use std::collections::BTreeMap;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_dialogue::{Event, EventKind, FallbackStage, HandoffState, ReasonCode, Source};
use relais_insights::{Cohort, InsightsConfig, Window};
use relais_store::Store;

const CONVERSATIONS: i64 = 10_000;
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
            for n in 2..5 {
                kinds.extend([
                    EventKind::Fallback {
                        stage: FallbackStage::Rephrase,
                    },
                    bot(None, Vec::new()),
                    message(n),
                    predicted("chitchat"),
                ]);
            }
        }
    }
    kinds
}

fn generate(store: &Store, runtime: &tokio::runtime::Runtime) -> usize {
    let mut events = 0;
    runtime.block_on(async {
        for i in 0..CONVERSATIONS {
            let start = FROM + i * (30 * DAY / CONVERSATIONS);
            let log: Vec<Event> = conversation(i)
                .into_iter()
                .enumerate()
                .map(|(n, kind)| Event {
                    at: start + n as i64 * 5_000,
                    kind,
                })
                .collect();
            events += log.len();
            store.append(&format!("c{i:08}"), &log).await.unwrap();
        }
    });
    events
}

fn summary(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = runtime.block_on(Store::open(dir.path().join("relais.db"))).unwrap();
    let began = Instant::now();
    let events = generate(&store, &runtime);
    eprintln!("generated {CONVERSATIONS} conversations, {events} events, in {:.1?}", began.elapsed());
    let window = Window {
        from: FROM,
        to: FROM + 30 * DAY,
    };
    let config = InsightsConfig::default();
    let now = FROM + 40 * DAY;
    let mut group = c.benchmark_group("insights");
    group.sample_size(10);
    group.bench_function("summary of 10k conversations from SQLite", |b| {
        b.iter(|| {
            let cohort = runtime.block_on(Cohort::load(&store, window, &config, now)).unwrap();
            cohort.summary(&config)
        })
    });
    let logs = runtime.block_on(store.conversations_started(window.from, window.to)).unwrap();
    let starts = runtime.block_on(store.verified_starts(window.from, window.to + 7 * DAY)).unwrap();
    group.bench_function("read 10k conversations from SQLite", |b| {
        b.iter(|| runtime.block_on(store.conversations_started(window.from, window.to)).unwrap())
    });
    group.bench_function("fold and sum 10k conversations", |b| {
        b.iter(|| Cohort::of(window, &logs, &starts, &config, now).summary(&config))
    });
    group.finish();
}

criterion_group!(benches, summary);
criterion_main!(benches);
