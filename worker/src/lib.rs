//! The edge worker: HTTP in, the domain crates in the middle, D1 and static assets behind.
//!
//! Static files (demo page, `/embed.js`, widget, compiled knowledge base) are served by Workers Static
//! Assets before this code runs; only `/api/*`, `/frame` (the embed's frame mode) and unknown paths reach it.

mod agent_files;
mod answers;
mod attachments;
mod conversation;
mod delivery;
mod edge;
mod http;
mod insights;
mod knowledge;
mod learning;
mod meaning;
mod status;
mod store;
mod tickets;

use edgedesk_access::{cors, frame};
use edgedesk_protocol::api::{ApiError, Health};
use worker::{Env, Headers, MessageBatch, Method, Request, Response, ScheduleContext, ScheduledEvent, event};

use edge::{ALLOWED_ORIGINS, Moment};
use http::{ApiResult, error_response, internal, json, method_not_allowed, own_origin};
use store::assets;

#[event(fetch)]
async fn fetch(request: Request, env: Env, context: worker::Context) -> worker::Result<Response> {
    let origin = request.headers().get("Origin")?;
    let allowed_origins = allowed_origins(&env);
    let own_origin = own_origin(&request).map_err(|error| worker::Error::RustError(error.message))?;
    let allowed_origin = origin.as_deref().and_then(|origin| cors::allow_origin(&allowed_origins, &own_origin, origin));

    // Reads are for anyone; a written answer is a GET (for `EventSource`) that costs a model call.
    let acts = request.method() != Method::Get || request.path() == "/api/answers";
    let result = if origin.is_some() && allowed_origin.is_none() && acts {
        // A browser on a page we do not serve must not file tickets (or spend answers) in our name, even
        // where CORS would only hide the answer from it after the fact.
        Err(ApiError::new(403, "origin_not_allowed", "This site is not allowed to use the support API."))
    } else if request.method() == Method::Options {
        preflight()
    } else {
        route(request, &env, &context).await
    };

    let mut response = match result {
        Ok(response) => response,
        Err(error) => error_response(error)?,
    };
    if let Some(allowed_origin) = allowed_origin {
        let headers = response.headers_mut();
        headers.set("Access-Control-Allow-Origin", &allowed_origin)?;
        headers.set("Access-Control-Expose-Headers", "ETag, X-Edgedesk-Cache, Retry-After, Idempotency-Replayed")?;
        headers.set("Vary", "Origin")?;
    }
    Ok(response)
}

/// Delivery to the helpdesk: the tickets queue and its dead-letter queue.
#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: worker::Context) -> worker::Result<()> {
    delivery::consume(batch, env).await
}

/// The sweep: sends tickets nobody confirmed, so none is lost if a hand-off to the queue failed.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let moment = Moment { at: (event.schedule() / 1000.0) as i64, shift: 0 };
    match delivery::sweep(&env, moment).await {
        Ok(sent) if sent > 0 => worker::console_log!("sweep: sent {sent} unconfirmed ticket(s) again"),
        Ok(_) => {}
        Err(error) => worker::console_error!("sweep failed: {}", error.message),
    }
}

