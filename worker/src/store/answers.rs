//! Written answers kept by their key, and the day's counts of answers written per visit, address and site.

use edgedesk_answers::quota::Scope;
use edgedesk_protocol::api::ApiError;
use serde::Deserialize;
use worker::Env;

use super::{database, execute, first, statement};
use crate::http::internal;

/// Answers older than this are written again: a model or a prompt may have changed since.
const KEEP_SECONDS: i64 = 7 * 86_400;

#[derive(Deserialize)]
struct Kept {
    text: String,
}

/// The answer kept for `key`, if one was written in the last week.
pub async fn kept(env: &Env, key: &str, now: i64) -> Result<Option<String>, ApiError> {
    let sql = "SELECT text FROM answer_cache WHERE key = ?1 AND created_at > ?2";
    let kept: Option<Kept> = first(&database(env)?, sql, &[key.into(), ((now - KEEP_SECONDS) as f64).into()]).await?;
    Ok(kept.map(|kept| kept.text))
}

pub async fn keep(env: &Env, key: &str, text: &str, now: i64) -> Result<(), ApiError> {
    let sql = "INSERT INTO answer_cache (key, text, created_at) VALUES (?1, ?2, ?3) \
               ON CONFLICT (key) DO UPDATE SET text = excluded.text, created_at = excluded.created_at";
    execute(&database(env)?, sql, &[key.into(), text.into(), (now as f64).into()]).await
}

#[derive(Deserialize)]
struct Used {
    used: u32,
}

/// Counts one more answer against each scope for `day`, in one batch; the counts after it, in order.
pub async fn count(env: &Env, scopes: Vec<Scope>, day: i64) -> Result<Vec<(Scope, u32)>, ApiError> {
    let database = database(env)?;
    let sql = "INSERT INTO answer_counts (scope, day, used) VALUES (?1, ?2, 1) \
               ON CONFLICT (scope, day) DO UPDATE SET used = used + 1 RETURNING used";
    let statements = scopes
        .iter()
        .map(|scope| statement(&database, sql, &[scope.key().into(), (day as f64).into()]))
        .collect::<Result<Vec<_>, _>>()?;
    let results = database.batch(statements).await.map_err(internal)?;
    scopes
        .into_iter()
        .zip(results)
        .map(|(scope, result)| {
            let used: Vec<Used> = result.results().map_err(internal)?;
            Ok((scope, used.first().map_or(u32::MAX, |row| row.used)))
        })
        .collect()
}

/// Forgets answers past their week and counts of days before `day`: the sweep's part.
pub async fn forget_old(env: &Env, now: i64, day: i64) -> Result<(), ApiError> {
    let database = database(env)?;
    execute(&database, "DELETE FROM answer_cache WHERE created_at <= ?1", &[((now - KEEP_SECONDS) as f64).into()])
        .await?;
    execute(&database, "DELETE FROM answer_counts WHERE day < ?1", &[(day as f64).into()]).await
}
