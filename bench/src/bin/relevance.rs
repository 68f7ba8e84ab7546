//! Scores the search on a relevance suite (`tests/relevance/dev` while tuning): every set, per kind, and
//! in total per language, with queries routed to the locale the worker would search
//! (`edgedesk_search::language::locale_for_query`).
//!
//! `cargo run --profile native -p edgedesk-bench --bin relevance -- dev [--misses] [--not-first]`: `--misses`
//! lists the queries whose answer is not in the first five, `--not-first` those whose answer is not first.
//!
//! `… -- dev --tune together_weight=0,0.1,0.2` chooses a ranking number by 5-fold cross-validation on
//! the suite: for each fold, the value with the best MRR@10 on the other four folds, scored on the fold
//! it did not see; the mean of those five is what the number can be expected to give on new questions.
//!
//! `… -- dev --dump ranks.json` also writes each set's ranked sources per query, for comparing rankings
//! made outside (an embedding model's, say) or fusing with them.
//!
//! `… -- dev --compare` scores MiniSearch beside edgedesk on every set (`scripts/bench.sh` installs it).
//!
//! Which knowledge base a set is about follows from its name: `arduino-en` is the Arduino help center,
//! `diplodoc-<page>` the Diplodoc docs, `demo-<page>` this repository's `kb-content`; the suffix is the
//! page's locale.

#[path = "../minisearch.rs"]
mod minisearch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use edgedesk_e2e::corpora::corpora_dir;
use edgedesk_e2e::repo_root;
use edgedesk_embed::Embedders;
use edgedesk_insights::random::SplitMix64;
use edgedesk_protocol::api::SearchHit;
use edgedesk_search::relevance::{self, Judgement};
use edgedesk_search::semantic::{FUSION, Fusion};
use edgedesk_search::{SearchIndex, TUNING, Tuning};

/// The knowledge base and the page locale a set's name stands for.
fn content_for(set: &str) -> Result<(PathBuf, String)> {
    let (name, locale) = set.rsplit_once('-').context("a set is named <corpus>-<locale>")?;
    let content = match name {
        "arduino" => corpora_dir().join("arduino-help-center/content"),
        "diplodoc" => corpora_dir().join("diplodoc-docs"),
        "demo" => repo_root().join("kb-content"),
        other => bail!("no knowledge base is known for the set {other}"),
    };
    Ok((content, locale.to_owned()))
}

/// Every locale's index of one knowledge base.
type Indexes = BTreeMap<String, SearchIndex>;

fn load(content: &Path, semantic: Option<&Semantic>) -> Result<Indexes> {
    let knowledge_base = edgedesk_kb::load(content).with_context(|| format!("reading {}", content.display()))?;
    let mut indexes = knowledge_base.search_indexes();
    if let Some(semantic) = semantic {
        let started = std::time::Instant::now();
        semantic.embedders.embed_indexes(&mut indexes)?;
        eprintln!("embedded the sections of {} in {:.1} s", content.display(), started.elapsed().as_secs_f64());
    }
    Ok(indexes)
}

/// `--hybrid`: the model that embeds sections and queries (each text once: later runs read its vector from
/// target/).
struct Semantic {
    embedders: Embedders,
}

/// How a judgement is searched: lexically, or (with `--hybrid`) as the worker does once the customer
/// pauses, fused with the model's ranking.
fn search(
    indexes: &Indexes,
    page_locale: &str,
    judgement: &Judgement,
    tuning: &Tuning,
    semantic: Option<&Semantic>,
    fusion: &Fusion,
) -> Vec<SearchHit> {
    match semantic {
        None => relevance::search_routed(indexes, page_locale, judgement, tuning),
        Some(semantic) => relevance::search_routed_hybrid(
            indexes,
            page_locale,
            judgement,
            tuning,
            |vectors, query| semantic.embedders.query_vector(vectors, query),
            fusion,
        ),
    }
}

