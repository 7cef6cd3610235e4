//! relais-help: the knowledge base's public face, the help centre.
//!
//! The articles the bot and the agents answer from are the pages customers browse: one
//! source, one answer everywhere. A [`Site`] is built from the articles of the knowledge
//! folder (categories from their first tag, translations linked both ways from the
//! `translations` front-matter key, each body rendered to HTML once) and [`pages`] fills
//! a template per request, so a page reads without JavaScript and costs one template fill.
//!
//! The key decision: templates are askama's, compiled with the crate and checked against
//! the structs they render, and HTML-escaped by default, so a title, a query or a comment
//! can only ever be text. Markdown goes through pulldown-cmark with raw HTML **escaped**
//! (shown as text, never passed through) and links other than http(s), mailto, tel and
//! relative ones dropped to their text ([`markdown`]).

mod centre;
mod config;
pub mod markdown;
pub mod pages;
mod site;
mod words;

pub use centre::HelpCentre;
pub use config::{HelpConfig, HelpConfigError, Link};
pub use pages::Found;
pub use site::{Category, Page, Site, slug};
pub use words::Words;
