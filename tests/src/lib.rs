//! The parts end-to-end tests run against, started for real and stopped afterwards: workerd through
//! `wrangler dev` with its own D1 state, chromedriver driving headless Chromium, and plain HTTP servers
//! for host pages on other origins. Every wait polls for readiness; nothing sleeps a fixed time.

pub mod corpora;
pub mod embeddings;
pub mod helpdesks;
pub mod model;

use std::fs::File;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder};
use serde_json::Value;
use tempfile::TempDir;

/// The repository root, wherever the tests are run from.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// The current Unix time in seconds, as signatures and the worker's clock count it.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

/// Copies the directory `from` into `to`, subdirectories included, leaving out the paths `skip` names.
pub fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let path = entry?.path();
        if skip(&path) {
            continue;
        }
        let target = to.join(path.file_name().expect("a directory entry has a name"));
        if path.is_dir() {
            copy_tree(&path, &target, skip)?;
        } else {
            std::fs::copy(&path, &target).with_context(|| format!("copying {}", path.display()))?;
        }
    }
    Ok(())
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Polls `attempt` until it succeeds or `timeout` passes; the error names what was awaited and the last
/// reason it was not there yet.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) if Instant::now() >= deadline => {
                return Err(error.context(format!("gave up after {timeout:?} waiting for {what}")));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The `p` quantile (0.5 for the median) of latencies sorted from fastest: the smallest one at least that
/// share of all requests did not exceed.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

/// A child process in its own process group, so that stopping it also stops what it started
/// (wrangler starts workerd; chromedriver starts Chromium).
#[derive(Debug)]
struct ProcessGroup {
    child: Child,
    name: &'static str,
}

impl ProcessGroup {
    fn spawn(name: &'static str, command: &mut Command, log: &Path) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let log_file = File::options().create(true).append(true).open(log)?;
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("could not start {name}"))?;
        Ok(Self { child, name })
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGKILL to the whole group, no grace: a crash.
    fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |name: &str| Command::new("kill").args([name, "--", &group]).stderr(Stdio::null()).status();
        let _ = signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.exited().is_none() {
            eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        }
        // Whatever the leader did, nothing of the group may outlive the tests.
        let _ = signal("-KILL");
        let _ = self.child.wait();
    }
}

/// Starts `wrangler dev` on `port` with local state in `state`, and waits until `/api/health` answers.
async fn launch(state: &Path, port: u16, assets: Option<&Path>, vars: &[(String, String)]) -> Result<ProcessGroup> {
    let persist = state.display().to_string();
    let mut command = wrangler_command(state);
    command.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--persist-to", &persist]);
    command.args(["--inspector-port", &free_port()?.to_string(), "--show-interactive-dev-session=false"]);
    if let Some(assets) = assets {
        command.arg("--assets").arg(assets);
    }
    for (name, value) in vars {
        command.args(["--var", &format!("{name}:{value}")]);
    }
    // Appended to, so that a restarted worker's log follows the first one's.
    let log = state.join("wrangler.log");
    let mut process = ProcessGroup::spawn("wrangler dev", &mut command, &log)?;
    let health = format!("http://127.0.0.1:{port}/api/health");
    let ready = eventually("wrangler dev to answer /api/health", Duration::from_secs(120), || {
        let exited = process.exited();
        let health = health.clone();
        async move {
            if let Some(status) = exited {
                bail!("wrangler dev exited with {status}");
            }
            let response = reqwest::get(&health).await?;
            if response.status() != 200 {
                bail!("/api/health answered {}", response.status());
            }
            Ok(())
        }
    })
    .await;
    if let Err(error) = ready {
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(error.context(format!("wrangler dev output:\n{output}")));
    }
    Ok(process)
}

/// The worker running in workerd under `wrangler dev`, with local D1 state in a temporary directory.
#[derive(Debug)]
pub struct Wrangler {
    pub base_url: String,
    // Declared before `state`: the worker stops before its state directory is deleted.
    process: ProcessGroup,
    state: TempDir,
    port: u16,
    assets: Option<PathBuf>,
    vars: Vec<(String, String)>,
}

