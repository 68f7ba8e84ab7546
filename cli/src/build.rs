//! `edgedesk build`: the knowledge base as static assets for the worker.
//!
//! ```text
//! <out>/manifest.json                 build id, locales, products
//! <out>/<locale>/index.bin            the search index (postcard)
//! <out>/<locale>/texts/<n>.bin        article text for snippets, in shards the worker loads on demand
//! <out>/<locale>/vectors.bin          each section as a vector of the embedding model (English locales,
//!                                     unless `[semantic] enabled = false`), for ranking by meaning
//! <out>/<locale>/sections.json        sections with their articles, in order
//! <out>/<locale>/paths.json           the articles' `paths` patterns, for suggestions in context
//! <out>/<locale>/articles/<slug>.json one article: title, sanitised HTML, headings, related
//! <out>/media/<path>                  images and files articles use
//! <out>/status.json                   scheduled status notices (the worker shows each in its window)
//! <out>/support.json                  the support team: hours, time-zone offsets, reply targets, topics
//! <out>/learning.json                 whether ranking learns from customers, and the editors' vetoes
//! <out>/answers.json                  `[answers]`, when the site writes answers with its model
//! ```
//!
//! Output is reproducible: the same content gives byte-identical files, and the build id is a hash of
//! them, so the worker's ETags change exactly when the content does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use edgedesk_kb::Severity;
use edgedesk_search as search;
use edgedesk_search::manifest::{LocaleSummary, Manifest};
use sha2::{Digest, Sha256};

pub fn build(content_dir: &Path, out_dir: &Path) -> Result<()> {
    let started = Instant::now();
    let knowledge_base = crate::load(content_dir)?;
    for problem in &knowledge_base.problems {
        eprintln!("{problem}");
    }
    if knowledge_base.has_errors() {
        bail!(
            "{} error(s) in {}; nothing was written. Fix them and build again",
            knowledge_base.count(Severity::Error),
            content_dir.display()
        );
    }

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut locales = BTreeMap::new();
    let embedders = crate::semantic::embedders(&knowledge_base);
    for locale in knowledge_base.locales() {
        let index = knowledge_base.search_index(&locale);
        let embedder = embedders.and_then(|embedders| embedders.for_locale(&locale));
        if let Some(embedder) = embedder {
            let started = Instant::now();
            let vectors = embedder.embed_index(&index)?;
            eprintln!(
                "Embedded {} sections ({locale}) with {} in {} ms.",
                vectors.len(),
                embedder.model().name(),
                started.elapsed().as_millis()
            );
            files.insert(format!("{locale}/vectors.bin"), vectors.to_bytes());
        }
        let model = embedder.map(|embedder| embedder.model().name().to_owned());
        locales.insert(locale.clone(), LocaleSummary { articles: index.len(), vectors: model.is_some(), model });
        files.insert(format!("{locale}/index.bin"), index.to_bytes());
        for (number, shard) in index.text_shards().into_iter().enumerate() {
            files.insert(format!("{locale}/texts/{number}.bin"), shard);
        }
        files.insert(format!("{locale}/sections.json"), serde_json::to_vec(&knowledge_base.sections(&locale))?);
        files.insert(format!("{locale}/paths.json"), serde_json::to_vec(&knowledge_base.path_rules(&locale))?);
    }
    for article in &knowledge_base.articles {
        files.insert(format!("{}/articles/{}.json", article.locale, article.slug), serde_json::to_vec(article)?);
    }
    for media in &knowledge_base.media {
        let bytes = std::fs::read(content_dir.join(media)).with_context(|| format!("could not read {media}"))?;
        files.insert(format!("media/{media}"), bytes);
    }
    files.insert("status.json".into(), serde_json::to_vec(&knowledge_base.notices)?);
    files.insert("support.json".into(), serde_json::to_vec(&knowledge_base.support)?);
    files.insert("learning.json".into(), serde_json::to_vec(&knowledge_base.config.learning)?);
    if let Some(answers) = &knowledge_base.config.answers {
        files.insert("answers.json".into(), serde_json::to_vec(answers)?);
    }
    let manifest = Manifest {
        format: search::FORMAT_VERSION,
        build: build_id(&files),
        default_locale: knowledge_base.config.default_locale().to_owned(),
        locales,
        products: knowledge_base.config.products.clone(),
    };
    files.insert("manifest.json".into(), serde_json::to_vec_pretty(&manifest)?);

    replace_output(out_dir, &files)?;
    let warnings = knowledge_base.count(Severity::Warning);
    eprintln!(
        "Built {} articles in {} locale(s) and {} media file(s) into {} in {} ms (build {build_id}, {warnings} warning(s)).",
        knowledge_base.articles.len(),
        manifest.locales.len(),
        knowledge_base.media.len(),
        out_dir.display(),
        started.elapsed().as_millis(),
        build_id = manifest.build,
    );
    Ok(())
}

/// The first 16 hex digits of a SHA-256 over every output path and its bytes.
fn build_id(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hasher.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// Writes the build into `out_dir`, removing a previous build there first so that deleted articles do not
/// linger. A non-empty directory that is not a previous build is left alone.
fn replace_output(out_dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    if out_dir.exists() {
        let is_previous_build = out_dir.join("manifest.json").is_file();
        let is_empty = std::fs::read_dir(out_dir)?.next().is_none();
        if !is_previous_build && !is_empty {
            bail!("{} is not empty and holds no previous build; choose an empty or new directory", out_dir.display());
        }
        std::fs::remove_dir_all(out_dir).with_context(|| format!("could not clear {}", out_dir.display()))?;
    }
    for (path, bytes) in files {
        let path = out_dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}
