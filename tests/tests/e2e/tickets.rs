//! Tickets that are never lost and never duplicated: accepted by the real worker into its local D1,
//! delivered through its local queue to a real HTTP server playing the helpdesk, which counts them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use edgedesk_e2e::{HelpdeskMode, eventually, percentile, unix_now};
use edgedesk_tickets::signing;
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::World;

/// Long enough for a few queue retries one second apart.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(90);

/// A client address of its own for each submission, so tests meet the rate limit only when they mean to.
pub fn client_ip() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

pub fn ticket(email: &str, subject: &str) -> Value {
    json!({
        "name": "Grace Hopper",
        "email": email,
        "topic": "problem",
        "urgency": "high",
        "subject": subject,
        "message": "The weekly report has not loaded since this morning.",
        "steps_tried": "Reloaded the page and signed in again.",
        "page_url": "https://app.acme.test/reports",
        "locale": "en"
    })
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

pub async fn post(world: &World, path: &str, body: &Value, headers: &[(&str, &str)]) -> Result<Answer> {
    let mut request = Client::new().post(world.worker.url(path)).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await?;
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await?;
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).context(text)? };
    Ok(Answer { status, headers, body })
}

/// A ticket as its customer holds it: the number and the view token the 202 answered with.
#[derive(Debug, Clone)]
pub struct Filed {
    pub number: String,
    pub token: String,
}

/// Files a ticket from its own client address.
pub async fn file(world: &World, body: &Value) -> Result<Filed> {
    let answer = post(world, "/api/tickets", body, &[("CF-Connecting-IP", &client_ip())]).await?;
    ensure!(answer.status == 202, "expected 202, got {}: {}", answer.status, answer.body);
    filed(&answer.body)
}

/// The number and view token of a 202.
pub fn filed(answer: &Value) -> Result<Filed> {
    let number = answer["number"].as_str().context("no number")?.to_owned();
    let token = answer["view_token"].as_str().context("no view token")?.to_owned();
    ensure!(edgedesk_protocol::ticket::normalize_view_token(&token).as_ref() == Some(&token), "token {token:?}");
    Ok(Filed { number, token })
}

/// Opens a ticket as "My tickets" does, with a credential (`{"token"}` or `{"identity"}`), from an
/// address of its own.
pub async fn look_up(world: &World, number: &str, credential: &Value) -> Result<Answer> {
    post(world, &format!("/api/tickets/{number}/view"), credential, &[("CF-Connecting-IP", &client_ip())]).await
}

/// The ticket as its customer sees it in "My tickets", opened with its view token.
async fn view(world: &World, filed: &Filed) -> Result<Value> {
    let answer = look_up(world, &filed.number, &json!({ "token": filed.token })).await?;
    ensure!(answer.status == 200, "viewing {} answered {}: {}", filed.number, answer.status, answer.body);
    Ok(answer.body)
}

async fn delivered(world: &World, filed: &Filed) -> Result<()> {
    let number = &filed.number;
    eventually(&format!("{number} to be delivered"), DELIVERY_TIMEOUT, || async {
        let status = view(world, filed).await?["status"].clone();
        ensure!(status == "delivered", "{number} is {status}");
        Ok(())
    })
    .await
}

