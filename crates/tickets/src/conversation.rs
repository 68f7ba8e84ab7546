//! A ticket's conversation after it is filed, from the customer's side: what a reply must be, when a
//! ticket still takes one, and the request that puts it on the helpdesk's ticket as a comment, exactly
//! once. What the helpdesk sends back (agents' replies, status changes) is `inbound`.
//!
//! Exactly once without an idempotency key on any comment API: every reply carries a marker with its
//! ticket number and id, and an attempt that may repeat an earlier one first lists the ticket's comments
//! and looks for it (Zendesk's list is read before every attempt, since it also names the requester,
//! whom the comment is written as).

use edgedesk_protocol::api::{ApiError, TicketReply, TicketStatus};
use edgedesk_protocol::attachment::MAX_ATTACHMENTS;
use edgedesk_protocol::ticket::{check_length, is_attachment_id, without_controls};
use edgedesk_search::text::escape_html;
use serde_json::json;

use crate::accept::Attachment;
use crate::helpdesk::{Backend, Method, Outcome, OutgoingRequest, backoff, basic, classify};
use crate::signing;

/// A reply is as long as a first message may be.
pub const MAX_REPLY_CHARS: usize = edgedesk_protocol::ticket::MAX_MESSAGE_CHARS;
/// How long a solved ticket takes replies (which reopen it) unless `REOPEN_DAYS` says otherwise.
pub const DEFAULT_REOPEN_DAYS: u32 = 7;
const DAY: i64 = 86_400;

/// A customer's reply, checked: trimmed text without control characters, and attachment ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReply {
    pub body: String,
    pub attachments: Vec<String>,
}

/// Checks a reply's text and attachment ids, naming the field at fault.
pub fn check_reply(reply: &TicketReply) -> Result<CheckedReply, ApiError> {
    let body = without_controls(&reply.body);
    let body = body.trim();
    if body.is_empty() && reply.attachments.is_empty() {
        return Err(ApiError::for_field(400, "required", "body", "Write a reply, or attach a file."));
    }
    check_length("body", body, MAX_REPLY_CHARS)?;
    if reply.attachments.len() > MAX_ATTACHMENTS {
        return Err(ApiError::for_field(
            400,
            "too_many_attachments",
            "attachments",
            format!("A reply takes at most {MAX_ATTACHMENTS} attachments, not {}.", reply.attachments.len()),
        ));
    }
    if let Some(bad) = reply.attachments.iter().find(|id| !is_attachment_id(id)) {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "attachments",
            format!("{bad:?} is not an attachment id from POST /api/attachments."),
        ));
    }
    Ok(CheckedReply { body: body.to_owned(), attachments: reply.attachments.clone() })
}

/// Whether a ticket takes a customer's reply now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWindow {
    /// Open: the reply joins the conversation.
    Open,
    /// Solved a short while ago: the reply reopens it.
    Reopens,
    /// Closed, or solved too long ago: read-only; a new ticket quotes this one.
    Ended,
}

/// Whether a ticket in `status`, solved at `solved_at` (Unix seconds) if it is, takes a reply at `now`
/// when replies reopen a solved ticket for `reopen_days`.
pub fn reply_window(status: TicketStatus, solved_at: Option<i64>, now: i64, reopen_days: u32) -> ReplyWindow {
    match status {
        TicketStatus::Received | TicketStatus::Delivered | TicketStatus::Open | TicketStatus::Pending => {
            ReplyWindow::Open
        }
        // Solved before edgedesk kept the moment (`solved_at`): as good as long ago.
        TicketStatus::Solved if solved_at.is_some_and(|at| now < reply_until(at, reopen_days)) => ReplyWindow::Reopens,
        TicketStatus::Solved | TicketStatus::Closed => ReplyWindow::Ended,
    }
}

/// When a ticket solved at `solved_at` stops taking replies.
pub fn reply_until(solved_at: i64, reopen_days: u32) -> i64 {
    solved_at + i64::from(reopen_days) * DAY
}

/// The status a ticket has after the customer replied: a solved one is open again.
pub fn after_reply(status: TicketStatus) -> TicketStatus {
    match status {
        TicketStatus::Solved => TicketStatus::Open,
        other => other,
    }
}

