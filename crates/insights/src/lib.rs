//! Support insights: what a support lead decides staffing, coverage hours and the next articles with.
//!
//! The worker records what customers do in the widget as events (a search and how many articles it
//! found, an article read, a vote, a deflection), each with the tab's random visit id and the product,
//! and nothing that identifies a person. For a report it runs a few grouping queries in D1 and hands the
//! rows to [`build`], which turns them into [`Insights`]: the same figures feed the admin page's charts
//! ([`render`]), its CSV export ([`to_csv`]) and `edgedesk report insights`.

mod answers;
pub mod random;
mod render;
pub mod sample;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

use edgedesk_protocol::api::{
    ApiError, ArticleFeedback, Deflection, DeliveryState, SearchGap, check_query, is_article_slug, parse_body,
};
use edgedesk_protocol::insights::MAX_PRODUCT_CHARS;
pub use edgedesk_protocol::insights::{EventKind, NewEvent, check_visit, product_name, visit_id};
use edgedesk_protocol::ticket::MAX_LOCALE_CHARS;
use edgedesk_search::text;
use edgedesk_tickets::support::Support;

pub use answers::{AnswerFigures, AnsweredVisits};
pub use render::render;

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 366;
/// The period a report covers when the support lead names none.
pub const DEFAULT_DAYS: i64 = 30;
/// How long events are kept when the operator configures nothing: thirteen months, so that a month can
/// be compared with the same month a year earlier.
pub const DEFAULT_RETENTION_DAYS: u32 = 395;
/// The rule of thumb beside the night share: from this share of tickets arriving at night on, staffing
/// round the clock (or following the sun) usually pays for itself.
pub const NIGHT_COVER_THRESHOLD: f64 = 0.05;
/// Night for the rule of thumb: 22:00 to 07:00 in the support team's time zone.
pub const NIGHT_STARTS: u32 = 22;
pub const NIGHT_ENDS: u32 = 7;
/// How many rows the "top" lists keep.
const TOP: usize = 20;

/// An event ready to store: `subject` is the folded query or the article's slug, `value` the result
/// count or the vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: i64,
    pub kind: EventKind,
    pub visit: Option<String>,
    pub product: Option<String>,
    pub locale: Option<String>,
    pub subject: String,
    pub value: u32,
}

/// Reads a `POST /api/events` body. The query is stored folded ("Reset  Password?" and "reset password"
/// are one query), and only kinds the widget reports on its own are taken here.
pub fn parse_event(body: &[u8], at: i64) -> Result<Event, ApiError> {
    let event: NewEvent = parse_body(body, &NewEvent::FIELDS, NewEvent::MAX_BYTES, "event")?;
    let kind = event.kind.ok_or_else(|| {
        ApiError::for_field(400, "required", "kind", "Say what happened: `search` or `article_view`.")
    })?;
    let (subject, value) = match kind {
        EventKind::Search => {
            let folded = folded_query(event.query.as_deref().unwrap_or_default())?;
            let results = event.results.ok_or_else(|| {
                ApiError::for_field(400, "required", "results", "A search event says how many articles it found.")
            })?;
            (folded, results)
        }
        EventKind::ArticleView => (event_slug(event.slug, "An article view names the article.")?, 1),
        EventKind::AnswerFeedback | EventKind::AnswerContact => {
            // The question is not kept: the searches have it. The subject is the answer's first source.
            let slug = event_slug(event.slug, "An answer event names its first source.")?;
            let value = match (kind, event.results) {
                (EventKind::AnswerContact, _) => 1,
                (_, Some(helpful @ (0 | 1))) => helpful,
                _ => {
                    let message = "Answer feedback says 1 (it answered) or 0 (it did not) in `results`.";
                    return Err(ApiError::for_field(400, "invalid_value", "results", message));
                }
            };
            (slug, value)
        }
        EventKind::AnswerShown | EventKind::AnswerUnsure => {
            return Err(ApiError::for_field(
                400,
                "invalid_value",
                "kind",
                "The worker records which answers were written and which questions it could not answer.",
            ));
        }
        EventKind::Feedback | EventKind::Deflection => {
            return Err(ApiError::for_field(
                400,
                "invalid_value",
                "kind",
                "Send `search` or `article_view`; votes and deflections have their own endpoints.",
            ));
        }
    };
    Ok(Event {
        at,
        kind,
        visit: check_visit(event.visit)?,
        product: product_name(event.product),
        locale: event.locale.map(|locale| locale.trim().chars().take(MAX_LOCALE_CHARS).collect()),
        subject,
        value,
    })
}

