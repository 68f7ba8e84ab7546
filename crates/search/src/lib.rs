//! The search index: built once at build time (one per locale), queried by the worker and the CLI.
//!
//! Ranking is BM25 (k1 1.2, b 0.75) over field-weighted term frequencies of stemmed words, so a word in
//! the title counts more than one in a heading, and that more than one in the body. Customers do not type
//! like editors write, so a query word also matches:
//! - the editors' synonyms for it (from the site configuration),
//! - as a prefix, when it is the last word and still being typed ("passw" finds "password"),
//! - with one typo from 4 letters and two from 8, when the word itself is not in the knowledge base.
//!
//! Every article is indexed with its parts (the intro and each heading's section), so a hit can point to
//! the section that matched best and show a snippet from it with the matched words marked.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub mod context;
pub mod language;
pub mod learning;
pub mod manifest;
mod postings;
pub mod relevance;
pub mod semantic;
pub mod text;
pub mod thesaurus;
mod ukrainian;

use edgedesk_protocol::api::{ApiError, DEFAULT_LIMIT, MAX_LIMIT, SearchHit, check_query, parse_limit};
use postings::{Posting, PostingLists};
use unicode_normalization::{IsNormalized, is_nfkc_quick};

use crate::language::is_function_word;
use crate::semantic::{Fusion, SectionVectors};
use crate::text::Cyrillic;

/// The ranking's numbers. Each was chosen by 5-fold cross-validation on the dev relevance set
/// (`tests/relevance/dev`, docs/benchmarks.md); the sealed set never saw them chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// BM25's saturation. Higher than the textbook 1.2 because field weights already multiply the counts.
    pub k1: f32,
    /// How much matching more of the customer's words counts beyond the words' own scores.
    pub coverage_weight: f32,
    /// How much it counts that the matched words stand together, in one section of the article (or its
    /// title), rather than scattered over it: the closest the index comes to "words close together".
    pub together_weight: f32,
    /// How much it counts that the words of one code or quotation ("stk500_getsync", "'doesnt exist'")
    /// all stand in one section of the article: the closest the index comes to matching them as a phrase.
    pub phrase_weight: f32,
}

/// The tuning every search uses.
pub const TUNING: Tuning = Tuning { k1: 3.0, coverage_weight: 0.25, together_weight: 0.3, phrase_weight: 0.5 };

impl Default for Tuning {
    fn default() -> Self {
        TUNING
    }
}
/// Where a word is, how much one occurrence there counts, and how much that field's length dampens it
/// (BM25F: each field is normalised by its own average length, so a long body does not drown a short
/// title that says exactly what the customer typed).
#[derive(Debug, Clone, Copy)]
struct Field {
    weight: f32,
    length_normalisation: f32,
}
const TITLE: Field = Field { weight: 4.0, length_normalisation: 0.4 };
const TAGS: Field = Field { weight: 3.0, length_normalisation: 0.0 };
const HEADINGS: Field = Field { weight: 2.0, length_normalisation: 0.4 };
const SUMMARY: Field = Field { weight: 1.5, length_normalisation: 0.5 };
const BODY: Field = Field { weight: 1.0, length_normalisation: 0.75 };
const FIELDS: [Field; 5] = [TITLE, TAGS, HEADINGS, SUMMARY, BODY];
/// A match by a synonym, a completion of a half-typed word or a corrected typo is likely, not certain,
/// to be what the customer meant, so it ranks below the word itself.
const SYNONYM_DISCOUNT: f32 = 0.9;
const COMPLETION_DISCOUNT: f32 = 0.8;
const PREFIX_STEM_DISCOUNT: f32 = 0.75;
/// The longest thesaurus phrase, in words.
const MAX_PHRASE_WORDS: usize = 4;
const ONE_TYPO_DISCOUNT: f32 = 0.7;
const TWO_TYPOS_DISCOUNT: f32 = 0.5;
const TRANSLITERATION_DISCOUNT: f32 = 0.6;
/// Prefixes shorter than this match too much to be useful.
const MIN_PREFIX_CHARS: usize = 2;
/// A half-typed word is completed to at most this many words (the most common ones).
const MAX_COMPLETIONS: usize = 40;
const MIN_CHARS_FOR_ONE_TYPO: usize = 4;
const MIN_CHARS_FOR_TWO_TYPOS: usize = 8;
/// Words in a snippet, and how much of a part is searched for one.
const SNIPPET_WORDS: usize = 26;
/// Words in the passage shown above the results for the first hit: a paragraph, about.
const PASSAGE_WORDS: usize = 70;
const SNIPPET_SCAN_CHARS: usize = 6_000;
/// Parts are stored for snippets up to this length; later text is still indexed.
const MAX_STORED_PART_CHARS: usize = 6_000;
/// Articles per text shard: small enough that a worker fetches little for one query's hits, large enough
/// that a help center has few files.
pub const SHARD_ARTICLES: u32 = 128;
/// Bumped whenever the serialized layout changes, so that a worker never misreads an index.
pub const FORMAT_VERSION: u32 = 4;

/// What the index needs to know of one article.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub section: &'a str,
    pub source: &'a str,
    pub summary: &'a str,
    pub products: &'a [String],
    pub tags: &'a [String],
    /// The intro first (empty anchor and heading), then one part per heading.
    pub parts: Vec<Part<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub anchor: &'a str,
    pub heading: &'a str,
    pub text: &'a str,
}

/// A search request after its parameters were read.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub text: &'a str,
    /// Only articles for this product (articles that name no product are for all of them).
    pub product: Option<&'a str>,
    /// Only articles in this section (its slug).
    pub section: Option<&'a str>,
    pub limit: usize,
}

