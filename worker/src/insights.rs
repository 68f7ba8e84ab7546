//! What customers do without writing a ticket, recorded as insights events — searches, articles read,
//! votes, suggested articles that answered before a ticket was sent — and the reports a support lead and
//! the editors read from them. Events are written after the response has gone (`waitUntil`), so
//! recording never slows a customer down.

use std::collections::BTreeMap;

use edgedesk_answers::grounding::Judgement;
use edgedesk_insights::{self as insights, Event, EventKind, Filter, Insights};
use edgedesk_protocol::api::{ApiError, ArticleFeedback, Deflection, GapsResponse, Section, parse_body, parse_limit};
use edgedesk_protocol::insights::NewEvent;
use worker::{Env, Request, Response};

use crate::edge::{self, INSIGHTS_RETENTION_DAYS, Moment, authorize_admin};
use crate::http::{ApiResult, decode, internal, json, json_body, no_content, query_param, set_header};
use crate::knowledge;
use crate::store::{self, assets, events, notices};

/// The locale an article is served in, for an event about it; 404 when there is no such article.
async fn article_locale(env: &Env, requested: Option<&str>, slug: &str) -> Result<String, ApiError> {
    assets::article_locale(env, requested, slug)
        .await?
        .ok_or_else(|| ApiError::for_field(404, "not_found", "slug", format!("The article `{slug}` does not exist.")))
}

/// Each article's topic, for the written answers' figures: `"<locale>/<slug>"` → its section's slug and
/// title, from the build's sections of every locale.
async fn article_topics(env: &Env) -> Result<BTreeMap<String, (String, String)>, ApiError> {
    let mut topics = BTreeMap::new();
    for locale in assets::manifest(env).await?.locales.keys() {
        let sections: Vec<Section> = serde_json::from_slice(&assets::sections(env, locale).await?).map_err(internal)?;
        for section in sections {
            for article in section.articles {
                topics.insert(format!("{locale}/{}", article.slug), (section.slug.clone(), section.title.clone()));
            }
        }
    }
    Ok(topics)
}

/// Stores `event` once the response is on its way. A write that fails then is logged for operators;
/// the customer was never waiting for it.
fn record_after_response(
    env: &Env,
    context: &worker::Context,
    event: &Event,
    address: Option<&str>,
) -> Result<(), ApiError> {
    let statement = events::insert(&store::database(env)?, event, address)?;
    context.wait_until(async move {
        if let Err(error) = statement.run().await {
            worker::console_error!("an insights event was not stored: {error}");
        }
    });
    Ok(())
}

/// `POST /api/events`: a search the customer settled on, or an article read; answered `202`.
pub async fn record(mut request: Request, env: &Env, context: &worker::Context) -> ApiResult {
    let body = json_body(&mut request, NewEvent::MAX_BYTES).await?;
    let mut event = insights::parse_event(&body, Moment::of(&request, env)?.at)?;
    edge::limit_events(&request, env).await?;
    let locale = if event.kind == EventKind::ArticleView {
        article_locale(env, event.locale.as_deref(), &event.subject).await?
    } else {
        assets::manifest(env).await?.choose_locale(event.locale.as_deref()).to_owned()
    };
    event.locale = Some(locale);
    // Searches and reading, from one visit, are what ranking learns from; it counts addresses by hash.
    let address = crate::learning::address_hash(&request, env).await;
    record_after_response(env, context, &event, address.as_deref())?;
    if let Some(unsure) = unanswerable_question(env, &event).await? {
        record_after_response(env, context, &unsure, None)?;
    }
    Ok(Response::empty().map_err(internal)?.with_status(202))
}

/// On a site that writes answers, a settled search that found articles but none that covers the question
/// well enough to answer it: the gaps report lists it beside the searches that found nothing.
async fn unanswerable_question(env: &Env, search: &Event) -> Result<Option<Event>, ApiError> {
    if search.kind != EventKind::Search || search.value == 0 || knowledge::answer_settings(env).await?.is_none() {
        return Ok(None);
    }
    let locale = search.locale.as_deref().unwrap_or_default();
    let (_, judgement) = knowledge::judge_question(env, locale, &search.subject).await?;
    Ok((judgement == Judgement::Unsure).then(|| Event { kind: EventKind::AnswerUnsure, value: 0, ..search.clone() }))
}

