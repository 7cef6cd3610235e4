//! The help centre's content: every article as a [`Page`] (its body rendered once), by
//! language and id, grouped into [`Category`]s, with its translations.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use relais_knowledge::Article;

use crate::markdown;

/// One article as the help centre shows it.
#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    pub lang: String,
    pub title: String,
    /// The article's first tag ("returns"); articles without tags are in "general".
    pub category: String,
    /// The body as HTML ([`markdown::to_html`]).
    pub html: String,
    /// The body as written.
    pub markdown: String,
    /// The first paragraph, short ([`markdown::description`]).
    pub description: String,
    /// When the file was last changed, for the sitemap and the structured data.
    pub modified: Option<SystemTime>,
    /// The same article in other languages, (language, id), by language.
    pub translations: Vec<(String, String)>,
}

/// The articles of one language that share a first tag.
#[derive(Debug)]
pub struct Category<'a> {
    pub name: &'a str,
    /// The `id` of the category's heading on the language's home page.
    pub anchor: String,
    /// By title.
    pub pages: Vec<&'a Page>,
}

/// Every article, ready to serve.
#[derive(Debug, Default)]
pub struct Site {
    pages: Vec<Page>,
    by_key: HashMap<(String, String), usize>,
    languages: Vec<String>,
    /// Translations that name an article that does not exist, as text for the log.
    pub warnings: Vec<String>,
}

/// The category of an article without tags.
pub const GENERAL: &str = "general";

impl Site {
    /// The site of `articles`. A translation link counts both ways: an article that
    /// names another as its French version is that one's version in its own language.
    pub fn new(articles: &[Article]) -> Self {
        let mut site = Site::default();
        for article in articles {
            let key = (article.lang.clone(), article.id.clone());
            site.by_key.insert(key, site.pages.len());
            site.pages.push(Page {
                id: article.id.clone(),
                lang: article.lang.clone(),
                title: article.title.clone(),
                category: article.tags.first().map_or(GENERAL, String::as_str).to_string(),
                html: markdown::to_html(&article.body),
                markdown: article.body.clone(),
                description: markdown::description(&article.body),
                modified: std::fs::metadata(&article.source).and_then(|m| m.modified()).ok(),
                translations: Vec::new(),
            });
        }
        let mut links: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        for (index, article) in articles.iter().enumerate() {
            for (lang, id) in &article.translations {
                match site.by_key.get(&(lang.clone(), id.clone())) {
                    Some(&other) if other != index => {
                        links.entry(index).or_default().insert(lang.clone(), id.clone());
                        links.entry(other).or_default().insert(article.lang.clone(), article.id.clone());
                    }
                    _ => site.warnings.push(format!(
                        "{}: the translation {lang}: {id} is not an article of the knowledge base; no link is made",
                        article.source.display()
                    )),
                }
            }
        }
        for (index, translations) in links {
            site.pages[index].translations = translations.into_iter().filter(|(lang, _)| *lang != site.pages[index].lang).collect();
        }
        let mut languages: Vec<String> = site.pages.iter().map(|p| p.lang.clone()).collect();
        languages.sort();
        languages.dedup();
        site.languages = languages;
        site
    }

    /// The article `id` in `lang`.
    pub fn page(&self, lang: &str, id: &str) -> Option<&Page> {
        self.by_key.get(&(lang.to_string(), id.to_string())).map(|&i| &self.pages[i])
    }

    /// The languages that have articles, sorted.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Whether some article is in `lang`.
    pub fn has_language(&self, lang: &str) -> bool {
        self.languages.iter().any(|l| l == lang)
    }

    /// Every article of `lang`, by title.
    pub fn pages_in(&self, lang: &str) -> Vec<&Page> {
        let mut pages: Vec<&Page> = self.pages.iter().filter(|p| p.lang == lang).collect();
        pages.sort_by(|a, b| a.title.cmp(&b.title));
        pages
    }