fn run() -> Result<()> {
    let mut arguments = std::env::args().skip(1);
    let suite = arguments.next().context("name the suite: dev (sealed is scored once, at the end)")?;
    let arguments: Vec<String> = arguments.collect();
    let show_misses = arguments.iter().any(|argument| argument == "--misses");
    let show_seconds = arguments.iter().any(|argument| argument == "--not-first");
    let tune = arguments.iter().position(|argument| argument == "--tune").and_then(|at| arguments.get(at + 1));
    let compare = arguments.iter().any(|argument| argument == "--compare");
    let dump = arguments.iter().position(|argument| argument == "--dump").and_then(|at| arguments.get(at + 1));
    let semantic = if arguments.iter().any(|argument| argument == "--hybrid") {
        Some(Semantic { embedders: Embedders::cached_in(&repo_root().join("target/semantic")) })
    } else {
        None
    };
    let semantic = semantic.as_ref();
    let mut dumped: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let directory = repo_root().join("tests/relevance").join(&suite);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .with_context(|| format!("reading {}", directory.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut corpora: BTreeMap<PathBuf, Indexes> = BTreeMap::new();
    // Per language of the page: (queries, found in the top 5, sum of reciprocal ranks, answered first).
    let mut by_language: BTreeMap<String, (usize, f64, f64, f64)> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    if let Some(tune) = tune {
        return cross_validate(&files, tune, semantic);
    }
    if compare {
        return compare_with_minisearch(&files);
    }
    println!("{:<16} {:>7} {:>9} {:>7} {:>9}", "set", "queries", "recall@5", "MRR@10", "answer@1");
    for file in files.iter().filter(|file| file.extension().is_some_and(|extension| extension == "json")) {
        let set = file.file_stem().and_then(|stem| stem.to_str()).context("a set's name")?;
        let (content, locale) = content_for(set)?;
        let judgements: Vec<Judgement> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        if !corpora.contains_key(&content) {
            corpora.insert(content.clone(), load(&content, semantic)?);
        }
        let evaluation = relevance::evaluate_with(&judgements, |judgement| {
            search(&corpora[&content], &locale, judgement, &TUNING, semantic, &FUSION)
        });
        println!(
            "{set:<16} {:>7} {:>8.1}% {:>7.3} {:>8.1}%",
            evaluation.queries,
            evaluation.recall_at_5 * 100.0,
            evaluation.mrr_at_10,
            evaluation.answered_first * 100.0
        );
        let language = by_language.entry(locale.clone()).or_default();
        language.0 += evaluation.queries;
        language.1 += evaluation.recall_at_5 * evaluation.queries as f64;
        language.2 += evaluation.mrr_at_10 * evaluation.queries as f64;
        language.3 += evaluation.answered_first * evaluation.queries as f64;
        for (kind, (queries, found)) in &evaluation.by_kind {
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0 += queries;
            entry.1 += found;
        }
        if dump.is_some() {
            let ranked = judgements.iter().map(|judgement| {
                let hits = search(&corpora[&content], &locale, judgement, &TUNING, semantic, &FUSION);
                hits.into_iter().map(|hit| hit.source).collect()
            });
            dumped.insert(set.to_owned(), ranked.collect());
        }
        if show_seconds {
            for judgement in &judgements {
                let hits = search(&corpora[&content], &locale, judgement, &TUNING, semantic, &FUSION);
                match relevance::rank_of(judgement, &hits) {
                    Some(rank) if rank > 1 => println!(
                        "    rank {rank} {:?}\n        want {}\n        first {}",
                        judgement.query,
                        judgement.expected.join(" | "),
                        hits[0].source
                    ),
                    _ => {}
                }
            }
        }
        if show_misses {
            for miss in &evaluation.misses {
                let rank = miss.rank.map_or("-".to_owned(), |rank| rank.to_string());
                println!(
                    "    miss ({rank}) {:?}\n        want {}\n        got  {}",
                    miss.query,
                    miss.expected.join(" | "),
                    miss.top.join(" | ")
                );
            }
        }
    }
    if let Some(dump) = dump {
        std::fs::write(dump, serde_json::to_string(&dumped)?)?;
    }
    println!();
    for (language, (queries, found, reciprocal, first)) in &by_language {
        let queries_f = *queries as f64;
        let (recall, mrr, first) = (found / queries_f * 100.0, reciprocal / queries_f, first / queries_f * 100.0);
        println!("{language:<16} {queries:>7} {recall:>8.1}% {mrr:>7.3} {first:>8.1}%");
    }
    println!();
    for (kind, (queries, found)) in &by_kind {
        println!("{kind:<16} {found:>3}/{queries:<3} in the top 5");
    }
    Ok(())
}

/// Every judgement of the suite with the indexes and page locale it is searched with.
/// A judgement with the knowledge base and the page locale it is searched with.
type Placed = (PathBuf, String, Judgement);

fn all_judgements(files: &[PathBuf], semantic: Option<&Semantic>) -> Result<(BTreeMap<PathBuf, Indexes>, Vec<Placed>)> {
    let mut corpora: BTreeMap<PathBuf, Indexes> = BTreeMap::new();
    let mut all = Vec::new();
    for file in files.iter().filter(|file| file.extension().is_some_and(|extension| extension == "json")) {
        let set = file.file_stem().and_then(|stem| stem.to_str()).context("a set's name")?;
        let (content, locale) = content_for(set)?;
        if !corpora.contains_key(&content) {
            corpora.insert(content.clone(), load(&content, semantic)?);
        }
        let judgements: Vec<Judgement> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        all.extend(judgements.into_iter().map(|judgement| (content.clone(), locale.clone(), judgement)));
    }
    Ok((corpora, all))
}

/// `name=v1,v2,…`: scores every value on every judgement, then chooses by 5-fold cross-validation.
fn cross_validate(files: &[PathBuf], spec: &str, semantic: Option<&Semantic>) -> Result<()> {
    const FOLDS: usize = 5;
    let (name, values) = spec.split_once('=').context("--tune name=v1,v2,…")?;
    let values: Vec<f32> = values.split(',').map(str::parse).collect::<Result<_, _>>()?;
    let (corpora, judgements) = all_judgements(files, semantic)?;
    // Folds at random but repeatably, so that a set's queries spread over all five.
    let mut order: Vec<usize> = (0..judgements.len()).collect();
    let mut random = SplitMix64::new(14);
    for at in (1..order.len()).rev() {
        order.swap(at, random.below(at as u64 + 1) as usize);
    }
    let fold_of: Vec<usize> = {
        let mut fold_of = vec![0; judgements.len()];
        for (position, &judgement) in order.iter().enumerate() {
            fold_of[judgement] = position % FOLDS;
        }
        fold_of
    };
    // Per value, per judgement: (reciprocal rank, in the top five).
    let mut scores: Vec<Vec<(f64, bool)>> = Vec::new();
    for &value in &values {
        let (tuning, fusion) = with(name, value)?;
        let per_judgement = judgements
            .iter()
            .map(|(content, locale, judgement)| {
                let hits = search(&corpora[content], locale, judgement, &tuning, semantic, &fusion);
                let rank = relevance::rank_of(judgement, &hits);
                (rank.map_or(0.0, |rank| 1.0 / rank as f64), rank.is_some_and(|rank| rank <= 5))
            })
            .collect();
        scores.push(per_judgement);
    }
    let mean = |value: usize, keep: &dyn Fn(usize) -> bool| -> (f64, f64) {
        let chosen: Vec<&(f64, bool)> =
            scores[value].iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, s)| s).collect();
        let count = chosen.len().max(1) as f64;
        (chosen.iter().map(|s| s.0).sum::<f64>() / count, chosen.iter().filter(|s| s.1).count() as f64 / count)
    };
    println!("{name:>18} {:>9} {:>7}   (all {} dev queries)", "recall@5", "MRR@10", judgements.len());
    for (at, value) in values.iter().enumerate() {
        let (mrr, recall) = mean(at, &|_| true);
        println!("{value:>18} {:>8.1}% {mrr:>7.3}", recall * 100.0);
    }
    let mut held_out = (0.0, 0.0);
    for fold in 0..FOLDS {
        let best = (0..values.len())
            .max_by(|&a, &b| mean(a, &|i| fold_of[i] != fold).0.total_cmp(&mean(b, &|i| fold_of[i] != fold).0))
            .context("no values")?;
        let (mrr, recall) = mean(best, &|i| fold_of[i] == fold);
        println!(
            "fold {fold}: chose {:>8} on the other folds; on this one {:.1}% {mrr:.3}",
            values[best],
            recall * 100.0
        );
        held_out = (held_out.0 + mrr / FOLDS as f64, held_out.1 + recall / FOLDS as f64);
    }
    println!("cross-validated: recall@5 {:.1}%, MRR@10 {:.3}", held_out.1 * 100.0, held_out.0);
    Ok(())
}

