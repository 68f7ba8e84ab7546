//! Status notices at the edge: scheduled ones from the build's assets, live ones from KV, merged at the
//! moment of the request. `GET /api/status` is what every host page asks on load, so its answers are kept
//! in the edge cache for a few seconds and validated with ETags; an operator's change purges them.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::status::{Notice, StatusResponse};
use edgedesk_protocol::time::parse_time;
use edgedesk_status::{
    self as status, MAX_LIVE_NOTICES, NEW_NOTICE_FIELDS, NewNotice, NewUpdate, NoticePatch, UPDATE_FIELDS,
};
use worker::{Cache, Env, Request, Response};

use crate::http::{
    ApiResult, authorize_admin, header, internal, json, json_body, no_content, query_param, set_header, unix_now,
};
use crate::knowledge;

const KV: &str = "STATUS";
/// All live notices are one KV value, read in one step and written whole.
const LIVE_NOTICES_KEY: &str = "live-notices";
/// Only where this variable is `true` (tests, local demos) may a request set the time it is answered at.
const ALLOW_CLOCK_OVERRIDE: &str = "ALLOW_CLOCK_OVERRIDE";
const CLOCK_HEADER: &str = "X-Edgedesk-Now";
/// How long browsers and the edge may reuse an answer: short, so a raised incident shows quickly.
const STATUS_MAX_AGE: u32 = 15;
/// How long the edge cache keeps an answer between purges. A request that read the notices just before a
/// change can put its answer back just after the purge; this bounds how long such an answer lives.
const EDGE_CACHE_SECONDS: u32 = 5;
const CACHE_STATE_HEADER: &str = "X-Edgedesk-Cache";

/// The moment a request is answered at: the clock, or the test's `X-Edgedesk-Now` where allowed.
/// Now, or the moment `X-Edgedesk-Now` names when `ALLOW_CLOCK_OVERRIDE` is set (tests only).
pub fn now(request: &Request, env: &Env) -> Result<(i64, bool), ApiError> {
    let override_allowed = env.var(ALLOW_CLOCK_OVERRIDE).is_ok_and(|var| var.to_string() == "true");
    if override_allowed && let Some(given) = header(request, CLOCK_HEADER)? {
        let at = parse_time(&given).ok_or_else(|| {
            ApiError::new(400, "invalid_time", format!("{CLOCK_HEADER} must be an RFC 3339 time, not {given:?}."))
        })?;
        return Ok((at, true));
    }
    Ok((unix_now(), false))
}

/// Every notice still known, scheduled and live: the names of the incidents tickets were filed under.
pub async fn all_notices(env: &Env) -> Result<Vec<Notice>, ApiError> {
    let mut notices = knowledge::scheduled_notices(env).await?;
    notices.extend(live_notices(env).await?);
    Ok(notices)
}

async fn live_notices(env: &Env) -> Result<Vec<Notice>, ApiError> {
    let kv = env.kv(KV).map_err(internal)?;
    Ok(kv.get(LIVE_NOTICES_KEY).json::<Vec<Notice>>().await.map_err(internal)?.unwrap_or_default())
}

async fn store_live_notices(env: &Env, notices: &[Notice]) -> Result<(), ApiError> {
    let kv = env.kv(KV).map_err(internal)?;
    kv.put(LIVE_NOTICES_KEY, notices).map_err(internal)?.execute().await.map_err(internal)
}

fn cache_key(request: &Request, product: Option<&str>) -> Result<String, ApiError> {
    let origin = request.url().map_err(internal)?.origin().ascii_serialization();
    Ok(match product {
        Some(product) => format!("{origin}/api/status?product={}", urlencode(product)),
        None => format!("{origin}/api/status"),
    })
}

fn urlencode(text: &str) -> String {
    String::from(worker::js_sys::encode_uri_component(text))
}

/// `GET /api/status?product=`.
pub async fn get(request: &Request, env: &Env) -> ApiResult {
    let product = query_param(request, "product")?.filter(|product| !product.is_empty());
    let (now, overridden) = now(request, env)?;
    let key = cache_key(request, product.as_deref())?;
    let cache = Cache::default();
    // A moved clock answers for another moment; it neither reads nor fills the cache.
    let cached = if overridden { None } else { cache.get(key.as_str(), true).await.map_err(internal)? };
    let (body, etag, state) = match cached {
        Some(mut hit) => {
            let etag = hit.headers().get("ETag").map_err(internal)?.unwrap_or_default();
            (hit.bytes().await.map_err(internal)?, etag, "HIT")
        }
        None => {
            let notices = all_notices(env).await?;
            let response = StatusResponse { notices: status::active(notices, now, product.as_deref()) };
            let body = serde_json::to_vec(&response).map_err(internal)?;
            let etag = format!("\"{}\"", status::fingerprint(&body));
            if !overridden {
                let mut stored = Response::from_bytes(body.clone()).map_err(internal)?;
                set_header(&mut stored, "ETag", &etag)?;
                set_header(&mut stored, "Cache-Control", &format!("public, max-age={EDGE_CACHE_SECONDS}"))?;
                cache.put(key.as_str(), stored).await.map_err(internal)?;
            }
            (body, etag, "MISS")
        }
    };
    let unchanged = header(request, "If-None-Match")?.is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        Response::empty().map_err(internal)?.with_status(304)
    } else {
        let mut response = Response::from_bytes(body).map_err(internal)?;
        set_header(&mut response, "Content-Type", "application/json")?;
        response
    };
    set_header(&mut response, "ETag", &etag)?;
    set_header(&mut response, "Cache-Control", &format!("public, max-age={STATUS_MAX_AGE}"))?;
    set_header(&mut response, CACHE_STATE_HEADER, state)?;
    Ok(response)
}

