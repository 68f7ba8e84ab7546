//! The HTTP API as any client sees it, against workerd and its local D1.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::eventually;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::World;

async fn json_of(response: Response) -> Result<(StatusCode, Value)> {
    let status = response.status();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).with_context(|| format!("{status} with a body that is not JSON: {text}"))?;
    Ok((status, body))
}

async fn get(world: &World, path: &str) -> Result<(StatusCode, Value)> {
    json_of(reqwest::get(world.worker.url(path)).await?).await
}

async fn post_ticket(world: &World, body: &Value) -> Result<(StatusCode, Value)> {
    // Each from its own client address, so these tests never meet the per-IP rate limit.
    let client_ip = format!("198.18.{}.{}", rand_byte(), rand_byte());
    let request = Client::new().post(world.worker.url("/api/tickets")).header("CF-Connecting-IP", client_ip);
    json_of(request.json(body).send().await?).await
}

fn rand_byte() -> u8 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now()) as u8
}

fn assert_error(actual: &(StatusCode, Value), status: u16, code: &str, field: Option<&str>) -> Result<()> {
    let (actual_status, body) = actual;
    ensure!(actual_status.as_u16() == status, "expected {status}, got {actual_status}: {body}");
    ensure!(body["error"]["code"] == code, "expected code {code}: {body}");
    ensure!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {body}");
    ensure!(body["error"]["field"].as_str() == field, "expected field {field:?}: {body}");
    Ok(())
}

fn ticket(email: &str) -> Value {
    json!({
        "name": "Ada Lovelace",
        "email": email,
        "subject": "Export stops at 99 %",
        "message": "The CSV export of the weekly revenue report never finishes.",
        "page_url": "https://app.acme.test/reports/weekly",
        "locale": "en"
    })
}

