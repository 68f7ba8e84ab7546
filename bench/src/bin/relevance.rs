//! Scores the search on a relevance suite (`tests/relevance/dev` while tuning): every set, per kind, and
//! in total per language, with queries routed to the locale the worker would search
//! (`edgedesk_search::language::locale_for_query`).
//!
//! `cargo run --release -p edgedesk-bench --bin relevance -- dev [--misses]`
//!
//! Which knowledge base a set is about follows from its name: `arduino-en` is the Arduino help center,
//! `diplodoc-<page>` the Diplodoc docs, `demo-<page>` this repository's `kb-content`; the suffix is the
//! page's locale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use edgedesk_e2e::corpora::corpora_dir;
use edgedesk_e2e::repo_root;
use edgedesk_search::SearchIndex;
use edgedesk_search::relevance::{self, Judgement};

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

fn load(content: &Path) -> Result<Indexes> {
    let knowledge_base = edgedesk_kb::load(content).with_context(|| format!("reading {}", content.display()))?;
    Ok(knowledge_base.search_indexes())
}

fn run() -> Result<()> {
    let mut arguments = std::env::args().skip(1);
    let suite = arguments.next().context("name the suite: dev (sealed is scored once, at the end)")?;
    let show_misses = arguments.any(|argument| argument == "--misses");
    let directory = repo_root().join("tests/relevance").join(&suite);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .with_context(|| format!("reading {}", directory.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut corpora: BTreeMap<PathBuf, Indexes> = BTreeMap::new();
    // Per language of the page: (queries, found in the top 5, sum of reciprocal ranks).
    let mut by_language: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    println!("{:<16} {:>7} {:>9} {:>7}", "set", "queries", "recall@5", "MRR@10");
    for file in files.iter().filter(|file| file.extension().is_some_and(|extension| extension == "json")) {
        let set = file.file_stem().and_then(|stem| stem.to_str()).context("a set's name")?;
        let (content, locale) = content_for(set)?;
        let judgements: Vec<Judgement> = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        if !corpora.contains_key(&content) {
            corpora.insert(content.clone(), load(&content)?);
        }
        let evaluation = relevance::evaluate_routed(&corpora[&content], &locale, &judgements);
        println!(
            "{set:<16} {:>7} {:>8.1}% {:>7.3}",
            evaluation.queries,
            evaluation.recall_at_5 * 100.0,
            evaluation.mrr_at_10
        );
        let language = by_language.entry(locale.clone()).or_default();
        language.0 += evaluation.queries;
        language.1 += evaluation.recall_at_5 * evaluation.queries as f64;
        language.2 += evaluation.mrr_at_10 * evaluation.queries as f64;
        for (kind, (queries, found)) in &evaluation.by_kind {
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0 += queries;
            entry.1 += found;
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
    println!();
    for (language, (queries, found, reciprocal)) in &by_language {
        let queries_f = *queries as f64;
        println!("{language:<16} {queries:>7} {:>8.1}% {:>7.3}", found / queries_f * 100.0, reciprocal / queries_f);
    }
    println!();
    for (kind, (queries, found)) in &by_kind {
        println!("{kind:<16} {found:>3}/{queries:<3} in the top 5");
    }
    Ok(())
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
