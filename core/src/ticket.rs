//! What a ticket must contain, and the number the customer quotes.
//!
//! The same rules run in the widget (to point at a field before anything is sent) and in the worker (the
//! authority), so they can never disagree.

use serde_json::Value;

use crate::api::{ApiError, NewTicket};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_MESSAGE_CHARS: usize = 20_000;
pub const MAX_URL_CHARS: usize = 2_000;
/// A request body larger than this is refused before it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A ticket whose fields passed validation, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTicket {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub incident_id: Option<String>,
}

/// Reads a `POST /api/tickets` body: JSON shape first, then each field's meaning. The first problem in
/// form order is returned, naming its field, so the widget can put the message next to that field.
pub fn parse(body: &[u8]) -> Result<ValidTicket, ApiError> {
    check_body_size(body.len())?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::new(400, "invalid_json", format!("The body is not valid JSON: {error}")))?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::new(400, "invalid_body", "The body must be a JSON object of ticket fields."));
    };
    // serde's own messages do not say which key held a number where a string belongs, so the shape is
    // checked key by key; null counts as absent.
    fields.retain(|_, value| !value.is_null());
    for (key, value) in &fields {
        if !NewTicket::FIELDS.contains(&key.as_str()) {
            return Err(ApiError::for_field(
                400,
                "unknown_field",
                key,
                format!("`{key}` is not a ticket field; send {}.", NewTicket::FIELDS.join(", ")),
            ));
        }
        if !value.is_string() {
            return Err(ApiError::for_field(400, "invalid_type", key, format!("`{key}` must be a string.")));
        }
    }
    let ticket: NewTicket = serde_json::from_value(Value::Object(fields))
        .map_err(|error| ApiError::new(400, "invalid_body", format!("The ticket could not be read: {error}")))?;
    validate(ticket)
}

/// Refuses bodies over [`MAX_BODY_BYTES`], whether measured or declared in `Content-Length`.
pub fn check_body_size(bytes: usize) -> Result<(), ApiError> {
    if bytes > MAX_BODY_BYTES {
        return Err(ApiError::new(
            413,
            "body_too_large",
            format!("The request body is {bytes} bytes; the limit is {MAX_BODY_BYTES}. Shorten the message."),
        ));
    }
    Ok(())
}

pub fn validate(ticket: NewTicket) -> Result<ValidTicket, ApiError> {
    let name = required("name", &ticket.name, MAX_NAME_CHARS, "Tell us your name.")?;
    let email = required("email", &ticket.email, MAX_EMAIL_CHARS, "Enter the email address we should reply to.")?;
    if !looks_like_email(&email) {
        return Err(ApiError::for_field(
            400,
            "invalid_email",
            "email",
            "Enter an email address like name@example.com.",
        ));
    }
    let subject = required("subject", &ticket.subject, MAX_SUBJECT_CHARS, "Add a short subject.")?;
    let message = required("message", &ticket.message, MAX_MESSAGE_CHARS, "Describe what happened.")?;
    let page_url = optional("page_url", ticket.page_url, MAX_URL_CHARS)?;
    let locale = optional("locale", ticket.locale, 35)?;
    let incident_id = optional("incident_id", ticket.incident_id, 64)?;
    if let Some(id) = &incident_id
        && !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::for_field(400, "invalid_value", "incident_id", "`incident_id` must be a notice id."));
    }
    Ok(ValidTicket { name, email, subject, message, page_url, locale, incident_id })
}

fn required(field: &str, value: &str, max_chars: usize, when_empty: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::for_field(400, "required", field, when_empty));
    }
    check_length(field, value, max_chars)?;
    Ok(value.to_owned())
}

fn optional(field: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => check_length(field, value, max_chars).map(|()| Some(value.to_owned())),
    }
}

/// Refuses a value longer than `max_chars` characters, saying how long it is.
pub(crate) fn check_length(field: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(ApiError::for_field(
            400,
            "too_long",
            field,
            format!("This is {chars} characters long; please keep it under {max_chars}."),
        ));
    }
    Ok(())
}

/// A deliberately plain check: one `@`, something before it, a dotted domain after it, no spaces.
/// Whether the mailbox exists only a reply can tell.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// Ticket numbers are `ED-XXXX-XXXX` in Crockford's base 32: no I, L, O or U, so a customer reading one
/// out over the phone cannot confuse letters with digits. 40 random bits make them unguessable.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn ticket_number(random: [u8; 5]) -> String {
    let bits = random.iter().fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
    let symbols: Vec<char> = (0..8).rev().map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char).collect();
    let (first, second) = symbols.split_at(4);
    format!("ED-{}-{}", first.iter().collect::<String>(), second.iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&json).unwrap()
    }

    fn good() -> serde_json::Value {
        serde_json::json!({
            "name": " Ada ", "email": "ada@example.com", "subject": "Export fails",
            "message": "The CSV export stops at 99 %.", "page_url": "https://app.acme.test/reports"
        })
    }

    #[test]
    fn a_complete_ticket_is_trimmed_and_accepted() {
        let ticket = parse(&body(good())).unwrap();
        assert_eq!(ticket.name, "Ada");
        assert_eq!(ticket.page_url.as_deref(), Some("https://app.acme.test/reports"));
        assert_eq!(ticket.locale, None);
    }

    fn error_for(json: serde_json::Value) -> ApiError {
        parse(&body(json)).unwrap_err()
    }

    #[test]
    fn missing_fields_are_named_in_form_order() {
        let error = error_for(serde_json::json!({}));
        assert_eq!((error.status, error.code.as_str(), error.field.as_deref()), (400, "required", Some("name")));
        let mut without_subject = good();
        without_subject["subject"] = "   ".into();
        assert_eq!(error_for(without_subject).field.as_deref(), Some("subject"));
    }

    #[test]
    fn bad_emails_are_refused() {
        for email in ["ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@example.com", "ada@.com"] {
            let mut ticket = good();
            ticket["email"] = email.into();
            let error = error_for(ticket);
            assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_email", Some("email")), "{email}");
        }
    }

    #[test]
    fn overlong_fields_say_how_long() {
        let mut ticket = good();
        ticket["subject"] = "x".repeat(MAX_SUBJECT_CHARS + 1).into();
        let error = error_for(ticket);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("too_long", Some("subject")));
        assert!(error.message.contains("201"), "{}", error.message);
    }

    #[test]
    fn malformed_bodies_get_specific_errors() {
        assert_eq!(parse(b"{not json").unwrap_err().code, "invalid_json");
        assert_eq!(parse(b"").unwrap_err().code, "invalid_json");
        assert_eq!(parse(b"[1,2]").unwrap_err().code, "invalid_body");
        let mut extra = good();
        extra["admin"] = true.into();
        let error = error_for(extra);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("unknown_field", Some("admin")));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse(&big).unwrap_err().status, 413);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let mut ticket = good();
        ticket["message"] = 42.into();
        let error = error_for(ticket);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_type", Some("message")));
    }

    #[test]
    fn ticket_numbers_use_unambiguous_symbols() {
        assert_eq!(ticket_number([0; 5]), "ED-0000-0000");
        assert_eq!(ticket_number([0xff; 5]), "ED-ZZZZ-ZZZZ");
        let number = ticket_number([0x12, 0x34, 0x56, 0x78, 0x9a]);
        assert_eq!(number.len(), 12);
        assert!(number[3..].chars().all(|c| c == '-' || CROCKFORD.contains(&(c as u8))));
        assert_ne!(number, ticket_number([0x12, 0x34, 0x56, 0x78, 0x9b]));
    }
}
