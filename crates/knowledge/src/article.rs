//! Knowledge-base articles: markdown files that open with YAML front matter (`id`,
//! `title`, `lang`, `tags`, `url`, `translations`), read from a folder tree. Bad files are skipped
//! with a [`Warning`] so that one broken article never hides the others.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{KnowledgeError, Warning};

/// One article of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub lang: String,
    pub tags: Vec<String>,
    pub url: Option<String>,
    /// The same article in other languages: language code → article id
    /// (`translations: {fr: retourner-un-article}`).
    pub translations: BTreeMap<String, String>,
    /// The markdown after the front matter.
    pub body: String,
    /// The file the article was read from (empty for articles built in memory).
    pub source: PathBuf,
}

#[derive(Deserialize)]
struct FrontMatter {
    id: String,
    title: String,
    lang: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, String>,
}

/// Articles read from a folder, and the files that were skipped.
#[derive(Debug, Default)]
pub struct LoadedArticles {
    pub articles: Vec<Article>,
    pub warnings: Vec<Warning>,
}

/// Reads every `.md` file under `dir` (recursively, in path order). The first article
/// with a given id wins; later ones are skipped with a warning.
pub fn load_articles(dir: &Path) -> Result<LoadedArticles, KnowledgeError> {
    if !dir.is_dir() {
        return Err(KnowledgeError::MissingFolder(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    collect_markdown_files(dir, &mut files)?;
    files.sort();
    let mut loaded = LoadedArticles::default();
    let mut seen = HashSet::new();
    for path in files {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                loaded.warnings.push(Warning::new(
                    &path,
                    format!("skipped, cannot be read: {error}"),
                ));
                continue;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            loaded.warnings.push(Warning::new(
                &path,
                "skipped, not UTF-8 text; save it as UTF-8",
            ));
            continue;
        };
        match parse_article(&text, &path) {
            Ok(article) if !seen.insert(article.id.clone()) => loaded.warnings.push(Warning::new(
                &path,
                format!(
                    "skipped, the id `{}` is already used by another article; give it a unique id",
                    article.id
                ),
            )),
            Ok(article) => loaded.articles.push(article),
            Err(message) => loaded
                .warnings
                .push(Warning::new(&path, format!("skipped, {message}"))),
        }
    }
    Ok(loaded)
}

fn collect_markdown_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), KnowledgeError> {
    let entries = std::fs::read_dir(dir).map_err(|e| KnowledgeError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| KnowledgeError::io(dir, e))?.path();
        if path.is_dir() {
            collect_markdown_files(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    Ok(())
}

/// Parses one article; the error says what is wrong with it, for a warning.
pub fn parse_article(text: &str, source: &Path) -> Result<Article, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = split_front_matter(text).ok_or(
        "no front matter: start the file with a `---` line, then id, title, lang, then `---`",
    )?;
    let meta: FrontMatter = serde_yaml_ng::from_str(front)
        .map_err(|e| format!("malformed front matter ({e}); it needs id, title and lang"))?;
    for (name, value) in [
        ("id", &meta.id),
        ("title", &meta.title),
        ("lang", &meta.lang),
    ] {
        if value.trim().is_empty() {
            return Err(format!("the front matter's `{name}` is empty"));
        }
    }
    if body.trim().is_empty() {
        return Err("the article has no text after its front matter".into());
    }
    Ok(Article {
        id: meta.id.trim().to_string(),
        title: meta.title.trim().to_string(),
        lang: meta.lang.trim().to_lowercase(),
        tags: meta.tags,
        url: meta.url,
        translations: meta
            .translations
            .into_iter()
            .map(|(lang, id)| (lang.trim().to_lowercase(), id.trim().to_string()))
            .collect(),
        body: body.to_string(),
        source: source.to_path_buf(),
    })
}

/// Splits `---\n<yaml>\n---\n<body>` into the YAML and the body.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next()?;
    if opening.trim_end() != "---" {
        return None;
    }
    let mut offset = opening.len();
    for line in lines {
        if line.trim_end() == "---" {
            return Some((&text[opening.len()..offset], &text[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: a\ntitle: Track your order\nlang: en\ntags: [orders]\nurl: https://x.example/a\ntranslations: {fr: suivre}\n---\nBody text.\n";

    #[test]
    fn parses_front_matter_and_body() {
        let article = parse_article(GOOD, Path::new("a.md")).expect("valid article");
        assert_eq!(article.id, "a");
        assert_eq!(article.title, "Track your order");
        assert_eq!(article.lang, "en");
        assert_eq!(article.tags, ["orders"]);
        assert_eq!(article.url.as_deref(), Some("https://x.example/a"));
        assert_eq!(article.translations["fr"], "suivre");
        assert_eq!(article.body, "Body text.\n");
    }

    #[test]
    fn accepts_windows_line_endings() {
        let text = GOOD.replace('\n', "\r\n");
        let article = parse_article(&text, Path::new("a.md")).expect("valid article");
        assert_eq!(article.id, "a");
        assert!(article.body.starts_with("Body text."));
    }

    #[test]
    fn rejects_missing_malformed_or_empty() {
        assert!(
            parse_article("Just text", Path::new("x.md"))
                .unwrap_err()
                .contains("no front matter")
        );
        assert!(
            parse_article("---\nid: [a\n---\nBody", Path::new("x.md"))
                .unwrap_err()
                .contains("malformed")
        );
        assert!(
            parse_article("---\nid: a\ntitle: T\n---\nBody", Path::new("x.md"))
                .unwrap_err()
                .contains("malformed")
        );
        assert!(
            parse_article(
                "---\nid: a\ntitle: T\nlang: en\n---\n  \n",
                Path::new("x.md")
            )
            .unwrap_err()
            .contains("no text")
        );
        assert!(parse_article("---\nid: a\ntitle: T\nlang: en\nBody", Path::new("x.md")).is_err());
    }

    #[test]
    fn loading_a_folder_skips_bad_files_with_warnings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).expect("write");
        write("1-good.md", GOOD.as_bytes());
        write("2-duplicate.md", GOOD.as_bytes());
        write("3-no-front-matter.md", b"Hello");
        write(
            "4-latin1.md",
            b"---\nid: b\ntitle: caf\xe9\nlang: fr\n---\nd\xe9j\xe0",
        );
        write("5-empty.md", b"---\nid: c\ntitle: Empty\nlang: en\n---\n");
        write("notes.txt", b"not an article");
        let loaded = load_articles(dir.path()).expect("folder exists");
        assert_eq!(loaded.articles.len(), 1);
        let named: Vec<String> = loaded
            .warnings
            .iter()
            .map(|w| {
                w.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            named,
            [
                "2-duplicate.md",
                "3-no-front-matter.md",
                "4-latin1.md",
                "5-empty.md"
            ]
        );
        assert!(loaded.warnings[0].message.contains("already used"));
        assert!(loaded.warnings[2].message.contains("UTF-8"));
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let error = load_articles(Path::new("/no/such/knowledge")).unwrap_err();
        assert!(matches!(error, KnowledgeError::MissingFolder(_)));
    }
}