pub async fn health_reports_the_built_knowledge_base(world: &World) -> Result<()> {
    let (status, body) = get(world, "/api/health").await?;
    ensure!(status == 200, "{status}: {body}");
    ensure!(body["status"] == "ok", "{body}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(edgedesk_e2e::repo_root().join("dist/kb/manifest.json"))?)?;
    let built: u64 =
        manifest["locales"].as_object().context("locales")?.values().filter_map(|l| l["articles"].as_u64()).sum();
    ensure!(built >= 20, "the demo knowledge base has only {built} articles");
    ensure!(body["articles"] == built, "health counts {} articles, the build made {built}", body["articles"]);
    Ok(())
}

pub async fn search_ranks_the_right_article_first(world: &World) -> Result<()> {
    let (status, body) = get(world, "/api/search?q=forgot%20my%20password").await?;
    ensure!(status == 200, "{status}: {body}");
    ensure!(body["locale"] == "en", "{body}");
    ensure!(body["hits"][0]["slug"] == "reset-password", "{body}");
    ensure!(body["hits"][0]["source"] == "en/account/reset-password.md", "{body}");
    ensure!(body["hits"][0]["snippet"].as_str().is_some_and(|s| s.contains("<mark>")), "{body}");

    // A hit points at the section that answers, with a typo forgiven.
    let (_, body) = get(world, "/api/search?q=reset%20emial%20spam&locale=en").await?;
    ensure!(body["hits"][0]["anchor"] == "the-reset-email-does-not-arrive", "{body}");

    // Ukrainian word forms, and a locale the site lacks falls back to the default.
    let (_, body) =
        get(world, "/api/search?q=%D1%80%D0%B0%D1%85%D1%83%D0%BD%D0%BA%D0%B0%D0%BC%D0%B8&locale=uk").await?;
    ensure!(body["hits"][0]["slug"] == "download-invoices" && body["locale"] == "uk", "{body}");
    let (_, body) = get(world, "/api/search?q=invoice&locale=de-DE").await?;
    ensure!(body["locale"] == "en" && body["hits"][0]["slug"] == "download-invoices", "{body}");

    // Filters: the CSV export article is for Acme Analytics only.
    let (_, body) = get(world, "/api/search?q=export%20csv&product=mobile").await?;
    ensure!(!body["hits"].as_array().context("hits")?.iter().any(|hit| hit["slug"] == "export-csv"), "{body}");
    let (_, body) = get(world, "/api/search?q=export%20csv&product=analytics&section=reports").await?;
    ensure!(body["hits"][0]["slug"] == "export-csv", "{body}");

    // As-you-type: the unfinished last word matches as a prefix.
    let (_, body) = get(world, "/api/search?q=invoi&locale=en").await?;
    ensure!(body["hits"][0]["slug"] == "download-invoices", "{body}");

    // Russian, kept to the Russian articles.
    let (_, body) = get(world, "/api/search?q=%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C&locale=ru").await?;
    let hits = body["hits"].as_array().context("hits")?;
    ensure!(!hits.is_empty() && hits.iter().all(|hit| hit["locale"] == "ru"), "{body}");
    ensure!(hits[0]["title"] == "Сброс пароля", "{body}");

    let (_, body) = get(world, "/api/search?q=password&limit=1").await?;
    ensure!(body["hits"].as_array().map(Vec::len) == Some(1), "{body}");

    let (status, body) = get(world, "/api/search?q=").await?;
    ensure!(status == 200 && body["hits"] == json!([]), "{status}: {body}");

    Ok(())
}

fn header_of(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

pub async fn search_answers_are_cached_by_build(world: &World) -> Result<()> {
    let url = world.worker.url("/api/search?q=plan");
    let first = reqwest::get(&url).await?;
    let etag = header_of(&first, "etag");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(edgedesk_e2e::repo_root().join("dist/kb/manifest.json"))?)?;
    ensure!(
        etag == format!("\"{}\"", manifest["build"].as_str().unwrap_or_default()),
        "ETag {etag:?} is not the build"
    );
    ensure!(header_of(&first, "cache-control").contains("max-age=60"), "{:?}", first.headers());
    let again = Client::new().get(&url).header("If-None-Match", &etag).send().await?;
    ensure!(again.status() == 304, "a client holding this build's answer should get 304, got {}", again.status());
    ensure!(again.bytes().await?.is_empty(), "304 carries no body");
    let stale = Client::new().get(&url).header("If-None-Match", "\"older-build\"").send().await?;
    ensure!(stale.status() == 200, "{}", stale.status());
    Ok(())
}

pub async fn articles_and_sections_are_served_per_locale(world: &World) -> Result<()> {
    let (status, article) = get(world, "/api/articles/reset-password?locale=en").await?;
    ensure!(status == 200, "{status}: {article}");
    ensure!(
        article["title"] == "Reset your password" && article["section_title"] == "Account and security",
        "{article}"
    );
    let html = article["html"].as_str().context("html")?;
    ensure!(html.contains("<h2 id=\"the-reset-email-does-not-arrive\">"), "{html}");
    ensure!(html.contains("class=\"note note-warning\""), "the note directive became a callout: {html}");
    ensure!(article["related"][0]["slug"] == "two-factor-authentication", "{article}");

    let (_, russian) = get(world, "/api/articles/reset-password?locale=ru").await?;
    ensure!(russian["title"] == "Сброс пароля", "{russian}");
    let (_, linked) = get(world, "/api/articles/connect-slack?locale=en").await?;
    ensure!(linked["html"].as_str().is_some_and(|h| h.contains("href=\"#/articles/en/api-keys\"")), "{linked}");

    assert_error(&get(world, "/api/articles/no-such-article").await?, 404, "not_found", None)?;
    assert_error(&get(world, "/api/articles/..%2Fmanifest").await?, 404, "not_found", None)?;

    let (status, sections) = get(world, "/api/sections?locale=ru").await?;
    ensure!(status == 200, "{status}: {sections}");
    let titles: Vec<&str> =
        sections.as_array().context("sections")?.iter().filter_map(|s| s["title"].as_str()).collect();
    ensure!(titles.first() == Some(&"Аккаунт и безопасность"), "configured order and titles: {titles:?}");
    Ok(())
}

pub async fn votes_and_search_gaps_are_recorded_and_reported(world: &World) -> Result<()> {
    let client = Client::new();
    let post = |path: &str, body: Value| client.post(world.worker.url(path)).json(&body).send();
    let vote = post("/api/articles/refunds/feedback", json!({"helpful": false, "locale": "en"})).await?;
    ensure!(vote.status() == 204, "vote: {}", vote.status());
    let rows = world.worker.d1(
        "SELECT subject AS slug, locale, value AS helpful FROM events WHERE kind = 'feedback' AND subject = 'refunds'",
    )?;
    ensure!(rows.len() == 1 && rows[0]["helpful"] == 0 && rows[0]["locale"] == "en", "{rows:?}");
    assert_error(
        &json_of(post("/api/articles/nope/feedback", json!({"helpful": true})).await?).await?,
        404,
        "not_found",
        None,
    )?;
    assert_error(
        &json_of(post("/api/articles/refunds/feedback", json!({"helpful": "yes"})).await?).await?,
        400,
        "invalid_value",
        Some("helpful"),
    )?;
    assert_error(
        &json_of(post("/api/articles/refunds/feedback", json!({"locale": "en"})).await?).await?,
        400,
        "required",
        Some("helpful"),
    )?;

    // Unique to this worker: the digits of its admin token (words a query folds the same way).
    let suffix: String = world.admin_token.chars().filter(char::is_ascii_digit).collect();
    let unique = format!("teleport my invoices {suffix}");
    // Older widgets also sent the gap apart from the search event; it is checked, and counted only once,
    // as the search event.
    let gap = post("/api/gaps", json!({"query": unique, "locale": "en"})).await?;
    ensure!(gap.status() == 204, "gap: {}", gap.status());
    assert_error(&json_of(post("/api/gaps", json!({"query": "?!"})).await?).await?, 400, "required", Some("query"))?;
    for spelling in [unique.clone(), format!("  Teleport my INVOICES {suffix}? ")] {
        let search = json!({"kind": "search", "query": spelling, "results": 0, "locale": "en"});
        let recorded = post("/api/events", search).await?;
        ensure!(recorded.status() == 202, "search event: {}", recorded.status());
    }

    let gaps_url = world.worker.url("/api/admin/gaps?locale=en");
    assert_error(&json_of(client.get(&gaps_url).send().await?).await?, 401, "unauthorized", None)?;
    let wrong = client.get(&gaps_url).bearer_auth("not-the-token").send().await?;
    assert_error(&json_of(wrong).await?, 401, "unauthorized", None)?;
    // Events are written after the answer: wait for both.
    let body = eventually("both searches in the gaps report", Duration::from_secs(10), || async {
        let report = client.get(&gaps_url).bearer_auth(&world.admin_token).send().await?;
        let (status, body) = json_of(report).await?;
        ensure!(status == 200, "{status}: {body}");
        let gap = body["gaps"].as_array().context("gaps")?.iter().find(|gap| gap["query"] == unique).cloned();
        ensure!(gap.is_some_and(|gap| gap["searches"].as_u64() >= Some(2)), "not yet: {body}");
        Ok(body)
    })
    .await?;
    let gap = body["gaps"].as_array().context("gaps")?.iter().find(|gap| gap["query"] == unique).cloned();
    ensure!(gap.as_ref().is_some_and(|gap| gap["searches"] == 2), "both spellings count as one gap, once each: {body}");

    // The same report in an operator's terminal.
    let edgedesk = |token: &str| {
        std::process::Command::new(edgedesk_e2e::repo_root().join("target/debug/edgedesk"))
            .args(["report", "gaps", "--url", &world.worker.base_url, "--token", token, "--locale", "en", "--json"])
            .output()
    };
    let output = edgedesk(&world.admin_token)?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout)?;
    ensure!(report["gaps"].as_array().is_some_and(|gaps| gaps.iter().any(|g| g["query"] == unique)), "{report}");
    let refused = edgedesk("wrong")?;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    ensure!(!refused.status.success() && stderr.contains("admin token is wrong"), "{stderr}");
    Ok(())
}

