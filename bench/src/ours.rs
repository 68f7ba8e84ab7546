//! edgedesk measured: the compiler and index in-process, the engine in-process, and the real worker
//! answering over HTTP under workerd with the corpus as its static assets.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Result, ensure};
use edgedesk_e2e::Wrangler;
use edgedesk_embed::{Embedders, Model};
use edgedesk_kb as kb;
use edgedesk_protocol::api::SearchResponse;
use edgedesk_search::manifest::{LocaleSummary, Manifest};
use edgedesk_search::relevance;
use edgedesk_search::semantic::{FUSION, Fusion, SectionVectors};
use edgedesk_search::{self as search, Query, TUNING};

use crate::{Corpus, Measured, Relevance, brotli_size, percentiles, queries};

/// Rounds over every query whose times make the latency percentiles (40 queries per kind each).
const TIMED_ROUNDS: usize = 5;

pub async fn measure(corpus: &Corpus) -> Result<Measured> {
    let started = Instant::now();
    let knowledge_base = kb::load(&corpus.content)?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut locales = BTreeMap::new();
    let mut indexes = BTreeMap::new();
    for locale in knowledge_base.locales() {
        let index = knowledge_base.search_index(&locale);
        files.insert(format!("kb/{locale}/index.bin"), index.to_bytes());
        for (number, shard) in index.text_shards().into_iter().enumerate() {
            files.insert(format!("kb/{locale}/texts/{number}.bin"), shard);
        }
        locales.insert(locale.clone(), LocaleSummary { articles: index.len(), vectors: false, model: None });
        indexes.insert(locale, index);
    }
    let build = started.elapsed();
    let index = &indexes[&corpus.locale];

    let index_files: Vec<&Vec<u8>> =
        files.iter().filter(|(path, _)| path.starts_with(&format!("kb/{}/", corpus.locale))).map(|(_, b)| b).collect();
    let index_bytes = (index_files.iter().map(|b| b.len()).sum(), index_files.iter().map(|b| brotli_size(b)).sum());

    let titles: Vec<String> =
        knowledge_base.articles.iter().filter(|a| a.locale == corpus.locale).map(|a| a.title.clone()).collect();
    let queries = queries::from_titles(&titles);
    let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut response_bytes = Vec::new();
    // A warm isolate's CPU per query: one pass to warm up (the isolate's first query, which also loads
    // the index, is the workerd row below), then every query timed in each of several rounds.
    for (_, text) in &queries {
        let hits = index.search(&Query::new(text));
        let response = SearchResponse {
            query: text.clone(),
            locale: corpus.locale.clone(),
            hits,
            meaning: None,
            answerable: false,
        };
        response_bytes.push(brotli_size(&serde_json::to_vec(&response)?) as f64);
    }
    for _ in 0..TIMED_ROUNDS {
        for (kind, text) in &queries {
            let started = Instant::now();
            std::hint::black_box(index.search(&Query::new(text)));
            by_kind.entry(kind.to_string()).or_default().push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let mean_response = response_bytes.iter().sum::<f64>() / response_bytes.len().max(1) as f64;

    // Each question searched as the worker searches it: in the locale its words are written in.
    let relevance = corpus
        .sets
        .iter()
        .map(|set| {
            let evaluation = relevance::evaluate_routed(&indexes, &set.page_locale, &set.judgements);
            (set.name.clone(), (evaluation.recall_at_5, evaluation.mrr_at_10))
        })
        .collect();

    let (hybrid_relevance, dense_relevance) = by_meaning(corpus, &knowledge_base)?;
    let in_wasm = in_wasm(corpus, &files, index, &queries)?;
    let (cold, through_worker) = through_workerd(corpus, &files, &locales, &queries).await?;
    Ok(Measured {
        build,
        index_bytes,
        // The index stays on the server: the browser downloads only each answer (the widget itself is
        // downloaded once, on intent, whatever is searched).
        first_query_bytes: mean_response,
        later_query_bytes: mean_response,
        latency: by_kind.into_iter().map(|(kind, samples)| (kind, percentiles(samples))).collect(),
        latency_note: "in-process, native, warm (the worker runs the same code as wasm): 5 rounds of every \
                       query after one to warm up; the workerd rows are HTTP round trips to `wrangler dev` on loopback"
            .into(),
        extra_latency: vec![
            ("wasm under V8, warm: by words (each keystroke)".into(), in_wasm.words),
            (
                format!(
                    "wasm under V8, warm: by words and meaning (a pause: the provider's answer read, {} sections \
                     compared, fused)",
                    in_wasm.sections
                ),
                in_wasm.meaning,
            ),
            ("workerd, first query of an isolate (loads the index)".into(), (cold, cold)),
            ("workerd, any query".into(), through_worker),
        ],
        relevance,
        hybrid_relevance,
        dense_relevance,
    })
}

/// Per relevance set, (recall@5, MRR@10) of words and meaning fused as `edgedesk search` ranks, and of
/// the embedding model alone (the same fusion with all the weight on the model): sections embedded by
/// each locale's model (`edgedesk_embed::Model::for_locale`), kept in target/semantic between runs.
fn by_meaning(corpus: &Corpus, knowledge_base: &kb::KnowledgeBase) -> Result<(Relevance, Relevance)> {
    if corpus.sets.is_empty() {
        return Ok(Default::default());
    }
    let embedders = Embedders::cached_in(&edgedesk_e2e::repo_root().join("target/semantic"));
    let mut indexes = knowledge_base.search_indexes();
    embedders.embed_indexes(&mut indexes)?;
    let embed = |vectors: &SectionVectors, query: &str| embedders.query_vector(vectors, query);
    let score = |fusion: &Fusion| -> Relevance {
        corpus
            .sets
            .iter()
            .map(|set| {
                let evaluation = relevance::evaluate_with(&set.judgements, |judgement| {
                    relevance::search_routed_hybrid(&indexes, &set.page_locale, judgement, &TUNING, embed, fusion)
                });
                (set.name.clone(), (evaluation.recall_at_5, evaluation.mrr_at_10))
            })
            .collect()
    };
    Ok((score(&FUSION), score(&Fusion { semantic_weight: 1.0, ..FUSION })))
}

#[derive(serde::Deserialize)]
struct InWasm {
    sections: usize,
    words: (f64, f64),
    meaning: (f64, f64),
}

/// The worker's CPU per search (p50, p99), compiled as the worker is and run under V8 (`bench/wasm`). The
/// vectors are random units, one per section, and each query's arrives as the embeddings provider's JSON:
/// how long a comparison and a fusion take does not depend on the numbers, and embedding a 10,000-article
/// corpus only to time them would take hours.
fn in_wasm(
    corpus: &Corpus,
    files: &BTreeMap<String, Vec<u8>>,
    index: &search::SearchIndex,
    queries: &[(&str, String)],
) -> Result<InWasm> {
    let root = edgedesk_e2e::repo_root();
    let glue = root.join("target/bench-wasm/edgedesk_bench_wasm.js");
    ensure!(glue.exists(), "{} is missing: scripts/bench.sh builds it", glue.display());
    // Kept, so that `node bench/wasm/cpu.mjs target/bench-wasm/edgedesk_bench_wasm.js <dir>` times a changed
    // build again without the whole bench.
    let name: String = corpus.name.split_whitespace().next().unwrap_or("corpus").to_lowercase();
    let dir = root.join("target/bench-wasm/data").join(format!("{name}-{}", corpus.locale));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let prefix = format!("kb/{}/", corpus.locale);
    for (path, bytes) in files.iter().filter(|(path, _)| path.starts_with(&prefix)) {
        let path = dir.join(&path[prefix.len()..]);
        std::fs::create_dir_all(path.parent().expect("a folder"))?;
        std::fs::write(path, bytes)?;
    }
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let sections = index.section_texts().into_iter().map(|(section, _)| (section, random.unit())).collect();
    let vectors =
        SectionVectors::quantise(Model::MiniLm.name(), "", edgedesk_embed::DIMENSIONS, random.unit(), sections)
            .map_err(anyhow::Error::msg)?;
    std::fs::write(dir.join("vectors.bin"), vectors.to_bytes())?;
    let queries: Vec<serde_json::Value> = queries
        .iter()
        .map(|(_, text)| {
            let answer = serde_json::json!({
                "object": "list",
                "data": [{ "object": "embedding", "index": 0, "embedding": random.unit() }],
                "model": "all-minilm",
                "usage": { "prompt_tokens": 8, "total_tokens": 8 },
            });
            serde_json::json!({ "text": text, "answer": answer.to_string() })
        })
        .collect();
    std::fs::write(dir.join("queries.json"), serde_json::to_vec(&queries)?)?;
    let output =
        std::process::Command::new("node").arg(root.join("bench/wasm/cpu.mjs")).arg(&glue).arg(&dir).output()?;
    ensure!(output.status.success(), "bench/wasm/cpu.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// A small deterministic generator (xorshift64*), for vectors whose values do not matter.
struct Random(u64);

impl Random {
    fn unit(&mut self) -> Vec<f32> {
        let vector: Vec<f32> = (0..edgedesk_embed::DIMENSIONS)
            .map(|_| {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect();
        edgedesk_search::semantic::normalised(vector)
    }
}

/// The worker under `wrangler dev`, serving this corpus: the first query's time (the isolate loads the
/// index) and p50/p99 of the rest.
async fn through_workerd(
    corpus: &Corpus,
    files: &BTreeMap<String, Vec<u8>>,
    locales: &BTreeMap<String, LocaleSummary>,
    queries: &[(&str, String)],
) -> Result<(f64, (f64, f64))> {
    let assets = tempfile::Builder::new().prefix("edgedesk-bench-assets-").tempdir()?;
    for (path, bytes) in files {
        let path = assets.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a folder"))?;
        std::fs::write(path, bytes)?;
    }
    let manifest = Manifest {
        format: search::FORMAT_VERSION,
        build: "bench".into(),
        default_locale: corpus.locale.clone(),
        locales: locales.clone(),
        products: BTreeMap::new(),
    };
    std::fs::write(assets.path().join("kb/manifest.json"), serde_json::to_vec(&manifest)?)?;
    let worker = Wrangler::start_serving(Some(assets.path()), &[]).await?;
    let client = reqwest::Client::new();
    let mut samples = Vec::new();
    for (_, text) in queries {
        let url = reqwest::Url::parse_with_params(
            &worker.url("/api/search"),
            &[("q", text.as_str()), ("locale", &corpus.locale)],
        )?;
        let started = Instant::now();
        let response = client.get(url).send().await?;
        ensure!(response.status() == 200, "the worker answered {}", response.status());
        response.bytes().await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let cold = samples.remove(0);
    Ok((cold, percentiles(samples)))
}
