//! Load on the read endpoints every customer hits: search as they type and the status check on every
//! page load, against workerd on loopback, bounded in count. It prints throughput and latency; it asserts
//! only that every answer was right (the ticket burst is `tickets::a_burst_of_tickets_is_accepted_…`).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use edgedesk_e2e::percentile;
use futures::StreamExt;

use crate::World;

/// Per endpoint; times `LOAD_SCALE` under `make soak`.
const REQUESTS: usize = 1_000;
const CONCURRENCY: usize = 16;

/// What customers type, letter by letter: every prefix of a few real questions.
fn keystrokes() -> Vec<String> {
    ["reset password", "download invoices", "export csv", "connect slack", "сбросить пароль", "рахунок"]
        .iter()
        .flat_map(|question| {
            let chars: Vec<char> = question.chars().collect();
            (2..=chars.len()).map(move |end| chars[..end].iter().collect::<String>())
        })
        .collect()
}

async fn measure(world: &World, name: &str, urls: Vec<String>) -> Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let results: Vec<Result<(Duration, u16)>> = futures::stream::iter(urls)
        .map(|url| {
            let client = client.clone();
            async move {
                let sent = Instant::now();
                let response = client.get(&url).send().await?;
                let status = response.status().as_u16();
                response.bytes().await?;
                Ok((sent.elapsed(), status))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut latencies = Vec::new();
    for result in results {
        let (latency, status) = result?;
        ensure!(status == 200, "{name}: a request answered {status}\n{}", world.worker.log());
        latencies.push(latency);
    }
    latencies.sort();
    println!(
        "load: {name}: {} requests, {CONCURRENCY} at a time, {:.0}/s; p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    Ok(())
}

fn requests() -> usize {
    REQUESTS * std::env::var("LOAD_SCALE").ok().and_then(|scale| scale.parse::<usize>().ok()).unwrap_or(1).max(1)
}

pub async fn search_and_status_hold_under_load(world: &World) -> Result<()> {
    let keystrokes = keystrokes();
    let searches = (0..requests())
        .map(|i| {
            let query = &keystrokes[i % keystrokes.len()];
            let locale = if query.is_ascii() { "en" } else { "ru" };
            // Search answers are not kept in the worker's edge cache; each one is ranked afresh.
            reqwest::Url::parse_with_params(
                &world.worker.url("/api/search"),
                &[("q", query.as_str()), ("locale", locale), ("limit", &(5 + i % 5).to_string())],
            )
            .map(String::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    measure(world, "search as you type", searches).await?;
    let status = (0..requests()).map(|i| world.worker.url(&format!("/api/status?product=load-{}", i % 50))).collect();
    measure(world, "status on page load", status).await?;
    Ok(())
}
