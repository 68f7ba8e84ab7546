//! How many answers may be written: per visit, per address and for the whole site, each a day (UTC).
//! Cached answers cost the provider nothing and are not counted.

use edgedesk_protocol::api::ApiError;

use crate::AnswersConfig;

const DAY_SECONDS: i64 = 86_400;

/// Who an answer is counted against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site,
    Visit(String),
    /// A keyed hash of the client's address.
    Address(String),
}

impl Scope {
    /// The counter's key in storage.
    pub fn key(&self) -> String {
        match self {
            Scope::Site => "site".to_owned(),
            Scope::Visit(visit) => format!("visit:{visit}"),
            Scope::Address(address) => format!("address:{address}"),
        }
    }

    pub fn allowance(&self, config: &AnswersConfig) -> u32 {
        match self {
            Scope::Site => config.daily_cap,
            Scope::Visit(_) => config.per_visit,
            Scope::Address(_) => config.per_address,
        }
    }

    fn refusal(&self) -> &'static str {
        match self {
            Scope::Site => "The assistant has written all of today's answers; the articles below still answer.",
            Scope::Visit(_) | Scope::Address(_) => {
                "You have had all of today's written answers; the articles below still answer."
            }
        }
    }
}

/// The day (UTC) a moment counts towards.
pub fn day_of(at: i64) -> i64 {
    at.div_euclid(DAY_SECONDS)
}

/// The first scope whose count, this answer included, is over its allowance, as the `429` to answer with:
/// it says to retry at midnight UTC.
pub fn over(config: &AnswersConfig, counted: &[(Scope, u32)], at: i64) -> Result<(), ApiError> {
    match counted.iter().find(|(scope, used)| *used > scope.allowance(config)) {
        None => Ok(()),
        Some((scope, _)) => {
            let mut error = ApiError::new(429, "answers_exhausted", scope.refusal());
            error.retry_after = Some((DAY_SECONDS - at.rem_euclid(DAY_SECONDS)) as u32);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_scope_over_its_allowance_refuses_until_midnight() {
        let config = AnswersConfig { per_visit: 2, per_address: 5, daily_cap: 100, ..Default::default() };
        let at = 20_000 * DAY_SECONDS + 23 * 3_600;
        let within = [(Scope::Site, 100), (Scope::Visit("v".into()), 2), (Scope::Address("a".into()), 5)];
        assert!(over(&config, &within, at).is_ok());
        let error = over(&config, &[(Scope::Site, 1), (Scope::Visit("v".into()), 3)], at).unwrap_err();
        assert_eq!((error.status, error.code.as_str(), error.retry_after), (429, "answers_exhausted", Some(3_600)));
        assert_eq!(day_of(at), 20_000);
        assert_eq!(Scope::Address("ab12".into()).key(), "address:ab12");
    }
}
