//! Ranking that learns from customers, on a worker of its own (so that what it learns moves no other
//! test's results): a generated month of visits posted through `POST /api/events` from many addresses, at
//! the moments they happened (`X-Edgedesk-Now`), then the sweep, then a search.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::{Wrangler, eventually, free_port, repo_root, unix_now};
use edgedesk_protocol::time::format_time;
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;

const WAIT: Duration = Duration::from_secs(30);
const DAY: i64 = 86_400;

struct Month<'a> {
    client: Client,
    worker: &'a Wrangler,
    token: String,
}

impl Month<'_> {
    /// One visit: `query` searched at `at`, then `article` read a minute later, from `address`.
    async fn visit(&self, visit: &str, address: &str, at: i64, query: &str, article: &str) -> Result<()> {
        let events = [
            (at, json!({"kind": "search", "query": query, "results": 8, "visit": visit, "locale": "en"})),
            (at + 60, json!({"kind": "article_view", "slug": article, "visit": visit, "locale": "en"})),
        ];
        for (at, body) in events {
            let answer = self
                .client
                .post(self.worker.url("/api/events"))
                .header("CF-Connecting-IP", address)
                .header("X-Edgedesk-Now", format_time(at))
                .json(&body)
                .send()
                .await?;
            ensure!(answer.status() == 202, "{body}: {}", answer.status());
        }
        Ok(())
    }

    async fn slugs(&self, query: &str) -> Result<Vec<String>> {
        let answer: Value = self
            .client
            .get(self.worker.url("/api/search"))
            .query(&[("q", query), ("locale", "en"), ("limit", "10")])
            .send()
            .await?
            .json()
            .await?;
        let hits = answer["hits"].as_array().context("hits")?;
        Ok(hits.iter().filter_map(|hit| hit["slug"].as_str().map(str::to_owned)).collect())
    }

    async fn sweep(&self, at: i64) -> Result<Value> {
        let sweep = self
            .client
            .post(self.worker.url("/api/admin/sweep"))
            .header("X-Edgedesk-Now", format_time(at))
            .bearer_auth(&self.token)
            .send()
            .await?;
        ensure!(sweep.status().is_success(), "the sweep answered {}", sweep.status());
        let learned = self.client.get(self.worker.url("/api/admin/learned")).bearer_auth(&self.token).send().await?;
        ensure!(learned.status() == 200, "GET /api/admin/learned: {}", learned.status());
        Ok(learned.json().await?)
    }

    /// Waits for the events of `visits` visits (two each) to be stored: they are written after the answer.
    async fn stored(&self, visits: usize, prefix: &str) -> Result<()> {
        eventually("the visits' events to be stored", WAIT, || async {
            let rows = self.worker.d1(&format!("SELECT COUNT(*) AS n FROM events WHERE visit LIKE '{prefix}%'"))?;
            ensure!(rows[0]["n"] == json!(visits * 2), "{rows:?}");
            Ok(())
        })
        .await
    }
}

