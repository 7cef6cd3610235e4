//! How BM25 and dense scores become one ranking, and how sure the top hit is.
//!
//! The hybrid ranking adds to each passage's cosine a small weight times its BM25
//! score divided by the query's best BM25 score, so BM25 only reorders passages whose
//! cosines are close, and an exact term (a product code, an order number) lifts the
//! passage that holds it. Reciprocal rank fusion ([`Ranking::Rrf`], kept for
//! comparison) pulls the dense ranking down towards BM25's. StackFAQ MAP: BM25 0.766,
//! dense 0.963, hybrid 0.961, RRF 0.874 (`relais knowledge eval`).

use relais_encoder::ChanceSimilarity;
use serde::Serialize;

/// Weight of the normalised BM25 score (in [0, 1]) added to the cosine, for English.
pub const BM25_WEIGHT: f32 = 0.1;
/// The same for other languages: the default encoder (all-MiniLM-L6-v2) was trained on
/// English, so its cosines separate French passages poorly and BM25 must count more.
pub const OTHER_LANGUAGE_BM25_WEIGHT: f32 = 1.0;
/// The `k` of reciprocal rank fusion.
const RRF_K: f32 = 60.0;
/// Similarity ([`ChanceSimilarity::relative`]) at or below which the top hit is taken
/// to be unrelated to the query. Set on all-MiniLM-L6-v2 in English, whose chance
/// similarity is 0.065: there it is a cosine of 0.2.
const UNRELATED_SIMILARITY: f32 = 0.145;
/// Similarity at or above which the top hit is taken to answer the query (a cosine of
/// 0.65 under all-MiniLM-L6-v2 in English).
const ANSWERING_SIMILARITY: f32 = 0.625;
/// Share of the confidence that comes from BM25 agreeing with the top hit.
const AGREEMENT_SHARE: f32 = 0.25;

/// How passages are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ranking {
    /// BM25 only.
    Bm25,
    /// Cosine similarity of embeddings only.
    Dense,
    /// Cosine plus [`BM25_WEIGHT`] × BM25 / best BM25 of the query.
    #[default]
    Hybrid,
    /// Reciprocal rank fusion of the BM25 and dense rankings (kept for comparison).
    Rrf,
}

impl Ranking {
    pub fn uses_bm25(self) -> bool {
        self != Self::Dense
    }

    pub fn uses_dense(self) -> bool {
        self != Self::Bm25
    }
}

/// Scores of one passage for one query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    /// BM25 score (0 when no query term is in the passage).
    pub bm25: f32,
    /// Cosine similarity of the query and passage embeddings.
    pub dense: f32,
    /// The score the ranking sorts by.
    pub fused: f32,
}

/// A passage being ranked: its position in the knowledge base, its scores and its
/// rank (from 0) in each of the two rankings, if it is in them.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub position: usize,
    pub scores: Scores,
    pub bm25_rank: Option<usize>,
    pub dense_rank: Option<usize>,
}

/// Sets every candidate's fused score and sorts them best first.
pub fn fuse(candidates: &mut [Candidate], ranking: Ranking, bm25_weight: f32) {
    let best_bm25 = candidates.iter().map(|c| c.scores.bm25).fold(0.0, f32::max);
    for candidate in candidates.iter_mut() {
        let scores = &mut candidate.scores;
        scores.fused = match ranking {
            Ranking::Bm25 => scores.bm25,
            Ranking::Dense => scores.dense,
            Ranking::Hybrid => scores.dense + bm25_weight * normalised(scores.bm25, best_bm25),
            Ranking::Rrf => [candidate.bm25_rank, candidate.dense_rank]
                .into_iter()
                .flatten()
                .map(|rank| 1.0 / (RRF_K + rank as f32 + 1.0))
                .sum(),
        };
    }
    candidates.sort_by(|a, b| {
        b.scores
            .fused
            .total_cmp(&a.scores.fused)
            .then(a.position.cmp(&b.position))
    });
}

fn normalised(score: f32, best: f32) -> f32 {
    if best > 0.0 { score / best } else { 0.0 }
}

