//! [`HelpCentre`]: the settings and the current [`Site`], swapped whole when the
//! knowledge folder changes, so a request always renders from one consistent set of articles.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use relais_knowledge::{KnowledgeError, load_articles};

use crate::config::HelpConfig;
use crate::site::Site;

/// The help centre a server serves.
pub struct HelpCentre {
    pub config: HelpConfig,
    dir: PathBuf,
    site: RwLock<Arc<Site>>,
}

impl HelpCentre {
    /// The help centre of the articles in `dir` (the knowledge folder). Returns it with
    /// the warnings of its articles (skipped files, unknown translations) as text.
    pub fn open(config: HelpConfig, dir: &Path) -> Result<(Self, Vec<String>), KnowledgeError> {
        let (site, warnings) = read(dir)?;
        let centre = Self { config, dir: dir.to_path_buf(), site: RwLock::new(Arc::new(site)) };
        Ok((centre, warnings))
    }

    /// The articles as they are now.
    pub fn site(&self) -> Arc<Site> {
        self.site.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The article (id, title) a page of this help centre at `url` shows: an absolute
    /// address or a path, its query and fragment ignored; `None` for any other page.
    /// The host is not checked: whoever names a page can only name one of our articles.
    pub fn topic_of(&self, url: &str) -> Option<(String, String)> {
        let path = match url.split_once("://") {
            Some((_, rest)) => &rest[rest.find('/')?..],
            None => url,
        };
        let path = path.split(['?', '#']).next()?;
        let rest = path.strip_prefix(&self.config.base_path)?.strip_prefix('/')?;
        let (lang, id) = rest.split_once('/')?;
        let site = self.site();
        let page = site.page(lang, id)?;
        Some((page.id.clone(), page.title.clone()))
    }

    /// Reads the knowledge folder again and swaps the new site in; on error the site in
    /// use stays. Returns the warnings, as [`HelpCentre::open`].
    pub fn reload(&self) -> Result<Vec<String>, KnowledgeError> {
        let (site, warnings) = read(&self.dir)?;
        *self.site.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(site);
        Ok(warnings)
    }
}

fn read(dir: &Path) -> Result<(Site, Vec<String>), KnowledgeError> {
    let loaded = load_articles(dir)?;
    let site = Site::new(&loaded.articles);
    let warnings = loaded.warnings.iter().map(ToString::to_string).chain(site.warnings.iter().cloned()).collect();
    Ok((site, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_the_help_centre_names_its_article() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "---\nid: return\ntitle: Return an item\nlang: en\n---\nBody.\n").unwrap();
        let (centre, _) = HelpCentre::open(HelpConfig::default().checked().unwrap(), dir.path()).unwrap();
        let topic = Some(("return".to_string(), "Return an item".to_string()));
        assert_eq!(centre.topic_of("https://shop.example/help/en/return?visit=1#x"), topic);
        assert_eq!(centre.topic_of("/help/en/return"), topic);
        for other in ["/help/en/", "/help/fr/return", "/help/en/return/feedback", "/helpx/en/return", "https://shop.example", "/products.html", ""] {
            assert_eq!(centre.topic_of(other), None, "{other}");
        }
    }
}
