//! Every response body of the help centre: the HTML pages (askama templates, escaped by
//! default), `sitemap.xml`, `robots.txt`, `llms.txt` and an article's Markdown copy.
//!
//! Every address a page prints is absolute from `origin` (`https://example.com`, see
//! [`crate::HelpConfig::public_url`]) where search engines need it (canonical, hreflang,
//! OpenGraph, the sitemap, the structured data), and a path elsewhere.

use std::fmt::Write;
use std::ops::Range;
use std::time::SystemTime;

use askama::Template;
use relais_knowledge::Hit;
use serde_json::{Value, json};

use crate::config::{HelpConfig, Link};
use crate::site::{Page, Site, slug};
use crate::words::Words;

/// Longest search query, in characters (the knowledge search's own limit).
pub const MAX_QUERY_CHARS: usize = relais_knowledge::MAX_QUERY_CHARS;
/// Longest comment of the "Was this article helpful?" form, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;

/// What every page shares: the head, the header with the search box, the footer.
struct Layout<'a> {
    lang: &'a str,
    /// `<title>`: the heading and the site's name.
    title: String,
    /// The `<h1>` and `og:title`.
    heading: String,
    description: String,
    canonical: String,
    /// hreflang alternates: (language or `x-default`, absolute address).
    alternates: Vec<(String, String)>,
    /// Search results are not for search engines: `noindex`, no canonical.
    indexable: bool,
    og_type: &'static str,
    site_name: &'a str,
    color: &'a str,
    logo: Option<&'a str>,
    logo_url: Option<String>,
    brand_href: String,
    links: &'a [Link],
    /// The other languages' home pages: (language, path, name).
    languages: Vec<(String, String, &'static str)>,
    base: &'a str,
    query: &'a str,
    max_query: usize,
    /// JSON-LD, `<` escaped so that it cannot close its script element.
    json_ld: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate<'a> {
    l: Layout<'a>,
    w: &'static Words,
    categories: Vec<crate::site::Category<'a>>,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticleTemplate<'a> {
    l: Layout<'a>,
    w: &'static Words,
    page: &'a Page,
    category_anchor: String,
    modified: String,
    /// (language, path, name).
    translations: Vec<(String, String, &'static str)>,
    thanked: bool,
    max_comment: usize,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate<'a> {
    l: Layout<'a>,
    w: &'static Words,
    found: &'a [Found],
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactTemplate<'a> {
    l: Layout<'a>,
    w: &'static Words,
    /// The thanks once sent; empty: the form.
    sent: &'static str,
    max_subject: usize,
    max_name: usize,
    max_message: usize,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundTemplate<'a> {
    l: Layout<'a>,
    w: &'static Words,
}

/// One article found by a search: its best passage, the words to highlight marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    pub title: String,
    pub heading: String,
    /// `#` and the heading's id, or empty for the text before the first heading.
    pub anchor: String,
    /// The snippet cut into runs of text, each marked or not.
    pub segments: Vec<(String, bool)>,
}

impl Found {
    /// The articles of `hits` (best passages first), one entry each at its best passage,
    /// the words of the snippet that match `query` marked.
    pub fn from_hits(hits: Vec<Hit>, query: &str, lang: &str) -> Vec<Found> {
        let mut found: Vec<Found> = Vec::new();
        for hit in hits {
            if found.iter().any(|f| f.id == hit.article_id) {
                continue;
            }
            let marks = relais_knowledge::matching_words(&hit.snippet, query, lang);
            found.push(Found {
                anchor: if hit.heading.is_empty() || hit.heading == hit.title { String::new() } else { format!("#{}", slug(&hit.heading)) },
                segments: segments(&hit.snippet, &marks),
                heading: if hit.heading == hit.title { String::new() } else { hit.heading },
                id: hit.article_id,
                title: hit.title,
            });
        }
        found
    }
}

/// `text` cut at `marks` (sorted byte ranges) into (run, marked) pairs.
fn segments(text: &str, marks: &[Range<usize>]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for mark in marks {
        if mark.start < at || mark.end > text.len() {
            continue;
        }
        if mark.start > at {
            out.push((text[at..mark.start].to_string(), false));
        }
        out.push((text[mark.clone()].to_string(), true));
        at = mark.end;
    }
    if at < text.len() {
        out.push((text[at..].to_string(), false));
    }
    out
}

/// Where a contact form went, for its thanks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// To the agents' queue.
    Queued,
    /// No agent available: kept as a callback request.
    Callback,
}

/// The longest name, subject and message the server accepts, in characters.
#[derive(Debug, Clone, Copy)]
pub struct ContactLimits {
    pub name: usize,
    pub subject: usize,
    pub message: usize,
}

