//! Ranking that learns from customers. A search followed, in the same visit, by reading an article and
//! filing no ticket is a vote for that article on that query. Votes decay with age, count once per visit
//! and once per client address, and lift an article only after enough distinct addresses agree; the lift
//! is bounded and only ever applies to articles the query finds on its own words, so nobody can push an
//! unrelated page into the results, and one visit or one address can move nothing.

use std::collections::{BTreeMap, BTreeSet};

use edgedesk_protocol::api::LearnedPair;
use serde::{Deserialize, Serialize};

use crate::language::is_function_word;
use crate::text::{self, Cyrillic};

/// Votes older than this are not read at all (and the address hashes behind them are forgotten).
pub const WINDOW_DAYS: i64 = 28;
/// A vote counts half as much after a week: what customers settle on changes with the product.
const HALF_LIFE_DAYS: f64 = 7.0;
/// Fewer distinct addresses than this lift nothing: one person, or one office, is not a trend.
pub const MIN_ADDRESSES: u32 = 3;
/// Fresh votes from this many distinct addresses give the whole lift.
const FULL_EVIDENCE: f64 = 6.0;
/// The most a learned pair multiplies an article's score by, less one: it can overtake articles that
/// match the words up to twice as well, never one the query finds far better.
pub const MAX_LIFT: f32 = 1.0;
/// Articles lifted per query, and pairs kept in all: the learned state stays one small KV value.
const MAX_PER_QUERY: usize = 3;
const MAX_PAIRS: usize = 2_000;

/// `[learning]` in `edgedesk.toml`, compiled to `kb/learning.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct LearningConfig {
    /// Whether the ranking learns from customers at all.
    pub enabled: bool,
    /// Pairs editors refuse: this query must never lift this article.
    pub veto: Vec<Veto>,
}

