//! The `edgedesk` binary as editors and scripts run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
fn build_writes_index_manifest_and_articles_and_is_reproducible() {
    let content = demo_content();
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for out in [&first, &second] {
        let output = edgedesk(&["build", content.to_str().unwrap(), out.path().to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stderr(&output).contains("Built 18 articles"), "{}", stderr(&output));
    }
    let files = snapshot(first.path());
    let names: Vec<String> = files.iter().map(|(path, _)| path.display().to_string()).collect();
    assert!(names.contains(&"index.json".to_owned()), "{names:?}");
    assert!(names.contains(&"manifest.json".to_owned()), "{names:?}");
    assert!(names.contains(&"articles/ru/reset-password.json".to_owned()), "{names:?}");
    assert_eq!(files, snapshot(second.path()), "two builds of the same content differ");

    let article: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.path().join("articles/en/reset-password.json")).unwrap()).unwrap();
    assert_eq!(article["title"], "Reset your password");
    assert!(article["html"].as_str().unwrap().contains("<h2>The reset email does not arrive</h2>"));
}

#[test]
fn rebuilding_removes_articles_deleted_from_the_content() {
    let content = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(content.path().join("keep.md"), "# Keep").unwrap();
    std::fs::write(content.path().join("gone.md"), "# Gone").unwrap();
    let build = || edgedesk(&["build", content.path().to_str().unwrap(), out.path().to_str().unwrap()]);
    assert!(build().status.success());
    assert!(out.path().join("articles/en/gone.json").exists());
    std::fs::remove_file(content.path().join("gone.md")).unwrap();
    assert!(build().status.success());
    assert!(!out.path().join("articles/en/gone.json").exists(), "a deleted article is still published");
    assert!(out.path().join("articles/en/keep.json").exists());
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
    let output =
        edgedesk(&["search", demo_content().to_str().unwrap(), "slack", "--locale", "ru", "--limit", "1", "--json"]);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["source"], "ru/integrations/connect-slack.md");
}

#[test]
fn content_errors_name_file_line_and_fix_and_fail_the_build() {
    let content = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(content.path().join("en/billing")).unwrap();
    std::fs::write(content.path().join("en/billing/ok.md"), "# Fine").unwrap();
    std::fs::write(content.path().join("en/billing/broken.md"), "---\ntitle: x\nsummary: [oops\n---\nbody").unwrap();
    std::fs::write(content.path().join("en/billing/unclosed.md"), "---\ntitle: y\n\nbody").unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = edgedesk(&["build", content.path().to_str().unwrap(), out.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let errors = stderr(&output);
    // Both broken files are reported in one run, each with its path and a fix.
    assert!(errors.contains("en/billing/broken.md:3: error"), "{errors}");
    assert!(errors.contains("en/billing/unclosed.md:1: error"), "{errors}");
    assert_eq!(errors.matches("fix:").count(), 2, "{errors}");
    assert!(errors.contains("2 error(s)"), "{errors}");
    assert!(!out.path().join("index.json").exists(), "a failed build must not publish");
}

#[test]
fn a_missing_content_directory_is_a_clear_error() {
    let output = edgedesk(&["search", "/nonexistent/kb", "x"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("could not read the knowledge base in /nonexistent/kb"), "{}", stderr(&output));
}

#[test]
fn the_arduino_help_center_builds_and_answers() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/arduino-help-center/content");
    assert!(corpus.is_dir(), "the shared corpora must sit beside the repository at {}", corpus.display());
    let output =
        edgedesk(&["search", corpus.to_str().unwrap(), "board not detected by the IDE", "--json", "--limit", "5"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let hits: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let sources: Vec<&str> = hits.iter().map(|hit| hit["source"].as_str().unwrap()).collect();
    assert!(
        sources.contains(&"Software Support/Upload/If-your-board-is-not-detected-by-Arduino-IDE.md"),
        "{sources:#?}"
    );
}