/// `POST /api/articles/{slug}/feedback`: was the article helpful?
pub async fn vote(mut request: Request, env: &Env, slug: &str) -> ApiResult {
    let slug = decode(slug);
    let vote = insights::parse_vote(&json_body(&mut request, ArticleFeedback::MAX_BYTES).await?)?;
    edge::limit_events(&request, env).await?;
    let Some(locale) = assets::article_locale(env, vote.locale.as_deref(), &slug).await? else {
        return Err(ApiError::not_found(&format!("The article `{slug}`")));
    };
    let event = Event::vote(Moment::of(&request, env)?.at, slug, locale, vote);
    events::insert(&store::database(env)?, &event, None)?.run().await.map_err(internal)?;
    no_content()
}

/// `POST /api/deflections`: a suggested article answered the question before a ticket was sent.
pub async fn deflection(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, Deflection::MAX_BYTES).await?;
    let deflection: Deflection = parse_body(&body, &Deflection::FIELDS, Deflection::MAX_BYTES, "deflection")?;
    edge::limit_events(&request, env).await?;
    let locale = article_locale(env, Some(&deflection.locale), &deflection.slug).await?;
    let event = Event::deflection(Moment::of(&request, env)?.at, locale, deflection);
    events::insert(&store::database(env)?, &event, None)?.run().await.map_err(internal)?;
    no_content()
}

/// `POST /api/gaps`: a search that found nothing, from widgets that reported it beside the search event
/// itself (`POST /api/events`). That event is what counts, so this one is checked and answered, and
/// recording it again would count the search twice.
pub async fn gap(mut request: Request, env: &Env) -> ApiResult {
    edge::limit_events(&request, env).await?;
    let body = json_body(&mut request, NewEvent::MAX_BYTES).await?;
    insights::parse_gap(&body, Moment::of(&request, env)?.at)?;
    no_content()
}

/// `GET /api/admin/gaps?locale=&limit=`: the most frequent searches without results.
pub async fn gaps(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let limit = parse_limit(query_param(request, "limit")?.as_deref())?;
    let locale = query_param(request, "locale")?.filter(|locale| !locale.is_empty());
    let gaps = events::gaps(&store::database(env)?, locale.as_deref(), limit).await?;
    json(200, &GapsResponse { gaps })
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
    let support = assets::support(env).await?;
    let today = insights::local_time(&support, Moment::of(request, env)?.at).date();
    let filter = Filter::parse(
        query_param(request, "from")?.as_deref(),
        query_param(request, "to")?.as_deref(),
        query_param(request, "product")?.as_deref(),
        today,
    )?;
    let incident_titles = notices::all(env).await?.into_iter().map(|notice| (notice.id, notice.title)).collect();
    let topics = article_topics(env).await?;
    let rows =
        events::report_rows(&store::database(env)?, filter.bounds(&support), &filter, incident_titles, topics).await?;
    Ok(insights::build(&filter, &support, rows))
}

/// Forgets events older than the retention period; run by the sweep. A retention the operator mistyped
/// (`make deploy` refuses one) falls back to the default, logged, rather than keeping events forever or
/// stopping the sweep that delivers tickets.
pub async fn forget_old(env: &Env, now: i64) -> Result<(), ApiError> {
    let days = insights::retention_days(edge::var(env, INSIGHTS_RETENTION_DAYS).as_deref()).unwrap_or_else(|problem| {
        worker::console_error!("{problem}; keeping events for the default {} days", insights::DEFAULT_RETENTION_DAYS);
        insights::DEFAULT_RETENTION_DAYS
    });
    events::forget_before(&store::database(env)?, now - i64::from(days) * 86_400).await
}