impl<'a> Query<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, product: None, section: None, limit: DEFAULT_LIMIT }
    }

    /// Reads `q`, `product`, `section` and `limit` as they arrive in a URL, refusing what cannot be meant.
    pub fn from_params(
        text: &'a str,
        product: Option<&'a str>,
        section: Option<&'a str>,
        limit: Option<&str>,
    ) -> Result<Self, ApiError> {
        check_query("q", text)?;
        let limit = parse_limit(limit)?;
        let given = |value: Option<&'a str>| value.filter(|value| !value.is_empty());
        Ok(Self { text, product: given(product), section: given(section), limit })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IndexedArticle {
    slug: String,
    title: String,
    section: String,
    source: String,
    summary: String,
    products: Vec<String>,
    first_part: u32,
    part_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IndexedPart {
    anchor: String,
    heading: String,
}

/// Occurrences per field, in the order of [`FIELDS`] (or, for a document, the fields' lengths).
type FieldCounts = [f32; 5];
/// For one term in one document: its occurrences per field and the parts it appears in.
type TermCounts = (FieldCounts, BTreeSet<u32>);

/// For each length in characters, the terms of that length as (term number, characters).
type VocabularyByLength = Vec<Vec<(u32, Vec<char>)>>;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SearchIndex {
    format: u32,
    locale: String,
    articles: Vec<IndexedArticle>,
    parts: Vec<IndexedPart>,
    /// Stems, sorted, so all stems sharing a prefix are one contiguous run; `postings` is parallel.
    terms: Vec<String>,
    postings: PostingLists,
    /// For each stem with synonyms, and each phrase (its stems joined by spaces), the stems they may
    /// stand for; sorted.
    synonyms: Vec<(String, Vec<String>)>,
    /// Per article, the text of each part, for snippets. Kept in memory where the index is built; stored
    /// apart in shards of [`SHARD_ARTICLES`] articles, so that a worker loads the ranking data at once
    /// and the text only of articles it shows.
    #[serde(skip)]
    texts: Vec<Vec<String>>,
    /// Terms as characters, grouped by length, built on the first misspelt query.
    #[serde(skip)]
    vocabulary_by_length: OnceLock<VocabularyByLength>,
    /// The sections as vectors, for semantic ranking: stored apart (`vectors.bin`), because only a worker
    /// that can embed queries loads them.
    #[serde(skip)]
    vectors: Option<SectionVectors>,
}

impl PartialEq for SearchIndex {
    fn eq(&self, other: &Self) -> bool {
        (&self.format, &self.locale, &self.articles, &self.parts, &self.terms, &self.postings, &self.synonyms)
            == (
                &other.format,
                &other.locale,
                &other.articles,
                &other.parts,
                &other.terms,
                &other.postings,
                &other.synonyms,
            )
            && (self.texts.is_empty() || other.texts.is_empty() || self.texts == other.texts)
    }
}

impl SearchIndex {
    /// Indexes the articles of one locale. `synonyms` are groups of words editors declared equivalent.
    pub fn build<'a>(
        locale: &str,
        documents: impl IntoIterator<Item = Document<'a>>,
        synonyms: &[Vec<String>],
    ) -> Self {
        let cyrillic = Cyrillic::for_locale(locale);
        let stem = |word: &str| text::stem(word, cyrillic).into_owned();
        let mut articles = Vec::new();
        let mut parts = Vec::new();
        let mut texts: Vec<Vec<String>> = Vec::new();
        let mut counted: Vec<(BTreeMap<String, TermCounts>, FieldCounts)> = Vec::new();
        for document in documents {
            let mut terms: BTreeMap<String, TermCounts> = BTreeMap::new();
            let mut lengths = [0.0f32; 5];
            let mut add = |text: &str, field: usize, part: Option<u32>| {
                for word in text::terms(text) {
                    let (frequencies, in_parts) = terms.entry(stem(&word)).or_default();
                    frequencies[field] += 1.0;
                    in_parts.extend(part);
                    lengths[field] += 1.0;
                }
            };
            add(document.title, 0, None);
            for tag in document.tags {
                add(tag, 1, None);
            }
            add(document.summary, 3, None);
            for (part_number, part) in document.parts.iter().enumerate() {
                add(part.heading, 2, Some(part_number as u32));
                add(part.text, 4, Some(part_number as u32));
            }
            counted.push((terms, lengths));
            articles.push(IndexedArticle {
                slug: document.slug.to_owned(),
                title: document.title.to_owned(),
                section: document.section.to_owned(),
                source: document.source.to_owned(),
                summary: document.summary.to_owned(),
                products: document.products.to_vec(),
                first_part: parts.len() as u32,
                part_count: document.parts.len() as u32,
            });
            parts.extend(
                document
                    .parts
                    .iter()
                    .map(|part| IndexedPart { anchor: part.anchor.to_owned(), heading: part.heading.to_owned() }),
            );
            texts.push(
                document.parts.iter().map(|part| truncate_chars(part.text, MAX_STORED_PART_CHARS).to_owned()).collect(),
            );
        }
        let mut average_lengths = [0.0f32; 5];
        for (_, lengths) in &counted {
            for (average, length) in average_lengths.iter_mut().zip(lengths) {
                *average += length / counted.len() as f32;
            }
        }
        let mut lists: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
        for (article, (terms, lengths)) in counted.into_iter().enumerate() {
            for (term, (frequencies, in_parts)) in terms {
                // BM25F's pseudo term frequency, saturated at query time.
                let weight = FIELDS
                    .iter()
                    .zip(frequencies.iter().zip(lengths.iter().zip(&average_lengths)))
                    .map(|(field, (&frequency, (&length, &average)))| {
                        let relative_length = if average > 0.0 { length / average } else { 1.0 };
                        field.weight * frequency
                            / (1.0 - field.length_normalisation + field.length_normalisation * relative_length)
                    })
                    .sum();
                lists.entry(term).or_default().push(Posting {
                    article: article as u32,
                    weight,
                    parts: Posting::part_mask(in_parts),
                });
            }
        }
        let mut postings = PostingLists::default();
        let terms = lists
            .into_iter()
            .map(|(term, list)| {
                postings.push(&list);
                term
            })
            .collect();
        Self {
            format: FORMAT_VERSION,
            locale: locale.to_owned(),
            articles,
            parts,
            terms,
            postings,
            texts,
            synonyms: synonym_table(
                thesaurus::support_synonyms(locale)
                    .iter()
                    .map(|group| group.iter().map(|word| word.to_string()).collect())
                    .chain(synonyms.iter().cloned()),
                stem,
            ),
            vocabulary_by_length: OnceLock::new(),
            vectors: None,
        }
    }

    pub fn locale(&self) -> &str {
        &self.locale
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    pub fn has_article(&self, slug: &str) -> bool {
        self.articles.iter().any(|article| article.slug == slug)
    }

    /// The compact binary form the worker loads.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("an in-memory index always serializes")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let index: Self = postcard::from_bytes(bytes).map_err(|error| format!("unreadable search index: {error}"))?;
        if index.format != FORMAT_VERSION {
            return Err(format!(
                "the search index has format {}, this build reads {FORMAT_VERSION}; rebuild the knowledge base",
                index.format
            ));
        }
        Ok(index)
    }

    /// Ranks and describes the best articles for a query, with snippets from texts held in memory.
    pub fn search(&self, query: &Query<'_>) -> Vec<SearchHit> {
        self.search_tuned(query, &TUNING)
    }

    /// [`Self::search`] with other numbers: for tuning them on a relevance set.
    pub fn search_tuned(&self, query: &Query<'_>, tuning: &Tuning) -> Vec<SearchHit> {
        let ranking = self.rank_tuned(query, tuning);
        self.hits(&ranking, |article| self.texts(article))
    }

    /// An article's part texts, where the index was built (an index read from bytes has none).
    pub fn texts(&self, article: u32) -> Option<&[String]> {
        self.texts.get(article as usize).map(Vec::as_slice)
    }

    /// Every section's text as the embedding model reads it, with its (article, part) numbers: what
    /// [`SectionVectors::quantise`] is given, once embedded. Empty for an index read from bytes, which
    /// holds no texts.
    pub fn section_texts(&self) -> Vec<((u32, u32), String)> {
        let mut sections = Vec::new();
        for (article_number, (article, texts)) in self.articles.iter().zip(&self.texts).enumerate() {
            let parts = &self.parts[article.first_part as usize..][..article.part_count as usize];
            for (part_number, (part, text)) in parts.iter().zip(texts).enumerate() {
                let text = semantic::section_text(&article.title, &part.heading, text);
                sections.push(((article_number as u32, part_number as u32), text));
            }
        }
        sections
    }

    /// Gives the index its sections' vectors, refusing vectors of sections it does not have.
    pub fn set_vectors(&mut self, vectors: SectionVectors) -> Result<(), String> {
        self.check_vectors(&vectors)?;
        self.vectors = Some(vectors);
        Ok(())
    }

    /// Whether `vectors` were made for this index's sections: the worker keeps them apart from the index,
    /// loaded only when a query is ranked by meaning.
    pub fn check_vectors(&self, vectors: &SectionVectors) -> Result<(), String> {
        if vectors
            .fits(|article, part| self.articles.get(article as usize).is_some_and(|found| part < found.part_count))
        {
            Ok(())
        } else {
            Err("the section vectors were built for other articles; rebuild the knowledge base".into())
        }
    }

    pub fn vectors(&self) -> Option<&SectionVectors> {
        self.vectors.as_ref()
    }

    /// [`Self::rank_learned`] fused with the semantic ranking of `query_vector` (made by the model of
    /// [`Self::vectors`]) when there is one; the lexical ranking alone otherwise.
    pub fn rank_hybrid(
        &self,
        query: &Query<'_>,
        tuning: &Tuning,
        lifts: &[(&str, f32)],
        query_vector: Option<&[f32]>,
        fusion: &Fusion,
    ) -> Ranking {
        match (&self.vectors, query_vector) {
            (Some(vectors), Some(query_vector)) => self.rank_fused(query, tuning, lifts, vectors, query_vector, fusion),
            _ => self.rank_learned(query, tuning, lifts),
        }
    }

    /// [`Self::rank_learned`] fused with `vectors`' ranking of `query_vector` (a unit vector from the model
    /// that made them, checked by [`Self::check_vectors`]).
    pub fn rank_fused(
        &self,
        query: &Query<'_>,
        tuning: &Tuning,
        lifts: &[(&str, f32)],
        vectors: &SectionVectors,
        query_vector: &[f32],
        fusion: &Fusion,
    ) -> Ranking {
        let limit = query.limit.min(MAX_LIMIT);
        let lexical = self.rank_learned(&Query { limit: fusion.depth.max(limit), ..*query }, tuning, lifts);
        let semantic = vectors.rank(query_vector, usize::MAX, |article| self.passes_filters(article, query));
        let Ranking { ranked, words } = lexical;
        // Each score as a share of the best one, the model's measured from the similarity at `depth` (what
        // any article of a help center is, about): "as good as the best" means the same on both sides.
        let best_lexical = ranked.first().map_or(1.0, |(_, score, _)| *score).max(f32::EPSILON);
        let best_semantic = semantic.first().map_or(1.0, |found| found.similarity);
        let baseline = semantic.get(fusion.depth.min(semantic.len().saturating_sub(1))).map_or(0.0, |f| f.similarity);
        let semantic_share =
            |similarity: f32| ((similarity - baseline) / (best_semantic - baseline).max(f32::EPSILON)).max(0.0);
        let closest: BTreeMap<u32, (f32, u32)> =
            semantic.iter().map(|found| (found.article, (found.similarity, found.part))).collect();
        let mut fused: BTreeMap<u32, (f32, ArticleMatch)> = BTreeMap::new();
        for (article, score, mut found) in ranked {
            let (similarity, part) = closest.get(&article).copied().unwrap_or((baseline, 0));
            found.closest_part = Some(part);
            let mixed = (1.0 - fusion.semantic_weight) * score / best_lexical
                + fusion.semantic_weight * semantic_share(similarity);
            fused.insert(article, (mixed, found));
        }
        for found in semantic.iter().take(fusion.depth) {
            fused.entry(found.article).or_insert_with(|| {
                let matched = ArticleMatch { closest_part: Some(found.part), ..ArticleMatch::default() };
                (fusion.semantic_weight * semantic_share(found.similarity), matched)
            });
        }
        let mut ranked: Vec<(u32, f32, ArticleMatch)> =
            fused.into_iter().map(|(article, (score, found))| (article, score, found)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        Ranking { ranked, words }
    }

    /// The best articles for a query, without their snippets yet; [`Self::shards_for`] says which text
    /// shards [`Self::hits`] will need.
    pub fn rank(&self, query: &Query<'_>) -> Ranking {
        self.rank_tuned(query, &TUNING)
    }

    /// [`Self::rank`] with other numbers: for tuning them on a relevance set.
    pub fn rank_tuned(&self, query: &Query<'_>, tuning: &Tuning) -> Ranking {
        self.rank_learned(query, tuning, &[])
    }

    /// [`Self::rank_tuned`] with what customers taught it ([`learning::boosts`]): each `(slug, factor)`
    /// multiplies the score of that article if the query finds it; an article it does not find stays out.
    pub fn rank_learned(&self, query: &Query<'_>, tuning: &Tuning, lifts: &[(&str, f32)]) -> Ranking {
        let words = self.query_words(query.text);
        let phrases = phrases(query.text, &words);
        // Dense per-article arrays: a common word touches most articles, and maps would allocate per
        // article per query.
        let articles = self.articles.len();
        let mut total = vec![0.0f32; articles];
        let mut words_matched = vec![0u16; articles];
        // For each query word, per article: the best (term, score, parts) it matched, for anchors and
        // snippets.
        let mut chosen: Vec<Vec<(u32, f32, u64)>> = Vec::with_capacity(words.len());
        let mut matched_articles: Vec<u32> = Vec::new();
        for word in &words {
            let mut best = vec![(u32::MAX, 0.0f32, 0u64); articles];
            for &(term, discount) in &word.candidates {
                let idf = self.inverse_document_frequency(self.postings.document_frequency(term));
                for posting in self.postings.iter(term) {
                    let score = discount * idf * saturate(posting.weight, tuning.k1);
                    let slot = &mut best[posting.article as usize];
                    if score > slot.1 {
                        *slot = (term as u32, score, posting.parts);
                    }
                }
            }
            for (article, &(_, score, _)) in best.iter().enumerate().filter(|(_, (term, _, _))| *term != u32::MAX) {
                if words_matched[article] == 0 {
                    matched_articles.push(article as u32);
                }
                total[article] += score;
                words_matched[article] += 1;
            }
            chosen.push(best);
        }

        let word_count = words.len().max(1) as f32;
        let lifted: Vec<(u32, f32)> = lifts
            .iter()
            .filter_map(|(slug, factor)| {
                let article = self.articles.iter().position(|article| article.slug == *slug)?;
                Some((article as u32, factor.clamp(1.0, 1.0 + learning::MAX_LIFT)))
            })
            .collect();
        let lift = |article: u32| lifted.iter().find(|(lifted, _)| *lifted == article).map_or(1.0, |(_, f)| *f);
        // Articles that match more of the customer's words come first among similar scores.
        let mut ranked: Vec<(u32, f32)> = matched_articles
            .into_iter()
            .filter(|&article| self.passes_filters(article, query))
            .map(|article| {
                let coverage = f32::from(words_matched[article as usize]) / word_count;
                let weight = (1.0 - tuning.coverage_weight) + tuning.coverage_weight * coverage;
                (article, total[article as usize] * weight * lift(article))
            })
            .collect();
        // And those where the words stand together before those where they are scattered. That raises a
        // score by at most (1 + together_weight), so it is only worked out for articles that could then
        // reach the first `limit`, and only for those that match two words or more.
        let limit = query.limit.min(MAX_LIMIT);
        let threshold = if limit > 0 && ranked.len() > limit {
            let mut scores: Vec<f32> = ranked.iter().map(|(_, score)| *score).collect();
            *scores.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a)).1
        } else {
            f32::NEG_INFINITY
        };
        let most = (1.0 + tuning.together_weight) * (1.0 + tuning.phrase_weight * phrases.len() as f32);
        for (article, score) in &mut ranked {
            if words_matched[*article as usize] >= 2 && *score * most >= threshold {
                let matches: Vec<(u32, f32, u64)> = chosen.iter().map(|best| best[*article as usize]).collect();
                let together = together(matches.iter().copied(), words.len());
                let phrases_found = phrases.iter().filter(|phrase| stands_together(&matches, phrase)).count();
                *score *=
                    (1.0 + tuning.together_weight * together) * (1.0 + tuning.phrase_weight * phrases_found as f32);
            }
        }
        let best_first = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, best_first);
            ranked.truncate(limit);
        }
        ranked.sort_by(best_first);
        let ranked = ranked
            .into_iter()
            .map(|(article, score)| {
                let terms = chosen
                    .iter()
                    .map(|best| best[article as usize])
                    .filter(|(term, _, _)| *term != u32::MAX)
                    .map(|(term, score, parts)| WordMatch { term: term as usize, score, parts })
                    .collect();
                (article, score, ArticleMatch { terms, closest_part: None })
            })
            .collect();
        Ranking { ranked, words }
    }

    /// The text shards holding the ranked articles' texts.
    pub fn shards_for(&self, ranking: &Ranking) -> BTreeSet<u32> {
        ranking.ranked.iter().map(|(article, _, _)| article / SHARD_ARTICLES).collect()
    }

    /// Describes ranked articles; `texts` gives an article's part texts (from a loaded shard), or `None`
    /// when they are not at hand, in which case the snippet comes from the summary.
    pub fn hits<'t>(&self, ranking: &Ranking, texts: impl Fn(u32) -> Option<&'t [String]>) -> Vec<SearchHit> {
        ranking
            .ranked
            .iter()
            .enumerate()
            .map(|(rank, (article, score, found))| {
                let answer = rank == 0;
                self.hit(*article, *score, found, &ranking.words, texts(*article), answer)
            })
            .collect()
    }

    /// What the best `count` ranked articles say where the query's words weigh most, as plain text of at
    /// most `max_chars` each, for a model to answer from; `texts` as for [`Self::hits`].
    pub fn passages<'t>(
        &self,
        ranking: &Ranking,
        count: usize,
        max_chars: usize,
        texts: impl Fn(u32) -> Option<&'t [String]>,
    ) -> Vec<Passage> {
        ranking
            .ranked
            .iter()
            .take(count)
            .enumerate()
            .map(|(rank, (article_number, score, found))| {
                let article = &self.articles[*article_number as usize];
                let best_part = self.best_part(*article_number, found, texts(*article_number));
                let text = match best_part {
                    Some((_, Some(text))) if !text.is_empty() => text.as_str(),
                    _ => article.summary.as_str(),
                };
                let section_part = best_part.map(|(part, _)| part).filter(|part| !part.anchor.is_empty());
                Passage {
                    slug: article.slug.clone(),
                    locale: self.locale.clone(),
                    title: article.title.clone(),
                    anchor: section_part.map(|part| part.anchor.clone()),
                    heading: section_part.map(|part| part.heading.clone()),
                    text: text::excerpt(text, max_chars),
                    score: *score,
                    coverage: ranking.content_coverage(rank),
                }
            })
            .collect()
    }

    /// The part texts as shards: shard `n` holds the texts of articles `n * SHARD_ARTICLES ..`.
    pub fn text_shards(&self) -> Vec<Vec<u8>> {
        self.texts
            .chunks(SHARD_ARTICLES as usize)
            .map(|chunk| postcard::to_allocvec(chunk).expect("in-memory texts always serialize"))
            .collect()
    }

    fn passes_filters(&self, article: u32, query: &Query<'_>) -> bool {
        let article = &self.articles[article as usize];
        let product_ok =
            query.product.is_none_or(|p| article.products.is_empty() || article.products.iter().any(|a| a == p));
        product_ok && query.section.is_none_or(|section| article.section == section)
    }

    /// How many of the query's words these articles use, as they are or stemmed.
    pub fn known_words(&self, text: &str) -> usize {
        let cyrillic = Cyrillic::for_locale(&self.locale);
        text::words(text).filter(|word| self.term(&text::stem(&word.folded, cyrillic)).is_some()).count()
    }

    /// The query's words with the index terms each may stand for. Stop words are left out when the query
    /// has other words, so "how do I export" ranks by "export".
    fn query_words(&self, text: &str) -> Vec<QueryWord> {
        let cyrillic = Cyrillic::for_locale(&self.locale);
        let all: Vec<text::Word> = text::words(text).collect();
        let stems: Vec<String> = all.iter().map(|word| text::stem(&word.folded, cyrillic).into_owned()).collect();
        let last_is_partial = !text.ends_with(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
        let meaningful = all.iter().filter(|word| !is_function_word(&word.folded)).count();
        let mut words = Vec::new();
        let mut position = 0;
        while position < all.len() {
            // A phrase the thesaurus knows ("get rid of", "money back") is one word of the query: its own
            // words that carry meaning, or the words it stands for.
            if let Some((length, synonyms)) = self.phrase_at(&stems[position..]) {
                let phrase = &all[position..position + length];
                let folded = phrase.iter().map(|word| word.folded.as_str()).collect::<Vec<_>>().join(" ");
                let own: Vec<(usize, f32)> = phrase
                    .iter()
                    .zip(&stems[position..])
                    .filter(|(word, _)| !is_function_word(&word.folded))
                    .filter_map(|(_, stem)| self.term(stem))
                    .map(|term| (term, 1.0))
                    .collect();
                let meant = synonyms
                    .iter()
                    .filter_map(|synonym| self.term(synonym))
                    .filter(|term| !own.iter().any(|(own, _)| own == term))
                    .map(|term| (term, SYNONYM_DISCOUNT));
                let candidates = own.iter().copied().chain(meant).collect();
                words.push(QueryWord { folded, partial: false, candidates, source: position..position + length });
                position += length;
                continue;
            }
            let word = &all[position];
            if meaningful == 0 || !is_function_word(&word.folded) {
                let partial = last_is_partial && position + 1 == all.len();
                let candidates = self.candidates(&word.folded, &stems[position], partial);
                words.push(QueryWord {
                    folded: word.folded.clone(),
                    partial,
                    candidates,
                    source: position..position + 1,
                });
            }
            position += 1;
        }
        words
    }

    /// The longest thesaurus phrase the query's stems begin with: how many words it spans, and the stems
    /// it stands for.
    fn phrase_at(&self, stems: &[String]) -> Option<(usize, &[String])> {
        (2..=MAX_PHRASE_WORDS.min(stems.len())).rev().find_map(|length| {
            let phrase = stems[..length].join(" ");
            let at = self.synonyms.binary_search_by(|(key, _)| key.as_str().cmp(&phrase)).ok()?;
            Some((length, self.synonyms[at].1.as_slice()))
        })
    }

    /// Every index term a query word may stand for, with how sure that reading is: the word itself (as
    /// its stem), the editors' and the built-in synonyms, completions of a word still being typed, the
    /// stems its letters already extend, and corrections of a typo. All are candidates together, in that
    /// order of confidence: a half-typed prefix ("pass" in "passwrod") never hides the word meant.
    fn candidates(&self, folded: &str, stem: &str, partial: bool) -> Vec<(usize, f32)> {
        let itself = self.term(stem);
        let mut found: Vec<(usize, f32)> = itself.map(|term| (term, 1.0)).into_iter().collect();
        if let Ok(at) = self.synonyms.binary_search_by(|(term, _)| term.as_str().cmp(stem)) {
            found.extend(
                self.synonyms[at].1.iter().filter_map(|synonym| self.term(synonym)).map(|t| (t, SYNONYM_DISCOUNT)),
            );
        }
        let length = folded.chars().count();
        let mut completed = false;
        if partial && length >= MIN_PREFIX_CHARS {
            let completions = self.completions(folded);
            completed = !completions.is_empty();
            found.extend(completions.into_iter().map(|term| (term, COMPLETION_DISCOUNT)));
            found.extend(self.prefix_stems(folded).map(|term| (term, PREFIX_STEM_DISCOUNT)));
        }
        // A word the knowledge base does not have may be a typo of one it has, or an English product word
        // written in Cyrillic as it sounds ("алголии" for Algolia, with a Russian ending). Letters still
        // being typed that begin real words are taken for those; a stem they extend ("pass" in "passwrod")
        // does not stop the correction.
        if itself.is_none() && !completed && length >= MIN_CHARS_FOR_ONE_TYPO {
            let max_edits = if length >= MIN_CHARS_FOR_TWO_TYPOS { 2 } else { 1 };
            // The closest spellings only: a word one letter off is what was meant, not one two letters off.
            let near = self.near_misses(stem, max_edits, partial);
            let closest = near.iter().map(|(_, edits)| *edits).min().unwrap_or(0);
            found.extend(
                near.into_iter()
                    .filter(|(_, edits)| *edits == closest)
                    .map(|(term, edits)| (term, if edits <= 1 { ONE_TYPO_DISCOUNT } else { TWO_TYPOS_DISCOUNT })),
            );
            if let Some(latin) = text::transliterate(folded).filter(|latin| latin.as_str() != folded) {
                found.extend(self.transliterated(&latin).into_iter().map(|term| (term, TRANSLITERATION_DISCOUNT)));
            }
        }
        // A term reached in several ways counts with its best discount.
        let mut best: BTreeMap<usize, f32> = BTreeMap::new();
        for (term, discount) in found {
            let slot = best.entry(term).or_insert(0.0);
            *slot = slot.max(discount);
        }
        best.into_iter().collect()
    }

    fn term(&self, stem: &str) -> Option<usize> {
        self.terms.binary_search_by(|term| term.as_str().cmp(stem)).ok()
    }

    /// Latin terms a transliterated word stands for: itself, within one edit (sounds are spelled more than
    /// one way: "k" for "c"), or once a Russian or Ukrainian ending of one or two letters is taken off.
    fn transliterated(&self, latin: &str) -> Vec<usize> {
        let chars: Vec<char> = latin.chars().collect();
        let mut found = Vec::new();
        for ending in 0..=2 {
            let Some(base) = chars.len().checked_sub(ending).filter(|&base| base >= MIN_CHARS_FOR_ONE_TYPO) else {
                break;
            };
            let base: String = chars[..base].iter().collect();
            found.extend(self.near_misses(&base, 1, false).into_iter().map(|(term, _)| term));
        }
        found
    }

    /// Terms that complete a half-typed word, the most widely used first.
    fn completions(&self, typed: &str) -> Vec<usize> {
        let start = self.terms.partition_point(|term| term.as_str() < typed);
        let end = start + self.terms[start..].partition_point(|term| term.starts_with(typed));
        let mut completions: Vec<usize> = (start..end).collect();
        completions.sort_by_key(|&term| std::cmp::Reverse(self.postings.document_frequency(term)));
        completions.truncate(MAX_COMPLETIONS);
        completions
    }

    /// Stems that the typed letters already extend ("connecti" → "connect"): a word typed past its stem.
    fn prefix_stems<'s>(&'s self, typed: &'s str) -> impl Iterator<Item = usize> + 's {
        typed
            .char_indices()
            .map(|(at, _)| &typed[..at])
            .filter(|prefix| prefix.chars().count() >= MIN_CHARS_FOR_ONE_TYPO)
            .filter_map(|prefix| self.term(prefix))
    }

    /// Terms within `max_edits` of `stem` (or, for a half-typed word, whose beginning is), with the
    /// number of edits.
    fn near_misses(&self, stem: &str, max_edits: usize, partial: bool) -> Vec<(usize, usize)> {
        let typed: Vec<char> = stem.chars().collect();
        let by_length = self.vocabulary_by_length.get_or_init(|| {
            let mut by_length: VocabularyByLength = Vec::new();
            for (number, term) in self.terms.iter().enumerate() {
                let chars: Vec<char> = term.chars().collect();
                if by_length.len() <= chars.len() {
                    by_length.resize_with(chars.len() + 1, Vec::new);
                }
                by_length[chars.len()].push((number as u32, chars));
            }
            by_length
        });
        let mut found = Vec::new();
        let shortest = typed.len().saturating_sub(max_edits);
        let longest = if partial { by_length.len() } else { (typed.len() + max_edits + 1).min(by_length.len()) };
        for bucket in by_length.get(shortest..longest).unwrap_or_default() {
            for (number, chars) in bucket {
                let compared = if partial { &chars[..chars.len().min(typed.len())] } else { &chars[..] };
                if let Some(edits) = text::within_edits(&typed, compared, max_edits) {
                    found.push((*number as usize, edits));
                }
            }
        }
        found
    }

    fn inverse_document_frequency(&self, articles_with_term: usize) -> f32 {
        let total = self.articles.len() as f32;
        let with_term = articles_with_term as f32;
        (1.0 + (total - with_term + 0.5) / (with_term + 0.5)).ln()
    }

    /// The part of an article where the matched words weigh most (the intro wins ties; the part closest by
    /// meaning when no word matched), with its text when `texts` has it.
    fn best_part<'t>(
        &self,
        article_number: u32,
        found: &ArticleMatch,
        texts: Option<&'t [String]>,
    ) -> Option<(&IndexedPart, Option<&'t String>)> {
        let article = &self.articles[article_number as usize];
        let part_numbers = article.first_part..article.first_part + article.part_count;
        // The part where the matched words weigh most; the intro wins ties.
        let mut part_scores = vec![0.0f32; article.part_count as usize];
        for matched in &found.terms {
            let posting = Posting { article: article_number, weight: 0.0, parts: matched.parts };
            for part in posting.parts() {
                // Parts past the mask's last bit count towards the last part the mask can name.
                let part = (part as usize).min(part_scores.len().saturating_sub(1));
                part_scores[part] += matched.score;
            }
        }
        part_scores
            .iter()
            .enumerate()
            .fold(None, |best: Option<(usize, f32)>, (part, &score)| match best {
                Some((_, best_score)) if best_score >= score => best,
                _ if score > 0.0 => Some((part, score)),
                _ => best,
            })
            .map(|(part, _)| part)
            .or(found.closest_part.map(|part| part as usize).filter(|&part| part < part_scores.len()))
            .map(|part| (&self.parts[part_numbers.start as usize + part], texts.and_then(|t| t.get(part))))
    }

    fn hit(
        &self,
        article_number: u32,
        score: f32,
        found: &ArticleMatch,
        words: &[QueryWord],
        texts: Option<&[String]>,
        with_passage: bool,
    ) -> SearchHit {
        let article = &self.articles[article_number as usize];
        let best_part = self.best_part(article_number, found, texts);

        // What each word matched here, and what the customer typed: a synonym in the title may score
        // higher than the typed word in the text, and the typed word is still what they look for.
        let typed = words.iter().flat_map(|word| word.candidates.iter()).filter(|(_, discount)| *discount >= 1.0);
        let matched_stems: BTreeSet<&str> = found
            .terms
            .iter()
            .map(|matched| matched.term)
            .chain(typed.map(|(term, _)| *term))
            .map(|term| self.terms[term].as_str())
            .collect();
        let partial = words.iter().find(|word| word.partial).map(|word| word.folded.as_str());
        let highlighter = Highlighter { matched_stems, partial, cyrillic: Cyrillic::for_locale(&self.locale) };
        let text = match best_part {
            Some((_, Some(text))) if !text.is_empty() => text.as_str(),
            _ => article.summary.as_str(),
        };
        let marked = highlighter.mark(text);
        let snippet = marked.excerpt(SNIPPET_WORDS);
        let passage = with_passage.then(|| marked.excerpt(PASSAGE_WORDS)).filter(|passage| !passage.is_empty());
        let section_part = best_part.map(|(part, _)| part).filter(|part| !part.anchor.is_empty());
        SearchHit {
            slug: article.slug.clone(),
            locale: self.locale.clone(),
            title: article.title.clone(),
            section: article.section.clone(),
            source: article.source.clone(),
            anchor: section_part.map(|part| part.anchor.clone()),
            heading: section_part.map(|part| part.heading.clone()),
            snippet,
            passage,
            score: (score * 1000.0).round() / 1000.0,
        }
    }
}

