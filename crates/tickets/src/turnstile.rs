//! Cloudflare Turnstile, for sites that ask customers to prove they are people before filing a ticket.

use edgedesk_protocol::api::ApiError;

/// Reads Cloudflare Turnstile's siteverify answer: `Ok` when the token proved a person.
pub fn check_turnstile(answer: &serde_json::Value) -> Result<(), ApiError> {
    if answer.get("success").and_then(serde_json::Value::as_bool) == Some(true) {
        return Ok(());
    }
    let codes: Vec<&str> = answer
        .get("error-codes")
        .and_then(serde_json::Value::as_array)
        .map(|codes| codes.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    Err(ApiError::for_field(
        400,
        "turnstile_failed",
        "turnstile",
        format!(
            "The check that you are a person did not pass ({}). Complete it again and resend; your message is kept.",
            if codes.is_empty() { "no reason given".to_owned() } else { codes.join(", ") }
        ),
    ))
}

/// A site with Turnstile needs its token with every ticket and every upload.
pub fn require_turnstile(token: Option<&str>) -> Result<&str, ApiError> {
    token.ok_or_else(|| {
        ApiError::for_field(
            400,
            "turnstile_required",
            "turnstile",
            "Complete the check that you are a person, then send again; your message is kept.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turnstile_answers_are_read_with_their_reasons() {
        assert!(check_turnstile(&serde_json::json!({ "success": true })).is_ok());
        let error = check_turnstile(&serde_json::json!({ "success": false, "error-codes": ["timeout-or-duplicate"] }))
            .unwrap_err();
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("turnstile_failed", Some("turnstile")));
        assert!(error.message.contains("timeout-or-duplicate"), "{}", error.message);
        assert_eq!(require_turnstile(None).unwrap_err().code, "turnstile_required");
    }
}
