//! `edgedesk report`: what the worker has recorded, for editors and support leads in a terminal.

use std::process::ExitCode;

use anyhow::Result;
use edgedesk_insights::{self as insights, Count, Insights, WEEKDAYS, duration, percent};
use edgedesk_protocol::api::{GapsResponse, LearnedResponse};
use reqwest::Method;

use crate::admin::AdminClient;

/// `edgedesk report gaps`: the searches customers made that found nothing, most frequent first.
pub fn gaps(client: &AdminClient, locale: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
    let limit = limit.to_string();
    let mut query = vec![("limit", limit.as_str())];
    query.extend(locale.map(|locale| ("locale", locale)));
    let report: GapsResponse = client.send_json(Method::GET, "/api/admin/gaps", &query, None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.gaps.is_empty() {
        println!("No searches without results have been recorded.");
    } else {
        println!("{:>8}  {:<6}  {:<24}  query", "searches", "locale", "last seen");
        for gap in &report.gaps {
            println!("{:>8}  {:<6}  {:<24}  {}", gap.searches, gap.locale, gap.last_seen, gap.query);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `edgedesk report learned`: the pairs the ranking learned, strongest first.
pub fn learned(client: &AdminClient, json: bool) -> Result<ExitCode> {
    let report: LearnedResponse = client.send_json(Method::GET, "/api/admin/learned", &[], None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    if !report.enabled {
        println!("Learning from customers is off (`[learning] enabled = false` in edgedesk.toml).");
    }
    if report.pairs.is_empty() {
        let since = report.computed_at.map_or_else(|| "by no sweep yet".to_owned(), |at| format!("as of {at}"));
        println!("Nothing learned ({since}): no article was read after the same search by enough distinct visitors.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("As of {}:", report.computed_at.as_deref().unwrap_or("-"));
    println!("{:>6}  {:>6}  {:>9}  {:<6}  {:<32}  article", "lift", "visits", "addresses", "locale", "query");
    for pair in &report.pairs {
        let lift = if pair.vetoed { "vetoed".to_owned() } else { format!("×{:.2}", pair.boost) };
        println!(
            "{lift:>6}  {:>6}  {:>9}  {:<6}  {:<32}  {}",
            pair.visits, pair.addresses, pair.locale, pair.query, pair.article
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What `edgedesk report insights` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InsightsFormat {
    Text,
    Json,
    Csv,
}

/// `edgedesk report insights`: the admin page's figures, for a terminal or a script.
pub fn insights(
    client: &AdminClient,
    from: Option<&str>,
    to: Option<&str>,
    product: Option<&str>,
    format: InsightsFormat,
) -> Result<ExitCode> {
    let query: Vec<(&str, &str)> =
        [("from", from), ("to", to), ("product", product)].into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
    if format == InsightsFormat::Csv {
        print!("{}", client.send(Method::GET, "/api/admin/insights.csv", &query, None)?);
        return Ok(ExitCode::SUCCESS);
    }
    let report: Insights = client.send_json(Method::GET, "/api/admin/insights", &query, None)?;
    if format == InsightsFormat::Json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", insights_text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn top(counts: &[Count]) -> String {
    counts.iter().map(|count| format!("{} {}", count.label, count.count)).collect::<Vec<_>>().join(", ")
}

/// The report as a support lead reads it in a terminal.
pub fn insights_text(report: &Insights) -> String {
    let mut lines = Vec::new();
    let product = report.product.as_deref().unwrap_or("all products");
    lines.push(format!("Insights {} to {} ({}), {product}", report.from, report.to, report.time_zone));
    let volume = &report.volume;
    lines.push(String::new());
    lines.push(format!("Tickets: {}", volume.tickets));
    lines.push(format!("  outside business hours: {} ({})", volume.outside_hours, percent(volume.outside_hours_share)));
    lines.push(format!("  at night, 22:00-07:00: {} ({})", volume.at_night, percent(volume.night_share)));
    lines.push(format!("  {}", volume.advice));
    let mut busiest: Vec<(usize, u32)> = volume.by_hour.iter().copied().enumerate().collect();
    busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let busiest: Vec<String> = busiest.iter().take(3).map(|(hour, count)| format!("{hour:02}:00 {count}")).collect();
    lines.push(format!("  busiest hours: {}", busiest.join(", ")));
    let weekdays: Vec<String> = WEEKDAYS.iter().zip(&volume.by_weekday).map(|(day, n)| format!("{day} {n}")).collect();
    lines.push(format!("  by weekday: {}", weekdays.join(", ")));
    lines.push(format!("  by topic: {}", top(&volume.by_topic)));
    lines.push(format!("  by urgency: {}", top(&volume.by_urgency)));
    lines.push(format!("  by product: {}", top(&volume.by_product)));

    let service = &report.self_service;
    lines.push(String::new());
    lines.push(format!(
        "Self-service: {} searches, {} found nothing; {} articles read ({} helpful, {} not helpful); {} deflections",
        service.searches,
        service.zero_result_searches,
        service.article_views,
        service.helpful,
        service.not_helpful,
        service.deflections
    ));
    lines.push(format!(
        "  contacts: {}, resolved without a ticket: {} ({})",
        service.contacts,
        service.resolved_without_ticket,
        percent(service.self_service_share)
    ));
    if !service.top_zero_result.is_empty() {
        lines.push("  searches that found nothing:".into());
        for query in &service.top_zero_result {
            lines.push(format!("  {:>6}  {}", query.count, query.query));
        }
    }

    let satisfaction = &report.satisfaction;
    lines.push(String::new());
    lines.push(format!(
        "Satisfaction: {} good, {} bad ({} good)",
        satisfaction.good,
        satisfaction.bad,
        percent(insights::share(satisfaction.good, satisfaction.good + satisfaction.bad))
    ));
    for rating in &satisfaction.by_topic {
        lines.push(format!("  {}: {} good, {} bad", rating.label, rating.good, rating.bad));
    }
    for incident in &satisfaction.incidents {
        let title = incident.title.as_deref().map(|title| format!(" ({title})")).unwrap_or_default();
        lines.push(format!("  tickets during {}{title}: {}", incident.id, incident.tickets));
    }

    let responsiveness = &report.responsiveness;
    lines.push(String::new());
    lines.push(format!(
        "Replies: {} answered, {} within the promised time ({} of {} due)",
        responsiveness.answered,
        percent(responsiveness.within_promise_share),
        responsiveness.within_promise,
        responsiveness.promised
    ));
    let time = |seconds: Option<f64>| seconds.map_or_else(|| "–".to_owned(), duration);
    lines.push(format!(
        "  first response: median {}, 90th percentile {}; resolution: median {}",
        time(responsiveness.median_first_response_seconds),
        time(responsiveness.p90_first_response_seconds),
        time(responsiveness.median_resolution_seconds)
    ));
    for group in responsiveness.by_topic.iter().chain(&responsiveness.by_urgency) {
        lines.push(format!(
            "  {}: first response {}, resolution {}, within promise {}",
            group.label,
            time(group.median_first_response_seconds),
            time(group.median_resolution_seconds),
            percent(group.within_promise_share)
        ));
    }

    let delivery = &report.delivery;
    lines.push(String::new());
    lines.push(format!(
        "Delivery: {} delivered, {} waiting, {} retried, {} dead-lettered",
        delivery.delivered, delivery.waiting, delivery.retried, delivery.dead_lettered
    ));
    if let (Some(median), Some(p90)) = (delivery.median_delivery_seconds, delivery.p90_delivery_seconds) {
        lines.push(format!("  accepted to delivered: median {}, 90th percentile {}", duration(median), duration(p90)));
    }
    lines.push(String::new());
    lines.join("\n")
}