/// The answer to a reply the ticket no longer takes.
pub fn ended(number: &str) -> ApiError {
    ApiError::new(
        409,
        "ticket_closed",
        format!("{number} is closed and takes no more replies; write a new ticket and quote {number} in it."),
    )
}

/// `REOPEN_DAYS`: how many days a solved ticket takes replies, a whole number (0 turns reopening off).
pub fn reopen_days(setting: Option<String>) -> Result<u32, String> {
    match setting.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
        None => Ok(DEFAULT_REOPEN_DAYS),
        Some(value) => value.parse().map_err(|_| format!("REOPEN_DAYS must be a whole number of days, not {value:?}")),
    }
}

/// A customer's reply on its way to the helpdesk.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingReply<'a> {
    pub number: &'a str,
    /// The reply's id in D1: with the number, what finds it again at the helpdesk.
    pub id: i64,
    pub body: &'a str,
    pub attachments: &'a [Attachment],
    /// RFC 3339, when the customer sent it.
    pub at: &'a str,
    /// The reply reopened a solved ticket: the helpdesk is told to reopen it too, where a comment does
    /// not (Freshdesk, JSM).
    pub reopens: bool,
}

impl OutgoingReply<'_> {
    /// The line every comment ends with, which a lookup finds: `[ED-AB12-CD34 reply 7]`.
    pub fn marker(&self) -> String {
        format!("[{} reply {}]", self.number, self.id)
    }

    /// The reply as plain text: the customer's words, their attachments' links, the marker.
    fn plain(&self) -> String {
        let mut lines = vec![self.body.to_owned()];
        for attachment in self.attachments {
            lines.push(format!("Attachment: {} ({}) {}", attachment.name, attachment.media_type, attachment.url));
        }
        lines.push(format!("— sent from the support widget {}", self.marker()));
        lines.join("\n\n")
    }

    /// As HTML for Freshdesk: every character escaped, line breaks as `<br>`.
    fn html(&self) -> String {
        let mut html = String::from("<div>");
        for (index, line) in self.plain().split('\n').enumerate() {
            if index > 0 {
                html.push_str("<br>");
            }
            escape_html(line, &mut html);
        }
        html.push_str("</div>");
        html
    }

    /// As Jira wiki markup: the text in a `{noformat}` block nothing can close early.
    fn wiki(&self) -> String {
        format!("{{noformat}}\n{}\n{{noformat}}", self.plain().replace('{', "{ "))
    }
}

/// Comments asked for per page: the most each helpdesk's list gives at once.
pub const COMMENTS_PER_PAGE: u32 = 100;
/// Pages of comments read before an attempt at most. A reply not found in the first 5,000 comments is
/// sent: a ticket that long is one no customer's widget conversation reaches.
pub const MAX_COMMENT_PAGES: u32 = 50;

/// A helpdesk's answer to a comment list request.
#[derive(Debug, Clone, Copy)]
pub struct ListAnswer<'a> {
    pub status: u16,
    pub retry_after: Option<&'a str>,
    /// The `Link` header: Freshdesk names the next page there, and only there.
    pub link: Option<&'a str>,
    pub body: &'a str,
}

/// What the comment lookup before an attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyLookup {
    /// The helpdesk already has the reply: an earlier attempt's answer was lost.
    Sent,
    /// It does not: send it, written as this requester where the helpdesk names one (Zendesk).
    Absent { requester: Option<String> },
    /// Not on this page, and the helpdesk has more: ask for the page at `next` (a page number, or
    /// JSM's start index), keeping `requester`, which only the first page names.
    More { requester: Option<String>, next: u32 },
    /// The lookup itself failed: this instead of sending.
    Failed(Outcome),
}

