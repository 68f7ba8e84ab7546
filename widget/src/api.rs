//! Talking to the worker through gloo-net's `fetch` wrapper, with the wire types from edgedesk-protocol.

use std::time::Duration;

use edgedesk_protocol::api::{ApiError, ErrorBody};
use gloo_net::http::{Method, Request, RequestBuilder};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestInit;

use crate::json::{self, FromJson};
use crate::words::Words;

/// Why a call to the worker did not give us what we asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The worker could not be reached (offline, blocked, DNS): nothing was said about the request.
    Unreachable,
    /// The worker answered with an error it explained.
    Refused(ApiError),
    /// `429`: the worker explained, and `Retry-After` said how many seconds to wait, when it did.
    RateLimited(ApiError, Option<u32>),
    /// The worker answered something we cannot read.
    Unexpected(u16),
}

impl Failure {
    /// Whether the request may simply not have arrived (or a gateway gave up on it), so that sending the
    /// same request again is the right thing to do.
    pub fn is_transient(&self) -> bool {
        let gateway = |status: u16| (502..=504).contains(&status);
        match self {
            Failure::Unreachable => true,
            Failure::Refused(error) => gateway(error.status),
            Failure::Unexpected(status) => gateway(*status),
            Failure::RateLimited(..) => false,
        }
    }
}

/// The answer to a conditional GET.
#[derive(Debug)]
pub enum Conditional<T> {
    Unchanged,
    /// The new version and its ETag.
    Changed(T, Option<String>),
}

struct Answer {
    status: u16,
    text: String,
    etag: Option<String>,
}

/// A request body and its media type.
struct Body {
    value: JsValue,
    media_type: String,
}

impl Body {
    fn json(value: &impl Serialize) -> Result<Self, Failure> {
        let text = json::encode(value).ok_or(Failure::Unexpected(0))?;
        Ok(Self { value: JsValue::from_str(&text), media_type: "application/json".into() })
    }
}

