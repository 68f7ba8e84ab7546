//! What customers tell us without a ticket: article votes and searches that found nothing, in D1.

use edgedesk_insights::feedback::{self, MAX_FEEDBACK_BYTES};
use edgedesk_insights::{self as insights, Event, EventKind};
use edgedesk_protocol::api::{ApiError, GapCount, GapsResponse};
use edgedesk_search as search;
use worker::{Env, Request};

use crate::http::{ApiResult, authorize_admin, internal, json, json_body, no_content, query_param};
use crate::{d1, knowledge, status};

pub async fn article_feedback(mut request: Request, env: &Env, slug: &str) -> ApiResult {
    let slug = knowledge::decode(slug);
    let vote = feedback::parse_article_feedback(&json_body(&mut request, MAX_FEEDBACK_BYTES).await?)?;
    if let Some(limited) = crate::insights::over_limit(&request, env).await? {
        return Ok(limited);
    }
    let Some(locale) = knowledge::article_locale(env, vote.locale.as_deref(), &slug).await? else {
        return Err(ApiError::not_found(&format!("The article `{slug}`")));
    };
    let event = Event {
        at: status::now(&request, env)?.0,
        kind: EventKind::Feedback,
        visit: insights::visit_id(vote.visit),
        product: insights::product_name(vote.product),
        locale: Some(locale),
        subject: slug,
        value: u32::from(vote.helpful),
    };
    crate::insights::insert(&d1::database(env)?, &event)?.run().await.map_err(internal)?;
    no_content()
}

pub async fn search_gap(mut request: Request, env: &Env) -> ApiResult {
    let gap = feedback::parse_search_gap(&json_body(&mut request, MAX_FEEDBACK_BYTES).await?)?;
    let manifest = knowledge::manifest(env).await?;
    let locale = manifest.choose_locale(gap.locale.as_deref()).to_owned();
    d1::run(
        &d1::database(env)?,
        "INSERT INTO search_gaps (locale, query) VALUES (?1, ?2) \
             ON CONFLICT (locale, query) DO UPDATE SET searches = searches + 1, \
             last_seen = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        &[locale.as_str().into(), gap.query.as_str().into()],
    )
    .await?;
    no_content()
}

/// `GET /api/admin/gaps?locale=&limit=`: the most frequent searches without results.
pub async fn gaps(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let limit = search::parse_limit(query_param(request, "limit")?.as_deref())?;
    let locale = query_param(request, "locale")?.filter(|locale| !locale.is_empty());
    let rows = d1::all::<GapCount>(
        &d1::database(env)?,
        "SELECT locale, query, searches, last_seen FROM search_gaps WHERE ?1 IS NULL OR locale = ?1 \
             ORDER BY searches DESC, last_seen DESC LIMIT ?2",
        &[d1::nullable(locale.as_deref()), (limit as u32).into()],
    )
    .await?;
    json(200, &GapsResponse { gaps: rows })
}
