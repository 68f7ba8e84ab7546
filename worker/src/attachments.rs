//! Attachments: uploaded before the ticket is sent, checked by their bytes, kept in R2, and opened by
//! support through signed links that expire.

use edgedesk_protocol::api::{ApiError, AttachmentUploaded};
use edgedesk_protocol::attachment::MAX_ATTACHMENT_BYTES;
use edgedesk_tickets::attachment;
use worker::{Env, HttpMetadata, Request, Response};

use crate::d1;
use crate::http::{
    ADMIN_TOKEN, ApiResult, header, internal, json, query_param, set_header, too_many_requests, unix_now,
};
use crate::knowledge::decode;
use crate::tickets::{RATE_LIMIT_PERIOD_SECONDS, fill_random, within_limits};

const BUCKET: &str = "ATTACHMENTS";
const UPLOAD_LIMITER: &str = "UPLOAD_LIMITER";

fn object_key(id: &str) -> String {
    format!("attachments/{id}")
}

/// `POST /api/attachments`: the file's bytes as the body, its name in `X-Filename` (percent-encoded).
pub async fn upload(mut request: Request, env: &Env) -> ApiResult {
    let name = attachment::clean_name(&decode(&header(&request, "X-Filename")?.unwrap_or_default()));
    if let Some(declared) = header(&request, "Content-Length")?.and_then(|length| length.parse::<usize>().ok())
        && declared > MAX_ATTACHMENT_BYTES
    {
        return Err(ApiError::for_field(
            413,
            "attachment_too_large",
            "attachment",
            format!("{name} is {} MB; attachments are at most 10 MB.", declared / (1024 * 1024)),
        ));
    }
    let client_ip = header(&request, "CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into());
    if !within_limits(env, UPLOAD_LIMITER, vec![format!("ip:{client_ip}")]).await? {
        return too_many_requests(
            RATE_LIMIT_PERIOD_SECONDS,
            "You have uploaded many files in a short time; please try again in a minute.",
        );
    }
    let bytes = request.bytes().await.map_err(internal)?;
    let media_type = attachment::check(&name, &bytes)?;

    let mut random = [0u8; 8];
    fill_random(&mut random);
    let id = format!("att-{}", random.iter().map(|byte| format!("{byte:02x}")).collect::<String>());
    let size = bytes.len() as u64;
    env.bucket(BUCKET)
        .map_err(internal)?
        .put(object_key(&id), bytes)
        .http_metadata(HttpMetadata { content_type: Some(media_type.to_owned()), ..HttpMetadata::default() })
        .execute()
        .await
        .map_err(internal)?;
    d1::run(
        &d1::database(env)?,
        "INSERT INTO attachments (id, name, media_type, bytes) VALUES (?1, ?2, ?3, ?4)",
        &[id.as_str().into(), name.as_str().into(), media_type.into(), (size as f64).into()],
    )
    .await?;
    json(201, &AttachmentUploaded { id, name, media_type: media_type.to_owned(), bytes: size })
}

/// `GET /api/attachments/{id}?expires=&signature=`: the file, for whoever holds a link from a ticket.
pub async fn download(request: &Request, env: &Env, id: &str) -> ApiResult {
    let expires_at = query_param(request, "expires")?.and_then(|value| value.parse::<i64>().ok()).unwrap_or(0);
    let signature = query_param(request, "signature")?.unwrap_or_default();
    let secret = env.secret(ADMIN_TOKEN).map(|secret| secret.to_string()).unwrap_or_default();
    if secret.is_empty()
        || !attachment::attachment_link_holds(id, secret.as_bytes(), expires_at, &signature, unix_now())
    {
        return Err(ApiError::new(403, "invalid_link", "This attachment link is not valid or has expired."));
    }
    let object = env
        .bucket(BUCKET)
        .map_err(internal)?
        .get(object_key(id))
        .execute()
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found(&format!("The attachment {id}")))?;
    let media_type = object.http_metadata().content_type.unwrap_or_else(|| "application/octet-stream".into());
    let bytes =
        object.body().ok_or_else(|| internal("an attachment without a body"))?.bytes().await.map_err(internal)?;
    let mut response = Response::from_bytes(bytes).map_err(internal)?;
    set_header(&mut response, "Content-Type", &media_type)?;
    // Opened as a download in its own sandbox: a file never runs as a page on our origin.
    set_header(&mut response, "Content-Disposition", "attachment")?;
    set_header(&mut response, "Content-Security-Policy", "sandbox")?;
    set_header(&mut response, "X-Content-Type-Options", "nosniff")?;
    set_header(&mut response, "Cache-Control", "private, no-store")?;
    Ok(response)
}
