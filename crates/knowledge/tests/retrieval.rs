//! Retrieval on the demo knowledge base with the real encoder: exact terms, hostile
//! queries, confidence, incremental re-indexing, watching for edits, and (when the
//! shared datasets are present) a slice of StackFAQ.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock, mpsc};
use std::time::Duration;

use relais_knowledge::eval::{EvalQuery, Faq, QueryScores, evaluate, load_jsonl};
use relais_knowledge::{KnowledgeBase, Ranking, SearchOptions};
use relais_encoder::{EmbeddingCache, Encoder};

const MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-MiniLM-L6-v2");
const MULTILINGUAL_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/multilingual-e5-small");
const KNOWLEDGE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../knowledge");
const EXACT_TERMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/exact_terms.jsonl");
const STACKFAQ_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/stackfaq"
);

struct Demo {
    encoder: Encoder,
    knowledge: KnowledgeBase,
    _data_dir: tempfile::TempDir,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let encoder = Encoder::load(MODEL_DIR).expect("the model is fetched by `make models`");
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (knowledge, warnings) =
            KnowledgeBase::open(Path::new(KNOWLEDGE_DIR), data_dir.path(), &encoder)
                .expect("indexed");
        assert!(warnings.is_empty(), "{warnings:?}");
        Demo {
            encoder,
            knowledge,
            _data_dir: data_dir,
        }
    })
}

fn search(query: &str, lang: Option<&str>, ranking: Ranking) -> relais_knowledge::SearchResults {
    let demo = demo();
    let options = SearchOptions {
        lang: lang.map(str::to_string),
        k: 10,
        ranking,
    };
    demo.knowledge
        .search(&demo.encoder, query, &options)
        .expect("search")
}

fn hit_at_1(queries: &[EvalQuery], ranking: Ranking) -> (f64, Vec<String>) {
    let mut misses = Vec::new();
    for query in queries {
        let results = search(&query.query, query.lang.as_deref(), ranking);
        let ranked: Vec<&str> = results.hits.iter().map(|h| h.article_id.as_str()).collect();
        let relevant: HashSet<&str> = query.relevant.iter().map(String::as_str).collect();
        if QueryScores::of(&ranked, &relevant).hit_at_1 == 0.0 {
            misses.push(format!("{} -> {:?}", query.query, ranked.first()));
        }
    }
    (1.0 - misses.len() as f64 / queries.len() as f64, misses)
}

#[test]
fn exact_terms_put_the_right_article_first() {
    let queries: Vec<EvalQuery> = load_jsonl(Path::new(EXACT_TERMS)).expect("queries");
    assert!(queries.len() >= 15);
    for ranking in [Ranking::Bm25, Ranking::Dense] {
        let (recall, misses) = hit_at_1(&queries, ranking);
        println!("{ranking:?} recall@1 on exact terms: {recall:.3} (misses: {misses:?})");
    }
    let (recall, misses) = hit_at_1(&queries, Ranking::Hybrid);
    println!("Hybrid recall@1 on exact terms: {recall:.3} (misses: {misses:?})");
    assert!(
        recall >= 0.9,
        "hybrid recall@1 {recall:.3}, misses: {misses:?}"
    );
}

#[test]
fn stop_words_punctuation_and_huge_queries_give_defined_results() {
    for query in ["the of and to", "le la les de", "?!... ---", ""] {
        let results = search(
            query,
            Some(if query.starts_with("le") { "fr" } else { "en" }),
            Ranking::Hybrid,
        );
        assert!(
            results.hits.is_empty(),
            "{query:?} gave {:?}",
            results.hits.first()
        );
        assert_eq!(results.confidence, 0.0);
    }
    let huge = "where is my order? ".repeat(6_000);
    assert!(huge.len() > 100_000);
    let results = search(&huge, None, Ranking::Hybrid);
    assert!(results.hits.len() <= 10);
    assert!(
        results
            .hits
            .iter()
            .any(|h| h.article_id == "track-your-order")
    );
}

#[test]
fn off_topic_queries_get_low_confidence() {
    let demo = demo();
    assert_confidence_separates_off_topic_from_on_topic(&demo.encoder, &demo.knowledge);
}