impl Wrangler {
    /// Applies the D1 migrations to fresh local state, starts `wrangler dev` on a free port with the given
    /// `--var`s, and returns once `/api/health` answers.
    pub async fn start(vars: &[(&str, &str)]) -> Result<Self> {
        Self::start_serving(None, vars).await
    }

    /// Like [`Wrangler::start`], serving the static assets in `assets` instead of `dist/` when given
    /// (benchmarks point it at other knowledge bases).
    pub async fn start_serving(assets: Option<&Path>, vars: &[(&str, &str)]) -> Result<Self> {
        let root = repo_root();
        let needed: &[&str] = if assets.is_some() {
            &["worker/build/index.js"]
        } else {
            &["dist/index.html", "dist/embed.js", "dist/kb/manifest.json", "worker/build/index.js"]
        };
        for built in needed {
            if !root.join(built).exists() {
                bail!("{built} is missing: run `make build` (or `make test`, which builds first)");
            }
        }
        let state = tempfile::Builder::new().prefix("edgedesk-wrangler-").tempdir()?;
        let persist = state.path().display().to_string();
        run_wrangler(state.path(), &["d1", "migrations", "apply", "DB", "--local", "--persist-to", &persist])
            .context("applying the D1 migrations failed")?;
        let port = free_port()?;
        let assets = assets.map(Path::to_path_buf);
        let vars: Vec<(String, String)> =
            vars.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        let process = launch(state.path(), port, assets.as_deref(), &vars).await?;
        Ok(Self { base_url: format!("http://127.0.0.1:{port}"), process, state, port, assets, vars })
    }

    /// Kills workerd and wrangler at once (SIGKILL, as a crash or a lost machine would), then starts them
    /// again on the same port with the same local D1, KV and R2 state.
    pub async fn crash_and_restart(&mut self) -> Result<()> {
        self.process.kill();
        // A workerd killed a moment ago may still hold the port, and a wrangler started then exits at once
        // (seen once in CI): the new one starts when the port is free.
        eventually("the killed worker's port to be free", Duration::from_secs(30), || async {
            TcpListener::bind(("127.0.0.1", self.port))?;
            Ok(())
        })
        .await?;
        self.process = launch(self.state.path(), self.port, self.assets.as_deref(), &self.vars).await?;
        Ok(())
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Runs SQL against the worker's local D1 database, through wrangler as an operator would, and
    /// returns the rows.
    pub fn d1(&self, sql: &str) -> Result<Vec<Value>> {
        d1_query(self.state.path(), sql)
    }

    /// Runs a file of SQL statements against the worker's local D1.
    pub fn d1_file(&self, file: &Path) -> Result<()> {
        d1_execute(self.state.path(), &["--file", &file.display().to_string()]).map(drop)
    }

    /// The worker's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("wrangler.log")).unwrap_or_default()
    }
}

/// A local D1 database of its own, with no worker in front: for trying migrations on data written the
/// way an older version wrote it.
#[derive(Debug)]
pub struct LocalD1 {
    state: TempDir,
}

impl LocalD1 {
    pub fn new() -> Result<Self> {
        Ok(Self { state: tempfile::Builder::new().prefix("edgedesk-d1-").tempdir()? })
    }

    /// Runs a file of SQL statements (a migration, say).
    pub fn run_file(&self, file: &Path) -> Result<()> {
        d1_execute(self.state.path(), &["--file", &file.display().to_string()]).map(drop)
    }

    /// Runs SQL and returns the rows.
    pub fn query(&self, sql: &str) -> Result<Vec<Value>> {
        d1_query(self.state.path(), sql)
    }
}

fn d1_query(state: &Path, sql: &str) -> Result<Vec<Value>> {
    let stdout = d1_execute(state, &["--json", "--command", sql])?;
    let results: Value = serde_json::from_str(&stdout).with_context(|| format!("d1 execute printed: {stdout}"))?;
    match results.pointer("/0/results") {
        Some(Value::Array(rows)) => Ok(rows.clone()),
        _ => bail!("unexpected d1 execute output: {results}"),
    }
}