/// The article an event is about, as its subject; `refusal` says which article the kind of event names.
fn event_slug(slug: Option<String>, refusal: &str) -> Result<String, ApiError> {
    let slug = slug.unwrap_or_default();
    if !is_article_slug(&slug) {
        return Err(ApiError::for_field(400, "invalid_value", "slug", refusal));
    }
    Ok(slug)
}

/// A query as searches are counted: its folded words, so that "Reset  Password?" and "reset password"
/// are one query.
fn folded_query(query: &str) -> Result<String, ApiError> {
    check_query("query", query)?;
    let folded = text::terms(query).collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return Err(ApiError::for_field(400, "required", "query", "A search needs the query's words."));
    }
    Ok(folded)
}

/// Reads a `POST /api/gaps` body: a search that found nothing, recorded like any other search.
pub fn parse_gap(body: &[u8], at: i64) -> Result<Event, ApiError> {
    let gap: SearchGap = parse_body(body, &SearchGap::FIELDS, NewEvent::MAX_BYTES, "search gap")?;
    Ok(Event {
        at,
        kind: EventKind::Search,
        visit: None,
        product: None,
        locale: gap.locale,
        subject: folded_query(&gap.query)?,
        value: 0,
    })
}

/// Reads a `POST /api/articles/{slug}/feedback` body: whether the article helped.
pub fn parse_vote(body: &[u8]) -> Result<ArticleFeedback, ApiError> {
    let vote: ArticleFeedback = parse_body(body, &ArticleFeedback::FIELDS, ArticleFeedback::MAX_BYTES, "vote")?;
    if vote.helpful.is_none() {
        return Err(ApiError::for_field(400, "required", "helpful", "Say whether the article helped: true or false."));
    }
    Ok(vote)
}

impl Event {
    /// A vote on article `slug`, served in `locale`.
    pub fn vote(at: i64, slug: String, locale: String, vote: ArticleFeedback) -> Event {
        Event {
            at,
            kind: EventKind::Feedback,
            visit: visit_id(vote.visit),
            product: product_name(vote.product),
            locale: Some(locale),
            subject: slug,
            value: u32::from(vote.helpful.unwrap_or_default()),
        }
    }

    /// A suggested article, served in `locale`, that answered the question before a ticket was sent.
    pub fn deflection(at: i64, locale: String, deflection: Deflection) -> Event {
        Event {
            at,
            kind: EventKind::Deflection,
            visit: visit_id(deflection.visit),
            product: product_name(deflection.product),
            locale: Some(locale),
            subject: deflection.slug,
            value: 1,
        }
    }
}

/// A product name an operator filters by; empty means all products.
pub fn check_product(product: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(product) = product.map(|product| product.trim().to_owned()).filter(|product| !product.is_empty()) else {
        return Ok(None);
    };
    if product.chars().count() > MAX_PRODUCT_CHARS || product.chars().any(char::is_control) {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "product",
            format!("A product name is 1 to {MAX_PRODUCT_CHARS} characters without control characters."),
        ));
    }
    Ok(Some(product))
}

/// How many days events are kept: the worker's `INSIGHTS_RETENTION_DAYS`, at least one.
pub fn retention_days(configured: Option<&str>) -> Result<u32, String> {
    match configured.map(str::trim).filter(|days| !days.is_empty()) {
        None => Ok(DEFAULT_RETENTION_DAYS),
        Some(days) => match days.parse::<u32>() {
            Ok(days) if days >= 1 => Ok(days),
            _ => Err(format!("INSIGHTS_RETENTION_DAYS must be a whole number of days (1 or more), not {days:?}")),
        },
    }
}

/// What a report covers: whole days in the support team's time zone, `from` to `to` inclusive, and
/// optionally one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub product: Option<String>,
}

