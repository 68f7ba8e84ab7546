//! The search index: built once at build time, queried by the worker and the CLI.
//!
//! Ranking is BM25 (k1 1.2, b 0.75) over field-weighted term frequencies, so a word in the title counts
//! as much as several in the body. The last word of a query is also matched as a prefix, because
//! customers search as they type and "passw" should already find "password".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{ApiError, SearchHit};
use crate::text;

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// How much one occurrence of a word in the title counts, relative to one in the body.
const TITLE_WEIGHT: f32 = 3.0;
/// How much one occurrence of a word in the summary counts; editors put the gist there.
const SUMMARY_WEIGHT: f32 = 1.5;
/// A prefix match is likely but not certainly what the customer means, so it ranks below a whole word.
const PREFIX_MATCH_DISCOUNT: f32 = 0.8;
/// Prefixes shorter than this match too much to be useful.
const MIN_PREFIX_CHARS: usize = 2;

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;
/// Longer queries are pasted error messages or abuse; neither is helped by ranking 10 KB of words.
pub const MAX_QUERY_CHARS: usize = 200;

/// What the index needs to know of one article.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub slug: &'a str,
    pub locale: &'a str,
    pub title: &'a str,
    pub section: &'a str,
    pub source: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
}

/// A search request after its parameters were read.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub text: &'a str,
    /// Only articles in this locale, when given.
    pub locale: Option<&'a str>,
    pub limit: usize,
}

