//! An article's markdown as HTML, and as a short plain-text description.
//!
//! Raw HTML in the markdown is escaped: it shows as text and never becomes markup, so an
//! article cannot carry a script or a form into the page (the bot and the widget show
//! the same markdown as text too). Links and images keep only http(s), mailto, tel,
//! anchor and relative targets; any other scheme (`javascript:`, `data:`) leaves the text
//! without the link. Headings get an `id` from [`crate::slug`], which the search results link to.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::site::slug;

/// Longest description, in characters, before an ellipsis.
pub const DESCRIPTION_CHARS: usize = 160;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// `markdown` as HTML (see the module's rules).
pub fn to_html(markdown: &str) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading: Option<usize> = None;
    // Per open link or image, whether it is kept (they nest: an image in a link).
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::Heading { level, classes, attrs, .. }) => {
                heading = Some(events.len());
                events.push(Event::Start(Tag::Heading { level, id: None, classes, attrs }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(start) = heading.take() {
                    let text: String = events[start + 1..]
                        .iter()
                        .filter_map(|e| match e {
                            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                            _ => None,
                        })
                        .collect();
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
                        *id = Some(CowStr::from(slug(&text)));
                    }
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link { ref dest_url, .. }) | Event::Start(Tag::Image { ref dest_url, .. }) => {
                let keep = safe_target(dest_url);
                links.push(keep);
                if keep {
                    events.push(event);
                }
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                if links.pop().unwrap_or(true) {
                    events.push(event);
                }
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

fn safe_target(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // A colon before any slash, ? or # is a scheme.
        Some(colon) if !lower[..colon].contains(['/', '?', '#']) => {
            ["http", "https", "mailto", "tel"].contains(&&lower[..colon])
        }
        _ => true,
    }
}

/// The article's first paragraph as plain text, at most [`DESCRIPTION_CHARS`] characters
/// cut at a word: for the meta description, OpenGraph and the listings.
pub fn description(markdown: &str) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if !text.trim().is_empty() => break,
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    shorten(text.trim(), DESCRIPTION_CHARS)
}

fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_string();
    }
    let cut: String = text.chars().take(most).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_not_passed_through() {
        let html = to_html("Hello <script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains(r#"&lt;div onclick="x()"&gt;block"#), "{html}");
    }

    #[test]
    fn unsafe_link_targets_keep_only_their_text() {
        let html = to_html("[click](javascript:alert(1)) [ok](https://a.example/x) [rel](/help/en/a#b) [mail](mailto:a@b.example) ![img](data:image/png;base64,AA)");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("click"), "{html}");
        assert!(html.contains(r#"<a href="https://a.example/x">ok</a>"#), "{html}");
        assert!(html.contains(r#"<a href="/help/en/a#b">rel</a>"#), "{html}");
        assert!(html.contains(r#"<a href="mailto:a@b.example">mail</a>"#), "{html}");
    }

    #[test]
    fn headings_get_ids_and_tables_render() {
        let html = to_html("## Return period\nText.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains(r#"<h2 id="return-period">Return period</h2>"#), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn the_description_is_the_first_paragraph_cut_at_a_word() {
        assert_eq!(description("## Title\nFirst *part*\nnext.\n\nSecond."), "First part next.");
        let long = "word ".repeat(60);
        let cut = description(&long);
        assert!(cut.ends_with("word…") && cut.chars().count() <= DESCRIPTION_CHARS + 1, "{cut}");
    }
}
