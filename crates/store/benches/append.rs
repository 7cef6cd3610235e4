//! How long the store takes to append a turn (a visitor's message and the bot's reply,
//! committed), on SQLite (`synchronous = FULL`) and on PostgreSQL (a throw-away cluster
//! on this machine, `fsync` off: its figure is the round trips and the write lock, not
//! the disk), one conversation after another.

use criterion::{Criterion, criterion_group, criterion_main};
use relais_dialogue::{Event, EventKind};
use relais_store::Store;

fn turn(at: i64) -> Vec<Event> {
    vec![
        Event {
            at,
            kind: EventKind::VisitorMessage { text: "where is my order".into(), client_id: format!("m{at}") },
        },
        Event {
            at,
            kind: EventKind::BotMessage {
                text: "Your order left our warehouse yesterday.".into(),
                quick_replies: Vec::new(),
                sources: Vec::new(),
                intent: None,
                ask_feedback: true,
            },
        },
    ]
}

fn bench(c: &mut Criterion, name: &str, store: &Store, runtime: &tokio::runtime::Runtime) {
    let mut at = 0;
    c.bench_function(&format!("append a turn ({name})"), |b| {
        b.iter(|| {
            at += 1;
            // Ten turns a conversation, as a short chat has.
            let id = format!("c{}", at / 10);
            let events = turn(at);
            runtime.block_on(store.append_visitor_message(&id, &format!("m{at}"), &events, None)).unwrap()
        })
    });
}

fn append(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = runtime.block_on(Store::open(dir.path().join("relais.db"))).unwrap();
    bench(c, "SQLite", &sqlite, &runtime);
    let cluster = relais_pgtest::Cluster::start();
    let postgres = runtime.block_on(Store::connect(&cluster.create_database())).unwrap();
    bench(c, "PostgreSQL", &postgres, &runtime);
}

criterion_group!(benches, append);
criterion_main!(benches);
