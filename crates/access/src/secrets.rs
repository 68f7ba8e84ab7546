//! Secrets long enough to be secrets. An HMAC key or a bearer token of a few characters can be guessed
//! or brute-forced offline from one signed request, so a short one is refused wherever it is read, with
//! a message naming it, rather than quietly protecting nothing.

/// The shortest secret edgedesk accepts: 16 characters, e.g. 8 random bytes in hex (`scripts/dev.sh`
/// and `docs/deploy.md` make 32).
pub const MIN_SECRET_CHARS: usize = 16;

/// Checks a configured secret: `Ok(None)` when it is unset or empty (the feature is off), the secret when
/// it is long enough, and an operator's message naming it when it is too short.
pub fn checked<'a>(name: &str, value: Option<&'a str>) -> Result<Option<&'a str>, String> {
    match value.filter(|value| !value.is_empty()) {
        None => Ok(None),
        Some(value) if value.chars().count() >= MIN_SECRET_CHARS => Ok(Some(value)),
        Some(value) => Err(format!(
            "{name} is {} characters long; a secret needs at least {MIN_SECRET_CHARS} \
             (`openssl rand -hex 32` makes a good one)",
            value.chars().count()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_by_name_and_empty_ones_are_off() {
        assert_eq!(checked("ADMIN_TOKEN", None), Ok(None));
        assert_eq!(checked("ADMIN_TOKEN", Some("")), Ok(None));
        assert_eq!(checked("ADMIN_TOKEN", Some("0123456789abcdef")), Ok(Some("0123456789abcdef")));
        let error = checked("IDENTITY_SECRET", Some("hunter2")).unwrap_err();
        assert!(error.starts_with("IDENTITY_SECRET is 7 characters long") && error.contains("16"), "{error}");
    }
}