impl Filter {
    /// Reads `from`, `to` (YYYY-MM-DD) and `product`; the last [`DEFAULT_DAYS`] up to `today` by default.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        product: Option<&str>,
        today: NaiveDate,
    ) -> Result<Filter, ApiError> {
        let date = |field: &str, value: Option<&str>| -> Result<Option<NaiveDate>, ApiError> {
            match value.map(str::trim).filter(|value| !value.is_empty()) {
                None => Ok(None),
                Some(value) => NaiveDate::parse_from_str(value, "%Y-%m-%d").map(Some).map_err(|_| {
                    ApiError::for_field(400, "invalid_date", field, format!("`{field}` is a date like 2026-11-01."))
                }),
            }
        };
        let to = date("to", to)?.unwrap_or(today);
        let from = date("from", from)?.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(ApiError::for_field(400, "invalid_range", "from", "`from` is after `to`."));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(ApiError::for_field(
                400,
                "invalid_range",
                "from",
                format!("A report covers at most {MAX_DAYS} days."),
            ));
        }
        Ok(Filter { from, to, product: check_product(product.map(str::to_owned))? })
    }

    /// The period as Unix seconds, `[start, end)`: local midnight before `from` to local midnight after `to`.
    pub fn bounds(&self, support: &Support) -> (i64, i64) {
        (local_midnight(support, self.from), local_midnight(support, self.to + Duration::days(1)))
    }
}

/// The Unix second at which `date` begins in the support team's time zone.
fn local_midnight(support: &Support, date: NaiveDate) -> i64 {
    let naive = date.and_hms_opt(0, 0, 0).map_or(0, |midnight| midnight.and_utc().timestamp());
    // The offset a few hours before may differ on a daylight-saving day; the one at the guess is right.
    let guess = naive - i64::from(support.offset_at(naive));
    naive - i64::from(support.offset_at(guess))
}

/// The local date and time of Unix second `at`.
pub fn local_time(support: &Support, at: i64) -> chrono::NaiveDateTime {
    let local = at + i64::from(support.offset_at(at));
    chrono::DateTime::from_timestamp(local, 0).unwrap_or_default().naive_utc()
}

/// One ticket in the period, as the report query reads it from D1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRow {
    pub at: i64,
    pub topic: Option<String>,
    pub urgency: Option<String>,
    pub product: Option<String>,
    pub incident_id: Option<String>,
    /// Where its delivery stands; missing for a ticket without an outbox row.
    pub state: Option<DeliveryState>,
    pub attempts: Option<u32>,
    /// Seconds from accepting the ticket to the helpdesk confirming it.
    pub delivery_seconds: Option<f64>,
    /// When an agent first answered in public (Unix seconds), if one has.
    #[serde(default)]
    pub first_response_at: Option<i64>,
    /// When it was first solved or closed, if it was.
    #[serde(default)]
    pub resolved_at: Option<i64>,
    /// When the first reply was promised for (the reply time the customer was told).
    #[serde(default)]
    pub reply_due_at: Option<i64>,
}

/// A rating given in the period, whenever its ticket was filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRow {
    pub at: i64,
    pub topic: Option<String>,
    /// `good` or `bad`.
    pub rating: String,
}

/// Events of one kind with one subject in one locale: `positive` counts searches that found something
/// and helpful votes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventGroup {
    pub kind: EventKind,
    pub locale: Option<String>,
    pub subject: String,
    pub count: u32,
    pub positive: u32,
}

/// Visits that used search or articles, and how many of them also filed a ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitCounts {
    pub visits: u32,
    pub with_ticket: u32,
}

/// Everything [`build`] needs besides the support team's configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub tickets: Vec<TicketRow>,
    pub ratings: Vec<RatingRow>,
    pub events: Vec<EventGroup>,
    pub visits: VisitCounts,
    /// Every product seen, for the filter.
    pub products: Vec<String>,
    /// Incident titles by notice id, for the notices still known.
    pub incident_titles: BTreeMap<String, String>,
    /// Visits shown a written answer, per locale and first source.
    pub answered: Vec<AnsweredVisits>,
    /// Visits shown a written answer, each once, and how many filed a ticket.
    pub answered_visits: VisitCounts,
    /// Each article's topic: `"<locale>/<slug>"` → its section's slug and title.
    pub topics: BTreeMap<String, (String, String)>,
}

