//! A ticket accepted: the record that is stored and delivered, with everything support needs (what,
//! who, where from, how urgent, what was already tried), and the acknowledgement the customer reads.

use std::collections::BTreeMap;

use edgedesk_protocol::api::Urgency;
use edgedesk_protocol::ticket::ValidTicket;
use edgedesk_protocol::time::format_time;
use serde::{Deserialize, Serialize};

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
        let at = edgedesk_protocol::time::parse_time("2026-11-23T10:00:00Z").unwrap();
        let stored = stored_ticket(valid, "ED-0000-0001".into(), at, &Support::default(), customer, None, vec![]);
        assert!(stored.priority);
        // Eight business hours from Monday 10:00 with a 09:00–17:00 day: seven on Monday, one on Tuesday.
        assert_eq!(stored.expected_reply_at, "2026-11-24T10:00:00Z");
    }
}