/// `edgedesk tickets …` as an operator runs it.
fn operator(world: &World, args: &[&str]) -> Result<String> {
    let output = std::process::Command::new(edgedesk_e2e::repo_root().join("target/debug/edgedesk"))
        .arg("tickets")
        .args(args)
        .env("EDGEDESK_URL", &world.worker.base_url)
        .env("EDGEDESK_TOKEN", &world.admin_token)
        .output()?;
    ensure!(output.status.success(), "edgedesk tickets {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8(output.stdout)?)
}

fn confirmations(world: &World, number: &str) -> usize {
    world.helpdesk.with_log(|log| log.confirmed.get(number).copied().unwrap_or(0))
}

pub async fn tickets_filed_while_the_helpdesk_is_down_arrive_exactly_once(world: &World) -> Result<()> {
    world.helpdesk.set_mode(HelpdeskMode::Down);
    let mut numbers = Vec::new();
    for i in 0..8 {
        let email = format!("outage{i}@example.com");
        let filed = file(world, &ticket(&email, &format!("Outage ticket {i}"))).await?;
        numbers.push((filed.number.clone(), filed));
    }
    // Every ticket reached the helpdesk while it was down, and nothing was created there.
    eventually("each ticket to be tried against the down helpdesk", DELIVERY_TIMEOUT, || async {
        let tried = world.helpdesk.with_log(|log| {
            numbers
                .iter()
                .filter(|(number, _)| log.attempts.iter().any(|(key, status)| key == number && *status == 503))
                .count()
        });
        ensure!(tried == numbers.len(), "{tried} of {} tried", numbers.len());
        Ok(())
    })
    .await?;
    ensure!(numbers.iter().all(|(number, _)| !world.helpdesk.with_log(|log| log.created.contains_key(number))));

    // Back up, but the first answer for each ticket is lost on the way: the worker must retry, and the
    // idempotency key must keep the helpdesk at one ticket each.
    world.helpdesk.set_mode(HelpdeskMode::LosesFirstAnswer);
    for (_, filed) in &numbers {
        delivered(world, filed).await?;
    }
    world.helpdesk.set_mode(HelpdeskMode::Up);
    for (number, _) in &numbers {
        ensure!(confirmations(world, number) == 1, "{number} was confirmed {} times", confirmations(world, number));
        let (tries, created) = world.helpdesk.with_log(|log| {
            (log.attempts.iter().filter(|(key, _)| key == number).count(), log.created.get(number).cloned())
        });
        ensure!(tries >= 3, "{number}: down, answer lost, then created — only {tries} attempts");
        let created = created.context("not created")?;
        ensure!(created["ticket"]["number"] == number.as_str(), "{created}");
        ensure!(created["ticket"]["steps_tried"] == "Reloaded the page and signed in again.", "{created}");
        ensure!(created["ticket"]["expected_reply_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{created}");
    }
    let created = world.helpdesk.with_log(|log| numbers.iter().filter(|(n, _)| log.created.contains_key(n)).count());
    ensure!(created == numbers.len(), "{created} of {} tickets arrived", numbers.len());
    ensure!(world.helpdesk.with_log(|log| log.bad_signatures) == 0, "the helpdesk saw unsigned deliveries");
    Ok(())
}

pub async fn a_double_submit_makes_one_ticket(world: &World) -> Result<()> {
    let subject = format!("Double click {}", unix_now());
    let body = ticket("double@example.com", &subject);
    let key = format!("double-submit-key-{}", client_ip());
    let ip = client_ip();
    let headers = [("Idempotency-Key", key.as_str()), ("CF-Connecting-IP", ip.as_str())];
    let (first, second) =
        tokio::join!(post(world, "/api/tickets", &body, &headers), post(world, "/api/tickets", &body, &headers));
    let (first, second) = (first?, second?);
    ensure!(first.status == 202 && second.status == 202, "{} / {}", first.body, second.body);
    ensure!(first.body["number"] == second.body["number"], "two numbers: {} and {}", first.body, second.body);
    // A retry long after (the widget after a network failure) gets the same ticket, marked as a replay,
    // and nothing personal: the answer is kept for a day.
    let third = post(world, "/api/tickets", &body, &headers).await?;
    for field in ["number", "view_token", "expected_reply_at", "status"] {
        ensure!(third.body[field] == first.body[field], "{field}: {} != {}", third.body, first.body);
    }
    ensure!(third.headers.get("Idempotency-Replayed").is_some_and(|value| value == "true"));
    let replayed = third.body.to_string();
    ensure!(!replayed.contains("Grace") && !replayed.contains("double@example.com"), "{replayed}");
    let rows = world.worker.d1(&format!("SELECT number FROM tickets WHERE subject = '{subject}'"))?;
    ensure!(rows.len() == 1, "{} tickets stored for one submission", rows.len());
    let double = filed(&first.body)?;
    delivered(world, &double).await?;
    ensure!(confirmations(world, &double.number) == 1);
    // A key is the client's own: the same key from another client finds nothing of the first one's
    // (no number, name or email), and with another body it is refused, not answered.
    let other_body = ticket("mallory@example.com", &format!("{subject}, guessed"));
    let reused = post(world, "/api/tickets", &other_body, &headers).await?;
    ensure!(reused.status == 422 && reused.body["error"]["code"] == "idempotency_key_reused", "{}", reused.body);
    let elsewhere = [("Idempotency-Key", key.as_str()), ("CF-Connecting-IP", "198.51.100.23")];
    let stranger = post(world, "/api/tickets", &other_body, &elsewhere).await?;
    ensure!(stranger.status == 202 && stranger.body["number"] != first.body["number"], "{}", stranger.body);
    ensure!(!stranger.body.to_string().contains("double@example.com"), "{}", stranger.body);
    // Keys are checked like any other input: printable, and long enough not to be guessed.
    for bad_key in ["has spaces in it", "k"] {
        let bad = post(world, "/api/tickets", &body, &[("Idempotency-Key", bad_key)]).await?;
        ensure!(bad.status == 400 && bad.body["error"]["field"] == "Idempotency-Key", "{}", bad.body);
    }
    Ok(())
}

pub async fn each_invalid_field_gets_a_400_naming_it(world: &World) -> Result<()> {
    let long = |chars: usize| "x".repeat(chars);
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("  ")),
        ("email", json!("grace@localhost")),
        ("topic", json!("gossip")),
        ("urgency", json!("yesterday")),
        ("subject", json!("")),
        ("message", json!(42)),
        ("steps_tried", json!(long(5_001))),
        ("attachments", json!(["../../etc/passwd"])),
        ("page_url", json!(long(2_001))),
        ("referrer", json!(["not", "a", "string"])),
        ("locale", json!(long(40))),
        ("app_version", json!(long(65))),
        ("incident_id", json!("<script>")),
        ("articles_read", json!(vec!["slug"; 21])),
        ("searches", json!([long(201)])),
        ("identity", json!({ "attributes": {}, "expires_at": "tomorrow", "signature": "" })),
        ("website", json!("https://spam.example")),
    ];
    let before = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    for (field, value) in cases {
        let mut body = ticket("fields@example.com", "Invalid field");
        body[field] = value;
        let answer = post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &client_ip())]).await?;
        ensure!(answer.status == 400, "{field}: expected 400, got {}: {}", answer.status, answer.body);
        ensure!(answer.body["error"]["field"] == field, "{field}: {}", answer.body);
        ensure!(answer.body["error"]["message"].as_str().is_some_and(|m| m.len() > 10), "{field}: {}", answer.body);
    }
    let after = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    ensure!(before == after, "refused tickets were stored");
    Ok(())
}

/// `attributes` as the product's backend signs them for `identify()`, valid for an hour.
pub fn signed_identity(secret: &str, attributes: Value) -> Value {
    let attributes: std::collections::BTreeMap<String, String> =
        serde_json::from_value(attributes).expect("string attributes");
    let expires_at = unix_now() + 3600;
    let signature = signing::hmac_hex(secret.as_bytes(), signing::identity_message(&attributes, expires_at).as_bytes());
    json!({ "attributes": attributes, "expires_at": expires_at, "signature": signature })
}