/// `GET /api/admin/insights`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub product: Option<String>,
    pub time_zone: String,
    pub products: Vec<String>,
    pub volume: Volume,
    pub self_service: SelfService,
    pub satisfaction: Satisfaction,
    pub responsiveness: Responsiveness,
    pub delivery: Delivery,
    /// Written answers (issue 18); all zero where the site writes none.
    pub answers: AnswerFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub tickets: u32,
    /// Tickets per local hour of day, 0 to 23.
    pub by_hour: Vec<u32>,
    /// Tickets per local weekday, Monday first.
    pub by_weekday: Vec<u32>,
    /// Tickets per weekday (Monday first) and hour.
    pub by_weekday_hour: Vec<Vec<u32>>,
    pub by_day: Vec<DayCount>,
    pub by_topic: Vec<Count>,
    pub by_urgency: Vec<Count>,
    pub by_product: Vec<Count>,
    /// Tickets that arrived while the team was closed (evenings, weekends, holidays).
    pub outside_hours: u32,
    pub outside_hours_share: f64,
    /// Tickets that arrived between 22:00 and 07:00.
    pub at_night: u32,
    pub night_share: f64,
    /// The rule of thumb applied to the night share.
    pub advice: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfService {
    pub searches: u32,
    pub zero_result_searches: u32,
    /// The most frequent searches that found nothing: what to write next.
    pub top_zero_result: Vec<QueryCount>,
    pub article_views: u32,
    pub helpful: u32,
    pub not_helpful: u32,
    /// Per article, most viewed first.
    pub articles: Vec<ArticleStats>,
    pub deflections: u32,
    /// Visits that ended without a ticket plus tickets filed.
    pub contacts: u32,
    pub resolved_without_ticket: u32,
    pub self_service_share: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryCount {
    pub locale: Option<String>,
    pub query: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleStats {
    pub locale: Option<String>,
    pub slug: String,
    pub views: u32,
    pub helpful: u32,
    pub not_helpful: u32,
    pub deflections: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub good: u32,
    pub bad: u32,
    /// Ratings per week (the Monday it starts on) in which they were given.
    pub by_week: Vec<Ratings>,
    /// Ratings per ticket topic.
    pub by_topic: Vec<Ratings>,
    /// Tickets filed while a status notice was shown, per notice, most first.
    pub incidents: Vec<IncidentTickets>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub key: String,
    pub label: String,
    pub good: u32,
    pub bad: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentTickets {
    pub id: String,
    pub title: Option<String>,
    pub tickets: u32,
}

/// How fast the team answers and solves, and whether it keeps the reply time it promised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Responsiveness {
    /// Tickets of the period an agent answered.
    pub answered: u32,
    pub median_first_response_seconds: Option<f64>,
    pub p90_first_response_seconds: Option<f64>,
    /// Tickets of the period solved (or closed).
    pub resolved: u32,
    pub median_resolution_seconds: Option<f64>,
    pub p90_resolution_seconds: Option<f64>,
    /// Tickets whose promised reply time has come: answered, or unanswered past it by the period's end.
    pub promised: u32,
    /// Of those, answered by the promised time.
    pub within_promise: u32,
    pub within_promise_share: f64,
    pub by_topic: Vec<ResponseTimes>,
    pub by_urgency: Vec<ResponseTimes>,
}

/// Responsiveness for one topic or urgency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseTimes {
    pub key: String,
    pub label: String,
    pub tickets: u32,
    pub median_first_response_seconds: Option<f64>,
    pub median_resolution_seconds: Option<f64>,
    pub promised: u32,
    pub within_promise: u32,
    pub within_promise_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub delivered: u32,
    /// Accepted and not yet confirmed by the helpdesk (pending, or held while none is configured).
    pub waiting: u32,
    /// Needed more than one attempt.
    pub retried: u32,
    /// Refused by the helpdesk: an operator must look (`edgedesk tickets replay`).
    pub dead_lettered: u32,
    pub median_delivery_seconds: Option<f64>,
    pub p90_delivery_seconds: Option<f64>,
}

/// Turns the report queries' rows into the figures.
pub fn build(filter: &Filter, support: &Support, rows: Rows) -> Insights {
    Insights {
        from: filter.from,
        to: filter.to,
        product: filter.product.clone(),
        time_zone: support.time_zone.clone(),
        products: rows.products,
        volume: volume(filter, support, &rows.tickets),
        self_service: self_service(&rows.events, rows.visits, rows.tickets.len() as u32),
        satisfaction: satisfaction(support, &rows.tickets, &rows.ratings, &rows.incident_titles),
        responsiveness: responsiveness(filter.bounds(support).1, support, &rows.tickets),
        delivery: delivery(&rows.tickets),
        answers: answers::answers(&rows.events, &rows.answered, rows.answered_visits, &rows.topics),
    }
}

/// First-response and resolution times of `tickets`, and the promise kept, as of `end` (the period's end).
fn responsiveness(end: i64, support: &Support, tickets: &[TicketRow]) -> Responsiveness {
    let overall = response_times(String::new(), String::new(), end, tickets.iter());
    let grouped = |key: fn(&TicketRow) -> Option<&str>, label: &dyn Fn(&str) -> String| {
        let mut keys: Vec<&str> = tickets.iter().map(|ticket| key(ticket).unwrap_or("none")).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|wanted| {
                let of_key = tickets.iter().filter(|ticket| key(ticket).unwrap_or("none") == wanted);
                response_times(wanted.to_owned(), label(wanted), end, of_key)
            })
            .collect()
    };
    let first: Vec<f64> = sorted_seconds(tickets.iter(), |ticket| ticket.first_response_at);
    let resolution: Vec<f64> = sorted_seconds(tickets.iter(), |ticket| ticket.resolved_at);
    Responsiveness {
        answered: first.len() as u32,
        median_first_response_seconds: nearest_rank(&first, 0.5),
        p90_first_response_seconds: nearest_rank(&first, 0.9),
        resolved: resolution.len() as u32,
        median_resolution_seconds: nearest_rank(&resolution, 0.5),
        p90_resolution_seconds: nearest_rank(&resolution, 0.9),
        promised: overall.promised,
        within_promise: overall.within_promise,
        within_promise_share: overall.within_promise_share,
        by_topic: grouped(|ticket| ticket.topic.as_deref(), &|id| support.topic_title(id, "en")),
        by_urgency: grouped(|ticket| ticket.urgency.as_deref(), &str::to_owned),
    }
}

