//! The BM25 side: a tantivy index of passages with a title and a body field per
//! [`Analysis`], the title weighted [`TITLE_BOOST`] times the body. Queries are built
//! from analysed terms, never parsed, so no visitor text can make them fail.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::KnowledgeError;
use crate::analyzer::{self, Analysis};

/// How much more a word of the title counts than a word of the body.
pub const TITLE_BOOST: f32 = 2.0;
/// Queries are cut to this many characters before analysis.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// At most this many distinct terms of a query are searched.
const MAX_QUERY_TERMS: usize = 64;
const WRITER_MEMORY: usize = 50_000_000;

/// What the lexical index stores of a passage.
pub struct LexicalDocument<'a> {
    /// Identifies the passage; see [`crate::index::passage_key`].
    pub key: u64,
    pub article_id: &'a str,
    pub lang: &'a str,
    /// Title and heading, weighted [`TITLE_BOOST`] times the body.
    pub title: String,
    pub body: &'a str,
}

struct Fields {
    key: Field,
    article_id: Field,
    /// (analysis, title, body)
    text: Vec<(Analysis, Field, Field)>,
}

/// A tantivy index of passages.
pub struct LexicalIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    location: PathBuf,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let key = builder.add_u64_field("key", FAST);
    let article_id = builder.add_text_field("article_id", STRING);
    let text = Analysis::ALL
        .into_iter()
        .map(|analysis| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analysis.name())
                    .set_index_option(IndexRecordOption::WithFreqs),
            );
            let title =
                builder.add_text_field(&format!("title_{}", analysis.name()), options.clone());
            let body = builder.add_text_field(&format!("body_{}", analysis.name()), options);
            (analysis, title, body)
        })
        .collect();
    (
        builder.build(),
        Fields {
            key,
            article_id,
            text,
        },
    )
}

impl LexicalIndex {
    /// Opens the index in `dir`, creating it when absent. An index with another schema
    /// (from another version) is an error; the caller may wipe the folder and retry.
    pub fn open_or_create(dir: &Path) -> Result<Self, KnowledgeError> {
        std::fs::create_dir_all(dir).map_err(|e| KnowledgeError::io(dir, e))?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| KnowledgeError::index(dir, e))?;
        let index =
            Index::open_or_create(directory, schema).map_err(|e| KnowledgeError::index(dir, e))?;
        Self::with_index(index, fields, dir.to_path_buf())
    }

    /// An index held in memory only.
    pub fn in_memory() -> Result<Self, KnowledgeError> {
        let (schema, fields) = schema();
        Self::with_index(
            Index::create_in_ram(schema),
            fields,
            PathBuf::from("(memory)"),
        )
    }

    fn with_index(index: Index, fields: Fields, location: PathBuf) -> Result<Self, KnowledgeError> {
        analyzer::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| KnowledgeError::index(&location, e))?;
        Ok(Self {
            index,
            reader,
            fields,
            location,
        })
    }

    /// Removes the passages of `removed_articles`, adds `documents`, commits, and makes
    /// the change visible to searches.
    pub fn update<'a>(
        &mut self,
        removed_articles: impl IntoIterator<Item = &'a str>,
        documents: impl IntoIterator<Item = LexicalDocument<'a>>,
    ) -> Result<(), KnowledgeError> {
        let error = |e: tantivy::TantivyError| KnowledgeError::index(&self.location, e);
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer(WRITER_MEMORY).map_err(error)?;
        for article_id in removed_articles {
            writer.delete_term(Term::from_field_text(self.fields.article_id, article_id));
        }
        for document in documents {
            let (_, title, body) = self.fields_for(document.lang);
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.fields.key, document.key);
            doc.add_text(self.fields.article_id, document.article_id);
            doc.add_text(title, &document.title);
            doc.add_text(body, document.body);
            writer.add_document(doc).map_err(error)?;
        }
        writer.commit().map_err(error)?;
        writer.wait_merging_threads().map_err(error)?;
        self.reader.reload().map_err(error)
    }

    fn fields_for(&self, lang: &str) -> (Analysis, Field, Field) {
        let analysis = Analysis::for_lang(lang);
        self.fields
            .text
            .iter()
            .copied()
            .find(|(a, _, _)| *a == analysis)
            .unwrap_or(self.fields.text[self.fields.text.len() - 1])
    }

    /// Number of passages indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The best `limit` passages for `query` by BM25, as (key, score), best first.
    /// With `lang`, only that language's fields are searched.
    pub fn search(
        &self,
        query: &str,
        lang: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(u64, f32)>, KnowledgeError> {
        let Some(query) = self.build_query(query, lang) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let error = |e: tantivy::TantivyError| KnowledgeError::index(&self.location, e);
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())
            .map_err(error)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let keys = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("key")
                .map_err(error)?;
            if let Some(key) = keys.first(address.doc_id) {
                hits.push((key, score));
            }
        }
        Ok(hits)
    }

    fn build_query(&self, text: &str, lang: Option<&str>) -> Option<BooleanQuery> {
        let text = truncate_chars(text, MAX_QUERY_CHARS);
        let field_sets: Vec<(Analysis, Field, Field)> = match lang {
            Some(lang) => vec![self.fields_for(lang)],
            None => self.fields.text.clone(),
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (analysis, title, body) in field_sets {
            let mut seen = HashSet::new();
            for term in analysis
                .terms(text)
                .into_iter()
                .filter(|t| seen.insert(t.clone()))
                .take(MAX_QUERY_TERMS)
            {
                for (field, boost) in [(title, TITLE_BOOST), (body, 1.0)] {
                    let query = TermQuery::new(
                        Term::from_field_text(field, &term),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), boost)),
                    ));
                }
            }
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }
}

