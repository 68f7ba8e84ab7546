//! A stored ticket on its way to the helpdesk: the requests each backend expects, and what to do with
//! each backend's answer.

use edgedesk_protocol::api::Urgency;
use serde_json::json;

use crate::accept::StoredTicket;
use crate::{description, signing};

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
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Empty for a GET.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// The tags every helpdesk gets, so agents can filter on them and nothing the worker verified hides in
/// free text a customer could imitate: where the ticket came from, its number (what the lookup before a
/// repeated attempt finds), its topic, whether a signed identity verified the requester's email, whether
/// the customer is a priority one, and the verified customer id.
pub fn tags(ticket: &StoredTicket) -> Vec<String> {
    let mut tags = vec!["edgedesk".to_owned(), ticket.number.clone(), tag_safe(&ticket.topic)];
    tags.push(if ticket.email_verified() { "edgedesk_verified" } else { "edgedesk_unverified" }.to_owned());
    if ticket.priority {
        tags.push("edgedesk_priority".to_owned());
    }
    if let Some(id) = ticket.customer.get("id") {
        tags.push(tag_safe(&format!("customer_{id}")));
    }
    tags
}

/// A tag every helpdesk takes: letters, digits, `-` and `_`, at most 32 characters (Freshdesk's limit).
fn tag_safe(value: &str) -> String {
    value
        .chars()
        .map(|character| if character.is_alphanumeric() || character == '-' { character } else { '_' })
        .take(32)
        .collect()
}