/// What an article says about a query, for a model to answer from ([`SearchIndex::passages`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    pub slug: String,
    pub locale: String,
    pub title: String,
    /// The section the text is from, when it is not the article's intro.
    pub anchor: Option<String>,
    pub heading: Option<String>,
    /// Plain text.
    pub text: String,
    pub score: f32,
    /// [`Ranking::content_coverage`] of the article.
    pub coverage: f32,
}

/// The outcome of [`SearchIndex::rank`]: articles best first, and what the query's words matched.
#[derive(Debug)]
pub struct Ranking {
    ranked: Vec<(u32, f32, ArticleMatch)>,
    words: Vec<QueryWord>,
}

impl Ranking {
    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// How many of the query's words carry meaning (not "how", "the", "мой"): a question of one such word
    /// is a keyword, not something to answer in sentences.
    pub fn content_words(&self) -> usize {
        self.words.iter().filter(|word| !language::is_function_word(&word.folded)).count()
    }

    /// The share of the query's meaningful words (all of them, if it has none) that the article ranked
    /// `rank` matched: a question about the dog that ate an invoice is not answered by the invoice article.
    pub fn content_coverage(&self, rank: usize) -> f32 {
        let Some((_, _, found)) = self.ranked.get(rank) else { return 0.0 };
        let meaningful = |position: usize| !language::is_function_word(&self.words[position].folded);
        let asked = self.content_words();
        let matched: BTreeSet<usize> = found
            .terms
            .iter()
            .filter_map(|matched| {
                self.words.iter().position(|word| word.candidates.iter().any(|(term, _)| *term == matched.term))
            })
            .filter(|&position| asked == 0 || meaningful(position))
            .collect();
        let matched = matched.len();
        let asked = if asked == 0 { self.words.len() } else { asked };
        if asked == 0 { 0.0 } else { (matched as f32 / asked as f32).min(1.0) }
    }
}

