//! A month of made-up but plausible support activity: `make dev` seeds the demo with it so the insights
//! page means something on first run, and the tests load a known one and check every figure against it.
//!
//! Customers visit mostly in business hours and a little at night; they search (some queries find
//! nothing), read, vote, sometimes give up on a ticket after a suggested article, and about one visit in
//! six files a ticket. One afternoon has an outage, during which tickets pile up under its notice.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Duration, NaiveDate};

use edgedesk_protocol::api::{DeliveryState, TicketStatus, Urgency};
use edgedesk_protocol::ticket::{self, ValidTicket};
use edgedesk_protocol::time::format_time;
use edgedesk_tickets::accept::{Intake, StoredTicket, accept};
use edgedesk_tickets::support::Support;

use super::{Event, EventKind};
use crate::random::SplitMix64;

/// The notice the made-up outage is filed under.
pub const INCIDENT_ID: &str = "demo-api-outage";
pub const PRODUCTS: [&str; 3] = ["Analytics", "Billing portal", "Mobile app"];

/// A ticket with what happened to it afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleTicket {
    pub at: i64,
    pub stored: StoredTicket,
    pub product: Option<String>,
    pub visit: Option<String>,
    pub status: TicketStatus,
    pub rating: Option<&'static str>,
    pub rated_at: Option<i64>,
    pub state: DeliveryState,
    pub attempts: u32,
    /// Whole seconds from acceptance to the helpdesk's confirmation, when delivered.
    pub delivery_seconds: Option<i64>,
    /// When an agent first answered, and when the ticket was solved (Unix seconds), if they happened
    /// before the month ended.
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub events: Vec<Event>,
    pub tickets: Vec<SampleTicket>,
}

/// What the made-up customers search for, per language, and how many articles each query finds.
const QUERIES: [(&str, &str, u32); 22] = [
    ("en", "reset password", 3),
    ("en", "invoice", 2),
    ("en", "connect slack", 1),
    ("en", "two factor", 2),
    ("en", "export csv", 2),
    ("en", "change plan", 2),
    ("en", "refund", 1),
    ("en", "api key", 1),
    ("en", "dashboard not loading", 2),
    ("en", "invite teammate", 1),
    ("en", "dark mode", 0),
    ("en", "delete my account", 0),
    ("en", "sso login", 0),
    ("en", "export pdf", 0),
    ("ru", "сброс пароля", 2),
    ("ru", "счёт", 1),
    ("ru", "тёмная тема", 0),
    ("ru", "удалить аккаунт", 0),
    ("uk", "скинути пароль", 1),
    ("uk", "рахунок", 1),
    ("uk", "темна тема", 0),
    ("en", "cancel subscription", 0),
];

/// Relative chance of a visit starting in each local hour: office hours, an evening tail, a quiet night.
const HOUR_WEIGHTS: [u32; 24] = [2, 1, 1, 1, 1, 2, 4, 10, 24, 40, 48, 50, 44, 46, 50, 46, 40, 30, 20, 14, 10, 7, 4, 3];
const URGENCY_WEIGHTS: [(Urgency, u32); 4] =
    [(Urgency::Low, 20), (Urgency::Normal, 55), (Urgency::High, 20), (Urgency::Critical, 5)];