impl Backend {
    /// The request that lists the comments of the helpdesk's ticket `backend_id`, before an attempt that
    /// may repeat an earlier one (`tried_before`), and before every Zendesk attempt, whose answer names
    /// the requester the comment is written as. `None` for the webhook, whose contract is the
    /// idempotency key. `page` is where the list starts: `0`, or the `next` of [`ReplyLookup::More`].
    pub fn reply_lookup(&self, backend_id: &str, tried_before: bool, page: u32) -> Option<OutgoingRequest> {
        let get = |url: String, authorization: String| OutgoingRequest {
            method: Method::Get,
            url,
            headers: vec![("Authorization".into(), authorization)],
            body: String::new(),
        };
        let id = path_safe(backend_id);
        match self {
            Backend::Webhook { .. } => None,
            Backend::Zendesk { base_url, email, token } => Some(get(
                format!(
                    "{}/api/v2/tickets/{id}/comments.json?per_page={COMMENTS_PER_PAGE}&page={}",
                    base_url.trim_end_matches('/'),
                    page.max(1)
                ),
                basic(&format!("{email}/token"), token),
            )),
            Backend::Freshdesk { base_url, api_key } => tried_before.then(|| {
                get(
                    format!(
                        "{}/api/v2/tickets/{id}/conversations?per_page={COMMENTS_PER_PAGE}&page={}",
                        base_url.trim_end_matches('/'),
                        page.max(1)
                    ),
                    basic(api_key, "X"),
                )
            }),
            Backend::JiraServiceManagement { base_url, email, token, .. } => tried_before.then(|| {
                get(
                    format!(
                        "{}/rest/servicedeskapi/request/{id}/comment?start={page}&limit={COMMENTS_PER_PAGE}&expand=attachment",
                        base_url.trim_end_matches('/')
                    ),
                    basic(email, token),
                )
            }),
        }
    }

    /// What the comment list's page at `page` says: the reply is there, is not (and who the requester
    /// is), may be on the next page, or the lookup failed. `requester` is what earlier pages named.
    pub fn reply_found(
        &self,
        answer: &ListAnswer<'_>,
        reply: &OutgoingReply<'_>,
        attempt: u32,
        page: u32,
        requester: Option<String>,
    ) -> ReplyLookup {
        let ListAnswer { status, retry_after, link, body } = *answer;
        if !(200..=299).contains(&status) {
            return ReplyLookup::Failed(classify(status, retry_after, body, attempt));
        }
        let Some((pointer, text_fields)) = self.comment_list_shape() else {
            return ReplyLookup::Absent { requester: None };
        };
        let answer: Option<serde_json::Value> = serde_json::from_str(body).ok();
        let Some(comments) =
            answer.as_ref().and_then(|answer| answer.pointer(pointer)).and_then(|list| list.as_array())
        else {
            return ReplyLookup::Failed(Outcome::Retry {
                after_seconds: backoff(attempt),
                reason: "the helpdesk's comment list is not a list".to_owned(),
            });
        };
        let marker = reply.marker();
        let sent = comments.iter().any(|comment| {
            text_fields.iter().any(|field| {
                comment.get(*field).and_then(|text| text.as_str()).is_some_and(|text| text.contains(&marker))
            })
        });
        if sent {
            return ReplyLookup::Sent;
        }
        // Zendesk makes the requester the author of a ticket's first comment.
        let requester = match self {
            Backend::Zendesk { .. } if requester.is_none() => {
                comments.first().and_then(|first| first.get("author_id")).and_then(|id| match id {
                    serde_json::Value::Number(id) => Some(id.to_string()),
                    serde_json::Value::String(id) => Some(id.clone()),
                    _ => None,
                })
            }
            _ => requester,
        };
        match self.next_comment_page(answer.as_ref(), link, comments.len(), page) {
            Some(next) => ReplyLookup::More { requester, next },
            None => ReplyLookup::Absent { requester },
        }
    }

