//! Talking to a worker's admin API as an operator: the token as a bearer, the worker's own error
//! messages passed on as they are.

use anyhow::{Context, Result, bail};
use edgedesk_protocol::api::ErrorBody;
use reqwest::Method;
use serde::de::DeserializeOwned;

pub struct AdminClient {
    base: reqwest::Url,
    token: String,
    runtime: tokio::runtime::Runtime,
}

impl AdminClient {
    pub fn new(url: &str, token: &str) -> Result<Self> {
        let base = reqwest::Url::parse(url).with_context(|| {
            format!("{url:?} is not a URL; pass the worker's address, e.g. https://support.example.com")
        })?;
        Ok(Self { base, token: token.to_owned(), runtime: tokio::runtime::Runtime::new()? })
    }

    /// Sends a request and returns the answer's body (empty for 204), or the worker's error.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Result<String> {
        let mut address = self.base.join(path)?;
        for (name, value) in query {
            address.query_pairs_mut().append_pair(name, value);
        }
        let (status, text) = self.runtime.block_on(async {
            let mut request = reqwest::Client::new().request(method, address.clone()).bearer_auth(&self.token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.with_context(|| format!("could not reach {address}"))?;
            anyhow::Ok((response.status(), response.text().await?))
        })?;
        if !status.is_success() {
            match serde_json::from_str::<ErrorBody>(&text) {
                Ok(ErrorBody { error }) => {
                    let field = error.field.map(|field| format!(" [{field}]")).unwrap_or_default();
                    bail!("the worker refused: {}{field} ({status})", error.message)
                }
                Err(_) => bail!("the worker answered {status}: {text}"),
            }
        }
        Ok(text)
    }

    pub fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        let text = self.send(method, path, query, body)?;
        serde_json::from_str(&text).with_context(|| format!("unexpected answer: {text}"))
    }
}
