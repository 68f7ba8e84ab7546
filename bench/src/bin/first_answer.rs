//! Time to the first answer (issue 16): in headless Chromium with a mid-range phone's network (1.6 Mbps
//! down, 750 kbps up, 150 ms round trips) and a 4× CPU slowdown, from a click on the launcher to the first
//! search result painted for a query typed at once, on the demo page. Cold is a fresh browser profile
//! (nothing cached) clicking as soon as the page has loaded; warm is the same browser after reloading the
//! page, with the widget in its HTTP cache.
//!
//! `scripts/first-answer.sh` builds the widget as it was before issue 16 and runs this with
//! `before=<that build> after=dist`: each argument is `label=directory` holding `embed.js`, `widget/` and
//! `_headers`, served by the same worker with today's knowledge base. Static files go through a proxy
//! that compresses them with brotli once, ahead of the runs, as the edge serves them (`wrangler dev`
//! compresses less), so the bytes on the throttled wire are the ones a customer downloads. Prints a
//! Markdown table for docs/benchmarks.md; `FIRST_ANSWER_TIMELINE=1` also prints each run's requests, timed from the click.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail, ensure};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use edgedesk_e2e::{Chromedriver, Wrangler, copy_tree, free_port, repo_root};
use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

/// Runs per build and cache state; the median is printed.
const RUNS: usize = 5;
/// What the customer types: a word from the demo knowledge base's English articles.
const QUERY: &str = "password";
/// Lighthouse's mobile profile ("slow 4G"): 1.6 Mbps down, 750 kbps up, 150 ms round trips.
const LATENCY_MS: u64 = 150;
const DOWNLOAD_BYTES_PER_SECOND: u64 = 1_600_000 / 8;
const UPLOAD_BYTES_PER_SECOND: u64 = 750_000 / 8;
const CPU_SLOWDOWN: u64 = 4;

#[tokio::main]
async fn main() -> Result<()> {
    let builds: Vec<(String, PathBuf)> = std::env::args()
        .skip(1)
        .map(|argument| match argument.split_once('=') {
            Some((label, dir)) => Ok((label.to_string(), PathBuf::from(dir))),
            None => bail!("{argument:?}: expected label=directory (a directory with embed.js and widget/)"),
        })
        .collect::<Result<_>>()?;
    ensure!(!builds.is_empty(), "usage: first_answer before=<dir> after=dist");
    let chromedriver = Chromedriver::start().await?;
    let mut rows = Vec::new();
    for (label, dir) in &builds {
        let assets = assets_with_widget_from(dir)?;
        let worker = Wrangler::start_serving(Some(assets.path()), &[]).await?;
        let proxy = BrotliProxy::start(&worker.base_url).await?;
        proxy.compress_ahead(assets.path()).await?;
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for _ in 0..RUNS {
            let browser = chromedriver.new_browser().await?;
            throttle(&browser.client).await?;
            browser.client.goto(&proxy.url("/")).await?;
            cold.push(first_answer(&browser.client).await?);
            browser.client.goto(&proxy.url("/")).await?;
            warm.push(first_answer(&browser.client).await?);
            browser.close().await?;
        }
        rows.push((label.clone(), median(cold), median(warm)));
    }
    println!(
        "Time to the first answer, median of {RUNS}: Chromium, {} Mbps down, {LATENCY_MS} ms round trips, \
         {CPU_SLOWDOWN}× CPU slowdown, launcher click to the first result painted for {QUERY:?}.\n",
        DOWNLOAD_BYTES_PER_SECOND as f64 * 8.0 / 1e6
    );
    println!("| build | cold | warm | on the wire by the first answer (cold) |");
    println!("|---|---:|---:|---:|");
    for (label, cold, warm) in rows {
        println!("| {label} | {:.2} s | {:.2} s | {} B |", cold.seconds, warm.seconds, thousands(cold.transferred));
    }
    Ok(())
}

/// One measurement: seconds from the click, and the bytes the page had transferred by then.
#[derive(Clone, Copy, Debug)]
struct Answer {
    seconds: f64,
    transferred: u64,
}

