//! Pagefind measured as its users run it: the articles as an HTML site, `pagefind --site`, and the
//! Pagefind JS API in headless Chromium, loading index chunks and result fragments over HTTP.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use edgedesk_e2e::{Chromedriver, HostSite, free_port, repo_root};
use edgedesk_kb as kb;
use edgedesk_search::text::escape_html;
use serde::Deserialize;
use serde_json::json;

use crate::{Corpus, Measured, brotli_size, percentiles, queries};

/// Fresh page loads measured for the first-query download.
const FIRST_QUERY_SAMPLES: usize = 8;

#[derive(Deserialize)]
struct QueryResult {
    ms: f64,
    urls: Vec<String>,
    /// Filled in from the server's log: the paths the query made the browser (or its workers) fetch.
    #[serde(skip)]
    fetched: Vec<String>,
}

pub async fn measure(corpus: &Corpus, chromedriver: &Chromedriver) -> Result<Measured> {
    let knowledge_base = kb::load(&corpus.content)?;
    let site = tempfile::Builder::new().prefix("edgedesk-bench-pagefind-").tempdir()?;
    let mut source_of_url = BTreeMap::new();
    for (number, article) in knowledge_base.articles.iter().enumerate() {
        let url = format!("/p/{number}.html");
        let mut title = String::new();
        escape_html(&article.title, &mut title);
        let html = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><main data-pagefind-body><h1>{title}</h1>{}</main></body></html>",
            article.locale, article.html
        );
        std::fs::create_dir_all(site.path().join("p"))?;
        std::fs::write(site.path().join(format!("p/{number}.html")), html)?;
        source_of_url.insert(url, article.source.clone());
    }

    let started = Instant::now();
    let output = std::process::Command::new(repo_root().join("target/bench-node/node_modules/.bin/pagefind"))
        .arg("--site")
        .arg(site.path())
        .arg("--quiet")
        .output()
        .context("running pagefind (scripts/bench.sh installs it)")?;
    if !output.status.success() {
        bail!("pagefind failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let build = started.elapsed();

    // What each bundle file costs over the wire: Pagefind's own files are already compressed; its
    // JavaScript and JSON would be served with brotli.
    let bundle = site.path().join("pagefind");
    let mut wire_size = BTreeMap::new();
    let mut index_bytes = (0, 0);
    for path in files_under(&bundle)? {
        let name = path.strip_prefix(site.path()).expect("under the site").to_string_lossy().replace('\\', "/");
        if ["-ui", "highlight", "modular", "playground", ".css"].iter().any(|skip| name.contains(skip)) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let wire = if name.ends_with(".js") || name.ends_with(".json") { brotli_size(&bytes) } else { bytes.len() };
        index_bytes.0 += bytes.len();
        index_bytes.1 += wire;
        wire_size.insert(format!("/{name}"), wire);
    }

    std::fs::write(site.path().join("bench.html"), bench_page(&corpus.locale))?;
    for set in &corpus.sets {
        std::fs::write(site.path().join(format!("bench-{}.html", set.page_locale)), bench_page(&set.page_locale))?;
    }
    let server = HostSite::serve_directory(free_port()?, site.path().to_owned()).await?;
    let browser = chromedriver.new_browser().await?;
    let page = format!("{}/bench.html", server.base_url);
    let run = |query: &str| {
        let client = browser.client.clone();
        let query = query.to_owned();
        let server = &server;
        async move {
            let requests_before = server.request_count();
            let value = client
                .execute_async(
                    "const [query, done] = arguments; \
                     (function ready() { window.runQuery ? window.runQuery(query).then(done, e => done({ error: String(e) })) \
                                                         : setTimeout(ready, 10); })();",
                    vec![json!(query)],
                )
                .await?;
            let mut result = serde_json::from_value::<QueryResult>(value.clone())
                .with_context(|| format!("pagefind answered {value}"))?;
            result.fetched = server.requests_since(requests_before);
            anyhow::Ok(result)
        }
    };
    let bytes_of =
        |fetched: &[String]| -> f64 { fetched.iter().filter_map(|path| wire_size.get(path)).sum::<usize>() as f64 };

    let titles: Vec<String> =
        knowledge_base.articles.iter().filter(|a| a.locale == corpus.locale).map(|a| a.title.clone()).collect();
    let queries = queries::from_titles(&titles);

    let mut first_bytes = Vec::new();
    let mut first_ms = Vec::new();
    for (_, query) in queries.iter().step_by(queries.len() / FIRST_QUERY_SAMPLES).take(FIRST_QUERY_SAMPLES) {
        // The page load itself fetches pagefind.js; it counts towards the first query.
        let before_load = server.request_count();
        browser.client.goto(&page).await?;
        let load = server.requests_since(before_load);
        let result = run(query).await?;
        first_bytes.push(bytes_of(&load) + bytes_of(&result.fetched));
        first_ms.push(result.ms);
    }

    browser.client.goto(&page).await?;
    run("warm up").await?;
    let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut later_bytes = Vec::new();
    for (kind, query) in &queries {
        let result = run(query).await?;
        by_kind.entry(kind.to_string()).or_default().push(result.ms);
        later_bytes.push(bytes_of(&result.fetched));
    }

    // Each set's questions on a page in its language, where Pagefind searches that language's index.
    let mut relevance = BTreeMap::new();
    for set in &corpus.sets {
        browser.client.goto(&format!("{}/bench-{}.html", server.base_url, set.page_locale)).await?;
        let (mut empty, mut found, mut reciprocal) = (0, 0, 0.0);
        for judgement in &set.judgements {
            let result = run(&judgement.query).await?;
            empty += usize::from(result.urls.is_empty());
            let rank = result
                .urls
                .iter()
                .position(|url| source_of_url.get(url).is_some_and(|source| judgement.expected.contains(source)));
            found += usize::from(rank.is_some_and(|rank| rank < 5));
            reciprocal += rank.map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
        }
        let queries = set.judgements.len().max(1) as f64;
        eprintln!("Pagefind found nothing for {empty} of {} queries of {}", set.judgements.len(), set.name);
        relevance.insert(set.name.clone(), (found as f64 / queries, reciprocal / queries));
    }
    browser.close().await?;

    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
    Ok(Measured {
        build,
        index_bytes,
        first_query_bytes: mean(&first_bytes),
        later_query_bytes: mean(&later_bytes),
        latency: by_kind.into_iter().map(|(kind, samples)| (kind, percentiles(samples))).collect(),
        latency_note: "in headless Chromium, search plus the first ten results' data, files over loopback HTTP".into(),
        extra_latency: vec![("Pagefind, first query of a page (loads wasm and index)".into(), percentiles(first_ms))],
        relevance,
        ..Measured::default()
    })
}

/// A page that runs Pagefind searches and reports what each one fetched.
fn bench_page(locale: &str) -> String {
    format!(
        r#"<!doctype html><html lang="{locale}"><head><meta charset="utf-8"><title>bench</title></head><body>
<script type="module">
  const pagefind = await import("/pagefind/pagefind.js");
  window.runQuery = async (query) => {{
    const started = performance.now();
    const search = await pagefind.search(query);
    const data = await Promise.all(search.results.slice(0, 10).map((result) => result.data()));
    const ms = performance.now() - started;
    return {{ ms, urls: data.map((d) => d.url) }};
  }};
</script></body></html>"#
    )
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(files_under(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}