/// What a page is rendered with.
pub struct Context<'a> {
    pub site: &'a Site,
    pub config: &'a HelpConfig,
    /// `https://example.com`: the scheme and host the pages are reached at.
    pub origin: &'a str,
}

impl<'a> Context<'a> {
    fn path(&self, lang: &str, id: &str) -> String {
        format!("{}/{lang}/{id}", self.config.base_path)
    }

    fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Every language's home page: (language, absolute address).
    fn homes(&self) -> Vec<(String, String)> {
        self.site
            .languages()
            .iter()
            .map(|l| (l.clone(), self.absolute(&format!("{}/{l}/", self.config.base_path))))
            .collect()
    }

    /// The hreflang alternates of `page`: itself and its translations, (language,
    /// absolute address); none for an article without translations.
    fn translations(&self, page: &Page) -> Vec<(String, String)> {
        if page.translations.is_empty() {
            return Vec::new();
        }
        std::iter::once((page.lang.clone(), page.id.clone()))
            .chain(page.translations.iter().cloned())
            .map(|(l, id)| {
                let href = self.absolute(&self.path(&l, &id));
                (l, href)
            })
            .collect()
    }

    fn layout(&self, lang: &'a str, heading: String, description: String, canonical_path: String) -> Layout<'a> {
        let config = self.config;
        let absolute_logo = config.logo.as_deref().map(|logo| if logo.starts_with('/') { self.absolute(logo) } else { logo.to_string() });
        Layout {
            lang,
            title: if heading == config.site_name { heading.clone() } else { format!("{heading} · {}", config.site_name) },
            heading,
            description,
            canonical: self.absolute(&canonical_path),
            alternates: Vec::new(),
            indexable: true,
            og_type: "website",
            site_name: &config.site_name,
            color: &config.color,
            logo: config.logo.as_deref(),
            logo_url: absolute_logo,
            brand_href: config.home_url.clone().unwrap_or_else(|| format!("{}/{lang}/", config.base_path)),
            links: &config.links,
            languages: self
                .site
                .languages()
                .iter()
                .filter(|l| *l != lang)
                .map(|l| (l.clone(), format!("{}/{l}/", config.base_path), Words::of(l).language_name))
                .collect(),
            base: &config.base_path,
            query: "",
            max_query: MAX_QUERY_CHARS,
            json_ld: String::new(),
        }
    }

    /// The home page of `lang`: its categories and their articles; `None` for a language
    /// without articles.
    pub fn home(&self, lang: &'a str) -> Option<String> {
        if !self.site.has_language(lang) {
            return None;
        }
        let words = Words::of(lang);
        let mut layout = self.layout(lang, self.config.site_name.clone(), words.search_label.to_string(), format!("{}/{lang}/", self.config.base_path));
        layout.alternates = self.homes();
        layout.alternates.push(("x-default".to_string(), self.absolute(&format!("{}/", self.config.base_path))));
        let template = HomeTemplate { l: layout, w: words, categories: self.site.categories(lang) };
        Some(render(&template))
    }

    /// The page of article `id` in `lang`, with the thanks for feedback when `thanked`.
    pub fn article(&self, lang: &'a str, id: &str, thanked: bool) -> Option<String> {
        let page = self.site.page(lang, id)?;
        let words = Words::of(lang);
        let mut layout = self.layout(lang, page.title.clone(), page.description.clone(), self.path(lang, id));
        layout.og_type = "article";
        layout.alternates = self.translations(page);
        let modified = page.modified.map(date).unwrap_or_default();
        let category_anchor = format!("c-{}", slug(&page.category));
        layout.json_ld = json_ld(&json!([
            {
                "@context": "https://schema.org",
                "@type": "Article",
                "headline": page.title,
                "description": page.description,
                "inLanguage": lang,
                "dateModified": (!modified.is_empty()).then_some(&modified),
                "mainEntityOfPage": layout.canonical,
                "publisher": {"@type": "Organization", "name": self.config.site_name},
            },
            {
                "@context": "https://schema.org",
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": self.config.site_name,
                     "item": self.absolute(&format!("{}/{lang}/", self.config.base_path))},
                    {"@type": "ListItem", "position": 2, "name": page.category,
                     "item": self.absolute(&format!("{}/{lang}/#{category_anchor}", self.config.base_path))},
                    {"@type": "ListItem", "position": 3, "name": page.title},
                ],
            },
        ]));
        let translations = page
            .translations
            .iter()
            .map(|(l, id)| (l.clone(), self.path(l, id), Words::of(l).language_name))
            .collect();
        let template = ArticleTemplate { l: layout, w: words, page, category_anchor, modified, translations, thanked, max_comment: MAX_COMMENT_CHARS };
        Some(render(&template))
    }

    /// The results page of `query` in `lang` (not for search engines: `noindex`).
    pub fn search(&self, lang: &'a str, query: &'a str, found: &[Found]) -> String {
        let words = Words::of(lang);
        let heading = if query.is_empty() { words.search_label.to_string() } else { format!("{} “{query}”", words.results_for) };
        let mut layout = self.layout(lang, heading, words.search_label.to_string(), format!("{}/{lang}/search", self.config.base_path));
        layout.indexable = false;
        layout.query = query;
        render(&SearchTemplate { l: layout, w: words, found })
    }

    /// The contact form of `lang`, or its thanks once `sent`; `None` for a language
    /// without articles. The limits are the server's, for the fields' `maxlength`.
    pub fn contact(&self, lang: &'a str, sent: Option<Sent>, limits: ContactLimits) -> Option<String> {
        if !self.site.has_language(lang) {
            return None;
        }
        let words = Words::of(lang);
        let mut layout = self.layout(lang, words.contact.to_string(), words.contact_intro.to_string(), format!("{}/{lang}/contact", self.config.base_path));
        layout.indexable = sent.is_none();
        let sent = match sent {
            None => "",
            Some(Sent::Queued) => words.sent_queued,
            Some(Sent::Callback) => words.sent_callback,
        };
        Some(render(&ContactTemplate { l: layout, w: words, sent, max_subject: limits.subject, max_name: limits.name, max_message: limits.message }))
    }

    /// The page of an address with no article, in `lang` (the help centre's default
    /// language when `lang` has none).
    pub fn not_found(&self, lang: &'a str) -> String {
        let lang = if self.site.has_language(lang) { lang } else { &self.config.default_lang };
        let words = Words::of(lang);
        let mut layout = self.layout(lang, words.not_found.to_string(), words.not_found_text.to_string(), format!("{}/{lang}/", self.config.base_path));
        layout.indexable = false;
        render(&NotFoundTemplate { l: layout, w: words })
    }

    /// `sitemap.xml`: every home page and article, each with its hreflang alternates and
    /// the `lastmod` of its file.
    pub fn sitemap(&self) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
        let homes = self.homes();
        for (_, loc) in &homes {
            url_entry(&mut xml, loc, None, &homes);
        }
        for page in self.site.pages() {
            url_entry(&mut xml, &self.absolute(&self.path(&page.lang, &page.id)), page.modified, &self.translations(page));
        }
        xml.push_str("</urlset>\n");
        xml
    }

    /// `robots.txt`: everything may be crawled but the search results; where the sitemap is.
    pub fn robots(&self) -> String {
        let base = &self.config.base_path;
        format!("User-agent: *\nDisallow: {base}/*/search\nDisallow: {base}/*/suggest\n\nSitemap: {}\n", self.absolute(&format!("{base}/sitemap.xml")))
    }

    /// `llms.txt` (llmstxt.org): the site's name, then per language a list of the
    /// articles' Markdown copies with their descriptions.
    pub fn llms(&self) -> String {
        let mut text = format!("# {}\n\n> The help centre's articles, one Markdown file each.\n", self.config.site_name);
        for lang in self.site.languages() {
            let _ = write!(text, "\n## {}\n\n", Words::of(lang).language_name);
            for page in self.site.pages_in(lang) {
                let _ = writeln!(text, "- [{}]({}.md): {}", page.title.replace(['[', ']'], ""), self.absolute(&self.path(lang, &page.id)), page.description);
            }
        }
        text
    }

    /// The Markdown copy of an article: its title as a heading, then its body as written.
    pub fn markdown(&self, lang: &str, id: &str) -> Option<String> {
        let page = self.site.page(lang, id)?;
        Some(format!("# {}\n\n{}", page.title, page.markdown))
    }
}

fn url_entry(xml: &mut String, loc: &str, modified: Option<SystemTime>, alternates: &[(String, String)]) {
    let _ = write!(xml, "<url><loc>{}</loc>", xml_escape(loc));
    if let Some(modified) = modified {
        let _ = write!(xml, "<lastmod>{}</lastmod>", date(modified));
    }
    for (lang, href) in alternates {
        let _ = write!(xml, "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>", xml_escape(lang), xml_escape(href));
    }
    xml.push_str("</url>\n");
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `2026-11-15`.
fn date(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()[..10].to_string()
}

/// JSON for a `<script type="application/ld+json">`: `<` written `\u003c` so that no
/// text in it can end the element.
fn json_ld(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

fn render(template: &impl Template) -> String {
    // A template fill only fails when a value's Display fails; ours are strings and numbers.
    template.render().unwrap_or_else(|error| format!("the page could not be rendered: {error}"))
}
