//! Retrieval evaluation on an FAQ set: every FAQ entry becomes an article (question as
//! the title, answer as the body), every query is searched, and the ranking of
//! distinct FAQ ids is scored against the query's relevant ids.
//!
//! It also measures the confidence the dialogue thresholds: how many queries would be
//! answered at a given `knowledge_confidence`, how many of those rightly, and how many
//! strangers (queries with no relevant id: nothing in the FAQ answers them) would get an
//! answer all the same.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use relais_encoder::{ChanceSimilarity, EmbeddingCache, Encoder};
use serde::{Deserialize, Serialize};

use crate::{Article, IndexProgress, KnowledgeBase, KnowledgeError, Ranking, SearchOptions};

/// Depth of the ranking that MAP is computed over.
const RANKING_DEPTH: usize = 100;

/// One FAQ entry.
#[derive(Debug, Clone, Deserialize)]
pub struct Faq {
    pub id: String,
    pub question: String,
    pub answer: String,
}

/// One test query and the FAQ ids that answer it; none for a stranger.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    pub query: String,
    pub relevant: Vec<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// The figures of one evaluation. The ranking figures are over the queries with relevant
/// ids; `recall@k` is the share of them with at least one relevant id in the first k
/// (with several relevant ids per query, this is the usual "hit rate" reading).
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub mode: Ranking,
    pub map: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg_at_10: f64,
    #[serde(rename = "mrr@10")]
    pub mrr_at_10: f64,
    #[serde(rename = "recall@1")]
    pub recall_at_1: f64,
    #[serde(rename = "recall@5")]
    pub recall_at_5: f64,
    pub n_queries: usize,
    /// The confidence at or above which a query counts as answered.
    pub answer_confidence: f32,
    /// Share of the queries with relevant ids whose confidence reaches
    /// `answer_confidence`.
    pub answered: f64,
    /// Share of the queries with relevant ids answered with a relevant first hit.
    pub answered_right: f64,
    /// Queries with no relevant id.
    pub n_strangers: usize,
    /// Share of them whose confidence reaches `answer_confidence` (0 without strangers).
    pub strangers_answered: f64,
    /// The encoder's chance similarity per language, which the confidence is measured from.
    pub chance_similarity: ChanceSimilarity,
    /// Median time of one search, query embedding included.
    pub search_p50_ms: f64,
    pub index_seconds: f64,
}

