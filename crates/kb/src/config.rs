//! The site configuration, `edgedesk.toml` at the root of the content directory. Everything in it is
//! optional: a folder of Markdown files is a knowledge base on its own.
//!
//! ```toml
//! default-locale = "en"
//! locales = ["en", "ru", "uk"]
//!
//! [products]
//! analytics = "Acme Analytics"
//!
//! [sections.billing]
//! order = 2
//! title = { en = "Billing", ru = "Оплата" }
//!
//! [synonyms]
//! en = [["invoice", "bill", "receipt"]]
//!
//! [variables]
//! product = "Acme"
//!
//! [learning]
//! enabled = true
//! veto = [{ query = "export", article = "billing/invoices" }]
//!
//! [semantic]
//! enabled = true
//!
//! [answers]
//! model = "@cf/meta/llama-3.1-8b-instruct"
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::problems::Problem;

pub const FILE_NAME: &str = "edgedesk.toml";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SiteConfig {
    /// The locale of articles whose path names none. Default: `en`.
    pub default_locale: Option<String>,
    /// Locales the site publishes; when given, articles in other locales are errors. Default: whatever
    /// the content has.
    pub locales: Vec<String>,
    /// Product ids and their names; when given, articles may only name these in `products`.
    pub products: BTreeMap<String, String>,
    /// Section slugs (folder names) with their titles per locale and their order in lists.
    pub sections: BTreeMap<String, SectionConfig>,
    /// Per locale, groups of words customers use interchangeably.
    pub synonyms: BTreeMap<String, Vec<Vec<String>>>,
    /// `{{ name }}` in articles is replaced by the value.
    pub variables: BTreeMap<String, String>,
    /// The support team: hours, holidays, reply targets and ticket topics.
    pub support: super::support::SupportConfig,
    /// Whether the ranking learns from what customers read, and the pairs editors veto.
    pub learning: edgedesk_search::learning::LearningConfig,
    /// Whether the build embeds sections for ranking by meaning as well as by words.
    pub semantic: edgedesk_search::semantic::SemanticConfig,
    /// Answers written by the team's model from the knowledge base: off unless the section is there.
    pub answers: Option<edgedesk_answers::AnswersConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SectionConfig {
    /// Lower comes first; sections without an order follow, by slug.
    pub order: Option<i64>,
    /// The section's title per locale; the slug, capitalised, where a locale has none.
    pub title: BTreeMap<String, String>,
}

impl SiteConfig {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            Problem::error(
                FILE_NAME,
                line,
                "invalid-config",
                format!("the site configuration is not valid: {}", error.message()),
                "see the example at the top of the README's “Writing articles” section",
            )
        })
    }

    pub fn default_locale(&self) -> &str {
        self.default_locale.as_deref().unwrap_or(super::DEFAULT_LOCALE)
    }

    pub fn section_title(&self, slug: &str, locale: &str) -> String {
        self.sections
            .get(slug)
            .and_then(|section| section.title.get(locale).or_else(|| section.title.get(self.default_locale())))
            .cloned()
            .unwrap_or_else(|| {
                let words = slug.replace(['-', '_'], " ");
                let mut chars = words.chars();
                chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
            })
    }

    pub fn section_order(&self, slug: &str) -> Option<i64> {
        self.sections.get(slug).and_then(|section| section.order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_reads() {
        let config = SiteConfig::parse(
            "default-locale = \"ru\"\nlocales = [\"ru\", \"en\"]\n[products]\nweb = \"Web\"\n\
             [sections.billing]\norder = 2\ntitle = { ru = \"Оплата\" }\n[synonyms]\nen = [[\"bill\", \"invoice\"]]\n",
        )
        .unwrap();
        assert_eq!(config.default_locale(), "ru");
        assert_eq!(config.section_title("billing", "ru"), "Оплата");
        assert_eq!(config.section_title("billing", "en"), "Оплата");
        assert_eq!(config.section_title("getting-started", "en"), "Getting started");
        assert_eq!(config.section_order("billing"), Some(2));
        assert_eq!(config.synonyms["en"], [vec!["bill".to_owned(), "invoice".to_owned()]]);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let problem = SiteConfig::parse("locales = [\"en\"]\n\n[sections.billing]\ntitel = \"Billing\"\n").unwrap_err();
        assert_eq!(problem.line, 4, "{problem}");
        assert!(problem.message.contains("titel"), "{problem}");
        assert_eq!(problem.file, FILE_NAME);
    }
}
