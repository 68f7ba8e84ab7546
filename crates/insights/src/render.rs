//! The admin page's report as HTML with inline SVG charts, rendered here so the page needs no charting
//! script and every figure on it is the figure in the JSON. Every text that came from customers or
//! editors (queries, slugs, product and incident names) is escaped.

use std::fmt::Write;

use super::{Count, Insights, Ratings, WEEKDAYS, duration, percent};
use edgedesk_search::text::escape_html;

/// Width of every chart's drawing, in SVG units; the page scales it to the column.
const WIDTH: u32 = 640;

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html(text, &mut out);
    out
}

/// One headline figure; `data-figure` and `data-value` let tests and scripts read the exact number.
fn figure(out: &mut String, key: &str, label: &str, value: &str, shown: &str) {
    let _ = write!(
        out,
        r#"<div class="figure"><dt>{}</dt><dd data-figure="{key}" data-value="{}">{}</dd></div>"#,
        escaped(label),
        escaped(value),
        escaped(shown)
    );
}

fn count_figure(out: &mut String, key: &str, label: &str, value: u32) {
    figure(out, key, label, &value.to_string(), &value.to_string());
}

fn share_figure(out: &mut String, key: &str, label: &str, value: f64) {
    figure(out, key, label, &value.to_string(), &percent(value));
}