/// A shard of part texts, as [`SearchIndex::text_shards`] wrote it.
pub fn read_text_shard(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    postcard::from_bytes(bytes).map_err(|error| format!("unreadable text shard: {error}"))
}

#[derive(Debug, Default)]
struct ArticleMatch {
    terms: Vec<WordMatch>,
    /// The part the embedding model found closest to the query, if it ranked the article: the part shown
    /// when none of the query's words are there.
    closest_part: Option<u32>,
}

/// How one query word matched one article.
#[derive(Debug, Clone, Copy)]
struct WordMatch {
    term: usize,
    score: f32,
    /// The posting's part mask: where in the article the term occurs.
    parts: u64,
}

#[derive(Debug)]
struct QueryWord {
    folded: String,
    partial: bool,
    candidates: Vec<(usize, f32)>,
    /// The positions, among the query's words, this word was read from (several for a thesaurus phrase).
    source: Range<usize>,
}

struct Highlighter<'a> {
    matched_stems: BTreeSet<&'a str>,
    partial: Option<&'a str>,
    cyrillic: Cyrillic,
}

impl Highlighter<'_> {
    /// The word's folded form when it is one of the matched words, else `None`.
    fn matches(&self, raw: &str) -> Option<String> {
        // Folding and stemming every word of a long text is the costly part. A word can only have a
        // matched stem if it begins like one (stems keep the start of the word), so most words are ruled
        // out on their letters, without folding; only those in a form NFKC would change are folded first.
        // Number words are the exception: "two" stems to "2".
        let plain = raw.chars().all(|c| c.is_ascii() || text::is_cyrillic_letter(c))
            || is_nfkc_quick(raw.chars()) == IsNormalized::Yes;
        if plain && !self.might_match(raw) {
            return None;
        }
        let folded = text::fold(raw);
        if self.partial.is_some_and(|partial| folded.starts_with(partial)) {
            return Some(folded);
        }
        // A plain word got here by beginning like a matched stem or being a number word; another is
        // judged on its folded letters.
        let could_match = plain
            || text::number_word(&folded).is_some()
            || self.matched_stems.iter().any(|stem| folded.starts_with(&stem[..first_two_chars(stem)]));
        (could_match && self.matched_stems.contains(text::stem(&folded, self.cyrillic).as_ref())).then_some(folded)
    }

    /// Whether a word already in NFKC may match, judged on its first letters as folding would leave them.
    fn might_match(&self, raw: &str) -> bool {
        let begins_with = |start: &str| {
            let mut letters = text::folded_chars(raw);
            start.chars().all(|wanted| letters.next() == Some(wanted))
        };
        self.partial.is_some_and(begins_with)
            || self.matched_stems.iter().any(|stem| begins_with(&stem[..first_two_chars(stem)]))
            || (raw.len() <= 5 && text::number_word(&raw.to_ascii_lowercase()).is_some())
    }

    /// The words of the start of `text` and which of them match, read once for the snippet and the
    /// passage both.
    fn mark<'t>(&self, text: &'t str) -> Marked<'t> {
        let scanned = truncate_chars(text, SNIPPET_SCAN_CHARS);
        let words: Vec<Range<usize>> = text::word_ranges(scanned).collect();
        let hits: Vec<Option<String>> = words.iter().map(|range| self.matches(&scanned[range.clone()])).collect();
        Marked { text, whole: scanned.len() == text.len(), words, hits }
    }
}

