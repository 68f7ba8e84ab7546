//! The two real knowledge bases the tests and benchmarks read in place (Arduino's help center, Diplodoc's
//! docs), which live outside the repository: `EDGEDESK_CORPORA`, else `shared/corpora` beside it.
//!
//! A clone with nothing beside it still passes `make test`: a test whose corpus is missing returns early
//! and leaves its name in `target/corpora-not-run/`, and `make test` lists those once at the end, with
//! the reason and how to get them. Under `CI=true` a missing corpus fails the test instead.

use std::path::PathBuf;

use crate::repo_root;

/// Where the corpora are expected.
pub fn corpora_dir() -> PathBuf {
    match std::env::var_os("EDGEDESK_CORPORA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("../shared/corpora"),
    }
}

/// Where the names of tests that could not run are left for `make test` to list.
pub fn not_run_dir() -> PathBuf {
    repo_root().join("target/corpora-not-run")
}

/// The corpus `name` (such as `arduino-help-center/content`) for test `test`, or `None` when the corpora
/// are not there, after recording that `test` did not run. Panics under `CI=true`, where the corpora must
/// be present.
pub fn corpus(test: &str, name: &str) -> Option<PathBuf> {
    let path = corpora_dir().join(name);
    if path.is_dir() {
        return Some(path);
    }
    let reason = format!("{test}: the corpus {name} is not at {}", path.display());
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{reason}; CI runs need the shared corpora (set EDGEDESK_CORPORA or put shared/ beside the repository)");
    }
    println!("not run: {reason}");
    let record = not_run_dir();
    // The listing is a courtesy; a test must not fail because it could not leave its name.
    let _ = std::fs::create_dir_all(&record).and_then(|()| std::fs::write(record.join(test), reason + "\n"));
    None
}
