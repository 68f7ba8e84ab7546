//! After a ticket is accepted: how its status and its delivery change, the helpdesk's progress reports and
//! the customer's rating of the answer. Every change of state is decided here, as a plain function; the
//! worker only stores what these return.

use edgedesk_protocol::api::{ApiError, DeliveryState, TicketStatus};

use crate::helpdesk::Outcome;

/// What a customer may add to a rating.
pub const MAX_RATING_COMMENT_CHARS: usize = 1_000;

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

/// A status a helpdesk may report, named in any case.
pub fn reported_status(name: &str) -> Result<TicketStatus, ApiError> {
    TicketStatus::parse(&name.trim().to_ascii_lowercase())
        .filter(|status| TicketStatus::REPORTED.contains(status))
        .ok_or_else(|| {
            let names: Vec<&str> = TicketStatus::REPORTED.iter().map(|status| status.as_str()).collect();
            ApiError::for_field(
                400,
                "invalid_value",
                "status",
                format!("`status` must be one of {}, not {name:?}.", names.join(", ")),
            )
        })
}

/// The customer's status once the helpdesk confirms it has the ticket. Only `received` moves on: a report
/// from the helpdesk may arrive before the confirmation is recorded, and it says more.
pub fn confirmed(status: TicketStatus) -> TicketStatus {
    match status {
        TicketStatus::Received => TicketStatus::Delivered,
        other => other,
    }
}

/// Everything that can happen to a ticket's outbox row.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryEvent<'a> {
    /// A consumer found no helpdesk configured: the ticket waits in D1 for one.
    NoHelpdesk,
    /// A delivery attempt was answered (after [`RetryPolicy::judge`]).
    Answered(&'a Outcome),
    /// The sweep handed a due row to the queue again.
    Leased,
    /// An operator asked for the ticket to be sent again.
    Replayed,
}

/// The state `event` moves a row in state `current` to, or `None` when the event does not apply to that
/// row and must change nothing. The one place the delivery lifecycle is decided:
///
/// - a confirmation always applies (the helpdesk has the ticket, whatever was recorded before);
/// - a retry or a refusal only while the row still awaits delivery, so that a late one from a second
///   consumer never undoes a confirmation;
/// - the sweep only leases rows it may send ([`is_due`] with a helpdesk), an operator only replays rows
///   the helpdesk has not confirmed, and only a row that awaits delivery can be held.
pub fn next(current: DeliveryState, event: &DeliveryEvent<'_>) -> Option<DeliveryState> {
    use DeliveryState::{Held, Pending};
    match event {
        DeliveryEvent::Answered(outcome) => {
            (matches!(outcome, Outcome::Delivered { .. }) || awaits_delivery(current)).then(|| after_attempt(outcome))
        }
        DeliveryEvent::NoHelpdesk => awaits_delivery(current).then_some(Held),
        DeliveryEvent::Leased => is_due(current, true).then_some(Pending),
        DeliveryEvent::Replayed => can_replay(current).then_some(Pending),
    }
}

/// The states in which `event` applies, for SQL to match with `IN (SELECT value FROM json_each(?))`.
pub fn applies_in(event: &DeliveryEvent<'_>) -> String {
    states_where(|state| next(state, event).is_some())
}

/// The state a delivery attempt with this outcome leaves the outbox row in.
pub fn after_attempt(outcome: &Outcome) -> DeliveryState {
    match outcome {
        Outcome::Delivered { .. } => DeliveryState::Delivered,
        Outcome::Retry { .. } => DeliveryState::Pending,
        Outcome::Refused { .. } => DeliveryState::Failed,
    }
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

/// When retrying stops: a ticket the helpdesk has not taken after this many attempts, or this long after
/// its first, is `failed` (`edgedesk tickets failed`) until an operator replays it. Without an end, a
/// helpdesk that answers 503 forever would keep every ticket cycling through the queue for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub max_age_seconds: i64,
}

impl Default for RetryPolicy {
    /// A day of attempts: the backoff reaches an hour after about 10 tries, so 24 attempts span most of
    /// a day of outage, and three days cover a weekend-long one whatever the attempt count.
    fn default() -> Self {
        RetryPolicy { max_attempts: 24, max_age_seconds: 3 * 86_400 }
    }
}

impl RetryPolicy {
    /// The policy the worker's settings choose: `DELIVERY_MAX_ATTEMPTS` and `DELIVERY_MAX_AGE_HOURS`,
    /// each a positive whole number, defaulting to [`RetryPolicy::default`].
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Result<RetryPolicy, String> {
        let positive = |name: &str| -> Result<Option<u32>, String> {
            match setting(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty()) {
                None => Ok(None),
                Some(value) => match value.parse::<u32>() {
                    Ok(number) if number > 0 => Ok(Some(number)),
                    _ => Err(format!("{name} must be a whole number above 0, not {value:?}")),
                },
            }
        };
        let default = RetryPolicy::default();
        Ok(RetryPolicy {
            max_attempts: positive("DELIVERY_MAX_ATTEMPTS")?.unwrap_or(default.max_attempts),
            max_age_seconds: positive("DELIVERY_MAX_AGE_HOURS")?
                .map_or(default.max_age_seconds, |hours| i64::from(hours) * 3600),
        })
    }