impl<'a> Query<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, locale: None, limit: DEFAULT_LIMIT }
    }

    /// Reads `q`, `locale` and `limit` as they arrive in a URL, refusing what cannot be meant.
    pub fn from_params(text: &'a str, locale: Option<&'a str>, limit: Option<&str>) -> Result<Self, ApiError> {
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(ApiError::for_field(
                400,
                "query_too_long",
                "q",
                format!("The query is {chars} characters long; the limit is {MAX_QUERY_CHARS}."),
            ));
        }
        let limit = match limit {
            None | Some("") => DEFAULT_LIMIT,
            Some(raw) => raw.parse().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
                ApiError::for_field(
                    400,
                    "invalid_limit",
                    "limit",
                    format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}."),
                )
            })?,
        };
        Ok(Self { text, locale: locale.filter(|locale| !locale.is_empty()), limit })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IndexedDocument {
    slug: String,
    locale: String,
    title: String,
    section: String,
    source: String,
    snippet: String,
    /// The field-weighted number of terms, for BM25's length normalisation.
    length: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TermPostings {
    term: String,
    /// (document number, field-weighted term frequency), by document number.
    postings: Vec<(u32, f32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchIndex {
    documents: Vec<IndexedDocument>,
    /// Sorted by term, so all terms sharing a prefix are one contiguous run.
    terms: Vec<TermPostings>,
    average_length: f32,
}

impl SearchIndex {
    pub fn build<'a>(documents: impl IntoIterator<Item = Document<'a>>) -> Self {
        let mut indexed = Vec::new();
        let mut postings: BTreeMap<String, BTreeMap<u32, f32>> = BTreeMap::new();
        for (number, document) in documents.into_iter().enumerate() {
            let number = u32::try_from(number).expect("fewer than 4 billion articles");
            let mut length = 0.0;
            let fields = [(document.title, TITLE_WEIGHT), (document.summary, SUMMARY_WEIGHT), (document.body, 1.0)];
            for (field, weight) in fields {
                for term in text::terms(field) {
                    *postings.entry(term).or_default().entry(number).or_default() += weight;
                    length += weight;
                }
            }
            indexed.push(IndexedDocument {
                slug: document.slug.to_owned(),
                locale: document.locale.to_owned(),
                title: document.title.to_owned(),
                section: document.section.to_owned(),
                source: document.source.to_owned(),
                snippet: document.summary.to_owned(),
                length,
            });
        }
        let average_length =
            if indexed.is_empty() { 1.0 } else { indexed.iter().map(|d| d.length).sum::<f32>() / indexed.len() as f32 };
        let terms = postings
            .into_iter()
            .map(|(term, docs)| TermPostings { term, postings: docs.into_iter().collect() })
            .collect();
        Self { documents: indexed, terms, average_length }
    }

    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    pub fn search(&self, query: &Query<'_>) -> Vec<SearchHit> {
        let query_terms: Vec<String> = text::terms(query.text).collect();
        // The customer is still typing the last word unless the query ends with a space.
        let last_is_partial = !query.text.ends_with(char::is_whitespace);
        let mut scores: BTreeMap<u32, f32> = BTreeMap::new();
        for (position, query_term) in query_terms.iter().enumerate() {
            let as_prefix =
                last_is_partial && position + 1 == query_terms.len() && query_term.chars().count() >= MIN_PREFIX_CHARS;
            // Per document, the best match of this query word counts once, so a short prefix that
            // matches many words does not outweigh a whole word.
            let mut best: BTreeMap<u32, f32> = BTreeMap::new();
            for entry in self.matching_terms(query_term, as_prefix) {
                let discount = if entry.term == *query_term { 1.0 } else { PREFIX_MATCH_DISCOUNT };
                let idf = self.inverse_document_frequency(entry.postings.len());
                for &(document, frequency) in &entry.postings {
                    let score = discount * idf * self.saturate(frequency, document);
                    let slot = best.entry(document).or_default();
                    *slot = slot.max(score);
                }
            }
            for (document, score) in best {
                *scores.entry(document).or_default() += score;
            }
        }

        let mut ranked: Vec<(u32, f32)> = scores
            .into_iter()
            .filter(|&(document, _)| {
                query.locale.is_none_or(|locale| self.documents[document as usize].locale == locale)
            })
            .collect();
        // Best first; equal scores keep build order so results are stable.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(query.limit.min(MAX_LIMIT))
            .map(|(document, score)| {
                let document = &self.documents[document as usize];
                SearchHit {
                    slug: document.slug.clone(),
                    locale: document.locale.clone(),
                    title: document.title.clone(),
                    section: document.section.clone(),
                    source: document.source.clone(),
                    snippet: document.snippet.clone(),
                    score: (score * 1000.0).round() / 1000.0,
                }
            })
            .collect()
    }

    fn matching_terms<'s>(&'s self, query_term: &str, as_prefix: bool) -> &'s [TermPostings] {
        let start = self.terms.partition_point(|entry| entry.term.as_str() < query_term);
        let end = if as_prefix {
            start + self.terms[start..].partition_point(|entry| entry.term.starts_with(query_term))
        } else {
            start + usize::from(self.terms.get(start).is_some_and(|entry| entry.term == query_term))
        };
        &self.terms[start..end]
    }

    fn inverse_document_frequency(&self, documents_with_term: usize) -> f32 {
        let total = self.documents.len() as f32;
        let with_term = documents_with_term as f32;
        (1.0 + (total - with_term + 0.5) / (with_term + 0.5)).ln()
    }

    fn saturate(&self, frequency: f32, document: u32) -> f32 {
        let length = self.documents[document as usize].length;
        frequency * (K1 + 1.0) / (frequency + K1 * (1.0 - B + B * length / self.average_length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(slug: &'a str, locale: &'a str, title: &'a str, body: &'a str) -> Document<'a> {
        Document { slug, locale, title, section: "general", source: slug, summary: "", body }
    }

    fn demo_index() -> SearchIndex {
        SearchIndex::build([
            doc("reset-password", "en", "Reset your password", "Open the sign-in page and choose Forgot password."),
            doc("invite", "en", "Invite teammates", "Send an invitation from Settings. Teammates get an email."),
            doc("billing", "en", "Change your plan", "Upgrade or downgrade; your password is not affected."),
            doc("sbros-parolya", "ru", "Сброс пароля", "Откройте страницу входа и нажмите «Забыли пароль?»."),
        ])
    }

    fn slugs(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.slug.as_str()).collect()
    }

    #[test]
    fn title_match_outranks_body_mention() {
        let hits = demo_index().search(&Query::new("password"));
        assert_eq!(slugs(&hits), ["reset-password", "billing"]);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn last_word_matches_as_prefix_while_typing() {
        assert_eq!(slugs(&demo_index().search(&Query::new("teamm"))), ["invite"]);
        // Once the customer typed a space the word is complete and no longer a prefix.
        assert!(demo_index().search(&Query::new("teamm ")).is_empty());
    }

    #[test]
    fn single_letter_is_not_expanded() {
        assert!(demo_index().search(&Query::new("t")).is_empty());
    }

    #[test]
    fn locale_filter_and_cyrillic() {
        let index = demo_index();
        let ru = index.search(&Query { locale: Some("ru"), ..Query::new("пароль") });
        assert_eq!(slugs(&ru), ["sbros-parolya"]);
        let en = index.search(&Query { locale: Some("en"), ..Query::new("пароль") });
        assert!(en.is_empty());
    }

    #[test]
    fn limit_is_respected_and_capped() {
        let index = demo_index();
        assert_eq!(index.search(&Query { limit: 1, ..Query::new("password") }).len(), 1);
        assert_eq!(index.search(&Query { limit: 10_000, ..Query::new("your") }).len(), 2);
    }

    #[test]
    fn url_parameters_are_checked() {
        let query = Query::from_params("pass", Some("ru"), Some("3")).unwrap();
        assert_eq!((query.locale, query.limit), (Some("ru"), 3));
        assert_eq!(Query::from_params("pass", Some(""), None).unwrap().locale, None);
        assert_eq!(Query::from_params("pass", None, None).unwrap().limit, DEFAULT_LIMIT);
        for bad in ["0", "51", "-1", "ten", "2.5"] {
            let error = Query::from_params("pass", None, Some(bad)).unwrap_err();
            assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_limit", Some("limit")), "{bad}");
        }
        let long = "я".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(Query::from_params(&long, None, None).unwrap_err().code, "query_too_long");
    }

    #[test]
    fn empty_and_punctuation_only_queries_find_nothing() {
        let index = demo_index();
        assert!(index.search(&Query::new("")).is_empty());
        assert!(index.search(&Query::new("  ?!  ")).is_empty());
    }

    #[test]
    fn index_survives_a_json_round_trip() {
        let index = demo_index();
        let json = serde_json::to_string(&index).unwrap();
        let back: SearchIndex = serde_json::from_str(&json).unwrap();
        assert_eq!(back, index);
        assert_eq!(back.search(&Query::new("invite")), index.search(&Query::new("invite")));
    }
}
