//! A ticket accepted: the record that is stored and delivered, with everything support needs (what,
//! who, where from, how urgent, what was already tried), and the acknowledgement the customer reads.

use std::collections::BTreeMap;

use edgedesk_protocol::api::{TicketAccepted, TicketStatus, Urgency};
use edgedesk_protocol::ticket::ValidTicket;
use edgedesk_protocol::time::format_time;
use serde::{Deserialize, Serialize};

use crate::support::{Support, format_local};

/// Enough of a browser's User-Agent to tell which it is; some run to kilobytes.
const MAX_USER_AGENT_CHARS: usize = 500;

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

impl StoredTicket {
    /// Whether a signed identity vouches for the requester's email: only then may a helpdesk treat the
    /// ticket as that person's.
    pub fn email_verified(&self) -> bool {
        self.customer.get("email").is_some_and(|email| email.eq_ignore_ascii_case(&self.email))
    }
}

/// The acknowledgement a support team would write: thanks, an apology for a complaint, the number, what
/// happens next and by when.
fn acknowledgement(ticket: &StoredTicket, support: &Support, complaint: bool, expected_reply_at: i64) -> String {
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

/// What the worker knows of a ticket besides the fields the customer sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    /// A fresh ticket number ([`edgedesk_protocol::ticket::ticket_number`]).
    pub number: String,
    pub received_at: i64,
    /// Attributes of a verified identity; empty for anonymous customers.
    pub customer: BTreeMap<String, String>,
    pub user_agent: Option<String>,
    /// The uploads the ticket names, each with a link support can open.
    pub attachments: Vec<Attachment>,
    /// A fresh view token ([`edgedesk_protocol::ticket::view_token`]).
    pub view_token: String,
}

/// A ticket accepted: what is stored and delivered, what the customer is answered, and the visit it
/// came from (stored beside the ticket for the support lead's figures, never sent to the helpdesk).
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub stored: StoredTicket,
    pub answer: TicketAccepted,
    /// What a retry with the same idempotency key is answered: the number, the view token and the reply
    /// time, and nothing personal (no name, no email), since it is kept for a day.
    pub replay: TicketAccepted,
    pub visit: Option<String>,
}

/// Accepts a checked ticket at `intake.received_at`: the reply time is computed once, from the team's
/// hours and the ticket's urgency; a verified identity whose `tier` is `priority` makes it a priority
/// ticket; a topic marked as a complaint gets an apology in the acknowledgement.
pub fn accept(ticket: ValidTicket, intake: Intake, support: &Support) -> Accepted {
    let Intake { number, received_at, customer, user_agent, attachments, view_token } = intake;
    let expected_reply_at = support.expected_reply_at(ticket.urgency, received_at);
    let complaint = support.topic(&ticket.topic).is_some_and(|topic| topic.complaint);
    let priority = customer.get("tier").is_some_and(|tier| tier.eq_ignore_ascii_case("priority"));
    let stored = StoredTicket {
        number,
        name: ticket.name,
        // A signed identity's email is the requester's, whatever the form said: a customer who is signed in
        // cannot file in someone else's name.
        email: customer.get("email").cloned().unwrap_or(ticket.email),
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
            user_agent: user_agent.map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect()),
            app_version: ticket.app_version,
            incident_id: ticket.incident_id,
            articles_read: ticket.articles_read,
            searches: ticket.searches,
            product: ticket.product,
        },
        customer,
        priority,
        created_at: format_time(received_at),
        expected_reply_at: format_time(expected_reply_at),
    };
    let answer = TicketAccepted {
        number: stored.number.clone(),
        status: TicketStatus::Received,
        expected_reply_at: stored.expected_reply_at.clone(),
        message: acknowledgement(&stored, support, complaint, expected_reply_at),
        view_token,
    };
    let locale = stored.context.locale.as_deref().unwrap_or("en");
    let replay = TicketAccepted { message: already_received(locale, &stored.number), ..answer.clone() };
    Accepted { stored, answer, replay, visit: ticket.visit }
}

/// The answer to a submission sent again: the number, and nothing about who sent it.
fn already_received(locale: &str, number: &str) -> String {
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "ru" => format!("Это обращение у нас уже есть, его номер — {number}."),
        "uk" => format!("Це звернення в нас уже є, його номер — {number}."),
        _ => format!("We already have this ticket; its number is {number}."),
    }
}

