//! [`KnowledgeBase`]: the articles of a folder, indexed for BM25 (tantivy) and for
//! dense retrieval (sentence embeddings), kept under a data folder and brought up to
//! date incrementally: only articles whose content changed are re-indexed, and only
//! passages whose text changed are embedded again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use relais_encoder::{ChanceSimilarity, EmbeddingCache, Encoder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analyzer::Analysis;
use crate::fusion::{self, BM25_WEIGHT, Candidate, OTHER_LANGUAGE_BM25_WEIGHT, Ranking, Scores};
use crate::lexical::{LexicalDocument, LexicalIndex, MAX_QUERY_CHARS, truncate_chars};
use crate::passage::{Passage, split_article};
use crate::snippet::snippet;
use crate::vector::{FlatIndex, VectorIndex};
use crate::{Article, KnowledgeError, Warning, load_articles};

/// Weight of the title-and-heading embedding in a passage's vector; the passage text
/// has the rest. Both are unit vectors, so the passage's score is this mix of the two
/// cosines. On StackFAQ (dense MAP) 1.0 gives 0.962, 0.9 gives 0.963, 0.8 gives
/// 0.959 and 0.5 gives 0.921; below 1.0 the text still tells apart the passages of
/// one article.
pub const LABEL_WEIGHT: f32 = 0.9;
/// Fewest passages each ranking contributes before fusion.
const MIN_CANDIDATES: usize = 50;
/// Version of what is kept in the data folder; a different one means a rebuild.
const FORMAT: u32 = 1;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Only passages in this language (ISO 639-1, e.g. "fr"); all languages when unset.
    pub lang: Option<String>,
    /// How many hits to return.
    pub k: usize,
    pub ranking: Ranking,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            lang: None,
            k: 5,
            ranking: Ranking::Hybrid,
        }
    }
}

/// The hits of a search, best first, and how likely the first one answers the query.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// In [0, 1]; see [`fusion::confidence`]. Low means "no good answer here".
    pub confidence: f32,
}

/// One passage found for a query.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub article_id: String,
    pub title: String,
    pub heading: String,
    pub text: String,
    pub snippet: String,
    pub url: Option<String>,
    pub lang: String,
    pub scores: Scores,
}

/// Progress of indexing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexProgress {
    /// `done` of `total` texts not embedded before have been embedded.
    Embedding { done: usize, total: usize },
}

/// Where an on-disk knowledge base reads its articles and keeps its index.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub knowledge_dir: PathBuf,
    pub data_dir: PathBuf,
}

/// Articles indexed for hybrid search.
pub struct KnowledgeBase {
    passages: Vec<Passage>,
    positions: HashMap<u64, usize>,
    lexical: LexicalIndex,
    vectors: Box<dyn VectorIndex>,
    location: Option<Location>,
    /// The encoder's chance similarity, which the confidence is measured from.
    chance: ChanceSimilarity,
}

/// What the data folder holds besides the indexes: the content hash of every indexed
/// article, to tell which changed.
#[derive(Default, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    articles: BTreeMap<String, String>,
    /// Passages in the lexical index, to notice an index that was deleted or damaged.
    passages: u64,
}

impl Manifest {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("manifest.json")
    }

    fn load(data_dir: &Path) -> Self {
        std::fs::read(Self::path(data_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
            .filter(|manifest| manifest.format == FORMAT)
            .unwrap_or_default()
    }

    fn save(&self, data_dir: &Path) -> Result<(), KnowledgeError> {
        let path = Self::path(data_dir);
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| KnowledgeError::io(&path, std::io::Error::other(e)))?;
        std::fs::write(&path, bytes).map_err(|e| KnowledgeError::io(&path, e))
    }
}

impl KnowledgeBase {
    /// Indexes the articles of `knowledge_dir` (one sub-folder per language), keeping
    /// the index and embeddings under `data_dir` and reusing what is still valid there.
    /// Files that cannot be used are skipped and returned as warnings.
    pub fn open(
        knowledge_dir: &Path,
        data_dir: &Path,
        encoder: &Encoder,
    ) -> Result<(Self, Vec<Warning>), KnowledgeError> {
        Self::open_with_progress(knowledge_dir, data_dir, encoder, |_| {})
    }

