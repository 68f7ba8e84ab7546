//! One test per bug found so far in the running worker, named after it, each saying in a line what broke.

use anyhow::{Result, ensure};
use reqwest::{Client, Method};

use crate::World;

/// The CORS preflight did not allow `If-None-Match`, so a host page on another origin could revalidate
/// the status banner only once: every later poll failed silently.
pub async fn the_preflight_allows_if_none_match(world: &World) -> Result<()> {
    let answer = Client::new()
        .request(Method::OPTIONS, world.worker.url("/api/status"))
        .header("Origin", world.host.base_url.as_str())
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "if-none-match")
        .send()
        .await?;
    ensure!(answer.status() == 204, "the preflight answered {}", answer.status());
    let allowed = answer.headers().get("Access-Control-Allow-Headers").and_then(|value| value.to_str().ok());
    ensure!(
        allowed.is_some_and(|allowed| allowed.split(',').any(|name| name.trim().eq_ignore_ascii_case("If-None-Match"))),
        "allowed headers: {allowed:?}"
    );
    Ok(())
}

/// `PUT /api/tickets/mine` answered 405 with `Allow: GET`, the methods of `/api/tickets/{number}`, which
/// "mine" also matches (found by schemathesis).
pub async fn put_on_my_tickets_says_to_use_post(world: &World) -> Result<()> {
    let answer = Client::new().put(world.worker.url("/api/tickets/mine")).send().await?;
    ensure!(answer.status() == 405, "PUT answered {}", answer.status());
    let allow = answer.headers().get("Allow").and_then(|value| value.to_str().ok());
    ensure!(allow == Some("POST"), "Allow: {allow:?}");
    Ok(())
}
