//! The browser side of Relais: the embeddable chat widget (`/widget.js`) and the agent
//! console (`/console`), compiled into the binary so a deployment is one file.

/// A file served to browsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every path [`asset`] serves.
pub const PATHS: &[&str] = &[
    "/widget.js",
    "/console",
    "/console/",
    "/console/index.html",
    "/console/console.js",
    "/console/console.css",
];

/// The asset served at `path` (`/widget.js`, `/console`, `/console/console.js` …), if any.
pub fn asset(path: &str) -> Option<Asset> {
    let (content_type, body): (&str, &[u8]) = match path {
        "/widget.js" => (JS, include_bytes!("../assets/widget.js")),
        "/console" | "/console/" | "/console/index.html" => {
            (HTML, include_bytes!("../assets/console/index.html"))
        }
        "/console/console.js" => (JS, include_bytes!("../assets/console/console.js")),
        "/console/console.css" => (CSS, include_bytes!("../assets/console/console.css")),
        _ => return None,
    };
    Some(Asset { content_type, body })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::GzEncoder};

    use super::*;

    #[test]
    fn every_served_asset_is_non_empty() {
        for path in PATHS {
            let asset = asset(path).unwrap_or_else(|| panic!("{path} is not served"));
            assert!(!asset.body.is_empty(), "{path} is empty");
            assert!(
                asset.content_type.contains("charset=utf-8"),
                "{path}: {}",
                asset.content_type
            );
        }
    }

    #[test]
    fn unknown_paths_are_not_served() {
        for path in [
            "/",
            "/console/../Cargo.toml",
            "/console/missing.js",
            "/widget.js.map",
        ] {
            assert_eq!(asset(path), None, "{path}");
        }
    }

    #[test]
    fn widget_is_at_most_25_kb_gzipped() {
        let body = asset("/widget.js").expect("widget.js").body;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(body).expect("gzip");
        let size = gz.finish().expect("gzip").len();
        assert!(
            size <= 25 * 1024,
            "widget.js is {size} bytes gzipped, more than 25 KB"
        );
    }
}
