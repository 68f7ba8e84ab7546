//! Support insights at the edge: the widget's events are written after the response has gone (so
//! recording never slows a customer down), and a report is a handful of grouping queries in one D1
//! batch whose rows edgedesk-insights turns into figures, CSV and the admin page's charts.

use edgedesk_insights::{
    self as insights, Event, EventGroup, Filter, Insights, RatingRow, Rows, TicketRow, VisitCounts,
};
use edgedesk_protocol::api::ApiError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use worker::{D1Database, D1PreparedStatement, D1Result, Env, Request, Response};

use crate::http::{
    ApiResult, authorize_admin, header, internal, json, json_body, query_param, set_header, too_many_requests,
};
use crate::{d1, knowledge, status, tickets};

/// Days events are kept; see [`insights::retention_days`].
const RETENTION_DAYS: &str = "INSIGHTS_RETENTION_DAYS";
/// Events per client address a minute (`wrangler.toml`): far above what people typing send, low enough
/// that a script cannot fill D1 or skew the figures.
const EVENT_LIMITER: &str = "EVENT_LIMITER";

/// Tickets accepted in `[?1, ?2)`, of product ?3 if given, with their delivery and rating.
const TICKETS: &str = "SELECT CAST(strftime('%s', t.created_at) AS INTEGER) AS at, t.topic, t.urgency, t.product, \
     t.incident_id, o.state, o.attempts, \
     (SELECT ROUND((julianday(MIN(e.at)) - julianday(t.created_at)) * 86400, 3) FROM ticket_events e \
      WHERE e.number = t.number AND e.status = 'delivered') AS delivery_seconds \
     FROM tickets t LEFT JOIN outbox o ON o.number = t.number \
     WHERE CAST(strftime('%s', t.created_at) AS INTEGER) >= ?1 AND CAST(strftime('%s', t.created_at) AS INTEGER) < ?2 \
     AND (?3 IS NULL OR t.product = ?3)";
/// Ratings given in `[?1, ?2)`; one given before `rated_at` was recorded counts when its ticket was filed.
const RATINGS: &str = "SELECT at, topic, rating FROM (SELECT COALESCE(rated_at, CAST(strftime('%s', created_at) AS INTEGER)) \
     AS at, topic, rating, product FROM tickets WHERE rating IS NOT NULL) WHERE at >= ?1 AND at < ?2 \
     AND (?3 IS NULL OR product = ?3)";
const EVENTS: &str = "SELECT kind, locale, subject, COUNT(*) AS count, SUM(value > 0) AS positive FROM events \
     WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR product = ?3) GROUP BY kind, locale, subject";
/// Visits that searched or read, and how many of them filed a ticket in the period.
const VISITS: &str = "SELECT COUNT(*) AS visits, COALESCE(SUM(visit IN (SELECT visit FROM tickets \
     WHERE visit IS NOT NULL AND CAST(strftime('%s', created_at) AS INTEGER) >= ?1 \
     AND CAST(strftime('%s', created_at) AS INTEGER) < ?2 AND (?3 IS NULL OR product = ?3))), 0) AS with_ticket \
     FROM (SELECT DISTINCT visit FROM events WHERE visit IS NOT NULL AND at >= ?1 AND at < ?2 \
     AND (?3 IS NULL OR product = ?3))";
/// The products to filter by: the 50 most used, so names nobody uses cannot crowd out the real ones.
const PRODUCTS: &str = "SELECT product FROM (SELECT product, COUNT(*) AS uses FROM (SELECT product FROM tickets \
     WHERE product IS NOT NULL UNION ALL SELECT product FROM events WHERE product IS NOT NULL) \
     GROUP BY product ORDER BY uses DESC LIMIT 50) ORDER BY product";

/// The statement that stores one event.
pub fn insert(database: &D1Database, event: &Event) -> Result<D1PreparedStatement, ApiError> {
    d1::statement(
        database,
        "INSERT INTO events (at, kind, visit, product, locale, subject, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            (event.at as f64).into(),
            event.kind.name().into(),
            d1::nullable(event.visit.as_deref()),
            d1::nullable(event.product.as_deref()),
            d1::nullable(event.locale.as_deref()),
            event.subject.as_str().into(),
            event.value.into(),
        ],
    )
}

/// `POST /api/events`: checked now, answered `202`, written once the response is on its way. A write
/// that fails then is logged for operators; the customer was never waiting for it.
pub async fn record(mut request: Request, env: &Env, context: &worker::Context) -> ApiResult {
    let body = json_body(&mut request, insights::NewEvent::MAX_BYTES).await?;
    let (now, _) = status::now(&request, env)?;
    let mut event = insights::parse_event(&body, now)?;
    if let Some(limited) = over_limit(&request, env).await? {
        return Ok(limited);
    }
    let locale = if event.kind == insights::EventKind::ArticleView {
        knowledge::article_locale(env, event.locale.as_deref(), &event.subject).await?.ok_or_else(|| {
            ApiError::for_field(404, "not_found", "slug", format!("The article `{}` does not exist.", event.subject))
        })?
    } else {
        knowledge::manifest(env).await?.choose_locale(event.locale.as_deref()).to_owned()
    };
    event.locale = Some(locale);
    let statement = insert(&d1::database(env)?, &event)?;
    context.wait_until(async move {
        if let Err(error) = statement.run().await {
            worker::console_error!("an insights event was not stored: {error}");
        }
    });
    Ok(Response::empty().map_err(internal)?.with_status(202))
}