/// Seconds from each ticket's arrival to the moment `when` gives, sorted; tickets without one left out.
fn sorted_seconds<'a>(tickets: impl Iterator<Item = &'a TicketRow>, when: fn(&TicketRow) -> Option<i64>) -> Vec<f64> {
    sorted(tickets.filter_map(|ticket| when(ticket).map(|at| (at - ticket.at).max(0) as f64)))
}

/// `values` in order, for [`nearest_rank`].
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values
}

fn response_times<'a>(
    key: String,
    label: String,
    end: i64,
    tickets: impl Iterator<Item = &'a TicketRow> + Clone,
) -> ResponseTimes {
    let first = sorted_seconds(tickets.clone(), |ticket| ticket.first_response_at);
    let resolution = sorted_seconds(tickets.clone(), |ticket| ticket.resolved_at);
    let (mut promised, mut within_promise) = (0, 0);
    for ticket in tickets.clone() {
        let Some(due) = ticket.reply_due_at else { continue };
        match ticket.first_response_at {
            Some(answered) => {
                promised += 1;
                within_promise += u32::from(answered <= due);
            }
            None if due < end => promised += 1,
            None => {}
        }
    }
    ResponseTimes {
        key,
        label,
        tickets: tickets.count() as u32,
        median_first_response_seconds: nearest_rank(&first, 0.5),
        median_resolution_seconds: nearest_rank(&resolution, 0.5),
        promised,
        within_promise,
        within_promise_share: share(within_promise, promised),
    }
}

fn volume(filter: &Filter, support: &Support, tickets: &[TicketRow]) -> Volume {
    let mut by_weekday_hour = vec![vec![0u32; 24]; 7];
    let mut by_day: BTreeMap<NaiveDate, u32> =
        filter.from.iter_days().take_while(|day| *day <= filter.to).map(|day| (day, 0)).collect();
    let (mut outside_hours, mut at_night) = (0, 0);
    for ticket in tickets {
        let local = local_time(support, ticket.at);
        let hour = local.hour();
        by_weekday_hour[local.weekday().num_days_from_monday() as usize][hour as usize] += 1;
        *by_day.entry(local.date()).or_default() += 1;
        outside_hours += u32::from(!support.is_open(ticket.at));
        at_night += u32::from(!(NIGHT_ENDS..NIGHT_STARTS).contains(&hour));
    }
    let total = tickets.len() as u32;
    let night_share = share(at_night, total);
    let topic_label = |id: &str| support.topic_title(id, "en");
    Volume {
        tickets: total,
        by_hour: (0..24).map(|hour| by_weekday_hour.iter().map(|day| day[hour]).sum()).collect(),
        by_weekday: by_weekday_hour.iter().map(|day| day.iter().sum()).collect(),
        by_weekday_hour,
        by_day: by_day.into_iter().map(|(date, count)| DayCount { date, count }).collect(),
        by_topic: counts(tickets.iter().map(|ticket| ticket.topic.as_deref()), topic_label),
        by_urgency: counts(tickets.iter().map(|ticket| ticket.urgency.as_deref()), str::to_owned),
        by_product: counts(tickets.iter().map(|ticket| ticket.product.as_deref()), str::to_owned),
        outside_hours,
        outside_hours_share: share(outside_hours, total),
        at_night,
        night_share,
        advice: night_advice(night_share, total),
    }
}