/// A progress report on a ticket, signed with `secret` as the helpdesk signs them.
pub async fn report(world: &World, number: &str, secret: &str, event: &Value) -> Result<Answer> {
    let path = format!("/api/tickets/{number}/events");
    let body = serde_json::to_vec(event)?;
    let signed = signing::SignedRequest { method: "POST", path: &path, body: &body };
    let signature = signing::sign_request(secret.as_bytes(), signed, unix_now());
    send_report(world, &path, &signature, body).await
}

/// Sends a report with this signature header, as someone who captured one might.
pub async fn send_report(world: &World, path: &str, signature: &str, body: Vec<u8>) -> Result<Answer> {
    let response = Client::new()
        .post(world.worker.url(path))
        .header("Content-Type", "application/json")
        .header(signing::SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await?;
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await?;
    Ok(Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) })
}

pub async fn identities_and_progress_reports_must_be_signed(world: &World) -> Result<()> {
    let email = "priority@example.com";
    let claims = json!({ "id": "cust-42", "email": email, "tier": "priority" });

    // Signed with anything but the product's secret, an identity is refused, and no ticket is stored.
    let mut forged = ticket(email, "Forged priority");
    forged["identity"] = signed_identity("guessed-secret", claims.clone());
    let answer = post(world, "/api/tickets", &forged, &[("CF-Connecting-IP", &client_ip())]).await?;
    ensure!(answer.status == 401 && answer.body["error"]["code"] == "invalid_identity", "{}", answer.body);

    let mut genuine = ticket(email, "Genuine priority");
    genuine["identity"] = signed_identity(&world.identity_secret, claims);
    let filed = file(world, &genuine).await?;
    let number = filed.number.clone();
    delivered(world, &filed).await?;
    let delivered_ticket = world.helpdesk.with_log(|log| log.created.get(&number).cloned()).context("not created")?;
    ensure!(delivered_ticket["ticket"]["priority"] == true, "{delivered_ticket}");
    ensure!(delivered_ticket["ticket"]["customer"]["id"] == "cust-42", "{delivered_ticket}");

    // The customer's tickets follow them to any device, for the product's signature only.
    let claims = json!({ "id": "cust-42", "email": email });
    let mine = post(
        world,
        "/api/tickets/mine",
        &json!({ "identity": signed_identity(&world.identity_secret, claims.clone()) }),
        &[],
    )
    .await?;
    ensure!(mine.status == 200, "{}", mine.body);
    let numbers: Vec<&str> =
        mine.body["tickets"].as_array().context("tickets")?.iter().filter_map(|t| t["number"].as_str()).collect();
    ensure!(numbers == [number.as_str()], "{}", mine.body);
    let stranger =
        post(world, "/api/tickets/mine", &json!({ "identity": signed_identity("guessed-secret", claims) }), &[])
            .await?;
    ensure!(stranger.status == 401, "{}", stranger.body);
    let anonymous = post(world, "/api/tickets/mine", &json!({}), &[]).await?;
    ensure!(anonymous.status == 400 && anonymous.body["error"]["field"] == "identity", "{}", anonymous.body);

    // The helpdesk reports progress, signed with its own secret; anything else is refused: another
    // secret (even our outbound webhook's), no signature, or a report signed for another ticket.
    let solved = json!({ "status": "solved", "message": "The report loads again; it was a stuck cache." });
    for wrong in ["not-the-secret", world.helpdesk.secret.as_str()] {
        let forged = report(world, &number, wrong, &solved).await?;
        ensure!(forged.status == 401 && forged.body["error"]["code"] == "invalid_signature", "{}", forged.body);
    }
    let unsigned = post(world, &format!("/api/tickets/{number}/events"), &solved, &[]).await?;
    ensure!(unsigned.status == 401, "an unsigned report was accepted: {}", unsigned.status);
    let body = serde_json::to_vec(&solved)?;
    let path = format!("/api/tickets/{number}/events");
    let signed = signing::SignedRequest { method: "POST", path: &path, body: &body };
    let signature = signing::sign_request(world.events_secret.as_bytes(), signed, unix_now());
    let moved = send_report(world, "/api/tickets/ED-0000-0000/events", &signature, body.clone()).await?;
    ensure!(moved.status == 401, "a report replayed onto another ticket answered {}", moved.status);
    ensure!(view(world, &filed).await?["status"] == "delivered");
    let accepted = send_report(world, &path, &signature, body.clone()).await?;
    ensure!(accepted.status == 204, "{}: {}", accepted.status, accepted.body);
    // The very same signed report again, within its five minutes, is a replay.
    let replayed = send_report(world, &path, &signature, body).await?;
    ensure!(replayed.status == 401 && replayed.body["error"]["code"] == "invalid_signature", "{}", replayed.body);
    let unknown = report(world, "ED-0000-0000", &world.events_secret, &solved).await?;
    ensure!(unknown.status == 404, "a report for no ticket: {}", unknown.status);

    // The customer sees it in "My tickets" and rates the answer, once.
    let seen = view(world, &filed).await?;
    ensure!(seen["status"] == "solved" && seen["can_rate"] == true, "{seen}");
    let events: Vec<&str> =
        seen["events"].as_array().context("events")?.iter().filter_map(|e| e["status"].as_str()).collect();
    ensure!(events == ["delivered", "solved"], "{seen}");
    ensure!(seen["events"][1]["message"] == "The report loads again; it was a stuck cache.", "{seen}");
    // Knowing the number and the email opens nothing; the customer's signed identity does.
    let by_email = reqwest::get(world.worker.url(&format!("/api/tickets/{number}?email={email}"))).await?;
    ensure!(by_email.status() == 404, "a ticket answered to its email in a URL: {}", by_email.status());
    let identity = |claims: Value| json!({ "identity": signed_identity(&world.identity_secret, claims) });
    let own = look_up(world, &number, &identity(json!({ "id": "cust-42" }))).await?;
    ensure!(own.status == 200 && own.body["status"] == "solved", "{}", own.body);
    let other = look_up(world, &number, &identity(json!({ "id": "cust-43", "email": email }))).await?;
    ensure!(other.status == 404, "another customer opened the ticket: {}", other.body);
    let rating = json!({ "token": filed.token.to_lowercase(), "rating": "good" });
    let ip = client_ip();
    let from = [("CF-Connecting-IP", ip.as_str())];
    ensure!(post(world, &format!("/api/tickets/{number}/rating"), &rating, &from).await?.status == 204);
    let again = post(world, &format!("/api/tickets/{number}/rating"), &rating, &from).await?;
    ensure!(again.status == 409, "rated twice: {}", again.status);
    let seen = view(world, &filed).await?;
    ensure!(seen["rating"] == "good" && seen["can_rate"] == false, "{seen}");
    Ok(())
}

