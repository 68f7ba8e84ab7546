//! A stored ticket on its way to the helpdesk: the requests each backend expects, and what to do with
//! each backend's answer.

use edgedesk_protocol::api::Urgency;
use serde_json::json;

use crate::accept::StoredTicket;
use crate::signing;

/// Where tickets go. Secrets come from Worker secrets, addresses from variables.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// A signed JSON POST to the team's own endpoint.
    Webhook {
        url: String,
        secret: String,
    },
    /// Zendesk's Tickets API, with an API token.
    Zendesk {
        base_url: String,
        email: String,
        token: String,
    },
    Freshdesk {
        base_url: String,
        api_key: String,
    },
    JiraServiceManagement {
        base_url: String,
        email: String,
        token: String,
        service_desk_id: String,
        request_type_id: String,
    },
}

/// An HTTP request for the platform to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// The ticket as plain text for helpdesks that take one description field.
fn description(ticket: &StoredTicket) -> String {
    let mut text = ticket.message.clone();
    if let Some(steps) = &ticket.steps_tried {
        text.push_str(&format!("\n\nAlready tried:\n{steps}"));
    }
    let context = &ticket.context;
    let mut lines =
        vec![format!("Ticket {} · topic {} · urgency {}", ticket.number, ticket.topic, ticket.urgency.name())];
    if ticket.priority {
        lines.push("Priority customer".into());
    }
    for (label, value) in [
        ("Product", &context.product),
        ("Page", &context.page_url),
        ("Came from", &context.referrer),
        ("App version", &context.app_version),
        ("Locale", &context.locale),
        ("Browser", &context.user_agent),
        ("During incident", &context.incident_id),
    ] {
        if let Some(value) = value {
            lines.push(format!("{label}: {value}"));
        }
    }
    if !context.articles_read.is_empty() {
        lines.push(format!("Read: {}", context.articles_read.join(", ")));
    }
    if !context.searches.is_empty() {
        lines.push(format!("Searched: {}", context.searches.join(" | ")));
    }
    for (key, value) in &ticket.customer {
        lines.push(format!("Customer {key}: {value}"));
    }
    for attachment in &ticket.attachments {
        lines.push(format!("Attachment: {} ({}) {}", attachment.name, attachment.media_type, attachment.url));
    }
    format!("{text}\n\n---\n{}", lines.join("\n"))
}

