//! Measuring search quality: a set of customer queries with the articles that answer them, scored the
//! way information-retrieval work scores it (recall at 5, mean reciprocal rank at 10). Editors can keep
//! such a set for their own help center; edgedesk keeps sets for the two shared corpora as tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use edgedesk_protocol::api::SearchHit;

use crate::semantic::{Fusion, SectionVectors};
use crate::{Query, SearchIndex, TUNING, Tuning, language};

/// Hits a customer actually looks at.
pub const RECALL_DEPTH: usize = 5;
pub const RANK_DEPTH: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub query: String,
    /// Source paths of the articles that answer the query.
    pub expected: Vec<String>,
    /// What kind of query this is (question, typo, prefix, …), for a breakdown.
    #[serde(default)]
    pub kind: String,
    /// The language of the page the customer typed on, when it is not the set's: a Russian query on the
    /// English site, say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub query: String,
    pub expected: Vec<String>,
    /// Where the first expected article ranked, if in the first [`RANK_DEPTH`].
    pub rank: Option<usize>,
    pub top: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub queries: usize,
    /// Share of queries with an expected article in the first [`RECALL_DEPTH`] hits.
    pub recall_at_5: f64,
    /// Mean of 1/rank of the first expected article within [`RANK_DEPTH`] (0 beyond).
    pub mrr_at_10: f64,
    /// Share of queries whose first hit is an expected article with the query's words marked in its
    /// passage: how often the passage shown above the results comes from an article that answers, from
    /// the part of it that matched.
    pub answered_first: f64,
    /// Per kind: (queries, found in the first five).
    pub by_kind: BTreeMap<String, (usize, usize)>,
    /// Queries whose answer was not in the first five.
    pub misses: Vec<Miss>,
}

pub fn evaluate(index: &SearchIndex, judgements: &[Judgement]) -> Evaluation {
    evaluate_with(judgements, |judgement| index.search(&Query { limit: RANK_DEPTH, ..Query::new(&judgement.query) }))
}

/// Scores judgements as the worker answers them: each query is searched in the locale of `indexes` that
/// [`language::locale_for_query`] chooses for it, typed on a page in `page_locale` (or the judgement's own).
pub fn evaluate_routed(
    indexes: &BTreeMap<String, SearchIndex>,
    page_locale: &str,
    judgements: &[Judgement],
) -> Evaluation {
    evaluate_with(judgements, |judgement| search_routed(indexes, page_locale, judgement, &TUNING))
}

/// The hits for a judgement's query, searched where the worker would search it, with `tuning`.
pub fn search_routed(
    indexes: &BTreeMap<String, SearchIndex>,
    page_locale: &str,
    judgement: &Judgement,
    tuning: &Tuning,
) -> Vec<SearchHit> {
    routed_index(indexes, page_locale, judgement).map_or_else(Vec::new, |index| {
        index.search_tuned(&Query { limit: RANK_DEPTH, ..Query::new(&judgement.query) }, tuning)
    })
}

/// The index of the locale the worker would search a judgement's query in, typed on a page in
/// `page_locale` (or the judgement's own).
fn routed_index<'i>(
    indexes: &'i BTreeMap<String, SearchIndex>,
    page_locale: &str,
    judgement: &Judgement,
) -> Option<&'i SearchIndex> {
    let locales: Vec<&str> = indexes.keys().map(String::as_str).collect();
    let page = judgement.page_locale.as_deref().unwrap_or(page_locale);
    let locale = language::locale_for_query(&judgement.query, page, &locales, |locale| indexes.get(locale));
    indexes.get(locale)
}

/// [`search_routed`] as the worker searches once the customer pauses: fused with the semantic ranking
/// when the chosen locale has section vectors and `embed` gives the query's vector.
pub fn search_routed_hybrid(
    indexes: &BTreeMap<String, SearchIndex>,
    page_locale: &str,
    judgement: &Judgement,
    tuning: &Tuning,
    embed: impl Fn(&SectionVectors, &str) -> Option<Vec<f32>>,
    fusion: &Fusion,
) -> Vec<SearchHit> {
    routed_index(indexes, page_locale, judgement).map_or_else(Vec::new, |index| {
        let query = Query { limit: RANK_DEPTH, ..Query::new(&judgement.query) };
        // The query is embedded by the model that embedded the index it is routed to.
        let vector = index.vectors().and_then(|vectors| embed(vectors, &judgement.query));
        let ranking = index.rank_hybrid(&query, tuning, &[], vector.as_deref(), fusion);
        index.hits(&ranking, |article| index.texts(article))
    })
}

/// Where the first expected article ranks among `hits`, from 1; `None` when it is not there.
pub fn rank_of(judgement: &Judgement, hits: &[SearchHit]) -> Option<usize> {
    hits.iter().position(|hit| judgement.expected.contains(&hit.source)).map(|at| at + 1)
}

/// Scores the hits `search` gives for each judgement's query (at least [`RANK_DEPTH`] of them).
pub fn evaluate_with(judgements: &[Judgement], search: impl Fn(&Judgement) -> Vec<SearchHit>) -> Evaluation {
    let mut found = 0;
    let mut reciprocal_ranks = 0.0;
    let mut first = 0;
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for judgement in judgements {
        let hits = search(judgement);
        let rank = rank_of(judgement, &hits);
        let in_top = rank.is_some_and(|rank| rank <= RECALL_DEPTH);
        let kind = by_kind.entry(judgement.kind.clone()).or_default();
        kind.0 += 1;
        if in_top {
            found += 1;
            kind.1 += 1;
        } else {
            misses.push(Miss {
                query: judgement.query.clone(),
                expected: judgement.expected.clone(),
                rank,
                top: hits.iter().take(3).map(|hit| hit.source.clone()).collect(),
            });
        }
        reciprocal_ranks += rank.map_or(0.0, |rank| 1.0 / rank as f64);
        let passage_marked = hits.first().and_then(|hit| hit.passage.as_deref()).is_some_and(|p| p.contains("<mark>"));
        first += usize::from(rank == Some(1) && passage_marked);
    }
    let queries = judgements.len().max(1) as f64;
    Evaluation {
        queries: judgements.len(),
        recall_at_5: found as f64 / queries,
        mrr_at_10: reciprocal_ranks / queries,
        answered_first: first as f64 / queries,
        by_kind,
        misses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, Part};

    #[test]
    fn recall_and_mrr_count_ranks() {
        let doc = |slug: &'static str, title: &'static str| Document {
            slug,
            title,
            section: "s",
            source: slug,
            summary: "",
            products: &[],
            tags: &[],
            parts: vec![Part { anchor: "", heading: "", text: "" }],
        };
        let index = SearchIndex::build("en", [doc("a", "apple pie"), doc("b", "apple tart"), doc("c", "cherry")], &[]);
        let judge = |query: &str, expected: &str| Judgement {
            query: query.into(),
            expected: vec![expected.into()],
            kind: "k".into(),
            page_locale: None,
        };
        let evaluation = evaluate(&index, &[judge("apple pie ", "a"), judge("apple ", "b"), judge("plum ", "c")]);
        assert_eq!(evaluation.queries, 3);
        assert!((evaluation.recall_at_5 - 2.0 / 3.0).abs() < 1e-9);
        // Ranks 1, 2 and none: (1 + 1/2 + 0) / 3.
        assert!((evaluation.mrr_at_10 - 0.5).abs() < 1e-9);
        assert_eq!(evaluation.misses.len(), 1);
        assert_eq!(evaluation.by_kind["k"], (3, 2));
    }
}
