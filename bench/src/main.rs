//! `make bench`: edgedesk's search against Pagefind 1.x, side by side in one run, on the Arduino help
//! center, on Diplodoc's docs (Russian and English), on the demo knowledge base and on a generated
//! 10,000-article help center. It prints Markdown tables for docs/benchmarks.md.
//!
//! For each corpus and engine: build time, index size (raw and brotli), the bytes a browser fetches for
//! its first and for a later query, query latency p50/p99 for prefixes and 1–3 word queries. Then
//! relevance: recall@5 and MRR@10 of edgedesk, Pagefind and MiniSearch on the same customer questions,
//! the relevance suite's sets (`BENCH_SUITE`, `dev` unless told: the sealed suite is scored once).

mod corpus;
mod minisearch;
mod ours;
mod pagefind;
mod queries;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use edgedesk_e2e::{Chromedriver, repo_root};
use edgedesk_search::relevance::Judgement;

/// One help center to measure: `locale` is the one speed is measured in.
pub struct Corpus {
    pub name: String,
    pub content: PathBuf,
    pub locale: String,
    /// The relevance sets about it.
    pub sets: Vec<RelevanceSet>,
}

/// Customer questions typed on a page in `page_locale`, with the articles that answer each.
pub struct RelevanceSet {
    pub name: String,
    pub page_locale: String,
    pub judgements: Vec<Judgement>,
}

/// What one engine measured on one corpus.
#[derive(Debug, Default)]
pub struct Measured {
    pub build: Duration,
    /// Everything the engine stores to answer queries: (raw, brotli) bytes.
    pub index_bytes: (usize, usize),
    /// Bytes a browser downloads for its first query on a page, over the wire (brotli where the server
    /// would compress).
    pub first_query_bytes: f64,
    /// Bytes a browser downloads for each further query, mean.
    pub later_query_bytes: f64,
    /// Per query kind: (p50, p99) in milliseconds, with where it was measured.
    pub latency: BTreeMap<String, (f64, f64)>,
    pub latency_note: String,
    /// Extra latencies: label → (p50, p99).
    pub extra_latency: Vec<(String, (f64, f64))>,
    /// Per relevance set: (recall@5, MRR@10).
    pub relevance: Relevance,
    /// edgedesk only: words and meaning fused, and the embedding model alone.
    pub hybrid_relevance: Relevance,
    pub dense_relevance: Relevance,
}

/// Per relevance set: (recall@5, MRR@10).
pub type Relevance = BTreeMap<String, (f64, f64)>;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let root = repo_root();
    let shared = edgedesk_e2e::corpora::corpora_dir();
    let suite = std::env::var("BENCH_SUITE").unwrap_or_else(|_| "dev".into());
    let sets = |names: &[&str]| -> Result<Vec<RelevanceSet>> {
        names
            .iter()
            .map(|name| {
                let path = root.join("tests/relevance").join(&suite).join(format!("{name}.json"));
                let judgements =
                    serde_json::from_slice(&std::fs::read(&path).with_context(|| path.display().to_string())?)?;
                let page_locale = name.rsplit_once('-').map_or("en", |(_, locale)| locale).to_owned();
                Ok(RelevanceSet { name: (*name).to_owned(), page_locale, judgements })
            })
            .collect()
    };
    let generated = tempfile::Builder::new().prefix("edgedesk-bench-corpus-").tempdir()?;
    let articles = std::env::var("BENCH_ARTICLES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    eprintln!("generating a {articles}-article help center…");
    corpus::generate(&shared.join("arduino-help-center/content"), generated.path(), articles)?;
    let corpora = vec![
        Corpus {
            name: "Arduino help center (404 articles, en)".into(),
            content: shared.join("arduino-help-center/content"),
            locale: "en".into(),
            sets: sets(&["arduino-en"])?,
        },
        Corpus {
            name: "Diplodoc docs (180 articles, ru + en; ru queried for speed)".into(),
            content: shared.join("diplodoc-docs"),
            locale: "ru".into(),
            sets: sets(&["diplodoc-en", "diplodoc-ru"])?,
        },
        Corpus {
            name: "Demo knowledge base (22 articles, en + ru + uk)".into(),
            content: root.join("kb-content"),
            locale: "en".into(),
            sets: sets(&["demo-en", "demo-ru", "demo-uk"])?,
        },
        Corpus {
            name: format!("Generated help center ({articles} articles, en)"),
            content: generated.path().to_owned(),
            locale: "en".into(),
            sets: Vec::new(),
        },
    ];

    let chromedriver = Chromedriver::start().await?;
    let mut results = Vec::new();
    for corpus in &corpora {
        eprintln!("== {}", corpus.name);
        let measured_ours = ours::measure(corpus).await.context("measuring edgedesk")?;
        let measured_pagefind = pagefind::measure(corpus, &chromedriver).await.context("measuring Pagefind")?;
        let mut measured_minisearch = BTreeMap::new();
        if !corpus.sets.is_empty() {
            let documents = minisearch::documents(&edgedesk_kb::load(&corpus.content)?);
            for set in &corpus.sets {
                let queries: Vec<&str> = set.judgements.iter().map(|judgement| judgement.query.as_str()).collect();
                let ranked = minisearch::search(&documents, &queries).context("measuring MiniSearch")?;
                measured_minisearch.insert(set.name.clone(), minisearch::score(&set.judgements, &ranked));
            }
        }
        results.push((corpus, measured_ours, measured_pagefind, measured_minisearch));
    }
    for (corpus, ours, pagefind, _) in &results {
        print_table(corpus, ours, pagefind);
    }
    print_relevance(&suite, &results);
    Ok(())
}