/// How likely the top hit answers the query, in [0, 1]: mostly its cosine, taken
/// relative to the encoder's `chance` similarity in `lang` (the query's, or when
/// searching every language the top passage's) and mapped
/// linearly from [`UNRELATED_SIMILARITY`] to [`ANSWERING_SIMILARITY`]; partly whether
/// BM25 ranks it first too. Without an embedding the cosine part is 0.
pub fn confidence(ranked: &[Candidate], chance: &ChanceSimilarity, lang: Option<&str>) -> f32 {
    let Some(top) = ranked.first() else {
        return 0.0;
    };
    let best_bm25 = ranked.iter().map(|c| c.scores.bm25).fold(0.0, f32::max);
    let similarity = ((chance.relative(top.scores.dense, lang) - UNRELATED_SIMILARITY)
        / (ANSWERING_SIMILARITY - UNRELATED_SIMILARITY))
        .clamp(0.0, 1.0);
    let agreement = normalised(top.scores.bm25, best_bm25);
    ((1.0 - AGREEMENT_SHARE) * similarity + AGREEMENT_SHARE * agreement * similarity.max(0.5))
        .clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(
        position: usize,
        bm25: f32,
        dense: f32,
        bm25_rank: Option<usize>,
        dense_rank: Option<usize>,
    ) -> Candidate {
        Candidate {
            position,
            scores: Scores {
                bm25,
                dense,
                fused: 0.0,
            },
            bm25_rank,
            dense_rank,
        }
    }

    #[test]
    fn hybrid_lets_bm25_decide_between_close_cosines_only() {
        let mut close = [
            candidate(0, 0.0, 0.62, None, Some(0)),
            candidate(1, 8.0, 0.60, Some(0), Some(1)),
        ];
        fuse(&mut close, Ranking::Hybrid, BM25_WEIGHT);
        assert_eq!(close[0].position, 1);
        let mut far = [
            candidate(0, 0.0, 0.80, None, Some(0)),
            candidate(1, 8.0, 0.40, Some(0), Some(1)),
        ];
        fuse(&mut far, Ranking::Hybrid, BM25_WEIGHT);
        assert_eq!(far[0].position, 0);
    }

    #[test]
    fn rrf_rewards_agreement() {
        let mut ranked = [
            candidate(0, 0.0, 0.9, None, Some(0)),
            candidate(1, 5.0, 0.5, Some(0), Some(1)),
        ];
        fuse(&mut ranked, Ranking::Rrf, BM25_WEIGHT);
        assert_eq!(ranked[0].position, 1);
    }

    const MINILM: ChanceSimilarity = ChanceSimilarity { en: 0.065, fr: 0.43 };

    #[test]
    fn confidence_follows_the_cosine_and_agreement() {
        let strong = [candidate(0, 9.0, 0.7, Some(0), Some(0))];
        let weak = [candidate(0, 0.0, 0.15, None, Some(0))];
        let lexical_only = [candidate(0, 9.0, 0.3, Some(0), Some(0))];
        let en = Some("en");
        assert!(confidence(&strong, &MINILM, en) > 0.95);
        assert_eq!(confidence(&weak, &MINILM, en), 0.0);
        assert!(confidence(&lexical_only, &MINILM, en) > confidence(&weak, &MINILM, en));
        assert_eq!(confidence(&[], &MINILM, en), 0.0);
    }

    #[test]
    fn confidence_is_measured_from_the_chance_of_the_language() {
        // A cosine of 0.45 is well above chance in English, at chance in French.
        let middling = [candidate(0, 0.0, 0.45, None, Some(0))];
        assert!(confidence(&middling, &MINILM, Some("en")) > 0.4);
        assert_eq!(confidence(&middling, &MINILM, Some("fr")), 0.0);
        // The same share of the way from chance to identical gives the same confidence.
        let e5 = ChanceSimilarity { en: 0.76, fr: 0.82 };
        let at = |chance: f32, share: f32| [candidate(0, 5.0, chance + share * (1.0 - chance), Some(0), Some(0))];
        for share in [0.1, 0.3, 0.5] {
            let minilm = confidence(&at(MINILM.en, share), &MINILM, Some("en"));
            let multilingual = confidence(&at(e5.fr, share), &e5, Some("fr"));
            assert!((minilm - multilingual).abs() < 1e-5, "{share}: {minilm} vs {multilingual}");
        }
    }
}