/// Confidence is measured from the encoder's chance similarity, so the limits set on
/// all-MiniLM-L6-v2 hold for multilingual-e5-small, whose unrelated texts have cosines
/// near 0.75 (with raw cosines, the off-topic questions were answered there).
#[test]
fn confidence_holds_under_the_multilingual_encoder() {
    let encoder = Encoder::load(MULTILINGUAL_DIR).expect("the model is fetched by `make models`");
    let minilm = &demo().encoder;
    let (minilm, multilingual) = (minilm.chance_similarity(), encoder.chance_similarity());
    println!("chance similarity: all-MiniLM-L6-v2 {minilm:?}, multilingual-e5-small {multilingual:?}");
    assert!(multilingual.en > minilm.en + 0.3, "the test is only worth its salt where chance differs");
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (knowledge, _) =
        KnowledgeBase::open(Path::new(KNOWLEDGE_DIR), data_dir.path(), &encoder).expect("indexed");
    assert_confidence_separates_off_topic_from_on_topic(&encoder, &knowledge);
}

fn assert_confidence_separates_off_topic_from_on_topic(encoder: &Encoder, knowledge: &KnowledgeBase) {
    let search = |query: &str, lang: &str| {
        let options = SearchOptions {
            lang: Some(lang.into()),
            k: 3,
            ranking: Ranking::Hybrid,
        };
        knowledge.search(encoder, query, &options).expect("search")
    };
    for (off, on, article, lang) in [
        ("what is the capital of Peru", "how can I track my order", "track-your-order", "en"),
        ("quelle est la capitale du Pérou", "comment suivre ma commande", "suivre-ma-commande", "fr"),
    ] {
        let off_topic = search(off, lang);
        let on_topic = search(on, lang);
        println!(
            "{lang} confidence: off-topic {:.3}, on-topic {:.3}",
            off_topic.confidence, on_topic.confidence
        );
        assert_eq!(on_topic.hits[0].article_id, article);
        assert!(off_topic.confidence < 0.3, "{off:?}: confidence {}", off_topic.confidence);
        assert!(on_topic.confidence > 0.6, "{on:?}: confidence {}", on_topic.confidence);
    }
}

#[test]
fn hits_carry_what_a_reply_needs() {
    let results = search("FJ-200 legs", Some("en"), Ranking::Hybrid);
    let hit = &results.hits[0];
    assert_eq!(hit.lang, "en");
    assert!(
        hit.url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    );
    assert!(!hit.title.is_empty() && !hit.text.is_empty() && !hit.snippet.is_empty());
    assert!(hit.snippet.chars().count() <= 201);
    assert!(hit.scores.bm25 > 0.0 && hit.scores.dense > 0.0 && hit.scores.fused > 0.0);
    assert!(
        search("livraison", Some("fr"), Ranking::Hybrid)
            .hits
            .iter()
            .all(|h| h.lang == "fr")
    );
}

/// A copy of a few demo articles that a test may edit.
fn scratch_knowledge(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("en")).expect("en folder");
    for name in names {
        let from = PathBuf::from(KNOWLEDGE_DIR).join("en").join(name);
        std::fs::copy(&from, dir.path().join("en").join(name)).expect("copy article");
    }
    dir
}

#[test]
fn reopening_embeds_only_what_changed() {
    let encoder = &demo().encoder;
    let knowledge_dir = scratch_knowledge(&["track-your-order.md", "refund-timing.md"]);
    let data_dir = tempfile::tempdir().expect("temp dir");
    let embedded = |dir: &Path| {
        let mut most = 0;
        let (knowledge, _) =
            KnowledgeBase::open_with_progress(dir, data_dir.path(), encoder, |p| {
                let relais_knowledge::IndexProgress::Embedding { done, .. } = p;
                most = most.max(done);
            })
            .expect("indexed");
        (knowledge, most)
    };
    let (first, embedded_first) = embedded(knowledge_dir.path());
    assert!(embedded_first > 0);
    let (_, embedded_again) = embedded(knowledge_dir.path());
    assert_eq!(embedded_again, 0, "nothing changed, nothing to embed");

    let path = knowledge_dir.path().join("en/refund-timing.md");
    let text = std::fs::read_to_string(&path).expect("article")
        + "\n## Refunds to Zanzibar\nRefunds to Zanzibar take a flamingo.\n";
    std::fs::write(&path, text).expect("edit");
    std::fs::remove_file(knowledge_dir.path().join("en/track-your-order.md")).expect("remove");
    let (second, embedded_after_edit) = embedded(knowledge_dir.path());
    assert!(
        embedded_after_edit <= 2,
        "only the new section is embedded, got {embedded_after_edit}"
    );
    assert!(second.passages().len() < first.passages().len());
    let results = second
        .search(encoder, "Zanzibar flamingo", &SearchOptions::default())
        .expect("search");
    assert_eq!(results.hits[0].heading, "Refunds to Zanzibar");
    let results = second
        .search(
            encoder,
            "BW-482913 tracking link",
            &SearchOptions::default(),
        )
        .expect("search");
    assert!(
        results
            .hits
            .iter()
            .all(|h| h.article_id != "track-your-order")
    );
}

