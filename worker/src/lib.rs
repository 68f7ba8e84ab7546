//! The edge worker: HTTP in, edgedesk-core in the middle, D1 and static assets behind.
//!
//! Static files (demo page, `/embed.js`, widget, compiled knowledge base) are served by Workers Static
//! Assets before this code runs; only `/api/*` and unknown paths reach it.

mod feedback;
mod http;
mod knowledge;
mod status;
mod tickets;

use edgedesk_core::api::{ApiError, Health};
use edgedesk_core::cors;
use worker::{Env, Headers, Method, Request, Response, event};

use http::{ApiResult, error_response, internal, json, method_not_allowed};

const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: worker::Context) -> worker::Result<Response> {
    let origin = request.headers().get("Origin")?;
    let allowed_origins = env.var(ALLOWED_ORIGINS).map(|var| var.to_string()).unwrap_or_default();
    let own_origin = request.url()?.origin().ascii_serialization();
    let allowed_origin = origin.as_deref().and_then(|origin| cors::allow_origin(&allowed_origins, &own_origin, origin));

    let result = if origin.is_some() && allowed_origin.is_none() && request.method() != Method::Get {
        // A browser on a page we do not serve must not file tickets in our name, even where CORS
        // would only hide the answer from it after the fact.
        Err(ApiError::new(403, "origin_not_allowed", "This site is not allowed to use the support API."))
    } else if request.method() == Method::Options {
        preflight()
    } else {
        route(request, &env).await
    };

    let mut response = match result {
        Ok(response) => response,
        Err(error) => error_response(error)?,
    };
    if let Some(allowed_origin) = allowed_origin {
        let headers = response.headers_mut();
        headers.set("Access-Control-Allow-Origin", &allowed_origin)?;
        headers.set("Access-Control-Expose-Headers", "ETag, X-Edgedesk-Cache")?;
        headers.set("Vary", "Origin")?;
    }
    Ok(response)
}

async fn route(request: Request, env: &Env) -> ApiResult {
    let path = request.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method(), segments.as_slice()) {
        (Method::Get, ["api", "health"]) => health(env).await,
        (Method::Get, ["api", "search"]) => knowledge::search(&request, env).await,
        (Method::Get, ["api", "sections"]) => knowledge::sections(&request, env).await,
        (Method::Get, ["api", "articles", slug]) => knowledge::article(&request, env, slug).await,
        (Method::Post, ["api", "articles", slug, "feedback"]) => {
            let slug = slug.to_string();
            feedback::article_feedback(request, env, &slug).await
        }
        (Method::Post, ["api", "gaps"]) => feedback::search_gap(request, env).await,
        (Method::Post, ["api", "tickets"]) => tickets::create(request, env).await,
        (Method::Get, ["api", "admin", "gaps"]) => feedback::gaps(&request, env).await,
        (Method::Get, ["api", "status"]) => status::get(&request, env).await,
        (Method::Get, ["api", "admin", "notices"]) => status::list(&request, env).await,
        (Method::Post, ["api", "admin", "notices"]) => status::raise(request, env).await,
        (Method::Patch, ["api", "admin", "notices", id]) => {
            let id = id.to_string();
            status::edit(request, env, &id).await
        }
        (Method::Delete, ["api", "admin", "notices", id]) => status::delete(&request, env, id).await,
        (Method::Post, ["api", "admin", "notices", id, "updates"]) => {
            let id = id.to_string();
            status::update(request, env, &id).await
        }
        (
            _,
            ["api", "health" | "search" | "sections" | "status"] | ["api", "articles", _] | ["api", "admin", "gaps"],
        ) => method_not_allowed("GET"),
        (_, ["api", "admin", "notices"]) => method_not_allowed("GET, POST"),
        (_, ["api", "admin", "notices", _]) => method_not_allowed("PATCH, DELETE"),
        (_, ["api", "admin", "notices", _, "updates"]) => method_not_allowed("POST"),
        (_, ["api", "tickets" | "gaps"] | ["api", "articles", _, "feedback"]) => method_not_allowed("POST"),
        _ => Err(ApiError::not_found(&path)),
    }
}

async fn health(env: &Env) -> ApiResult {
    // A missing knowledge base is reported as 0 articles rather than as a failure: the worker itself is up.
    let articles = knowledge::article_count(env).await;
    json(200, &Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), articles })
}

fn preflight() -> ApiResult {
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")?;
    // If-None-Match: the widget revalidates status with the ETag it holds.
    set("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key, Authorization, If-None-Match")?;
    set("Access-Control-Max-Age", "86400")?;
    Ok(Response::empty().map_err(internal)?.with_status(204).with_headers(headers))
}