/// Following a ticket takes its number and view token (or its customer's identity), in a body: a wrong
/// token finds nothing, a malformed one is named, and tokens cannot be tried faster than the lookup limit.
pub async fn tickets_are_followed_with_their_view_token(world: &World) -> Result<()> {
    let filed = file(world, &ticket("follower@example.com", "Followed by token")).await?;
    let number = &filed.number;
    ensure!(view(world, &filed).await?["subject"] == "Followed by token");
    let typed = filed.token.to_lowercase().replace('-', " ");
    ensure!(look_up(world, number, &json!({ "token": typed })).await?.status == 200, "a token as typed");
    let another = file(world, &ticket("follower@example.com", "Another ticket")).await?;
    let crossed = look_up(world, number, &json!({ "token": another.token })).await?;
    ensure!(crossed.status == 404 && crossed.body["error"]["code"] == "ticket_not_found", "{}", crossed.body);
    let malformed = look_up(world, number, &json!({ "token": "follower@example.com" })).await?;
    ensure!(malformed.status == 400 && malformed.body["error"]["field"] == "token", "{}", malformed.body);
    let nothing = look_up(world, number, &json!({})).await?;
    ensure!(nothing.status == 400 && nothing.body["error"]["code"] == "required", "{}", nothing.body);
    let unknown = look_up(world, number, &json!({ "email": "follower@example.com" })).await?;
    ensure!(unknown.status == 400 && unknown.body["error"]["field"] == "email", "{}", unknown.body);
    let stored = world.worker.d1(&format!("SELECT view_token_hash FROM tickets WHERE number = '{number}'"))?;
    let hash = stored[0]["view_token_hash"].as_str().context("no hash stored")?;
    ensure!(!hash.contains(&filed.token) && hash.len() == 64, "the token is stored as {hash}");

    // Thirty lookups a minute per address, as documented; the 31st is refused with Retry-After: 60.
    let guess = |ip: String, _| async move {
        let guess = json!({ "token": "0000-0000-0000-0000" });
        post(world, &format!("/api/tickets/{number}/view"), &guess, &[("CF-Connecting-IP", &ip)]).await
    };
    exactly_the_allowance(30, "ticket lookups", client_ip, guess, 404).await
}

/// Sends `allowance + 1` requests as one fresh client inside one rate-limit window (a minute on the
/// wall clock, as the limiter counts it; a run that straddles two is done again with another client) and
/// asserts that exactly `allowance` are answered `accepted` and the next `429 rate_limited` with
/// `Retry-After: 60`. `send(client, n)` sends the `n`th request.
pub async fn exactly_the_allowance<C, F, Fut>(
    allowance: usize,
    what: &str,
    fresh_client: C,
    send: F,
    accepted: u16,
) -> Result<()>
where
    C: Fn() -> String,
    F: Fn(String, usize) -> Fut,
    Fut: std::future::Future<Output = Result<Answer>>,
{
    for _ in 0..3 {
        let window = unix_now() / 60;
        let client = fresh_client();
        let mut answers = Vec::new();
        for n in 1..=allowance + 1 {
            answers.push(send(client.clone(), n).await?);
        }
        if unix_now() / 60 != window {
            continue;
        }
        for (index, answer) in answers[..allowance].iter().enumerate() {
            let n = index + 1;
            ensure!(
                answer.status.as_u16() == accepted,
                "{what}: request {n} answered {}: {}",
                answer.status,
                answer.body
            );
        }
        let refused = &answers[allowance];
        ensure!(refused.status == 429, "{what}: request {} answered {}", allowance + 1, refused.status);
        ensure!(refused.body["error"]["code"] == "rate_limited", "{}", refused.body);
        let retry_after = refused.headers.get("retry-after").context("no Retry-After")?.to_str()?;
        ensure!(retry_after == "60", "{what}: Retry-After: {retry_after}");
        println!("{what}: {allowance} accepted from one client in a minute, then 429 (Retry-After: {retry_after})");
        return Ok(());
    }
    bail!("{what}: three runs in a row straddled a minute")
}

/// The smallest real PNG: a 1×1 transparent pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn upload(world: &World, name: &str, content_type: &str, bytes: &[u8]) -> Result<(StatusCode, Value)> {
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let response = Client::new()
        .post(world.worker.url("/api/attachments"))
        .header("Content-Type", content_type)
        .header("X-Filename", encoded)
        .header("CF-Connecting-IP", client_ip())
        .body(bytes.to_vec())
        .send()
        .await?;
    let status = response.status();
    Ok((status, serde_json::from_str(&response.text().await?)?))
}