/// `wrangler d1 execute` on the local database kept in `state`. The worker's own writes (the queue
/// consumer delivering, events after a response) can hold SQLite's lock for a moment; a statement that
/// found the database busy is run again, for a few seconds at most.
fn d1_execute(state: &Path, args: &[&str]) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let persist = state.display().to_string();
    let mut command = vec!["d1", "execute", "DB", "--local", "--persist-to", &persist];
    command.extend_from_slice(args);
    loop {
        match run_wrangler(state, &command) {
            Err(error) if error.to_string().contains("SQLITE_BUSY") && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

/// Runs a wrangler command to completion and returns what it printed, or an error with all its output.
fn run_wrangler(state: &Path, args: &[&str]) -> Result<String> {
    let output = wrangler_command(state).args(args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("`wrangler {}` failed:\n{stdout}{}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    }
    Ok(stdout)
}

fn wrangler_command(state: &Path) -> Command {
    let root = repo_root();
    let mut command = Command::new(root.join("node_modules/.bin/wrangler"));
    command
        .current_dir(&root)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "1")
        .env("NO_COLOR", "1")
        // Keep wrangler's config, logs and caches out of the developer's home directory.
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("WRANGLER_LOG_PATH", state.join("logs"));
    command
}

/// chromedriver, with which each test opens its own headless Chromium.
#[derive(Debug)]
pub struct Chromedriver {
    pub url: String,
    _process: ProcessGroup,
    _logs: TempDir,
}

impl Chromedriver {
    pub async fn start() -> Result<Self> {
        let logs = tempfile::Builder::new().prefix("edgedesk-chromedriver-").tempdir()?;
        let port = free_port()?;
        let mut command = Command::new(chromedriver_binary());
        command.arg(format!("--port={port}"));
        let mut process = ProcessGroup::spawn("chromedriver", &mut command, &logs.path().join("chromedriver.log"))?;
        let url = format!("http://127.0.0.1:{port}");
        let status = format!("{url}/status");
        eventually("chromedriver to be ready", Duration::from_secs(30), || {
            let exited = process.exited();
            let status = status.clone();
            async move {
                if let Some(exit) = exited {
                    bail!("chromedriver exited with {exit}");
                }
                let body: Value = reqwest::get(&status).await?.json().await?;
                match body.pointer("/value/ready") {
                    Some(Value::Bool(true)) => Ok(()),
                    _ => bail!("not ready: {body}"),
                }
            }
        })
        .await?;
        Ok(Self { url, _process: process, _logs: logs })
    }

    /// A fresh headless Chromium with an empty profile. The flags keep it from calling out to a network
    /// these machines do not have.
    pub async fn new_browser(&self) -> Result<Browser> {
        let profile = tempfile::Builder::new().prefix("edgedesk-chromium-").tempdir()?;
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium_binary(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("built as an object") };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .context("could not open a Chromium session")?;
        Ok(Browser { client, _profile: profile })
    }
}

fn chromedriver_binary() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// One Chromium session. Call [`Browser::close`] at the end of a test to end the session cleanly.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    _profile: TempDir,
}

impl Browser {
    pub async fn close(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

/// What a host site answers at one path: a page (or a script), and the Content-Security-Policy it is
/// served with, if any.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: String,
    pub content_type: &'static str,
    pub policy: Option<String>,
}

impl Page {
    /// A page served under `policy`, as a host app with a strict CSP serves its pages.
    pub fn with_policy(html: String, policy: String) -> Self {
        Self { body: html, content_type: "text/html; charset=utf-8", policy: Some(policy) }
    }

    /// One of the host's own scripts, which its `script-src 'self'` allows.
    pub fn script(source: &str) -> Self {
        Self { body: source.to_owned(), content_type: "text/javascript", policy: None }
    }
}

impl From<String> for Page {
    fn from(html: String) -> Self {
        Self { body: html, content_type: "text/html; charset=utf-8", policy: None }
    }
}

/// A host page on its own loopback origin, the way a product's app embeds the widget.
#[derive(Debug)]
pub struct HostSite {
    pub base_url: String,
    /// Paths requested so far (for sites served with [`HostSite::serve_directory`]), in order.
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl HostSite {
    /// Serves `html` at `/` (and every other path) until dropped.
    pub async fn serve(port: u16, html: String) -> Result<Self> {
        Self::serve_pages(port, html, Vec::new()).await
    }

    /// Serves each `(path, page)`, and `fallback` at every other path, until dropped.
    pub async fn serve_pages(port: u16, fallback: String, pages: Vec<(&'static str, Page)>) -> Result<Self> {
        use axum::http::header;
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let mut app = axum::Router::new().fallback(move || {
            let html = fallback.clone();
            async move { axum::response::Html(html) }
        });
        for (path, page) in pages {
            app = app.route(
                path,
                axum::routing::get(move || {
                    let page = page.clone();
                    async move {
                        let mut response = ([(header::CONTENT_TYPE, page.content_type)], page.body).into_response();
                        if let Some(policy) = page.policy.and_then(|policy| policy.parse().ok()) {
                            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
                        }
                        response
                    }
                }),
            );
        }
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base_url, requests: Default::default(), server })
    }
}

impl HostSite {
    /// Serves the files under `root` (never above it), uncached, so every page load fetches afresh.
    pub async fn serve_directory(port: u16, root: PathBuf) -> Result<Self> {
        use axum::http::{StatusCode, Uri, header};
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let root = std::sync::Arc::new(root);
        let requests: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
        let log = std::sync::Arc::clone(&requests);
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let root = std::sync::Arc::clone(&root);
            log.lock().expect("the request log is never poisoned").push(uri.path().to_owned());
            async move {
                let path = uri.path().trim_start_matches('/');
                if path.split('/').any(|part| part == "..") {
                    return StatusCode::NOT_FOUND.into_response();
                }
                let content_type = match path.rsplit('.').next() {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript",
                    Some("json") => "application/json",
                    _ => "application/octet-stream",
                };
                match tokio::fs::read(root.join(path)).await {
                    Ok(bytes) => ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], bytes)
                        .into_response(),
                    Err(_) => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base_url, requests, server })
    }

    /// How many requests the site has had.
    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("the request log is never poisoned").len()
    }

    /// The paths requested since the count was `since`.
    pub fn requests_since(&self, since: usize) -> Vec<String> {
        self.requests.lock().expect("the request log is never poisoned")[since..].to_vec()
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// How the stand-in helpdesk answers, switched by tests to play an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpdeskMode {
    /// Creates tickets (once per idempotency key) and answers 201.
    Up,
    /// Answers 503 with `Retry-After: 1`, creating nothing.
    Down,
    /// Creates the ticket but answers 500 the first time per key, as if the answer were lost on the way.
    LosesFirstAnswer,
    /// Answers 422: the helpdesk will never take these tickets.
    Refuses,
}

/// What the helpdesk saw and did, per ticket number (the idempotency key).
#[derive(Debug, Default)]
pub struct HelpdeskLog {
    pub mode: Option<HelpdeskMode>,
    /// Every delivery attempt: (idempotency key, status answered).
    pub attempts: Vec<(String, u16)>,
    /// Tickets created, by idempotency key, as first received. A repeated key creates nothing new.
    pub created: std::collections::BTreeMap<String, Value>,
    /// How many times each key was answered "created": a sender that stops once told (exactly once)
    /// makes this one per ticket.
    pub confirmed: std::collections::BTreeMap<String, usize>,
    /// Requests refused for a bad or missing signature.
    pub bad_signatures: usize,
    answers_lost: std::collections::BTreeSet<String>,
}

/// The helpdesk's webhook endpoint, answering as its log's mode says.
fn serve_helpdesk(
    listener: tokio::net::TcpListener,
    log: std::sync::Arc<std::sync::Mutex<HelpdeskLog>>,
    key: String,
) -> tokio::task::JoinHandle<()> {
    use axum::http::{HeaderMap, StatusCode};
    let shared = log;
    let app = axum::Router::new().route(
        "/tickets",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = std::sync::Arc::clone(&shared);
            let key = key.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
                let mut log = log.lock().expect("the helpdesk log is never poisoned");
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                let signature = header(edgedesk_tickets::signing::SIGNATURE_HEADER);
                let signed = edgedesk_tickets::signing::SignedRequest { method: "POST", path: "/tickets", body: &body };
                if edgedesk_tickets::signing::verify_request(key.as_bytes(), signature.as_deref(), signed, now as i64)
                    .is_err()
                {
                    log.bad_signatures += 1;
                    return (StatusCode::UNAUTHORIZED, [("Retry-After", "1")], String::new());
                }
                let idempotency_key = header("Idempotency-Key").unwrap_or_default();
                let mode = log.mode.unwrap_or(HelpdeskMode::Up);
                let (status, answer) = match mode {
                    HelpdeskMode::Down => (StatusCode::SERVICE_UNAVAILABLE, String::new()),
                    HelpdeskMode::Refuses => {
                        (StatusCode::UNPROCESSABLE_ENTITY, r#"{"error":"requester email is blocked"}"#.into())
                    }
                    HelpdeskMode::Up | HelpdeskMode::LosesFirstAnswer => {
                        let ticket: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        // A repeated key is answered with the ticket it already made.
                        let next_id = log.created.len() + 1;
                        log.created.entry(idempotency_key.clone()).or_insert(ticket);
                        let id = log.created.keys().position(|key| *key == idempotency_key).unwrap_or(next_id);
                        if mode == HelpdeskMode::LosesFirstAnswer && log.answers_lost.insert(idempotency_key.clone()) {
                            (StatusCode::INTERNAL_SERVER_ERROR, String::new())
                        } else {
                            *log.confirmed.entry(idempotency_key.clone()).or_default() += 1;
                            (StatusCode::CREATED, format!(r#"{{"id":{}}}"#, id + 1))
                        }
                    }
                };
                log.attempts.push((idempotency_key, status.as_u16()));
                (status, [("Retry-After", "1")], answer)
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

/// A real HTTP server playing the team's helpdesk behind the signed webhook: it checks the signature,
/// creates each ticket once per `Idempotency-Key` (as Zendesk and others do), and counts everything.
#[derive(Debug)]
pub struct Helpdesk {
    pub url: String,
    pub secret: String,
    pub log: std::sync::Arc<std::sync::Mutex<HelpdeskLog>>,
    server: tokio::task::JoinHandle<()>,
    port: u16,
}

impl Helpdesk {
    pub async fn start(secret: &str) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let log: std::sync::Arc<std::sync::Mutex<HelpdeskLog>> = Default::default();
        let server = serve_helpdesk(listener, std::sync::Arc::clone(&log), secret.to_owned());
        Ok(Self { url: format!("http://127.0.0.1:{port}/tickets"), secret: secret.to_owned(), log, server, port })
    }

    /// Stops the server: connections are refused until [`Helpdesk::restart`]. What it stored survives,
    /// as a real helpdesk's database would.
    pub fn stop(&self) {
        self.server.abort();
    }

    /// Listens again on the same port, with what it stored before.
    pub async fn restart(&mut self) -> Result<()> {
        self.server.abort();
        let listener = eventually("the helpdesk's port to be free", Duration::from_secs(10), || async {
            Ok(tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?)
        })
        .await?;
        self.server = serve_helpdesk(listener, std::sync::Arc::clone(&self.log), self.secret.clone());
        Ok(())
    }

    pub fn set_mode(&self, mode: HelpdeskMode) {
        self.log.lock().expect("the helpdesk log is never poisoned").mode = Some(mode);
    }

    pub fn with_log<T>(&self, read: impl FnOnce(&HelpdeskLog) -> T) -> T {
        read(&self.log.lock().expect("the helpdesk log is never poisoned"))
    }
}

impl Drop for Helpdesk {
    fn drop(&mut self) {
        self.server.abort();
    }
}