/// A customer who types in another language than the page's gets the articles written in it, and the
/// answer says which language that is; Latin words in a Russian query keep it on the Russian page.
pub async fn search_answers_in_the_language_the_query_is_written_in(world: &World) -> Result<()> {
    let search = |query: &str, locale: &str| {
        let request = Client::new().get(world.worker.url("/api/search")).query(&[("q", query), ("locale", locale)]);
        async move { request.send().await?.json::<Value>().await }
    };
    for (query, page, answered_in, article) in [
        ("как сбросить пароль", "en", "ru", "reset-password"),
        ("як скинути пароль", "en", "uk", "reset-password"),
        ("двофакторна автентифікація", "ru", "uk", "two-factor-authentication"),
        ("reset my password", "ru", "en", "reset-password"),
        ("сброс пароля", "ru", "ru", "reset-password"),
    ] {
        let answer = search(query, page).await?;
        ensure!(answer["locale"] == answered_in, "{query:?} on the {page} page: {answer}");
        let first = &answer["hits"][0];
        ensure!(first["slug"] == article && first["locale"] == answered_in, "{query:?}: {answer}");
    }
    Ok(())
}

pub async fn search_rejects_bad_parameters(world: &World) -> Result<()> {
    assert_error(&get(world, "/api/search?q=plan&limit=0").await?, 400, "invalid_limit", Some("limit"))?;
    assert_error(&get(world, "/api/search?q=plan&limit=many").await?, 400, "invalid_limit", Some("limit"))?;
    let long = "a".repeat(201);
    assert_error(&get(world, &format!("/api/search?q={long}")).await?, 400, "query_too_long", Some("q"))?;
    Ok(())
}

