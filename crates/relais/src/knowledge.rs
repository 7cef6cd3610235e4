//! `relais knowledge …`: index the knowledge base, search it, and measure retrieval.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use relais_assistant::{load_encoder, open_knowledge};
use relais_encoder::{EmbeddingCache, Encoder};
use relais_knowledge::eval::{EvalQuery, Faq, load_jsonl};
use relais_knowledge::{KnowledgeBase, Ranking, SearchOptions};

use crate::config::Settings;
use crate::progress::StageBars;

#[derive(Subcommand)]
pub enum KnowledgeCommand {
    /// Index (or bring up to date) the articles of a folder.
    Index {
        /// Folder of markdown articles, one sub-folder per language
        /// [default: `[knowledge] dir` of relais.toml].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Where the index and the embeddings are kept
        /// [default: `[knowledge] index_dir` of relais.toml, or `data_dir`/knowledge].
        #[arg(long)]
        index_dir: Option<PathBuf>,
    },
    /// Print the passages that best answer a query.
    Search {
        query: String,
        /// Folder of articles [default: `[knowledge] dir` of relais.toml].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Index folder [default: `[knowledge] index_dir` of relais.toml, or
        /// `data_dir`/knowledge].
        #[arg(long)]
        index_dir: Option<PathBuf>,
        /// Only articles in this language (en, fr, …; fr-CA is fr).
        #[arg(long, value_parser = crate::lang::language)]
        lang: Option<String>,
        #[arg(long, default_value_t = 5)]
        k: usize,
        #[arg(long, value_enum, default_value_t = Mode::Hybrid)]
        mode: Mode,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Index an FAQ set in a temporary index, run its queries, print the figures.
    Eval {
        /// JSON lines of {"id", "question", "answer"}.
        #[arg(long)]
        faqs: PathBuf,
        /// JSON lines of {"query", "relevant": [ids]}; a query with no relevant id is a
        /// stranger, which should not be answered.
        #[arg(long)]
        queries: PathBuf,
        /// Confidence at or above which a query counts as answered [default:
        /// `[dialogue] knowledge_confidence` of relais.toml].
        #[arg(long)]
        answer_confidence: Option<f32>,
        #[arg(long, value_enum, default_value_t = Mode::Hybrid)]
        mode: Mode,
        /// Print one JSON object instead of an indented one.
        #[arg(long)]
        json: bool,
        /// Reuse embeddings kept in this folder (for tuning; index_seconds then leaves
        /// out the embeddings found there).
        #[arg(long)]
        embedding_cache: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Mode {
    Bm25,
    Dense,
    Hybrid,
    /// Reciprocal rank fusion, for comparison with hybrid.
    Rrf,
}

impl From<Mode> for Ranking {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Bm25 => Ranking::Bm25,
            Mode::Dense => Ranking::Dense,
            Mode::Hybrid => Ranking::Hybrid,
            Mode::Rrf => Ranking::Rrf,
        }
    }
}

pub fn run(command: KnowledgeCommand, settings: &Settings) -> anyhow::Result<()> {
    let encoder = load_encoder(&settings.assistant.nlu.model_dir)?;
    match command {
        KnowledgeCommand::Index { dir, index_dir } => {
            let index_dir = index_dir.unwrap_or_else(|| settings.assistant.index_dir());
            let knowledge = open(settings, dir, &index_dir, &encoder)?;
            eprintln!(
                "{} passages indexed in {}",
                knowledge.passages().len(),
                index_dir.display()
            );
            Ok(())
        }
        KnowledgeCommand::Search {
            query,
            dir,
            index_dir,
            lang,
            k,
            mode,
            json,
        } => {
            let index_dir = index_dir.unwrap_or_else(|| settings.assistant.index_dir());
            let knowledge = open(settings, dir, &index_dir, &encoder)?;
            let options = SearchOptions {
                lang,
                k,
                ranking: mode.into(),
            };
            let results = knowledge.search(&encoder, &query, &options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&results)?);
                return Ok(());
            }
            println!("confidence {:.2}", results.confidence);
            for hit in &results.hits {
                let heading = if hit.heading.is_empty() {
                    String::new()
                } else {
                    format!(" › {}", hit.heading)
                };
                println!(
                    "{:.3}  {} [{}]{heading}",
                    hit.scores.fused, hit.title, hit.article_id
                );
                println!("       {}", hit.snippet);
            }
            Ok(())
        }
        KnowledgeCommand::Eval {
            faqs,
            queries,
            mode,
            answer_confidence,
            json,
            embedding_cache,
        } => {
            let answer_confidence =
                answer_confidence.unwrap_or(settings.assistant.dialogue.knowledge_confidence);
            let faqs: Vec<Faq> = load_jsonl(&faqs)?;
            let queries: Vec<EvalQuery> = load_jsonl(&queries)?;
            let mut cache = embedding_cache.map(|dir| EmbeddingCache::open(&dir, &encoder));
            let mut bars = StageBars::default();
            let evaluation = relais_knowledge::eval::evaluate(
                &encoder,
                &faqs,
                &queries,
                mode.into(),
                answer_confidence,
                cache.as_mut(),
                |p| bars.indexing(p),
            )?;
            bars.finish();
            if let Some(cache) = cache.as_mut() {
                cache.save()?;
            }
            crate::output::print_figures(&evaluation, json)
        }
    }
}

/// Opens (indexing what changed) the knowledge base of `dir`, or of `[knowledge] dir`,
/// showing progress and warnings.
fn open(
    settings: &Settings,
    dir: Option<PathBuf>,
    index_dir: &Path,
    encoder: &Encoder,
) -> anyhow::Result<KnowledgeBase> {
    let dir = dir.unwrap_or_else(|| settings.assistant.knowledge.dir.clone());
    let mut bars = StageBars::default();
    let knowledge = open_knowledge(&dir, index_dir, encoder, |event| bars.loading(event));
    bars.finish();
    Ok(knowledge?)
}
