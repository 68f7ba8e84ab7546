//! A ticket as it is kept and as it travels to the helpdesk: one record with everything support needs
//! (what, who, where from, how urgent, what was already tried), the acknowledgement the customer gets,
//! the requests each backend expects, and what to do with each backend's answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use edgedesk_protocol::api::Urgency;
use edgedesk_protocol::ticket::ValidTicket;
use edgedesk_protocol::time::format_time;

use crate::signing;
use crate::support::{Support, format_local};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub media_type: String,
    pub bytes: u64,
    /// Where support can fetch it (the worker serves it to signed-in operators).
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub locale: Option<String>,
    pub user_agent: Option<String>,
    pub app_version: Option<String>,
    pub incident_id: Option<String>,
    pub articles_read: Vec<String>,
    pub searches: Vec<String>,
    /// Which of the site's products the customer was using.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

/// A ticket as stored in D1 and delivered to the helpdesk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTicket {
    pub number: String,
    pub name: String,
    pub email: String,
    pub topic: String,
    pub urgency: Urgency,
    pub subject: String,
    pub message: String,
    pub steps_tried: Option<String>,
    pub attachments: Vec<Attachment>,
    pub context: Context,
    /// Attributes of a verified identity; empty for anonymous customers.
    pub customer: BTreeMap<String, String>,
    /// Verified priority customers (`tier: priority`) go out flagged.
    pub priority: bool,
    pub created_at: String,
    pub expected_reply_at: String,
}

/// The acknowledgement a support team would write: thanks, an apology for a complaint, the number, what
/// happens next and by when.
pub fn acknowledgement(ticket: &StoredTicket, support: &Support, complaint: bool, expected_reply_at: i64) -> String {
    let locale = ticket.context.locale.as_deref().unwrap_or("en");
    let when = format_local(support, expected_reply_at, locale);
    let name = &ticket.name;
    let number = &ticket.number;
    let email = &ticket.email;
    let critical = ticket.urgency == Urgency::Critical;
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "ru" => {
            let mut text = format!("Спасибо, что написали нам, {name}. ");
            if complaint {
                text.push_str("Нам жаль, что так вышло, и спасибо, что рассказали: это помогает нам всё исправить. ");
            }
            text.push_str(&format!("Номер вашего обращения — {number}; укажите его, если будете писать ещё. "));
            if critical {
                text.push_str(&format!(
                    "Обращение срочное, мы работаем над ним круглосуточно: ответим на {email} до {when}."
                ));
            } else {
                text.push_str(&format!("Специалист поддержки ответит на {email} до {when}."));
            }
            text
        }
        "uk" => {
            let mut text = format!("Дякуємо, що написали нам, {name}. ");
            if complaint {
                text.push_str("Нам шкода, що так сталося, і дякуємо, що розповіли: це допомагає нам усе виправити. ");
            }
            text.push_str(&format!("Номер вашого звернення — {number}; вкажіть його, якщо писатимете ще. "));
            if critical {
                text.push_str(&format!(
                    "Звернення термінове, ми працюємо над ним цілодобово: відповімо на {email} до {when}."
                ));
            } else {
                text.push_str(&format!("Фахівець підтримки відповість на {email} до {when}."));
            }
            text
        }
        _ => {
            let mut text = format!("Thanks for writing to us, {name}. ");
            if complaint {
                text.push_str("We're sorry this happened, and thank you for telling us: it helps us put it right. ");
            }
            text.push_str(&format!("Your ticket number is {number}; please quote it if you write again. "));
            if critical {
                text.push_str(&format!(
                    "It is marked critical, so we are on it around the clock: expect a reply to {email} by {when}."
                ));
            } else {
                text.push_str(&format!("Someone from our support team will reply to {email} by {when}."));
            }
            text
        }
    }
}

/// Turns an accepted ticket into the record that is stored and delivered. A verified identity whose
/// `tier` is `priority` marks the ticket as priority.
pub fn stored_ticket(
    ticket: ValidTicket,
    number: String,
    received_at: i64,
    support: &Support,
    customer: BTreeMap<String, String>,
    user_agent: Option<String>,
    attachments: Vec<Attachment>,
) -> StoredTicket {
    let priority = customer.get("tier").is_some_and(|tier| tier.eq_ignore_ascii_case("priority"));
    StoredTicket {
        number,
        name: ticket.name,
        email: ticket.email,
        topic: ticket.topic,
        urgency: ticket.urgency,
        subject: ticket.subject,
        message: ticket.message,
        steps_tried: ticket.steps_tried,
        attachments,
        context: Context {
            page_url: ticket.page_url,
            referrer: ticket.referrer,
            locale: ticket.locale,
            user_agent: user_agent.map(|agent| agent.chars().take(500).collect()),
            app_version: ticket.app_version,
            incident_id: ticket.incident_id,
            articles_read: ticket.articles_read,
            searches: ticket.searches,
            product: ticket.product,
        },
        customer,
        priority,
        created_at: format_time(received_at),
        expected_reply_at: format_time(support.expected_reply_at(ticket.urgency, received_at)),
    }
}