/// Reads a JSON-lines file of `T`, naming the line of any bad row.
pub fn load_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, KnowledgeError> {
    let file = std::fs::File::open(path).map_err(|e| KnowledgeError::io(path, e))?;
    let mut rows = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| KnowledgeError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(&line).map_err(|e| KnowledgeError::Data {
            path: path.to_path_buf(),
            line: index + 1,
            message: e.to_string(),
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// Indexes `faqs` in memory, runs every query with `ranking`, and scores the results,
/// counting a query as answered when its confidence reaches `answer_confidence`.
pub fn evaluate(
    encoder: &Encoder,
    faqs: &[Faq],
    queries: &[EvalQuery],
    ranking: Ranking,
    answer_confidence: f32,
    cache: Option<&mut EmbeddingCache>,
    progress: impl FnMut(IndexProgress),
) -> Result<Evaluation, KnowledgeError> {
    let articles: Vec<Article> = faqs
        .iter()
        .map(|faq| Article {
            id: faq.id.clone(),
            title: faq.question.clone(),
            lang: "en".into(),
            tags: Vec::new(),
            url: None,
            translations: Default::default(),
            body: faq.answer.clone(),
            source: Default::default(),
        })
        .collect();
    let started = Instant::now();
    let (knowledge, _) = KnowledgeBase::in_memory(&articles, encoder, cache, progress)?;
    let index_seconds = started.elapsed().as_secs_f64();
    let mut scores = Vec::with_capacity(queries.len());
    let mut timings = Vec::with_capacity(queries.len());
    let mut strangers_answered = 0;
    for query in queries {
        let options = SearchOptions {
            lang: query.lang.clone(),
            k: RANKING_DEPTH,
            ranking,
        };
        let started = Instant::now();
        let results = knowledge.search(encoder, &query.query, &options)?;
        timings.push(started.elapsed().as_secs_f64() * 1_000.0);
        let mut seen = HashSet::new();
        let ranked: Vec<&str> = results
            .hits
            .iter()
            .map(|hit| hit.article_id.as_str())
            .filter(|id| seen.insert(*id))
            .collect();
        let answered = results.confidence >= answer_confidence;
        if query.relevant.is_empty() {
            strangers_answered += usize::from(answered);
            continue;
        }
        let relevant: HashSet<&str> = query.relevant.iter().map(String::as_str).collect();
        let ranking = QueryScores::of(&ranked, &relevant);
        scores.push((ranking, answered));
    }
    let n_strangers = queries.len() - scores.len();
    let mean = |field: &dyn Fn(&(QueryScores, bool)) -> f64| {
        scores.iter().map(field).sum::<f64>() / scores.len().max(1) as f64
    };
    Ok(Evaluation {
        mode: ranking,
        map: mean(&|(s, _)| s.average_precision),
        ndcg_at_10: mean(&|(s, _)| s.ndcg_at_10),
        mrr_at_10: mean(&|(s, _)| s.reciprocal_rank_at_10),
        recall_at_1: mean(&|(s, _)| s.hit_at_1),
        recall_at_5: mean(&|(s, _)| s.hit_at_5),
        n_queries: scores.len(),
        answer_confidence,
        answered: mean(&|(_, answered)| f64::from(u8::from(*answered))),
        answered_right: mean(&|(s, answered)| f64::from(u8::from(*answered)) * s.hit_at_1),
        n_strangers,
        strangers_answered: strangers_answered as f64 / n_strangers.max(1) as f64,
        chance_similarity: encoder.chance_similarity(),
        search_p50_ms: median(&mut timings),
        index_seconds,
    })
}

/// The metrics of one query's ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryScores {
    pub average_precision: f64,
    pub ndcg_at_10: f64,
    pub reciprocal_rank_at_10: f64,
    pub hit_at_1: f64,
    pub hit_at_5: f64,
}

impl QueryScores {
    /// Scores `ranked` ids (distinct, best first) against the `relevant` ones.
    pub fn of(ranked: &[&str], relevant: &HashSet<&str>) -> Self {
        let is_relevant: Vec<bool> = ranked.iter().map(|id| relevant.contains(id)).collect();
        let mut found = 0;
        let mut precision_sum = 0.0;
        for (rank, _) in is_relevant.iter().enumerate().filter(|(_, r)| **r) {
            found += 1;
            precision_sum += found as f64 / (rank + 1) as f64;
        }
        let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
        let dcg: f64 = is_relevant
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, r)| **r)
            .map(|(rank, _)| gain(rank))
            .sum();
        let ideal: f64 = (0..relevant.len().min(10)).map(gain).sum();
        let first = is_relevant.iter().position(|r| *r);
        Self {
            average_precision: if relevant.is_empty() {
                0.0
            } else {
                precision_sum / relevant.len() as f64
            },
            ndcg_at_10: if ideal > 0.0 { dcg / ideal } else { 0.0 },
            reciprocal_rank_at_10: first
                .filter(|&rank| rank < 10)
                .map_or(0.0, |rank| 1.0 / (rank + 1) as f64),
            hit_at_1: f64::from(u8::from(first == Some(0))),
            hit_at_5: f64::from(u8::from(first.is_some_and(|rank| rank < 5))),
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_ranking() {
        let relevant: HashSet<&str> = ["a", "c"].into();
        let scores = QueryScores::of(&["a", "b", "c"], &relevant);
        assert!((scores.average_precision - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
        assert!((scores.reciprocal_rank_at_10 - 1.0).abs() < 1e-9);
        let ideal = 1.0 + 1.0 / 3f64.log2();
        assert!((scores.ndcg_at_10 - (1.0 + 0.5) / ideal).abs() < 1e-9);
        assert_eq!((scores.hit_at_1, scores.hit_at_5), (1.0, 1.0));
        let missed = QueryScores::of(&["b", "d"], &relevant);
        assert_eq!(missed.average_precision, 0.0);
        assert_eq!(missed.hit_at_5, 0.0);
    }

    #[test]
    fn bad_jsonl_names_the_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("faqs.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\n\nnot json\n",
        )
        .expect("write");
        let error = load_jsonl::<Faq>(&path).unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
    }
}