/// `--compare`: edgedesk and MiniSearch (`bench/minisearch.mjs`, as its README sets it up: prefix and
/// fuzzy 0.2 over title and text) on every set, each article of the knowledge base indexed once by each.
fn compare_with_minisearch(files: &[PathBuf]) -> Result<()> {
    println!("{:<16} {:>7} {:>19} {:>21}", "set", "queries", "edgedesk r@5 / MRR", "MiniSearch r@5 / MRR");
    // Per knowledge base: edgedesk's indexes, and the articles as MiniSearch gets them.
    let mut corpora: BTreeMap<PathBuf, (Indexes, Vec<minisearch::Document>)> = BTreeMap::new();
    for file in files.iter().filter(|file| file.extension().is_some_and(|extension| extension == "json")) {
        let set = file.file_stem().and_then(|stem| stem.to_str()).context("a set's name")?;
        let (content, page) = content_for(set)?;
        if !corpora.contains_key(&content) {
            let knowledge_base = edgedesk_kb::load(&content)?;
            corpora.insert(content.clone(), (knowledge_base.search_indexes(), minisearch::documents(&knowledge_base)));
        }
        let (indexes, documents) = &corpora[&content];
        let judgements: Vec<Judgement> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        let edgedesk = relevance::evaluate_routed(indexes, &page, &judgements);
        let queries: Vec<&str> = judgements.iter().map(|judgement| judgement.query.as_str()).collect();
        let (recall, mrr) = minisearch::score(&judgements, &minisearch::search(documents, &queries)?);
        println!(
            "{set:<16} {:>7} {:>10.1}% / {:.3} {:>12.1}% / {:.3}",
            judgements.len(),
            edgedesk.recall_at_5 * 100.0,
            edgedesk.mrr_at_10,
            recall * 100.0,
            mrr
        );
    }
    Ok(())
}

/// The tuning and fusion in use with one number changed.
fn with(name: &str, value: f32) -> Result<(Tuning, Fusion)> {
    let mut tuning = TUNING;
    let mut fusion = FUSION;
    match name {
        "semantic_weight" => fusion.semantic_weight = value,
        "semantic_depth" => fusion.depth = value as usize,
        "k1" => tuning.k1 = value,
        "coverage_weight" => tuning.coverage_weight = value,
        "together_weight" => tuning.together_weight = value,
        "phrase_weight" => tuning.phrase_weight = value,
        other => bail!("no ranking number is called {other}"),
    }
    Ok((tuning, fusion))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("relevance: {error:#}");
            ExitCode::FAILURE
        }
    }
}