/// What a lookup before a repeated attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The helpdesk already has the ticket (an earlier attempt's answer was lost): its id there.
    Found(String),
    /// It does not: create it.
    Absent,
    /// The lookup itself did not work: this instead of creating.
    Failed(Outcome),
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
            "webhook" => {
                let secret = required("WEBHOOK_SECRET")?;
                edgedesk_access::secrets::checked("WEBHOOK_SECRET", Some(&secret))?;
                Backend::Webhook { url: required("DELIVERY_URL")?, secret }
            }
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

    /// The request that creates `ticket` in this backend. The webhook and Zendesk take the ticket number
    /// as an idempotency key; Freshdesk and JSM have none, so a repeated attempt looks the ticket up
    /// first ([`Backend::lookup`]).
    pub fn request(&self, ticket: &StoredTicket, now: i64) -> OutgoingRequest {
        let json = |value: serde_json::Value| value.to_string();
        let idempotency = ("Idempotency-Key".to_owned(), ticket.number.clone());
        let content_type = ("Content-Type".to_owned(), "application/json".to_owned());
        let post = |url: String, headers: Vec<(String, String)>, body: String| OutgoingRequest {
            method: Method::Post,
            url,
            headers,
            body,
        };
        match self {
            Backend::Webhook { url, secret } => {
                let body = json(json!({ "type": "ticket.created", "ticket": ticket }));
                let signed =
                    signing::SignedRequest { method: "POST", path: signing::url_path(url), body: body.as_bytes() };
                let signature = signing::sign_request(secret.as_bytes(), signed, now);
                post(
                    url.clone(),
                    vec![content_type, idempotency, (signing::SIGNATURE_HEADER.to_owned(), signature)],
                    body,
                )
            }
            Backend::Zendesk { base_url, email, token } => post(
                format!("{}/api/v2/tickets.json", base_url.trim_end_matches('/')),
                vec![content_type, idempotency, ("Authorization".into(), basic(&format!("{email}/token"), token))],
                json(json!({ "ticket": {
                    "subject": ticket.subject,
                    // `body` is shown as plain text: nothing the customer typed becomes markup.
                    "comment": { "body": description::plain(ticket) },
                    "requester": { "name": ticket.name, "email": ticket.email },
                    "priority": match (ticket.urgency, ticket.priority) {
                        (Urgency::Critical, _) => "urgent",
                        (Urgency::High, _) | (_, true) => "high",
                        (Urgency::Normal, false) => "normal",
                        (Urgency::Low, false) => "low",
                    },
                    "tags": tags(ticket),
                    "external_id": ticket.number,
                }})),
            ),
            Backend::Freshdesk { base_url, api_key } => post(
                format!("{}/api/v2/tickets", base_url.trim_end_matches('/')),
                vec![content_type, ("Authorization".into(), basic(api_key, "X"))],
                json(json!({
                    "subject": ticket.subject,
                    // Freshdesk's description is HTML: every customer character is escaped.
                    "description": description::html(ticket),
                    "email": ticket.email,
                    "name": ticket.name,
                    // Freshdesk: 1 low, 2 medium, 3 high, 4 urgent; status 2 open; source 2 portal.
                    "priority": match (ticket.urgency, ticket.priority) {
                        (Urgency::Critical, _) => 4,
                        (Urgency::High, _) | (_, true) => 3,
                        (Urgency::Normal, false) => 2,
                        (Urgency::Low, false) => 1,
                    },
                    "status": 2,
                    "source": 2,
                    "tags": tags(ticket),
                })),
            ),
            Backend::JiraServiceManagement { base_url, email, token, service_desk_id, request_type_id } => post(
                format!("{}/rest/servicedeskapi/request", base_url.trim_end_matches('/')),
                vec![content_type, ("Authorization".into(), basic(email, token))],
                // Raised by the integration's own account, never on the customer's behalf: JSM expects an
                // account id there, and an email typed in a form proves nothing.
                json(json!({
                    "serviceDeskId": service_desk_id,
                    "requestTypeId": request_type_id,
                    "requestFieldValues": {
                        "summary": format!("[{}] {}", ticket.number, ticket.subject),
                        "description": description::wiki(ticket),
                        "labels": tags(ticket),
                    },
                })),
            ),
        }
    }

    /// The request that asks the helpdesk whether it already has `ticket`, made before every attempt but
    /// the first: an earlier attempt may have created it and lost the answer. By the tag, label or
    /// external id each API finds a ticket by. `None` for the webhook, whose contract is the
    /// idempotency key alone.
    pub fn lookup(&self, ticket: &StoredTicket) -> Option<OutgoingRequest> {
        // Ticket numbers are letters, digits and dashes: nothing in them needs escaping in a URL.
        let number = &ticket.number;
        let get = |url: String, authorization: String| OutgoingRequest {
            method: Method::Get,
            url,
            headers: vec![("Authorization".into(), authorization)],
            body: String::new(),
        };
        match self {
            Backend::Webhook { .. } => None,
            // Zendesk keeps idempotency keys for two hours; retries may go on for days.
            Backend::Zendesk { base_url, email, token } => Some(get(
                format!("{}/api/v2/tickets.json?external_id={number}", base_url.trim_end_matches('/')),
                basic(&format!("{email}/token"), token),
            )),
            // query="tag:'ED-…'", the quotes as Freshdesk's search requires, percent-encoded.
            Backend::Freshdesk { base_url, api_key } => Some(get(
                format!("{}/api/v2/search/tickets?query=%22tag%3A%27{number}%27%22", base_url.trim_end_matches('/')),
                basic(api_key, "X"),
            )),
            // jql=labels = "ED-…"
            Backend::JiraServiceManagement { base_url, email, token, .. } => Some(get(
                format!(
                    "{}/rest/api/3/search/jql?jql=labels%20%3D%20%22{number}%22&fields=summary",
                    base_url.trim_end_matches('/')
                ),
                basic(email, token),
            )),
        }
    }

    /// What the lookup's answer says: found (with the helpdesk's id), absent, or a reason not to create.
    pub fn found(&self, status: u16, retry_after: Option<&str>, body: &str, attempt: u32) -> Lookup {
        if !(200..=299).contains(&status) {
            return Lookup::Failed(classify(status, retry_after, body, attempt));
        }
        let pointer = match self {
            Backend::Zendesk { .. } => "/tickets",
            Backend::Freshdesk { .. } => "/results",
            Backend::JiraServiceManagement { .. } => "/issues",
            Backend::Webhook { .. } => return Lookup::Absent,
        };
        let answer: Option<serde_json::Value> = serde_json::from_str(body).ok();
        let Some(found) = answer.as_ref().and_then(|answer| answer.pointer(pointer)).and_then(|list| list.as_array())
        else {
            return Lookup::Failed(Outcome::Retry {
                after_seconds: backoff(attempt),
                reason: format!("the helpdesk's lookup answer has no {pointer} list"),
            });
        };
        let id = found.first().and_then(|ticket| ticket.get("key").or_else(|| ticket.get("id"))).and_then(id_text);
        id.map_or(Lookup::Absent, Lookup::Found)
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

/// How long a helpdesk has to answer a request, body included. Past it the attempt is given up as if
/// the answer were lost: the ticket may have been made, so the retry looks it up before creating it.
pub const HELPDESK_TIMEOUT_SECONDS: u64 = 10;

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
    candidates.into_iter().flatten().find_map(id_text)
}