pub async fn attachments_are_checked_by_their_bytes(world: &World) -> Result<()> {
    let (status, uploaded) = upload(world, "screen shot.png", "image/png", PNG).await?;
    ensure!(
        status == 201 && uploaded["media_type"] == "image/png" && uploaded["name"] == "screen shot.png",
        "{uploaded}"
    );
    let id = uploaded["id"].as_str().context("no id")?.to_owned();

    // A PDF calling itself a PNG, and a text file calling itself a PNG, are refused with the reason.
    let (status, refused) = upload(world, "invoice.png", "image/png", b"%PDF-1.7\n1 0 obj\n").await?;
    ensure!(status == 415 && refused["error"]["code"] == "attachment_type_mismatch", "{refused}");
    let (status, refused) = upload(world, "shot.png", "image/png", b"#!/bin/sh\nrm -rf /\n").await?;
    ensure!(status == 415 && refused["error"]["code"] == "unsupported_attachment", "{refused}");
    let (status, refused) = upload(world, "empty.png", "image/png", b"").await?;
    ensure!(status == 400 && refused["error"]["field"] == "attachment", "{refused}");

    let mut body = ticket("attach@example.com", "Chart is blank");
    body["attachments"] = json!([id]);
    let filed = file(world, &body).await?;
    let number = filed.number.clone();
    delivered(world, &filed).await?;
    let created = world.helpdesk.with_log(|log| log.created.get(&number).cloned()).context("not created")?;
    let attachment = &created["ticket"]["attachments"][0];
    ensure!(attachment["name"] == "screen shot.png" && attachment["bytes"] == PNG.len(), "{created}");
    // Support opens it through the signed link; an altered link opens nothing.
    let link = attachment["url"].as_str().context("no link")?;
    let response = reqwest::get(link).await?;
    ensure!(response.status() == 200, "the link answered {}", response.status());
    ensure!(response.headers()["content-type"] == "image/png");
    ensure!(response.headers()["content-security-policy"] == "sandbox");
    ensure!(response.bytes().await?.as_ref() == PNG, "the attachment came back changed");
    let last = link.chars().last().context("empty link")?;
    let tampered = format!("{}{}", &link[..link.len() - 1], if last == '0' { '1' } else { '0' });
    ensure!(reqwest::get(&tampered).await?.status() == 403, "an altered link opened a file");

    // An attachment belongs to one ticket.
    let answer = post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &client_ip())]).await?;
    ensure!(answer.status == 400 && answer.body["error"]["code"] == "unknown_attachment", "{}", answer.body);

    // An upload no ticket claims is gone a day later, from D1 and R2; the one the ticket claimed stays.
    let (status, abandoned) = upload(world, "never sent.png", "image/png", PNG).await?;
    ensure!(status == 201, "{abandoned}");
    let abandoned = abandoned["id"].as_str().context("no id")?.to_owned();
    let kept = |id: &str| -> Result<usize> {
        Ok(world.worker.d1(&format!("SELECT id FROM attachments WHERE id = '{id}'"))?.len())
    };
    ensure!(kept(&abandoned)? == 1 && kept(&id)? == 1);
    ensure!(sweep_at(world, unix_now() + 23 * 3600).await?.status() == 200);
    ensure!(kept(&abandoned)? == 1, "an upload was deleted before its day was out");
    ensure!(sweep_at(world, unix_now() + 25 * 3600).await?.status() == 200);
    ensure!(kept(&abandoned)? == 0, "an unclaimed upload outlived its day");
    ensure!(kept(&id)? == 1, "the sweep deleted an upload a ticket had claimed");
    let response = reqwest::get(link).await?;
    ensure!(response.status() == 200, "the claimed attachment's link answered {}", response.status());
    Ok(())
}

pub async fn refused_tickets_are_parked_and_replayed_by_the_operator(world: &World) -> Result<()> {
    world.helpdesk.set_mode(HelpdeskMode::Refuses);
    let email = "refused@example.com";
    let filed = file(world, &ticket(email, "Refused by the helpdesk")).await?;
    let number = filed.number.clone();
    let failed = eventually("the refusal to be recorded", DELIVERY_TIMEOUT, || async {
        let failed: Value = serde_json::from_str(&operator(world, &["failed", "--json"])?)?;
        let ticket = failed.as_array().and_then(|all| all.iter().find(|t| t["number"] == number.as_str()).cloned());
        ticket.context("not failed yet")
    })
    .await;
    world.helpdesk.set_mode(HelpdeskMode::Up);
    let failed = failed?;
    ensure!(failed["last_error"].as_str().is_some_and(|e| e.contains("422") && e.contains("blocked")), "{failed}");
    let attempts = world.helpdesk.with_log(|log| log.attempts.iter().filter(|(key, _)| *key == number).count());
    ensure!(attempts == 1, "a refused ticket was retried {attempts} times");
    let listed = operator(world, &["failed"])?;
    ensure!(listed.contains(&number) && listed.contains("blocked"), "{listed}");

    let replayed = operator(world, &["replay", &number])?;
    ensure!(replayed.contains(&number), "{replayed}");
    delivered(world, &filed).await?;
    ensure!(confirmations(world, &number) == 1);
    let all = operator(world, &["list", "--state", "delivered", "--json"])?;
    ensure!(all.contains(&number), "{all}");
    Ok(())
}

/// The cron's sweep, run by the operator as if it were `at` (`X-Edgedesk-Now`).
async fn sweep_at(world: &World, at: i64) -> reqwest::Result<reqwest::Response> {
    Client::new()
        .post(world.worker.url("/api/admin/sweep"))
        .bearer_auth(&world.admin_token)
        .header("X-Edgedesk-Now", edgedesk_protocol::time::format_time(at))
        .send()
        .await
}

