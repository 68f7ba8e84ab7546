//! `edgedesk demo-activity`: a month of made-up support activity as SQL, so a fresh `make dev` shows a
//! meaningful insights page.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use edgedesk_insights::{self as insights, sample};
use edgedesk_tickets::support::Support;

/// Prints the SQL that adds `days` days of activity ending with `last_day` (yesterday by default) to the
/// worker's D1, for the knowledge base built in `kb_dir`.
pub fn activity(kb_dir: &Path, days: u32, seed: u64, last_day: Option<&str>) -> Result<ExitCode> {
    let support_file = kb_dir.join("support.json");
    let support: Support = serde_json::from_slice(
        &std::fs::read(&support_file)
            .with_context(|| format!("read {}; build the knowledge base first", support_file.display()))?,
    )?;
    let last_day = match last_day {
        Some(day) => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--last-day is a date like 2026-11-22, not {day:?}"))?,
        None => yesterday(&support)?,
    };
    let activity = sample::month(seed, last_day, days, &support, &built_articles(kb_dir)?);
    print!("{}", activity.to_sql());
    eprintln!(
        "{} tickets and {} events over {days} days up to {last_day}",
        activity.tickets.len(),
        activity.events.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Yesterday where the support team works.
fn yesterday(support: &Support) -> Result<NaiveDate> {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let today = insights::local_time(support, since_epoch.as_secs() as i64).date();
    Ok(today - chrono::Duration::days(1))
}

/// `(locale, slug)` of every article in a built knowledge base: `<locale>/articles/<slug>.json`.
pub fn built_articles(kb_dir: &Path) -> Result<Vec<(String, String)>> {
    let mut articles = Vec::new();
    for locale in std::fs::read_dir(kb_dir)? {
        let locale = locale?;
        let Ok(files) = std::fs::read_dir(locale.path().join("articles")) else { continue };
        for file in files {
            let path = file?.path();
            if let (Some(slug), Some("json")) = (path.file_stem(), path.extension().and_then(|e| e.to_str())) {
                articles.push((locale.file_name().to_string_lossy().into_owned(), slug.to_string_lossy().into_owned()));
            }
        }
    }
    articles.sort();
    Ok(articles)
}
