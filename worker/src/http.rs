//! Requests in and responses out: every failure becomes the JSON error body with its status.

use edgedesk_protocol::api::{ApiError, parse_body};
use edgedesk_tickets::helpdesk::{HELPDESK_TIMEOUT_SECONDS, Method, OutgoingRequest};
use serde::de::DeserializeOwned;
use worker::{Request, Response};

pub type ApiResult = Result<Response, ApiError>;

/// How long a `429 rate_limited` asks the client to wait: the period of every limiter in `wrangler.toml`.
pub const RATE_LIMIT_PERIOD_SECONDS: u32 = 60;

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

/// The origin the request was made to: where links in answers point.
pub fn own_origin(request: &Request) -> Result<String, ApiError> {
    Ok(request.url().map_err(internal)?.origin().ascii_serialization())
}

/// Path segments arrive percent-encoded (`%D1%81…` for Cyrillic slugs).
pub fn decode(segment: &str) -> String {
    worker::js_sys::decode_uri_component(segment).map(String::from).unwrap_or_else(|_| segment.to_owned())
}

/// Answers a GET for a resource tagged `etag`: `304 Not Modified` when the client already has it,
/// otherwise the response `make` builds; either way tagged and cacheable for `max_age` seconds.
pub fn cached(request: &Request, etag: &str, max_age: u32, make: impl FnOnce() -> ApiResult) -> ApiResult {
    tagged(request, etag, &format!("public, max-age={max_age}"), make)
}

/// Answers a request for a resource tagged `etag`: `304 Not Modified` when the client already has it,
/// otherwise the response `make` builds; either way tagged, with this `Cache-Control`.
pub fn tagged(request: &Request, etag: &str, cache_control: &str, make: impl FnOnce() -> ApiResult) -> ApiResult {
    let mut response =
        if header(request, "If-None-Match")?.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag)) {
            Response::empty().map_err(internal)?.with_status(304)
        } else {
            make()?
        };
    set_header(&mut response, "ETag", etag)?;
    set_header(&mut response, "Cache-Control", cache_control)?;
    Ok(response)
}

/// JSON bytes as a response.
pub fn json_bytes(bytes: Vec<u8>) -> ApiResult {
    let mut response = Response::from_bytes(bytes).map_err(internal)?;
    set_header(&mut response, "Content-Type", "application/json")?;
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
    capped_body(request, limit).await?.map_err(too_large)
}

/// Reads a request body chunk by chunk, and stops at the first chunk past `limit`: a body sent without
/// a `Content-Length` (chunked) is never buffered whole. `Err(bytes)` with the bytes read by then when
/// it is too large; no body at all reads as empty.
pub async fn capped_body(request: &mut Request, limit: usize) -> Result<Result<Vec<u8>, usize>, ApiError> {
    use futures::StreamExt;
    if request.inner().body().is_none() {
        return Ok(Ok(Vec::new()));
    }
    let mut stream = request.stream().map_err(internal)?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.map_err(internal)?);
        if body.len() > limit {
            return Ok(Err(body.len()));
        }
    }
    Ok(Ok(body))
}

/// Reads a JSON body of at most `max_bytes` into `T`, naming the field at fault ([`parse_body`]).
pub async fn read_json<T: DeserializeOwned>(
    request: &mut Request,
    fields: &[&str],
    max_bytes: usize,
    what: &str,
) -> Result<T, ApiError> {
    parse_body(&json_body(request, max_bytes).await?, fields, max_bytes, what)
}

/// Sends a POST with these headers and body to another service (Turnstile).
pub async fn post(url: &str, headers: &[(String, String)], body: &str) -> worker::Result<Response> {
    send(worker::Method::Post, url, headers, Some(body)).await
}

/// Sends a request to another service: a helpdesk, Turnstile, a model provider.
pub async fn send(
    method: worker::Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> worker::Result<Response> {
    let sent_headers = worker::Headers::new();
    for (name, value) in headers {
        sent_headers.set(name, value)?;
    }
    let mut init = worker::RequestInit::new();
    init.with_method(method).with_headers(sent_headers).with_body(body.map(wasm_bindgen::JsValue::from_str));
    worker::Fetch::Request(Request::new_with_init(url, &init)?).send().await
}

/// `answered`'s outcome, or `late` once `timeout` has passed without one: another service must not hold a
/// request (or a delivery's claim) for the platform's whole wall time.
pub async fn within<T>(
    timeout: std::time::Duration,
    answered: impl std::future::Future<Output = Result<T, String>>,
    late: String,
) -> Result<T, String> {
    let timeout = worker::Delay::from(timeout);
    futures::pin_mut!(answered, timeout);
    match futures::future::select(answered, timeout).await {
        futures::future::Either::Left((answer, _)) => answer,
        futures::future::Either::Right(_) => Err(late),
    }
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

/// The JSON error body with its status; a 429 also says when trying again will work.
pub fn error_response(error: ApiError) -> worker::Result<Response> {
    let (status, retry_after) = (error.status, error.retry_after.unwrap_or(RATE_LIMIT_PERIOD_SECONDS));
    let mut response = Response::from_json(&error.into_body())?.with_status(status);
    if status == 429 {
        response.headers_mut().set("Retry-After", &retry_after.to_string())?;
    }
    Ok(response)
}

/// A helpdesk's answer, as far as delivery reads it.
pub struct Answered {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The `Link` header, where a list says which page follows (Freshdesk).
    pub link: Option<String>,
    pub body: String,
}

/// Sends a request to the helpdesk and reads its answer, giving up after [`HELPDESK_TIMEOUT_SECONDS`].
pub async fn exchange(outgoing: &OutgoingRequest) -> Result<Answered, String> {
    let method = match outgoing.method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
        Method::Put => worker::Method::Put,
    };
    let body = (outgoing.method != Method::Get).then_some(outgoing.body.as_str());
    let answered = async {
        let mut response = send(method, &outgoing.url, &outgoing.headers, body)
            .await
            .map_err(|error| format!("the helpdesk could not be reached: {error}"))?;
        let retry_after = response.headers().get("Retry-After").ok().flatten();
        let link = response.headers().get("Link").ok().flatten();
        let body = response.text().await.unwrap_or_default();
        Ok(Answered { status: response.status_code(), retry_after, link, body })
    };
    // A helpdesk that never answers must not hold the delivery (and its claim) for the queue's whole
    // wall time: past the timeout the answer counts as lost.
    let late = format!("the helpdesk did not answer within {HELPDESK_TIMEOUT_SECONDS} s");
    within(std::time::Duration::from_secs(HELPDESK_TIMEOUT_SECONDS), answered, late).await
}