    /// What attempt number `attempt`, made `age_seconds` after the ticket's first, amounts to: a retry
    /// past the budget becomes a refusal that says why, so the row ends `failed`.
    pub fn judge(&self, outcome: Outcome, attempt: u32, age_seconds: i64) -> Outcome {
        match outcome {
            Outcome::Retry { reason, .. } if attempt >= self.max_attempts || age_seconds >= self.max_age_seconds => {
                let hours = age_seconds.max(0) as f64 / 3600.0;
                Outcome::Refused {
                    reason: format!("gave up after {attempt} attempts over {hours:.1} h; the last: {reason}"),
                }
            }
            other => other,
        }
    }
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
        assert_eq!(reported_status(" Solved ").unwrap(), TicketStatus::Solved);
        for unknown in ["lost", "received", "delivered"] {
            assert_eq!(reported_status(unknown).unwrap_err().field.as_deref(), Some("status"), "{unknown}");
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
        let answered = |outcome| DeliveryEvent::Answered(outcome);
        assert_eq!(next(DeliveryState::Delivered, &answered(&retry)), None);
        assert_eq!(next(DeliveryState::Delivered, &answered(&refused)), None);
        assert_eq!(next(DeliveryState::Failed, &answered(&delivered)), Some(DeliveryState::Delivered));
        assert_eq!(next(DeliveryState::Pending, &answered(&retry)), Some(DeliveryState::Pending));
        assert_eq!(next(DeliveryState::Held, &answered(&refused)), Some(DeliveryState::Failed));
        assert_eq!(applies_in(&answered(&retry)), r#"["pending","held"]"#);
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

    /// Every state against every event: the whole lifecycle as a table, so a change to it shows here.
    #[test]
    fn the_lifecycle_as_a_table() {
        use DeliveryState::{Delivered, Failed, Held, Pending};
        let delivered = Outcome::Delivered { backend_id: Some("7".into()) };
        let retry = Outcome::Retry { after_seconds: 10, reason: "503".into() };
        let refused = Outcome::Refused { reason: "422".into() };
        let events = [
            DeliveryEvent::Answered(&delivered),
            DeliveryEvent::Answered(&retry),
            DeliveryEvent::Answered(&refused),
            DeliveryEvent::NoHelpdesk,
            DeliveryEvent::Leased,
            DeliveryEvent::Replayed,
        ];
        let table: Vec<[Option<DeliveryState>; 6]> =
            DeliveryState::ALL.iter().map(|state| events.clone().map(|event| next(*state, &event))).collect();
        assert_eq!(
            table,
            vec![
                // pending
                [Some(Delivered), Some(Pending), Some(Failed), Some(Held), Some(Pending), Some(Pending)],
                // delivered: only another confirmation touches it
                [Some(Delivered), None, None, None, None, None],
                // failed: an operator's replay, or a late confirmation
                [Some(Delivered), None, None, None, None, Some(Pending)],
                // held
                [Some(Delivered), Some(Pending), Some(Failed), Some(Held), Some(Pending), Some(Pending)],
            ]
        );
        assert_eq!(applies_in(&DeliveryEvent::Leased), r#"["pending","held"]"#);
        assert_eq!(applies_in(&DeliveryEvent::Replayed), r#"["pending","failed","held"]"#);
    }

    #[test]
    fn retries_end_after_the_attempts_or_the_age_the_policy_allows() {
        let policy = RetryPolicy { max_attempts: 5, max_age_seconds: 7200 };
        let retry = || Outcome::Retry { after_seconds: 40, reason: "the backend answered 503".into() };
        assert_eq!(policy.judge(retry(), 4, 600), retry());
        let Outcome::Refused { reason } = policy.judge(retry(), 5, 600) else { panic!("the fifth attempt ends it") };
        assert_eq!(reason, "gave up after 5 attempts over 0.2 h; the last: the backend answered 503");
        assert!(matches!(policy.judge(retry(), 2, 7200), Outcome::Refused { .. }), "two hours end it too");
        let delivered = Outcome::Delivered { backend_id: None };
        assert_eq!(policy.judge(delivered.clone(), 99, 999_999), delivered, "a confirmation is never refused");
        assert_eq!(after_attempt(&policy.judge(retry(), 9, 0)), DeliveryState::Failed);
    }

    #[test]
    fn the_retry_policy_comes_from_settings_and_names_a_bad_one() {
        let settings = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
        };
        assert_eq!(RetryPolicy::from_settings(settings(&[])), Ok(RetryPolicy::default()));
        assert_eq!(
            RetryPolicy::from_settings(settings(&[("DELIVERY_MAX_ATTEMPTS", "3"), ("DELIVERY_MAX_AGE_HOURS", "1")])),
            Ok(RetryPolicy { max_attempts: 3, max_age_seconds: 3600 })
        );
        for bad in ["0", "-2", "many", "1.5"] {
            let error =
                RetryPolicy::from_settings(move |name: &str| (name == "DELIVERY_MAX_ATTEMPTS").then(|| bad.to_owned()))
                    .unwrap_err();
            assert!(error.contains("DELIVERY_MAX_ATTEMPTS") && error.contains(bad), "{error}");
        }
    }
}