/// The byte length of a stem's first two characters: how much of it a word must begin with.
fn first_two_chars(stem: &str) -> usize {
    stem.chars().take(2).map(char::len_utf8).sum()
}

/// A text as [`Highlighter::mark`] read it.
struct Marked<'t> {
    text: &'t str,
    /// Whether all of the text was read, not only its start.
    whole: bool,
    words: Vec<Range<usize>>,
    /// Per word, its folded form when it matched.
    hits: Vec<Option<String>>,
}

impl Marked<'_> {
    /// The `length`-word window of the text with the most distinct matched words, as HTML: the text
    /// escaped, matched words in `<mark>`, an ellipsis where the text was cut.
    fn excerpt(&self, length: usize) -> String {
        let Marked { text, whole, words, hits } = self;
        let window = length.min(words.len());
        let best_start = best_window(hits, window);
        let Some(first) = words.get(best_start) else { return String::new() };
        let from = if best_start == 0 { 0 } else { first.start };
        let last = &words[best_start + window - 1];
        let to = if best_start + window == words.len() && *whole { text.len() } else { last.end };

        let mut html = String::new();
        if from > 0 {
            html.push_str("… ");
        }
        let mut cursor = from;
        for (word, hit) in words[best_start..best_start + window].iter().zip(&hits[best_start..]) {
            if hit.is_some() {
                text::escape_html(&text[cursor..word.start], &mut html);
                html.push_str("<mark>");
                text::escape_html(&text[word.clone()], &mut html);
                html.push_str("</mark>");
                cursor = word.end;
            }
        }
        text::escape_html(&text[cursor..to], &mut html);
        if to < text.len() {
            html.push_str(" …");
        }
        html
    }
}