    /// Every article, in file order.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The categories of `lang`, by name, each with its articles by title.
    pub fn categories(&self, lang: &str) -> Vec<Category<'_>> {
        let mut by_name: BTreeMap<&str, Vec<&Page>> = BTreeMap::new();
        for page in self.pages_in(lang) {
            by_name.entry(page.category.as_str()).or_default().push(page);
        }
        by_name
            .into_iter()
            .map(|(name, pages)| Category { name, anchor: format!("c-{}", slug(name)), pages })
            .collect()
    }

    /// The language of `/help/` for a browser's `Accept-Language`: the first it prefers
    /// (by weight, then order) that has articles, else `fallback` if it has some, else the
    /// first language.
    pub fn pick_language<'a>(&'a self, accept_language: Option<&str>, fallback: &'a str) -> Option<&'a str> {
        let mut wanted: Vec<(f32, usize, String)> = accept_language
            .unwrap_or("")
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let weight = parts
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?.to_string();
                (weight > 0.0 && !primary.is_empty()).then_some((weight, order, primary))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted
            .iter()
            .find_map(|(_, _, lang)| self.languages.iter().find(|l| *l == lang))
            .or_else(|| self.languages.iter().find(|l| *l == fallback))
            .or_else(|| self.languages.first())
            .map(String::as_str)
    }
}

/// A heading or a tag as an `id`: lower case, letters and digits kept (accents too), any
/// other run of characters a single `-`.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_knowledge::parse_article;
    use std::path::Path;

    fn article(id: &str, lang: &str, tags: &str, translations: &str) -> Article {
        let text = format!("---\nid: {id}\ntitle: Title of {id}\nlang: {lang}\ntags: [{tags}]\ntranslations: {{{translations}}}\n---\nBody of {id}.\n");
        parse_article(&text, Path::new("x.md")).expect("valid")
    }

    #[test]
    fn translations_link_both_ways_and_unknown_ones_are_reported() {
        let site = Site::new(&[
            article("return", "en", "returns", "fr: retour"),
            article("retour", "fr", "retours", ""),
            article("orphan", "en", "", "de: rueckgabe"),
        ]);
        assert_eq!(site.page("en", "return").unwrap().translations, [("fr".to_string(), "retour".to_string())]);
        assert_eq!(site.page("fr", "retour").unwrap().translations, [("en".to_string(), "return".to_string())]);
        assert!(site.page("en", "orphan").unwrap().translations.is_empty());
        assert_eq!(site.warnings.len(), 1);
        assert!(site.warnings[0].contains("de: rueckgabe"), "{:?}", site.warnings);
        assert_eq!(site.page("en", "orphan").unwrap().category, GENERAL);
        assert_eq!(site.languages(), ["en", "fr"]);
    }

    #[test]
    fn categories_come_from_the_first_tag() {
        let site = Site::new(&[article("b", "en", "returns, refunds", ""), article("a", "en", "returns", ""), article("c", "en", "delivery", "")]);
        let categories = site.categories("en");
        let shape: Vec<(&str, Vec<&str>)> = categories.iter().map(|c| (c.name, c.pages.iter().map(|p| p.id.as_str()).collect())).collect();
        assert_eq!(shape, [("delivery", vec!["c"]), ("returns", vec!["a", "b"])]);
    }

    #[test]
    fn the_language_follows_accept_language_weights() {
        let site = Site::new(&[article("a", "en", "", ""), article("b", "fr", "", "")]);
        assert_eq!(site.pick_language(Some("fr-CA,fr;q=0.9,en;q=0.8"), "en"), Some("fr"));
        assert_eq!(site.pick_language(Some("de;q=1, en;q=0.5, fr;q=0.7"), "en"), Some("fr"));
        assert_eq!(site.pick_language(Some("de"), "fr"), Some("fr"));
        assert_eq!(site.pick_language(Some("fr;q=0"), "en"), Some("en"));
        assert_eq!(site.pick_language(None, "es"), Some("en"));
        assert_eq!(Site::new(&[]).pick_language(None, "en"), None);
    }

    #[test]
    fn slugs_keep_letters_and_collapse_the_rest() {
        assert_eq!(slug("Return period"), "return-period");
        assert_eq!(slug("  Délais & frais (France) "), "délais-frais-france");
        assert_eq!(slug("brightwood plus"), "brightwood-plus");
    }
}
