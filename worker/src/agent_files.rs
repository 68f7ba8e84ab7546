//! The files an agent attached to a public reply, taken from the helpdesk into the worker's storage
//! once the reply is in (`edgedesk_tickets::agent_files`): a queue job of its own, so that the
//! helpdesk's report is answered at once and a helpdesk that is down is asked again later.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::attachment::MAX_ATTACHMENT_BYTES;
use edgedesk_tickets::accept::Attachment;
use edgedesk_tickets::agent_files::{FilesPage, RemoteFile};
use edgedesk_tickets::attachment;
use edgedesk_tickets::conversation::ListAnswer;
use edgedesk_tickets::helpdesk::{Backend, HELPDESK_TIMEOUT_SECONDS, Outcome, backoff};
use worker::{D1Database, Env};

use crate::edge;
use crate::http::{Answered, exchange, internal, send, within};
use crate::store::{attachments, messages};

/// Takes the files of agent reply `id` from the helpdesk, unless it has them already. `Some(seconds)`
/// asks the queue to come back after that long (the helpdesk could not be reached, or was busy).
pub async fn fetch(env: &Env, database: &D1Database, backend: &Backend, id: i64) -> Result<Option<u32>, ApiError> {
    let Some(reply) = messages::agent_reply_without_files(database, id).await? else { return Ok(None) };
    let Some(backend_id) = reply.backend_id.as_deref() else { return Ok(None) };
    let mut page = 0;
    let mut found = None;
    while let Some(lookup) = backend.reply_lookup(backend_id, true, page) {
        let answered = match exchange(&lookup).await {
            Ok(answered) => answered,
            Err(reason) => {
                worker::console_warn!("{}: the files of reply {id} wait: {reason}", reply.number);
                return Ok(Some(backoff(1)));
            }
        };
        let Answered { status, retry_after, link, body } = &answered;
        let listed = ListAnswer { status: *status, retry_after: retry_after.as_deref(), link: link.as_deref(), body };
        match backend.agent_files(&listed, &reply.body, page) {
            Ok(FilesPage { files, next }) => {
                found = files.or(found);
                match next {
                    Some(next) => page = next,
                    None => break,
                }
            }
            Err(Outcome::Retry { after_seconds, .. }) => return Ok(Some(after_seconds)),
            Err(refused) => {
                worker::console_error!("{}: the files of reply {id} cannot be read: {refused:?}", reply.number);
                return Ok(None);
            }
        }
    }
    let mut kept = Vec::new();
    for file in found.unwrap_or_default() {
        match download(backend, &file).await {
            Ok(Some(bytes)) => kept.push(keep(env, database, &reply.number, &file, bytes).await?),
            Ok(None) => {}
            Err(reason) => {
                worker::console_warn!("{}: the files of reply {id} wait: {reason}", reply.number);
                return Ok(Some(backoff(1)));
            }
        }
    }
    if !kept.is_empty() {
        messages::set_agent_files(database, id, &kept).await?;
    }
    Ok(None)
}

/// A file's bytes; `None` for one that is not there or over the size customers may send (left at the
/// helpdesk, and logged). An error is an outage worth coming back for.
async fn download(backend: &Backend, file: &RemoteFile) -> Result<Option<Vec<u8>>, String> {
    let Some(request) = backend.file_request(file) else {
        worker::console_warn!("an agent's file is not at an http(s) address: {}", file.name);
        return Ok(None);
    };
    let fetched = async {
        let mut response = send(worker::Method::Get, &request.url, &request.headers, None)
            .await
            .map_err(|error| format!("the helpdesk could not be reached: {error}"))?;
        let status = response.status_code();
        if status >= 500 || status == 429 {
            return Err(format!("the helpdesk answered {status} for {}", file.name));
        }
        let declared = response.headers().get("Content-Length").ok().flatten().and_then(|length| length.parse().ok());
        if !(200..=299).contains(&status) || declared.is_some_and(|length: usize| length > MAX_ATTACHMENT_BYTES) {
            worker::console_warn!("an agent's file was left at the helpdesk ({status}): {}", file.name);
            return Ok(None);
        }
        let bytes = response.bytes().await.map_err(|error| format!("{}: {error}", file.name))?;
        Ok((bytes.len() <= MAX_ATTACHMENT_BYTES).then_some(bytes))
    };
    let late = format!("the helpdesk did not send {} within {HELPDESK_TIMEOUT_SECONDS} s", file.name);
    within(std::time::Duration::from_secs(HELPDESK_TIMEOUT_SECONDS), fetched, late).await
}

/// Stores a file for ticket `number`. Its type is what its bytes say; anything the widget does not know is
/// kept as plain bytes, which the download link serves as an attachment in a sandbox, never as a page.
async fn keep(
    env: &Env,
    database: &D1Database,
    number: &str,
    file: &RemoteFile,
    bytes: Vec<u8>,
) -> Result<Attachment, ApiError> {
    let upload = attachments::Upload {
        id: attachment::attachment_id(edge::random_bytes()),
        name: attachment::clean_name(&file.name),
        media_type: attachment::sniff(&bytes).unwrap_or("application/octet-stream").to_owned(),
        bytes: bytes.len() as f64,
    };
    attachments::put(env, database, &upload, bytes).await?;
    attachments::claim(database, &upload.id, number)?.run().await.map_err(internal)?;
    Ok(Attachment {
        id: upload.id,
        name: upload.name,
        media_type: upload.media_type,
        bytes: upload.bytes as u64,
        url: String::new(),
    })
}