    /// The request that adds `reply` to the helpdesk's ticket `backend_id` as the customer's public
    /// comment: a Zendesk ticket update written as the requester, a Freshdesk public incoming note, a JSM
    /// public comment, or a signed `ticket.reply` event to the webhook.
    pub fn reply_request(
        &self,
        backend_id: &str,
        reply: &OutgoingReply<'_>,
        requester: Option<&str>,
        now: i64,
    ) -> OutgoingRequest {
        let content_type = ("Content-Type".to_owned(), "application/json".to_owned());
        let id = path_safe(backend_id);
        match self {
            Backend::Webhook { url, secret } => {
                let body = json!({
                    "type": "ticket.reply",
                    "ticket": reply.number,
                    "reply": {
                        "id": reply.id,
                        "body": reply.body,
                        "attachments": reply.attachments,
                        "at": reply.at,
                    },
                    "reopens": reply.reopens,
                })
                .to_string();
                let signed =
                    signing::SignedRequest { method: "POST", path: signing::url_path(url), body: body.as_bytes() };
                let signature = signing::sign_request(secret.as_bytes(), signed, now);
                OutgoingRequest {
                    method: Method::Post,
                    url: url.clone(),
                    headers: vec![
                        content_type,
                        ("Idempotency-Key".to_owned(), format!("{}-R{}", reply.number, reply.id)),
                        (signing::SIGNATURE_HEADER.to_owned(), signature),
                    ],
                    body,
                }
            }
            Backend::Zendesk { base_url, email, token } => {
                // Written as the requester: a comment by the integration's agent would be mailed to the
                // customer as if support had said it.
                let mut comment = json!({ "body": reply.plain(), "public": true });
                if let Some(requester) = requester.and_then(|id| id.parse::<u64>().ok()) {
                    comment["author_id"] = json!(requester);
                }
                OutgoingRequest {
                    method: Method::Put,
                    url: format!("{}/api/v2/tickets/{id}.json", base_url.trim_end_matches('/')),
                    headers: vec![content_type, ("Authorization".into(), basic(&format!("{email}/token"), token))],
                    body: json!({ "ticket": { "comment": comment } }).to_string(),
                }
            }
            // A reply (`/reply`) is the agent's answer and is mailed to the customer; the customer's own
            // words are a public note marked incoming, as Freshdesk shows a requester's message.
            Backend::Freshdesk { base_url, api_key } => OutgoingRequest {
                method: Method::Post,
                url: format!("{}/api/v2/tickets/{id}/notes", base_url.trim_end_matches('/')),
                headers: vec![content_type, ("Authorization".into(), basic(api_key, "X"))],
                body: json!({ "body": reply.html(), "private": false, "incoming": true }).to_string(),
            },
            Backend::JiraServiceManagement { base_url, email, token, .. } => OutgoingRequest {
                method: Method::Post,
                url: format!("{}/rest/servicedeskapi/request/{id}/comment", base_url.trim_end_matches('/')),
                headers: vec![content_type, ("Authorization".into(), basic(email, token))],
                body: json!({ "body": reply.wiki(), "public": true }).to_string(),
            },
        }
    }
}

impl Backend {
    /// Before reopening a JSM request: the customer transitions its workflow offers now, among which the
    /// one that reopens it. `None` elsewhere.
    pub fn reopen_lookup(&self, backend_id: &str) -> Option<OutgoingRequest> {
        let Backend::JiraServiceManagement { base_url, email, token, .. } = self else { return None };
        Some(OutgoingRequest {
            method: Method::Get,
            url: format!(
                "{}/rest/servicedeskapi/request/{}/transition",
                base_url.trim_end_matches('/'),
                path_safe(backend_id)
            ),
            headers: vec![("Authorization".into(), basic(email, token))],
            body: String::new(),
        })
    }

    /// What reopens the helpdesk's ticket after a customer's reply reopened it here, where the comment
    /// alone does not: Freshdesk's ticket update to Open (2); JSM's customer transition named like
    /// "Reopen", from the lookup's `transitions` (a workflow without one reopens through JSM's own
    /// automation, or not at all). `None` for Zendesk, which reopens a solved ticket when its requester
    /// comments, and for the webhook, whose event says `reopens`.
    pub fn reopen_request(&self, backend_id: &str, transitions: Option<&str>) -> Option<OutgoingRequest> {
        let content_type = ("Content-Type".to_owned(), "application/json".to_owned());
        let id = path_safe(backend_id);
        match self {
            Backend::Zendesk { .. } | Backend::Webhook { .. } => None,
            Backend::Freshdesk { base_url, api_key } => Some(OutgoingRequest {
                method: Method::Put,
                url: format!("{}/api/v2/tickets/{id}", base_url.trim_end_matches('/')),
                headers: vec![content_type, ("Authorization".into(), basic(api_key, "X"))],
                body: json!({ "status": 2 }).to_string(),
            }),
            Backend::JiraServiceManagement { base_url, email, token, .. } => {
                let listed: serde_json::Value = serde_json::from_str(transitions?).ok()?;
                let reopen = listed.get("values")?.as_array()?.iter().find(|transition| {
                    transition.get("name").and_then(|name| name.as_str()).is_some_and(|name| {
                        let name = name.to_lowercase();
                        name.contains("reopen") || name.contains("re-open")
                    })
                })?;
                let transition_id = match reopen.get("id")? {
                    serde_json::Value::String(id) => id.clone(),
                    serde_json::Value::Number(id) => id.to_string(),
                    _ => return None,
                };
                Some(OutgoingRequest {
                    method: Method::Post,
                    url: format!("{}/rest/servicedeskapi/request/{id}/transition", base_url.trim_end_matches('/')),
                    headers: vec![content_type, ("Authorization".into(), basic(email, token))],
                    body: json!({ "id": transition_id }).to_string(),
                })
            }
        }
    }
}