/// The rule of thumb, applied: a support lead reads the night share against it.
pub fn night_advice(night_share: f64, tickets: u32) -> String {
    let percent = night_share * 100.0;
    let threshold = NIGHT_COVER_THRESHOLD * 100.0;
    if tickets == 0 {
        "No tickets in this period.".to_owned()
    } else if night_share >= NIGHT_COVER_THRESHOLD {
        format!(
            "{percent:.1} % of tickets arrive at night (22:00–07:00). From {threshold:.0} % on, round-the-clock \
             cover usually pays off."
        )
    } else {
        format!(
            "{percent:.1} % of tickets arrive at night (22:00–07:00), under the {threshold:.0} % from which \
             round-the-clock cover usually pays off."
        )
    }
}

/// Counts per key, most first (ties by key); tickets without one are counted as "none".
fn counts<'a>(keys: impl Iterator<Item = Option<&'a str>>, label: impl Fn(&str) -> String) -> Vec<Count> {
    let mut tally: BTreeMap<&str, u32> = BTreeMap::new();
    for key in keys {
        *tally.entry(key.unwrap_or("none")).or_default() += 1;
    }
    let mut counts: Vec<Count> =
        tally.into_iter().map(|(key, count)| Count { key: key.to_owned(), label: label(key), count }).collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    counts
}