fn median(mut answers: Vec<Answer>) -> Answer {
    answers.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    answers[answers.len() / 2]
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Today's `dist/` (knowledge base, demo page, admin) with the loader, the widget and the static files'
/// headers (`_headers`: how browsers may cache them) of `build`.
fn assets_with_widget_from(build: &Path) -> Result<tempfile::TempDir> {
    let root = repo_root();
    let dist = root.join("dist");
    let build = if build.is_absolute() { build.to_path_buf() } else { root.join(build) };
    ensure!(build.join("embed.js").is_file(), "{} has no embed.js", build.display());
    ensure!(build.join("widget").is_dir(), "{} has no widget/", build.display());
    let assets = tempfile::Builder::new().prefix("edgedesk-first-answer-").tempdir()?;
    copy_tree(&dist, assets.path(), &|path| path.starts_with(dist.join("widget")))?;
    std::fs::copy(build.join("embed.js"), assets.path().join("embed.js"))?;
    std::fs::copy(build.join("_headers"), assets.path().join("_headers"))
        .with_context(|| format!("{} has no _headers", build.display()))?;
    copy_tree(&build.join("widget"), &assets.path().join("widget"), &|_| false)?;
    Ok(assets)
}

/// The phone: network conditions through chromedriver, the CPU slowdown through the DevTools protocol.
async fn throttle(client: &Client) -> Result<()> {
    client
        .issue_cmd(SessionCommand::new(
            "chromium/network_conditions",
            json!({ "network_conditions": {
                "offline": false,
                "latency": LATENCY_MS,
                "download_throughput": DOWNLOAD_BYTES_PER_SECOND,
                "upload_throughput": UPLOAD_BYTES_PER_SECOND,
            }}),
        ))
        .await
        .context("network throttling")?;
    client
        .issue_cmd(SessionCommand::new(
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.setCPUThrottlingRate", "params": { "rate": CPU_SLOWDOWN } }),
        ))
        .await
        .context("CPU throttling")?;
    Ok(())
}

/// Clicks the launcher as soon as the loader shows it, types the query as soon as the search field is
/// there, and waits for the first result, then for the frame that paints it.
async fn first_answer(client: &Client) -> Result<Answer> {
    let script = r#"
        const [query, done] = arguments;
        const when = (found, then) => { const look = () => { const v = found(); v ? then(v) : requestAnimationFrame(look); }; look(); };
        when(() => document.querySelector('div[data-edgedesk]')?.shadowRoot?.querySelector('.launcher'), (launcher) => {
            const root = launcher.getRootNode();
            const started = performance.now();
            launcher.click();
            when(() => root.querySelector('input[type=search]'), (input) => {
                input.value = query;
                input.dispatchEvent(new Event('input', { bubbles: true }));
                when(() => root.querySelector('.hit'), () => requestAnimationFrame(() => setTimeout(() => {
                    const resources = performance.getEntriesByType('resource');
                    const transferred = resources.reduce((sum, e) => sum + e.transferSize, 0);
                    const timeline = resources.map((e) => [new URL(e.name).pathname, Math.round(e.startTime - started), Math.round(e.responseEnd - started), e.transferSize]);
                    done({ ms: performance.now() - started, transferred, timeline, hits: root.querySelectorAll('.hit').length });
                })));
            });
        });
    "#;
    let answer = client.execute_async(script, vec![json!(QUERY)]).await.context("the first answer")?;
    if std::env::var_os("FIRST_ANSWER_TIMELINE").is_some() {
        // What the time went to: each request's path, start and end in ms from the click, and its bytes.
        eprintln!("{:.0} ms: {}", answer["ms"].as_f64().unwrap_or_default(), answer["timeline"]);
    }
    let hits = answer["hits"].as_u64().unwrap_or(0);
    ensure!(hits > 0, "no result for {QUERY:?}: {answer}");
    Ok(Answer {
        seconds: answer["ms"].as_f64().context("no time measured")? / 1000.0,
        transferred: answer["transferred"].as_u64().unwrap_or(0),
    })
}

/// A WebDriver command on the current session that chromedriver adds to the standard.
#[derive(Debug)]
struct SessionCommand {
    path: &'static str,
    body: Value,
}

impl SessionCommand {
    fn new(path: &'static str, body: Value) -> Self {
        Self { path, body }
    }
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// In front of the worker: static files brotli-compressed at quality 11, as the edge serves them; the API
/// passed through as it is.
struct BrotliProxy {
    port: u16,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Upstream {
    base: String,
    http: reqwest::Client,
    served: Compressed,
}

/// Each static file's brotli form, made once per version of the file, as the edge keeps it: compressing
/// at quality 11 on every request would add seconds to the measurement that no customer waits for.
type Compressed = Arc<Mutex<HashMap<String, (Bytes, Bytes)>>>;

impl BrotliProxy {
    async fn start(worker: &str) -> Result<Self> {
        let port = free_port()?;
        let served = Compressed::default();
        let upstream = Upstream { base: worker.to_string(), http: reqwest::Client::new(), served };
        let app = axum::Router::new().fallback(forward).with_state(upstream);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the proxy serves until dropped");
        });
        Ok(Self { port, server })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Has the demo page, the loader and every widget file compressed before the first browser asks.
    async fn compress_ahead(&self, assets: &Path) -> Result<()> {
        let mut paths = vec!["/".to_string(), "/embed.js".to_string()];
        let mut dirs = vec![assets.join("widget")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let relative = path.strip_prefix(assets)?.to_string_lossy().replace('\\', "/");
                    paths.push(format!("/{relative}"));
                }
            }
        }
        for path in paths {
            let answer = reqwest::get(self.url(&path)).await?;
            ensure!(answer.status() == StatusCode::OK, "{path}: {}", answer.status());
        }
        Ok(())
    }
}

impl Drop for BrotliProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(
    State(upstream): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match pass(&upstream, method, &uri, headers, body).await {
        Ok(response) => response,
        Err(error) => (StatusCode::BAD_GATEWAY, format!("{error:#}")).into_response(),
    }
}

async fn pass(upstream: &Upstream, method: Method, uri: &Uri, headers: HeaderMap, body: Bytes) -> Result<Response> {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = upstream.http.request(method, format!("{}{path_and_query}", upstream.base)).body(body);
    for (name, value) in &headers {
        if name != header::HOST && name != header::ACCEPT_ENCODING {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await?;
    let status = answer.status();
    let mut response_headers = answer.headers().clone();
    let body = answer.bytes().await?;
    let compressible = !uri.path().starts_with("/api/") && status == StatusCode::OK;
    let body = if compressible {
        let known = upstream.served.lock().expect("not poisoned").get(uri.path()).cloned();
        let compressed = match known {
            Some((raw, compressed)) if raw == body => compressed,
            _ => {
                let compressed = Bytes::from(brotli_11(&body)?);
                upstream
                    .served
                    .lock()
                    .expect("not poisoned")
                    .insert(uri.path().to_string(), (body, compressed.clone()));
                compressed
            }
        };
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        response_headers.remove(header::CONTENT_LENGTH);
        compressed
    } else {
        body
    };
    let mut response = (status, body).into_response();
    for (name, value) in &response_headers {
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            response.headers_mut().insert(name, value.clone());
        }
    }
    Ok(response)
}

fn brotli_11(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}
