//! Support insights: a known month of activity (the generator `make dev` seeds the demo with) is loaded
//! into a fresh worker's D1; every figure is computed here from that month, one event and one ticket at a
//! time, and compared with the admin API's JSON, the CLI's JSON, text and CSV, and the admin page.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use chrono::{Datelike, Timelike};
use edgedesk_e2e::{Wrangler, eventually, free_port, repo_root, unix_now};
use edgedesk_insights::{self as insights, EventKind, sample};
use edgedesk_protocol::api::DeliveryState;
use edgedesk_tickets::support::Support;
use fantoccini::Locator;
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;
use crate::accessibility::axe_source;

const WAIT: Duration = Duration::from_secs(20);
const DAYS: u32 = 30;

/// The figures a support lead reads, computed directly from the generated month.
#[derive(Debug)]
struct Expected {
    tickets: usize,
    by_hour: Vec<u32>,
    by_weekday: Vec<u32>,
    by_topic: BTreeMap<String, u32>,
    by_urgency: BTreeMap<String, u32>,
    by_product: BTreeMap<String, u32>,
    outside_hours: u32,
    at_night: u32,
    searches: u32,
    zero_result: u32,
    top_zero_result: (String, u32),
    article_views: u32,
    helpful: u32,
    not_helpful: u32,
    deflections: u32,
    contacts: u32,
    resolved_without_ticket: u32,
    good: u32,
    bad: u32,
    during_outage: u32,
    delivered: u32,
    waiting: u32,
    retried: u32,
    dead_lettered: u32,
    median_seconds: f64,
    p90_seconds: f64,
    answered: u32,
    median_first_response: f64,
    median_resolution: f64,
    promised: u32,
    within_promise: u32,
}

