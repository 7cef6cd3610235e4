//! Passages: the pieces of an article that are indexed and returned. An article is cut
//! at its headings (`#`, `##`, `###`), and a long section again at paragraph (then
//! sentence, then word) boundaries so that each passage stays near [`PASSAGE_CHARS`].

use crate::Article;

/// Length a passage is kept near, in characters.
pub const PASSAGE_CHARS: usize = 1_200;

/// One searchable piece of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub article_id: String,
    pub title: String,
    /// The heading the passage sits under; empty for the text before the first heading.
    pub heading: String,
    pub text: String,
    pub url: Option<String>,
    pub lang: String,
}

impl Passage {
    /// What the passage is about, in a few words: the title and the heading.
    pub fn label(&self) -> String {
        if self.heading.is_empty() || self.heading == self.title {
            self.title.clone()
        } else {
            format!("{}: {}", self.title, self.heading)
        }
    }
}

/// Cuts an article into passages, in reading order.
pub fn split_article(article: &Article) -> Vec<Passage> {
    sections(&article.body)
        .into_iter()
        .flat_map(|(heading, text)| {
            chunk(&text, PASSAGE_CHARS)
                .into_iter()
                .map(move |piece| (heading.clone(), piece))
        })
        .map(|(heading, text)| Passage {
            article_id: article.id.clone(),
            title: article.title.clone(),
            heading,
            text,
            url: article.url.clone(),
            lang: article.lang.clone(),
        })
        .collect()
}

/// (heading, text) of each section with text, ignoring `#` lines inside code fences.
fn sections(body: &str) -> Vec<(String, String)> {
    let mut sections = Vec::new();
    let mut heading = String::new();
    let mut text = String::new();
    let mut in_code = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        match heading_text(line).filter(|_| !in_code) {
            Some(next) => {
                push_section(&mut sections, &heading, &text);
                heading = next.to_string();
                text.clear();
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    push_section(&mut sections, &heading, &text);
    sections
}

fn push_section(sections: &mut Vec<(String, String)>, heading: &str, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        sections.push((heading.to_string(), text.to_string()));
    }
}

/// The text of a `#`, `##` or `###` heading line.
fn heading_text(line: &str) -> Option<&str> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let rest = &line[hashes..];
    ((1..=3).contains(&hashes) && rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

/// Cuts `text` into pieces of at most about `limit` characters, preferring paragraph
/// boundaries, then sentence ends, then spaces.
fn chunk(text: &str, limit: usize) -> Vec<String> {
    if text.chars().count() <= limit {
        return vec![text.to_string()];
    }
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let units: Vec<String> = paragraphs
        .into_iter()
        .flat_map(|paragraph| split_long(paragraph, limit))
        .collect();
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for unit in units {
        if !current.is_empty() && current.chars().count() + unit.chars().count() + 2 > limit {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&unit);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Splits one paragraph longer than `limit` at sentence ends, or at spaces when a
/// sentence alone is too long.
fn split_long(paragraph: &str, limit: usize) -> Vec<String> {
    if paragraph.chars().count() <= limit {
        return vec![paragraph.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in paragraph.split_whitespace() {
        let sentence_ended = current.ends_with(['.', '!', '?']);
        let length = current.chars().count();
        if length + word.chars().count() + 1 > limit || (sentence_ended && length > limit * 3 / 4) {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(body: &str) -> Article {
        Article {
            id: "a".into(),
            title: "Title".into(),
            lang: "en".into(),
            tags: Vec::new(),
            url: Some("https://x.example/a".into()),
            translations: Default::default(),
            body: body.into(),
            source: Default::default(),
        }
    }

    #[test]
    fn splits_by_heading_and_keeps_metadata() {
        let body = "Intro.\n\n## First\nOne.\n\n### Sub\nTwo.\n```\n# not a heading\n```\n#hashtag\n## Empty\n";
        let passages = split_article(&article(body));
        let shape: Vec<(&str, &str)> = passages
            .iter()
            .map(|p| (p.heading.as_str(), p.text.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                ("", "Intro."),
                ("First", "One."),
                ("Sub", "Two.\n```\n# not a heading\n```\n#hashtag")
            ]
        );
        assert!(
            passages
                .iter()
                .all(|p| p.article_id == "a" && p.lang == "en" && p.url.is_some())
        );
        assert_eq!(passages[1].label(), "Title: First");
        assert_eq!(passages[0].label(), "Title");
    }

    #[test]
    fn long_sections_are_cut_at_paragraphs() {
        let paragraph = "word ".repeat(100);
        let body = format!("## Long\n{}", [paragraph.trim(); 6].join("\n\n"));
        let passages = split_article(&article(&body));
        assert_eq!(passages.len(), 3);
        assert!(
            passages
                .iter()
                .all(|p| p.text.chars().count() <= PASSAGE_CHARS && p.heading == "Long")
        );
        assert_eq!(
            passages
                .iter()
                .map(|p| p.text.matches("word").count())
                .sum::<usize>(),
            600
        );
    }

    #[test]
    fn a_long_paragraph_is_cut_at_sentences_or_words() {
        let sentence = "This sentence has some words in it. ";
        let body = sentence.repeat(100) + &"x".repeat(3_000);
        let pieces = chunk(&body, PASSAGE_CHARS);
        assert!(pieces.len() >= 4);
        assert!(pieces[0].ends_with('.'));
        assert_eq!(pieces.concat().matches("sentence").count(), 100);
    }
}
