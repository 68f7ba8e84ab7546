//! What a helpdesk tells the worker about a ticket: an agent's public reply, a change of status, or both.
//! Each helpdesk sends it from its own automation, in the shape of the template `docs/helpdesk-events.md`
//! ships for it, and proves who it is its own way:
//!
//! - **Zendesk** (a trigger that notifies a webhook): the webhook's signing secret, as Zendesk documents
//!   it: `X-Zendesk-Webhook-Signature` is base64 HMAC-SHA256 over `X-Zendesk-Webhook-Signature-Timestamp`
//!   followed by the body.
//! - **Freshdesk** (an automation rule's webhook) and **Jira Service Management** (an automation rule's
//!   "Send web request"): neither signs, both send custom headers, so a shared secret travels in
//!   [`SECRET_HEADER`].
//! - **The webhook backend**: `X-Edgedesk-Signature`, as tickets travel the other way.
//!
//! A reply is stored once whatever the number of times it is reported: each carries a key, the
//! helpdesk's comment id where the template can name one, else a hash of what it says.

use edgedesk_protocol::api::{ApiError, TicketEvent, TicketStatus, parse_body};
use edgedesk_protocol::ticket::{check_length, optional, without_controls};
use edgedesk_protocol::time::parse_time;
use serde::Deserialize;

use crate::signing::{self, TOLERANCE_SECONDS};

/// The header Freshdesk's and JSM's automations send the shared secret in.
pub const SECRET_HEADER: &str = "X-Edgedesk-Secret";
pub const ZENDESK_SIGNATURE_HEADER: &str = "X-Zendesk-Webhook-Signature";
pub const ZENDESK_TIMESTAMP_HEADER: &str = "X-Zendesk-Webhook-Signature-Timestamp";
/// An agent's reply is as long as a customer's may be.
pub const MAX_AGENT_REPLY_CHARS: usize = edgedesk_protocol::ticket::MAX_MESSAGE_CHARS;
const MAX_AUTHOR_CHARS: usize = 200;
/// A report is a few fields and one reply.
pub const MAX_EVENT_BYTES: usize = 128 * 1024;

/// Which ticket a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    /// edgedesk's own number (Zendesk's external id, the webhook's path).
    Number(String),
    /// The helpdesk's id for it, as the worker recorded it on delivery.
    Helpdesk(String),
}

/// An agent's public reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReply {
    /// What makes a second report of the same reply recognisable.
    pub key: String,
    pub author: Option<String>,
    pub body: String,
}

/// A report, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEvent {
    pub ticket: TicketRef,
    pub status: Option<TicketStatus>,
    pub reply: Option<AgentReply>,
    /// What the ticket's timeline says with the status (the webhook's `message`).
    pub message: Option<String>,
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(401, "invalid_signature", message)
}

/// Checks a Zendesk webhook's signature at `now` (wall clock), as Zendesk documents it.
pub fn verify_zendesk(
    secret: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), ApiError> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(unauthorized(&format!(
            "A Zendesk report carries {ZENDESK_SIGNATURE_HEADER} and {ZENDESK_TIMESTAMP_HEADER}; this one does not."
        )));
    };
    let signed_at = parse_time(timestamp.trim())
        .ok_or_else(|| unauthorized(&format!("{ZENDESK_TIMESTAMP_HEADER} is not a time: {timestamp:?}.")))?;
    if (now - signed_at).abs() > TOLERANCE_SECONDS {
        return Err(unauthorized("The Zendesk report was signed more than five minutes from now; it is not taken."));
    }
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    if !signing::hmac_base64_matches(secret, &message, signature) {
        return Err(unauthorized("The Zendesk signature does not match the webhook's signing secret."));
    }
    Ok(())
}

/// Checks the shared secret Freshdesk's and JSM's automations send.
pub fn verify_shared_secret(expected: &str, given: Option<&str>) -> Result<(), ApiError> {
    match given {
        Some(given) if signing::same_secret(expected.as_bytes(), given.trim().as_bytes()) => Ok(()),
        Some(_) => Err(unauthorized(&format!("{SECRET_HEADER} does not match the secret set for this helpdesk."))),
        None => Err(unauthorized(&format!("The report has no {SECRET_HEADER} header; add it to the automation."))),
    }
}

/// The fields of the Zendesk template: the ticket's id, external id and status, and its latest public
/// comment with its author and time.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ZendeskReport {
    ticket_id: String,
    external_id: String,
    status: String,
    author: String,
    created_at: String,
    comment: String,
}

