//! relais-knowledge: what do we know about it?
//!
//! Markdown [`Article`]s (front matter + body) are cut into [`Passage`]s by heading and
//! indexed twice: for BM25 in tantivy, with stemming and accent folding per language,
//! and as sentence embeddings from relais-encoder's [`relais_encoder::Encoder`]. A
//! [`KnowledgeBase`] search blends the two ([`Ranking::Hybrid`]) and says how
//! confident it is that the top hit answers the query. The index lives in a data
//! folder, is updated incrementally, and can follow edits with [`KnowledgeBase::watch`].

mod analyzer;
mod article;
mod error;
pub mod eval;
mod fusion;
mod knowledge_base;
mod lexical;
mod passage;
mod snippet;
mod vector;
mod watch;

pub use article::{Article, LoadedArticles, load_articles, parse_article};
pub use error::{KnowledgeError, Warning};
pub use fusion::{BM25_WEIGHT, Ranking, Scores};
pub use knowledge_base::{
    Hit, IndexProgress, KnowledgeBase, LABEL_WEIGHT, SearchOptions, SearchResults,
};
pub use lexical::{MAX_QUERY_CHARS, TITLE_BOOST};
pub use passage::{PASSAGE_CHARS, Passage, split_article};
pub use snippet::matching_words;
pub use vector::{FlatIndex, VectorIndex};
pub use watch::{KnowledgeWatcher, Reload};