#[test]
fn watching_picks_up_an_edited_article() {
    let encoder = Arc::new(Encoder::load(MODEL_DIR).expect("model"));
    let knowledge_dir = scratch_knowledge(&["reset-your-password.md", "invoices.md"]);
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (knowledge, _) =
        KnowledgeBase::open(knowledge_dir.path(), data_dir.path(), &encoder).expect("indexed");
    let shared = Arc::new(RwLock::new(knowledge));
    let (reloaded, reloads) = mpsc::channel();
    let _watcher = KnowledgeBase::watch(
        shared.clone(),
        encoder.clone(),
        Duration::from_millis(200),
        move |reload| {
            let _ = reloaded.send(reload.map_err(|e| e.to_string()));
        },
    )
    .expect("watching");

    let path = knowledge_dir.path().join("en/invoices.md");
    let text = std::fs::read_to_string(&path).expect("article")
        + "\n## Invoices in Klingon\nWe print qapla invoices on request.\n";
    std::fs::write(&path, text).expect("edit");
    let reload = reloads
        .recv_timeout(Duration::from_secs(30))
        .expect("a reload within 30 s");
    assert_eq!(reload, Ok(Vec::new()));
    let knowledge = shared.read().expect("lock");
    let results = knowledge
        .search(&encoder, "qapla invoices", &SearchOptions::default())
        .expect("search");
    assert_eq!(results.hits[0].heading, "Invoices in Klingon");
}

#[test]
fn stackfaq_hybrid_is_not_worse_than_dense() {
    let dir = Path::new(STACKFAQ_DIR);
    if !dir.join("faqs.jsonl").is_file() {
        println!("skipped: {STACKFAQ_DIR} is absent");
        return;
    }
    let faqs: Vec<Faq> = load_jsonl(&dir.join("faqs.jsonl")).expect("faqs");
    let queries: Vec<EvalQuery> = load_jsonl(&dir.join("queries.jsonl")).expect("queries");
    // A slice of whole threads keeps this test quick; `relais knowledge eval` runs all.
    let faqs: Vec<Faq> = faqs
        .into_iter()
        .filter(|f| f.id.as_str() < "t030")
        .collect();
    let ids: HashSet<&str> = faqs.iter().map(|f| f.id.as_str()).collect();
    let queries: Vec<EvalQuery> = queries
        .into_iter()
        .filter(|q| q.relevant.iter().all(|id| ids.contains(id.as_str())))
        .collect();
    let encoder = &Encoder::load(MODEL_DIR).expect("model");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let mut cache = EmbeddingCache::open(cache_dir.path(), encoder);
    let dense = evaluate(
        encoder,
        &faqs,
        &queries,
        Ranking::Dense,
        0.5,
        Some(&mut cache),
        |_| {},
    )
    .expect("dense");
    let hybrid = evaluate(
        encoder,
        &faqs,
        &queries,
        Ranking::Hybrid,
        0.5,
        Some(&mut cache),
        |_| {},
    )
    .expect("hybrid");
    println!(
        "StackFAQ slice ({} faqs, {} queries): dense MAP {:.4}, hybrid MAP {:.4}",
        faqs.len(),
        queries.len(),
        dense.map,
        hybrid.map
    );
    // On 290 queries one query moved by a rank shifts MAP by ~0.002, hence a wider margin
    // than the -0.005 that `relais knowledge eval` shows on all 1,249.
    assert!(
        hybrid.map >= dense.map - 0.01,
        "hybrid {:.4} < dense {:.4}",
        hybrid.map,
        dense.map
    );
    assert!(hybrid.map >= 0.9);
}