/// Where a stored attachment can be fetched without an account: a link signed with the operators'
/// secret that stops working after `expires_at`.
pub fn attachment_link(origin: &str, id: &str, secret: &[u8], expires_at: i64) -> String {
    let signature = signing::hmac_hex(secret, format!("{id}.{expires_at}").as_bytes());
    format!("{origin}/api/attachments/{id}?expires={expires_at}&signature={signature}")
}

/// Checks a link made by [`attachment_link`] at `now`.
pub fn attachment_link_holds(id: &str, secret: &[u8], expires_at: i64, signature: &str, now: i64) -> bool {
    expires_at >= now && signing::hmac_matches(secret, format!("{id}.{expires_at}").as_bytes(), signature)
}

/// Attachment links in delivered tickets stay valid this long.
pub const ATTACHMENT_LINK_SECONDS: i64 = 30 * 86_400;

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

    fn ticket() -> StoredTicket {
        StoredTicket {
            number: "ED-AB12-CD34".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            topic: "billing".into(),
            urgency: Urgency::High,
            subject: "Double charge".into(),
            message: "I was charged twice.".into(),
            steps_tried: Some("Checked the invoice page".into()),
            attachments: vec![],
            context: Context {
                locale: Some("en".into()),
                page_url: Some("https://app.acme.test/billing".into()),
                ..Context::default()
            },
            customer: BTreeMap::new(),
            priority: false,
            created_at: "2026-11-23T10:00:00Z".into(),
            expected_reply_at: "2026-11-23T18:00:00Z".into(),
        }
    }

    #[test]
    fn acknowledgements_are_written_for_people() {
        let support = Support::default();
        let at = edgedesk_protocol::time::parse_time("2026-11-24T15:00:00Z").unwrap();
        let text = acknowledgement(&ticket(), &support, false, at);
        assert_eq!(
            text,
            "Thanks for writing to us, Ada. Your ticket number is ED-AB12-CD34; please quote it if you write again. \
             Someone from our support team will reply to ada@example.com by Tuesday, 24 November, 15:00 (UTC)."
        );
        let complaint = acknowledgement(&ticket(), &support, true, at);
        assert!(complaint.contains("We're sorry this happened"), "{complaint}");
        let mut russian = ticket();
        russian.context.locale = Some("ru".into());
        russian.urgency = Urgency::Critical;
        let text = acknowledgement(&russian, &support, false, at);
        assert!(
            text.contains("ED-AB12-CD34") && text.contains("круглосуточно") && text.contains("вторник, 24 ноября"),
            "{text}"
        );
    }

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
    fn attachment_links_expire_and_cannot_be_altered() {
        let link = attachment_link("https://support.acme.test", "att-0123456789abcdef", b"k", 2_000);
        let signature = link.rsplit_once("signature=").unwrap().1;
        assert!(attachment_link_holds("att-0123456789abcdef", b"k", 2_000, signature, 1_000));
        assert!(!attachment_link_holds("att-0123456789abcdef", b"k", 2_000, signature, 2_001));
        assert!(!attachment_link_holds("att-0123456789abcdee", b"k", 2_000, signature, 1_000));
        assert!(!attachment_link_holds("att-0123456789abcdef", b"k", 3_000, signature, 1_000));
    }

    #[test]
    fn priority_customers_are_flagged_from_their_verified_tier() {
        let valid = edgedesk_protocol::ticket::parse(
            br#"{"name":"Ada","email":"ada@example.com","subject":"S","message":"M","urgency":"high"}"#,
            &[],
        )
        .unwrap();
        let customer: BTreeMap<String, String> = [("tier".to_owned(), "priority".to_owned())].into_iter().collect();
        let at = edgedesk_protocol::time::parse_time("2026-11-23T10:00:00Z").unwrap();
        let stored = stored_ticket(valid, "ED-0000-0001".into(), at, &Support::default(), customer, None, vec![]);
        assert!(stored.priority);
        // Eight business hours from Monday 10:00 with a 09:00–17:00 day: seven on Monday, one on Tuesday.
        assert_eq!(stored.expected_reply_at, "2026-11-24T10:00:00Z");
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