/// What each engine measured on one corpus, MiniSearch's relevance per set.
type Results<'a> = (&'a Corpus, Measured, Measured, BTreeMap<String, (f64, f64)>);

/// Relevance per set and per language of the page, edgedesk beside the better of the other two.
fn print_relevance(suite: &str, results: &[Results<'_>]) {
    println!("\n### Relevance on the {suite} suite (recall@5 / MRR@10)\n");
    println!(
        "| set | queries | edgedesk, words (served) | edgedesk, words + meaning | the model alone (MiniLM en, e5 ru/uk) | Pagefind 1.6 | MiniSearch 7.2 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let cell = |pair: Option<&(f64, f64)>| pair.map_or("–".into(), |(r, m)| format!("{:.1} % / {m:.3}", r * 100.0));
    // Per language: queries, then per engine the sums of recall and MRR weighted by queries.
    // An engine that did not rank every set of a language (the model alone, for Russian) has no figure there.
    type Sums = [Option<(f64, f64)>; 5];
    let mut by_language: BTreeMap<&str, (usize, Sums)> = BTreeMap::new();
    for (corpus, ours, pagefind, minisearch) in results {
        for set in &corpus.sets {
            let engines = [
                ours.relevance.get(&set.name),
                ours.hybrid_relevance.get(&set.name),
                ours.dense_relevance.get(&set.name),
                pagefind.relevance.get(&set.name),
                minisearch.get(&set.name),
            ];
            let cells: Vec<String> = engines.iter().map(|engine| cell(*engine)).collect();
            println!("| {} | {} | {} |", set.name, set.judgements.len(), cells.join(" | "));
            let language = by_language.entry(&set.page_locale).or_insert((0, [Some((0.0, 0.0)); 5]));
            language.0 += set.judgements.len();
            for (sum, engine) in language.1.iter_mut().zip(engines) {
                *sum = sum.zip(engine).map(|((recall_sum, mrr_sum), (recall, mrr))| {
                    (recall_sum + recall * set.judgements.len() as f64, mrr_sum + mrr * set.judgements.len() as f64)
                });
            }
        }
    }
    println!(
        "\n| page language | queries | edgedesk, words (served) | edgedesk, words + meaning | the model alone (MiniLM en, e5 ru/uk) | Pagefind 1.6 | MiniSearch 7.2 | words over the better of Pagefind and MiniSearch, recall@5 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (language, (queries, sums)) in by_language {
        let mean = |sum: Option<(f64, f64)>| sum.map(|(recall, mrr)| (recall / queries as f64, mrr / queries as f64));
        let means = sums.map(mean);
        let recall = |at: usize| means[at].map_or(0.0, |(recall, _)| recall);
        let margin = (recall(0) - recall(3).max(recall(4))) * 100.0;
        let cells: Vec<String> = means.iter().map(|pair| cell(pair.as_ref())).collect();
        println!("| {language} | {queries} | {} | {margin:+.1} points |", cells.join(" | "));
    }
}

fn kilobytes(bytes: f64) -> String {
    if bytes >= 1_000_000.0 { format!("{:.2} MB", bytes / 1_000_000.0) } else { format!("{:.1} KB", bytes / 1_000.0) }
}

fn latency(pair: Option<&(f64, f64)>) -> String {
    pair.map_or("–".into(), |(p50, p99)| format!("{p50:.2} / {p99:.2} ms"))
}

fn print_table(corpus: &Corpus, ours: &Measured, pagefind: &Measured) {
    println!("\n### {}\n", corpus.name);
    println!("| | edgedesk | Pagefind 1.6 |");
    println!("|---|---:|---:|");
    println!("| build (compile + index) | {:.2} s | {:.2} s |", ours.build.as_secs_f64(), pagefind.build.as_secs_f64());
    println!(
        "| index, raw / brotli | {} / {} | {} / {} |",
        kilobytes(ours.index_bytes.0 as f64),
        kilobytes(ours.index_bytes.1 as f64),
        kilobytes(pagefind.index_bytes.0 as f64),
        kilobytes(pagefind.index_bytes.1 as f64)
    );
    println!(
        "| browser download, first query | {} | {} |",
        kilobytes(ours.first_query_bytes),
        kilobytes(pagefind.first_query_bytes)
    );
    println!(
        "| browser download, each later query | {} | {} |",
        kilobytes(ours.later_query_bytes),
        kilobytes(pagefind.later_query_bytes)
    );
    for kind in queries::KINDS {
        println!(
            "| latency p50 / p99, {kind} | {} | {} |",
            latency(ours.latency.get(kind)),
            latency(pagefind.latency.get(kind))
        );
    }
    for (label, pair) in ours.extra_latency.iter().chain(&pagefind.extra_latency) {
        let (left, right) = if ours.extra_latency.iter().any(|(l, _)| l == label) {
            (latency(Some(pair)), "".to_owned())
        } else {
            ("".to_owned(), latency(Some(pair)))
        };
        println!("| {label} | {left} | {right} |");
    }
    println!("\nLatency measured: edgedesk {}; Pagefind {}.", ours.latency_note, pagefind.latency_note);
}

/// The p50 and p99 of durations in milliseconds.
pub fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

pub fn brotli_size(bytes: &[u8]) -> usize {
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut compressed, &params).expect("compressing in memory");
    compressed.len()
}