pub async fn the_sweep_sends_tickets_the_queue_gave_up_on(world: &World) -> Result<()> {
    world.helpdesk.set_mode(HelpdeskMode::Down);
    let email = "sweep@example.com";
    let filed = file(world, &ticket(email, "Through a long outage")).await;
    let parked = match &filed {
        Ok(Filed { number, .. }) => {
            eventually("the queue to give up and park the ticket", Duration::from_secs(120), || async {
                let pending: Value =
                    serde_json::from_str(&operator(world, &["list", "--state", "pending", "--json"])?)?;
                let ticket =
                    pending.as_array().and_then(|all| all.iter().find(|t| t["number"] == number.as_str()).cloned());
                let error = ticket.context("not pending")?["last_error"].as_str().unwrap_or_default().to_owned();
                ensure!(error.contains("gave up"), "last error: {error}");
                Ok(error)
            })
            .await
        }
        Err(_) => bail!("not filed"),
    };
    world.helpdesk.set_mode(HelpdeskMode::Up);
    let (filed, parked) = (filed?, parked?);
    ensure!(parked.contains("503"), "{parked}");
    ensure!(view(world, &filed).await?["status"] == "received", "delivered before the sweep");

    // Nothing is due yet: the parked ticket waits for its hour.
    let sweep = |at: i64| sweep_at(world, at);
    let response = sweep(unix_now()).await?;
    ensure!(response.status() == 200, "the sweep answered {}", response.status());
    let sent: Value = response.json().await?;
    ensure!(sent["sent"] == 0, "the sweep sent a parked ticket before its time: {sent}");
    // The sweep, as the cron runs it, two hours later.
    let sent: Value = sweep(unix_now() + 7200).await?.json().await?;
    ensure!(sent["sent"].as_u64().is_some_and(|sent| sent >= 1), "{sent}");
    delivered(world, &filed).await?;
    ensure!(confirmations(world, &filed.number) == 1);
    Ok(())
}

/// Twenty tickets a minute per address, as documented: the 20th is accepted, the 21st refused with
/// `Retry-After: 60`, and another address is not affected.
pub async fn rate_limits_answer_429_with_retry_after(world: &World) -> Result<()> {
    let eager = |ip: String, n: usize| async move {
        // Each to its own recipient, so that only the address's allowance counts.
        let body = ticket(&format!("eager-{ip}-{n}@example.com"), &format!("Eager ticket {n}"));
        post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &ip)]).await
    };
    exactly_the_allowance(20, "tickets", client_ip, eager, 202).await?;
    file(world, &ticket("patient@example.com", "From another address")).await.map(|_| ())
}

/// The helpdesk writes to a ticket's requester: an email no signed identity vouches for is the requester
/// of five tickets an hour, from any address; the sixth is refused with the field named and a
/// `Retry-After` of the hour. A signed-in customer with that email is not held back.
pub async fn acknowledgements_to_one_inbox_are_limited(world: &World) -> Result<()> {
    let victim = format!("inbox-{}@example.com", client_ip());
    for n in 1..=5 {
        file(world, &ticket(&victim.to_uppercase(), &format!("Aimed at an inbox {n}"))).await?;
    }
    let sixth =
        post(world, "/api/tickets", &ticket(&victim, "The sixth"), &[("CF-Connecting-IP", &client_ip())]).await?;
    ensure!(sixth.status == 429, "the sixth acknowledgement to one inbox answered {}: {}", sixth.status, sixth.body);
    ensure!(
        sixth.body["error"]["code"] == "recipient_limited" && sixth.body["error"]["field"] == "email",
        "{}",
        sixth.body
    );
    ensure!(sixth.headers.get("retry-after").is_some_and(|value| value == "3600"), "{:?}", sixth.headers);
    let stored =
        world.worker.d1(&format!("SELECT COUNT(*) AS n FROM tickets WHERE email = '{victim}' COLLATE NOCASE"))?;
    ensure!(stored[0]["n"] == 5, "{stored:?}");
    let mut signed_in = ticket(&victim, "The owner of the inbox, signed in");
    let claims = json!({ "id": format!("owner-{victim}"), "email": victim });
    signed_in["identity"] = signed_identity(&world.identity_secret, claims);
    file(world, &signed_in).await?;
    println!("acknowledgements: 5 tickets an hour to one unverified inbox, the 6th refused (Retry-After: 3600)");
    Ok(())
}

pub async fn a_burst_of_tickets_is_accepted_and_delivered(world: &World) -> Result<()> {
    const TICKETS: usize = 200;
    const CONCURRENCY: usize = 8;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut numbers = Vec::new();
    for chunk in (0..TICKETS).collect::<Vec<_>>().chunks(CONCURRENCY) {
        let requests = chunk.iter().map(|i| async move {
            let body = ticket(&format!("burst{i}@example.com"), &format!("Burst ticket {i}"));
            let key = format!("burst-ticket-key-{i}-{}", client_ip());
            let sent = Instant::now();
            let answer =
                post(world, "/api/tickets", &body, &[("CF-Connecting-IP", &client_ip()), ("Idempotency-Key", &key)])
                    .await;
            (sent.elapsed(), answer)
        });
        for (latency, answer) in futures::future::join_all(requests).await {
            let answer = answer?;
            ensure!(answer.status == 202, "{}: {}", answer.status, answer.body);
            latencies.push(latency);
            numbers.push(answer.body["number"].as_str().context("no number")?.to_owned());
        }
    }
    let accept_seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    eventually("the burst to reach the helpdesk", Duration::from_secs(180), || async {
        let arrived = world.helpdesk.with_log(|log| numbers.iter().filter(|n| log.confirmed.contains_key(*n)).count());
        ensure!(arrived == TICKETS, "{arrived} of {TICKETS} delivered");
        Ok(())
    })
    .await?;
    let delivered_seconds = started.elapsed().as_secs_f64();
    println!(
        "ticket burst: {TICKETS} accepted in {accept_seconds:.1} s ({:.0}/s, {CONCURRENCY} at a time), \
         p50 {:?}, p99 {:?}; all delivered exactly once after {delivered_seconds:.1} s",
        TICKETS as f64 / accept_seconds,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
    let duplicates =
        world.helpdesk.with_log(|log| numbers.iter().filter(|n| log.confirmed.get(*n) != Some(&1)).count());
    ensure!(duplicates == 0, "{duplicates} tickets were confirmed more than once");
    Ok(())
}

/// Stands in for Cloudflare's siteverify: only `person-token`, checked with the right secret, is a person.
/// Cloudflare's siteverify as documented: a token proves a person once; used again it is
/// `timeout-or-duplicate`. Tokens starting `person-` are people's.
async fn serve_siteverify(secret: &'static str) -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://127.0.0.1:{}/siteverify", listener.local_addr()?.port());
    let used = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::<String>::new()));
    let app = axum::Router::new().route(
        "/siteverify",
        axum::routing::post(move |body: axum::body::Bytes| async move {
            let check: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let token = check["response"].as_str().unwrap_or_default().to_owned();
            let person = check["secret"] == secret && token.starts_with("person-");
            let first_use = used.lock().expect("never poisoned").insert(token);
            let answer = match (person, first_use) {
                (true, true) => json!({ "success": true }),
                (true, false) => json!({ "success": false, "error-codes": ["timeout-or-duplicate"] }),
                (false, _) => json!({ "success": false, "error-codes": ["invalid-input-response"] }),
            };
            ([("Content-Type", "application/json")], answer.to_string())
        }),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, server))
}

