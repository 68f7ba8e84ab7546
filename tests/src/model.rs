//! The team's model provider as the worker meets it: a real small instruction-tuned model
//! (SmolLM2-135M-Instruct, from `scripts/setup.sh`) run by llama.cpp (node-llama-cpp's prebuilt CPU build)
//! behind OpenAI's chat-completions API (`tests/llm/server.mjs`): `POST /v1/chat/completions` with
//! `Authorization: Bearer <key>` (else 401), answered whole or, for `stream: true`, as
//! `chat.completion.chunk` events ending with `data: [DONE]`.
//!
//! Tests read what reached it ([`ChatModel::calls`]) and make it play a provider's failures
//! ([`ChatModel::stall`]) or a model that writes whatever a test needs ([`ChatModel::say`]).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::{ProcessGroup, eventually, free_port, repo_root};

/// Where `scripts/setup.sh` puts the model.
pub fn model_file() -> PathBuf {
    repo_root().join("target/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// The provider's name for the model; llama.cpp answers to any.
pub const MODEL_NAME: &str = "smollm2-135m-instruct";

pub struct ChatModel {
    /// The base URL: `http://127.0.0.1:<port>`.
    pub base_url: String,
    pub key: String,
    // Declared before `log`: the server stops before its log directory goes.
    _process: ProcessGroup,
    _log: TempDir,
}

impl ChatModel {
    /// Loads the model and listens on a free loopback port; returns once it answers.
    pub async fn start() -> Result<Self> {
        let model = model_file();
        ensure!(model.exists(), "{} is missing: run scripts/setup.sh", model.display());
        let server = repo_root().join("tests/llm/server.mjs");
        ensure!(repo_root().join("tests/llm/node_modules/node-llama-cpp").exists(), "run scripts/setup.sh");
        let port = free_port()?;
        let key = format!("sk-model-{port}");
        let log = tempfile::Builder::new().prefix("edgedesk-model-").tempdir()?;
        let mut command = std::process::Command::new("node");
        command.arg(&server).arg(&model).arg(port.to_string()).arg(&key);
        let process = ProcessGroup::spawn("the model server", &mut command, &log.path().join("model.log"))?;
        let base_url = format!("http://127.0.0.1:{port}");
        let health = format!("{base_url}/health");
        let log_file = log.path().join("model.log");
        eventually("the model server to load its model", Duration::from_secs(60), || {
            let health = health.clone();
            let log_file = log_file.clone();
            async move {
                let response = reqwest::get(&health)
                    .await
                    .with_context(|| std::fs::read_to_string(&log_file).unwrap_or_default())?;
                if response.status() != 200 {
                    bail!("/health answered {}", response.status());
                }
                Ok(())
            }
        })
        .await?;
        Ok(Self { base_url, key, _process: process, _log: log })
    }

    /// The chat-completions endpoint, as `ANSWERS_URL`.
    pub fn url(&self) -> String {
        format!("{}/v1/chat/completions", self.base_url)
    }

    /// The worker's settings for this provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![("ANSWERS_URL", self.url()), ("ANSWERS_KEY", self.key.clone())]
    }

    /// Every chat request that reached the provider, in order: `{"body": …, "authorization": …}`.
    pub async fn calls(&self) -> Result<Vec<Value>> {
        Ok(reqwest::get(format!("{}/calls", self.base_url)).await?.json().await?)
    }

    /// From now on, requests are held and never answered.
    pub async fn stall(&self) -> Result<()> {
        self.behave(json!({ "mode": "stall" })).await
    }

    /// From now on, every answer is `text`, streamed piece by piece as a model's would be.
    pub async fn say(&self, text: &str) -> Result<()> {
        self.behave(json!({ "mode": "say", "text": text })).await
    }

    /// Back to the model's own answers.
    pub async fn answer_for_real(&self) -> Result<()> {
        self.behave(json!({ "mode": "model" })).await
    }

    async fn behave(&self, behaviour: Value) -> Result<()> {
        let response = reqwest::Client::new().post(format!("{}/behave", self.base_url)).json(&behaviour).send().await?;
        ensure!(response.status() == 200, "/behave answered {}", response.status());
        Ok(())
    }
}