fn expected(
    month: &sample::Activity,
    support: &Support,
    product: Option<&str>,
    (first_day, last_day): (chrono::NaiveDate, chrono::NaiveDate),
) -> Expected {
    let tickets: Vec<&sample::SampleTicket> =
        month.tickets.iter().filter(|t| product.is_none() || t.product.as_deref() == product).collect();
    let events: Vec<&insights::Event> =
        month.events.iter().filter(|e| product.is_none() || e.product.as_deref() == product).collect();
    let local = |at: i64| chrono::DateTime::from_timestamp(at + i64::from(support.offset_at(at)), 0).unwrap();
    let mut by_hour = vec![0; 24];
    let mut by_weekday = vec![0; 7];
    let (mut by_topic, mut by_urgency, mut by_product) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for ticket in &tickets {
        by_hour[local(ticket.at).hour() as usize] += 1;
        by_weekday[local(ticket.at).weekday().num_days_from_monday() as usize] += 1;
        *by_topic.entry(ticket.stored.topic.clone()).or_insert(0) += 1;
        *by_urgency.entry(ticket.stored.urgency.name().to_owned()).or_insert(0) += 1;
        *by_product.entry(ticket.product.clone().unwrap_or_else(|| "none".into())).or_insert(0) += 1;
    }
    let count = |kind: EventKind| events.iter().filter(|e| e.kind == kind).count() as u32;
    let mut zero_result: BTreeMap<&str, u32> = BTreeMap::new();
    for event in events.iter().filter(|e| e.kind == EventKind::Search && e.value == 0) {
        *zero_result.entry(&event.subject).or_insert(0) += 1;
    }
    let top = zero_result.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(q, n)| (q.to_string(), *n));
    let votes = |helpful: u32| events.iter().filter(|e| e.kind == EventKind::Feedback && e.value == helpful).count();
    let visits: BTreeSet<&str> = events.iter().filter_map(|e| e.visit.as_deref()).collect();
    let ticket_visits: BTreeSet<&str> = tickets.iter().filter_map(|t| t.visit.as_deref()).collect();
    let resolved_without_ticket = visits.difference(&ticket_visits).count() as u32;
    let state = |wanted: DeliveryState| tickets.iter().filter(|t| t.state == wanted).count() as u32;
    let mut seconds: Vec<f64> = tickets.iter().filter_map(|t| t.delivery_seconds).map(|s| s as f64).collect();
    seconds.sort_by(f64::total_cmp);
    let rank = |p: f64| seconds[((p * seconds.len() as f64).ceil() as usize).max(1) - 1];
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[((0.5 * values.len() as f64).ceil() as usize).max(1) - 1]
    };
    let first_responses: Vec<f64> =
        tickets.iter().filter_map(|t| t.first_response_at.map(|at| (at - t.at) as f64)).collect();
    let resolutions: Vec<f64> = tickets.iter().filter_map(|t| t.resolved_at.map(|at| (at - t.at) as f64)).collect();
    // A promise counts once it is due: answered, or unanswered past it when the period ends.
    let period_end = insights::Filter { from: first_day, to: last_day, product: None }.bounds(support).1;
    let (mut promised, mut within_promise) = (0, 0);
    for ticket in &tickets {
        let due = edgedesk_protocol::time::parse_time(&ticket.stored.expected_reply_at).expect("a reply time");
        match ticket.first_response_at {
            Some(answered) => {
                promised += 1;
                within_promise += u32::from(answered <= due);
            }
            None if due < period_end => promised += 1,
            None => {}
        }
    }
    Expected {
        tickets: tickets.len(),
        by_hour,
        by_weekday,
        by_topic,
        by_urgency,
        by_product,
        outside_hours: tickets.iter().filter(|t| !support.is_open(t.at)).count() as u32,
        at_night: tickets.iter().filter(|t| !(7..22).contains(&local(t.at).hour())).count() as u32,
        searches: count(EventKind::Search),
        zero_result: zero_result.values().sum(),
        top_zero_result: top.unwrap_or_default(),
        article_views: count(EventKind::ArticleView),
        helpful: votes(1) as u32,
        not_helpful: votes(0) as u32,
        deflections: count(EventKind::Deflection),
        contacts: resolved_without_ticket + tickets.len() as u32,
        resolved_without_ticket,
        good: tickets.iter().filter(|t| t.rating == Some("good")).count() as u32,
        bad: tickets.iter().filter(|t| t.rating == Some("bad")).count() as u32,
        during_outage: tickets.iter().filter(|t| t.stored.context.incident_id.is_some()).count() as u32,
        delivered: state(DeliveryState::Delivered),
        waiting: state(DeliveryState::Pending) + state(DeliveryState::Held),
        retried: tickets.iter().filter(|t| t.attempts > 1).count() as u32,
        dead_lettered: state(DeliveryState::Failed),
        median_seconds: rank(0.5),
        p90_seconds: rank(0.9),
        answered: first_responses.len() as u32,
        median_first_response: median(first_responses),
        median_resolution: median(resolutions),
        promised,
        within_promise,
    }
}