/// An id as text, whether the API gave a number or a string.
fn id_text(id: &serde_json::Value) -> Option<String> {
    match id {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::tests::ticket;

    fn backends() -> [Backend; 4] {
        [
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
        ]
    }

    /// A repeated attempt must be recognised by every helpdesk: by the idempotency key where the API has
    /// one, by a lookup of the tag, label or external id where it has none or keeps it too briefly.
    #[test]
    fn every_backend_can_tell_a_repeated_attempt() {
        for backend in backends() {
            let request = backend.request(&ticket(), 1_795_000_000);
            assert_eq!(request.method, Method::Post);
            assert!(request.body.contains("Double charge"), "{}", backend.name());
            let keyed = request.headers.contains(&("Idempotency-Key".into(), "ED-AB12-CD34".into()));
            let lookup = backend.lookup(&ticket());
            match backend.name() {
                "webhook" => assert!(keyed && lookup.is_none()),
                "zendesk" => assert!(keyed && lookup.is_some()),
                _ => assert!(!keyed && lookup.is_some(), "{}: no key the API would ignore", backend.name()),
            }
            if let Some(lookup) = lookup {
                assert_eq!(lookup.method, Method::Get);
                assert!(lookup.url.contains("ED-AB12-CD34"), "{}", lookup.url);
                let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
                let tagged =
                    [body.pointer("/ticket/tags"), body.get("tags"), body.pointer("/requestFieldValues/labels")]
                        .into_iter()
                        .flatten()
                        .any(|tags| tags.as_array().unwrap().contains(&"ED-AB12-CD34".into()));
                assert!(tagged, "{}: the lookup finds the number the request tags", backend.name());
            }
        }
        let [_, zendesk, freshdesk, jira] = backends();
        assert_eq!(
            freshdesk.lookup(&ticket()).unwrap().url,
            "https://acme.freshdesk.com/api/v2/search/tickets?query=%22tag%3A%27ED-AB12-CD34%27%22"
        );
        assert_eq!(zendesk.found(200, None, r#"{"tickets":[{"id":9}],"count":1}"#, 2), Lookup::Found("9".into()));
        assert_eq!(freshdesk.found(200, None, r#"{"results":[],"total":0}"#, 2), Lookup::Absent);
        assert_eq!(jira.found(200, None, r#"{"issues":[{"id":"100","key":"SD-4"}]}"#, 2), Lookup::Found("SD-4".into()));
        assert!(matches!(jira.found(429, Some("30"), "", 2), Lookup::Failed(Outcome::Retry { after_seconds: 30, .. })));
        assert!(matches!(zendesk.found(200, None, "<html>", 2), Lookup::Failed(Outcome::Retry { .. })));
        assert!(matches!(freshdesk.found(401, None, "{}", 2), Lookup::Failed(Outcome::Refused { .. })));
    }

    #[test]
    fn verified_facts_travel_as_tags_and_nobody_is_raised_on_behalf_of() {
        let mut verified = ticket();
        verified.customer.insert("email".into(), "ada@example.com".into());
        verified.customer.insert("id".into(), "cus 42".into());
        assert_eq!(tags(&verified), ["edgedesk", "ED-AB12-CD34", "billing", "edgedesk_verified", "customer_cus_42"]);
        assert!(tags(&ticket()).contains(&"edgedesk_unverified".to_owned()));
        let [.., jira] = backends();
        let body = jira.request(&ticket(), 0).body;
        assert!(!body.contains("raiseOnBehalfOf"), "{body}");
        assert!(!body.contains("Customer id"), "{body}");
    }

    #[test]
    fn webhooks_are_signed_and_zendesk_gets_its_format() {
        let webhook = Backend::Webhook { url: "https://hooks.acme.test/t".into(), secret: "s3cret".into() };
        let request = webhook.request(&ticket(), 1_795_000_000);
        let signature = &request.headers.iter().find(|(name, _)| name == signing::SIGNATURE_HEADER).unwrap().1;
        let signed = signing::SignedRequest { method: "POST", path: "/t", body: request.body.as_bytes() };
        assert!(signing::verify_request(b"s3cret", Some(signature), signed, 1_795_000_100).is_ok());

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
            body["ticket"]["comment"]["body"]
                .as_str()
                .unwrap()
                .contains("--- Already tried ---\nChecked the invoice page")
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
        let webhook = settings(&[
            ("DELIVERY_BACKEND", "webhook"),
            ("DELIVERY_URL", "https://h.test"),
            ("WEBHOOK_SECRET", "whsec-0123456789abcdef"),
        ]);
        assert_eq!(Backend::from_settings(webhook).unwrap().unwrap().name(), "webhook");
        let short =
            settings(&[("DELIVERY_BACKEND", "webhook"), ("DELIVERY_URL", "https://h.test"), ("WEBHOOK_SECRET", "s")]);
        assert!(Backend::from_settings(short).unwrap_err().starts_with("WEBHOOK_SECRET is 1 characters long"));
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
