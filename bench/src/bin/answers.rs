//! `make bench`, written answers: time to the first words of an answer and words per second, through the
//! worker (`POST /api/answers` under `wrangler dev`) and at the model alone, with the tests' model
//! (SmolLM2-135M-Instruct, llama.cpp on 2 CPU threads). Each question is new, so none comes from the cache.
//! `cargo run --profile native -p edgedesk-bench --bin answers`.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use edgedesk_e2e::Wrangler;
use edgedesk_e2e::model::ChatModel;
use serde_json::{Value, json};

const QUESTIONS: [&str; 6] = [
    "how do I reset my password",
    "can I get a refund for my annual plan",
    "how do I turn on two-factor authentication",
    "where can I download my invoices",
    "how do I invite teammates to my workspace",
    "how do I export a report as CSV",
];

/// One streamed answer: when its first piece came, how many pieces (tokens, for llama.cpp) and when the
/// last came.
struct Timing {
    first: Duration,
    pieces: usize,
    last: Duration,
}

impl Timing {
    fn pieces_per_second(&self) -> f64 {
        let writing = (self.last - self.first).as_secs_f64();
        if writing > 0.0 { (self.pieces.saturating_sub(1)) as f64 / writing } else { 0.0 }
    }
}

/// Reads a streamed response, counting the pieces `is_piece` recognises among its `data:` lines.
async fn timed(request: reqwest::RequestBuilder, is_piece: impl Fn(&str, &str) -> bool) -> Result<Timing> {
    let sent = Instant::now();
    let mut response = request.send().await?;
    ensure!(response.status().is_success(), "answered {}", response.status());
    let (mut buffer, mut event, mut first, mut last, mut pieces) =
        (String::new(), String::new(), None, Duration::ZERO, 0);
    while let Some(chunk) = response.chunk().await? {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line: String = buffer.drain(..=end).collect();
            if let Some(name) = line.strip_prefix("event: ") {
                event = name.trim().to_owned();
            } else if let Some(data) = line.strip_prefix("data: ")
                && is_piece(&event, data.trim())
            {
                first.get_or_insert(sent.elapsed());
                last = sent.elapsed();
                pieces += 1;
            }
        }
    }
    Ok(Timing { first: first.unwrap_or_default(), pieces, last })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> Result<()> {
    let model = ChatModel::start().await?;
    let settings = model.settings();
    let vars: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let worker = Wrangler::start(&vars).await?;
    let client = reqwest::Client::new();

    let mut through_worker = Vec::new();
    for (n, question) in QUESTIONS.iter().enumerate() {
        let body = json!({ "q": question, "locale": "en", "visit": format!("bench-visit-{n:04}") });
        let request = client.post(worker.url("/api/answers")).json(&body);
        through_worker.push(timed(request, |event, _| event == "text").await?);
    }
    let asked = model.calls().await?;
    let mut at_model = Vec::new();
    for call in &asked {
        let request = client.post(model.url()).bearer_auth(&model.key).json(&call["body"]);
        let is_token = |_: &str, data: &str| {
            serde_json::from_str::<Value>(data).is_ok_and(|chunk| {
                chunk["choices"][0]["delta"]["content"].as_str().is_some_and(|text| !text.is_empty())
            })
        };
        at_model.push(timed(request, is_token).await?);
    }
    let row = |what: &str, timings: &[Timing]| {
        let first = median(timings.iter().map(|timing| timing.first.as_secs_f64() * 1000.0).collect());
        let rate = median(timings.iter().map(Timing::pieces_per_second).collect());
        let pieces = median(timings.iter().map(|timing| timing.pieces as f64).collect());
        println!("| {what} | {} | {first:.0} ms | {rate:.0} | {pieces:.0} |", timings.len());
    };
    println!("\nWritten answers with SmolLM2-135M-Instruct (Q4_1, llama.cpp, 2 threads), medians:\n");
    println!("| measured | answers | time to first token | tokens per second | tokens per answer |");
    println!("|---|---:|---:|---:|---:|");
    row("through the worker (`POST /api/answers`, streamed)", &through_worker);
    row("at the model alone (the same requests)", &at_model);
    println!(
        "\n{} of {} questions reached the model (the others were not covered well enough to answer).",
        asked.len(),
        QUESTIONS.len()
    );
    Ok(())
}