/// Checks the API's (or the CLI's) JSON against the figures computed from the month.
fn compare(report: &Value, expected: &Expected) -> Result<()> {
    let number = |pointer: &str| {
        report.pointer(pointer).and_then(Value::as_f64).with_context(|| format!("{pointer} in {report}"))
    };
    let counts = |pointer: &str| -> Result<BTreeMap<String, u32>> {
        let list = report.pointer(pointer).and_then(Value::as_array).with_context(|| pointer.to_string())?;
        Ok(list
            .iter()
            .map(|c| (c["key"].as_str().unwrap_or_default().to_owned(), c["count"].as_u64().unwrap_or(0) as u32))
            .collect())
    };
    let tickets = expected.tickets as f64;
    let checks = [
        ("/volume/tickets", tickets),
        ("/volume/outside_hours", f64::from(expected.outside_hours)),
        ("/volume/outside_hours_share", f64::from(expected.outside_hours) / tickets),
        ("/volume/at_night", f64::from(expected.at_night)),
        ("/volume/night_share", f64::from(expected.at_night) / tickets),
        ("/self_service/searches", f64::from(expected.searches)),
        ("/self_service/zero_result_searches", f64::from(expected.zero_result)),
        ("/self_service/top_zero_result/0/count", f64::from(expected.top_zero_result.1)),
        ("/self_service/article_views", f64::from(expected.article_views)),
        ("/self_service/helpful", f64::from(expected.helpful)),
        ("/self_service/not_helpful", f64::from(expected.not_helpful)),
        ("/self_service/deflections", f64::from(expected.deflections)),
        ("/self_service/contacts", f64::from(expected.contacts)),
        ("/self_service/resolved_without_ticket", f64::from(expected.resolved_without_ticket)),
        (
            "/self_service/self_service_share",
            f64::from(expected.resolved_without_ticket) / f64::from(expected.contacts),
        ),
        ("/satisfaction/good", f64::from(expected.good)),
        ("/satisfaction/bad", f64::from(expected.bad)),
        ("/delivery/delivered", f64::from(expected.delivered)),
        ("/delivery/waiting", f64::from(expected.waiting)),
        ("/delivery/retried", f64::from(expected.retried)),
        ("/delivery/dead_lettered", f64::from(expected.dead_lettered)),
        ("/responsiveness/answered", f64::from(expected.answered)),
        ("/responsiveness/median_first_response_seconds", expected.median_first_response),
        ("/responsiveness/median_resolution_seconds", expected.median_resolution),
        ("/responsiveness/promised", f64::from(expected.promised)),
        ("/responsiveness/within_promise", f64::from(expected.within_promise)),
        ("/delivery/median_delivery_seconds", expected.median_seconds),
        ("/delivery/p90_delivery_seconds", expected.p90_seconds),
    ];
    for (pointer, want) in checks {
        let got = number(pointer)?;
        ensure!((got - want).abs() < 1e-6, "{pointer}: the report says {got}, the month says {want}");
    }
    let as_vec = |pointer: &str| -> Vec<u32> {
        report
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|n| n.as_u64().unwrap_or(0) as u32).collect())
            .unwrap_or_default()
    };
    ensure!(
        as_vec("/volume/by_hour") == expected.by_hour,
        "by hour: {:?} vs {:?}",
        as_vec("/volume/by_hour"),
        expected.by_hour
    );
    ensure!(
        as_vec("/volume/by_weekday") == expected.by_weekday,
        "by weekday: {:?} vs {:?}",
        as_vec("/volume/by_weekday"),
        expected.by_weekday
    );
    ensure!(
        counts("/volume/by_topic")? == expected.by_topic,
        "by topic: {:?} vs {:?}",
        counts("/volume/by_topic")?,
        expected.by_topic
    );
    ensure!(counts("/volume/by_urgency")? == expected.by_urgency, "by urgency");
    ensure!(counts("/volume/by_product")? == expected.by_product, "by product");
    ensure!(
        report["self_service"]["top_zero_result"][0]["query"] == expected.top_zero_result.0.as_str(),
        "top zero-result query"
    );
    let outage = report["satisfaction"]["incidents"]
        .as_array()
        .and_then(|list| list.iter().find(|i| i["id"] == sample::INCIDENT_ID));
    let outage_tickets = outage.and_then(|i| i["tickets"].as_u64()).unwrap_or(0) as u32;
    ensure!(
        outage_tickets == expected.during_outage,
        "tickets during the outage: {outage_tickets} vs {}",
        expected.during_outage
    );
    Ok(())
}