/// The `429` for an address that sent more than its share of events (searches, reading, votes,
/// deflections) this minute; `None` while it is within it.
pub async fn over_limit(request: &Request, env: &Env) -> Result<Option<Response>, ApiError> {
    let client_ip = header(request, "CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into());
    if tickets::within_limits(env, EVENT_LIMITER, vec![format!("ip:{client_ip}")]).await? {
        return Ok(None);
    }
    let message = "Too many events from this address; try again in a minute.";
    too_many_requests(tickets::RATE_LIMIT_PERIOD_SECONDS, message).map(Some)
}

/// `GET /api/admin/insights`: the figures as JSON.
pub async fn report(request: &Request, env: &Env) -> ApiResult {
    json(200, &gather(request, env).await?)
}

/// `GET /api/admin/insights.csv`: the figures for a spreadsheet.
pub async fn csv(request: &Request, env: &Env) -> ApiResult {
    let insights = gather(request, env).await?;
    let mut response = Response::ok(insights::to_csv(&insights)).map_err(internal)?;
    set_header(&mut response, "Content-Type", "text/csv; charset=utf-8")?;
    let name = format!("edgedesk-insights-{}-{}.csv", insights.from, insights.to);
    set_header(&mut response, "Content-Disposition", &format!("attachment; filename=\"{name}\""))?;
    Ok(response)
}

/// `GET /api/admin/insights.html`: the admin page's report, charts included.
pub async fn page(request: &Request, env: &Env) -> ApiResult {
    let insights = gather(request, env).await?;
    let mut response = Response::from_html(insights::render(&insights)).map_err(internal)?;
    set_header(&mut response, "Content-Security-Policy", "default-src 'none'; sandbox")?;
    Ok(response)
}

async fn gather(request: &Request, env: &Env) -> Result<Insights, ApiError> {
    authorize_admin(request, env)?;
    let support = knowledge::support(env).await?;
    let (now, _) = status::now(request, env)?;
    let today = insights::local_time(&support, now).date();
    let filter = Filter::parse(
        query_param(request, "from")?.as_deref(),
        query_param(request, "to")?.as_deref(),
        query_param(request, "product")?.as_deref(),
        today,
    )?;
    let (start, end) = filter.bounds(&support);
    let database = d1::database(env)?;
    let range = [(start as f64).into(), (end as f64).into(), d1::nullable(filter.product.as_deref())];
    let results = database
        .batch(vec![
            d1::statement(&database, TICKETS, &range)?,
            d1::statement(&database, RATINGS, &range)?,
            d1::statement(&database, EVENTS, &range)?,
            d1::statement(&database, VISITS, &range)?,
            d1::statement(&database, PRODUCTS, &[])?,
        ])
        .await
        .map_err(internal)?;
    let [tickets, ratings, events, visits, products] = results.as_slice() else {
        return Err(internal(format!("the report batch answered {} results", results.len())));
    };
    #[derive(Deserialize)]
    struct Product {
        product: String,
    }
    let incident_titles = status::all_notices(env).await?.into_iter().map(|notice| (notice.id, notice.title)).collect();
    let rows = Rows {
        tickets: rows::<TicketRow>(tickets)?,
        ratings: rows::<RatingRow>(ratings)?,
        events: rows::<EventGroup>(events)?,
        visits: rows::<VisitCounts>(visits)?.into_iter().next().unwrap_or_default(),
        products: rows::<Product>(products)?.into_iter().map(|row| row.product).collect(),
        incident_titles,
    };
    Ok(insights::build(&filter, &support, rows))
}

fn rows<T: DeserializeOwned>(result: &D1Result) -> Result<Vec<T>, ApiError> {
    result.results().map_err(internal)
}

/// Forgets events older than the retention period; run by the sweep. A retention the operator mistyped
/// (`make deploy` refuses one) falls back to the default, logged, rather than keeping events forever or
/// stopping the sweep that delivers tickets.
pub async fn forget_old(env: &Env, database: &D1Database, now: i64) -> Result<(), ApiError> {
    let configured = env.var(RETENTION_DAYS).ok().map(|var| var.to_string());
    let days = insights::retention_days(configured.as_deref()).unwrap_or_else(|problem| {
        worker::console_error!("{problem}; keeping events for the default {} days", insights::DEFAULT_RETENTION_DAYS);
        insights::DEFAULT_RETENTION_DAYS
    });
    let cutoff = now - i64::from(days) * 86_400;
    d1::run(database, "DELETE FROM events WHERE at < ?1", &[(cutoff as f64).into()]).await?;
    Ok(())
}