    /// [`KnowledgeBase::open`], reporting progress.
    pub fn open_with_progress(
        knowledge_dir: &Path,
        data_dir: &Path,
        encoder: &Encoder,
        progress: impl FnMut(IndexProgress),
    ) -> Result<(Self, Vec<Warning>), KnowledgeError> {
        let loaded = load_articles(knowledge_dir)?;
        let mut warnings = loaded.warnings;
        let articles = split_articles(&loaded.articles, &mut warnings);
        std::fs::create_dir_all(data_dir).map_err(|e| KnowledgeError::io(data_dir, e))?;

        let index_dir = data_dir.join("index");
        let mut manifest = Manifest::load(data_dir);
        let mut lexical = match LexicalIndex::open_or_create(&index_dir) {
            Ok(lexical) if manifest.format == FORMAT && manifest.passages == lexical.len() => {
                lexical
            }
            opened => {
                if let Err(error) = opened {
                    warnings.push(Warning::new(
                        &index_dir,
                        format!("rebuilt from the articles: {error}"),
                    ));
                }
                manifest = Manifest::default();
                std::fs::remove_dir_all(&index_dir)
                    .map_err(|e| KnowledgeError::io(&index_dir, e))?;
                LexicalIndex::open_or_create(&index_dir)?
            }
        };
        let hashes: BTreeMap<String, String> = articles
            .iter()
            .map(|(article, passages)| (article.id.clone(), content_hash(passages)))
            .collect();
        let changed: HashSet<&str> = hashes
            .iter()
            .filter(|(id, hash)| manifest.articles.get(*id) != Some(*hash))
            .map(|(id, _)| id.as_str())
            .collect();
        let removed: Vec<&str> = manifest
            .articles
            .keys()
            .map(String::as_str)
            .filter(|id| !hashes.contains_key(*id))
            .collect();
        if !changed.is_empty() || !removed.is_empty() {
            let documents = articles
                .iter()
                .filter(|(article, _)| changed.contains(article.id.as_str()))
                .flat_map(|(_, passages)| lexical_documents(passages));
            lexical.update(
                changed.iter().copied().chain(removed.iter().copied()),
                documents,
            )?;
            Manifest {
                format: FORMAT,
                articles: hashes.clone(),
                passages: lexical.len(),
            }
            .save(data_dir)?;
        }

        let mut cache = EmbeddingCache::open(&data_dir.join("embeddings"), encoder);
        let passages: Vec<Passage> = articles
            .into_iter()
            .flat_map(|(_, passages)| passages)
            .collect();
        let vectors = embed_passages(encoder, Some(&mut cache), &passages, progress)?;
        cache.save()?;
        let location = Location {
            knowledge_dir: knowledge_dir.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
        };
        Ok((
            Self::assemble(passages, lexical, vectors, Some(location), encoder.chance_similarity()),
            warnings,
        ))
    }

    /// Indexes `articles` in memory only (for evaluation and tests); `cache`, when
    /// given, saves re-embedding texts seen before.
    pub fn in_memory(
        articles: &[Article],
        encoder: &Encoder,
        cache: Option<&mut EmbeddingCache>,
        progress: impl FnMut(IndexProgress),
    ) -> Result<(Self, Vec<Warning>), KnowledgeError> {
        let mut warnings = Vec::new();
        let articles = split_articles(articles, &mut warnings);
        let passages: Vec<Passage> = articles
            .into_iter()
            .flat_map(|(_, passages)| passages)
            .collect();
        let mut lexical = LexicalIndex::in_memory()?;
        lexical.update([], lexical_documents(&passages))?;
        let vectors = embed_passages(encoder, cache, &passages, progress)?;
        Ok((
            Self::assemble(passages, lexical, vectors, None, encoder.chance_similarity()),
            warnings,
        ))
    }