const ZENDESK_FIELDS: [&str; 6] = ["ticket_id", "external_id", "status", "author", "created_at", "comment"];

/// A report from the Zendesk template.
pub fn zendesk(body: &[u8]) -> Result<AgentEvent, ApiError> {
    let report: ZendeskReport = parse_body(body, &ZENDESK_FIELDS, MAX_EVENT_BYTES, "Zendesk report")?;
    let ticket = match (report.external_id.trim(), report.ticket_id.trim()) {
        (number, _) if !number.is_empty() => TicketRef::Number(number.to_ascii_uppercase()),
        (_, id) if !id.is_empty() => TicketRef::Helpdesk(id.to_owned()),
        _ => return Err(missing("external_id", "Zendesk's {{ticket.external_id}} or {{ticket.id}}")),
    };
    // Zendesk's own statuses, which custom statuses belong to; named in the account's language, so
    // the template sends them in English through `{{ticket.status}}`.
    let status = match report.status.trim().to_ascii_lowercase().as_str() {
        "" => None,
        "new" | "open" => Some(TicketStatus::Open),
        "pending" | "on-hold" | "hold" | "on hold" => Some(TicketStatus::Pending),
        "solved" => Some(TicketStatus::Solved),
        "closed" => Some(TicketStatus::Closed),
        other => {
            return Err(ApiError::for_field(
                422,
                "invalid_value",
                "status",
                format!("{other:?} is not a Zendesk status: new, open, pending, on-hold, solved or closed."),
            ));
        }
    };
    let identity = format!("zendesk {} {} {}", report.ticket_id.trim(), report.created_at.trim(), report.comment);
    event(ticket, status, reply(&report.comment, &report.author, &identity)?)
}

/// The fields of the Freshdesk template.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FreshdeskReport {
    ticket_id: String,
    status: String,
    author: String,
    comment: String,
}

const FRESHDESK_FIELDS: [&str; 4] = ["ticket_id", "status", "author", "comment"];

/// A report from the Freshdesk template. Freshdesk's statuses, and custom ones as open.
pub fn freshdesk(body: &[u8]) -> Result<AgentEvent, ApiError> {
    let report: FreshdeskReport = parse_body(body, &FRESHDESK_FIELDS, MAX_EVENT_BYTES, "Freshdesk report")?;
    let id = report.ticket_id.trim();
    if id.is_empty() {
        return Err(missing("ticket_id", "Freshdesk's {{ticket.id}}"));
    }
    let status = match report.status.trim().to_ascii_lowercase().as_str() {
        "" => None,
        "resolved" => Some(TicketStatus::Solved),
        "closed" => Some(TicketStatus::Closed),
        "pending" | "waiting on customer" | "waiting on third party" => Some(TicketStatus::Pending),
        _ => Some(TicketStatus::Open),
    };
    let identity = format!("freshdesk {id} {}", report.comment);
    event(TicketRef::Helpdesk(id.to_owned()), status, reply(&report.comment, &report.author, &identity)?)
}

/// The fields of the JSM template: smart values from the issue and the comment that fired the rule.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JiraReport {
    issue: String,
    status: String,
    status_category: String,
    comment_id: String,
    author: String,
    comment: String,
    /// `{{comment.internal}}`: "true" for an internal note.
    internal: serde_json::Value,
}

const JIRA_FIELDS: [&str; 7] = ["issue", "status", "status_category", "comment_id", "author", "comment", "internal"];

/// A report from the JSM template. Workflows name their statuses freely, so the status category
/// decides what is solved, and the name what waits for the customer.
pub fn jira(body: &[u8]) -> Result<AgentEvent, ApiError> {
    let report: JiraReport = parse_body(body, &JIRA_FIELDS, MAX_EVENT_BYTES, "JSM report")?;
    let key = report.issue.trim();
    if key.is_empty() {
        return Err(missing("issue", "JSM's {{issue.key}}"));
    }
    let name = report.status.trim().to_ascii_lowercase();
    let status = match (name.as_str(), report.status_category.trim()) {
        ("", "") => None,
        ("closed" | "canceled" | "cancelled", _) => Some(TicketStatus::Closed),
        (_, "done") => Some(TicketStatus::Solved),
        (name, _) if name.contains("customer") || name.contains("pending") => Some(TicketStatus::Pending),
        _ => Some(TicketStatus::Open),
    };
    let internal = match &report.internal {
        serde_json::Value::Bool(internal) => *internal,
        serde_json::Value::String(text) => text.trim().eq_ignore_ascii_case("true"),
        _ => false,
    };
    let identity = match report.comment_id.trim() {
        "" => format!("jira {key} {}", report.comment),
        id => format!("jira {key} comment {id}"),
    };
    // Internal notes never reach the customer; the status they came with still counts.
    let reply = if internal { None } else { reply(&report.comment, &report.author, &identity)? };
    event(TicketRef::Helpdesk(key.to_owned()), status, reply)
}

