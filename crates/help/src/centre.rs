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
