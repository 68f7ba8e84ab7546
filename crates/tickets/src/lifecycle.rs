//! After a ticket is accepted: the helpdesk's progress reports and the customer's rating of the answer.

use edgedesk_protocol::api::{ApiError, TicketEvent};
use edgedesk_protocol::ticket::optional;

/// Whether the customer may rate a ticket: once, after the helpdesk reported it solved or closed.
pub fn can_rate(status: &str, rating: Option<&str>) -> bool {
    rating.is_none() && matches!(status, "solved" | "closed")
}

/// A rating is `good` or `bad`.
pub fn check_rating(rating: &str) -> Result<&'static str, ApiError> {
    match rating.trim() {
        "good" => Ok("good"),
        "bad" => Ok("bad"),
        other => Err(ApiError::for_field(
            400,
            "invalid_value",
            "rating",
            format!("Rate the answer \"good\" or \"bad\", not {other:?}."),
        )),
    }
}

/// A progress report from the helpdesk: a known status and a short message.
pub fn check_event(event: TicketEvent) -> Result<TicketEvent, ApiError> {
    let status = event.status.trim().to_ascii_lowercase();
    if !TicketEvent::STATUSES.contains(&status.as_str()) {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "status",
            format!("`status` must be one of {}, not {:?}.", TicketEvent::STATUSES.join(", "), event.status),
        ));
    }
    let message = optional("message", event.message, 2_000)?;
    Ok(TicketEvent { status, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_and_progress_reports_are_checked() {
        assert!(can_rate("solved", None) && !can_rate("solved", Some("good")) && !can_rate("open", None));
        assert_eq!(check_rating("bad").unwrap(), "bad");
        assert_eq!(check_rating("meh").unwrap_err().field.as_deref(), Some("rating"));
        let event = TicketEvent { status: "Solved".into(), message: Some(" Fixed. ".into()) };
        assert_eq!(check_event(event).unwrap().message.as_deref(), Some("Fixed."));
        let unknown = TicketEvent { status: "lost".into(), message: None };
        assert_eq!(check_event(unknown).unwrap_err().field.as_deref(), Some("status"));
    }
}