/// The start of the `window`-word stretch with the most distinct matched words (the earliest among
/// equals), sliding once over the text with a count per matched word.
fn best_window(hits: &[Option<String>], window: usize) -> usize {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for folded in hits[..window].iter().flatten() {
        *counts.entry(folded.as_str()).or_default() += 1;
    }
    let (mut best_start, mut best) = (0, counts.len());
    for start in 1..=hits.len().saturating_sub(window) {
        let (leaving, entering) = (start - 1, start + window - 1);
        if let Some(folded) = &hits[leaving]
            && let Some(count) = counts.get_mut(folded.as_str())
        {
            *count -= 1;
            if *count == 0 {
                counts.remove(folded.as_str());
            }
        }
        if let Some(folded) = &hits[entering] {
            *counts.entry(folded.as_str()).or_default() += 1;
        }
        if counts.len() > best {
            (best_start, best) = (start, counts.len());
        }
    }
    best_start
}

/// The query's codes and quotations: for each, which of its words (indices into `words`) it is made of.
/// A code is one run of non-space characters that holds two words or more ("stk500_getsync()",
/// "ERR_CONNECTION_REFUSED"); a quotation is the words between a pair of quotes.
fn phrases(text: &str, words: &[QueryWord]) -> Vec<Vec<usize>> {
    let positions: Vec<Range<usize>> = text::word_ranges(text).collect();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (true, Some(from)) => {
                spans.push(from..at);
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    // A quote opens where no letter stands before it and closes where none follows, so the apostrophes
    // of "doesn't" and "can't" quote nothing.
    let letter_before = |at: usize| text[..at].chars().next_back().is_some_and(char::is_alphanumeric);
    let letter_after = |at: usize| text[at..].chars().next().is_some_and(char::is_alphanumeric);
    for (open, close) in [('"', '"'), ('\'', '\''), ('«', '»'), ('“', '”')] {
        let opens: Vec<usize> = text.match_indices(open).map(|(at, _)| at).filter(|&at| !letter_before(at)).collect();
        let mut after = 0;
        for at in opens {
            if at < after {
                continue;
            }
            let from = at + open.len_utf8();
            let closing = text[from..]
                .match_indices(close)
                .map(|(at, _)| from + at)
                .find(|&to| !letter_after(to + close.len_utf8()));
            let Some(to) = closing else { break };
            spans.push(from..to);
            after = to + close.len_utf8();
        }
    }
    let mut phrases: Vec<Vec<usize>> = spans
        .into_iter()
        .map(|span| {
            let inside: Vec<usize> = positions
                .iter()
                .enumerate()
                .filter(|(_, word)| span.start <= word.start && word.end <= span.end)
                .map(|(position, _)| position)
                .collect();
            (0..words.len())
                .filter(|&word| words[word].source.clone().any(|position| inside.contains(&position)))
                .collect::<Vec<usize>>()
        })
        .filter(|phrase| phrase.len() >= 2)
        .collect();
    phrases.sort();
    phrases.dedup();
    phrases
}

/// Whether every word of `phrase` matched the article and all stand in one part of it (a part mask of 0
/// is a match everywhere, in the title).
fn stands_together(matches: &[(u32, f32, u64)], phrase: &[usize]) -> bool {
    let mut shared = u64::MAX;
    for &word in phrase {
        let (term, _, parts) = matches[word];
        if term == u32::MAX {
            return false;
        }
        if parts != 0 {
            shared &= parts;
        }
    }
    shared != 0
}

/// How much of the query stands together in one part of an article, from 0 (each word elsewhere) to 1
/// (all of them in one section): for each part, the query words matched there, at best, beyond the first,
/// over the query's words beyond the first. A word matched only in the title, tags or summary is about
/// the whole article and stands with every part.
fn together(matches: impl Iterator<Item = (u32, f32, u64)>, query_words: usize) -> f32 {
    if query_words < 2 {
        return 0.0;
    }
    let masks: Vec<u64> = matches.filter(|(term, _, _)| *term != u32::MAX).map(|(_, _, parts)| parts).collect();
    let everywhere = masks.iter().filter(|&&mask| mask == 0).count();
    // Only parts some word is in can hold the most; a mask has few bits, so this visits few parts.
    let mut parts = masks.iter().fold(0u64, |union, mask| union | mask);
    let mut most = everywhere;
    while parts != 0 {
        let part = parts.trailing_zeros();
        parts &= parts - 1;
        most = most.max(everywhere + masks.iter().filter(|&&mask| mask >> part & 1 == 1).count());
    }
    most.saturating_sub(1) as f32 / (query_words - 1) as f32
}

/// BM25's saturation: the first occurrences of a word say the most.
fn saturate(pseudo_frequency: f32, k1: f32) -> f32 {
    pseudo_frequency * (k1 + 1.0) / (pseudo_frequency + k1)
}

fn truncate_chars(text: &str, max_chars: usize) -> &str {
    text.char_indices().nth(max_chars).map_or(text, |(at, _)| &text[..at])
}

fn synonym_table(
    groups: impl Iterator<Item = Vec<String>>,
    stem: impl Fn(&str) -> String,
) -> Vec<(String, Vec<String>)> {
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in groups {
        // Each member as its stems: one for a word, several for a phrase ("money back").
        let members: Vec<Vec<String>> = group
            .iter()
            .map(|member| text::terms(member).map(|word| stem(&word)).collect::<Vec<_>>())
            .filter(|stems| !stems.is_empty() && stems.len() <= MAX_PHRASE_WORDS)
            .collect();
        // What a member may stand for in the articles: the other words, and the words of the other
        // phrases that carry meaning ("factor" of "two factor").
        let targets = |except: &[String]| -> BTreeSet<String> {
            members
                .iter()
                .filter(|other| other.as_slice() != except)
                .flat_map(|other| other.iter().filter(|stem| other.len() == 1 || !is_function_word(stem)).cloned())
                .collect()
        };
        for member in &members {
            table.entry(member.join(" ")).or_default().extend(targets(member));
        }
    }
    table
        .into_iter()
        .map(|(key, others)| {
            let others = others.into_iter().filter(|other| *other != key).collect();
            (key, others)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use edgedesk_protocol::api::MAX_QUERY_CHARS;

    use super::*;

    fn doc<'a>(slug: &'a str, title: &'a str, parts: Vec<Part<'a>>) -> Document<'a> {
        Document { slug, title, section: "general", source: slug, summary: "", products: &[], tags: &[], parts }
    }

    fn intro(text: &str) -> Part<'_> {
        Part { anchor: "", heading: "", text }
    }

    /// Vectors standing in for a model's, one axis per topic: reading a password (0), teammates (1),
    /// plans (2), invoices (3); the reset article's second section is about email.
    fn topic_vectors(index: &SearchIndex) -> SectionVectors {
        let axis = |axis: usize| (0..5).map(|at| if at == axis { 1.0 } else { 0.0 }).collect::<Vec<f32>>();
        let sections = index.section_texts().into_iter().map(|((article, part), _)| {
            let topic = if (article, part) == (0, 1) { 4 } else { article as usize };
            ((article, part), axis(topic))
        });
        SectionVectors::quantise("topics", "", 5, vec![0.2; 5], sections.collect()).unwrap()
    }

    #[test]
    fn meaning_finds_what_words_miss_and_keeps_what_they_find() {
        let mut index = english();
        index.set_vectors(topic_vectors(&index)).unwrap();
        let hybrid = |text: &str, vector: &[f32]| {
            let ranking = index.rank_hybrid(&Query::new(text), &TUNING, &[], Some(vector), &semantic::FUSION);
            index.hits(&ranking, |article| index.texts(article))
        };
        // No word of "my mail never came" is in the articles; the model ranks the reset article's email
        // section first, and that section is the one shown.
        let found = hybrid("my mail never came ", &[0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(found[0].slug, "reset-password");
        assert_eq!(found[0].anchor.as_deref(), Some("the-reset-email-does-not-arrive"));
        assert!(found[0].snippet.contains("spam folder"), "{}", found[0].snippet);
        // Words and meaning agreeing keep their article first; where they disagree, the article the words
        // found is still among the hits.
        assert_eq!(hybrid("invoices ", &[0.0, 0.0, 0.0, 1.0, 0.0])[0].slug, "invoices");
        assert!(hybrid("invoices ", &[0.0, 0.7, 0.7, 0.0, 0.0]).iter().any(|hit| hit.slug == "invoices"));
        // Without a query vector, or without section vectors, the ranking is the words' alone.
        let words = index.search(&Query::new("password "));
        let ranking = index.rank_hybrid(&Query::new("password "), &TUNING, &[], None, &semantic::FUSION);
        assert_eq!(index.hits(&ranking, |article| index.texts(article)), words);
        // Vectors of other articles are refused.
        let mut other = SearchIndex::build("en", [doc("a", "A", vec![intro("a")])], &[]);
        assert!(other.set_vectors(topic_vectors(&index)).is_err());
    }

    fn english() -> SearchIndex {
        SearchIndex::build(
            "en",
            [
                doc(
                    "reset-password",
                    "Reset your password",
                    vec![
                        intro("Open the sign-in page and choose Forgot password."),
                        Part {
                            anchor: "the-reset-email-does-not-arrive",
                            heading: "The reset email does not arrive",
                            text: "Check your spam folder. Links expire after 30 minutes.",
                        },
                    ],
                ),
                doc(
                    "invite",
                    "Invite teammates",
                    vec![intro("Send an invitation from Settings. Teammates get an email.")],
                ),
                doc("billing", "Change your plan", vec![intro("Upgrade or downgrade; your password is not affected.")]),
                doc("invoices", "Download invoices", vec![intro("Every invoice is a PDF in Billing.")]),
            ],
            &[vec!["invoice".into(), "bill".into(), "receipt".into()]],
        )
    }

    fn slugs(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.slug.as_str()).collect()
    }

    #[test]
    fn title_match_outranks_body_mention() {
        let hits = english().search(&Query::new("password "));
        assert_eq!(slugs(&hits), ["reset-password", "billing"]);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn learned_lifts_move_found_articles_within_their_bound_and_add_none() {
        let index = english();
        let query = Query::new("password ");
        let plain = index.rank(&query);
        let (top, second) = (plain.ranked[0].1, plain.ranked[1].1);
        let lifted = index.rank_learned(&query, &TUNING, &[("billing", 1.0 + learning::MAX_LIFT)]);
        let score = |ranking: &Ranking, slug: &str| {
            let article = index.articles.iter().position(|article| article.slug == slug).unwrap() as u32;
            ranking.ranked.iter().find(|(found, _, _)| *found == article).map(|(_, score, _)| *score)
        };
        assert_eq!(score(&lifted, "billing"), Some(second * (1.0 + learning::MAX_LIFT)));
        assert_eq!(score(&lifted, "reset-password"), Some(top));
        // A factor past the bound is held to it; an article the words do not find is not added.
        let forced = index.rank_learned(&query, &TUNING, &[("billing", 50.0), ("invoices", 2.0)]);
        assert_eq!(score(&forced, "billing"), Some(second * (1.0 + learning::MAX_LIFT)));
        assert_eq!(score(&forced, "invoices"), None);
    }

    #[test]
    fn codes_and_quotations_are_phrases_and_apostrophes_are_not_quotes() {
        let index = english();
        let groups = |text: &str| {
            let words = index.query_words(text);
            phrases(text, &words)
                .into_iter()
                .map(|phrase| phrase.iter().map(|&word| words[word].folded.clone()).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
        };
        assert_eq!(groups("avrdude stk500_getsync() not in sync"), ["stk500 getsync"]);
        // Filler inside a quotation is left out as anywhere else.
        assert_eq!(groups("the code gets 'does not exist' here"), ["not exist"]);
        assert!(groups("it doesn't work and I can't sign in").is_empty());
        assert!(groups("reset password").is_empty());
    }

    #[test]
    fn a_code_found_in_one_section_outranks_its_words_scattered() {
        let index = SearchIndex::build(
            "en",
            [
                doc(
                    "scattered",
                    "Network errors",
                    vec![
                        intro("A refused request is retried."),
                        Part { anchor: "network", heading: "Network", text: "The connection may drop." },
                    ],
                ),
                doc(
                    "together",
                    "Browser messages",
                    vec![
                        intro("Some pages fail to load."),
                        Part {
                            anchor: "refused",
                            heading: "Refused",
                            text: "The connection was refused by the server.",
                        },
                    ],
                ),
            ],
            &[],
        );
        let plain = Tuning { phrase_weight: 0.0, together_weight: 0.0, ..TUNING };
        let phrase = Tuning { together_weight: 0.0, ..TUNING };
        let query = Query::new("CONNECTION_REFUSED ");
        let score = |tuning: &Tuning, slug: &str| {
            index.search_tuned(&query, tuning).into_iter().find(|hit| hit.slug == slug).map(|hit| hit.score).unwrap()
        };
        assert!((score(&phrase, "together") / score(&plain, "together") - (1.0 + TUNING.phrase_weight)).abs() < 1e-4);
        assert_eq!(score(&phrase, "scattered"), score(&plain, "scattered"));
    }

    #[test]
    fn word_forms_meet_at_their_stem() {
        assert_eq!(slugs(&english().search(&Query::new("inviting "))), ["invite"]);
        assert_eq!(slugs(&english().search(&Query::new("downgrading "))), ["billing"]);
    }

    #[test]
    fn last_word_matches_as_prefix_while_typing() {
        assert_eq!(slugs(&english().search(&Query::new("teamm"))), ["invite"]);
        // Once the customer typed a space the word is complete and no longer a prefix.
        assert!(english().search(&Query::new("teamm ")).is_empty());
        // Typed letters past the stem still find it.
        assert_eq!(slugs(&english().search(&Query::new("invitati"))), ["invite"]);
    }

    #[test]
    fn typos_are_forgiven_by_word_length() {
        assert_eq!(slugs(&english().search(&Query::new("pasword ")))[0], "reset-password");
        assert_eq!(slugs(&english().search(&Query::new("invoise ")))[0], "invoices");
        // Two typos in a long word.
        assert_eq!(slugs(&english().search(&Query::new("pazzword ")))[0], "reset-password");
        // Short words get no typo tolerance: "plam" is not "plan".
        assert!(english().search(&Query::new("pla ")).is_empty());
    }

    /// Issue 14: the typo path ran only when nothing else matched, so "pass", a word of its own and the
    /// start of "passwrod", hid the correction to "password".
    #[test]
    fn a_typo_whose_start_is_a_word_is_still_corrected() {
        let index = SearchIndex::build(
            "en",
            [
                doc("day-pass", "Buy a day pass", vec![intro("A pass lets you in for one day.")]),
                doc("reset-password", "Reset your password", vec![intro("Choose Forgot password.")]),
            ],
            &[],
        );
        for typed in ["passwrod", "passwrod "] {
            assert_eq!(slugs(&index.search(&Query::new(typed)))[0], "reset-password", "{typed:?}");
        }
    }

    /// Issue 14: Russian questions name English product words as they sound, with Russian endings.
    #[test]
    fn an_english_word_written_in_cyrillic_is_found() {
        let index = SearchIndex::build(
            "ru",
            [
                doc("algolia", "Поиск через Algolia", vec![intro("Подключите Algolia к проекту.")]),
                doc("deploy", "Deploy на сервер", vec![intro("Команда deploy публикует проект.")]),
                doc("other", "Другое", vec![intro("Ничего про поиск.")]),
            ],
            &[],
        );
        assert_eq!(slugs(&index.search(&Query::new("индекс в алголии ")))[0], "algolia");
        assert_eq!(slugs(&index.search(&Query::new("деплой ")))[0], "deploy");
        assert_eq!(text::transliterate("фавиконка").as_deref(), Some("favikonka"));
        assert_eq!(text::transliterate("dark"), Some("dark".into()));
    }

    /// Issue 18: a model answers from the plain text of the best part of each article, and only when the
    /// best article covers the question's meaningful words.
    #[test]
    fn passages_are_the_best_parts_with_how_much_of_the_question_they_cover() {
        let index = SearchIndex::build(
            "en",
            [
                doc(
                    "reset-password",
                    "Reset your password",
                    vec![
                        intro("Passwords keep your account safe."),
                        Part {
                            anchor: "steps",
                            heading: "Steps",
                            text: "Choose <Forgot password> and reset it by email.",
                        },
                    ],
                ),
                doc("invoices", "Download invoices", vec![intro("Every invoice is a PDF.")]),
            ],
            &[],
        );
        let texts = [
            vec![
                "Passwords keep your account safe.".to_owned(),
                "Choose <Forgot password> and reset it by email.".to_owned(),
            ],
            vec!["Every invoice is a PDF.".to_owned()],
        ];
        let ranking = index.rank(&Query::new("how do I reset my password"));
        assert_eq!(ranking.content_words(), 2, "how, do, I and my carry no meaning");
        let passages = index.passages(&ranking, 3, 900, |article| texts.get(article as usize).map(Vec::as_slice));
        assert_eq!(passages[0].slug, "reset-password");
        assert_eq!(passages[0].anchor.as_deref(), Some("steps"));
        assert_eq!(passages[0].text, "Choose <Forgot password> and reset it by email.", "plain text, not HTML");
        assert_eq!(passages[0].coverage, 1.0);

        let ranking = index.rank(&Query::new("my dog ate the invoice"));
        let passages = index.passages(&ranking, 3, 900, |article| texts.get(article as usize).map(Vec::as_slice));
        assert_eq!(passages[0].slug, "invoices");
        assert!(passages[0].coverage < 0.5, "{}", passages[0].coverage);
    }

    #[test]
    fn synonyms_find_the_editors_word() {
        assert_eq!(slugs(&english().search(&Query::new("receipts "))), ["invoices"]);
    }

    #[test]
    fn stop_words_do_not_rank_but_a_stop_word_query_still_works() {
        let hits = english().search(&Query::new("how do i reset my password"));
        assert_eq!(hits[0].slug, "reset-password");
        assert!(!english().search(&Query::new("your ")).is_empty());
    }

    #[test]
    fn hit_points_to_the_matching_section_with_a_marked_snippet() {
        let hits = english().search(&Query::new("reset email spam"));
        assert_eq!(hits[0].anchor.as_deref(), Some("the-reset-email-does-not-arrive"));
        assert_eq!(hits[0].heading.as_deref(), Some("The reset email does not arrive"));
        assert_eq!(hits[0].snippet, "Check your <mark>spam</mark> folder. Links expire after 30 minutes.");
        let intro_hit = english().search(&Query::new("sign-in page"));
        assert_eq!(intro_hit[0].anchor, None);
        // "in" is a stop word: it neither ranks nor lights up.
        assert!(intro_hit[0].snippet.contains("<mark>sign</mark>-in <mark>page</mark>"), "{}", intro_hit[0].snippet);
    }

    /// Issue 14: the first hit carries the passage that answers, longer than its snippet, for the widget to
    /// show above the results; the others do not.
    #[test]
    fn the_first_hit_carries_the_passage_that_answers() {
        let long = "Open Settings and choose Security. ".repeat(4)
            + "To turn on two-factor sign-in, scan the code with your authenticator app and type the six digits. "
            + &"Keep the recovery codes somewhere safe. ".repeat(6);
        let index = SearchIndex::build(
            "en",
            [
                doc("two-factor", "Two-factor sign-in", vec![intro(&long)]),
                doc("other", "Sign-in help", vec![intro("Sign in with your email address.")]),
            ],
            &[],
        );
        let hits = index.search(&Query::new("authenticator app code"));
        assert_eq!(hits[0].slug, "two-factor");
        let passage = hits[0].passage.as_deref().expect("the first hit has a passage");
        assert!(passage.contains("<mark>authenticator</mark> <mark>app</mark>"), "{passage}");
        assert!(passage.len() > hits[0].snippet.len(), "{passage} / {}", hits[0].snippet);
        assert!(hits.iter().skip(1).all(|hit| hit.passage.is_none()));
    }

    #[test]
    fn snippets_escape_html_and_mark_partial_words() {
        let index =
            SearchIndex::build("en", [doc("x", "X", vec![intro("Use <script> tags & exports carefully")])], &[]);
        let hits = index.search(&Query::new("expo"));
        assert_eq!(hits[0].snippet, "Use &lt;script&gt; tags &amp; <mark>exports</mark> carefully");
    }

    #[test]
    fn long_texts_are_cut_around_the_match() {
        let long = format!("{} needle {}", "filler ".repeat(60), "more ".repeat(60));
        let index = SearchIndex::build("en", [doc("x", "X", vec![intro(&long)])], &[]);
        let snippet = &index.search(&Query::new("needle "))[0].snippet;
        assert!(snippet.starts_with("… ") && snippet.ends_with(" …"), "{snippet}");
        assert!(snippet.contains("<mark>needle</mark>"));
        assert!(snippet.split_whitespace().count() <= SNIPPET_WORDS + 2, "{snippet}");
    }

    #[test]
    fn russian_word_forms_and_yo() {
        let index = SearchIndex::build(
            "ru",
            [doc("sbros", "Сброс пароля", vec![intro("Откройте страницу входа. Ещё можно написать нам.")])],
            &[],
        );
        assert_eq!(slugs(&index.search(&Query::new("пароли "))), ["sbros"]);
        assert_eq!(slugs(&index.search(&Query::new("сбросить пароль"))), ["sbros"]);
        assert_eq!(slugs(&index.search(&Query::new("еще "))), ["sbros"]);
        assert_eq!(slugs(&index.search(&Query::new("пороль "))), ["sbros"]);
    }

    #[test]
    fn ukrainian_uses_its_own_stems() {
        let index =
            SearchIndex::build("uk", [doc("oplata", "Оплата рахунку", vec![intro("Налаштування оплати.")])], &[]);
        assert_eq!(slugs(&index.search(&Query::new("оплатою "))), ["oplata"]);
        assert_eq!(slugs(&index.search(&Query::new("налаштуваннях "))), ["oplata"]);
    }

    #[test]
    fn filters_by_product_and_section() {
        let mobile = ["mobile".to_owned()];
        let index = SearchIndex::build(
            "en",
            [
                Document { products: &mobile, section: "apps", ..doc("mobile-login", "Log in on the phone", vec![]) },
                Document { section: "account", ..doc("login", "Log in", vec![]) },
            ],
            &[],
        );
        let for_web = index.search(&Query { product: Some("web"), ..Query::new("log ") });
        assert_eq!(slugs(&for_web), ["login"]);
        let for_mobile = index.search(&Query { product: Some("mobile"), ..Query::new("log ") });
        assert_eq!(for_mobile.len(), 2);
        let in_apps = index.search(&Query { section: Some("apps"), ..Query::new("log ") });
        assert_eq!(slugs(&in_apps), ["mobile-login"]);
    }

    #[test]
    fn url_parameters_are_checked() {
        let query = Query::from_params("pass", Some("mobile"), Some(""), Some("3")).unwrap();
        assert_eq!((query.product, query.section, query.limit), (Some("mobile"), None, 3));
        assert_eq!(Query::from_params("pass", None, None, None).unwrap().limit, DEFAULT_LIMIT);
        for bad in ["0", "51", "-1", "ten", "2.5"] {
            let error = Query::from_params("pass", None, None, Some(bad)).unwrap_err();
            assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_limit", Some("limit")), "{bad}");
        }
        let long = "я".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(Query::from_params(&long, None, None, None).unwrap_err().code, "query_too_long");
    }

    #[test]
    fn limit_is_respected_and_capped() {
        let index = english();
        assert_eq!(index.search(&Query { limit: 1, ..Query::new("password ") }).len(), 1);
        assert_eq!(index.search(&Query { limit: 10_000, ..Query::new("your ") }).len(), 2);
    }

    #[test]
    fn empty_and_punctuation_only_queries_find_nothing() {
        let index = english();
        assert!(index.search(&Query::new("")).is_empty());
        assert!(index.search(&Query::new("  ?!  ")).is_empty());
    }

    #[test]
    fn index_survives_a_binary_round_trip_and_refuses_other_formats() {
        let index = english();
        let back = SearchIndex::from_bytes(&index.to_bytes()).unwrap();
        assert_eq!(back, index);
        // Loaded alone, the index ranks the same; snippets then need the text shards.
        let query = Query::new("spam ");
        let ranking = back.rank(&query);
        assert_eq!(back.shards_for(&ranking).into_iter().collect::<Vec<_>>(), [0]);
        let shards: Vec<Vec<Vec<String>>> = index.text_shards().iter().map(|s| read_text_shard(s).unwrap()).collect();
        let from_shards = back.hits(&ranking, |article| {
            shards.get((article / SHARD_ARTICLES) as usize)?.get((article % SHARD_ARTICLES) as usize).map(Vec::as_slice)
        });
        assert_eq!(from_shards, index.search(&query));
        let without_texts = back.hits(&ranking, |_| None);
        assert_eq!(without_texts[0].anchor, from_shards[0].anchor);
        let mut old = english();
        old.format = FORMAT_VERSION + 1;
        assert!(SearchIndex::from_bytes(&old.to_bytes()).unwrap_err().contains("rebuild"));
        assert!(SearchIndex::from_bytes(b"garbage").is_err());
    }
}