pub async fn without_a_helpdesk_tickets_stay_in_d1_and_turnstile_guards_the_form(world: &World) -> Result<()> {
    let (verify_url, siteverify) = serve_siteverify("turnstile-secret").await?;
    // A second worker as a team starts out: no helpdesk configured yet, Turnstile on.
    let worker = edgedesk_e2e::Wrangler::start(&[
        ("ADMIN_TOKEN", &world.admin_token),
        ("TURNSTILE_SECRET", "turnstile-secret"),
        ("TURNSTILE_SITE_KEY", "site-key-for-tests"),
        ("TURNSTILE_VERIFY_URL", &verify_url),
    ])
    .await?;
    let result = async {
        let form: Value = reqwest::get(worker.url("/api/form?locale=ru")).await?.json().await?;
        ensure!(form["turnstile_site_key"] == "site-key-for-tests", "{form}");
        ensure!(form["topics"][0]["title"] == "Вопрос", "topics in the customer's language: {form}");

        let send = |token: Option<&str>| {
            let mut body = ticket("held@example.com", "Before the helpdesk is set up");
            if let Some(token) = token {
                body["turnstile"] = token.into();
            }
            Client::new().post(worker.url("/api/tickets")).header("CF-Connecting-IP", client_ip()).json(&body).send()
        };
        let missing: Value = send(None).await?.json().await?;
        ensure!(
            missing["error"]["code"] == "turnstile_required" && missing["error"]["field"] == "turnstile",
            "{missing}"
        );
        let robot: Value = send(Some("robot-token")).await?.json().await?;
        ensure!(robot["error"]["code"] == "turnstile_failed", "{robot}");
        let response = send(Some("person-token-1")).await?;
        ensure!(response.status() == 202, "a person was refused: {}", response.status());
        let again: Value = send(Some("person-token-1")).await?.json().await?;
        ensure!(again["error"]["code"] == "turnstile_failed", "a token proved a person twice: {again}");

        // Uploads need a token of their own too: R2 is not free storage for scripts.
        let upload = |token: Option<&'static str>| {
            let mut request = Client::new()
                .post(worker.url("/api/attachments"))
                .header("Content-Type", "image/png")
                .header("X-Filename", "shot.png")
                .header("CF-Connecting-IP", client_ip())
                .body(PNG.to_vec());
            if let Some(token) = token {
                request = request.header("X-Turnstile-Token", token);
            }
            request.send()
        };
        let uploads = || -> Result<usize> { Ok(worker.d1("SELECT id FROM attachments")?.len()) };
        for (token, code) in [(None, "turnstile_required"), (Some("robot-token"), "turnstile_failed")] {
            let refused = upload(token).await?;
            ensure!(refused.status() == 400, "an upload with {token:?} answered {}", refused.status());
            let refused: Value = refused.json().await?;
            ensure!(refused["error"]["code"] == code && refused["error"]["field"] == "turnstile", "{refused}");
        }
        ensure!(uploads()? == 0, "a refused upload was stored");
        let uploaded = upload(Some("person-token-2")).await?;
        ensure!(uploaded.status() == 201, "a person's upload answered {}", uploaded.status());
        let reused: Value = upload(Some("person-token-2")).await?.json().await?;
        ensure!(reused["error"]["code"] == "turnstile_failed", "one token uploaded twice: {reused}");
        ensure!(uploads()? == 1, "{} uploads stored", uploads()?);
        let number = response.json::<Value>().await?["number"].as_str().context("no number")?.to_owned();

        // With nowhere to deliver to, the ticket is held in D1 and the operator sees it.
        eventually("the ticket to be held", DELIVERY_TIMEOUT, || async {
            let output = std::process::Command::new(edgedesk_e2e::repo_root().join("target/debug/edgedesk"))
                .args(["tickets", "list", "--state", "held"])
                .env("EDGEDESK_URL", &worker.base_url)
                .env("EDGEDESK_TOKEN", &world.admin_token)
                .output()?;
            let listed = String::from_utf8(output.stdout)?;
            ensure!(listed.contains(&number) && listed.contains("delivery held"), "{listed}");
            Ok(())
        })
        .await?;
        let rows = worker.d1(&format!("SELECT status FROM tickets WHERE number = '{number}'"))?;
        ensure!(rows.len() == 1 && rows[0]["status"] == "received", "{rows:?}");
        Ok(())
    }
    .await;
    siteverify.abort();
    result
}

