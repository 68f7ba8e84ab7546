//! `kb/manifest.json`: what a knowledge-base build contains. The CLI writes it, the worker reads it once
//! per isolate to know the locales and to tag responses with the build.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The search index format ([`crate::FORMAT_VERSION`]) of this build.
    pub format: u32,
    /// A hash of everything built: the same content always gives the same id.
    pub build: String,
    pub default_locale: String,
    pub locales: BTreeMap<String, LocaleSummary>,
    #[serde(default)]
    pub products: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocaleSummary {
    pub articles: usize,
}

impl Manifest {
    /// The locale to serve for a request: the one asked for if the site has it (`ru`, or `ru` for
    /// `ru-RU`), else the site's default, so a customer always gets an answer.
    pub fn choose_locale(&self, requested: Option<&str>) -> &str {
        let requested = requested.map(str::trim).unwrap_or_default();
        let language = requested.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        self.locales
            .keys()
            .find(|locale| locale.eq_ignore_ascii_case(requested))
            .or_else(|| self.locales.keys().find(|locale| **locale == language))
            .map_or(self.default_locale.as_str(), String::as_str)
    }

    /// The validator for everything derived from this build: it changes exactly when the content does.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.build)
    }

    /// The validator for an answer that also depends on something learned at `version` (Unix seconds).
    pub fn etag_with(&self, version: i64) -> String {
        format!("\"{}-{version}\"", self.build)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_fall_back_to_language_then_default() {
        let manifest = Manifest {
            format: 1,
            build: "abc".into(),
            default_locale: "en".into(),
            locales: ["en", "ru", "pt-BR"].into_iter().map(|l| (l.to_owned(), LocaleSummary { articles: 1 })).collect(),
            products: BTreeMap::new(),
        };
        assert_eq!(manifest.choose_locale(Some("ru")), "ru");
        assert_eq!(manifest.choose_locale(Some("ru-RU")), "ru");
        assert_eq!(manifest.choose_locale(Some("pt-br")), "pt-BR");
        assert_eq!(manifest.choose_locale(Some("uk")), "en");
        assert_eq!(manifest.choose_locale(Some("")), "en");
        assert_eq!(manifest.choose_locale(None), "en");
        assert_eq!(manifest.etag(), "\"abc\"");
    }
}
