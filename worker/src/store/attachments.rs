//! Uploaded attachments: the bytes in R2, what they are in D1, and which ticket claimed them.

use edgedesk_protocol::api::ApiError;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Env, HttpMetadata};

use super::{all, changes, execute, first, run, statement};
use crate::http::internal;

const BUCKET: &str = "ATTACHMENTS";

fn object_key(id: &str) -> String {
    format!("attachments/{id}")
}

/// An upload as recorded.
#[derive(Debug, Deserialize)]
pub struct Upload {
    pub id: String,
    pub name: String,
    pub media_type: String,
    pub bytes: f64,
}

/// Keeps an upload's bytes and records it, not yet claimed by a ticket.
pub async fn put(env: &Env, database: &D1Database, upload: &Upload, bytes: Vec<u8>) -> Result<(), ApiError> {
    env.bucket(BUCKET)
        .map_err(internal)?
        .put(object_key(&upload.id), bytes)
        .http_metadata(HttpMetadata { content_type: Some(upload.media_type.clone()), ..HttpMetadata::default() })
        .execute()
        .await
        .map_err(internal)?;
    execute(
        database,
        "INSERT INTO attachments (id, name, media_type, bytes) VALUES (?1, ?2, ?3, ?4)",
        &[
            upload.id.as_str().into(),
            upload.name.as_str().into(),
            upload.media_type.as_str().into(),
            upload.bytes.into(),
        ],
    )
    .await
}

/// An upload no ticket has claimed yet.
pub async fn unclaimed(database: &D1Database, id: &str) -> Result<Option<Upload>, ApiError> {
    first(
        database,
        "SELECT id, name, media_type, bytes FROM attachments WHERE id = ?1 AND ticket_number IS NULL",
        &[id.into()],
    )
    .await
}

/// The statement that gives upload `id` to ticket `number`, in the ticket's own transaction.
pub fn claim(database: &D1Database, id: &str, number: &str) -> Result<D1PreparedStatement, ApiError> {
    statement(database, "UPDATE attachments SET ticket_number = ?1 WHERE id = ?2", &[number.into(), id.into()])
}

/// An upload's bytes and media type, if it is still kept.
pub async fn get(env: &Env, id: &str) -> Result<Option<(Vec<u8>, String)>, ApiError> {
    let Some(object) = env.bucket(BUCKET).map_err(internal)?.get(object_key(id)).execute().await.map_err(internal)?
    else {
        return Ok(None);
    };
    let media_type = object.http_metadata().content_type.unwrap_or_else(|| "application/octet-stream".into());
    let bytes =
        object.body().ok_or_else(|| internal("an attachment without a body"))?.bytes().await.map_err(internal)?;
    Ok(Some((bytes, media_type)))
}

/// Deletes at most `limit` uploads that no ticket claimed and that were made before `cutoff` (RFC 3339):
/// a customer who uploads and never sends must not keep bytes in R2 and rows in D1 for ever. The row
/// goes first, and only while still unclaimed, so a ticket that claims it at that moment keeps it.
/// Returns how many were deleted.
pub async fn forget_unclaimed_before(
    env: &Env,
    database: &D1Database,
    cutoff: &str,
    limit: u32,
) -> Result<usize, ApiError> {
    #[derive(Deserialize)]
    struct Stale {
        id: String,
    }
    let stale: Vec<Stale> = all(
        database,
        "SELECT id FROM attachments WHERE ticket_number IS NULL AND created_at < ?1 ORDER BY created_at LIMIT ?2",
        &[cutoff.into(), limit.into()],
    )
    .await?;
    let bucket = env.bucket(BUCKET).map_err(internal)?;
    let mut deleted = 0;
    for Stale { id } in stale {
        let removed =
            run(database, "DELETE FROM attachments WHERE id = ?1 AND ticket_number IS NULL", &[id.as_str().into()])
                .await?;
        if changes(&removed) == Some(1) {
            bucket.delete(object_key(&id)).await.map_err(internal)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}