/// The whole report: four sections, each with its headline figures and charts.
pub fn render(insights: &Insights) -> String {
    let mut out = String::new();
    let product = insights.product.as_deref().map(|product| format!(" · {}", escaped(product))).unwrap_or_default();
    let _ = write!(
        out,
        r#"<p class="period">{} to {} · times in {}{product}</p>"#,
        insights.from,
        insights.to,
        escaped(&insights.time_zone)
    );

    let volume = &insights.volume;
    out.push_str(r#"<section aria-labelledby="volume-heading"><h2 id="volume-heading">When and about what customers write</h2><dl class="figures">"#);
    count_figure(&mut out, "tickets", "Tickets", volume.tickets);
    share_figure(&mut out, "outside_hours_share", "Outside business hours", volume.outside_hours_share);
    share_figure(&mut out, "night_share", "At night (22:00–07:00)", volume.night_share);
    out.push_str("</dl>");
    let _ = write!(out, r#"<p class="advice" data-figure="advice">{}</p>"#, escaped(&volume.advice));
    out.push_str(&heatmap(&volume.by_weekday_hour));
    let days: Vec<(String, u32)> =
        volume.by_day.iter().map(|day| (day.date.format("%b %-d").to_string(), day.count)).collect();
    out.push_str(&columns("by-day", "Tickets per day", &days, 7));
    out.push_str(&bars("by-topic", "Tickets by topic", &labelled(&volume.by_topic)));
    out.push_str(&bars("by-urgency", "Tickets by urgency", &labelled(&volume.by_urgency)));
    out.push_str(&bars("by-product", "Tickets by product", &labelled(&volume.by_product)));
    out.push_str("</section>");

    let service = &insights.self_service;
    out.push_str(r#"<section aria-labelledby="self-service-heading"><h2 id="self-service-heading">Self-service</h2><dl class="figures">"#);
    count_figure(&mut out, "searches", "Searches", service.searches);
    count_figure(&mut out, "zero_result_searches", "Found nothing", service.zero_result_searches);
    count_figure(&mut out, "article_views", "Articles read", service.article_views);
    count_figure(&mut out, "helpful", "Helpful votes", service.helpful);
    count_figure(&mut out, "not_helpful", "Not helpful votes", service.not_helpful);
    count_figure(&mut out, "deflections", "Deflections", service.deflections);
    share_figure(&mut out, "self_service_share", "Resolved without a ticket", service.self_service_share);
    out.push_str("</dl>");
    let _ = write!(
        out,
        r#"<p class="note">Of {} contacts, {} ended without a ticket: the customer searched or read and did not write. A deflection is a suggested article opened while writing a ticket that was then not sent.</p>"#,
        service.contacts, service.resolved_without_ticket
    );
    out.push_str(r#"<div class="pair"><div><h3 id="gaps-heading">Searches that found nothing</h3>"#);
    let gaps = service.top_zero_result.iter().map(|query| {
        let language = query.locale.as_deref().unwrap_or("");
        vec![Cell::Text(escaped(&query.query)), Cell::Text(escaped(language)), Cell::Count(query.count)]
    });
    figure_table(
        &mut out,
        "gaps-heading",
        &[("Query", false), ("Language", false), ("Searches", true)],
        gaps.collect(),
        "None: every search found an article.",
    );
    out.push_str(r#"</div><div><h3 id="articles-heading">Articles</h3>"#);
    let articles = service.articles.iter().map(|article| {
        let locale = escaped(article.locale.as_deref().unwrap_or(""));
        vec![
            Cell::Text(format!(r#"{}<span class="locale">{locale}</span>"#, escaped(&article.slug))),
            Cell::Count(article.views),
            Cell::Count(article.helpful),
            Cell::Count(article.not_helpful),
            Cell::Count(article.deflections),
        ]
    });
    figure_table(
        &mut out,
        "articles-heading",
        &[("Article", false), ("Read", true), ("Helpful", true), ("Not helpful", true), ("Deflections", true)],
        articles.collect(),
        "No article was read in this period.",
    );
    out.push_str("</div></div></section>");

    let satisfaction = &insights.satisfaction;
    out.push_str(r#"<section aria-labelledby="satisfaction-heading"><h2 id="satisfaction-heading">Satisfaction</h2><dl class="figures">"#);
    count_figure(&mut out, "good", "Good ratings", satisfaction.good);
    count_figure(&mut out, "bad", "Bad ratings", satisfaction.bad);
    share_figure(
        &mut out,
        "good_share",
        "Rated good",
        super::share(satisfaction.good, satisfaction.good + satisfaction.bad),
    );
    out.push_str("</dl>");
    out.push_str(&stacked_rows("ratings-by-week", "Ratings per week", &satisfaction.by_week));
    out.push_str(&stacked_rows("ratings-by-topic", "Ratings by topic", &satisfaction.by_topic));
    out.push_str(r#"<h3 id="incidents-heading">Tickets filed during incidents</h3>"#);
    let incidents = satisfaction.incidents.iter().map(|incident| {
        let name = match &incident.title {
            Some(title) => format!("{} <span class=\"locale\">{}</span>", escaped(title), escaped(&incident.id)),
            None => escaped(&incident.id),
        };
        vec![Cell::Text(name), Cell::Count(incident.tickets)]
    });
    figure_table(
        &mut out,
        "incidents-heading",
        &[("Notice", false), ("Tickets", true)],
        incidents.collect(),
        "No ticket was filed while a status notice was shown.",
    );
    out.push_str("</section>");

    let answers = &insights.answers;
    out.push_str(r#"<section aria-labelledby="answers-heading"><h2 id="answers-heading">Written answers</h2><dl class="figures">"#);
    count_figure(&mut out, "answers_shown", "Answers shown", answers.overall.shown);
    count_figure(&mut out, "answers_helpful", "Answered the question", answers.overall.helpful);
    count_figure(&mut out, "answers_not_helpful", "Did not", answers.overall.not_helpful);
    count_figure(&mut out, "answers_contacted", "Then contacted support", answers.overall.contacted);
    share_figure(
        &mut out,
        "answers_resolution_rate",
        "Answered visits without a ticket",
        answers.overall.resolution_rate,
    );
    count_figure(&mut out, "answers_unsure", "Questions not answered", answers.unsure);
    out.push_str("</dl>");
    let _ = write!(
        out,
        r#"<p class="note">Of {} visits shown a written answer, {} filed no ticket. A question not answered is one no article covered well enough: no model was asked, and the gaps report lists it.</p>"#,
        answers.overall.visits, answers.overall.visits_without_ticket
    );
    out.push_str(r#"<h3 id="answer-topics-heading">By topic</h3>"#);
    let topics = answers.by_topic.iter().map(|topic| {
        let counts = &topic.counts;
        vec![
            Cell::Text(escaped(&topic.label)),
            Cell::Count(counts.shown),
            Cell::Count(counts.helpful),
            Cell::Count(counts.not_helpful),
            Cell::Count(counts.contacted),
            Cell::Text(percent(counts.resolution_rate)),
        ]
    });
    figure_table(
        &mut out,
        "answer-topics-heading",
        &[
            ("Topic", false),
            ("Shown", true),
            ("Answered", true),
            ("Did not", true),
            ("Contacted", true),
            ("Without a ticket", true),
        ],
        topics.collect(),
        "No written answer was shown in this period.",
    );
    out.push_str("</section>");

    let responsiveness = &insights.responsiveness;
    out.push_str(r#"<section aria-labelledby="responsiveness-heading"><h2 id="responsiveness-heading">Replies and resolution</h2><dl class="figures">"#);
    count_figure(&mut out, "answered", "Answered", responsiveness.answered);
    share_figure(
        &mut out,
        "within_promise_share",
        "Answered within the promised time",
        responsiveness.within_promise_share,
    );
    for (key, label, seconds) in [
        ("median_first_response_seconds", "First response, median", responsiveness.median_first_response_seconds),
        ("p90_first_response_seconds", "First response, 90th percentile", responsiveness.p90_first_response_seconds),
        ("median_resolution_seconds", "Resolution, median", responsiveness.median_resolution_seconds),
    ] {
        let value = seconds.map(|seconds| seconds.to_string()).unwrap_or_default();
        figure(&mut out, key, label, &value, &seconds.map_or_else(|| "–".to_owned(), duration));
    }
    out.push_str("</dl>");
    for (heading_id, title, first_column, groups) in [
        ("responsiveness-topic-heading", "By topic", "Topic", &responsiveness.by_topic),
        ("responsiveness-urgency-heading", "By urgency", "Urgency", &responsiveness.by_urgency),
    ] {
        let _ = write!(out, r#"<h3 id="{heading_id}">{title}</h3>"#);
        let rows = groups.iter().map(|group| {
            let time = |seconds: Option<f64>| Cell::Text(seconds.map_or_else(|| "–".to_owned(), duration));
            vec![
                Cell::Text(escaped(&group.label)),
                Cell::Count(group.tickets),
                time(group.median_first_response_seconds),
                time(group.median_resolution_seconds),
                Cell::Text(if group.promised == 0 { "–".to_owned() } else { percent(group.within_promise_share) }),
            ]
        });
        figure_table(
            &mut out,
            heading_id,
            &[
                (first_column, false),
                ("Tickets", true),
                ("First response", true),
                ("Resolution", true),
                ("Within promise", true),
            ],
            rows.collect(),
            "No ticket in this period.",
        );
    }
    out.push_str("</section>");

    let delivery = &insights.delivery;
    out.push_str(r#"<section aria-labelledby="delivery-heading"><h2 id="delivery-heading">Delivery to the helpdesk</h2><dl class="figures">"#);
    count_figure(&mut out, "delivered", "Delivered", delivery.delivered);
    count_figure(&mut out, "waiting", "Waiting", delivery.waiting);
    count_figure(&mut out, "retried", "Retried", delivery.retried);
    count_figure(&mut out, "dead_lettered", "Dead-lettered", delivery.dead_lettered);
    for (key, label, seconds) in [
        ("median_delivery_seconds", "Accepted to delivered, median", delivery.median_delivery_seconds),
        ("p90_delivery_seconds", "Accepted to delivered, 90th percentile", delivery.p90_delivery_seconds),
    ] {
        let value = seconds.map(|seconds| seconds.to_string()).unwrap_or_default();
        figure(&mut out, key, label, &value, &seconds.map_or_else(|| "–".to_owned(), duration));
    }
    out.push_str("</dl></section>");
    out
}

fn labelled(counts: &[Count]) -> Vec<(String, u32)> {
    counts.iter().map(|count| (count.label.clone(), count.count)).collect()
}

/// A table cell: HTML already escaped, or a count (right-aligned).
enum Cell {
    Text(String),
    Count(u32),
}

/// A table of figures named by the heading `heading_id`, or `empty` said in a sentence when it has no
/// rows. `columns` are the headings, each with whether it holds counts.
fn figure_table(out: &mut String, heading_id: &str, columns: &[(&str, bool)], rows: Vec<Vec<Cell>>, empty: &str) {
    if rows.is_empty() {
        let _ = write!(out, r#"<p class="empty">{}</p>"#, escaped(empty));
        return;
    }
    let _ = write!(out, r#"<table aria-labelledby="{heading_id}"><thead><tr>"#);
    for (heading, counts) in columns {
        let class = if *counts { r#" class="number""# } else { "" };
        let _ = write!(out, r#"<th scope="col"{class}>{}</th>"#, escaped(heading));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = match cell {
                Cell::Text(html) => write!(out, "<td>{html}</td>"),
                Cell::Count(count) => write!(out, r#"<td class="number">{count}</td>"#),
            };
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// The start of a chart. The drawing is for eyes; its numbers are in a table after it, which screen
/// readers read instead (`close_chart`).
fn open_chart(out: &mut String, id: &str, title: &str, height: u32) {
    let _ = write!(
        out,
        r#"<figure class="chart"><figcaption id="{id}-title">{}</figcaption><svg aria-hidden="true" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet">"#,
        escaped(title)
    );
}

/// Ends the drawing and gives its numbers as a table, visually hidden, named by the figure's caption.
fn close_chart(out: &mut String, id: &str, headers: &[&str], rows: &[Vec<String>]) {
    // A table sizes itself to its cells whatever its width says, so a box around it does the hiding.
    let _ = write!(out, r#"</svg><div class="visually-hidden"><table aria-labelledby="{id}-title"><thead><tr>"#);
    for header in headers {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escaped(header));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (index, cell) in row.iter().enumerate() {
            let tag = if index == 0 { r#"th scope="row""# } else { "td" };
            let _ = write!(out, "<{tag}>{}</{}>", escaped(cell), &tag[..2]);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></figure>");
}

fn empty_chart(title: &str, message: &str) -> String {
    format!(
        r#"<figure class="chart"><figcaption>{}</figcaption><p class="empty">{message}</p></figure>"#,
        escaped(title)
    )
}

/// A label cut to what fits beside a bar; the whole label stays in the tooltip and the table.
fn short(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        return escaped(label);
    }
    let cut: String = label.chars().take(max_chars - 1).collect();
    escaped(&format!("{}…", cut.trim_end()))
}

fn count_rows(items: &[(String, u32)]) -> Vec<Vec<String>> {
    items.iter().map(|(label, count)| vec![label.clone(), count.to_string()]).collect()
}

/// Horizontal bars, one per item, with the count at the bar's end.
fn bars(id: &str, title: &str, items: &[(String, u32)]) -> String {
    const ROW: u32 = 26;
    const LABELS: u32 = 170;
    if items.is_empty() {
        return empty_chart(title, "No tickets.");
    }
    let mut out = String::new();
    open_chart(&mut out, id, title, items.len() as u32 * ROW + 4);
    let max = items.iter().map(|(_, count)| *count).max().unwrap_or(1).max(1);
    let room = WIDTH - LABELS - 60;
    for (row, (label, count)) in items.iter().enumerate() {
        let y = row as u32 * ROW + 4;
        let width = (count * room).div_ceil(max);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text><rect x="{LABELS}" y="{y}" width="{width}" height="18" rx="2" class="bar"><title>{}: {count}</title></rect><text x="{}" y="{}" class="value">{count}</text>"#,
            LABELS - 8,
            y + 14,
            short(label, 24),
            escaped(label),
            LABELS + width + 6,
            y + 14
        );
    }
    close_chart(&mut out, id, &["", "Tickets"], &count_rows(items));
    out
}

/// Vertical columns with a label under every `label_every`-th one.
fn columns(id: &str, title: &str, items: &[(String, u32)], label_every: usize) -> String {
    const HEIGHT: u32 = 150;
    const BASE: u32 = 124;
    let mut out = String::new();
    open_chart(&mut out, id, title, HEIGHT);
    let max = items.iter().map(|(_, count)| *count).max().unwrap_or(0).max(1);
    let step = (WIDTH - 40) as f64 / items.len().max(1) as f64;
    let _ = write!(
        out,
        r#"<text x="0" y="12" class="value">{max}</text><line x1="32" y1="{BASE}" x2="{WIDTH}" y2="{BASE}" class="axis"/>"#
    );
    for (index, (label, count)) in items.iter().enumerate() {
        let x = 36.0 + index as f64 * step;
        let height = (count * (BASE - 10)).div_ceil(max);
        let label = escaped(label);
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{}" width="{:.1}" height="{height}" class="bar"><title>{label}: {count}</title></rect>"#,
            BASE - height,
            (step - 2.0).max(1.0)
        );
        if index % label_every == 0 {
            let _ = write!(out, r#"<text x="{x:.1}" y="{}" class="label">{label}</text>"#, BASE + 18);
        }
    }
    close_chart(&mut out, id, &["", "Tickets"], &count_rows(items));
    out
}

/// Tickets per weekday and hour: darker cells are busier hours, and each cell says its count.
fn heatmap(by_weekday_hour: &[Vec<u32>]) -> String {
    const CELL: u32 = 24;
    const LEFT: u32 = 44;
    const TOP: u32 = 20;
    let mut out = String::new();
    open_chart(&mut out, "heatmap", "Tickets by weekday and hour (darker is busier)", TOP + 7 * CELL + 4);
    let max = by_weekday_hour.iter().flatten().copied().max().unwrap_or(0).max(1);
    for hour in (0..24).step_by(3) {
        let _ = write!(out, r#"<text x="{}" y="14" class="label">{hour:02}</text>"#, LEFT + hour * CELL + 2);
    }
    for (day, hours) in by_weekday_hour.iter().enumerate() {
        let y = TOP + day as u32 * CELL;
        let _ = write!(out, r#"<text x="0" y="{}" class="label">{}</text>"#, y + 16, WEEKDAYS[day]);
        for (hour, &count) in hours.iter().enumerate() {
            // Five shades: none, then quarters of the busiest hour.
            let level = if count == 0 { 0 } else { 1 + (count * 4 - 1) / max };
            let x = LEFT + hour as u32 * CELL;
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{y}" width="{}" height="{}" class="heat-{level}"><title>{} {hour:02}:00: {count}</title></rect>"#,
                CELL - 2,
                CELL - 2,
                WEEKDAYS[day]
            );
            if count > 0 {
                let shade = if level >= 3 { "count light" } else { "count" };
                let _ = write!(out, r#"<text x="{}" y="{}" class="{shade}">{count}</text>"#, x + CELL / 2 - 1, y + 15);
            }
        }
    }
    let mut headers = vec![String::new()];
    headers.extend((0..24).map(|hour| format!("{hour:02}:00")));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = by_weekday_hour
        .iter()
        .zip(WEEKDAYS)
        .map(|(hours, day)| std::iter::once(day.to_owned()).chain(hours.iter().map(u32::to_string)).collect())
        .collect();
    close_chart(&mut out, "heatmap", &headers, &rows);
    out
}

fn rating_rows(ratings: &[Ratings]) -> Vec<Vec<String>> {
    ratings.iter().map(|r| vec![r.label.clone(), r.good.to_string(), r.bad.to_string()]).collect()
}

/// Good and bad ratings per key as horizontal bars, good first: room for long topic names.
fn stacked_rows(id: &str, title: &str, ratings: &[Ratings]) -> String {
    const ROW: u32 = 26;
    const LABELS: u32 = 170;
    if ratings.is_empty() {
        return empty_chart(title, "No ratings.");
    }
    let mut out = String::new();
    open_chart(&mut out, id, title, ratings.len() as u32 * ROW + 4);
    let max = ratings.iter().map(|rating| rating.good + rating.bad).max().unwrap_or(0).max(1);
    let room = WIDTH - LABELS - 120;
    for (row, rating) in ratings.iter().enumerate() {
        let y = row as u32 * ROW + 4;
        let good = (rating.good * room).div_ceil(max);
        let bad = (rating.bad * room).div_ceil(max);
        let label = escaped(&rating.label);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text><rect x="{LABELS}" y="{y}" width="{good}" height="18" class="good"><title>{label}: {} good</title></rect><rect x="{}" y="{y}" width="{bad}" height="18" class="bad"><title>{label}: {} bad</title></rect><text x="{}" y="{}" class="value">{} good, {} bad</text>"#,
            LABELS - 8,
            y + 14,
            short(&rating.label, 24),
            rating.good,
            LABELS + good,
            rating.bad,
            LABELS + good + bad + 6,
            y + 14,
            rating.good,
            rating.bad
        );
    }
    close_chart(&mut out, id, &["", "Good", "Bad"], &rating_rows(ratings));
    out
}
