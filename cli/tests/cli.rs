//! The `edgedesk` binary as editors and scripts run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use edgedesk_e2e::corpora::corpus;

fn edgedesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgedesk")).args(args).output().expect("the edgedesk binary runs")
}

fn demo_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A content directory written from (path, text) pairs.
fn content(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Every file under `dir`, relative, with its bytes, in a stable order.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|path| (path.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&path).unwrap()))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() { walk(&path) } else { vec![path] }
        })
        .collect()
}

#[test]
fn build_writes_per_locale_assets_and_is_reproducible() {
    let content = demo_content();
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for out in [&first, &second] {
        let output = edgedesk(&["build", content.to_str().unwrap(), out.path().to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stderr(&output).contains("Built 22 articles in 3 locale(s)"), "{}", stderr(&output));
    }
    let files = snapshot(first.path());
    let names: Vec<String> = files.iter().map(|(path, _)| path.display().to_string()).collect();
    for expected in
        ["manifest.json", "en/index.bin", "ru/index.bin", "en/sections.json", "ru/articles/reset-password.json"]
    {
        assert!(names.contains(&expected.to_owned()), "{expected} missing from {names:?}");
    }
    assert_eq!(files, snapshot(second.path()), "two builds of the same content differ");
    // Every locale's sections are embedded for ranking by meaning: English by all-MiniLM-L6-v2, the others
    // by multilingual-e5-small, whose queries are written `query: …`; the manifest names each locale's model.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.path().join("manifest.json")).unwrap()).unwrap();
    for (locale, model, query) in [
        ("en", "all-MiniLM-L6-v2", "reset"),
        ("ru", "multilingual-e5-small", "query: reset"),
        ("uk", "multilingual-e5-small", "query: reset"),
    ] {
        let vectors = std::fs::read(first.path().join(format!("{locale}/vectors.bin"))).unwrap();
        let vectors = edgedesk_search::semantic::SectionVectors::from_bytes(&vectors).unwrap();
        assert_eq!((vectors.model(), vectors.dimensions()), (model, 384));
        assert_eq!(vectors.query_text("reset"), query);
        assert_eq!(manifest["locales"][locale]["model"], model);
        let index = std::fs::read(first.path().join(format!("{locale}/index.bin"))).unwrap();
        let mut index = edgedesk_search::SearchIndex::from_bytes(&index).unwrap();
        index.set_vectors(vectors).expect("the vectors name the index's own sections");
    }

    let article: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.path().join("en/articles/reset-password.json")).unwrap()).unwrap();
    assert_eq!(article["title"], "Reset your password");
    let html = article["html"].as_str().unwrap();
    assert!(html.contains("<h2 id=\"the-reset-email-does-not-arrive\">"), "{html}");
    assert_eq!(manifest["locales"]["ru"]["articles"], 8);
    assert_eq!(manifest["build"].as_str().map(str::len), Some(16));
}

