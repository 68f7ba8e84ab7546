use super::*;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Berlin in winter: UTC+1, Monday to Friday 09:00–17:00.
fn berlin() -> Support {
    Support { time_zone: "Europe/Berlin".into(), offsets: vec![(0, 3600)], ..Support::default() }
}

fn at(local: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap().and_utc().timestamp() - 3600
}

fn ticket(local: &str, topic: &str) -> TicketRow {
    TicketRow {
        at: at(local),
        topic: Some(topic.into()),
        urgency: Some("normal".into()),
        product: None,
        incident_id: None,
        state: Some(DeliveryState::Delivered),
        attempts: Some(1),
        delivery_seconds: Some(2.0),
        first_response_at: None,
        resolved_at: None,
        reply_due_at: None,
    }
}

#[test]
fn a_gap_is_a_search_that_found_nothing() {
    let gap = parse_gap(br#"{"query": "  Reset   PASSWORD? ", "locale": "en"}"#, 9).unwrap();
    assert_eq!((gap.kind, gap.subject.as_str(), gap.value, gap.at), (EventKind::Search, "reset password", 0, 9));
    assert_eq!(gap.locale.as_deref(), Some("en"));
    assert_eq!(parse_gap(br#"{"query": "?!"}"#, 0).unwrap_err().field.as_deref(), Some("query"));
    let long = format!(r#"{{"query": "{}"}}"#, "a".repeat(201));
    assert_eq!(parse_gap(long.as_bytes(), 0).unwrap_err().code, "query_too_long");
    assert_eq!(parse_gap(br#"{"query": "x", "results": 3}"#, 0).unwrap_err().field.as_deref(), Some("results"));
}

#[test]
fn a_vote_needs_a_boolean() {
    assert_eq!(parse_vote(br#"{"helpful": true}"#).unwrap().helpful, Some(true));
    let missing = parse_vote(b"{}").unwrap_err();
    assert_eq!((missing.code.as_str(), missing.field.as_deref()), ("required", Some("helpful")));
    let wrong = parse_vote(br#"{"helpful": "yes"}"#).unwrap_err();
    assert_eq!((wrong.code.as_str(), wrong.field.as_deref()), ("invalid_value", Some("helpful")));
    assert_eq!(parse_vote(br#"{"helpful": false, "stars": 5}"#).unwrap_err().field.as_deref(), Some("stars"));
    assert_eq!(parse_vote(b"{").unwrap_err().code, "invalid_json");
    assert_eq!(parse_vote(&[b' '; 3000]).unwrap_err().status, 413);
}

#[test]
fn search_events_are_folded_and_checked() {
    let event =
        parse_event(br#"{"kind": "search", "query": " Reset  PASSWORD? ", "results": 0, "visit": "abcdefgh12"}"#, 7)
            .unwrap();
    assert_eq!((event.subject.as_str(), event.value, event.at), ("reset password", 0, 7));
    assert_eq!(event.visit.as_deref(), Some("abcdefgh12"));
    let refused = |body: &str| parse_event(body.as_bytes(), 0).unwrap_err();
    assert_eq!(refused(r#"{"kind": "search", "query": "x"}"#).field.as_deref(), Some("results"));
    assert_eq!(refused(r#"{"kind": "search", "query": "?!", "results": 1}"#).field.as_deref(), Some("query"));
    assert_eq!(refused(r#"{"kind": "article_view", "slug": "../x"}"#).field.as_deref(), Some("slug"));
    assert_eq!(refused(r#"{"kind": "feedback"}"#).field.as_deref(), Some("kind"));
    assert_eq!(
        refused(r#"{"kind": "search", "query": "a", "results": 1, "visit": "short"}"#).field.as_deref(),
        Some("visit")
    );
    // The host page's product name is cleaned up, never a reason to refuse.
    let product = |name: &str| {
        let body = serde_json::json!({"kind": "article_view", "slug": "a", "product": name}).to_string();
        parse_event(body.as_bytes(), 0).unwrap().product
    };
    assert_eq!(product(" Mobile\napp ").as_deref(), Some("Mobileapp"));
    assert_eq!(product(&"x".repeat(100)).map(|p| p.len()), Some(64));
    assert_eq!(product("  "), None);
    assert_eq!(refused(r#"{"kind": "article_view", "slug": "a", "email": "x"}"#).code, "unknown_field");
    assert_eq!(refused(r#"{"kind": "page_view"}"#).field.as_deref(), Some("kind"));
    assert_eq!(refused(r#"{"slug": "a"}"#).field.as_deref(), Some("kind"));
}

#[test]
fn retention_is_configurable_and_checked() {
    assert_eq!(retention_days(None), Ok(DEFAULT_RETENTION_DAYS));
    assert_eq!(retention_days(Some(" 90 ")), Ok(90));
    assert!(retention_days(Some("0")).unwrap_err().contains("INSIGHTS_RETENTION_DAYS"));
    assert!(retention_days(Some("a year")).is_err());
}

#[test]
fn a_filter_covers_whole_local_days() {
    let today = date("2026-11-23");
    let default = Filter::parse(None, None, None, today).unwrap();
    assert_eq!((default.from, default.to), (date("2026-10-25"), today));
    let filter = Filter::parse(Some("2026-11-02"), Some("2026-11-02"), Some(" Analytics "), today).unwrap();
    assert_eq!(filter.product.as_deref(), Some("Analytics"));
    assert_eq!(filter.bounds(&berlin()), (at("2026-11-02 00:00"), at("2026-11-03 00:00")));
    let error = Filter::parse(Some("2026-11-05"), Some("2026-11-01"), None, today).unwrap_err();
    assert_eq!(error.code, "invalid_range");
    assert_eq!(Filter::parse(Some("1.11.2026"), None, None, today).unwrap_err().field.as_deref(), Some("from"));
    assert!(Filter::parse(Some("2024-01-01"), None, None, today).is_err(), "over a year");
}

#[test]
fn volume_is_counted_in_the_teams_time_zone() {
    let filter = Filter::parse(Some("2026-11-02"), Some("2026-11-08"), None, date("2026-11-23")).unwrap();
    let tickets = vec![
        // Monday 09:30 Berlin is 08:30 UTC: an office-hours ticket in the 09 column.
        ticket("2026-11-02 09:30", "billing"),
        ticket("2026-11-02 23:10", "billing"),
        ticket("2026-11-07 12:00", "question"),
    ];
    let insights = build(&filter, &berlin(), Rows { tickets, ..Rows::default() });
    let volume = &insights.volume;
    assert_eq!(volume.tickets, 3);
    assert_eq!((volume.by_hour[9], volume.by_hour[23], volume.by_hour[12]), (1, 1, 1));
    assert_eq!(volume.by_weekday, vec![2, 0, 0, 0, 0, 1, 0]);
    assert_eq!(volume.by_weekday_hour[0][9], 1);
    assert_eq!((volume.outside_hours, volume.at_night), (2, 1));
    assert!(volume.advice.starts_with("33.3 % of tickets arrive at night"), "{}", volume.advice);
    assert!(volume.advice.contains("pays off"));
    assert_eq!(volume.by_topic[0], Count { key: "billing".into(), label: "billing".into(), count: 2 });
    assert_eq!(volume.by_day.len(), 7);
    assert_eq!(volume.by_day[0].count, 2);
}

#[test]
fn self_service_share_counts_visits_without_a_ticket() {
    let filter = Filter::parse(None, None, None, date("2026-11-23")).unwrap();
    let group = |kind, subject: &str, count, positive| EventGroup {
        kind,
        locale: Some("en".into()),
        subject: subject.into(),
        count,
        positive,
    };
    let rows = Rows {
        tickets: vec![ticket("2026-11-20 10:00", "question")],
        events: vec![
            group(EventKind::Search, "reset password", 5, 5),
            group(EventKind::Search, "dark mode", 3, 0),
            group(EventKind::Search, "sso", 2, 1),
            group(EventKind::ArticleView, "reset-password", 4, 4),
            group(EventKind::Feedback, "reset-password", 3, 2),
            group(EventKind::Deflection, "refunds", 1, 1),
        ],
        visits: VisitCounts { visits: 6, with_ticket: 1 },
        ..Rows::default()
    };
    let service = build(&filter, &berlin(), rows).self_service;
    assert_eq!((service.searches, service.zero_result_searches), (10, 4));
    assert_eq!(service.top_zero_result[0].query, "dark mode");
    assert_eq!((service.article_views, service.helpful, service.not_helpful, service.deflections), (4, 2, 1, 1));
    assert_eq!(service.articles[0].slug, "reset-password");
    // Five visits ended without a ticket, plus the one ticket: six contacts.
    assert_eq!((service.contacts, service.resolved_without_ticket), (6, 5));
    assert!((service.self_service_share - 5.0 / 6.0).abs() < 1e-12);
}

#[test]
fn ratings_incidents_and_delivery() {
    let filter = Filter::parse(None, None, None, date("2026-11-23")).unwrap();
    let mut rated = ticket("2026-11-17 10:00", "billing");
    rated.incident_id = Some("outage-1".into());
    let mut waiting = ticket("2026-11-18 10:00", "billing");
    (waiting.state, waiting.attempts, waiting.delivery_seconds) = (Some(DeliveryState::Pending), Some(3), None);
    let mut good = ticket("2026-11-18 11:00", "question");
    good.delivery_seconds = Some(10.0);
    let rating = |local: &str, topic: &str, rating: &str| RatingRow {
        at: at(local),
        topic: Some(topic.into()),
        rating: rating.into(),
    };
    let rows = Rows {
        tickets: vec![rated, waiting, good],
        // Given in the week of Monday 16 November.
        ratings: vec![rating("2026-11-19 10:00", "billing", "bad"), rating("2026-11-18 12:00", "question", "good")],
        incident_titles: [("outage-1".to_owned(), "API outage".to_owned())].into_iter().collect(),
        ..Rows::default()
    };
    let insights = build(&filter, &berlin(), rows);
    let satisfaction = &insights.satisfaction;
    assert_eq!((satisfaction.good, satisfaction.bad), (1, 1));
    assert_eq!(satisfaction.by_week.len(), 1, "both in the week of Monday 16 November");
    assert_eq!(satisfaction.by_week[0].key, "2026-11-16");
    assert_eq!(satisfaction.incidents[0].title.as_deref(), Some("API outage"));
    let delivery = &insights.delivery;
    assert_eq!((delivery.delivered, delivery.waiting, delivery.retried, delivery.dead_lettered), (2, 1, 1, 0));
    assert_eq!((delivery.median_delivery_seconds, delivery.p90_delivery_seconds), (Some(2.0), Some(10.0)));
}

#[test]
fn responses_are_timed_and_promises_counted_when_they_are_due() {
    // The default filter: the 30 days up to the given day.
    let filter = Filter::parse(None, None, None, date("2026-11-23")).unwrap();
    let hour = 3600;
    let answered = |local: &str, topic: &str, after: i64, due_after: i64| {
        let mut row = ticket(local, topic);
        row.first_response_at = Some(row.at + after);
        row.reply_due_at = Some(row.at + due_after);
        row
    };
    let mut solved = answered("2026-11-16 10:00", "billing", hour, 4 * hour);
    solved.resolved_at = Some(solved.at + 24 * hour);
    let late = answered("2026-11-17 10:00", "billing", 6 * hour, 4 * hour);
    let mut urgent = answered("2026-11-18 10:00", "question", 2 * hour, 4 * hour);
    urgent.urgency = Some("high".into());
    // Not answered, its promise broken before the period ended; another not answered, due after it.
    let mut overdue = ticket("2026-11-19 10:00", "question");
    overdue.reply_due_at = Some(overdue.at + 4 * hour);
    let mut not_due = ticket("2026-11-22 23:00", "question");
    not_due.reply_due_at = Some(not_due.at + 100 * 24 * hour);
    let rows = Rows { tickets: vec![solved, late, urgent, overdue, not_due], ..Rows::default() };
    let responsiveness = build(&filter, &berlin(), rows).responsiveness;
    assert_eq!((responsiveness.answered, responsiveness.resolved), (3, 1));
    assert_eq!(responsiveness.median_first_response_seconds, Some(2.0 * 3600.0));
    assert_eq!(responsiveness.p90_first_response_seconds, Some(6.0 * 3600.0));
    assert_eq!(responsiveness.median_resolution_seconds, Some(24.0 * 3600.0));
    // Promised and due: three answered and one overdue; kept: the two answered in time.
    assert_eq!((responsiveness.promised, responsiveness.within_promise), (4, 2));
    assert!((responsiveness.within_promise_share - 0.5).abs() < 1e-12);
    let billing = responsiveness.by_topic.iter().find(|group| group.key == "billing").unwrap();
    assert_eq!((billing.tickets, billing.promised, billing.within_promise), (2, 2, 1));
    assert_eq!(billing.median_first_response_seconds, Some(3600.0));
    let high = responsiveness.by_urgency.iter().find(|group| group.key == "high").unwrap();
    assert_eq!((high.tickets, high.within_promise_share), (1, 1.0));
    let csv = to_csv(&build(&filter, &berlin(), Rows::default()));
    assert!(csv.contains("responsiveness,promised,0"), "{csv}");
}

#[test]
fn csv_quotes_and_defuses_customer_text() {
    let filter = Filter::parse(None, None, None, date("2026-11-23")).unwrap();
    let rows = Rows {
        events: vec![EventGroup {
            kind: EventKind::Search,
            locale: None,
            subject: "=hyperlink(\"x\", a)".into(),
            count: 2,
            positive: 0,
        }],
        ..Rows::default()
    };
    let csv = to_csv(&build(&filter, &berlin(), rows));
    assert!(csv.starts_with("section,key,value\n"));
    assert!(csv.contains("zero_result_query,\"'=hyperlink(\"\"x\"\", a)\",2\n"), "{csv}");
    assert!(csv.contains("tickets_by_hour,23,0\n"));
}

#[test]
fn the_page_escapes_what_customers_wrote() {
    let filter = Filter::parse(None, None, Some("<b>App</b>"), date("2026-11-23")).unwrap();
    let rows = Rows {
        events: vec![EventGroup {
            kind: EventKind::Search,
            locale: Some("en".into()),
            subject: "<script>alert(1)</script>".into(),
            count: 1,
            positive: 0,
        }],
        tickets: vec![ticket("2026-11-20 10:00", "question")],
        ..Rows::default()
    };
    let html = render(&build(&filter, &berlin(), rows));
    assert!(!html.contains("<script") && !html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains(r#"data-figure="tickets" data-value="1""#));
    // Each drawing is hidden from screen readers, which read its numbers from a table instead.
    assert!(html.contains(r#"<svg aria-hidden="true""#));
    assert!(html.contains(r#"<div class="visually-hidden"><table aria-labelledby="heatmap-title">"#));
    let friday = format!("<th scope=\"row\">Fri</th>{}<td>1</td>", "<td>0</td>".repeat(10));
    assert!(html.contains(&friday), "Friday 10:00 has the ticket");
}

#[test]
fn the_sample_month_is_plausible_and_repeatable() {
    let articles = vec![("en".to_owned(), "reset-password".to_owned()), ("ru".to_owned(), "reset-password".to_owned())];
    let month = sample::month(7, date("2026-11-22"), 30, &berlin(), &articles);
    assert_eq!(month, sample::month(7, date("2026-11-22"), 30, &berlin(), &articles));
    assert!(month.tickets.len() > 100 && month.events.len() > 1000, "{} tickets", month.tickets.len());
    let during_outage = month.tickets.iter().filter(|t| t.stored.context.incident_id.is_some()).count();
    assert!(during_outage >= 5, "{during_outage} tickets during the outage");
    assert!(
        month.tickets.iter().any(|t| t.state == DeliveryState::Failed)
            && month.tickets.iter().any(|t| t.rating == Some("bad"))
    );
    let end =
        Filter::parse(Some("2026-11-22"), Some("2026-11-22"), None, date("2026-11-23")).unwrap().bounds(&berlin()).1;
    assert!(month.events.iter().all(|event| event.at < end) && month.tickets.iter().all(|t| t.at < end));
    let sql = month.to_sql();
    assert_eq!(sql.matches("INSERT INTO tickets").count(), month.tickets.len());
    assert!(sql.contains("INSERT INTO events (at, kind, visit, product, locale, subject, value) VALUES"));
}
