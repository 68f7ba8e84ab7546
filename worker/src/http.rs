//! Responses and request bodies: every failure becomes the JSON error body with its status.

use edgedesk_protocol::api::ApiError;
use worker::{Request, Response};

pub type ApiResult = Result<Response, ApiError>;

pub fn json(status: u16, body: &impl serde::Serialize) -> ApiResult {
    Ok(Response::from_json(body).map_err(internal)?.with_status(status))
}

pub fn no_content() -> ApiResult {
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

pub fn set_header(response: &mut Response, name: &str, value: &str) -> Result<(), ApiError> {
    response.headers_mut().set(name, value).map_err(internal)
}

pub fn header(request: &Request, name: &str) -> Result<Option<String>, ApiError> {
    request.headers().get(name).map_err(internal)
}

/// The value of a query parameter, decoded.
pub fn query_param(request: &Request, name: &str) -> Result<Option<String>, ApiError> {
    let url = request.url().map_err(internal)?;
    Ok(url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned()))
}

/// Answers a GET from a build-tagged resource: `304 Not Modified` when the client already has this
/// build's version, otherwise the response `make` builds, tagged and cacheable for `max_age` seconds.
pub fn cached(request: &Request, etag: &str, max_age: u32, make: impl FnOnce() -> ApiResult) -> ApiResult {
    let mut response =
        if header(request, "If-None-Match")?.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag)) {
            Response::empty().map_err(internal)?.with_status(304)
        } else {
            make()?
        };
    set_header(&mut response, "ETag", etag)?;
    set_header(&mut response, "Cache-Control", &format!("public, max-age={max_age}"))?;
    Ok(response)
}

/// Reads a JSON request body of at most `limit` bytes; the declared length is checked before reading.
pub async fn json_body(request: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let content_type = header(request, "Content-Type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(
            415,
            "unsupported_media_type",
            format!("Send the body as application/json, not {content_type:?}."),
        ));
    }
    let too_large = |bytes: usize| {
        ApiError::new(413, "body_too_large", format!("The request body is {bytes} bytes; the limit is {limit}."))
    };
    if let Some(declared) = header(request, "Content-Length")?.and_then(|length| length.parse::<usize>().ok())
        && declared > limit
    {
        return Err(too_large(declared));
    }
    let body = request.bytes().await.map_err(internal)?;
    if body.len() > limit {
        return Err(too_large(body.len()));
    }
    Ok(body)
}

/// A 429 whose `Retry-After` says when trying again will work.
pub fn too_many_requests(retry_after_seconds: u32, message: &str) -> ApiResult {
    let mut response = error_response(ApiError::new(429, "rate_limited", message)).map_err(internal)?;
    set_header(&mut response, "Retry-After", &retry_after_seconds.to_string())?;
    Ok(response)
}

/// The worker's `ADMIN_TOKEN`: operators' bearer token, and the key of attachment links.
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";

/// Lets only the operator (`Authorization: Bearer <ADMIN_TOKEN>`) through.
pub fn authorize_admin(request: &Request, env: &worker::Env) -> Result<(), ApiError> {
    let token = env.secret(ADMIN_TOKEN).ok().map(|secret| secret.to_string());
    edgedesk_access::admin::authorize(token.as_deref(), header(request, "Authorization")?.as_deref())
}

/// Sends a POST with these headers and body to another service (a helpdesk, Turnstile).
pub async fn post(url: &str, headers: &[(String, String)], body: &str) -> worker::Result<Response> {
    let sent_headers = worker::Headers::new();
    for (name, value) in headers {
        sent_headers.set(name, value)?;
    }
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(sent_headers)
        .with_body(Some(wasm_bindgen::JsValue::from_str(body)));
    worker::Fetch::Request(Request::new_with_init(url, &init)?).send().await
}

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

pub fn method_not_allowed(allowed: &str) -> ApiResult {
    let error = ApiError::new(405, "method_not_allowed", format!("Use {allowed} for this endpoint."));
    let mut response = error_response(error).map_err(internal)?;
    set_header(&mut response, "Allow", allowed)?;
    Ok(response)
}

/// Platform failures (D1 down, a binding missing) are logged in full for operators and reported to the
/// client as a retryable 503 that leaks nothing.
pub fn internal(error: impl std::fmt::Display) -> ApiError {
    worker::console_error!("internal error: {error}");
    ApiError::new(503, "unavailable", "The support service is temporarily unavailable; please try again.")
}

pub fn error_response(error: ApiError) -> worker::Result<Response> {
    let status = error.status;
    Ok(Response::from_json(&error.into_body())?.with_status(status))
}
