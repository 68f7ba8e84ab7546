//! One test per bug found so far, named after it, as ripgrep keeps them: each says in a line what broke,
//! so that it cannot come back unnoticed. Bugs that need the worker running are in `e2e/regressions.rs`;
//! the inertness checker's own is in `robustness.rs`.

use edgedesk_insights::{Filter, RatingRow, Rows, build};
use edgedesk_protocol::api::NewTicket;
use edgedesk_protocol::ticket;
use edgedesk_protocol::time::parse_time;
use edgedesk_tickets::support::Support;

/// `worker/openapi.json` described `GET /api/admin/notices` as an object; it answers a list (found by
/// schemathesis).
#[test]
fn admin_notices_are_described_as_the_list_they_are() {
    let description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(edgedesk_e2e::repo_root().join("worker/openapi.json")).unwrap())
            .unwrap();
    let schema =
        &description["paths"]["/api/admin/notices"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["type"], "array", "{schema}");
}

/// Ratings were charted in the week their ticket was filed, so a month-old ticket rated today changed
/// last month's satisfaction (found in review of the insights).
#[test]
fn a_rating_counts_in_the_week_it_was_given() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let filter = Filter::parse(Some("2026-11-23"), Some("2026-11-29"), None, today).unwrap();
    let given = parse_time("2026-11-25T12:00:00Z").unwrap();
    let rating = RatingRow { at: given, topic: Some("question".into()), rating: "good".into() };
    let insights = build(&filter, &Support::default(), Rows { ratings: vec![rating], ..Rows::default() });
    assert_eq!(insights.satisfaction.good, 1);
    assert_eq!(insights.satisfaction.by_week.first().map(|week| week.key.as_str()), Some("2026-11-23"));
}

/// A product name the host page set with control characters or too long refused the customer's ticket,
/// though the customer can neither see nor change it (found in review of the insights).
#[test]
fn a_strange_product_name_never_refuses_a_ticket() {
    let ticket = NewTicket {
        name: "Ada".into(),
        email: "ada@example.com".into(),
        subject: "Export".into(),
        message: "It stops.".into(),
        product: Some(format!("Mobile\u{7}app{}", "x".repeat(200))),
        ..NewTicket::default()
    };
    let valid = ticket::validate(ticket, &[]).expect("the ticket is accepted");
    let product = valid.product.expect("the product is kept, cleaned");
    assert!(product.starts_with("Mobileapp") && product.chars().count() == 64, "{product}");
}
