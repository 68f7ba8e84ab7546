//! Server CPU per query at scale, in steady state: a generated help center (`BENCH_ARTICLES`, 10,000 by
//! default) indexed in memory, every benchmark query answered once to warm up and then `ROUNDS` times,
//! with p50/p99 per kind and the slowest queries. `cargo run --profile native -p edgedesk-bench --bin latency`.

#[path = "../corpus.rs"]
mod corpus;
#[path = "../queries.rs"]
mod queries;

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use edgedesk_e2e::corpora::corpora_dir;
use edgedesk_kb as kb;
use edgedesk_search::Query;

/// Timed rounds over every query; `LATENCY_ROUNDS` gives more, for a profiler.
const ROUNDS: usize = 5;

fn main() -> Result<()> {
    let articles = std::env::var("BENCH_ARTICLES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let generated = tempfile::Builder::new().prefix("edgedesk-latency-").tempdir()?;
    // `LATENCY_CONTENT=<dir> LATENCY_LOCALE=ru` measures a real knowledge base instead.
    let content = match std::env::var("LATENCY_CONTENT") {
        Ok(dir) => dir.into(),
        Err(_) => {
            corpus::generate(&corpora_dir().join("arduino-help-center/content"), generated.path(), articles)?;
            generated.path().to_owned()
        }
    };
    let locale = std::env::var("LATENCY_LOCALE").unwrap_or_else(|_| "en".into());
    let started = Instant::now();
    let knowledge_base = kb::load(&content)?;
    let index = knowledge_base.search_index(&locale);
    println!("{} articles loaded and indexed in {:.1} s", index.len(), started.elapsed().as_secs_f64());
    let titles: Vec<String> =
        knowledge_base.articles.iter().filter(|a| a.locale == locale).map(|a| a.title.clone()).collect();
    let queries = queries::from_titles(&titles);
    let first = Instant::now();
    index.search(&Query::new(&queries[0].1));
    println!("first query: {:.2} ms", first.elapsed().as_secs_f64() * 1000.0);
    for (_, text) in &queries {
        index.search(&Query::new(text));
    }
    let mut by_kind: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut slowest: Vec<(f64, &str, &str)> = Vec::new();
    let rounds = std::env::var("LATENCY_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS);
    for _ in 0..rounds {
        for (kind, text) in &queries {
            let started = Instant::now();
            std::hint::black_box(index.search(&Query::new(text)));
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            by_kind.entry(kind).or_default().push(ms);
            slowest.push((ms, kind, text));
        }
    }
    let mut ranking_only: Vec<f64> = Vec::new();
    for (_, text) in &queries {
        let started = Instant::now();
        std::hint::black_box(index.rank(&Query::new(text)));
        ranking_only.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ranking_only.sort_by(f64::total_cmp);
    println!(
        "ranking alone: p50 {:.3} ms, max {:.3} ms",
        ranking_only[ranking_only.len() / 2],
        ranking_only[ranking_only.len() - 1]
    );
    for kind in queries::KINDS {
        let Some(mut samples) = by_kind.remove(kind) else { continue };
        samples.sort_by(f64::total_cmp);
        let at = |p: f64| samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1];
        println!(
            "{kind:>8}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} samples)",
            at(0.5),
            at(0.99),
            at(1.0),
            samples.len()
        );
    }
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    slowest.dedup_by(|a, b| a.2 == b.2);
    for (ms, kind, text) in slowest.iter().take(12) {
        println!("  {ms:.3} ms  {kind:<8} {text:?}");
    }
    Ok(())
}
