//! `relais knowledge …`: index the knowledge base, search it, and measure retrieval.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use relais_knowledge::eval::{EvalQuery, Faq, load_jsonl};
use relais_encoder::{EmbeddingCache, Encoder};
use relais_knowledge::{KnowledgeBase, Ranking, SearchOptions};

use crate::config::Settings;
use crate::nlu::load_encoder;
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
        /// [default: `[knowledge] index_dir` of relais.toml].
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print the passages that best answer a query.
    Search {
        query: String,
        /// Folder of articles [default: `[knowledge] dir` of relais.toml].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Index folder [default: `[knowledge] index_dir` of relais.toml].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Only articles in this language (en, fr, …).
        #[arg(long)]
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
        /// JSON lines of {"query", "relevant": [ids]}.
        #[arg(long)]
        queries: PathBuf,
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
    let encoder = load_encoder(&settings.nlu.model_dir)?;
    match command {
        KnowledgeCommand::Index { dir, data_dir } => {
            let dir = dir.unwrap_or_else(|| settings.knowledge.dir.clone());
            let data_dir = data_dir.unwrap_or_else(|| settings.knowledge.index_dir.clone());
            let knowledge = open(&dir, &data_dir, &encoder)?;
            eprintln!(
                "{} passages indexed in {}",
                knowledge.passages().len(),
                data_dir.display()
            );
            Ok(())
        }
        KnowledgeCommand::Search {
            query,
            dir,
            data_dir,
            lang,
            k,
            mode,
            json,
        } => {
            let dir = dir.unwrap_or_else(|| settings.knowledge.dir.clone());
            let data_dir = data_dir.unwrap_or_else(|| settings.knowledge.index_dir.clone());
            let knowledge = open(&dir, &data_dir, &encoder)?;
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
            json,
            embedding_cache,
        } => {
            let faqs: Vec<Faq> = load_jsonl(&faqs)?;
            let queries: Vec<EvalQuery> = load_jsonl(&queries)?;
            let mut cache = embedding_cache.map(|dir| EmbeddingCache::open(&dir, &encoder));
            let mut bars = StageBars::default();
            let evaluation = relais_knowledge::eval::evaluate(
                &encoder,
                &faqs,
                &queries,
                mode.into(),
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

/// Opens (indexing what changed) the knowledge base, printing warnings.
pub fn open(
    dir: &Path,
    data_dir: &Path,
    encoder: &Encoder,
) -> anyhow::Result<KnowledgeBase> {
    let mut bars = StageBars::default();
    let (knowledge, warnings) =
        KnowledgeBase::open_with_progress(dir, data_dir, encoder, |p| bars.indexing(p))
            .with_context(|| format!("indexing the knowledge base {}", dir.display()))?;
    bars.finish();
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    Ok(knowledge)
}
