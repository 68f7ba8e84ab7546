//! The team's embeddings provider as the worker meets it: OpenAI's documented `POST /v1/embeddings`,
//! served over real HTTP and embedding with the real models (`edgedesk-embed`): all-MiniLM-L6-v2 as Ollama
//! serves it, and multilingual-e5-small as Hugging Face's text-embeddings-inference serves it (each input
//! embedded as given: the client writes e5's `query: `).
//!
//! What the API documents and the simulator enforces: `Authorization: Bearer <key>` (else 401); a JSON
//! body with `model` (a model it does not serve is a 404 `model_not_found`) and `input`, a string or an
//! array of at most 2,048 strings, none empty (else 400 `invalid_request_error` naming `input`). The answer
//! is `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage":
//! {"prompt_tokens", "total_tokens"}}`; errors are `{"error": {"message", "type", "param", "code"}}`.
//!
//! It serves three models: [`MODEL`] and [`E5_MODEL`], the build's, and [`OTHER_MODEL`], a model of the
//! same size whose space is another (the same vectors with their dimensions rotated), which is what a misconfigured
//! provider looks like to the worker. Tests can take it down, and count what it was asked.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use edgedesk_embed::{Embedder, Model, Role};
use serde_json::{Value, json};

/// The provider's name for all-MiniLM-L6-v2, as Ollama calls it.
pub const MODEL: &str = "all-minilm";
/// The provider's name for multilingual-e5-small, as text-embeddings-inference calls it.
pub const E5_MODEL: &str = "intfloat/multilingual-e5-small";
/// `EMBEDDINGS_MODEL` naming this provider's name for each of the build's models.
pub const BOTH_MODELS: &str = "all-MiniLM-L6-v2=all-minilm, multilingual-e5-small=intfloat/multilingual-e5-small";
/// Another model with as many dimensions.
pub const OTHER_MODEL: &str = "other-minilm";
/// OpenAI's documented limit on inputs per request.
const MAX_INPUTS: usize = 2048;

pub struct EmbeddingsProvider {
    pub url: String,
    pub key: String,
    state: Arc<ProviderState>,
    server: tokio::task::JoinHandle<()>,
}

struct ProviderState {
    minilm: Embedder,
    e5: Embedder,
    authorization: String,
    log: Mutex<ProviderLog>,
}

#[derive(Debug, Default)]
pub struct ProviderLog {
    /// Every input of every request that was answered, in order.
    pub inputs: Vec<String>,
    pub requests: usize,
    /// The model each answered request asked for, in order.
    pub models: Vec<String>,
    /// While set, every request answers 503.
    pub down: bool,
}

impl EmbeddingsProvider {
    /// Loads the models (from `scripts/setup.sh`'s download) and listens on a free loopback port.
    pub async fn start() -> Result<Self> {
        let (minilm, e5) = (Embedder::load_default(Model::MiniLm)?, Embedder::load_default(Model::MultilingualE5)?);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let key = format!("sk-test-{port}");
        let state = Arc::new(ProviderState {
            minilm,
            e5,
            authorization: format!("Bearer {key}"),
            log: Mutex::new(ProviderLog::default()),
        });
        let app = axum::Router::new()
            .route("/v1/embeddings", axum::routing::post(embeddings))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "Unknown request URL", "invalid_request_error", None) })
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url: format!("http://127.0.0.1:{port}/v1/embeddings"), key, state, server })
    }

    /// The worker settings that embed queries here with `model`.
    pub fn settings(&self, model: &str) -> Vec<(&'static str, String)> {
        vec![
            ("EMBEDDINGS_URL", self.url.clone()),
            ("EMBEDDINGS_MODEL", model.to_owned()),
            ("EMBEDDINGS_KEY", self.key.clone()),
        ]
    }

    pub fn with_log<T>(&self, read: impl FnOnce(&mut ProviderLog) -> T) -> T {
        read(&mut self.state.log.lock().expect("the provider log is never poisoned"))
    }
}

impl Drop for EmbeddingsProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    let param = (kind == "invalid_request_error" && code.is_none()).then_some("input");
    let body = json!({ "error": { "message": message, "type": kind, "param": param, "code": code } });
    (status, [("Content-Type", "application/json")], body.to_string()).into_response()
}

async fn embeddings(State(state): State<Arc<ProviderState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let authorized = headers.get("Authorization").and_then(|value| value.to_str().ok()) == Some(&state.authorization);
    if !authorized {
        let message = "Incorrect API key provided. You can find your API key in your account settings.";
        return error(StatusCode::UNAUTHORIZED, message, "invalid_request_error", Some("invalid_api_key"));
    }
    if state.log.lock().expect("the provider log is never poisoned").down {
        return error(StatusCode::SERVICE_UNAVAILABLE, "The server is overloaded.", "server_error", None);
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            None,
        );
    };
    let model = request["model"].as_str().unwrap_or_default().to_owned();
    if ![MODEL, E5_MODEL, OTHER_MODEL].contains(&model.as_str()) {
        let message = format!("The model `{model}` does not exist or you do not have access to it.");
        return error(StatusCode::NOT_FOUND, &message, "invalid_request_error", Some("model_not_found"));
    }
    let inputs: Option<Vec<String>> = match &request["input"] {
        Value::String(text) => Some(vec![text.clone()]),
        Value::Array(items) => items.iter().map(|item| item.as_str().map(str::to_owned)).collect(),
        _ => None,
    };
    let inputs = match inputs {
        Some(inputs) if !inputs.is_empty() && inputs.len() <= MAX_INPUTS && inputs.iter().all(|i| !i.is_empty()) => {
            inputs
        }
        _ => {
            let message = "'input' must be a non-empty string or an array of at most 2048 non-empty strings.";
            return error(StatusCode::BAD_REQUEST, message, "invalid_request_error", None);
        }
    };
    let worker_state = Arc::clone(&state);
    let texts = inputs.clone();
    let by_e5 = model == E5_MODEL;
    let embedded = tokio::task::spawn_blocking(move || {
        let embedder = if by_e5 { &worker_state.e5 } else { &worker_state.minilm };
        embedder.embed(&texts.iter().map(String::as_str).collect::<Vec<_>>(), Role::AsGiven)
    })
    .await;
    let Ok(Ok(mut vectors)) = embedded else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "The model failed.", "server_error", None);
    };
    if model == OTHER_MODEL {
        vectors.iter_mut().for_each(|vector| vector.rotate_left(1));
    }
    let tokens: usize = inputs.iter().map(|input| input.split_whitespace().count()).sum();
    {
        let mut log = state.log.lock().expect("the provider log is never poisoned");
        log.requests += 1;
        log.inputs.extend(inputs);
        log.models.push(model.clone());
    }
    let data: Vec<Value> = vectors
        .into_iter()
        .enumerate()
        .map(|(index, embedding)| json!({ "object": "embedding", "index": index, "embedding": embedding }))
        .collect();
    let body = json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
    });
    (StatusCode::OK, [("Content-Type", "application/json")], body.to_string()).into_response()
}
