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
    /// Whether the build embedded this locale's sections (`vectors.bin`), so that the worker can rank its
    /// searches by meaning once the customer pauses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vectors: bool,
    /// The model that embedded them, so that the worker asks its provider for that model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
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

    /// The validator for a search answer: what was learned by `learned_at`, if it moved the ranking, and
    /// whether the ranking is by meaning, each make another answer for the same query.
    pub fn search_etag(&self, learned_at: Option<i64>, by_meaning: bool) -> String {
        let learned = learned_at.map(|at| format!("-{at}")).unwrap_or_default();
        let meaning = if by_meaning { "-meaning" } else { "" };
        format!("\"{}{learned}{meaning}\"", self.build)
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
            locales: ["en", "ru", "pt-BR"]
                .into_iter()
                .map(|l| (l.to_owned(), LocaleSummary { articles: 1, vectors: false, model: None }))
                .collect(),
            products: BTreeMap::new(),
        };
        assert_eq!(manifest.choose_locale(Some("ru")), "ru");
        assert_eq!(manifest.choose_locale(Some("ru-RU")), "ru");
        assert_eq!(manifest.choose_locale(Some("pt-br")), "pt-BR");
        assert_eq!(manifest.choose_locale(Some("uk")), "en");
        assert_eq!(manifest.choose_locale(Some("")), "en");
        assert_eq!(manifest.choose_locale(None), "en");
        assert_eq!(manifest.etag(), "\"abc\"");
        assert_eq!(manifest.search_etag(None, false), manifest.etag());
        assert_eq!(manifest.search_etag(Some(7), false), "\"abc-7\"");
        assert_eq!(manifest.search_etag(Some(7), true), "\"abc-7-meaning\"");
    }
}