fn self_service(events: &[EventGroup], visits: VisitCounts, tickets: u32) -> SelfService {
    let total = |kind: EventKind| events.iter().filter(|group| group.kind == kind).map(|group| group.count).sum();
    let searches: u32 = total(EventKind::Search);
    let mut top_zero_result: Vec<QueryCount> = events
        .iter()
        .filter(|group| group.kind == EventKind::Search && group.count > group.positive)
        .map(|group| QueryCount {
            locale: group.locale.clone(),
            query: group.subject.clone(),
            count: group.count - group.positive,
        })
        .collect();
    let zero_result_searches = top_zero_result.iter().map(|query| query.count).sum();
    top_zero_result.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
    top_zero_result.truncate(TOP);

    let mut articles: BTreeMap<(Option<String>, String), ArticleStats> = BTreeMap::new();
    let about_articles = [EventKind::ArticleView, EventKind::Feedback, EventKind::Deflection];
    for group in events.iter().filter(|group| about_articles.contains(&group.kind)) {
        let stats = articles.entry((group.locale.clone(), group.subject.clone())).or_insert_with(|| ArticleStats {
            locale: group.locale.clone(),
            slug: group.subject.clone(),
            views: 0,
            helpful: 0,
            not_helpful: 0,
            deflections: 0,
        });
        match group.kind {
            EventKind::ArticleView => stats.views += group.count,
            EventKind::Feedback => {
                stats.helpful += group.positive;
                stats.not_helpful += group.count - group.positive;
            }
            EventKind::Deflection => stats.deflections += group.count,
            _ => {}
        }
    }
    let mut articles: Vec<ArticleStats> = articles.into_values().collect();
    let (helpful, not_helpful) = articles.iter().fold((0, 0), |(yes, no), a| (yes + a.helpful, no + a.not_helpful));
    articles.sort_by(|a, b| {
        (b.views, b.helpful + b.not_helpful)
            .cmp(&(a.views, a.helpful + a.not_helpful))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    articles.truncate(TOP);

    let resolved_without_ticket = visits.visits.saturating_sub(visits.with_ticket);
    let contacts = resolved_without_ticket + tickets;
    SelfService {
        searches,
        zero_result_searches,
        top_zero_result,
        article_views: total(EventKind::ArticleView),
        helpful,
        not_helpful,
        articles,
        deflections: total(EventKind::Deflection),
        contacts,
        resolved_without_ticket,
        self_service_share: share(resolved_without_ticket, contacts),
    }
}

fn satisfaction(
    support: &Support,
    tickets: &[TicketRow],
    ratings: &[RatingRow],
    titles: &BTreeMap<String, String>,
) -> Satisfaction {
    let mut by_week: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
    let mut by_topic: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut incidents: BTreeMap<&str, u32> = BTreeMap::new();
    for incident in tickets.iter().filter_map(|ticket| ticket.incident_id.as_deref()) {
        *incidents.entry(incident).or_default() += 1;
    }
    for rating in ratings {
        let good = match rating.rating.as_str() {
            "good" => true,
            "bad" => false,
            _ => continue,
        };
        let day = local_time(support, rating.at).date();
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let tally = |(yes, no): &mut (u32, u32)| if good { *yes += 1 } else { *no += 1 };
        tally(by_week.entry(monday).or_default());
        tally(by_topic.entry(rating.topic.clone().unwrap_or_else(|| "none".into())).or_default());
    }
    let (good, bad) = by_week.values().fold((0, 0), |(yes, no), (g, b)| (yes + g, no + b));
    let mut incidents: Vec<IncidentTickets> = incidents
        .into_iter()
        .map(|(id, tickets)| IncidentTickets { id: id.to_owned(), title: titles.get(id).cloned(), tickets })
        .collect();
    incidents.sort_by(|a, b| b.tickets.cmp(&a.tickets).then_with(|| a.id.cmp(&b.id)));
    Satisfaction {
        good,
        bad,
        by_week: by_week
            .into_iter()
            .map(|(monday, (good, bad))| Ratings {
                key: monday.to_string(),
                label: format!("Week of {}", monday.format("%b %-d")),
                good,
                bad,
            })
            .collect(),
        by_topic: by_topic
            .into_iter()
            .map(|(topic, (good, bad))| Ratings { label: support.topic_title(&topic, "en"), key: topic, good, bad })
            .collect(),
        incidents,
    }
}

fn delivery(tickets: &[TicketRow]) -> Delivery {
    let state = |wanted: &[DeliveryState]| {
        tickets.iter().filter(|ticket| ticket.state.is_some_and(|state| wanted.contains(&state))).count() as u32
    };
    let seconds = sorted(tickets.iter().filter_map(|ticket| ticket.delivery_seconds));
    Delivery {
        delivered: state(&[DeliveryState::Delivered]),
        waiting: state(&[DeliveryState::Pending, DeliveryState::Held]),
        retried: tickets.iter().filter(|ticket| ticket.attempts.unwrap_or(0) > 1).count() as u32,
        dead_lettered: state(&[DeliveryState::Failed]),
        median_delivery_seconds: nearest_rank(&seconds, 0.5),
        p90_delivery_seconds: nearest_rank(&seconds, 0.9),
    }
}

/// The nearest-rank percentile of sorted values.
pub fn nearest_rank(sorted: &[f64], percentile: f64) -> Option<f64> {
    let rank = (percentile * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied()
}

/// Seconds as a person reads them: "4 s", "3 min", "2.5 h".
pub fn duration(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// A share as a person reads it: "12.5 %".
pub fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// `part / whole`, 0 when there is no whole.
pub fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 { 0.0 } else { f64::from(part) / f64::from(whole) }
}

/// The report as CSV, one figure per line (`section,key,value`), for spreadsheets: every chart's data
/// and every list. A cell that a spreadsheet would read as a formula (customers' queries can start
/// with `=`) is quoted with a leading apostrophe.
pub fn to_csv(insights: &Insights) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, key: &str, value: String| {
        let _ = writer.write_record([section, &defuse_formula(key), &defuse_formula(&value)]);
    };
    row("section", "key", "value".into());
    let volume = &insights.volume;
    row("period", "from", insights.from.to_string());
    row("period", "to", insights.to.to_string());
    row("period", "product", insights.product.clone().unwrap_or_default());
    row("period", "time_zone", insights.time_zone.clone());
    row("tickets", "total", volume.tickets.to_string());
    row("tickets", "outside_business_hours", volume.outside_hours.to_string());
    row("tickets", "outside_business_hours_share", volume.outside_hours_share.to_string());
    row("tickets", "at_night", volume.at_night.to_string());
    row("tickets", "night_share", volume.night_share.to_string());
    for (hour, count) in volume.by_hour.iter().enumerate() {
        row("tickets_by_hour", &format!("{hour:02}"), count.to_string());
    }
    for (day, count) in WEEKDAYS.iter().zip(&volume.by_weekday) {
        row("tickets_by_weekday", day, count.to_string());
    }
    for day in &volume.by_day {
        row("tickets_by_day", &day.date.to_string(), day.count.to_string());
    }
    for (section, counts) in [
        ("tickets_by_topic", &volume.by_topic),
        ("tickets_by_urgency", &volume.by_urgency),
        ("tickets_by_product", &volume.by_product),
    ] {
        for count in counts {
            row(section, &count.key, count.count.to_string());
        }
    }
    let service = &insights.self_service;
    for (key, value) in [
        ("searches", service.searches),
        ("zero_result_searches", service.zero_result_searches),
        ("article_views", service.article_views),
        ("helpful", service.helpful),
        ("not_helpful", service.not_helpful),
        ("deflections", service.deflections),
        ("contacts", service.contacts),
        ("resolved_without_ticket", service.resolved_without_ticket),
    ] {
        row("self_service", key, value.to_string());
    }
    row("self_service", "self_service_share", service.self_service_share.to_string());
    for query in &service.top_zero_result {
        row("zero_result_query", &query.query, query.count.to_string());
    }
    for article in &service.articles {
        let key = format!("{}/{}", article.locale.as_deref().unwrap_or(""), article.slug);
        row("article_views", &key, article.views.to_string());
        row("article_helpful", &key, article.helpful.to_string());
        row("article_not_helpful", &key, article.not_helpful.to_string());
        row("article_deflections", &key, article.deflections.to_string());
    }
    let satisfaction = &insights.satisfaction;
    row("ratings", "good", satisfaction.good.to_string());
    row("ratings", "bad", satisfaction.bad.to_string());
    for (section, ratings) in [("ratings_by_week", &satisfaction.by_week), ("ratings_by_topic", &satisfaction.by_topic)]
    {
        for rating in ratings {
            row(&format!("{section}_good"), &rating.key, rating.good.to_string());
            row(&format!("{section}_bad"), &rating.key, rating.bad.to_string());
        }
    }
    for incident in &satisfaction.incidents {
        row("tickets_during_incident", &incident.id, incident.tickets.to_string());
    }
    let answers = &insights.answers;
    let answer_counts = |counts: &answers::AnswerCounts| {
        [
            ("shown", counts.shown.to_string()),
            ("helpful", counts.helpful.to_string()),
            ("not_helpful", counts.not_helpful.to_string()),
            ("contacted", counts.contacted.to_string()),
            ("visits", counts.visits.to_string()),
            ("visits_without_ticket", counts.visits_without_ticket.to_string()),
            ("resolution_rate", counts.resolution_rate.to_string()),
        ]
    };
    for (key, value) in answer_counts(&answers.overall) {
        row("answers", key, value);
    }
    row("answers", "unsure", answers.unsure.to_string());
    for (section, groups) in [("answers_by_locale", &answers.by_locale), ("answers_by_topic", &answers.by_topic)] {
        for group in groups {
            for (figure, value) in answer_counts(&group.counts) {
                row(&format!("{section}_{figure}"), &group.key, value);
            }
        }
    }
    let responsiveness = &insights.responsiveness;
    let seconds = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    for (key, value) in [
        ("answered", responsiveness.answered),
        ("resolved", responsiveness.resolved),
        ("promised", responsiveness.promised),
        ("within_promise", responsiveness.within_promise),
    ] {
        row("responsiveness", key, value.to_string());
    }
    row("responsiveness", "within_promise_share", responsiveness.within_promise_share.to_string());
    for (key, value) in [
        ("median_first_response_seconds", responsiveness.median_first_response_seconds),
        ("p90_first_response_seconds", responsiveness.p90_first_response_seconds),
        ("median_resolution_seconds", responsiveness.median_resolution_seconds),
        ("p90_resolution_seconds", responsiveness.p90_resolution_seconds),
    ] {
        row("responsiveness", key, seconds(value));
    }
    for (section, groups) in [("by_topic", &responsiveness.by_topic), ("by_urgency", &responsiveness.by_urgency)] {
        for group in groups {
            row(&format!("first_response_{section}"), &group.key, seconds(group.median_first_response_seconds));
            row(&format!("resolution_{section}"), &group.key, seconds(group.median_resolution_seconds));
            row(&format!("within_promise_{section}"), &group.key, group.within_promise_share.to_string());
        }
    }
    let delivery = &insights.delivery;
    for (key, value) in [
        ("delivered", delivery.delivered),
        ("waiting", delivery.waiting),
        ("retried", delivery.retried),
        ("dead_lettered", delivery.dead_lettered),
    ] {
        row("delivery", key, value.to_string());
    }
    row("delivery", "median_seconds", seconds(delivery.median_delivery_seconds));
    row("delivery", "p90_seconds", seconds(delivery.p90_delivery_seconds));
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn defuse_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

#[cfg(test)]
mod tests;