/// The longest message a helpdesk may attach to a change of status.
pub const MAX_PROGRESS_MESSAGE_CHARS: usize = 2_000;

/// A report from the webhook backend, about ticket `number` (signed, on its path).
pub fn webhook(number: &str, report: TicketEvent) -> Result<AgentEvent, ApiError> {
    let message = optional("message", report.message, MAX_PROGRESS_MESSAGE_CHARS)?;
    let status = match report.status.trim() {
        "" => None,
        status => Some(crate::lifecycle::reported_status(status)?),
    };
    let body = report.reply.unwrap_or_default();
    let identity = match report.reply_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => format!("webhook {number} {id}"),
        _ => format!("webhook {number} {body}"),
    };
    let reply = reply(&body, report.author.as_deref().unwrap_or(""), &identity)?;
    let event = event(TicketRef::Number(number.to_ascii_uppercase()), status, reply)?;
    Ok(AgentEvent { message: message.filter(|_| status.is_some()), ..event })
}

/// The reply a report carries, if any: without control characters, within the limits, and never one of
/// the customer's own replies coming back (every one ends with its marker line). An agent's reply that
/// quotes one, with the marker inside, is the agent's.
fn reply(body: &str, author: &str, identity: &str) -> Result<Option<AgentReply>, ApiError> {
    let body = without_controls(body);
    let body = body.trim();
    let last_line = body.lines().last().unwrap_or_default().trim();
    let echoed = last_line.starts_with("— sent from the support widget [ED-") && last_line.ends_with(']');
    if body.is_empty() || echoed {
        return Ok(None);
    }
    check_length("comment", body, MAX_AGENT_REPLY_CHARS)?;
    let author = without_controls(author);
    let author = author.trim();
    check_length("author", author, MAX_AUTHOR_CHARS)?;
    Ok(Some(AgentReply {
        key: signing::hmac_hex(b"edgedesk agent reply", identity.as_bytes()),
        author: (!author.is_empty()).then(|| author.to_owned()),
        body: body.to_owned(),
    }))
}

fn event(ticket: TicketRef, status: Option<TicketStatus>, reply: Option<AgentReply>) -> Result<AgentEvent, ApiError> {
    if status.is_none() && reply.is_none() {
        return Err(ApiError::new(
            400,
            "nothing_reported",
            "The report has neither a status nor a public reply; check the template's fields.",
        ));
    }
    Ok(AgentEvent { ticket, status, reply, message: None })
}