pub async fn ticket_is_stored_in_d1_and_numbered(world: &World) -> Result<()> {
    let email = "ada.api@example.com";
    let (status, body) = post_ticket(world, &ticket(email)).await?;
    ensure!(status == 202, "{status}: {body}");
    let number = body["number"].as_str().context("number")?;
    ensure!(edgedesk_protocol::ticket::is_ticket_number(number), "{number} is not ED-XXXX-XXXX");
    ensure!(body["message"].as_str().is_some_and(|m| m.contains(number)), "{body}");

    let rows = world.worker.d1(&format!("SELECT * FROM tickets WHERE number = '{number}'"))?;
    ensure!(rows.len() == 1, "expected one row for {number}: {rows:?}");
    let row = &rows[0];
    ensure!(row["email"] == email && row["name"] == "Ada Lovelace", "{row}");
    ensure!(row["page_url"] == "https://app.acme.test/reports/weekly" && row["locale"] == "en", "{row}");
    ensure!(row["created_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{row}");

    // A second ticket gets its own number.
    let (_, second) = post_ticket(world, &ticket(email)).await?;
    ensure!(second["number"] != number, "two tickets share {number}");
    Ok(())
}

pub async fn bad_tickets_get_specific_errors(world: &World) -> Result<()> {
    let before = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();

    assert_error(&post_ticket(world, &ticket("not-an-address")).await?, 400, "invalid_email", Some("email"))?;
    let mut no_message = ticket("ada@example.com");
    no_message["message"] = json!("   ");
    assert_error(&post_ticket(world, &no_message).await?, 400, "required", Some("message"))?;
    let mut extra = ticket("ada@example.com");
    extra["priority"] = json!("urgent");
    assert_error(&post_ticket(world, &extra).await?, 400, "unknown_field", Some("priority"))?;
    let mut wrong_type = ticket("ada@example.com");
    wrong_type["subject"] = json!(["a", "list"]);
    assert_error(&post_ticket(world, &wrong_type).await?, 400, "invalid_value", Some("subject"))?;

    let client = Client::new();
    let url = world.worker.url("/api/tickets");
    let raw = |body: &'static str, content_type: &'static str| {
        client.post(&url).header("Content-Type", content_type).body(body).send()
    };
    assert_error(&json_of(raw("{\"name\": ", "application/json").await?).await?, 400, "invalid_json", None)?;
    assert_error(
        &json_of(raw("name=Ada", "application/x-www-form-urlencoded").await?).await?,
        415,
        "unsupported_media_type",
        None,
    )?;
    let huge = json!({ "name": "Ada", "email": "ada@example.com", "subject": "big", "message": "x".repeat(70_000) });
    assert_error(&post_ticket(world, &huge).await?, 413, "body_too_large", None)?;

    let after = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    ensure!(before == after, "refused tickets were stored: {before} rows before, {after} after");
    Ok(())
}

pub async fn unknown_routes_and_methods_are_json_errors(world: &World) -> Result<()> {
    let response = Client::new().delete(world.worker.url("/api/articles/refunds")).send().await?;
    ensure!(header_of(&response, "allow") == "GET", "{:?}", response.headers());
    assert_error(&json_of(response).await?, 405, "method_not_allowed", None)?;
    assert_error(&get(world, "/api/nothing-here").await?, 404, "not_found", None)?;
    let response = reqwest::get(world.worker.url("/api/tickets")).await?;
    let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_error(&json_of(response).await?, 405, "method_not_allowed", None)?;
    ensure!(allow == "POST", "405 must say which method to use, got Allow: {allow:?}");
    Ok(())
}

pub async fn cors_allows_configured_origins_only(world: &World) -> Result<()> {
    let client = Client::new();
    let url = world.worker.url("/api/tickets");
    let preflight = |origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let allowed = preflight(&world.host.base_url).await?;
    ensure!(allowed.status() == 204, "preflight from the host page: {}", allowed.status());
    let header = |response: &Response, name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    ensure!(header(&allowed, "access-control-allow-origin") == world.host.base_url, "{:?}", allowed.headers());
    let allowed_headers = header(&allowed, "access-control-allow-headers").to_lowercase();
    ensure!(allowed_headers.contains("content-type"), "{allowed_headers}");
    // The widget revalidates status with its ETag from other origins.
    ensure!(allowed_headers.contains("if-none-match"), "{allowed_headers}");

    let refused = preflight(&world.stranger_origin).await?;
    ensure!(
        header(&refused, "access-control-allow-origin").is_empty(),
        "a stranger was allowed: {:?}",
        refused.headers()
    );
    assert_error(&json_of(refused).await?, 403, "origin_not_allowed", None)?;

    // Even a client that skips the preflight cannot file a ticket from a stranger's page.
    let before = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    let forged =
        client.post(&url).header("Origin", &world.stranger_origin).json(&ticket("eve@example.com")).send().await?;
    assert_error(&json_of(forged).await?, 403, "origin_not_allowed", None)?;
    let after = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    ensure!(before == after, "a ticket from a stranger's origin was stored");
    Ok(())
}

/// Sends a chunked body (no `Content-Length`) of `budget` bytes to `path` over a raw connection, ending it
/// only once all of it went out, and returns the answer's head and body and how many bytes had been sent
/// when it came.
async fn chunked_body(world: &World, path: &str, content_type: &str, budget: usize) -> Result<(String, usize)> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let url = reqwest::Url::parse(&world.worker.url(path))?;
    let (host, port) = (url.host_str().context("no host")?.to_owned(), url.port().context("no port")?);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\nX-Filename: endless.png\r\n\
         CF-Connecting-IP: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        crate::tickets::client_ip()
    );
    writer.write_all(head.as_bytes()).await?;
    let sent = Arc::new(AtomicUsize::new(0));
    let sending = {
        let sent = sent.clone();
        tokio::spawn(async move {
            while sent.load(Ordering::Relaxed) < budget {
                let size = (budget - sent.load(Ordering::Relaxed)).min(64 * 1024);
                let mut frame = [format!("{size:x}\r\n").into_bytes(), vec![b' '; size], b"\r\n".to_vec()].concat();
                // The whole budget goes out: end the body with its last bytes, so that a worker that reads
                // to the end answers.
                if sent.load(Ordering::Relaxed) + size >= budget {
                    frame.extend_from_slice(b"0\r\n\r\n");
                }
                if writer.write_all(&frame).await.is_err() {
                    return;
                }
                sent.fetch_add(size, Ordering::Relaxed);
            }
        })
    };
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let sent_when_answered = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        loop {
            let read = reader.read(&mut buffer).await?;
            if read == 0 {
                anyhow::bail!("the connection closed without an answer");
            }
            answer.extend_from_slice(&buffer[..read]);
            if answer.windows(4).any(|window| window == b"\r\n\r\n") {
                return Ok(sent.load(Ordering::Relaxed));
            }
        }
    })
    .await
    .context("no answer in two minutes")??;
    sending.abort();
    // The body's first bytes, for the error code.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !String::from_utf8_lossy(&answer).contains("}}") {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => answer.extend_from_slice(&buffer[..read]),
            }
        }
    })
    .await;
    Ok((String::from_utf8_lossy(&answer).into_owned(), sent_when_answered))
}