/// How a view token is kept in D1: a hash, so that a copy of the database opens no ticket.
pub fn view_token_hash(token: &str) -> String {
    crate::signing::hmac_hex(b"edgedesk view token", token.as_bytes())
}

/// Acknowledgements one email address that no identity vouches for gets in an hour: each ticket makes
/// the helpdesk write to its requester, and nobody should be able to aim that at someone else's inbox.
pub const MAX_UNVERIFIED_TICKETS_PER_RECIPIENT_HOUR: usize = 5;

/// What identifies a verified customer's tickets across devices (and their share of the ticket limit):
/// their id, else their email.
pub fn customer_key(customer: &BTreeMap<String, String>) -> Option<&str> {
    customer.get("id").or_else(|| customer.get("email")).map(String::as_str)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ticket as the tests of this crate use it.
    pub fn ticket() -> StoredTicket {
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
    fn priority_customers_are_flagged_from_their_verified_tier() {
        let valid = edgedesk_protocol::ticket::parse(
            br#"{"name":"Ada","email":"ada@example.com","subject":"S","message":"M","urgency":"high"}"#,
            &[],
        )
        .unwrap();
        let customer: BTreeMap<String, String> = [("tier".to_owned(), "priority".to_owned())].into_iter().collect();
        let received_at = edgedesk_protocol::time::parse_time("2026-11-23T10:00:00Z").unwrap();
        let intake = Intake {
            number: "ED-0000-0001".into(),
            received_at,
            customer,
            user_agent: None,
            attachments: vec![],
            view_token: "AAAA-BBBB-CCCC-DDDD".into(),
        };
        let Accepted { stored, answer, .. } = accept(valid, intake, &Support::default());
        assert!(stored.priority);
        // Eight business hours from Monday 10:00 with a 09:00–17:00 day: seven on Monday, one on Tuesday.
        assert_eq!(stored.expected_reply_at, "2026-11-24T10:00:00Z");
        assert_eq!(
            (answer.expected_reply_at.as_str(), answer.status),
            ("2026-11-24T10:00:00Z", TicketStatus::Received)
        );
        assert_eq!(customer_key(&stored.customer), None);
    }

    #[test]
    fn the_answer_says_what_was_stored_and_apologises_for_complaints() {
        let mut support = Support::default();
        support.topics[0].complaint = true;
        let valid = edgedesk_protocol::ticket::parse(
            br#"{"name":"Ada","email":"ada@example.com","subject":"S","message":"M","visit":"visit-1234"}"#,
            &support.topic_ids(),
        )
        .unwrap();
        let customer: BTreeMap<String, String> = [("email".to_owned(), "ada@example.com".to_owned())].into();
        let intake = Intake {
            number: "ED-0000-0002".into(),
            received_at: 0,
            customer,
            user_agent: Some("x".repeat(2_000)),
            attachments: vec![],
            view_token: "AAAA-BBBB-CCCC-DDDD".into(),
        };
        let accepted = accept(valid, intake, &support);
        assert_eq!(accepted.answer.number, accepted.stored.number);
        assert_eq!(accepted.answer.expected_reply_at, accepted.stored.expected_reply_at);
        assert!(accepted.answer.message.contains("We're sorry"), "{}", accepted.answer.message);
        assert_eq!(accepted.visit.as_deref(), Some("visit-1234"));
        assert_eq!(accepted.stored.context.user_agent.map(|agent| agent.len()), Some(MAX_USER_AGENT_CHARS));
        assert_eq!(customer_key(&accepted.stored.customer), Some("ada@example.com"));
        // A retry is told the number and the view token, and nothing about who wrote.
        assert_eq!(accepted.answer.view_token, "AAAA-BBBB-CCCC-DDDD");
        assert!(accepted.answer.message.contains("ada@example.com"), "{}", accepted.answer.message);
        let replay = &accepted.replay;
        assert_eq!((&replay.number, &replay.view_token), (&accepted.answer.number, &accepted.answer.view_token));
        assert!(replay.message.contains("ED-0000-0002"), "{}", replay.message);
        assert!(!replay.message.contains("Ada") && !replay.message.contains("ada@"), "{}", replay.message);
    }
}
