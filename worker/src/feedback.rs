//! What customers tell us without a ticket: article votes and searches that found nothing, in D1.

use edgedesk_insights::{self as insights, Event};
use edgedesk_protocol::api::{ApiError, ArticleFeedback, GapCount, GapsResponse, parse_limit};
use edgedesk_protocol::insights::NewEvent;
use worker::{Env, Request};

use crate::http::{ApiResult, authorize_admin, internal, json, json_body, no_content, query_param};
use crate::{d1, knowledge, status};

pub async fn article_feedback(mut request: Request, env: &Env, slug: &str) -> ApiResult {
    let slug = knowledge::decode(slug);
    let vote = insights::parse_vote(&json_body(&mut request, ArticleFeedback::MAX_BYTES).await?)?;
    if let Some(limited) = crate::insights::over_limit(&request, env).await? {
        return Ok(limited);
    }
    let Some(locale) = knowledge::article_locale(env, vote.locale.as_deref(), &slug).await? else {
        return Err(ApiError::not_found(&format!("The article `{slug}`")));
    };
    let event = Event::vote(status::now(&request, env)?.0, slug, locale, vote);
    crate::insights::insert(&d1::database(env)?, &event)?.run().await.map_err(internal)?;
    no_content()
}

pub async fn search_gap(mut request: Request, env: &Env) -> ApiResult {
    let body = json_body(&mut request, NewEvent::MAX_BYTES).await?;
    let gap = insights::parse_gap(&body, status::now(&request, env)?.0)?;
    let manifest = knowledge::manifest(env).await?;
    let locale = manifest.choose_locale(gap.locale.as_deref()).to_owned();
    d1::run(
        &d1::database(env)?,
        "INSERT INTO search_gaps (locale, query) VALUES (?1, ?2) \
             ON CONFLICT (locale, query) DO UPDATE SET searches = searches + 1, \
             last_seen = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        &[locale.as_str().into(), gap.subject.as_str().into()],
    )
    .await?;
    no_content()
}

/// `GET /api/admin/gaps?locale=&limit=`: the most frequent searches without results.
pub async fn gaps(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let limit = parse_limit(query_param(request, "limit")?.as_deref())?;
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