/// Bodies are capped while they stream: one sent without a `Content-Length` is refused soon after it
/// passes the limit, with the same `413` as a declared one, and the worker never holds all of it.
pub async fn endless_bodies_are_refused_at_their_limit(world: &World) -> Result<()> {
    const MB: usize = 1024 * 1024;
    let cases = [
        ("/api/tickets", "application/json", 64 * 1024, "body_too_large"),
        ("/api/attachments", "image/png", 10 * MB, "attachment_too_large"),
    ];
    for (path, content_type, limit, code) in cases {
        // A body that says nothing of its length and ends a little past the limit: only counting what
        // arrives can refuse it, and the whole of it is in before the answer, so the answer is the worker's.
        let mut answer = String::new();
        for _ in 0..3 {
            answer = chunked_body(world, path, content_type, limit + 1).await?.0;
            // See below: wrangler dev's proxy may still be piping the last byte when the worker answers.
            if !answer.contains("restarted mid-request") {
                break;
            }
        }
        ensure!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        let (_, body) = answer.split_once("\r\n\r\n").unwrap_or_default();
        ensure!(body.contains(code), "{path}: {answer}");

        // Far past the limit: a worker that buffered bodies whole would read all of it before answering.
        let budget = limit * 8 + 64 * MB;
        let mut attempt = 0;
        let (answer, sent) = loop {
            attempt += 1;
            let (answer, sent) = chunked_body(world, path, content_type, budget).await?;
            ensure!(sent < budget, "{path}: the answer came only after the whole {budget}-byte body");
            // wrangler dev's own proxy sometimes loses the race between the worker's early answer and the
            // body it is still piping to it, and says so with this 503 instead of the worker's 413
            // (Cloudflare's edge passes early answers on). It comes only while the body is still arriving,
            // so it too shows the worker did not wait for the end; the 413 above is the worker's own.
            let proxy_lost_the_race = answer.starts_with("HTTP/1.1 503") && answer.contains("restarted mid-request");
            if proxy_lost_the_race && attempt < 3 {
                continue;
            }
            ensure!(answer.starts_with("HTTP/1.1 413") || proxy_lost_the_race, "{path}: {answer}");
            break (answer, sent);
        };
        // The body may not make it back: a server that stops reading a request closes the connection,
        // and the unread bytes still on their way make it a reset that can take the answer's tail with it.
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_default();
        ensure!(body.is_empty() || body.contains(code) || head.contains(" 503 "), "{path}: {answer}");
        println!(
            "streaming cap: {path} answered an endless body with {} after {} KB were sent (attempt {attempt})",
            &head.get(9..12).unwrap_or("?"),
            sent / 1024
        );
    }
    Ok(())
}