    /// Indexes passages in memory with vectors computed elsewhere (one per passage, all
    /// of one length), e.g. by another encoder or, in benchmarks, at random; `chance` is
    /// the cosine of two unrelated vectors ([`Encoder::chance_similarity`], or
    /// [`ChanceSimilarity::ZERO`] at random).
    pub fn from_passages(
        passages: Vec<Passage>,
        vectors: Vec<Vec<f32>>,
        chance: ChanceSimilarity,
    ) -> Result<Self, KnowledgeError> {
        let dim = vectors.first().map_or(0, Vec::len);
        let mut lexical = LexicalIndex::in_memory()?;
        lexical.update([], lexical_documents(&passages))?;
        Ok(Self::assemble(
            passages,
            lexical,
            FlatIndex::new(dim, vectors),
            None,
            chance,
        ))
    }

    fn assemble(
        passages: Vec<Passage>,
        lexical: LexicalIndex,
        vectors: FlatIndex,
        location: Option<Location>,
        chance: ChanceSimilarity,
    ) -> Self {
        let positions = passages
            .iter()
            .enumerate()
            .map(|(position, p)| (passage_key(p), position))
            .collect();
        Self {
            passages,
            positions,
            lexical,
            vectors: Box::new(vectors),
            location,
            chance,
        }
    }

    pub(crate) fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// Every indexed passage, in article order.
    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }

    /// Searches with the query embedded by `encoder` (when the ranking uses it). The
    /// query is cut to [`MAX_QUERY_CHARS`]; one with only stop words or punctuation
    /// finds nothing.
    pub fn search(
        &self,
        encoder: &Encoder,
        query: &str,
        options: &SearchOptions,
    ) -> Result<SearchResults, KnowledgeError> {
        let query = truncate_chars(query, MAX_QUERY_CHARS);
        let embedding =
            if options.ranking.uses_dense() && has_content_words(query, options.lang.as_deref()) {
                Some(encoder.encode_one(query)?)
            } else {
                None
            };
        self.search_embedded(query, embedding.as_deref(), options)
    }

    /// Searches with a query embedding computed beforehand (or none: BM25 alone).
    pub fn search_embedded(
        &self,
        query: &str,
        embedding: Option<&[f32]>,
        options: &SearchOptions,
    ) -> Result<SearchResults, KnowledgeError> {
        let lang = options.lang.as_deref();
        if options.k == 0 || !has_content_words(query, lang) {
            return Ok(SearchResults::default());
        }
        let in_language = |position: usize| {
            lang.is_none_or(|lang| self.passages[position].lang.eq_ignore_ascii_case(lang))
        };
        let depth = options.k.max(MIN_CANDIDATES);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut slot: HashMap<usize, usize> = HashMap::new();
        if options.ranking.uses_bm25() {
            let lexical_hits = self.lexical.search(query, lang, depth)?;
            let positions = lexical_hits
                .into_iter()
                .filter_map(|(key, bm25)| Some((*self.positions.get(&key)?, bm25)));
            for (rank, (position, bm25)) in positions
                .filter(|(position, _)| in_language(*position))
                .enumerate()
            {
                slot.insert(position, candidates.len());
                candidates.push(Candidate {
                    position,
                    scores: Scores {
                        bm25,
                        ..Scores::default()
                    },
                    bm25_rank: Some(rank),
                    dense_rank: None,
                });
            }
        }
        if let Some(embedding) = embedding.filter(|_| options.ranking.uses_dense()) {
            for (rank, (position, dense)) in self
                .vectors
                .search(embedding, depth, &in_language)
                .into_iter()
                .enumerate()
            {
                let index = *slot.entry(position).or_insert_with(|| {
                    candidates.push(Candidate {
                        position,
                        scores: Scores::default(),
                        bm25_rank: None,
                        dense_rank: None,
                    });
                    candidates.len() - 1
                });
                candidates[index].scores.dense = dense;
                candidates[index].dense_rank = Some(rank);
            }
            for candidate in candidates.iter_mut().filter(|c| c.dense_rank.is_none()) {
                candidate.scores.dense = self.vectors.similarity(embedding, candidate.position);
            }
        }
        let bm25_weight = match lang.map(Analysis::for_lang) {
            Some(Analysis::English) | None => BM25_WEIGHT,
            Some(_) => OTHER_LANGUAGE_BM25_WEIGHT,
        };
        fusion::fuse(&mut candidates, options.ranking, bm25_weight);
        let confidence = fusion::confidence(
            &candidates,
            &self.chance,
            // Searching every language: the top passage's.
            lang.or_else(|| candidates.first().map(|top| self.passages[top.position].lang.as_str())),
        );
        let hits = candidates
            .iter()
            .take(options.k)
            .map(|c| self.hit(c, query))
            .collect();
        Ok(SearchResults { hits, confidence })
    }

    fn hit(&self, candidate: &Candidate, query: &str) -> Hit {
        let passage = &self.passages[candidate.position];
        Hit {
            article_id: passage.article_id.clone(),
            title: passage.title.clone(),
            heading: passage.heading.clone(),
            text: passage.text.clone(),
            snippet: snippet(&passage.text, query),
            url: passage.url.clone(),
            lang: passage.lang.clone(),
            scores: candidate.scores,
        }
    }
}