#[derive(Clone, Debug)]
pub struct Api {
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self { base: base.trim_end_matches('/').to_owned() }
    }

    pub async fn post<T: FromJson>(&self, path: &str, body: &impl Serialize) -> Result<T, Failure> {
        self.post_with_headers(path, body, &[]).await
    }

    pub async fn post_with_headers<T: FromJson>(
        &self,
        path: &str,
        body: &impl Serialize,
        headers: &[(&str, &str)],
    ) -> Result<T, Failure> {
        let answer = self.send(Method::POST, path, Some(Body::json(body)?), headers, Conditional::Unchanged).await?;
        json::decode(&answer.text).ok_or(Failure::Unexpected(answer.status))
    }

    /// A POST answered with `204 No Content`.
    pub async fn post_no_content(&self, path: &str, body: &impl Serialize) -> Result<(), Failure> {
        self.send(Method::POST, path, Some(Body::json(body)?), &[], Conditional::Unchanged).await.map(|_| ())
    }

    /// Sends a file's bytes as the request body, with the browser's idea of its type.
    pub async fn upload<T: FromJson>(
        &self,
        path: &str,
        file: &web_sys::File,
        headers: &[(&str, &str)],
    ) -> Result<T, Failure> {
        let media_type =
            Some(file.type_()).filter(|t| !t.is_empty()).unwrap_or_else(|| "application/octet-stream".into());
        let body = Body { value: file.into(), media_type };
        let answer = self.send(Method::POST, path, Some(body), headers, Conditional::Unchanged).await?;
        json::decode(&answer.text).ok_or(Failure::Unexpected(answer.status))
    }

    /// A JSON POST that outlives the page (`keepalive`), for reports sent while the customer leaves.
    /// Nobody waits for the answer.
    pub fn post_keepalive(&self, path: &str, body: &impl Serialize) {
        let Ok(body) = Body::json(body) else { return };
        let Ok(request) = self.request(Method::POST, path, Some(body), &[], &Conditional::Unchanged) else { return };
        // `keepalive` has no setter in gloo-net or web-sys yet; it is a plain RequestInit member.
        let init = RequestInit::new();
        let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
        let Some(window) = web_sys::window() else { return };
        // Started now, inside the pagehide handler: a task scheduled for later may never run.
        let request = window.fetch_with_request_and_init(&request.into(), &init);
        // Awaited only so that a failure is handled, not reported to the host page as unhandled.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(request).await;
        });
    }

    /// The address of one of the worker's paths, for what the browser fetches itself (`EventSource`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get<T: FromJson>(&self, path_and_query: &str) -> Result<T, Failure> {
        let answer = self.send(Method::GET, path_and_query, None, &[], Conditional::Unchanged).await?;
        json::decode(&answer.text).ok_or(Failure::Unexpected(answer.status))
    }

    /// A GET that sends the ETag of the version already held, and learns whether it changed.
    pub async fn get_conditional<T: FromJson>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Conditional<T>, Failure> {
        let answer = self.send(Method::GET, path, None, &[], Conditional::Changed((), etag.map(str::to_owned))).await?;
        if answer.status == 304 {
            return Ok(Conditional::Unchanged);
        }
        let value = json::decode(&answer.text).ok_or(Failure::Unexpected(answer.status))?;
        Ok(Conditional::Changed(value, answer.etag))
    }

    /// `revalidate` is `Changed((), etag)` for a conditional GET that bypasses the browser's cache.
    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        headers: &[(&str, &str)],
        revalidate: &Conditional<()>,
    ) -> Result<Request, Failure> {
        let mut builder = RequestBuilder::new(&format!("{}{path}", self.base)).method(method);
        if let Conditional::Changed(_, etag) = revalidate {
            // The ETag is ours to send: the browser's cache must neither answer for the worker nor turn
            // its 304 into a stale 200.
            builder = builder.cache(web_sys::RequestCache::NoStore);
            if let Some(etag) = etag {
                builder = builder.header("If-None-Match", etag);
            }
        }
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        match body {
            Some(body) => builder.header("Content-Type", &body.media_type).body(body.value),
            None => builder.build(),
        }
        .map_err(|_| Failure::Unreachable)
    }

    /// Sends a request; a 2xx or 304 answer, or why there is none.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        headers: &[(&str, &str)],
        revalidate: Conditional<()>,
    ) -> Result<Answer, Failure> {
        let response =
            self.request(method, path, body, headers, &revalidate)?.send().await.map_err(|_| Failure::Unreachable)?;
        let status = response.status();
        let header = |name: &str| response.headers().get(name);
        let etag = header("ETag");
        if status == 304 {
            return Ok(Answer { status, text: String::new(), etag });
        }
        let text = response.text().await.map_err(|_| Failure::Unreachable)?;
        if response.ok() {
            return Ok(Answer { status, text, etag });
        }
        match json::decode::<ErrorBody>(&text) {
            Some(ErrorBody { error }) if status == 429 => {
                let retry_after = header("Retry-After").and_then(|seconds| seconds.trim().parse().ok());
                Err(Failure::RateLimited(ApiError { status, ..error }, retry_after))
            }
            Some(ErrorBody { error }) => Err(Failure::Refused(ApiError { status, ..error })),
            None => Err(Failure::Unexpected(status)),
        }
    }
}

/// What to tell the customer about a failed call, in their language where the widget has the words.
pub fn describe(failure: &Failure, words: &Words) -> String {
    match failure {
        Failure::Refused(error) => words.problem(error),
        Failure::RateLimited(error, retry_after) => match retry_after {
            Some(seconds) => format!("{} {}", error.message, words.retry_in(*seconds)),
            None => error.message.clone(),
        },
        Failure::Unreachable => words.unreachable.to_owned(),
        Failure::Unexpected(_) => words.unexpected.to_owned(),
    }
}

/// The body of a `fetch` the browser made (a file beside the widget), read by `read` (text, JSON), when
/// it answered with success.
pub async fn body_of(
    answer: Option<js_sys::Promise>,
    read: fn(&web_sys::Response) -> Result<js_sys::Promise, JsValue>,
) -> Option<JsValue> {
    use wasm_bindgen::JsCast;
    let answer: web_sys::Response = JsFuture::from(answer?).await.ok()?.unchecked_into();
    let reading = read(&answer).ok().filter(|_| answer.ok())?;
    JsFuture::from(reading).await.ok()
}

/// Percent-encodes a query-string value (`encodeURIComponent`), so any text the customer types is sent
/// as data.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// Waits without blocking the page.
pub async fn sleep(duration: Duration) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(duration.as_millis()).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}