async fn route(request: Request, env: &Env, context: &worker::Context) -> ApiResult {
    let path = request.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method(), segments.as_slice()) {
        (Method::Get, ["frame"]) => frame_page(env),
        (Method::Get, ["api", "health"]) => health(env).await,
        (Method::Get, ["api", "search"]) => knowledge::search(&request, env).await,
        (Method::Get, ["api", "sections"]) => knowledge::sections(&request, env).await,
        (Method::Get, ["api", "suggestions"]) => knowledge::suggestions(&request, env).await,
        (Method::Get, ["api", "articles", slug]) => knowledge::article(&request, env, slug).await,
        (Method::Post, ["api", "articles", slug, "feedback"]) => {
            let slug = slug.to_string();
            insights::vote(request, env, &slug).await
        }
        (Method::Post, ["api", "gaps"]) => insights::gap(request, env).await,
        (Method::Get, ["api", "answers"]) => answers::answer(request, env).await,
        (Method::Post, ["api", "answers"]) => answers::answer(request, env).await,
        (Method::Post, ["api", "tickets"]) => tickets::create(request, env).await,
        (Method::Post, ["api", "tickets", "mine"]) => tickets::mine(request, env).await,
        (Method::Post, ["api", "tickets", "unread"]) => conversation::unread(request, env).await,
        (Method::Post, ["api", "tickets", number, "replies"]) => {
            let number = number.to_string();
            conversation::reply(request, env, &number).await
        }
        (Method::Post, ["api", "hooks", "zendesk"]) => conversation::zendesk(request, env).await,
        (Method::Post, ["api", "hooks", "freshdesk"]) => conversation::freshdesk(request, env).await,
        (Method::Post, ["api", "hooks", "jira"]) => conversation::jira(request, env).await,
        (Method::Post, ["api", "tickets", number, "view"]) => {
            let number = number.to_string();
            tickets::view(request, env, &number).await
        }
        (Method::Post, ["api", "tickets", number, "read"]) => {
            let number = number.to_string();
            tickets::read(request, env, &number).await
        }
        (Method::Post, ["api", "tickets", number, "rating"]) => {
            let number = number.to_string();
            tickets::rate(request, env, &number).await
        }
        (Method::Post, ["api", "tickets", number, "events"]) => {
            let number = number.to_string();
            conversation::webhook(request, env, &number).await
        }
        (Method::Get, ["api", "form"]) => tickets::form(&request, env).await,
        (Method::Post, ["api", "deflections"]) => insights::deflection(request, env).await,
        (Method::Post, ["api", "attachments"]) => attachments::upload(request, env).await,
        (Method::Get, ["api", "attachments", id]) => attachments::download(&request, env, id).await,
        (Method::Get, ["api", "admin", "tickets"]) => delivery::list(&request, env).await,
        (Method::Post, ["api", "admin", "sweep"]) => delivery::sweep_now(&request, env).await,
        (Method::Post, ["api", "admin", "tickets", number, "replay"]) => delivery::replay(&request, env, number).await,
        (Method::Get, ["api", "admin", "gaps"]) => insights::gaps(&request, env).await,
        (Method::Get, ["api", "admin", "learned"]) => learning::report(&request, env).await,
        (Method::Post, ["api", "events"]) => insights::record(request, env, context).await,
        (Method::Get, ["api", "admin", "insights"]) => insights::report(&request, env).await,
        (Method::Get, ["api", "admin", "insights.csv"]) => insights::csv(&request, env).await,
        (Method::Get, ["api", "admin", "insights.html"]) => insights::page(&request, env).await,
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
        (_, ["api", "tickets", "mine" | "unread"]) => method_not_allowed("POST"),
        (_, ["api", "hooks", "zendesk" | "freshdesk" | "jira"]) => method_not_allowed("POST"),
        (
            _,
            ["api", "health" | "search" | "sections" | "suggestions" | "status" | "form"]
            | ["api", "articles" | "attachments", _]
            | ["api", "admin", "gaps" | "learned" | "tickets" | "insights" | "insights.csv" | "insights.html"],
        ) => method_not_allowed("GET"),
        (_, ["api", "admin", "notices"] | ["api", "answers"]) => method_not_allowed("GET, POST"),
        (_, ["api", "admin", "notices", _]) => method_not_allowed("PATCH, DELETE"),
        (_, ["api", "admin", "notices", _, "updates"]) => method_not_allowed("POST"),
        (
            _,
            ["api", "tickets" | "gaps" | "deflections" | "attachments" | "events"]
            | ["api", "articles", _, "feedback"]
            | ["api", "tickets", _, "view" | "read" | "rating" | "events" | "replies"]
            | ["api", "admin", "tickets", _, "replay"]
            | ["api", "admin", "sweep"],
        ) => method_not_allowed("POST"),
        _ => Err(ApiError::not_found(&path)),
    }
}

/// `ALLOWED_ORIGINS` as configured: who may call the API from a browser, and who may embed the frame.
fn allowed_origins(env: &Env) -> String {
    edge::var(env, ALLOWED_ORIGINS).unwrap_or_default()
}

/// The document the embed's frame mode runs the widget in, embeddable only by the allowed origins.
fn frame_page(env: &Env) -> ApiResult {
    let mut response = Response::from_html(frame::FRAME_HTML).map_err(internal)?;
    http::set_header(&mut response, "Content-Security-Policy", &frame::frame_policy(&allowed_origins(env)))?;
    http::set_header(&mut response, "X-Content-Type-Options", "nosniff")?;
    http::set_header(&mut response, "Cache-Control", "public, max-age=300")?;
    Ok(response)
}

async fn health(env: &Env) -> ApiResult {
    // A missing knowledge base is reported as 0 articles rather than as a failure: the worker itself is up.
    let articles = assets::article_count(env).await;
    json(200, &Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), articles })
}

fn preflight() -> ApiResult {
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value).map_err(internal);
    set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")?;
    // If-None-Match: the widget revalidates status with the ETag it holds.
    set(
        "Access-Control-Allow-Headers",
        "Content-Type, Idempotency-Key, Authorization, If-None-Match, X-Filename, X-Turnstile-Token",
    )?;
    set("Access-Control-Max-Age", "86400")?;
    Ok(Response::empty().map_err(internal)?.with_status(204).with_headers(headers))
}