/// The signed webhook carries the conversation both ways: the customer's reply goes out once as a signed
/// `ticket.reply` with its own idempotency key, even when the first answer is lost, and an agent's reply
/// comes back in a signed report, once however often it is sent.
pub async fn the_webhook_carries_the_conversation_both_ways(world: &World) -> Result<()> {
    let filed = file(world, &ticket("ada@example.com", "Webhook conversation")).await?;
    delivered(world, &filed).await?;
    let number = &filed.number;

    world.helpdesk.set_mode(edgedesk_e2e::HelpdeskMode::LosesFirstAnswer);
    let reply = json!({ "token": filed.token, "body": "Here is the log you asked for." });
    let path = format!("/api/tickets/{number}/replies");
    let answer = post(world, &path, &reply, &[("CF-Connecting-IP", &client_ip())]).await?;
    ensure!(answer.status == 202, "{}: {}", answer.status, answer.body);
    let id = answer.body["message"]["id"].as_i64().context("reply id")?;
    let key = format!("{number}-R{id}");
    eventually("the reply at the webhook", DELIVERY_TIMEOUT, || async {
        ensure!(confirmations(world, &key) >= 1, "not confirmed yet");
        Ok(())
    })
    .await?;
    world.helpdesk.set_mode(edgedesk_e2e::HelpdeskMode::Up);
    let event = world.helpdesk.with_log(|log| log.created.get(&key).cloned()).context("the reply event")?;
    ensure!(event["type"] == "ticket.reply" && event["ticket"] == number.as_str(), "{event}");
    ensure!(event["reply"]["body"] == "Here is the log you asked for.", "{event}");
    ensure!(confirmations(world, &key) == 1, "the reply was confirmed {} times", confirmations(world, &key));

    // The helpdesk refuses the next reply: it fails and holds back the one after it, in order, until an
    // operator replays the ticket; then both go, the refused one first.
    world.helpdesk.set_mode(edgedesk_e2e::HelpdeskMode::Refuses);
    let mut ids = Vec::new();
    for body in ["First, refused.", "Second, waits for the first."] {
        let reply = json!({ "token": filed.token, "body": body });
        let answer = post(world, &path, &reply, &[("CF-Connecting-IP", &client_ip())]).await?;
        ensure!(answer.status == 202, "{}: {}", answer.status, answer.body);
        ids.push(answer.body["message"]["id"].as_i64().context("reply id")?);
    }
    let states = || world.worker.d1(&format!("SELECT delivery FROM messages WHERE number = '{number}' ORDER BY id"));
    eventually("the refused reply to fail", DELIVERY_TIMEOUT, || async {
        let rows = states()?;
        ensure!(rows.len() == 3 && rows[1]["delivery"] == "failed" && rows[2]["delivery"] == "pending", "{rows:?}");
        Ok(())
    })
    .await?;
    world.helpdesk.set_mode(edgedesk_e2e::HelpdeskMode::Up);
    let replayed = operator(world, &["replay", number])?;
    ensure!(replayed.contains("queued"), "{replayed}");
    eventually("both replies at the webhook", DELIVERY_TIMEOUT, || async {
        let rows = states()?;
        ensure!(rows.iter().all(|row| row["delivery"] == "delivered"), "{rows:?}");
        Ok(())
    })
    .await?;
    let order: Vec<String> = world
        .helpdesk
        .with_log(|log| log.attempts.iter().filter(|(_, status)| *status == 201).map(|(key, _)| key.clone()).collect());
    let (first, second) = (format!("{number}-R{}", ids[0]), format!("{number}-R{}", ids[1]));
    let position = |key: &str| order.iter().position(|known| known == key);
    ensure!(position(&first) < position(&second) && position(&first).is_some(), "delivered in order: {order:?}");

    let agent = json!({ "reply": "Thanks, found it.", "author": "Lin", "reply_id": "c-1", "status": "pending" });
    // The same report twice, each signed afresh (a helpdesk retrying): the reply's id makes it one.
    let events_path = format!("/api/tickets/{number}/events");
    let body = serde_json::to_vec(&agent)?;
    for signed_at in [unix_now(), unix_now() - 1] {
        let signed = signing::SignedRequest { method: "POST", path: &events_path, body: &body };
        let signature = signing::sign_request(world.events_secret.as_bytes(), signed, signed_at);
        let reported = send_report(world, &events_path, &signature, body.clone()).await?;
        ensure!(reported.status == 204, "{}: {}", reported.status, reported.body);
    }
    let thread = view(world, &filed).await?;
    let from_agent: Vec<&Value> =
        thread["messages"].as_array().context("messages")?.iter().filter(|m| m["author"] == "agent").collect();
    ensure!(from_agent.len() == 1 && from_agent[0]["name"] == "Lin", "{thread}");
    ensure!(thread["status"] == "pending", "{thread}");

    // A reply with a file whose answer was lost, sent again with its key: the same reply, not a refusal
    // for a file that is the reply's own now.
    let (status, uploaded) = upload(world, "log.png", "image/png", PNG).await?;
    ensure!(status == 201, "{uploaded}");
    let with_file = json!({ "token": filed.token, "body": "With the screenshot.", "attachments": [uploaded["id"]] });
    let key = format!("retry-{number}-0001");
    let headers = [("CF-Connecting-IP", client_ip()), ("Idempotency-Key", key)];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let first = post(world, &path, &with_file, &headers).await?;
    let again = post(world, &path, &with_file, &headers).await?;
    ensure!(
        first.status == 202 && again.status == 202,
        "{} {} / {} {}",
        first.status,
        first.body,
        again.status,
        again.body
    );
    ensure!(again.body["message"]["id"] == first.body["message"]["id"], "{} against {}", again.body, first.body);
    ensure!(again.body["message"]["attachments"][0]["name"] == "log.png", "{}", again.body);
    Ok(())
}
