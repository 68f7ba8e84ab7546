//! Attachments: uploaded before the ticket is sent, checked by their bytes, kept in R2, and opened by
//! support through signed links that expire.

use edgedesk_protocol::api::{ApiError, AttachmentUploaded};
use edgedesk_protocol::attachment::{MAX_ATTACHMENT_BYTES, TURNSTILE_HEADER};
use edgedesk_tickets::{attachment, turnstile};
use worker::{Env, Request, Response};

use crate::edge::{self, Limit, TURNSTILE_SECRET};
use crate::http::{ApiResult, capped_body, decode, header, internal, json, query_param, set_header};
use crate::store::keys::{self, WorkerKey};
use crate::store::{self, attachments};

/// `POST /api/attachments`: the file's bytes as the body, its name in `X-Filename` (percent-encoded),
/// and with Turnstile on a token in `X-Turnstile-Token`.
pub async fn upload(mut request: Request, env: &Env) -> ApiResult {
    let name = attachment::clean_name(&decode(&header(&request, "X-Filename")?.unwrap_or_default()));
    let too_large = |bytes: usize| {
        ApiError::for_field(
            413,
            "attachment_too_large",
            "attachment",
            format!("{name} is over {} MB; attachments are at most 10 MB.", bytes / (1024 * 1024)),
        )
    };
    if let Some(declared) = header(&request, "Content-Length")?.and_then(|length| length.parse::<usize>().ok())
        && declared > MAX_ATTACHMENT_BYTES
    {
        return Err(too_large(declared));
    }
    let client_address = edge::client_address(&request)?;
    let keys = [edgedesk_access::addresses::client_key(&client_address)];
    let refused = "You have uploaded many files in a short time; please try again in a minute.";
    edge::limit(env, Limit::Uploads, &keys, refused).await?;
    // With Turnstile on, each upload proves a person as a ticket does: R2 is not free storage for scripts.
    if let Some(secret) = edge::secret(env, TURNSTILE_SECRET) {
        let token = header(&request, TURNSTILE_HEADER)?;
        let token = turnstile::require_turnstile(token.as_deref())?;
        crate::tickets::verify_turnstile(env, &secret, token, &client_address).await?;
    }
    let bytes = capped_body(&mut request, MAX_ATTACHMENT_BYTES).await?.map_err(too_large)?;
    let media_type = attachment::check(&name, &bytes)?;

    let id = attachment::attachment_id(edge::random_bytes());
    let upload = attachments::Upload { id, name, media_type: media_type.to_owned(), bytes: bytes.len() as f64 };
    attachments::put(env, &store::database(env)?, &upload, bytes).await?;
    let attachments::Upload { id, name, media_type, bytes } = upload;
    json(201, &AttachmentUploaded { id, name, media_type, bytes: bytes as u64 })
}

/// `GET /api/attachments/{id}?expires=&signature=`: the file, for whoever holds a link from a ticket.
pub async fn download(request: &Request, env: &Env, id: &str) -> ApiResult {
    let expires_at = query_param(request, "expires")?.and_then(|value| value.parse::<i64>().ok()).unwrap_or(0);
    let signature = query_param(request, "signature")?.unwrap_or_default();
    // Signed with a key of the worker's own, never the operators' token; checked against the wall clock.
    let secret = keys::worker_key(env, WorkerKey::AttachmentLinks).await?;
    let now = edge::unix_now();
    if !attachment::attachment_link_holds(id, &secret, expires_at, &signature, now) {
        return Err(ApiError::new(403, "invalid_link", "This attachment link is not valid or has expired."));
    }
    let (bytes, media_type) =
        attachments::get(env, id).await?.ok_or_else(|| ApiError::not_found(&format!("The attachment {id}")))?;
    let mut response = Response::from_bytes(bytes).map_err(internal)?;
    set_header(&mut response, "Content-Type", &media_type)?;
    // Opened as a download in its own sandbox: a file never runs as a page on our origin.
    set_header(&mut response, "Content-Disposition", "attachment")?;
    set_header(&mut response, "Content-Security-Policy", "sandbox")?;
    set_header(&mut response, "X-Content-Type-Options", "nosniff")?;
    set_header(&mut response, "Cache-Control", "private, no-store")?;
    Ok(response)
}
