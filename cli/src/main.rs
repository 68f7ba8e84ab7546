//! `edgedesk`: the command content editors and operators run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use edgedesk_core::kb::{self, Article, KnowledgeBase};
use edgedesk_core::search::{self, Query};
use serde_json::json;

#[derive(Parser)]
#[command(name = "edgedesk", version, about = "Build, check and search an edgedesk knowledge base.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile Markdown articles into the assets the worker serves: a search index, a manifest and
    /// one JSON file of sanitised HTML per article.
    Build {
        /// The knowledge base, e.g. `kb-content/`.
        content_dir: PathBuf,
        /// Where to write the assets, e.g. `dist/kb/`.
        out_dir: PathBuf,
    },
    /// Search the knowledge base the way customers will, to see what they would find.
    Search {
        content_dir: PathBuf,
        query: String,
        /// Only articles in this locale (`en`, `ru`, …).
        #[arg(long)]
        locale: Option<String>,
        #[arg(long, default_value_t = search::DEFAULT_LIMIT)]
        limit: usize,
        /// Print a JSON array of hits, best first, for scripts.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { content_dir, out_dir } => build(&content_dir, &out_dir),
        Command::Search { content_dir, query, locale, limit, json } => {
            let knowledge_base = load(&content_dir)?;
            let hits = knowledge_base.search_index().search(&Query { text: &query, locale: locale.as_deref(), limit });
            if json {
                println!("{}", serde_json::to_string_pretty(&hits)?);
            } else if hits.is_empty() {
                println!("No articles match {query:?}.");
            } else {
                for (rank, hit) in hits.iter().enumerate() {
                    println!("{:>2}. {} [{}] {:.3}\n    {}", rank + 1, hit.title, hit.locale, hit.score, hit.source);
                }
            }
            Ok(())
        }
    }
}

/// Loads the knowledge base and prints every problem in it; fails if any of them is an error.
fn load(content_dir: &Path) -> Result<KnowledgeBase> {
    let knowledge_base = kb::load(content_dir)
        .with_context(|| format!("could not read the knowledge base in {}", content_dir.display()))?;
    for problem in &knowledge_base.problems {
        eprintln!("{problem}");
    }
    if knowledge_base.has_errors() {
        let errors = knowledge_base.problems.iter().filter(|p| p.severity == kb::Severity::Error).count();
        bail!("{errors} error(s) in {}; fix them and run again", content_dir.display());
    }
    Ok(knowledge_base)
}

fn build(content_dir: &Path, out_dir: &Path) -> Result<()> {
    let started = Instant::now();
    let knowledge_base = load(content_dir)?;
    let articles_dir = out_dir.join("articles");
    if articles_dir.exists() {
        // Articles deleted from the content must not linger in the output.
        std::fs::remove_dir_all(&articles_dir)
            .with_context(|| format!("could not clear {}", articles_dir.display()))?;
    }
    for article in &knowledge_base.articles {
        let path = articles_dir.join(&article.locale).join(format!("{}.json", article.slug));
        write_json(&path, article)?;
    }
    let manifest: Vec<_> = knowledge_base.articles.iter().map(manifest_entry).collect();
    write_json(&out_dir.join("manifest.json"), &json!({ "articles": manifest }))?;
    write_json(&out_dir.join("index.json"), &knowledge_base.search_index())?;
    eprintln!(
        "Built {} articles from {} into {} in {} ms.",
        knowledge_base.articles.len(),
        content_dir.display(),
        out_dir.display(),
        started.elapsed().as_millis()
    );
    Ok(())
}

fn manifest_entry(article: &Article) -> serde_json::Value {
    json!({
        "slug": article.slug,
        "locale": article.locale,
        "section": article.section,
        "title": article.title,
        "summary": article.summary,
        "source": article.source,
    })
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
    }
    let json = serde_json::to_vec(value)?;
    std::fs::write(path, json).with_context(|| format!("could not write {}", path.display()))
}
