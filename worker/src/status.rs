//! Status notices at the edge: scheduled ones from the build's assets, live ones from KV, merged at the
//! moment of the request. `GET /api/status` is what every host page asks on load, so its answers are kept
//! in the edge cache for a few seconds and validated with ETags; an operator's change purges them.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::status::{Notice, StatusResponse};
use edgedesk_status::{
    self as status, MAX_LIVE_NOTICES, MAX_NOTICE_BYTES, NEW_NOTICE_FIELDS, NewNotice, NewUpdate, NoticePatch,
    UPDATE_FIELDS,
};
use worker::{Cache, Env, Request, Response};

use crate::edge::{Moment, authorize_admin, random_bytes};
use crate::http::{
    ApiResult, cached, internal, json, json_body, json_bytes, no_content, own_origin, query_param, set_header,
};
use crate::store::{assets, notices};

/// How long browsers and the edge may reuse an answer: short, so a raised incident shows quickly.
const STATUS_MAX_AGE: u32 = 15;
/// How long the edge cache keeps an answer between purges. A request that read the notices just before a
/// change can put its answer back just after the purge; this bounds how long such an answer lives.
const EDGE_CACHE_SECONDS: u32 = 5;
/// Says whether the answer came from the edge cache (`HIT`) or was merged for this request (`MISS`).
const CACHE_STATE_HEADER: &str = "X-Edgedesk-Cache";

fn cache_key(request: &Request, product: Option<&str>) -> Result<String, ApiError> {
    let origin = own_origin(request)?;
    Ok(match product {
        Some(product) => {
            format!("{origin}/api/status?product={}", String::from(worker::js_sys::encode_uri_component(product)))
        }
        None => format!("{origin}/api/status"),
    })
}

/// `GET /api/status?product=`.
pub async fn get(request: &Request, env: &Env) -> ApiResult {
    let product = query_param(request, "product")?.filter(|product| !product.is_empty());
    let moment = Moment::of(request, env)?;
    let key = cache_key(request, product.as_deref())?;
    let cache = Cache::default();
    // A moved clock answers for another moment; it neither reads nor fills the cache.
    let hit = if moment.is_moved() { None } else { cache.get(key.as_str(), true).await.map_err(internal)? };
    let (body, etag, state) = match hit {
        Some(mut hit) => {
            let etag = hit.headers().get("ETag").map_err(internal)?.unwrap_or_default();
            (hit.bytes().await.map_err(internal)?, etag, "HIT")
        }
        None => {
            let shown = status::active(notices::all(env).await?, moment.at, product.as_deref());
            let body = serde_json::to_vec(&StatusResponse { notices: shown }).map_err(internal)?;
            let etag = format!("\"{}\"", status::fingerprint(&body));
            if !moment.is_moved() {
                let mut stored = Response::from_bytes(body.clone()).map_err(internal)?;
                set_header(&mut stored, "ETag", &etag)?;
                set_header(&mut stored, "Cache-Control", &format!("public, max-age={EDGE_CACHE_SECONDS}"))?;
                cache.put(key.as_str(), stored).await.map_err(internal)?;
            }
            (body, etag, "MISS")
        }
    };
    let mut response = cached(request, &etag, STATUS_MAX_AGE, || json_bytes(body))?;
    set_header(&mut response, CACHE_STATE_HEADER, state)?;
    Ok(response)
}

/// Removes cached status answers after a change: the answer for all products, and for each product the
/// notices name (before and after the change, so a removed product's answer goes too) or the site
/// declares.
async fn purge(request: &Request, env: &Env, changed: &[&Notice]) -> Result<(), ApiError> {
    let cache = Cache::default();
    let mut products: Vec<String> = changed.iter().flat_map(|notice| notice.products.clone()).collect();
    if let Ok(manifest) = assets::manifest(env).await {
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

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(&format!("The live notice `{id}`"))
}

/// `GET /api/admin/notices`: every live notice, active or not.
pub async fn list(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    json(200, &notices::live(env).await?)
}

/// `POST /api/admin/notices`.
pub async fn raise(mut request: Request, env: &Env) -> ApiResult {
    authorize_admin(&request, env)?;
    let new: NewNotice = status::parse_body(&json_body(&mut request, MAX_NOTICE_BYTES).await?, &NEW_NOTICE_FIELDS)?;
    let moment = Moment::of(&request, env)?;
    let mut live = notices::live(env).await?;
    if live.len() >= MAX_LIVE_NOTICES {
        return Err(ApiError::new(
            409,
            "too_many_notices",
            format!("There are already {MAX_LIVE_NOTICES} live notices; delete old ones first."),
        ));
    }
    let notice = status::raise(new, status::notice_id(random_bytes()), moment.at)?;
    live.push(notice.clone());
    notices::store_live(env, &live).await?;
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
    let moment = Moment::of(request, env)?;
    let mut live = notices::live(env).await?;
    let at = live.iter().position(|notice| notice.id == id).ok_or_else(|| not_found(id))?;
    let before = live[at].clone();
    live[at] = change(before.clone(), moment.at)?;
    notices::store_live(env, &live).await?;
    purge(request, env, &[&before, &live[at]]).await?;
    json(status_code, &live[at])
}

/// `PATCH /api/admin/notices/{id}`.
pub async fn edit(mut request: Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(&request, env)?;
    let edit: NoticePatch = status::parse_body(&json_body(&mut request, MAX_NOTICE_BYTES).await?, &NEW_NOTICE_FIELDS)?;
    change(&request, env, id, 200, |notice, now| status::patch(notice, edit, now)).await
}

/// `POST /api/admin/notices/{id}/updates`.
pub async fn update(mut request: Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(&request, env)?;
    let update: NewUpdate = status::parse_body(&json_body(&mut request, MAX_NOTICE_BYTES).await?, &UPDATE_FIELDS)?;
    change(&request, env, id, 201, |notice, now| status::add_update(notice, update, now)).await
}

/// `DELETE /api/admin/notices/{id}`.
pub async fn delete(request: &Request, env: &Env, id: &str) -> ApiResult {
    authorize_admin(request, env)?;
    let mut live = notices::live(env).await?;
    let at = live.iter().position(|notice| notice.id == id).ok_or_else(|| not_found(id))?;
    let removed = live.remove(at);
    notices::store_live(env, &live).await?;
    purge(request, env, &[&removed]).await?;
    no_content()
}