/// `days` days of activity ending with `last_day` (local dates of the support team), from `seed`.
/// `articles` are the knowledge base's `(locale, slug)` pairs the made-up customers read.
pub fn month(seed: u64, last_day: NaiveDate, days: u32, support: &Support, articles: &[(String, String)]) -> Activity {
    let mut random = SplitMix64::new(seed);
    let mut activity = Activity::default();
    let first_day = last_day - Duration::days(i64::from(days.max(1)) - 1);
    let outage_day = first_day + Duration::days(i64::from(days) * 3 / 5);
    let end = super::local_midnight(support, last_day + Duration::days(1));
    let hours: Vec<(u32, u32)> = HOUR_WEIGHTS.iter().enumerate().map(|(hour, &w)| (hour as u32, w)).collect();
    let topics = support.topic_ids();
    let by_locale = |locale: &str| -> Vec<&(String, String)> {
        let local: Vec<_> = articles.iter().filter(|(l, _)| l == locale).collect();
        if local.is_empty() { articles.iter().collect() } else { local }
    };

    for day in first_day.iter_days().take(days as usize) {
        let midnight = super::local_midnight(support, day);
        let weekend = matches!(chrono::Datelike::weekday(&day), chrono::Weekday::Sat | chrono::Weekday::Sun);
        let visits = if weekend { 12 + random.below(8) } else { 38 + random.below(16) };
        for _ in 0..visits {
            let hour = random.weighted(&hours);
            let at = midnight + i64::from(hour) * 3600 + random.below(3600) as i64;
            if at >= end {
                continue;
            }
            let during_outage = day == outage_day && (14..17).contains(&hour);
            let visit = format!("demo-{:016x}", random.next_u64());
            let locale = random.weighted(&[("en", 70), ("ru", 20), ("uk", 10)]);
            let product = (!random.chance(10)).then(|| random.pick(&PRODUCTS).to_string());
            let event = |at: i64, kind: EventKind, subject: &str, value: u32| Event {
                at,
                kind,
                visit: Some(visit.clone()),
                product: product.clone(),
                locale: Some(locale.to_owned()),
                subject: subject.to_owned(),
                value,
            };
            let mut clock = at;
            let local_queries: Vec<_> = QUERIES.iter().filter(|(l, _, _)| *l == locale).collect();
            for _ in 0..=random.below(2) {
                // Customers mostly ask what the articles answer; one search in five finds nothing.
                let finds = random.chance(80);
                let choices: Vec<_> = local_queries.iter().filter(|(_, _, results)| (*results > 0) == finds).collect();
                let (_, query, results) = **random.pick(&choices);
                clock += 5 + random.below(40) as i64;
                activity.events.push(event(clock, EventKind::Search, query, *results));
            }
            let readable = by_locale(locale);
            for _ in 0..random.below(3) {
                let Some((_, slug)) = (!readable.is_empty()).then(|| *random.pick(&readable)) else { break };
                clock += 20 + random.below(120) as i64;
                activity.events.push(event(clock, EventKind::ArticleView, slug, 1));
                if random.chance(30) {
                    clock += 30 + random.below(60) as i64;
                    activity.events.push(event(clock, EventKind::Feedback, slug, u32::from(random.chance(75))));
                }
            }
            let files_ticket = random.chance(if during_outage { 70 } else { 16 });
            if !files_ticket {
                if random.chance(6) && !readable.is_empty() {
                    let (_, slug) = random.pick(&readable);
                    clock += 60 + random.below(120) as i64;
                    activity.events.push(event(clock, EventKind::Deflection, slug, 1));
                }
                continue;
            }
            clock += 120 + random.below(400) as i64;
            if clock >= end {
                continue;
            }
            let number = activity.tickets.len() + 1;
            let topic = random.pick(&topics).to_string();
            let urgency = if during_outage { Urgency::High } else { random.weighted(&URGENCY_WEIGHTS) };
            let valid = ValidTicket {
                name: format!("Demo customer {number}"),
                email: format!("customer{number}@example.com"),
                topic,
                urgency,
                subject: if during_outage {
                    "The dashboard does not load".into()
                } else {
                    format!("Question {number}")
                },
                message: "Made-up ticket for the insights demo.".into(),
                steps_tried: None,
                attachments: Vec::new(),
                page_url: Some("https://app.example.com/reports".into()),
                referrer: None,
                locale: Some(locale.to_owned()),
                app_version: None,
                incident_id: during_outage.then(|| INCIDENT_ID.to_owned()),
                articles_read: Vec::new(),
                searches: Vec::new(),
                identity: None,
                turnstile: None,
                product: product.clone(),
                visit: Some(visit.clone()),
            };
            let mut ticket_random = [0u8; 5];
            ticket_random.copy_from_slice(&random.next_u64().to_be_bytes()[..5]);
            let intake = Intake {
                number: ticket::ticket_number(ticket_random),
                received_at: clock,
                customer: BTreeMap::new(),
                user_agent: Some("Mozilla/5.0 (demo)".into()),
                attachments: Vec::new(),
                // The sample's tickets are never followed by anyone.
                view_token: String::new(),
            };
            let stored = accept(valid, intake, support).stored;
            let (state, attempts, delivery_seconds) = match random.below(100) {
                0..=1 => (DeliveryState::Pending, 1, None),
                2 => (DeliveryState::Failed, 1, None),
                3..=10 => (DeliveryState::Delivered, 2 + random.below(2) as u32, Some(60 + random.below(840) as i64)),
                _ => (DeliveryState::Delivered, 1, Some(1 + random.below(8) as i64)),
            };
            let rated_at = clock + 86_400 + random.below(2 * 86_400) as i64;
            let rated = state == DeliveryState::Delivered && rated_at < end && random.chance(45);
            // Most answers come within a working day; a few take two.
            let within = if random.chance(85) { 8 * 3600 } else { 48 * 3600 };
            let answered_at = clock + 600 + random.below(within) as i64;
            let first_response_at = Some(answered_at).filter(|at| state == DeliveryState::Delivered && *at < end);
            let resolved_at = first_response_at.filter(|_| rated).map(|answered| answered.max(rated_at - 3600));
            let good_chance = if during_outage { 40 } else { 82 };
            activity.tickets.push(SampleTicket {
                at: clock,
                stored,
                product,
                visit: Some(visit.clone()),
                status: if rated {
                    TicketStatus::Solved
                } else if state == DeliveryState::Delivered {
                    TicketStatus::Delivered
                } else {
                    TicketStatus::Received
                },
                rating: rated.then(|| if random.chance(good_chance) { "good" } else { "bad" }),
                rated_at: rated.then_some(rated_at),
                state,
                attempts,
                delivery_seconds,
                first_response_at,
                resolved_at,
            });
        }
    }
    // A visit late on the last day may run past midnight; the month ends there.
    activity.events.retain(|event| event.at < end);
    activity
}