pub async fn a_month_of_successful_visits_lifts_an_article_and_a_flood_moves_nothing(_world: &World) -> Result<()> {
    let token = format!("learning-admin-{}", free_port()?);
    let worker =
        Wrangler::start(&[("ALLOWED_ORIGINS", "*"), ("ADMIN_TOKEN", &token), ("ALLOW_CLOCK_OVERRIDE", "true")]).await?;
    let month = Month { client: Client::new(), worker: &worker, token };
    let end = unix_now();
    // Every visit lies inside the learning window (28 days) as the sweep at `end` sees it.
    let start = end - 27 * DAY;

    // A query with at least six results, and the article at rank 6 for it.
    let mut chosen = None;
    for query in ["settings", "choose", "your"] {
        let slugs = month.slugs(query).await?;
        if slugs.len() >= 6 {
            chosen = Some((query, slugs));
            break;
        }
    }
    let (query, before) = chosen.context("no query finds six articles in the demo knowledge base")?;
    let target = before[5].clone();
    println!("`{query}`: {target} is at rank 6 of {before:?}");

    // A flood from one visit, then many visits from one address: nothing moves.
    for n in 0..60 {
        month.visit("learnflood-0001", "203.0.113.7", start + n * 10 * 3600, query, &target).await?;
    }
    for n in 0..40 {
        month.visit(&format!("learnaddr-{n:04}"), "203.0.113.8", start + n * 15 * 3600, query, &target).await?;
    }
    month.stored(60, "learnflood-").await?;
    month.stored(40, "learnaddr-").await?;
    let learned = month.sweep(end).await?;
    ensure!(learned["enabled"] == true && learned["pairs"] == json!([]), "one visit and one address taught: {learned}");
    ensure!(month.slugs(query).await? == before, "the ranking moved after a flood: {:?}", month.slugs(query).await?);

    // Visits that read an article and still filed a ticket were not answered by it: no votes.
    let unhelpful = before[4].clone();
    for n in 0..8 {
        let visit = format!("learnticket-{n:04}");
        let address = format!("198.51.100.{}", 10 + n);
        month.visit(&visit, &address, end - (n + 1) * DAY, query, &unhelpful).await?;
        let mut ticket = crate::tickets::ticket(&format!("learning{n}@example.com"), "The article did not help");
        ticket["visit"] = json!(visit);
        let filed = month
            .client
            .post(worker.url("/api/tickets"))
            .header("CF-Connecting-IP", &address)
            .json(&ticket)
            .send()
            .await?;
        ensure!(filed.status() == 202, "a ticket from {visit}: {}", filed.status());
    }

    // Twelve visits from twelve addresses over the month settle on the target: it rises into the top 3.
    for n in 0..12 {
        let at = start + 2 * DAY + n * 2 * DAY;
        month.visit(&format!("learnvisit-{n:04}"), &format!("192.0.2.{}", 10 + n), at, query, &target).await?;
    }
    month.stored(12, "learnvisit-").await?;
    month.stored(8, "learnticket-").await?;
    let learned = month.sweep(end).await?;
    let pairs = learned["pairs"].as_array().context("pairs")?;
    ensure!(pairs.len() == 1, "exactly the target is learned (not the article read before a ticket): {learned}");
    let pair = &pairs[0];
    ensure!(pair["article"] == target.as_str() && pair["locale"] == "en" && pair["vetoed"] == false, "{pair}");
    // The flood's visit and address count once each beside the twelve.
    ensure!(pair["visits"] == 12 + 1 + 40 && pair["addresses"] == 12 + 2, "{pair}");
    let boost = pair["boost"].as_f64().context("boost")?;
    ensure!(boost > 1.0 && boost <= 2.0, "the lift is bounded: {boost}");
    let after = eventually("the learned ranking to be served", WAIT, || async {
        let after = month.slugs(query).await?;
        let rank = after.iter().position(|slug| *slug == target).context("the target left the results")?;
        ensure!(rank < 3, "{target} is at rank {} of {after:?}", rank + 1);
        Ok(after)
    })
    .await?;
    println!("after 12 visits from 12 addresses (lift ×{boost:.2}): {after:?}");
    ensure!(after.len() == before.len(), "learning adds or drops no article: {before:?} then {after:?}");

    // A month later the votes have left the window: the ranking is the words' own again, and the
    // address hashes behind them are forgotten.
    let learned = month.sweep(end + 30 * DAY).await?;
    ensure!(learned["pairs"] == json!([]), "{learned}");
    ensure!(month.slugs(query).await? == before, "the lift outlived its votes");
    let hashed = worker.d1("SELECT COUNT(*) AS n FROM events WHERE address IS NOT NULL")?;
    ensure!(hashed[0]["n"] == json!(0), "address hashes kept past the window: {hashed:?}");
    let raw = worker.d1("SELECT COUNT(*) AS n FROM events WHERE address LIKE '%.%'")?;
    ensure!(raw[0]["n"] == json!(0), "an address was stored as it is");

    // Editors read the pairs in a terminal too.
    let text = std::process::Command::new(repo_root().join("target/debug/edgedesk"))
        .args(["report", "learned", "--url", &worker.base_url, "--token", &month.token])
        .output()?;
    ensure!(text.status.success(), "edgedesk report learned: {}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8_lossy(&text.stdout);
    ensure!(text.contains("Nothing learned (as of "), "{text}");
    Ok(())
}
