//! Talking to the worker with the browser's own `fetch`: no HTTP crate in the wasm, only the wire types
//! from edgedesk-core.

use edgedesk_core::api::{ApiError, ErrorBody};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// Why a call to the worker did not give us what we asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The worker could not be reached (offline, blocked, DNS): nothing was said about the request.
    Unreachable,
    /// The worker answered with an error it explained.
    Refused(ApiError),
    /// The worker answered something we cannot read.
    Unexpected(u16),
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

#[derive(Clone, Debug)]
pub struct Api {
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self { base: base.trim_end_matches('/').to_owned() }
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, Failure> {
        let json = serde_json::to_string(body).map_err(|_| Failure::Unexpected(0))?;
        let answer = self.send("POST", path, Some(json), Conditional::Unchanged).await?;
        serde_json::from_str(&answer.text).map_err(|_| Failure::Unexpected(answer.status))
    }

    /// A POST answered with `204 No Content`.
    pub async fn post_no_content(&self, path: &str, body: &impl Serialize) -> Result<(), Failure> {
        let json = serde_json::to_string(body).map_err(|_| Failure::Unexpected(0))?;
        self.send("POST", path, Some(json), Conditional::Unchanged).await.map(|_| ())
    }

    pub async fn get<T: DeserializeOwned>(&self, path_and_query: &str) -> Result<T, Failure> {
        let answer = self.send("GET", path_and_query, None, Conditional::Unchanged).await?;
        serde_json::from_str(&answer.text).map_err(|_| Failure::Unexpected(answer.status))
    }

    /// A GET that sends the ETag of the version already held, and learns whether it changed.
    pub async fn get_conditional<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Conditional<T>, Failure> {
        let answer = self.send("GET", path, None, Conditional::Changed((), etag.map(str::to_owned))).await?;
        if answer.status == 304 {
            return Ok(Conditional::Unchanged);
        }
        let value = serde_json::from_str(&answer.text).map_err(|_| Failure::Unexpected(answer.status))?;
        Ok(Conditional::Changed(value, answer.etag))
    }

    /// Sends a request; a 2xx or 304 answer, or why there is none.
    /// `revalidate` is `Changed((), etag)` for a conditional GET that bypasses the browser's cache.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        revalidate: Conditional<()>,
    ) -> Result<Answer, Failure> {
        let init = RequestInit::new();
        init.set_method(method);
        let headers = Headers::new().map_err(|_| Failure::Unreachable)?;
        if let Conditional::Changed(_, etag) = &revalidate {
            // The ETag is ours to send: the browser's cache must neither answer for the worker nor turn
            // its 304 into a stale 200.
            init.set_cache(web_sys::RequestCache::NoStore);
            if let Some(etag) = etag {
                headers.set("If-None-Match", etag).map_err(|_| Failure::Unreachable)?;
            }
        }
        if let Some(body) = body {
            headers.set("Content-Type", "application/json").map_err(|_| Failure::Unreachable)?;
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or(Failure::Unreachable)?;
        let url = format!("{}{path}", self.base);
        let response: Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .and_then(JsCast::dyn_into)
            .map_err(|_| Failure::Unreachable)?;
        let status = response.status();
        let etag = response.headers().get("ETag").ok().flatten();
        if status == 304 {
            return Ok(Answer { status, text: String::new(), etag });
        }
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|text| text.as_string()),
            Err(_) => None,
        }
        .ok_or(Failure::Unreachable)?;
        if response.ok() {
            return Ok(Answer { status, text, etag });
        }
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(ErrorBody { error }) => Err(Failure::Refused(ApiError { status, ..error })),
            Err(_) => Err(Failure::Unexpected(status)),
        }
    }
}

/// What to tell the customer about a failed call.
pub fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Unreachable => {
            "We could not reach support. Check your connection and try again; what you wrote is kept.".into()
        }
        Failure::Refused(error) => error.message.clone(),
        Failure::Unexpected(status) => format!("Support answered unexpectedly ({status}). Please try again."),
    }
}

/// Percent-encodes a query-string value (`encodeURIComponent`), so any text the customer types is sent
/// as data.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