/// 9999-12-31: when the sweep would consider a made-up ticket due.
const NEVER: i64 = 253_402_300_799;

/// SQL text: a string literal.
fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn number_or_null(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |value| value.to_string())
}

fn optional(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), text)
}

impl Activity {
    /// Statements that add this activity to the worker's D1 database (after its migrations).
    pub fn to_sql(&self) -> String {
        let mut sql = String::new();
        for ticket in &self.tickets {
            let stored = &ticket.stored;
            let payload = serde_json::to_string(stored).unwrap_or_default();
            let _ = writeln!(
                sql,
                "INSERT INTO tickets (number, name, email, subject, message, page_url, locale, user_agent, incident_id, \
                 topic, urgency, expected_reply_at, status, payload, rating, rated_at, product, visit, created_at, \
                 first_response_at, resolved_at, solved_at) VALUES \
                 ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});",
                text(&stored.number),
                text(&stored.name),
                text(&stored.email),
                text(&stored.subject),
                text(&stored.message),
                optional(stored.context.page_url.as_deref()),
                optional(stored.context.locale.as_deref()),
                optional(stored.context.user_agent.as_deref()),
                optional(stored.context.incident_id.as_deref()),
                text(&stored.topic),
                text(stored.urgency.name()),
                text(&stored.expected_reply_at),
                text(ticket.status.as_str()),
                text(&payload),
                optional(ticket.rating),
                number_or_null(ticket.rated_at),
                optional(ticket.product.as_deref()),
                optional(ticket.visit.as_deref()),
                text(&stored.created_at),
                number_or_null(ticket.first_response_at),
                number_or_null(ticket.resolved_at),
                number_or_null(ticket.resolved_at),
            );
            let error = (ticket.state == DeliveryState::Failed)
                .then_some("the helpdesk answered 422: requester email rejected");
            // Never due: the sweep must not send made-up tickets to a helpdesk configured later.
            let _ = writeln!(
                sql,
                "INSERT INTO outbox (number, state, attempts, next_attempt_at, last_error) VALUES ({}, {}, {}, {NEVER}, {});",
                text(&stored.number),
                text(ticket.state.as_str()),
                ticket.attempts,
                optional(error),
            );
            if let Some(seconds) = ticket.delivery_seconds {
                let _ = writeln!(
                    sql,
                    "INSERT INTO ticket_events (number, status, at) VALUES ({}, 'delivered', {});",
                    text(&stored.number),
                    text(&format_time(ticket.at + seconds)),
                );
            }
        }
        // A few hundred rows per statement keeps each one well under D1's statement size limit.
        for chunk in self.events.chunks(200) {
            sql.push_str("INSERT INTO events (at, kind, visit, product, locale, subject, value) VALUES\n");
            let rows: Vec<String> = chunk
                .iter()
                .map(|event| {
                    format!(
                        "({}, {}, {}, {}, {}, {}, {})",
                        event.at,
                        text(event.kind.name()),
                        optional(event.visit.as_deref()),
                        optional(event.product.as_deref()),
                        optional(event.locale.as_deref()),
                        text(&event.subject),
                        event.value
                    )
                })
                .collect();
            sql.push_str(&rows.join(",\n"));
            sql.push_str(";\n");
        }
        sql
    }
}
