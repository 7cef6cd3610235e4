//! How long the help centre takes to render its pages from the demo's knowledge folder
//! (`knowledge/`): the heaviest article page, a language's home page (every article
//! listed) and the sitemap. The HTTP route adds the router and the socket on top; the
//! search page's time is the knowledge search's (`cargo bench -p relais-knowledge`).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_help::pages::Context;
use relais_help::{HelpCentre, HelpConfig};

fn pages(c: &mut Criterion) {
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge");
    let (centre, _) = HelpCentre::open(HelpConfig::default().checked().unwrap(), &knowledge).expect("the demo's articles");
    let site = centre.site();
    let context = Context { site: &site, config: &centre.config, origin: "https://shop.example" };
    let heaviest = site.pages().iter().max_by_key(|page| page.markdown.len()).expect("articles");
    c.bench_function("article page (heaviest)", |b| b.iter(|| context.article(&heaviest.lang, &heaviest.id, false)));
    c.bench_function("home page (en)", |b| b.iter(|| context.home("en")));
    c.bench_function("sitemap", |b| b.iter(|| context.sitemap()));
}

criterion_group!(benches, pages);
criterion_main!(benches);