fn missing(field: &str, placeholder: &str) -> ApiError {
    ApiError::for_field(
        400,
        "required",
        field,
        format!("`{field}` is required: the template fills it with {placeholder}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zendesk_signatures_are_checked_as_zendesk_documents_them() {
        let body = br#"{"external_id":"ED-AB12-CD34","status":"Solved"}"#;
        let timestamp = "2026-12-01T10:00:00Z";
        let now = parse_time(timestamp).unwrap();
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        let signature = signing::hmac_base64(b"zd-secret", &message);
        let verify = |signature: Option<&str>, timestamp: Option<&str>, body: &[u8], now: i64| {
            verify_zendesk(b"zd-secret", signature, timestamp, body, now)
        };
        assert!(verify(Some(&signature), Some(timestamp), body, now + 60).is_ok());
        assert!(verify(Some(&signature), Some(timestamp), body, now + TOLERANCE_SECONDS + 1).is_err(), "too old");
        assert!(
            verify(Some(&signature), Some(timestamp), br#"{"external_id":"ED-AB12-CD34","status":"Open"}"#, now)
                .is_err()
        );
        assert!(verify(Some(&signature), Some("2026-12-01T10:00:01Z"), body, now).is_err());
        assert!(verify(None, Some(timestamp), body, now).is_err());
        assert_eq!(verify(Some("!!"), Some(timestamp), body, now).unwrap_err().status, 401);
    }

    #[test]
    fn shared_secrets_must_match() {
        assert!(verify_shared_secret("s3cret-0123456789", Some("s3cret-0123456789")).is_ok());
        assert!(verify_shared_secret("s3cret-0123456789", Some("s3cret-012345678")).is_err());
        assert!(verify_shared_secret("s3cret-0123456789", None).is_err());
    }

    #[test]
    fn each_template_reads_into_one_event() {
        let zendesk = zendesk(br#"{"ticket_id":"35001","external_id":"ed-ab12-cd34","status":"Pending","author":"Ana","created_at":"Dec 1","comment":"Try again now."}"#).unwrap();
        assert_eq!(zendesk.ticket, TicketRef::Number("ED-AB12-CD34".into()));
        assert_eq!(zendesk.status, Some(TicketStatus::Pending));
        let reply = zendesk.reply.unwrap();
        assert_eq!((reply.author.as_deref(), reply.body.as_str()), (Some("Ana"), "Try again now."));

        let freshdesk = freshdesk(br#"{"ticket_id":"12","status":"Resolved","author":"","comment":""}"#).unwrap();
        assert_eq!(
            (freshdesk.ticket, freshdesk.status, freshdesk.reply),
            (TicketRef::Helpdesk("12".into()), Some(TicketStatus::Solved), None)
        );

        let internal = jira(br#"{"issue":"SD-4","status":"Waiting for customer","status_category":"indeterminate","comment_id":"100","author":"Bo","comment":"only for agents","internal":"true"}"#).unwrap();
        assert_eq!((internal.status, internal.reply), (Some(TicketStatus::Pending), None));
        let public = jira(br#"{"issue":"SD-4","status":"Resolved","status_category":"done","comment_id":"101","author":"Bo","comment":"Fixed.","internal":false}"#).unwrap();
        assert_eq!(public.status, Some(TicketStatus::Solved));
        assert_eq!(public.reply.unwrap().body, "Fixed.");

        let event = TicketEvent {
            status: "".into(),
            reply: Some("Hello".into()),
            reply_id: Some("c1".into()),
            ..TicketEvent::default()
        };
        assert_eq!(webhook("ED-AB12-CD34", event).unwrap().reply.unwrap().body, "Hello");
    }

    #[test]
    fn the_same_reply_has_the_same_key_and_another_reply_another() {
        let first = |comment: &str| {
            let body = format!(r#"{{"issue":"SD-4","comment_id":"{comment}","comment":"Same words"}}"#);
            jira(body.as_bytes()).unwrap().reply.unwrap().key
        };
        assert_eq!(first("100"), first("100"));
        assert_ne!(first("100"), first("101"));
    }

    #[test]
    fn bad_reports_are_refused_and_name_the_field() {
        assert_eq!(zendesk(br#"{"status":"Open"}"#).unwrap_err().field.as_deref(), Some("external_id"));
        assert_eq!(zendesk(br#"{"external_id":"ED-AB12-CD34","status":"Sleeping"}"#).unwrap_err().status, 422);
        assert_eq!(freshdesk(br#"{"ticket_id":"1","colour":"red"}"#).unwrap_err().field.as_deref(), Some("colour"));
        assert_eq!(freshdesk(br#"{"ticket_id":"1"}"#).unwrap_err().code, "nothing_reported");
        assert_eq!(jira(b"not json").unwrap_err().code, "invalid_json");
        assert_eq!(jira(br#"{"issue":4}"#).unwrap_err().field.as_deref(), Some("issue"));
        let long = format!(r#"{{"ticket_id":"1","comment":"{}"}}"#, "x".repeat(MAX_AGENT_REPLY_CHARS + 1));
        assert_eq!(freshdesk(long.as_bytes()).unwrap_err().code, "too_long");
        // The customer's own reply, echoed back by an automation, is not an agent's.
        let echo =
            br#"{"ticket_id":"1","comment":"Thanks\n\n\u2014 sent from the support widget [ED-AB12-CD34 reply 3]"}"#;
        assert_eq!(freshdesk(echo).unwrap_err().code, "nothing_reported");
        // An agent who quotes it, and answers below, is heard.
        let quoted = br#"{"ticket_id":"1","comment":"> Thanks\n> \u2014 sent from the support widget [ED-AB12-CD34 reply 3]\n\nYou are welcome."}"#;
        let reply = freshdesk(quoted).unwrap().reply.unwrap();
        assert!(reply.body.ends_with("You are welcome."), "{}", reply.body);
    }
}
