//! Status notices through the real worker: raised, updated and resolved by an operator with the CLI,
//! scheduled windows opening and closing on time, the admin API's guard, and the edge cache.
//!
//! Every notice here names the product `e2e-status`, so the demo page (product `analytics`) and the
//! browser tests never see them.

use anyhow::{Context, Result, ensure};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::World;
use edgedesk_e2e::unix_now;

const PRODUCT: &str = "e2e-status";

/// Runs `edgedesk status …` against the worker and returns its output.
fn edgedesk(world: &World, args: &[&str]) -> Result<String> {
    let output = std::process::Command::new(edgedesk_e2e::repo_root().join("target/debug/edgedesk"))
        .arg("status")
        .args(args)
        .env("EDGEDESK_URL", &world.worker.base_url)
        .env("EDGEDESK_TOKEN", &world.admin_token)
        .output()?;
    ensure!(output.status.success(), "edgedesk status {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8(output.stdout)?)
}

/// The active notices for the test product, at `now` when given (the worker allows moving its clock
/// in tests).
async fn status(world: &World, product: &str, now: Option<&str>) -> Result<Vec<Value>> {
    let mut request = Client::new().get(world.worker.url(&format!("/api/status?product={product}")));
    if let Some(now) = now {
        request = request.header("X-Edgedesk-Now", now);
    }
    let response = request.send().await?;
    ensure!(response.status() == 200, "status answered {}", response.status());
    let body: Value = response.json().await?;
    Ok(body["notices"].as_array().context("notices")?.clone())
}

fn in_minutes(minutes: i64) -> String {
    edgedesk_protocol::time::format_time(unix_now() + minutes * 60)
}

pub async fn operator_raises_updates_and_resolves_an_incident(world: &World) -> Result<()> {
    let raised = edgedesk(world, &["raise", "--level", "red", "--title", "Login is down", "--product", PRODUCT])?;
    let id = raised.split_whitespace().nth(1).context("an id")?.to_owned();
    ensure!(id.starts_with("inc-"), "{raised}");

    let shown = status(world, PRODUCT, None).await?;
    ensure!(shown.len() == 1 && shown[0]["id"] == id.as_str(), "{shown:?}");
    ensure!(shown[0]["level"] == "red" && shown[0]["title"] == "Login is down", "{shown:?}");
    ensure!(shown[0]["dismissible"] == false, "an outage cannot be dismissed: {shown:?}");
    let first_version = shown[0]["revision"].clone();

    edgedesk(world, &["update", &id, "--message", "A fix is **rolling out**.", "--level", "yellow"])?;
    let shown = status(world, PRODUCT, None).await?;
    ensure!(shown[0]["level"] == "yellow", "{shown:?}");
    ensure!(shown[0]["updates"][0]["html"] == "<p>A fix is <strong>rolling out</strong>.</p>\n", "{shown:?}");

    edgedesk(world, &["resolve", &id, "--message", "Everyone can log in again."])?;
    let shown = status(world, PRODUCT, None).await?;
    ensure!(shown[0]["level"] == "green" && shown[0]["dismissible"] == true, "{shown:?}");
    ensure!(shown[0]["revision"] != first_version, "every change is a new version for dismissals");
    // Green for half an hour, then gone without anyone touching it.
    ensure!(status(world, PRODUCT, Some(&in_minutes(29))).await?.len() == 1);
    ensure!(status(world, PRODUCT, Some(&in_minutes(31))).await?.is_empty());

    let listed = edgedesk(world, &["list"])?;
    ensure!(listed.contains(&id), "{listed}");
    edgedesk(world, &["delete", &id])?;
    ensure!(status(world, PRODUCT, None).await?.is_empty());
    ensure!(!edgedesk(world, &["list"])?.contains(&id));
    Ok(())
}

pub async fn scheduled_maintenance_opens_and_closes_on_time(world: &World) -> Result<()> {
    let ids =
        |notices: Vec<Value>| notices.iter().filter_map(|n| n["id"].as_str().map(str::to_owned)).collect::<Vec<_>>();
    let maintenance = "db-maintenance-2027-02".to_owned();
    ensure!(!ids(status(world, "analytics", Some("2027-02-06T21:59:59Z")).await?).contains(&maintenance));
    let during = status(world, "analytics", Some("2027-02-06T22:00:00Z")).await?;
    ensure!(ids(during.clone()).contains(&maintenance), "{during:?}");
    let notice = during.iter().find(|n| n["id"] == maintenance.as_str()).context("the window")?;
    ensure!(
        notice["level"] == "yellow" && notice["kind"] == "maintenance" && notice["source"] == "scheduled",
        "{notice}"
    );
    ensure!(ids(status(world, "analytics", Some("2027-02-07T00:59:59Z")).await?).contains(&maintenance));
    ensure!(!ids(status(world, "analytics", Some("2027-02-07T01:00:00Z")).await?).contains(&maintenance));
    // The window is for Acme Analytics only.
    ensure!(!ids(status(world, "mobile", Some("2027-02-06T23:00:00Z")).await?).contains(&maintenance));
    Ok(())
}

pub async fn admin_changes_need_the_token_and_valid_notices(world: &World) -> Result<()> {
    let client = Client::new();
    let notices_url = world.worker.url("/api/admin/notices");
    let body = json!({ "level": "red", "title": "Should never show", "products": [PRODUCT] });
    let refused = client.post(&notices_url).json(&body).send().await?;
    ensure!(refused.status() == StatusCode::UNAUTHORIZED, "{}", refused.status());
    let wrong = client.post(&notices_url).bearer_auth("not-the-token").json(&body).send().await?;
    ensure!(wrong.status() == StatusCode::UNAUTHORIZED, "{}", wrong.status());
    ensure!(status(world, PRODUCT, None).await?.is_empty(), "a refused notice was stored");

    let invalid = |body: Value| {
        let client = client.clone();
        let url = notices_url.clone();
        let token = world.admin_token.clone();
        async move {
            let response = client.post(url).bearer_auth(token).json(&body).send().await?;
            let status = response.status();
            let body: Value = response.json().await?;
            anyhow::Ok((status.as_u16(), body["error"]["code"].clone(), body["error"]["field"].clone()))
        }
    };
    let checks = [
        (json!({ "title": "No level" }), "required", "level"),
        (json!({ "level": "purple", "title": "x" }), "invalid_value", "level"),
        (json!({ "level": "red" }), "required", "title"),
        (
            json!({ "level": "red", "title": "x", "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z" }),
            "invalid_time",
            "ends_at",
        ),
        (json!({ "level": "red", "title": "x", "link": "javascript:alert(1)" }), "invalid_link", "link"),
        (json!({ "level": "red", "title": "x", "colour": "red" }), "unknown_field", "colour"),
    ];
    for (body, code, field) in checks {
        let (status_code, got_code, got_field) = invalid(body.clone()).await?;
        ensure!(
            status_code == 400 && got_code == code && got_field == field,
            "{body} → {status_code} {got_code} {got_field}"
        );
    }
    ensure!(status(world, PRODUCT, None).await?.is_empty(), "an invalid notice was stored");

    let missing = client
        .patch(world.worker.url("/api/admin/notices/inc-none"))
        .bearer_auth(&world.admin_token)
        .json(&json!({"title": "x"}))
        .send()
        .await?;
    ensure!(missing.status() == 404, "{}", missing.status());
    let missing =
        client.delete(world.worker.url("/api/admin/notices/inc-none")).bearer_auth(&world.admin_token).send().await?;
    ensure!(missing.status() == 404, "{}", missing.status());
    Ok(())
}

pub async fn status_is_served_from_the_edge_cache_and_validated(world: &World) -> Result<()> {
    let client = Client::new();
    let url = world.worker.url(&format!("/api/status?product={PRODUCT}"));
    // Raising a notice purges the cached answers, so the next one is computed afresh.
    let raised = edgedesk(world, &["raise", "--level", "yellow", "--title", "Slow exports", "--product", PRODUCT])?;
    let id = raised.split_whitespace().nth(1).context("an id")?.to_owned();
    let first = client.get(&url).send().await?;
    ensure!(first.headers()["x-edgedesk-cache"] == "MISS", "{:?}", first.headers());
    let etag = first.headers()["etag"].to_str()?.to_owned();
    ensure!(first.headers()["cache-control"].to_str()?.contains("max-age=15"), "{:?}", first.headers());

    // A burst of page loads is answered from the cache.
    let burst = (0..40).map(|_| client.get(&url).send());
    let mut hits = 0;
    for response in futures::future::join_all(burst).await {
        let response = response?;
        ensure!(response.status() == 200);
        hits += usize::from(response.headers()["x-edgedesk-cache"] == "HIT");
    }
    println!("status burst: {hits} of 40 answered from the edge cache");
    ensure!(hits >= 36, "only {hits} of 40 came from the cache");

    let unchanged = client.get(&url).header("If-None-Match", &etag).send().await?;
    ensure!(unchanged.status() == 304, "{}", unchanged.status());

    edgedesk(world, &["update", &id, "--message", "Exports are catching up."])?;
    let changed = client.get(&url).header("If-None-Match", &etag).send().await?;
    ensure!(changed.status() == 200, "an update must change the answer, got {}", changed.status());
    ensure!(changed.headers()["etag"].to_str()? != etag);
    edgedesk(world, &["delete", &id])?;
    Ok(())
}