fn edgedesk(args: &[&str]) -> Result<String> {
    let output = std::process::Command::new(repo_root().join("target/debug/edgedesk")).args(args).output()?;
    ensure!(output.status.success(), "edgedesk {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8(output.stdout)?)
}

pub async fn figures_match_a_known_month_in_the_api_the_cli_and_the_page(world: &World) -> Result<()> {
    let kb = repo_root().join("dist/kb");
    let support: Support = serde_json::from_slice(&std::fs::read(kb.join("support.json"))?)?;
    let mut articles = Vec::new();
    for locale in ["en", "ru", "uk"] {
        for file in std::fs::read_dir(kb.join(locale).join("articles"))? {
            let path = file?.path();
            articles.push((locale.to_owned(), path.file_stem().unwrap().to_string_lossy().into_owned()));
        }
    }
    let today = insights::local_time(&support, unix_now()).date();
    let last_day = today - chrono::Duration::days(1);
    let first_day = last_day - chrono::Duration::days(i64::from(DAYS) - 1);
    let month = sample::month(2026, last_day, DAYS, &support, &articles);
    let token = format!("insights-admin-{}", free_port()?);
    let worker = Wrangler::start(&[("ALLOWED_ORIGINS", "*"), ("ADMIN_TOKEN", &token)]).await?;
    let sql = tempfile::NamedTempFile::new()?;
    std::fs::write(sql.path(), month.to_sql())?;
    worker.d1_file(sql.path())?;
    println!("loaded {} tickets and {} events over {DAYS} days", month.tickets.len(), month.events.len());

    let (from, to) = (first_day.to_string(), last_day.to_string());
    let client = Client::new();
    let get = |path: &str, query: Vec<(&str, String)>, token: Option<&str>| {
        let mut request = client.get(worker.url(path)).query(&query);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let period = vec![("from", from.clone()), ("to", to.clone())];

    // The admin API's JSON, for all products and for one.
    let asked = std::time::Instant::now();
    let report: Value =
        get("/api/admin/insights", period.clone(), Some(&token)).await?.error_for_status()?.json().await?;
    println!("report over {DAYS} days: {} ms (workerd and local D1, this machine)", asked.elapsed().as_millis());
    let all = expected(&month, &support, None, (first_day, last_day));
    compare(&report, &all).context("all products")?;
    ensure!(report["products"] == json!(sample::PRODUCTS), "the products to filter by: {}", report["products"]);
    let mut one_product = period.clone();
    one_product.push(("product", "Mobile app".into()));
    let mobile: Value = get("/api/admin/insights", one_product, Some(&token)).await?.error_for_status()?.json().await?;
    compare(&mobile, &expected(&month, &support, Some("Mobile app"), (first_day, last_day)))
        .context("the Mobile app")?;
    println!(
        "{} tickets ({:.1} % at night), {} searches, {} found nothing, self-service {:.1} %, {} good / {} bad",
        all.tickets,
        f64::from(all.at_night) * 100.0 / all.tickets as f64,
        all.searches,
        all.zero_result,
        f64::from(all.resolved_without_ticket) * 100.0 / f64::from(all.contacts),
        all.good,
        all.bad
    );

    // The CLI: the same JSON, and text and CSV saying the same numbers.
    let url = worker.url("");
    let cli = |format: &str| {
        edgedesk(&[
            "report", "insights", "--url", &url, "--token", &token, "--from", &from, "--to", &to, "--format", format,
        ])
    };
    let cli_json: Value = serde_json::from_str(&cli("json")?)?;
    ensure!(cli_json == report, "the CLI's JSON differs from the API's");
    let text = cli("text")?;
    for line in [
        format!("Tickets: {}", all.tickets),
        format!("contacts: {}, resolved without a ticket: {}", all.contacts, all.resolved_without_ticket),
        format!("Satisfaction: {} good, {} bad", all.good, all.bad),
        format!(
            "Delivery: {} delivered, {} waiting, {} retried, {} dead-lettered",
            all.delivered, all.waiting, all.retried, all.dead_lettered
        ),
        format!("tickets during {}: {}", sample::INCIDENT_ID, all.during_outage),
        format!("{:>6}  {}", all.top_zero_result.1, all.top_zero_result.0),
        format!("Replies: {} answered", all.answered),
        format!("({} of {} due)", all.within_promise, all.promised),
    ] {
        ensure!(text.contains(&line), "the CLI's text lacks {line:?}:\n{text}");
    }
    let csv = cli("csv")?;
    for line in [
        format!("tickets,total,{}", all.tickets),
        format!("self_service,searches,{}", all.searches),
        format!("delivery,dead_lettered,{}", all.dead_lettered),
        format!("tickets_during_incident,{},{}", sample::INCIDENT_ID, all.during_outage),
        format!("responsiveness,promised,{}", all.promised),
        format!("responsiveness,within_promise,{}", all.within_promise),
    ] {
        ensure!(csv.lines().any(|l| l == line), "the CSV lacks {line:?}");
    }

    // Without the token: nothing.
    for path in ["/api/admin/insights", "/api/admin/insights.csv", "/api/admin/insights.html"] {
        for wrong in [None, Some("not-the-token")] {
            let response = get(path, period.clone(), wrong).await?;
            ensure!(response.status() == 401, "{path} with {wrong:?} answered {}", response.status());
            ensure!(!response.text().await?.contains("tickets"), "{path} leaked figures");
        }
    }
    let shell = get("/admin/", vec![], None).await?;
    let policy =
        shell.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    ensure!(
        policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "the page's CSP: {policy:?}"
    );
    let shell_html = shell.text().await?;
    ensure!(
        shell_html == std::fs::read_to_string(repo_root().join("site/admin/index.html"))?,
        "the page without a token is the static shell, with no data in it"
    );

    // The page: sign in once, read the figures the charts are drawn from, no axe violations, a screenshot.
    let browser = world.chromedriver.new_browser().await?;
    let page = &browser.client;
    page.goto(&worker.url(&format!("/admin/?from={from}&to={to}"))).await?;
    page.wait().for_element(Locator::Css("#token")).await?.send_keys(&token).await?;
    page.find(Locator::Css("#sign-in button[type=submit]")).await?.click().await?;
    page.wait().for_element(Locator::Css("body[data-loaded] [data-figure='tickets']")).await?;
    let shown = |key: &'static str| async move {
        let figure = page.find(Locator::Css(&format!("[data-figure='{key}']"))).await?;
        figure
            .attr("data-value")
            .await?
            .with_context(|| format!("{key} has a value"))
            .and_then(|v| Ok(v.parse::<f64>()?))
    };
    for (key, pointer) in [
        ("tickets", "/volume/tickets"),
        ("night_share", "/volume/night_share"),
        ("searches", "/self_service/searches"),
        ("zero_result_searches", "/self_service/zero_result_searches"),
        ("self_service_share", "/self_service/self_service_share"),
        ("good", "/satisfaction/good"),
        ("dead_lettered", "/delivery/dead_lettered"),
        ("median_delivery_seconds", "/delivery/median_delivery_seconds"),
        ("within_promise_share", "/responsiveness/within_promise_share"),
        ("median_first_response_seconds", "/responsiveness/median_first_response_seconds"),
    ] {
        let want = report.pointer(pointer).and_then(Value::as_f64).context(pointer)?;
        ensure!(
            (shown(key).await? - want).abs() < 1e-9,
            "the page shows {key} = {}, the JSON {want}",
            shown(key).await?
        );
    }
    let charts = page.find_all(Locator::Css("figure.chart svg")).await?.len();
    let tables = page.find_all(Locator::Css("figure.chart .visually-hidden table")).await?.len();
    ensure!(charts >= 6 && tables == charts, "{charts} charts on the page, {tables} with their numbers as a table");
    let axe = axe_source()?;
    page.execute(&format!("{axe}\nreturn true;"), vec![]).await?;
    let result = page
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22a','wcag22aa'] } })
               .then(function (r) { done({ violations: r.violations.map(function (v) { return [v.id, v.nodes.length, v.help]; }), passes: r.passes.length }); });",
            vec![],
        )
        .await?;
    ensure!(result["violations"] == json!([]), "axe found violations on the insights page: {}", result["violations"]);
    ensure!(result["passes"].as_u64() > Some(10), "axe checked little: {result}");
    println!("axe, insights page: 0 violations, {} rules passed", result["passes"]);
    page.set_window_size(1280, 900).await?;
    let height = page.execute("return document.documentElement.scrollHeight;", vec![]).await?;
    // The window includes the browser's own chrome; a little more than the document shows all of it.
    page.set_window_size(1280, height.as_u64().unwrap_or(2400).min(6000) as u32 + 200).await?;
    let screenshots = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&screenshots)?;
    std::fs::write(screenshots.join("insights.png"), page.screenshot().await?)?;

    // The token is kept for the tab: a reload stays signed in; signing out forgets it.
    page.refresh().await?;
    page.wait().for_element(Locator::Css("body[data-loaded] [data-figure='tickets']")).await?;
    page.find(Locator::Css("#sign-out")).await?.click().await?;
    let remembered = page.execute("return sessionStorage.getItem('edgedesk-admin-token');", vec![]).await?;
    ensure!(remembered.is_null(), "the token outlived signing out");
    ensure!(page.find(Locator::Css("#sign-in")).await?.is_displayed().await?, "signing out shows the sign-in form");
    browser.close().await?;

    // Retention: the sweep forgets events older than INSIGHTS_RETENTION_DAYS (395 by default).
    let now = unix_now();
    let old = now - 400 * 86_400;
    worker.d1(&format!(
        "INSERT INTO events (at, kind, subject, value) VALUES ({old}, 'search', 'retention probe old', 0), \
         ({}, 'search', 'retention probe recent', 0)",
        now - 10 * 86_400
    ))?;
    let sweep = client.post(worker.url("/api/admin/sweep")).bearer_auth(&token).send().await?;
    ensure!(sweep.status().is_success(), "the sweep answered {}", sweep.status());
    let left = worker.d1("SELECT subject FROM events WHERE subject LIKE 'retention probe%'")?;
    ensure!(left == vec![json!({"subject": "retention probe recent"})], "after the sweep: {left:?}");
    Ok(())
}