impl Backend {
    /// Where a comment list answer holds its comments (a JSON pointer), and the fields a comment's text is
    /// in, preferred first; `None` for the webhook, which has no list.
    pub(crate) fn comment_list_shape(&self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Backend::Zendesk { .. } => Some(("/comments", &["plain_body", "body"])),
            Backend::Freshdesk { .. } => Some(("", &["body_text", "body"])),
            Backend::JiraServiceManagement { .. } => Some(("/values", &["body"])),
            Backend::Webhook { .. } => None,
        }
    }

    /// Where the comment list's next page starts after page `page` (`count` comments long), if it goes on
    /// and the lookup may read it. Each list says in its own way whether a page follows: Zendesk's
    /// `next_page`, JSM's `isLastPage`, Freshdesk's `Link` header with `rel="next"`.
    pub(crate) fn next_comment_page(
        &self,
        list: Option<&serde_json::Value>,
        link: Option<&str>,
        count: usize,
        page: u32,
    ) -> Option<u32> {
        let next = match self {
            Backend::Zendesk { .. } => list
                .and_then(|list| list.get("next_page"))
                .is_some_and(|next| next.as_str().is_some_and(|url| !url.is_empty()))
                .then(|| page.max(1) + 1),
            Backend::Freshdesk { .. } => {
                link.is_some_and(|link| link.contains("rel=\"next\"")).then(|| page.max(1) + 1)
            }
            Backend::JiraServiceManagement { .. } => {
                let last = list.and_then(|list| list.get("isLastPage")).and_then(|last| last.as_bool());
                (last == Some(false) && count > 0).then(|| page + count as u32)
            }
            Backend::Webhook { .. } => None,
        };
        next.filter(|next| match self {
            Backend::JiraServiceManagement { .. } => *next < MAX_COMMENT_PAGES * COMMENTS_PER_PAGE,
            _ => *next <= MAX_COMMENT_PAGES,
        })
    }
}

