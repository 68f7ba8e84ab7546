//! Where edgedesk keeps things, one module per domain, each owning its SQL (or its KV keys, or its R2
//! objects): tickets, the delivery outbox, insights events, what the ranking learned, the worker's own keys, attachments, live notices, and the compiled
//! knowledge base in static assets. Handlers call these and never write a query themselves.
//!
//! Below, D1 as the store modules use it: a statement with its values bound, run for its effect, its first
//! row or all its rows, with every platform failure turned into the `503 unavailable` the API reports
//! (and logged in full by [`internal`]).

pub mod answers;
pub mod assets;
pub mod attachments;
pub mod events;
pub mod keys;
pub mod learned;
pub mod messages;
pub mod notices;
pub mod outbox;
pub mod tickets;

use edgedesk_protocol::api::ApiError;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use crate::http::internal;

/// The binding of the one database (`wrangler.toml`).
pub const DATABASE: &str = "DB";

pub fn database(env: &Env) -> Result<D1Database, ApiError> {
    env.d1(DATABASE).map_err(internal)
}

/// D1 stores SQL NULL only for JavaScript `null`; `undefined` (what `None` becomes) is refused.
pub fn nullable(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

/// A statement ready to run or to join a batch.
pub fn statement(database: &D1Database, sql: &str, values: &[JsValue]) -> Result<D1PreparedStatement, ApiError> {
    database.prepare(sql).bind(values).map_err(internal)
}

/// Runs an INSERT, UPDATE or DELETE for its effect alone.
pub async fn execute(database: &D1Database, sql: &str, values: &[JsValue]) -> Result<(), ApiError> {
    run(database, sql, values).await.map(drop)
}

/// Runs an INSERT, UPDATE or DELETE; the result tells how many rows changed.
pub async fn run(database: &D1Database, sql: &str, values: &[JsValue]) -> Result<D1Result, ApiError> {
    statement(database, sql, values)?.run().await.map_err(internal)
}

/// The first row, if there is one.
pub async fn first<T: DeserializeOwned>(
    database: &D1Database,
    sql: &str,
    values: &[JsValue],
) -> Result<Option<T>, ApiError> {
    statement(database, sql, values)?.first(None).await.map_err(internal)
}

/// Every row.
pub async fn all<T: DeserializeOwned>(
    database: &D1Database,
    sql: &str,
    values: &[JsValue],
) -> Result<Vec<T>, ApiError> {
    statement(database, sql, values)?.all().await.map_err(internal)?.results().map_err(internal)
}

/// How many rows a statement changed.
pub fn changes(result: &D1Result) -> Option<usize> {
    result.meta().ok().flatten().and_then(|meta| meta.changes)
}
