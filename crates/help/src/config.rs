//! `[help]` of relais.toml: whether the help centre is served, where, and how it looks.

use serde::{Deserialize, Serialize};

/// The help centre's settings (see relais.toml).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct HelpConfig {
    /// Serve the help centre at all.
    pub enabled: bool,
    /// The name in the header, the titles and the structured data.
    pub site_name: String,
    /// Accent colour, `#rgb` or `#rrggbb`; white text sits on it, so pick a dark one.
    pub color: String,
    /// Path on this server of a logo image shown before the name (`/logo.svg`, from the
    /// site folder): the pages' Content-Security-Policy loads images from this server only.
    pub logo: Option<String>,
    /// Where the pages live on this server: `/help` serves `/help/en/…`.
    pub base_path: String,
    /// The public address of this server, as search engines and sharers reach it
    /// (`https://example.com`), for canonical links, hreflang, the sitemap and OpenGraph;
    /// unset: `http://` and the request's Host header.
    pub public_url: Option<String>,
    /// The main site, linked from the header's name.
    pub home_url: Option<String>,
    /// Links back to the main site, shown in the header.
    pub links: Vec<Link>,
    /// The language of `/help/` when the browser asks for none the help centre has.
    pub default_lang: String,
}

/// A link of the header.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

impl Default for HelpConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            site_name: "Help centre".into(),
            color: "#2f4f6f".into(),
            logo: None,
            base_path: "/help".into(),
            public_url: None,
            home_url: None,
            links: Vec::new(),
            default_lang: "en".into(),
        }
    }
}

/// A `[help]` setting that cannot be used, and how to fix it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HelpConfigError {
    #[error("[help] color {0:?} is not a colour: write it #rgb or #rrggbb, for example #2f4f6f")]
    Color(String),
    #[error("[help] base_path {0:?} must start with / and hold only a-z, 0-9, -, _ and /, for example /help")]
    BasePath(String),
    #[error("[help] base_path {0:?} is taken by the server's own routes (/v1, /console, /widget.js, /healthz, /metrics): choose another, for example /help")]
    TakenPath(String),
    #[error("[help] logo {0:?} must be a path on this server starting with /, such as /logo.svg (the pages load images from this server only)")]
    Logo(String),
    #[error("[help] {key} {value:?} must be an http:// or https:// address{extra}")]
    Address { key: &'static str, value: String, extra: &'static str },
}

impl HelpConfig {
    /// The settings as served: `base_path` and `public_url` without a trailing slash,
    /// every value checked.
    pub fn checked(mut self) -> Result<Self, HelpConfigError> {
        let hex = self.color.strip_prefix('#').unwrap_or("");
        if !(matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(HelpConfigError::Color(self.color));
        }
        let base = self.base_path.trim_end_matches('/');
        if !base.starts_with('/')
            || base.contains("//")
            || !base.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_/".contains(c))
        {
            return Err(HelpConfigError::BasePath(self.base_path));
        }
        let taken = ["/v1", "/console", "/widget.js", "/healthz", "/metrics", "/robots.txt", "/llms.txt"];
        if taken.iter().any(|route| base == *route || base.starts_with(&format!("{route}/"))) {
            return Err(HelpConfigError::TakenPath(self.base_path));
        }
        self.base_path = base.to_string();
        if let Some(url) = &self.public_url {
            if !is_web_address(url) {
                return Err(HelpConfigError::Address { key: "public_url", value: url.clone(), extra: "" });
            }
            self.public_url = Some(url.trim_end_matches('/').to_string());
        }
        if let Some(logo) = &self.logo
            && !(logo.starts_with('/') && !logo.starts_with("//") && !logo.contains(['"', '<', '>', ' ']))
        {
            return Err(HelpConfigError::Logo(logo.clone()));
        }
        let links = self.links.iter().map(|link| ("links", &link.url));
        for (key, url) in links.chain(self.home_url.iter().map(|url| ("home_url", url))) {
            if !(is_web_address(url) || (url.starts_with('/') && !url.starts_with("//"))) {
                return Err(HelpConfigError::Address { key, value: url.clone(), extra: " or a path starting with /" });
            }
        }
        self.default_lang = self.default_lang.trim().to_lowercase();
        Ok(self)
    }
}

fn is_web_address(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace) && !rest.contains(['"', '<', '>']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_bad_values_are_named() {
        assert!(HelpConfig::default().checked().is_ok());
        let with = |edit: fn(&mut HelpConfig)| {
            let mut config = HelpConfig::default();
            edit(&mut config);
            config.checked()
        };
        assert_eq!(with(|c| c.color = "red; background: url(x)".into()).unwrap_err(), HelpConfigError::Color("red; background: url(x)".into()));
        assert!(matches!(with(|c| c.base_path = "help".into()), Err(HelpConfigError::BasePath(_))));
        assert!(matches!(with(|c| c.base_path = "/he lp".into()), Err(HelpConfigError::BasePath(_))));
        assert!(matches!(with(|c| c.public_url = Some("javascript:alert(1)".into())), Err(HelpConfigError::Address { key: "public_url", .. })));
        assert!(matches!(with(|c| c.logo = Some("//evil.example/x.png".into())), Err(HelpConfigError::Logo(_))));
        assert!(matches!(with(|c| c.logo = Some("https://cdn.example/x.png".into())), Err(HelpConfigError::Logo(_))));
        assert!(with(|c| c.logo = Some("/logo.svg".into())).is_ok());
        assert!(matches!(with(|c| c.base_path = "/console".into()), Err(HelpConfigError::TakenPath(_))));
        assert!(matches!(with(|c| c.base_path = "/v1/help".into()), Err(HelpConfigError::TakenPath(_))));
        let config = with(|c| {
            c.base_path = "/support/".into();
            c.public_url = Some("https://shop.example/".into());
        })
        .unwrap();
        assert_eq!((config.base_path.as_str(), config.public_url.as_deref()), ("/support", Some("https://shop.example")));
    }
}
