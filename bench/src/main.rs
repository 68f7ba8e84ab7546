//! `make bench`: edgedesk's search against Pagefind 1.x, side by side in one run, on the Arduino help
//! center, on Diplodoc's Russian docs and on a generated 10,000-article help center. It prints Markdown
//! tables for docs/benchmarks.md.
//!
//! For each corpus and engine: build time, index size (raw and brotli), the bytes a browser fetches for
//! its first and for a later query, query latency p50/p99 for prefixes and 1–3 word queries, and, where a
//! relevance set exists, recall@5 and MRR@10 on the same customer questions.

mod corpus;
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

/// One help center to measure.
pub struct Corpus {
    pub name: String,
    pub content: PathBuf,
    pub locale: String,
    pub relevance: Option<Vec<Judgement>>,
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
    /// (recall@5, MRR@10) on the corpus's relevance set.
    pub relevance: Option<(f64, f64)>,
}

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
    let relevance = |name: &str| -> Result<Option<Vec<Judgement>>> {
        let path = root.join("tests/relevance").join(name);
        Ok(Some(serde_json::from_slice(&std::fs::read(&path).with_context(|| path.display().to_string())?)?))
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
            relevance: relevance("arduino.json")?,
        },
        Corpus {
            name: "Diplodoc docs (180 articles, ru + en; ru queried)".into(),
            content: shared.join("diplodoc-docs"),
            locale: "ru".into(),
            relevance: relevance("diplodoc-ru.json")?,
        },
        Corpus {
            name: format!("Generated help center ({articles} articles, en)"),
            content: generated.path().to_owned(),
            locale: "en".into(),
            relevance: None,
        },
    ];

    let chromedriver = Chromedriver::start().await?;
    let mut results = Vec::new();
    for corpus in &corpora {
        eprintln!("== {}", corpus.name);
        let measured_ours = ours::measure(corpus).await.context("measuring edgedesk")?;
        let measured_pagefind = pagefind::measure(corpus, &chromedriver).await.context("measuring Pagefind")?;
        results.push((corpus, measured_ours, measured_pagefind));
    }
    for (corpus, ours, pagefind) in &results {
        print_table(corpus, ours, pagefind);
    }
    Ok(())
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
    if let (Some(ours_relevance), Some(theirs)) = (ours.relevance, pagefind.relevance) {
        let queries = corpus.relevance.as_ref().map_or(0, Vec::len);
        println!(
            "| recall@5 / MRR@10 ({queries} customer queries) | {:.1} % / {:.3} | {:.1} % / {:.3} |",
            ours_relevance.0 * 100.0,
            ours_relevance.1,
            theirs.0 * 100.0,
            theirs.1
        );
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