impl Default for LearningConfig {
    fn default() -> Self {
        Self { enabled: true, veto: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veto {
    /// The query as a customer would type it; compared by its meaningful words, so "How do I export?"
    /// vetoes "export" too.
    pub query: String,
    /// The article's slug.
    pub article: String,
}

impl LearningConfig {
    pub fn vetoes(&self, locale: &str, query_key: &str, article: &str) -> bool {
        self.veto.iter().any(|veto| veto.article == article && self::query_key(&veto.query, locale) == query_key)
    }
}

/// A query as learning knows it: its meaningful words, stemmed, without repeats and sorted, so "How do I
/// reset my password?" and "password reset" are one query.
pub fn query_key(text: &str, locale: &str) -> String {
    let cyrillic = Cyrillic::for_locale(locale);
    let words: Vec<text::Word> = text::words(text).collect();
    let meaningful = words.iter().any(|word| !is_function_word(&word.folded));
    let stems: BTreeSet<String> = words
        .iter()
        .filter(|word| !meaningful || !is_function_word(&word.folded))
        .map(|word| text::stem(&word.folded, cyrillic).into_owned())
        .collect();
    stems.into_iter().collect::<Vec<_>>().join(" ")
}

/// One visit's search followed by reading an article, from the insights events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The article's locale.
    pub locale: String,
    /// The search as recorded (folded words).
    pub query: String,
    pub article: String,
    pub visit: String,
    /// A keyed hash of the client's address.
    pub address: String,
    /// When the article was read (Unix seconds).
    pub at: i64,
}

/// The pairs the votes support at `now`, strongest first; vetoed pairs are kept (without a lift) so that
/// editors see their veto at work.
pub fn learn(votes: &[Vote], now: i64, config: &LearningConfig) -> Vec<LearnedPair> {
    #[derive(Default)]
    struct Evidence<'a> {
        visits: BTreeSet<&'a str>,
        /// Per address, its freshest vote's weight: an address votes once however many visits it makes.
        addresses: BTreeMap<&'a str, f64>,
    }
    let oldest = now - WINDOW_DAYS * 86_400;
    let mut pairs: BTreeMap<(&str, String, &str), Evidence> = BTreeMap::new();
    let mut keys: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for vote in votes.iter().filter(|vote| (oldest..=now).contains(&vote.at)) {
        let key = keys.entry((&vote.locale, &vote.query)).or_insert_with(|| query_key(&vote.query, &vote.locale));
        if key.is_empty() {
            continue;
        }
        let evidence = pairs.entry((&vote.locale, key.clone(), &vote.article)).or_default();
        evidence.visits.insert(&vote.visit);
        let weight = 0.5f64.powf((now - vote.at) as f64 / 86_400.0 / HALF_LIFE_DAYS);
        let freshest = evidence.addresses.entry(&vote.address).or_insert(0.0);
        *freshest = freshest.max(weight);
    }
    let mut learned: Vec<LearnedPair> = pairs
        .into_iter()
        .filter(|(_, evidence)| evidence.addresses.len() as u32 >= MIN_ADDRESSES)
        .map(|((locale, query, article), evidence)| {
            let strength = (evidence.addresses.values().sum::<f64>() / FULL_EVIDENCE).min(1.0) as f32;
            LearnedPair {
                locale: locale.to_owned(),
                boost: 1.0 + MAX_LIFT * strength,
                query,
                article: article.to_owned(),
                visits: evidence.visits.len() as u32,
                addresses: evidence.addresses.len() as u32,
                vetoed: false,
            }
        })
        .collect();
    apply_vetoes(&mut learned, config);
    learned.sort_by(|a, b| {
        (&a.locale, &a.query)
            .cmp(&(&b.locale, &b.query))
            .then(b.boost.total_cmp(&a.boost))
            .then(a.article.cmp(&b.article))
    });
    let mut per_query: BTreeMap<(String, String), usize> = BTreeMap::new();
    learned.retain(|pair| {
        let count = per_query.entry((pair.locale.clone(), pair.query.clone())).or_insert(0);
        *count += 1;
        *count <= MAX_PER_QUERY
    });
    learned.sort_by(|a, b| b.boost.total_cmp(&a.boost).then(b.addresses.cmp(&a.addresses)));
    learned.truncate(MAX_PAIRS);
    learned
}

/// Marks the pairs editors veto, which then lift nothing: at the sweep, and again when they are shown,
/// for a veto deployed since.
pub fn apply_vetoes(pairs: &mut [LearnedPair], config: &LearningConfig) {
    for pair in pairs.iter_mut().filter(|pair| config.vetoes(&pair.locale, &pair.query, &pair.article)) {
        pair.vetoed = true;
        pair.boost = 1.0;
    }
}

/// The lifts that apply to a search for `text` in `locale`: (article slug, score factor).
pub fn boosts<'a>(pairs: &'a [LearnedPair], locale: &str, text: &str, config: &LearningConfig) -> Vec<(&'a str, f32)> {
    if !config.enabled || pairs.is_empty() {
        return Vec::new();
    }
    let key = query_key(text, locale);
    pairs
        .iter()
        .filter(|pair| pair.locale == locale && pair.query == key && pair.boost > 1.0)
        .filter(|pair| !config.vetoes(locale, &key, &pair.article))
        .map(|pair| (pair.article.as_str(), pair.boost.min(1.0 + MAX_LIFT)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    fn vote(query: &str, article: &str, visit: &str, address: &str, days_ago: f64) -> Vote {
        Vote {
            locale: "en".into(),
            query: query.into(),
            article: article.into(),
            visit: visit.into(),
            address: address.into(),
            at: NOW - (days_ago * DAY as f64) as i64,
        }
    }

    fn distinct(count: usize, query: &str, article: &str, days_ago: f64) -> Vec<Vote> {
        (0..count).map(|n| vote(query, article, &format!("visit-{n}"), &format!("address-{n}"), days_ago)).collect()
    }

    #[test]
    fn questions_in_other_words_are_one_query() {
        assert_eq!(query_key("How do I reset my password?", "en"), query_key("password reset", "en"));
        assert_eq!(query_key("Как сбросить пароль", "ru"), query_key("пароля сбросить", "ru"));
        assert_eq!(query_key("the", "en"), "the", "a query of function words only keeps them");
    }

    #[test]
    fn enough_distinct_addresses_lift_an_article_within_the_bound() {
        let learned = learn(&distinct(10, "export invoices", "billing/export", 0.0), NOW, &LearningConfig::default());
        assert_eq!(learned.len(), 1);
        let pair = &learned[0];
        assert_eq!((pair.query.as_str(), pair.article.as_str()), ("export invoic", "billing/export"));
        assert_eq!((pair.visits, pair.addresses), (10, 10));
        assert_eq!(pair.boost, 1.0 + MAX_LIFT, "fresh votes from 10 addresses give the whole lift, no more");
        let applied = boosts(&learned, "en", "How do I export my invoices?", &LearningConfig::default());
        assert_eq!(applied, vec![("billing/export", 1.0 + MAX_LIFT)]);
        assert!(boosts(&learned, "ru", "export invoices", &LearningConfig::default()).is_empty());
        assert!(boosts(&learned, "en", "export", &LearningConfig::default()).is_empty());
    }

    #[test]
    fn one_visit_or_one_address_moves_nothing() {
        let flood: Vec<Vote> =
            (0..500).map(|_| vote("export", "billing/export", "visit-1", "address-1", 0.0)).collect();
        assert!(learn(&flood, NOW, &LearningConfig::default()).is_empty(), "one visit, however many votes");
        let one_address: Vec<Vote> =
            (0..500).map(|n| vote("export", "billing/export", &format!("visit-{n}"), "address-1", 0.0)).collect();
        assert!(learn(&one_address, NOW, &LearningConfig::default()).is_empty(), "one address, many visits");
        let two = distinct(2, "export", "billing/export", 0.0);
        assert!(learn(&[two, one_address].concat(), NOW, &LearningConfig::default()).is_empty());
        let three = learn(&distinct(3, "export", "billing/export", 0.0), NOW, &LearningConfig::default());
        assert_eq!(three.len(), 1, "{MIN_ADDRESSES} addresses are a trend");
        assert!(three[0].boost > 1.0 && three[0].boost < 1.0 + MAX_LIFT);
    }

    #[test]
    fn votes_decay_and_leave_the_window() {
        let fresh = learn(&distinct(4, "export", "a", 0.0), NOW, &LearningConfig::default())[0].boost;
        let week = learn(&distinct(4, "export", "a", 7.0), NOW, &LearningConfig::default())[0].boost;
        assert!((week - 1.0 - (fresh - 1.0) / 2.0).abs() < 1e-3, "a week halves the lift: {fresh} then {week}");
        assert!(learn(&distinct(50, "export", "a", 29.0), NOW, &LearningConfig::default()).is_empty());
        assert!(learn(&distinct(50, "export", "a", -1.0), NOW, &LearningConfig::default()).is_empty(), "future");
    }

    #[test]
    fn an_editors_veto_keeps_the_pair_visible_but_inert() {
        let config = LearningConfig {
            enabled: true,
            veto: vec![Veto { query: "How to export?".into(), article: "billing/export".into() }],
        };
        let learned = learn(&distinct(8, "export", "billing/export", 0.0), NOW, &config);
        assert!(learned[0].vetoed && learned[0].boost == 1.0);
        // A veto added after the pairs were learned works at once.
        let before = learn(&distinct(8, "export", "billing/export", 0.0), NOW, &LearningConfig::default());
        assert!(boosts(&before, "en", "export", &config).is_empty());
        let off = LearningConfig { enabled: false, veto: Vec::new() };
        assert!(boosts(&before, "en", "export", &off).is_empty(), "a setting turns learning off");
    }

    #[test]
    fn each_query_lifts_a_few_articles_at_most() {
        let votes: Vec<Vote> = ["a", "b", "c", "d", "e"]
            .iter()
            .enumerate()
            .flat_map(|(n, article)| distinct(3 + n, "export", article, 0.0))
            .collect();
        let learned = learn(&votes, NOW, &LearningConfig::default());
        let articles: Vec<&str> = learned.iter().map(|pair| pair.article.as_str()).collect();
        assert_eq!(articles, ["e", "d", "c"], "the three with the most evidence");
    }
}
