//! After a ticket is accepted: how its status and its delivery change, the helpdesk's progress reports and
//! the customer's rating of the answer. Every change of state is decided here, as a plain function; the
//! worker only stores what these return.

use edgedesk_protocol::api::{ApiError, DeliveryState, TicketEvent, TicketStatus};
use edgedesk_protocol::ticket::optional;

use crate::helpdesk::Outcome;

/// The longest message a helpdesk may attach to a progress report.
pub const MAX_PROGRESS_MESSAGE_CHARS: usize = 2_000;

/// A progress report from the helpdesk, checked: a status it may report and what the customer should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub status: TicketStatus,
    pub message: Option<String>,
}

/// Whether the customer may rate a ticket: once, after the helpdesk reported it solved or closed.
pub fn can_rate(status: TicketStatus, rating: Option<&str>) -> bool {
    rating.is_none() && matches!(status, TicketStatus::Solved | TicketStatus::Closed)
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

/// A progress report from the helpdesk: a status it may report (any case) and a short message.
pub fn check_event(event: TicketEvent) -> Result<Progress, ApiError> {
    let reported = TicketStatus::parse(&event.status.trim().to_ascii_lowercase())
        .filter(|status| TicketStatus::REPORTED.contains(status));
    let Some(status) = reported else {
        let names: Vec<&str> = TicketStatus::REPORTED.iter().map(|status| status.as_str()).collect();
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "status",
            format!("`status` must be one of {}, not {:?}.", names.join(", "), event.status),
        ));
    };
    let message = optional("message", event.message, MAX_PROGRESS_MESSAGE_CHARS)?;
    Ok(Progress { status, message })
}

/// The customer's status once the helpdesk confirms it has the ticket. Only `received` moves on: a report
/// from the helpdesk may arrive before the confirmation is recorded, and it says more.
pub fn confirmed(status: TicketStatus) -> TicketStatus {
    match status {
        TicketStatus::Received => TicketStatus::Delivered,
        other => other,
    }
}

/// The state a delivery attempt with this outcome leaves the outbox row in.
pub fn after_attempt(outcome: &Outcome) -> DeliveryState {
    match outcome {
        Outcome::Delivered { .. } => DeliveryState::Delivered,
        Outcome::Retry { .. } => DeliveryState::Pending,
        Outcome::Refused { .. } => DeliveryState::Failed,
    }
}

/// Whether an attempt's outcome is recorded on a row in state `current`. A confirmation always is (the
/// helpdesk has the ticket, whatever was recorded before); a retry or a refusal only while the row still
/// awaits delivery, so that a late one from a second consumer never undoes a confirmation.
pub fn records_outcome(current: DeliveryState, outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Delivered { .. }) || awaits_delivery(current)
}

/// Whether the queue consumer sends a row it is handed: one not yet delivered or refused.
pub fn awaits_delivery(state: DeliveryState) -> bool {
    matches!(state, DeliveryState::Pending | DeliveryState::Held)
}

/// Whether the sweep sends a row whose time has come: pending rows, and held ones once a helpdesk is
/// configured.
pub fn is_due(state: DeliveryState, helpdesk_configured: bool) -> bool {
    match state {
        DeliveryState::Pending => true,
        DeliveryState::Held => helpdesk_configured,
        DeliveryState::Delivered | DeliveryState::Failed => false,
    }
}

/// Whether an operator may send a ticket again: any that the helpdesk has not confirmed.
pub fn can_replay(state: DeliveryState) -> bool {
    state != DeliveryState::Delivered
}

/// The states for which `keep` holds, for SQL to match with `IN (SELECT value FROM json_each(?))`.
pub fn states_where(keep: impl Fn(DeliveryState) -> bool) -> String {
    let names: Vec<String> = DeliveryState::ALL
        .into_iter()
        .filter(|state| keep(*state))
        .map(|state| format!("\"{}\"", state.as_str()))
        .collect();
    format!("[{}]", names.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_and_progress_reports_are_checked() {
        assert!(can_rate(TicketStatus::Solved, None));
        assert!(!can_rate(TicketStatus::Solved, Some("good")) && !can_rate(TicketStatus::Open, None));
        assert_eq!(check_rating("bad").unwrap(), "bad");
        assert_eq!(check_rating("meh").unwrap_err().field.as_deref(), Some("rating"));
        let event = TicketEvent { status: "Solved".into(), message: Some(" Fixed. ".into()) };
        assert_eq!(
            check_event(event).unwrap(),
            Progress { status: TicketStatus::Solved, message: Some("Fixed.".into()) }
        );
        for unknown in ["lost", "received", "delivered"] {
            let event = TicketEvent { status: unknown.into(), message: None };
            assert_eq!(check_event(event).unwrap_err().field.as_deref(), Some("status"), "{unknown}");
        }
    }

    #[test]
    fn states_keep_their_names_on_the_wire_and_in_d1() {
        for status in TicketStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
            assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
        }
        for state in DeliveryState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
        assert_eq!(
            TicketStatus::ALL.map(TicketStatus::as_str),
            ["received", "delivered", "open", "pending", "solved", "closed"]
        );
        assert_eq!(DeliveryState::ALL.map(DeliveryState::as_str), ["pending", "delivered", "failed", "held"]);
    }

    #[test]
    fn a_confirmation_moves_only_a_received_ticket() {
        assert_eq!(confirmed(TicketStatus::Received), TicketStatus::Delivered);
        assert_eq!(confirmed(TicketStatus::Solved), TicketStatus::Solved);
        assert_eq!(confirmed(TicketStatus::Open), TicketStatus::Open);
    }

    #[test]
    fn outcomes_decide_the_outbox_state() {
        assert_eq!(after_attempt(&Outcome::Delivered { backend_id: None }), DeliveryState::Delivered);
        let retry = Outcome::Retry { after_seconds: 10, reason: "503".into() };
        assert_eq!(after_attempt(&retry), DeliveryState::Pending);
        assert_eq!(after_attempt(&Outcome::Refused { reason: "422".into() }), DeliveryState::Failed);
    }

    /// Found in review: a retry recorded after another consumer's confirmation turned a delivered ticket
    /// back into a pending one, which the sweep then sent again.
    #[test]
    fn a_late_retry_never_undoes_a_confirmation() {
        let retry = Outcome::Retry { after_seconds: 10, reason: "503".into() };
        let refused = Outcome::Refused { reason: "422".into() };
        let delivered = Outcome::Delivered { backend_id: None };
        assert!(!records_outcome(DeliveryState::Delivered, &retry));
        assert!(!records_outcome(DeliveryState::Delivered, &refused));
        assert!(records_outcome(DeliveryState::Failed, &delivered));
        assert!(records_outcome(DeliveryState::Pending, &retry) && records_outcome(DeliveryState::Held, &refused));
        assert_eq!(states_where(|state| records_outcome(state, &retry)), r#"["pending","held"]"#);
    }

    #[test]
    fn the_sweep_the_consumer_and_the_operator_each_send_what_they_should() {
        assert_eq!(DeliveryState::ALL.map(|state| is_due(state, false)), [true, false, false, false]);
        assert_eq!(DeliveryState::ALL.map(|state| is_due(state, true)), [true, false, false, true]);
        assert_eq!(DeliveryState::ALL.map(awaits_delivery), [true, false, false, true]);
        assert_eq!(DeliveryState::ALL.map(can_replay), [true, false, true, true]);
        assert_eq!(states_where(can_replay), r#"["pending","failed","held"]"#);
        assert_eq!(states_where(|state| is_due(state, false)), r#"["pending"]"#);
    }
}
