//! D1 migrations applied to data as the version before them wrote it, on a local D1 of their own.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use edgedesk_e2e::{LocalD1, repo_root};
use serde_json::Value;

use crate::World;

/// The worker's migrations in order, as those before `version` and the rest (it and those after it).
fn migrations_around(version: &str) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let migrations = repo_root().join("worker/migrations");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&migrations)?.map(|entry| entry.map(|entry| entry.path())).collect::<Result<_, _>>()?;
    files.sort();
    Ok(files.into_iter().partition(|file| file.file_name().is_some_and(|name| *name.to_string_lossy() < *version)))
}

/// Migration 0006 drops `search_gaps`, which counted zero-result searches a second time beside the
/// events: what only that table knew must survive as events, and nothing may count twice.
pub async fn search_gaps_become_events_without_counting_twice(_world: &World) -> Result<()> {
    let d1 = LocalD1::new()?;
    let migrations = repo_root().join("worker/migrations");
    for before in
        ["0001_tickets.sql", "0002_feedback.sql", "0003_ticket_incident.sql", "0004_delivery.sql", "0005_insights.sql"]
    {
        d1.run_file(&migrations.join(before))?;
    }
    // "dark mode": in the old table and already an event, so the events keep it. "sso": only in the old
    // table (searched before events existed). "export": events only.
    d1.query(
        "INSERT INTO search_gaps (locale, query, searches, last_seen) VALUES \
         ('en', 'dark mode', 3, '2026-11-20T10:00:00.000Z'), ('ru', 'sso', 2, '2026-10-01T08:30:00.000Z'); \
         INSERT INTO events (at, kind, locale, subject, value) VALUES \
         (1795600000, 'search', 'en', 'dark mode', 0), (1795600001, 'search', 'en', 'export', 0), \
         (1795600002, 'search', 'en', 'export', 0), (1795600003, 'search', 'en', 'reset password', 4)",
    )?;
    d1.run_file(&migrations.join("0006_gaps_are_events.sql"))?;

    let counts = d1.query(
        "SELECT locale, subject, COUNT(*) AS searches, MAX(at) AS last FROM events WHERE kind = 'search' \
         AND value = 0 GROUP BY locale, subject ORDER BY locale, subject",
    )?;
    let summary: Vec<(String, String, i64, i64)> = counts
        .iter()
        .map(|row| {
            let text = |key: &str| row[key].as_str().unwrap_or_default().to_owned();
            (
                text("locale"),
                text("subject"),
                row["searches"].as_i64().unwrap_or(-1),
                row["last"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let at = |text: &str| edgedesk_protocol::time::parse_time(text).unwrap_or_default();
    ensure!(
        summary
            == [
                ("en".into(), "dark mode".into(), 1, 1_795_600_000),
                ("en".into(), "export".into(), 2, 1_795_600_002),
                ("ru".into(), "sso".into(), 2, at("2026-10-01T08:30:00Z")),
            ],
        "{summary:?}"
    );
    let tables = d1.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'search_gaps'")?;
    ensure!(tables.is_empty(), "search_gaps is still there: {tables:?}");
    let searches_that_found_something: Vec<Value> =
        d1.query("SELECT subject FROM events WHERE kind = 'search' AND value > 0")?;
    ensure!(searches_that_found_something.len() == 1, "{searches_that_found_something:?}");
    Ok(())
}

/// Migration 0008 adds delivery claims. A row written before it keeps its attempts as claims, so a
/// ticket tried before the upgrade is looked up at the helpdesk before it is created again, and its
/// retry age starts at its last update; nobody holds it.
pub async fn delivery_claims_remember_attempts_made_before_them(_world: &World) -> Result<()> {
    let d1 = LocalD1::new()?;
    let (before, after) = migrations_around("0008")?;
    for file in &before {
        d1.run_file(file)?;
    }
    d1.query(
        "INSERT INTO tickets (number, name, email, subject, message) VALUES \
         ('ED-AAAA-0001', 'Ada', 'ada@example.com', 'S', 'M'), ('ED-AAAA-0002', 'Bo', 'bo@example.com', 'S', 'M'); \
         INSERT INTO outbox (number, state, attempts, next_attempt_at, updated_at) VALUES \
         ('ED-AAAA-0001', 'pending', 3, 0, '2026-11-30T10:00:00.000Z'), \
         ('ED-AAAA-0002', 'pending', 0, 0, '2026-12-01T10:00:00.000Z')",
    )?;
    for file in &after {
        d1.run_file(file)?;
    }
    let rows = d1.query("SELECT number, claims, claimed_until, retrying_since, claim FROM outbox ORDER BY number")?;
    let summary: Vec<(i64, i64, i64, bool)> = rows
        .iter()
        .map(|row| {
            let number = |key: &str| row[key].as_i64().unwrap_or(-1);
            (number("claims"), number("claimed_until"), number("retrying_since"), row["claim"].is_null())
        })
        .collect();
    let at = |text: &str| edgedesk_protocol::time::parse_time(text).unwrap_or_default();
    ensure!(
        summary == [(3, 0, at("2026-11-30T10:00:00Z"), true), (0, 0, at("2026-12-01T10:00:00Z"), true)],
        "{summary:?}"
    );
    Ok(())
}

/// Migration 0013 rebuilds the events table so that written answers can be events: every row keeps its
/// id, kind, visit, product, locale, subject, value and address hash, and both indexes come back.
pub async fn events_keep_every_row_when_answers_join_them(_world: &World) -> Result<()> {
    let d1 = LocalD1::new()?;
    let (before, after) = migrations_around("0013")?;
    for file in &before {
        d1.run_file(file)?;
    }
    d1.query(
        "INSERT INTO events (id, at, kind, visit, product, locale, subject, value, address) VALUES \
         (7, 1795600000, 'search', 'visit-0001', 'web', 'en', 'reset password', 4, 'a1b2'), \
         (9, 1795600001, 'feedback', NULL, NULL, 'ru', 'reset-password', 0, NULL)",
    )?;
    for file in &after {
        d1.run_file(file)?;
    }
    let rows =
        d1.query("SELECT id, at, kind, visit, product, locale, subject, value, address FROM events ORDER BY id")?;
    ensure!(rows.len() == 2, "{rows:?}");
    ensure!(
        rows[0]["id"] == 7 && rows[0]["visit"] == "visit-0001" && rows[0]["product"] == "web" && rows[0]["value"] == 4,
        "{rows:?}"
    );
    ensure!(rows[0]["address"] == "a1b2" && rows[1]["kind"] == "feedback" && rows[1]["value"] == 0, "{rows:?}");
    d1.query("INSERT INTO events (at, kind, subject) VALUES (1795600002, 'answer_unsure', 'my dog ate the invoice')")?;
    ensure!(
        d1.query("INSERT INTO events (at, kind, subject) VALUES (1, 'nonsense', 'x')").is_err(),
        "any kind went in"
    );
    let indexes =
        d1.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name")?;
    let names: Vec<&str> = indexes.iter().filter_map(|index| index["name"].as_str()).collect();
    ensure!(names == ["events_by_time", "events_by_visit"], "{names:?}");
    Ok(())
}