/// What the widget sends for the figures is checked before it is stored, and stored without slowing
/// the answer down.
pub async fn events_are_checked_and_recorded_after_the_answer(world: &World) -> Result<()> {
    let client = Client::new();
    let post = |body: Value| client.post(world.worker.url("/api/events")).json(&body).send();
    let visit = format!("e2evisit{}", free_port()?);
    let search = post(json!({"kind": "search", "query": "Reset  PASSWORD?", "results": 3, "visit": visit, "product": "Analytics", "locale": "en"})).await?;
    ensure!(search.status() == 202, "a search event: {}", search.status());
    let read = post(json!({"kind": "article_view", "slug": "reset-password", "visit": visit, "locale": "en"})).await?;
    ensure!(read.status() == 202, "an article view: {}", read.status());
    let stored = eventually("the events to be stored", WAIT, || async {
        let rows = world
            .worker
            .d1(&format!("SELECT kind, subject, value, product FROM events WHERE visit = '{visit}' ORDER BY id"))?;
        ensure!(rows.len() == 2, "{rows:?}");
        Ok(rows)
    })
    .await?;
    ensure!(
        stored[0] == json!({"kind": "search", "subject": "reset password", "value": 3, "product": "Analytics"}),
        "{stored:?}"
    );
    ensure!(stored[1]["subject"] == "reset-password", "{stored:?}");

    // A ticket from the same visit, rated once solved, as the worker stores them: the report for its
    // product counts one contact, not resolved without a ticket, and one good rating.
    let product = format!("E2E product {}", free_port()?);
    for body in [
        json!({"kind": "search", "query": "export", "results": 2, "visit": visit, "product": product}),
        json!({"kind": "article_view", "slug": "export-csv", "visit": visit, "product": product}),
    ] {
        ensure!(post(body).await?.status() == 202);
    }
    let mut body = crate::tickets::ticket("insights@example.com", "Export stops at 1,000 rows");
    body["product"] = json!(product);
    body["visit"] = json!(visit);
    let filed = crate::tickets::file(world, &body).await?;
    let number = &filed.number;
    world.worker.d1(&format!("UPDATE tickets SET status = 'solved' WHERE number = '{number}'"))?;
    let rated = client
        .post(world.worker.url(&format!("/api/tickets/{number}/rating")))
        .json(&json!({"token": filed.token, "rating": "good"}))
        .send()
        .await?;
    ensure!(rated.status() == 204, "rating: {}", rated.status());
    let row = &world.worker.d1(&format!("SELECT product, visit, rated_at FROM tickets WHERE number = '{number}'"))?[0];
    ensure!(row["product"] == product.as_str() && row["visit"] == visit.as_str(), "{row}");
    ensure!(row["rated_at"].as_i64().is_some_and(|at| (at - unix_now()).abs() < 60), "{row}");
    let report: Value = eventually("the visit's events to be counted", WAIT, || async {
        let report: Value = client
            .get(world.worker.url("/api/admin/insights"))
            .query(&[("product", product.as_str())])
            .bearer_auth(&world.admin_token)
            .send()
            .await?
            .json()
            .await?;
        ensure!(report["self_service"]["searches"] == 1 && report["self_service"]["article_views"] == 1, "{report}");
        Ok(report)
    })
    .await?;
    let figures = [
        &report["volume"]["tickets"],
        &report["self_service"]["contacts"],
        &report["self_service"]["resolved_without_ticket"],
        &report["satisfaction"]["good"],
    ];
    ensure!(figures == [&json!(1), &json!(1), &json!(0), &json!(1)], "{report}");
    for (body, status, field) in [
        (json!({"kind": "article_view", "slug": "no-such-article"}), 404, "slug"),
        (json!({"kind": "search", "query": "x"}), 400, "results"),
        (json!({"kind": "feedback", "slug": "refunds"}), 400, "kind"),
        (json!({"kind": "search", "query": "x", "results": 1, "visit": "<script>"}), 400, "visit"),
        (json!({"kind": "search", "query": "x", "results": 1, "email": "a@b.c"}), 400, "email"),
    ] {
        let response = post(body.clone()).await?;
        ensure!(response.status() == status, "{body} answered {}", response.status());
        let error: Value = response.json().await?;
        ensure!(error["error"]["field"] == field, "{body}: {error}");
    }

    // A script posting from one address is stopped at the limit, and told when to come back. The local
    // limiter counts per wall-clock minute, so the burst starts early in one.
    eventually("a minute with room for the burst", Duration::from_secs(61), || async {
        ensure!(unix_now() % 60 < 40, "too close to the next minute");
        Ok(())
    })
    .await?;
    let flooder = crate::tickets::client_ip();
    let mut accepted = 0;
    for _ in 0..400 {
        let response = client
            .post(world.worker.url("/api/events"))
            .header("CF-Connecting-IP", &flooder)
            .json(&json!({"kind": "search", "query": "flood", "results": 0}))
            .send()
            .await?;
        match response.status().as_u16() {
            202 => accepted += 1,
            429 => {
                ensure!(response.headers().contains_key("retry-after"), "a 429 says when to retry");
                break;
            }
            status => anyhow::bail!("event {} answered {status}", accepted + 1),
        }
    }
    ensure!(accepted == 300, "{accepted} events accepted from one address before the limit");
    println!("events: {accepted} from one address in a minute, then 429");
    Ok(())
}
