//! MiniSearch (pinned, installed into `target/bench-node` by `scripts/bench.sh`), run by Node over the same
//! articles edgedesk and Pagefind get: `bench/minisearch.mjs` with the options its README starts from.

use std::io::Write;

use anyhow::{Context, Result, bail};
use edgedesk_e2e::repo_root;

/// An article as MiniSearch gets it: its source path (the id the relevance sets name), title and text.
pub type Document = (String, String, String);

/// The articles of a compiled knowledge base, every locale's, as documents.
pub fn documents(knowledge_base: &edgedesk_kb::KnowledgeBase) -> Vec<Document> {
    knowledge_base
        .articles
        .iter()
        .zip(&knowledge_base.parts)
        .map(|(article, parts)| {
            let text = parts.iter().map(|part| format!("{} {}", part.heading, part.text)).collect::<Vec<_>>();
            (article.source.clone(), article.title.clone(), text.join("\n"))
        })
        .collect()
}

/// MiniSearch's first ten ids (source paths) for each query.
pub fn search(documents: &[Document], queries: &[&str]) -> Result<Vec<Vec<String>>> {
    let node_dir = repo_root().join("target/bench-node");
    std::fs::copy(repo_root().join("bench/minisearch.mjs"), node_dir.join("minisearch.mjs"))
        .context("target/bench-node is missing: run scripts/bench.sh once (it installs MiniSearch there)")?;
    let documents: Vec<serde_json::Value> =
        documents.iter().map(|(id, title, text)| serde_json::json!({"id": id, "title": title, "text": text})).collect();
    let input = serde_json::json!({"documents": documents, "queries": queries}).to_string();
    let mut child = std::process::Command::new("node")
        .arg(node_dir.join("minisearch.mjs"))
        .current_dir(&node_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running node")?;
    child.stdin.take().context("node's stdin")?.write_all(input.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("MiniSearch failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    #[derive(serde::Deserialize)]
    struct Ranked {
        ids: Vec<String>,
    }
    #[derive(serde::Deserialize)]
    struct Output {
        results: Vec<Ranked>,
    }
    let output: Output = serde_json::from_slice(&output.stdout)?;
    Ok(output.results.into_iter().map(|ranked| ranked.ids).collect())
}

/// (recall@5, MRR@10) of ranked ids against the judgements' expected articles.
pub fn score(judgements: &[edgedesk_search::relevance::Judgement], ranked: &[Vec<String>]) -> (f64, f64) {
    let (mut found, mut reciprocal) = (0usize, 0.0f64);
    for (judgement, ids) in judgements.iter().zip(ranked) {
        let rank = ids.iter().position(|id| judgement.expected.contains(id)).map(|at| at + 1);
        found += usize::from(rank.is_some_and(|rank| rank <= 5));
        reciprocal += rank.map_or(0.0, |rank| 1.0 / rank as f64);
    }
    let count = judgements.len().max(1) as f64;
    (found as f64 / count, reciprocal / count)
}
