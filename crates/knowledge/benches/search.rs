//! Search over 10,000 synthetic passages (384-dimension vectors), without the query
//! embedding: the exact vector scan alone, BM25 alone, and the hybrid search.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_knowledge::{FlatIndex, KnowledgeBase, Passage, Ranking, SearchOptions, VectorIndex};

const PASSAGES: usize = 10_000;
const DIM: usize = 384;
const WORDS: [&str; 24] = [
    "order",
    "delivery",
    "refund",
    "parcel",
    "invoice",
    "warranty",
    "lamp",
    "table",
    "bookshelf",
    "payment",
    "card",
    "account",
    "password",
    "email",
    "return",
    "exchange",
    "assembly",
    "sofa",
    "fabric",
    "gift",
    "promo",
    "tracking",
    "carrier",
    "appointment",
];

fn random_unit(rng: &mut fastrand::Rng) -> Vec<f32> {
    let vector: Vec<f32> = (0..DIM).map(|_| rng.f32() - 0.5).collect();
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    vector.into_iter().map(|v| v / norm).collect()
}

fn sentence(rng: &mut fastrand::Rng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[rng.usize(..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn bench_search(c: &mut Criterion) {
    let mut rng = fastrand::Rng::with_seed(7);
    let passages: Vec<Passage> = (0..PASSAGES)
        .map(|i| Passage {
            article_id: format!("article-{}", i / 5),
            title: sentence(&mut rng, 4),
            heading: format!("section {}", i % 5),
            text: sentence(&mut rng, 120),
            url: None,
            lang: "en".into(),
        })
        .collect();
    let vectors: Vec<Vec<f32>> = (0..PASSAGES).map(|_| random_unit(&mut rng)).collect();
    let flat = FlatIndex::new(DIM, vectors.clone());
    let knowledge = KnowledgeBase::from_passages(passages, vectors, relais_encoder::ChanceSimilarity::ZERO).expect("indexed");
    let query = "where is my parcel tracking";
    let embedding = random_unit(&mut rng);
    let options = |ranking| SearchOptions {
        lang: Some("en".into()),
        k: 10,
        ranking,
    };

    c.bench_function("vector scan, 10k x 384, top 50", |b| {
        b.iter(|| flat.search(black_box(&embedding), 50, &|_| true))
    });
    c.bench_function("bm25 search, 10k passages", |b| {
        b.iter(|| {
            knowledge
                .search_embedded(black_box(query), None, &options(Ranking::Bm25))
                .expect("search")
        })
    });
    c.bench_function("hybrid search, 10k passages, embedding given", |b| {
        b.iter(|| {
            knowledge
                .search_embedded(
                    black_box(query),
                    Some(&embedding),
                    &options(Ranking::Hybrid),
                )
                .expect("search")
        })
    });
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
