//! `[answers]` in `edgedesk.toml`, compiled to `kb/answers.json`. Off unless the section is there (and the
//! worker has the provider's URL); every number has a default a help center can start with.
//!
//! ```toml
//! [answers]
//! model = "@cf/meta/llama-3.1-8b-instruct"
//! max-tokens = 220
//! per-visit = 10
//! per-address = 30
//! daily-cap = 2000
//! timeout-ms = 8000
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct AnswersConfig {
    /// The provider's name for the model (`@cf/meta/llama-3.1-8b-instruct` on Workers AI, `gpt-4o-mini`
    /// on OpenAI, any name on a llama.cpp server).
    pub model: String,
    /// The longest answer, in the model's tokens: a few sentences.
    pub max_tokens: u32,
    /// Answers written for one visit (a tab) in a day; a cached answer costs nothing and is not counted.
    pub per_visit: u32,
    /// Answers written for one address (an IPv4 address, an IPv6 /64) in a day.
    pub per_address: u32,
    /// Answers written for the whole site in a day (UTC): the bill's ceiling.
    pub daily_cap: u32,
    /// How long the provider has to begin an answer, and at most between two pieces of it; past that the
    /// card gives way to the results.
    pub timeout_ms: u32,
}

impl Default for AnswersConfig {
    fn default() -> Self {
        Self {
            model: String::new(),
            max_tokens: 220,
            per_visit: 10,
            per_address: 30,
            daily_cap: 2_000,
            timeout_ms: 8_000,
        }
    }
}

/// The bounds each setting must keep, with why.
pub const MAX_TOKENS: std::ops::RangeInclusive<u32> = 16..=1_024;
pub const TIMEOUT_MS: std::ops::RangeInclusive<u32> = 1_000..=30_000;

impl AnswersConfig {
    /// What is wrong with the settings, each as (key, message, fix), all at once.
    pub fn problems(&self) -> Vec<(&'static str, String, String)> {
        let mut problems = Vec::new();
        if self.model.trim().is_empty() {
            problems.push((
                "model",
                "`[answers]` names no model".to_owned(),
                "add `model = \"…\"`, the provider's name for the model that writes answers".to_owned(),
            ));
        }
        if !MAX_TOKENS.contains(&self.max_tokens) {
            problems.push((
                "max-tokens",
                format!("`[answers] max-tokens = {}` is out of range", self.max_tokens),
                format!("use {} to {}: an answer is a few sentences", MAX_TOKENS.start(), MAX_TOKENS.end()),
            ));
        }
        if !TIMEOUT_MS.contains(&self.timeout_ms) {
            problems.push((
                "timeout-ms",
                format!("`[answers] timeout-ms = {}` is out of range", self.timeout_ms),
                format!("use {} to {} milliseconds", TIMEOUT_MS.start(), TIMEOUT_MS.end()),
            ));
        }
        for (key, value) in
            [("per-visit", self.per_visit), ("per-address", self.per_address), ("daily-cap", self.daily_cap)]
        {
            if value == 0 {
                problems.push((
                    key,
                    format!("`[answers] {key} = 0` would never answer"),
                    "remove the `[answers]` section to turn answers off".to_owned(),
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_named_at_once() {
        let config =
            AnswersConfig { model: " ".into(), max_tokens: 5_000, timeout_ms: 10, per_visit: 0, ..Default::default() };
        let keys: Vec<&str> = config.problems().iter().map(|(key, _, _)| *key).collect();
        assert_eq!(keys, ["model", "max-tokens", "timeout-ms", "per-visit"]);
        assert!(AnswersConfig { model: "gpt-4o-mini".into(), ..Default::default() }.problems().is_empty());
    }
}