/// Removes cached status answers after a change: the answer for all products, and for each product the
/// notices name (before and after the change, so a removed product's answer goes too) or the site
/// declares.
async fn purge(request: &Request, env: &Env, notices: &[&Notice]) -> Result<(), ApiError> {
    let cache = Cache::default();
    let mut products: Vec<String> = notices.iter().flat_map(|notice| notice.products.clone()).collect();
    if let Ok(manifest) = knowledge::manifest(env).await {
        products.extend(manifest.products.keys().cloned());
    }
    products.sort();
    products.dedup();
    let keys = std::iter::once(None).chain(products.iter().map(|product| Some(product.as_str())));
    for product in keys {
        cache.delete(cache_key(request, product)?.as_str(), true).await.map_err(internal)?;
    }
    Ok(())
}

fn random_id() -> String {
    let mut random = [0u8; 5];
    crate::tickets::fill_random(&mut random);
    status::notice_id(random)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(&format!("The live notice `{id}`"))
}

/// `GET /api/admin/notices`: every live notice, active or not.
pub async fn list(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    json(200, &live_notices(env).await?)
}

/// `POST /api/admin/notices`.
pub async fn raise(mut request: Request, env: &Env) -> ApiResult {
    authorize_admin(&request, env)?;
    let new: NewNotice =
        status::parse_body(&json_body(&mut request, status::MAX_NOTICE_BYTES).await?, &NEW_NOTICE_FIELDS)?;
    let (now, _) = now(&request, env)?;
    let mut notices = live_notices(env).await?;
    if notices.len() >= MAX_LIVE_NOTICES {
        return Err(ApiError::new(
            409,
            "too_many_notices",
            format!("There are already {MAX_LIVE_NOTICES} live notices; delete old ones first."),
        ));
    }
    let notice = status::raise(new, random_id(), now)?;
    notices.push(notice.clone());
    store_live_notices(env, &notices).await?;
    purge(&request, env, &[&notice]).await?;
    json(201, &notice)
}

/// Finds live notice `id`, changes it with `change`, stores and answers it.
async fn change(
    request: &Request,
    env: &Env,
    id: &str,
    status_code: u16,
    change: impl FnOnce(Notice, i64) -> Result<Notice, ApiError>,
) -> ApiResult {
    let (now, _) = now(request, env)?;
    let mut notices = live_notices(env).await?;
    let at = notices.iter().position(|notice| notice.id == id).ok_or_else(|| not_found(id))?;
    let before = notices[at].clone();
    notices[at] = change(before.clone(), now)?;
    store_live_notices(env, &notices).await?;
    purge(request, env, &[&before, &notices[at]]).await?;
    json(status_code, &notices[at])
}

/// `PATCH /api/admin/notices/{id}`.
pub async fn edit(mut request: Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(&request, env)?;
    let edit: NoticePatch =
        status::parse_body(&json_body(&mut request, status::MAX_NOTICE_BYTES).await?, &NEW_NOTICE_FIELDS)?;
    change(&request, env, id, 200, |notice, now| status::patch(notice, edit, now)).await
}

/// `POST /api/admin/notices/{id}/updates`.
pub async fn update(mut request: Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(&request, env)?;
    let update: NewUpdate =
        status::parse_body(&json_body(&mut request, status::MAX_NOTICE_BYTES).await?, &UPDATE_FIELDS)?;
    change(&request, env, id, 201, |notice, now| status::add_update(notice, update, now)).await
}

/// `DELETE /api/admin/notices/{id}`.
pub async fn delete(request: &Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(request, env)?;
    let mut notices = live_notices(env).await?;
    let at = notices.iter().position(|notice| notice.id == id).ok_or_else(|| not_found(id))?;
    let removed = notices.remove(at);
    store_live_notices(env, &notices).await?;
    purge(request, env, &[&removed]).await?;
    no_content()
}