impl Backend {
    /// The backend the worker's settings choose: `DELIVERY_BACKEND` (`webhook`, `zendesk`, `freshdesk`,
    /// `jira`, or empty for none) with `DELIVERY_URL` and the secrets that backend needs. `None` keeps
    /// tickets in D1 only. A half-configured backend is an error naming what is missing.
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Result<Option<Backend>, String> {
        let kind = setting("DELIVERY_BACKEND").unwrap_or_default();
        let required = |name: &str| {
            setting(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or_else(|| format!("DELIVERY_BACKEND = \"{kind}\" needs {name} to be set"))
        };
        Ok(Some(match kind.trim() {
            "" | "none" => return Ok(None),
            "webhook" => Backend::Webhook { url: required("DELIVERY_URL")?, secret: required("WEBHOOK_SECRET")? },
            "zendesk" => Backend::Zendesk {
                base_url: required("DELIVERY_URL")?,
                email: required("HELPDESK_EMAIL")?,
                token: required("HELPDESK_TOKEN")?,
            },
            "freshdesk" => {
                Backend::Freshdesk { base_url: required("DELIVERY_URL")?, api_key: required("HELPDESK_TOKEN")? }
            }
            "jira" => Backend::JiraServiceManagement {
                base_url: required("DELIVERY_URL")?,
                email: required("HELPDESK_EMAIL")?,
                token: required("HELPDESK_TOKEN")?,
                service_desk_id: required("JIRA_SERVICE_DESK_ID")?,
                request_type_id: required("JIRA_REQUEST_TYPE_ID")?,
            },
            other => {
                return Err(format!("DELIVERY_BACKEND = \"{other}\" is not one of webhook, zendesk, freshdesk, jira"));
            }
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Webhook { .. } => "webhook",
            Backend::Zendesk { .. } => "zendesk",
            Backend::Freshdesk { .. } => "freshdesk",
            Backend::JiraServiceManagement { .. } => "jira",
        }
    }

    /// The request that creates `ticket` in this backend. Every request carries the ticket number as its
    /// idempotency key, so a retry after a lost answer never makes a second ticket there.
    pub fn request(&self, ticket: &StoredTicket, now: i64) -> OutgoingRequest {
        let json = |value: serde_json::Value| value.to_string();
        let idempotency = ("Idempotency-Key".to_owned(), ticket.number.clone());
        let content_type = ("Content-Type".to_owned(), "application/json".to_owned());
        match self {
            Backend::Webhook { url, secret } => {
                let body = json(json!({ "type": "ticket.created", "ticket": ticket }));
                let signature = signing::sign_request(secret.as_bytes(), body.as_bytes(), now);
                OutgoingRequest {
                    url: url.clone(),
                    headers: vec![content_type, idempotency, (signing::SIGNATURE_HEADER.to_owned(), signature)],
                    body,
                }
            }
            Backend::Zendesk { base_url, email, token } => OutgoingRequest {
                url: format!("{}/api/v2/tickets.json", base_url.trim_end_matches('/')),
                headers: vec![
                    content_type,
                    idempotency,
                    ("Authorization".into(), basic(&format!("{email}/token"), token)),
                ],
                body: json(json!({ "ticket": {
                    "subject": ticket.subject,
                    "comment": { "body": description(ticket) },
                    "requester": { "name": ticket.name, "email": ticket.email },
                    "priority": match (ticket.urgency, ticket.priority) {
                        (Urgency::Critical, _) => "urgent",
                        (Urgency::High, _) | (_, true) => "high",
                        (Urgency::Normal, false) => "normal",
                        (Urgency::Low, false) => "low",
                    },
                    "tags": ["edgedesk", ticket.topic.clone()],
                    "external_id": ticket.number,
                }})),
            },
            Backend::Freshdesk { base_url, api_key } => OutgoingRequest {
                url: format!("{}/api/v2/tickets", base_url.trim_end_matches('/')),
                headers: vec![content_type, idempotency, ("Authorization".into(), basic(api_key, "X"))],
                body: json(json!({
                    "subject": ticket.subject,
                    "description": description(ticket),
                    "email": ticket.email,
                    "name": ticket.name,
                    // Freshdesk: 1 low, 2 medium, 3 high, 4 urgent; status 2 open.
                    "priority": match (ticket.urgency, ticket.priority) {
                        (Urgency::Critical, _) => 4,
                        (Urgency::High, _) | (_, true) => 3,
                        (Urgency::Normal, false) => 2,
                        (Urgency::Low, false) => 1,
                    },
                    "status": 2,
                    "tags": ["edgedesk", ticket.topic.clone()],
                    "unique_external_id": ticket.number,
                })),
            },
            Backend::JiraServiceManagement { base_url, email, token, service_desk_id, request_type_id } => {
                OutgoingRequest {
                    url: format!("{}/rest/servicedeskapi/request", base_url.trim_end_matches('/')),
                    headers: vec![content_type, idempotency, ("Authorization".into(), basic(email, token))],
                    body: json(json!({
                        "serviceDeskId": service_desk_id,
                        "requestTypeId": request_type_id,
                        "raiseOnBehalfOf": ticket.email,
                        "requestFieldValues": { "summary": format!("[{}] {}", ticket.number, ticket.subject), "description": description(ticket) },
                    })),
                }
            }
        }
    }
}

/// What a delivery attempt's answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Created (or already there, for a repeated idempotency key); the backend's id when it gave one.
    Delivered { backend_id: Option<String> },
    /// Try again after this many seconds.
    Retry { after_seconds: u32, reason: String },
    /// The backend refused the ticket itself; retrying would not help. Parked for an operator.
    Refused { reason: String },
}

/// The first retry waits this long; each later one twice as long, up to [`MAX_BACKOFF_SECONDS`].
pub const FIRST_BACKOFF_SECONDS: u32 = 10;
pub const MAX_BACKOFF_SECONDS: u32 = 3600;

/// How long to wait before attempt `attempt` + 1 (attempts count from 1).
pub fn backoff(attempt: u32) -> u32 {
    FIRST_BACKOFF_SECONDS.saturating_mul(1 << attempt.saturating_sub(1).min(12)).min(MAX_BACKOFF_SECONDS)
}

/// Classifies a backend's answer. `retry_after` is the `Retry-After` header, in seconds or as an HTTP
/// date; a backend that asks us to wait is obeyed, within [`MAX_BACKOFF_SECONDS`].
pub fn classify(status: u16, retry_after: Option<&str>, body: &str, attempt: u32) -> Outcome {
    let waited = || {
        retry_after
            .and_then(|value| value.trim().parse::<u32>().ok())
            .map_or(backoff(attempt), |seconds| seconds.min(MAX_BACKOFF_SECONDS))
    };
    match status {
        200..=299 => Outcome::Delivered { backend_id: backend_id(body) },
        // A conflict on our idempotency key means the ticket is already there.
        409 => Outcome::Delivered { backend_id: backend_id(body) },
        408 | 425 | 429 | 500..=599 => {
            Outcome::Retry { after_seconds: waited(), reason: format!("the backend answered {status}") }
        }
        _ => Outcome::Refused {
            reason: format!(
                "the backend refused the ticket ({status}): {}",
                body.chars().take(300).collect::<String>()
            ),
        },
    }
}

/// The id a backend gave the ticket, from the usual places in its answer.
fn backend_id(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let candidates = [value.pointer("/ticket/id"), value.get("id"), value.get("issueKey"), value.get("key")];
    candidates.into_iter().flatten().find_map(|id| match id {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::tests::ticket;

    #[test]
    fn every_backend_gets_the_number_as_idempotency_key() {
        let backends = [
            Backend::Webhook { url: "https://hooks.acme.test/t".into(), secret: "s".into() },
            Backend::Zendesk {
                base_url: "https://acme.zendesk.com".into(),
                email: "bot@acme.test".into(),
                token: "t".into(),
            },
            Backend::Freshdesk { base_url: "https://acme.freshdesk.com".into(), api_key: "k".into() },
            Backend::JiraServiceManagement {
                base_url: "https://acme.atlassian.net".into(),
                email: "bot@acme.test".into(),
                token: "t".into(),
                service_desk_id: "1".into(),
                request_type_id: "10".into(),
            },
        ];
        for backend in backends {
            let request = backend.request(&ticket(), 1_795_000_000);
            assert!(request.headers.contains(&("Idempotency-Key".into(), "ED-AB12-CD34".into())), "{}", backend.name());
            assert!(request.body.contains("Double charge"), "{}", backend.name());
        }
    }

    #[test]
    fn webhooks_are_signed_and_zendesk_gets_its_format() {
        let webhook = Backend::Webhook { url: "https://hooks.acme.test/t".into(), secret: "s3cret".into() };
        let request = webhook.request(&ticket(), 1_795_000_000);
        let signature = &request.headers.iter().find(|(name, _)| name == signing::SIGNATURE_HEADER).unwrap().1;
        assert!(signing::verify_request(b"s3cret", Some(signature), request.body.as_bytes(), 1_795_000_100).is_ok());

        let zendesk = Backend::Zendesk {
            base_url: "https://acme.zendesk.com/".into(),
            email: "bot@acme.test".into(),
            token: "t0k".into(),
        };
        let request = zendesk.request(&ticket(), 0);
        assert_eq!(request.url, "https://acme.zendesk.com/api/v2/tickets.json");
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["ticket"]["priority"], "high");
        assert!(
            body["ticket"]["comment"]["body"].as_str().unwrap().contains("Already tried:\nChecked the invoice page")
        );
        // base64("bot@acme.test/token:t0k")
        assert!(request.headers.contains(&("Authorization".into(), "Basic Ym90QGFjbWUudGVzdC90b2tlbjp0MGs=".into())));
    }

    #[test]
    fn settings_choose_the_backend_and_name_what_is_missing() {
        let settings = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
        };
        assert_eq!(Backend::from_settings(settings(&[])), Ok(None));
        let webhook =
            settings(&[("DELIVERY_BACKEND", "webhook"), ("DELIVERY_URL", "https://h.test"), ("WEBHOOK_SECRET", "s")]);
        assert_eq!(Backend::from_settings(webhook).unwrap().unwrap().name(), "webhook");
        let error =
            Backend::from_settings(settings(&[("DELIVERY_BACKEND", "zendesk"), ("DELIVERY_URL", "https://z.test")]));
        assert!(error.unwrap_err().contains("HELPDESK_EMAIL"));
        assert!(Backend::from_settings(settings(&[("DELIVERY_BACKEND", "mail")])).unwrap_err().contains("mail"));
    }

    #[test]
    fn answers_decide_between_done_retry_and_parking() {
        assert_eq!(
            classify(201, None, r#"{"ticket":{"id":4711}}"#, 1),
            Outcome::Delivered { backend_id: Some("4711".into()) }
        );
        assert_eq!(classify(409, None, "", 1), Outcome::Delivered { backend_id: None });
        assert_eq!(
            classify(429, Some("120"), "", 1),
            Outcome::Retry { after_seconds: 120, reason: "the backend answered 429".into() }
        );
        assert_eq!(
            classify(503, None, "", 3),
            Outcome::Retry { after_seconds: 40, reason: "the backend answered 503".into() }
        );
        assert_eq!(
            classify(429, Some("86400"), "", 1),
            Outcome::Retry { after_seconds: MAX_BACKOFF_SECONDS, reason: "the backend answered 429".into() }
        );
        assert!(matches!(classify(422, None, "bad email", 1), Outcome::Refused { .. }));
        assert_eq!((backoff(1), backoff(2), backoff(20)), (10, 20, MAX_BACKOFF_SECONDS));
    }
}