/// Whether `query` has a word that is not a stop word (in its language, or in English
/// or French when the language is unknown).
fn has_content_words(query: &str, lang: Option<&str>) -> bool {
    let query = truncate_chars(query, MAX_QUERY_CHARS);
    match lang {
        Some(lang) => !Analysis::for_lang(lang).terms(query).is_empty(),
        None => [Analysis::English, Analysis::French]
            .into_iter()
            .any(|analysis| !analysis.terms(query).is_empty()),
    }
}

/// Each article with its passages; an article without any is left out with a warning.
fn split_articles<'a>(
    articles: &'a [Article],
    warnings: &mut Vec<Warning>,
) -> Vec<(&'a Article, Vec<Passage>)> {
    articles
        .iter()
        .filter_map(|article| {
            let passages = split_article(article);
            if passages.is_empty() {
                warnings.push(Warning::new(
                    &article.source,
                    format!("skipped `{}`: it has headings but no text", article.id),
                ));
                return None;
            }
            Some((article, passages))
        })
        .collect()
}

/// Identifies a passage by its article and content, for the lexical index.
fn passage_key(passage: &Passage) -> u64 {
    let digest = Sha256::new()
        .chain_update(passage.article_id.as_bytes())
        .chain_update([0])
        .chain_update(passage.heading.as_bytes())
        .chain_update([0])
        .chain_update(passage.text.as_bytes())
        .finalize();
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// Hash of everything indexed about an article's passages.
fn content_hash(passages: &[Passage]) -> String {
    let mut hasher = Sha256::new();
    for passage in passages {
        for part in [
            &passage.title,
            &passage.heading,
            &passage.text,
            &passage.lang,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.update(passage.url.as_deref().unwrap_or("").as_bytes());
        hasher.update([1]);
    }
    format!("{:x}", hasher.finalize())
}

fn lexical_documents(passages: &[Passage]) -> impl Iterator<Item = LexicalDocument<'_>> {
    passages.iter().map(|passage| LexicalDocument {
        key: passage_key(passage),
        article_id: &passage.article_id,
        lang: &passage.lang,
        title: passage.label(),
        body: &passage.text,
    })
}

/// One vector per passage: [`LABEL_WEIGHT`] × embedding of its label plus the rest ×
/// embedding of its text. Each distinct text is embedded once.
fn embed_passages(
    encoder: &Encoder,
    cache: Option<&mut EmbeddingCache>,
    passages: &[Passage],
    mut progress: impl FnMut(IndexProgress),
) -> Result<FlatIndex, KnowledgeError> {
    let mut distinct: Vec<String> = Vec::new();
    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut slot_of = |text: String| {
        *slots.entry(text.clone()).or_insert_with(|| {
            distinct.push(text);
            distinct.len() - 1
        })
    };
    let pairs: Vec<(usize, usize)> = passages
        .iter()
        .map(|p| (slot_of(p.label()), slot_of(p.text.clone())))
        .collect();
    let total = distinct.len();
    let report = |done| progress(IndexProgress::Embedding { done, total });
    let embeddings = match cache {
        Some(cache) => cache.embed(encoder, &distinct, report)?,
        None => encoder.encode_with_progress(&distinct, report)?,
    };
    let mixed = pairs.into_iter().map(|(label, text)| {
        embeddings[label]
            .iter()
            .zip(&embeddings[text])
            .map(|(l, t)| LABEL_WEIGHT * l + (1.0 - LABEL_WEIGHT) * t)
            .collect()
    });
    Ok(FlatIndex::new(encoder.dim(), mixed))
}
