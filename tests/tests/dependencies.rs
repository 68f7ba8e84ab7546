//! What each binary is built from, read from the dependency tree cargo resolves (`cargo tree`), not from
//! a list of names we hope for: the widget downloads into customers' browsers, so it may depend on the
//! wire protocol and on nothing of ours that compiles Markdown, stems words, ranks articles or renders
//! reports; and neither wasm binary may carry the knowledge-base compiler.

use std::collections::BTreeSet;
use std::process::Command;

use edgedesk_e2e::repo_root;

/// The packages in `package`'s tree for wasm, as compiled into it: normal dependencies, without the
/// build-time ones procedural macros pull in.
fn compiled_into(package: &str) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(repo_root())
        .args(["tree", "--offline", "--package", package, "--target", "wasm32-unknown-unknown"])
        .args(["--edges", "normal,no-proc-macro", "--prefix", "none", "--format", "{p}"])
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn ours(tree: &BTreeSet<String>) -> BTreeSet<&str> {
    tree.iter().map(String::as_str).filter(|name| name.starts_with("edgedesk-")).collect()
}

/// Crates that do what the widget must never do in a browser: Markdown, stemming, reports.
const HEAVY: [&str; 6] = ["pulldown-cmark", "ammonia", "rust-stemmers", "unicode-normalization", "csv", "postcard"];

#[test]
fn the_widget_is_built_from_the_protocol_crate_and_nothing_else_of_ours() {
    let tree = compiled_into("edgedesk-widget");
    assert_eq!(ours(&tree), BTreeSet::from(["edgedesk-protocol", "edgedesk-widget"]), "the widget is built from these");
    let heavy: Vec<&str> = HEAVY.into_iter().filter(|name| tree.contains(*name)).collect();
    assert!(heavy.is_empty(), "the widget would carry {heavy:?}");
}

#[test]
fn the_protocol_crate_needs_only_serde_and_chrono() {
    let tree = compiled_into("edgedesk-protocol");
    let mut allowed = compiled_into("serde_json");
    allowed.extend(compiled_into("chrono"));
    allowed.insert("edgedesk-protocol".into());
    let unexpected: Vec<&String> = tree.difference(&allowed).collect();
    assert!(unexpected.is_empty(), "edgedesk-protocol pulls in {unexpected:?}");
}

#[test]
fn the_worker_carries_no_knowledge_base_compiler() {
    let tree = compiled_into("edgedesk-worker");
    for compiler in ["edgedesk-kb", "ammonia", "serde_norway", "walkdir", "chrono-tz"] {
        assert!(!tree.contains(compiler), "the worker's tree has {compiler}");
    }
    // Live notices are Markdown rendered at the edge, through the one wrapper that escapes raw HTML.
    assert!(tree.contains("edgedesk-markdown") && tree.contains("edgedesk-status"), "{tree:?}");
}