/// A helpdesk's id as one URL path segment: the ids helpdesks give are digits or keys such as `SD-7`,
/// and anything else is dropped rather than let into the path.
fn path_safe(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS: i64 = 86_400;

    fn reply(body: &str, attachments: &[&str]) -> TicketReply {
        TicketReply {
            body: body.into(),
            attachments: attachments.iter().map(|id| id.to_string()).collect(),
            ..TicketReply::default()
        }
    }

    #[test]
    fn a_reply_needs_words_or_a_file_and_keeps_to_the_limits() {
        assert_eq!(check_reply(&reply("  Thanks!\r\n ", &[])).unwrap().body, "Thanks!");
        assert_eq!(check_reply(&reply("  ", &[])).unwrap_err().field.as_deref(), Some("body"));
        assert!(check_reply(&reply("", &["att-0123456789abcdef"])).is_ok());
        let long = "x".repeat(MAX_REPLY_CHARS + 1);
        assert_eq!(check_reply(&reply(&long, &[])).unwrap_err().code, "too_long");
        let four = ["att-0123456789abcdef"; 4];
        assert_eq!(check_reply(&reply("x", &four)).unwrap_err().code, "too_many_attachments");
        assert_eq!(check_reply(&reply("x", &["../etc/passwd"])).unwrap_err().field.as_deref(), Some("attachments"));
    }

    #[test]
    fn solved_tickets_take_replies_for_a_while_and_closed_ones_never() {
        let solved_at = 1_000 * DAYS;
        let window = |status, now| reply_window(status, Some(solved_at), now, 7);
        assert_eq!(window(TicketStatus::Pending, solved_at), ReplyWindow::Open);
        assert_eq!(window(TicketStatus::Received, solved_at), ReplyWindow::Open);
        assert_eq!(window(TicketStatus::Solved, solved_at + 7 * DAYS - 1), ReplyWindow::Reopens);
        assert_eq!(window(TicketStatus::Solved, solved_at + 7 * DAYS), ReplyWindow::Ended);
        assert_eq!(window(TicketStatus::Closed, solved_at), ReplyWindow::Ended);
        assert_eq!(reply_window(TicketStatus::Solved, Some(solved_at), solved_at, 0), ReplyWindow::Ended);
        assert_eq!(reply_window(TicketStatus::Solved, None, solved_at, 7), ReplyWindow::Ended);
        assert_eq!(after_reply(TicketStatus::Solved), TicketStatus::Open);
        assert_eq!(after_reply(TicketStatus::Pending), TicketStatus::Pending);
        assert_eq!(reopen_days(None), Ok(DEFAULT_REOPEN_DAYS));
        assert_eq!(reopen_days(Some("14".into())), Ok(14));
        assert!(reopen_days(Some("a week".into())).unwrap_err().contains("REOPEN_DAYS"));
        assert!(ended("ED-AB12-CD34").message.contains("quote ED-AB12-CD34"));
    }

    fn backends() -> [Backend; 4] {
        [
            Backend::Webhook { url: "https://hooks.acme.test/t".into(), secret: "s".into() },
            Backend::Zendesk { base_url: "https://z.test".into(), email: "bot@acme.test".into(), token: "t".into() },
            Backend::Freshdesk { base_url: "https://f.test".into(), api_key: "k".into() },
            Backend::JiraServiceManagement {
                base_url: "https://j.test".into(),
                email: "bot@acme.test".into(),
                token: "t".into(),
                service_desk_id: "1".into(),
                request_type_id: "10".into(),
            },
        ]
    }

    const HOSTILE: &str = "<img src=x onerror=alert(1)> {noformat}[x|javascript:alert(1)]";

    fn listed<'a>(status: u16, retry_after: Option<&'a str>, body: &'a str) -> ListAnswer<'a> {
        ListAnswer { status, retry_after, link: None, body }
    }

    fn outgoing() -> OutgoingReply<'static> {
        OutgoingReply {
            number: "ED-AB12-CD34",
            id: 7,
            body: HOSTILE,
            attachments: &[],
            at: "2026-12-01T10:00:00Z",
            reopens: false,
        }
    }

    #[test]
    fn each_helpdesk_gets_the_reply_as_a_public_comment_in_its_own_format() {
        let [webhook, zendesk, freshdesk, jira] = backends();
        let reply = outgoing();

        let request = zendesk.reply_request("35001", &reply, Some("9001"), 0);
        assert_eq!((request.method, request.url.as_str()), (Method::Put, "https://z.test/api/v2/tickets/35001.json"));
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["ticket"]["comment"]["public"], true);
        assert_eq!(body["ticket"]["comment"]["author_id"], 9001);
        assert!(body["ticket"]["comment"]["body"].as_str().unwrap().ends_with("[ED-AB12-CD34 reply 7]"));

        let request = freshdesk.reply_request("12", &reply, None, 0);
        assert_eq!(request.url, "https://f.test/api/v2/tickets/12/notes");
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!((body["private"].clone(), body["incoming"].clone()), (json!(false), json!(true)));
        let html = body["body"].as_str().unwrap();
        assert!(html.contains("&lt;img src=x") && !html.contains("<img"), "{html}");

        let request = jira.reply_request("SD-4", &reply, None, 0);
        assert_eq!(request.url, "https://j.test/rest/servicedeskapi/request/SD-4/comment");
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        let wiki = body["body"].as_str().unwrap();
        assert!(
            wiki.starts_with("{noformat}\n")
                && wiki.ends_with("\n{noformat}")
                && wiki.matches("{noformat}").count() == 2,
            "{wiki}"
        );

        let request = webhook.reply_request("", &reply, None, 1_795_000_000);
        assert!(request.headers.contains(&("Idempotency-Key".into(), "ED-AB12-CD34-R7".into())));
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!((body["type"].as_str(), body["reply"]["body"].as_str()), (Some("ticket.reply"), Some(HOSTILE)));

        // A helpdesk id never reaches the path as anything but one segment.
        assert_eq!(
            jira.reply_request("SD-4/../../admin", &reply, None, 0).url,
            "https://j.test/rest/servicedeskapi/request/SD-4admin/comment"
        );
    }

    #[test]
    fn a_repeated_attempt_finds_the_reply_it_may_have_sent() {
        let [webhook, zendesk, freshdesk, jira] = backends();
        let reply = outgoing();
        assert!(webhook.reply_lookup("1", true, 0).is_none());
        assert!(zendesk.reply_lookup("1", false, 0).is_some(), "Zendesk's list names the requester");
        assert!(freshdesk.reply_lookup("1", false, 0).is_none() && freshdesk.reply_lookup("1", true, 0).is_some());
        assert!(
            jira.reply_lookup("SD-1", true, 0)
                .unwrap()
                .url
                .ends_with("/rest/servicedeskapi/request/SD-1/comment?start=0&limit=100&expand=attachment")
        );

        let comments = r#"{"comments":[{"id":1,"author_id":9001,"body":"first"},{"id":2,"author_id":5,"body":"ok"}]}"#;
        assert_eq!(
            zendesk.reply_found(&listed(200, None, comments), &reply, 1, 0, None),
            ReplyLookup::Absent { requester: Some("9001".into()) }
        );
        let sent =
            r#"{"comments":[{"author_id":9001,"body":"x\n\n— sent from the support widget [ED-AB12-CD34 reply 7]"}]}"#;
        assert_eq!(zendesk.reply_found(&listed(200, None, sent), &reply, 2, 0, None), ReplyLookup::Sent);
        let other = r#"[{"body_text":"[ED-AB12-CD34 reply 70]"}]"#;
        assert_eq!(
            freshdesk.reply_found(&listed(200, None, other), &reply, 2, 0, None),
            ReplyLookup::Absent { requester: None }
        );
        assert_eq!(
            freshdesk.reply_found(
                &listed(200, None, r#"[{"body_text":"— [ED-AB12-CD34 reply 7]"}]"#),
                &reply,
                2,
                0,
                None
            ),
            ReplyLookup::Sent
        );
        assert_eq!(
            jira.reply_found(
                &listed(200, None, r#"{"values":[{"body":"[ED-AB12-CD34 reply 7]"}]}"#),
                &reply,
                2,
                0,
                None
            ),
            ReplyLookup::Sent
        );
        assert!(matches!(
            jira.reply_found(&listed(503, Some("5"), ""), &reply, 2, 0, None),
            ReplyLookup::Failed(Outcome::Retry { after_seconds: 5, .. })
        ));
        assert!(matches!(
            zendesk.reply_found(&listed(200, None, "<html>"), &reply, 2, 0, None),
            ReplyLookup::Failed(Outcome::Retry { .. })
        ));
    }

    #[test]
    fn the_lookup_reads_every_page_of_a_long_thread() {
        let [_, zendesk, freshdesk, jira] = backends();
        let reply = outgoing();
        assert!(zendesk.reply_lookup("1", false, 0).unwrap().url.ends_with("/comments.json?per_page=100&page=1"));
        assert!(zendesk.reply_lookup("1", false, 3).unwrap().url.ends_with("/comments.json?per_page=100&page=3"));
        assert!(freshdesk.reply_lookup("1", true, 2).unwrap().url.ends_with("/conversations?per_page=100&page=2"));
        assert!(
            jira.reply_lookup("SD-1", true, 250)
                .unwrap()
                .url
                .ends_with("/comment?start=250&limit=100&expand=attachment")
        );

        // Zendesk: the requester is the first page's first author, kept while later pages are read.
        let first = r#"{"comments":[{"author_id":9001,"body":"first"}],"next_page":"https://z.test/api/v2/tickets/1/comments.json?page=2"}"#;
        assert_eq!(
            zendesk.reply_found(&listed(200, None, first), &reply, 1, 0, None),
            ReplyLookup::More { requester: Some("9001".into()), next: 2 }
        );
        let last = r#"{"comments":[{"author_id":5,"body":"agent"}],"next_page":null}"#;
        assert_eq!(
            zendesk.reply_found(&listed(200, None, last), &reply, 1, 2, Some("9001".into())),
            ReplyLookup::Absent { requester: Some("9001".into()) }
        );

        // Freshdesk: a `Link` to the next page says there is one; its absence, that this was the last.
        let next = r#"<https://f.test/api/v2/tickets/1/conversations?page=2&per_page=100>; rel="next""#;
        let linked = ListAnswer { link: Some(next), ..listed(200, None, r#"[{"body_text":"x"}]"#) };
        assert_eq!(freshdesk.reply_found(&linked, &reply, 1, 0, None), ReplyLookup::More { requester: None, next: 2 });
        assert_eq!(
            freshdesk.reply_found(&listed(200, None, r#"[{"body_text":"x"}]"#), &reply, 1, 2, None),
            ReplyLookup::Absent { requester: None }
        );

        // JSM: the next start is after what this page gave, whatever page size the site allows.
        let page = r#"{"values":[{"body":"a"},{"body":"b"}],"start":0,"size":2,"isLastPage":false}"#;
        assert_eq!(
            jira.reply_found(&listed(200, None, page), &reply, 1, 0, None),
            ReplyLookup::More { requester: None, next: 2 }
        );
        let sent = r#"{"values":[{"body":"[ED-AB12-CD34 reply 7]"}],"isLastPage":false}"#;
        assert_eq!(jira.reply_found(&listed(200, None, sent), &reply, 1, 2, None), ReplyLookup::Sent);

        // The lookup stops somewhere: past the last page it reads, the reply is taken as absent.
        let endless = r#"{"comments":[{"author_id":5,"body":"x"}],"next_page":"more"}"#;
        assert_eq!(
            zendesk.reply_found(&listed(200, None, endless), &reply, 1, MAX_COMMENT_PAGES, Some("9".into())),
            ReplyLookup::Absent { requester: Some("9".into()) }
        );
    }

    #[test]
    fn a_reply_that_reopens_the_ticket_reopens_it_at_the_helpdesk_too() {
        let [webhook, zendesk, freshdesk, jira] = backends();
        assert!(zendesk.reopen_request("1", None).is_none(), "a requester's comment reopens a solved Zendesk ticket");
        assert!(webhook.reopen_request("", None).is_none() && webhook.reopen_lookup("").is_none());
        let reopen = freshdesk.reopen_request("12", None).unwrap();
        assert_eq!((reopen.method, reopen.url.as_str()), (Method::Put, "https://f.test/api/v2/tickets/12"));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&reopen.body).unwrap(), json!({ "status": 2 }));

        let lookup = jira.reopen_lookup("SD-4").unwrap();
        assert_eq!(lookup.url, "https://j.test/rest/servicedeskapi/request/SD-4/transition");
        let offered = r#"{"values":[{"id":"11","name":"Close"},{"id":"751","name":"Reopen issue"}],"isLastPage":true}"#;
        let reopen = jira.reopen_request("SD-4", Some(offered)).unwrap();
        assert_eq!((reopen.method, reopen.url.as_str()), (Method::Post, lookup.url.as_str()));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&reopen.body).unwrap(), json!({ "id": "751" }));
        assert!(jira.reopen_request("SD-4", Some(r#"{"values":[{"id":"11","name":"Close"}]}"#)).is_none());
        assert!(jira.reopen_request("SD-4", Some("<html>")).is_none());

        let reopening = OutgoingReply { reopens: true, ..outgoing() };
        let event: serde_json::Value =
            serde_json::from_str(&webhook.reply_request("", &reopening, None, 1_795_000_000).body).unwrap();
        assert_eq!(event["reopens"], true);
    }
}