#[test]
fn semantic_ranking_can_be_turned_off() {
    let dir = content(&[
        ("edgedesk.toml", "[semantic]\nenabled = false\n"),
        ("billing/refunds.md", "---\ntitle: Refunds\n---\nMoney back within 30 days.\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let output = edgedesk(&["build", dir.path().to_str().unwrap(), out.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.path().join("en/index.bin").exists());
    assert!(!out.path().join("en/vectors.bin").exists(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("Embedded"), "{}", stderr(&output));
}

#[test]
fn rebuilding_removes_articles_deleted_from_the_content() {
    let content = content(&[("keep.md", "# Keep"), ("gone.md", "# Gone")]);
    let out = tempfile::tempdir().unwrap();
    let build = || edgedesk(&["build", content.path().to_str().unwrap(), out.path().to_str().unwrap()]);
    assert!(build().status.success());
    assert!(out.path().join("en/articles/gone.json").exists());
    std::fs::remove_file(content.path().join("gone.md")).unwrap();
    assert!(build().status.success());
    assert!(!out.path().join("en/articles/gone.json").exists(), "a deleted article is still published");
    assert!(out.path().join("en/articles/keep.json").exists());
}

#[test]
fn build_will_not_overwrite_a_directory_that_is_not_a_build() {
    let content = content(&[("a.md", "# A")]);
    let out = content_dir_with_a_stranger_file();
    let output = edgedesk(&["build", content.path().to_str().unwrap(), out.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("holds no previous build"), "{}", stderr(&output));
    assert!(out.path().join("notes.txt").exists());
}

fn content_dir_with_a_stranger_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    dir
}

#[test]
fn search_json_lists_hits_best_first_with_title_source_and_score() {
    let output = edgedesk(&["search", demo_content().to_str().unwrap(), "export csv", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let hits: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(hits[0]["title"], "Export a report to CSV or Excel");
    assert_eq!(hits[0]["source"], "en/reports/export-csv.md");
    let scores: Vec<f64> = hits.iter().map(|hit| hit["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "not best first: {scores:?}");
}

#[test]
fn search_filters_by_locale_and_limits() {
    let demo = demo_content();
    let output = edgedesk(&["search", demo.to_str().unwrap(), "slack", "--locale", "ru", "--limit", "1", "--json"]);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["source"], "ru/integrations/connect-slack.md");
}

#[test]
fn check_reports_every_problem_with_file_line_and_fix() {
    let content = content(&[
        ("en/billing/ok.md", "# Fine\n\n![shot](missing.png)"),
        ("en/billing/broken.md", "---\ntitle: x\nsummary: [oops\n---\nbody"),
        ("en/billing/unclosed.md", "---\ntitle: y\n\nbody"),
    ]);
    let output = edgedesk(&["check", content.path().to_str().unwrap()]);
    assert!(!output.status.success(), "errors must fail the check");
    let report = stdout(&output);
    assert!(report.contains("en/billing/broken.md:3: error[invalid-front-matter]"), "{report}");
    assert!(report.contains("en/billing/unclosed.md:1: error[unclosed-front-matter]"), "{report}");
    assert!(report.contains("en/billing/ok.md:3: warning[missing-image]"), "{report}");
    assert_eq!(report.matches("fix:").count(), 3, "{report}");
    assert!(report.contains("1 articles, 2 error(s), 1 warning(s)"), "{report}");

    let json = edgedesk(&["check", content.path().to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((report["errors"].as_u64(), report["warnings"].as_u64()), (Some(2), Some(1)));
    assert_eq!(report["problems"][0]["kind"], "invalid-front-matter");
    assert_eq!(report["problems"][0]["line"], 3);
}

#[test]
fn warnings_alone_do_not_fail_the_check() {
    let content = content(&[("a.md", "---\nlegacy_id: 7\n---\n# A")]);
    let output = edgedesk(&["check", content.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("warning[unknown-front-matter-key]"));
}

#[test]
fn a_failed_build_publishes_nothing() {
    let content = content(&[("a.md", "[x](nowhere.md)")]);
    let out = tempfile::tempdir().unwrap();
    let output = edgedesk(&["build", content.path().to_str().unwrap(), out.path().join("kb").to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("a.md:1: error[broken-link]"), "{}", stderr(&output));
    assert!(!out.path().join("kb").exists(), "a failed build must not publish");
}

#[test]
fn a_missing_content_directory_is_a_clear_error() {
    let output = edgedesk(&["search", "/nonexistent/kb", "x"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("could not read the knowledge base in /nonexistent/kb"), "{}", stderr(&output));
}

#[test]
fn the_arduino_help_center_checks_clean_with_a_few_summarized_warnings() {
    let Some(content) = corpus("cli::the_arduino_help_center_checks_clean", "arduino-help-center/content") else {
        return;
    };
    let output = edgedesk(&["check", content.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success(), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["articles"], 404);
    assert_eq!(report["errors"], 0);
    // 408 unknown `id` keys and 483 missing images fold into one warning each.
    let warnings = report["warnings"].as_u64().unwrap();
    assert!(warnings <= 10, "{warnings} warnings is a flood: {}", report["problems"]);
    let ids = report["problems"].as_array().unwrap().iter().find(|p| p["kind"] == "unknown-front-matter-key").unwrap();
    assert_eq!(ids["occurrences"], 408);
}

#[test]
fn the_diplodoc_docs_load_with_actionable_problems() {
    let Some(content) = corpus("cli::the_diplodoc_docs_load_with_actionable_problems", "diplodoc-docs") else {
        return;
    };
    let output = edgedesk(&["check", content.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["articles"], 180);
    let problems = report["problems"].as_array().unwrap();
    // The only errors are links that really point nowhere in the corpus.
    assert!(problems.iter().filter(|p| p["severity"] == "error").all(|p| p["kind"] == "broken-link"), "{problems:#?}");
    let directives = problems.iter().filter(|p| p["kind"] == "unsupported-directive").count();
    assert!((1..=4).contains(&directives), "one warning per kind of directive, got {directives}");
    assert!(problems.len() <= 30, "{} problems is a flood", problems.len());
}

#[test]
fn search_answers_on_the_arduino_help_center() {
    let Some(content) = corpus("cli::search_answers_on_the_arduino_help_center", "arduino-help-center/content") else {
        return;
    };
    let query = "board not detected by the IDE";
    let output = edgedesk(&["search", content.to_str().unwrap(), query, "--json", "--limit", "5", "--words-only"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let hits: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let sources: Vec<&str> = hits.iter().map(|hit| hit["source"].as_str().unwrap()).collect();
    assert!(
        sources.contains(&"Software Support/Upload/If-your-board-is-not-detected-by-Arduino-IDE.md"),
        "{sources:#?}"
    );
}

/// `edgedesk preview` on a free port, stopped when dropped.
struct Preview {
    child: std::process::Child,
    base: String,
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_preview(content: &Path) -> Preview {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_edgedesk"))
        .args(["preview", content.to_str().unwrap(), "--port", &port.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let preview = Preview { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(&preview.base).await.is_err() {
        assert!(Instant::now() < deadline, "the preview did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    preview
}

#[tokio::test]
async fn preview_shows_articles_and_picks_up_edits_on_reload() {
    let content = content(&[
        ("en/billing/plans.md", "# Plans\n\nOld text. ![chart](chart.svg) [Invoices](invoices.md)"),
        ("en/billing/invoices.md", "# Invoices\n\n[broken](gone.md)"),
        ("en/billing/chart.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
    ]);
    let preview = start_preview(content.path()).await;
    let home = reqwest::get(&preview.base).await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/en/plans\">Plans</a>"), "{home}");
    assert!(home.contains("error[broken-link]"), "the home page lists problems: {home}");

    let page = reqwest::get(format!("{}/en/plans", preview.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("Old text."), "{page}");
    assert!(page.contains("href=\"/en/invoices\""), "article links point at preview pages: {page}");
    std::fs::write(content.path().join("en/billing/plans.md"), "# Plans\n\nNew text.").unwrap();
    let page = reqwest::get(format!("{}/en/plans", preview.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("New text."), "{page}");

    let svg = reqwest::get(format!("{}/kb/media/en/billing/chart.svg", preview.base)).await.unwrap();
    let policy = svg.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("sandbox") && policy.contains("default-src 'none'"), "{policy}");
    let escape = reqwest::get(format!("{}/kb/media/../../etc/passwd", preview.base)).await.unwrap();
    assert_eq!(escape.status(), 404);

    let search =
        reqwest::get(format!("{}/search?q=invoi&locale=en", preview.base)).await.unwrap().text().await.unwrap();
    assert!(search.contains("<mark>Invoices</mark>") || search.contains(">Invoices<"), "{search}");
}

#[test]
fn demo_activity_is_a_repeatable_month_of_sql_for_the_built_articles() {
    let out = tempfile::tempdir().unwrap();
    let kb = out.path().join("kb");
    let built = edgedesk(&["build", demo_content().to_str().unwrap(), kb.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let month =
        || edgedesk(&["demo-activity", kb.to_str().unwrap(), "--days", "7", "--seed", "3", "--last-day", "2026-11-22"]);
    let first = month();
    assert!(first.status.success(), "{}", stderr(&first));
    let sql = stdout(&first);
    assert_eq!(sql, stdout(&month()), "one seed, one month");
    assert!(sql.contains("INSERT INTO tickets") && sql.contains("INSERT INTO events"));
    // The made-up customers read the articles that were built, and nothing else.
    assert!(sql.contains("'article_view'") && sql.contains("'reset-password'"));
    assert!(stderr(&first).contains("over 7 days up to 2026-11-22"), "{}", stderr(&first));

    let bad_day = edgedesk(&["demo-activity", kb.to_str().unwrap(), "--last-day", "22.11.2026"]);
    assert!(!bad_day.status.success());
    assert!(stderr(&bad_day).contains("--last-day is a date like 2026-11-22"), "{}", stderr(&bad_day));
    let unbuilt = edgedesk(&["demo-activity", out.path().join("nothing").to_str().unwrap()]);
    assert!(stderr(&unbuilt).contains("build the knowledge base first"), "{}", stderr(&unbuilt));
}