/// The first `max` characters of `text`.
pub fn truncate_chars(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(end, _)| &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(
        key: u64,
        article_id: &'a str,
        lang: &'a str,
        title: &str,
        body: &'a str,
    ) -> LexicalDocument<'a> {
        LexicalDocument {
            key,
            article_id,
            lang,
            title: title.to_string(),
            body,
        }
    }

    fn sample() -> LexicalIndex {
        let mut index = LexicalIndex::in_memory().expect("index");
        index
            .update(
                [],
                [
                    doc(
                        1,
                        "lamp",
                        "en",
                        "Halo desk lamp (HL-12)",
                        "The lamp flickers when the power supply is loose.",
                    ),
                    doc(
                        2,
                        "order",
                        "en",
                        "Track your order",
                        "Order numbers look like BW-482913.",
                    ),
                    doc(
                        3,
                        "suivi",
                        "fr",
                        "Où est ma commande ?",
                        "Suivez votre commande depuis votre compte.",
                    ),
                ],
            )
            .expect("indexed");
        index
    }

    #[test]
    fn finds_codes_titles_and_unaccented_french() {
        let index = sample();
        assert_eq!(index.search("HL-12", None, 3).expect("search")[0].0, 1);
        assert_eq!(
            index.search("BW-482913", Some("en"), 3).expect("search")[0].0,
            2
        );
        assert_eq!(
            index
                .search("ou est ma commande", Some("fr"), 3)
                .expect("search")[0]
                .0,
            3
        );
        assert!(
            index
                .search("lamp", Some("fr"), 3)
                .expect("search")
                .is_empty()
        );
    }

    #[test]
    fn hostile_queries_give_defined_results() {
        let index = sample();
        assert!(
            index
                .search("the of and ?!", Some("en"), 3)
                .expect("search")
                .is_empty()
        );
        assert!(index.search("", None, 3).expect("search").is_empty());
        assert!(
            index
                .search("AND OR \"( title:[", None, 3)
                .expect("search")
                .is_empty()
        );
        let huge = "lamp ".repeat(20_000) + "zzz";
        assert_eq!(index.search(&huge, None, 3).expect("search")[0].0, 1);
    }

    #[test]
    fn updates_replace_an_article() {
        let mut index = sample();
        index
            .update(
                ["lamp"],
                [doc(4, "lamp", "en", "Halo lamp", "Now about dimming.")],
            )
            .expect("updated");
        assert_eq!(index.len(), 3);
        assert!(
            index
                .search("flickers", None, 3)
                .expect("search")
                .is_empty()
        );
        assert_eq!(index.search("dimming", None, 3).expect("search")[0].0, 4);
    }
}
