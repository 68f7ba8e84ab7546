//! What a ticket must contain, and the number the customer quotes.
//!
//! The same rules run in the widget (to point at a field before anything is sent) and in the worker (the
//! authority), so they can never disagree.

use crate::api::{ApiError, NewTicket, SignedIdentity, Urgency};
use crate::attachment::MAX_ATTACHMENTS;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_MESSAGE_CHARS: usize = 20_000;
pub const MAX_STEPS_CHARS: usize = 5_000;
pub const MAX_URL_CHARS: usize = 2_000;
/// Articles read and searches made, as context: the most recent ones are enough.
pub const MAX_CONTEXT_ITEMS: usize = 20;
/// One article slug or search in that context.
pub const MAX_CONTEXT_ITEM_CHARS: usize = 200;
/// The host app's version (`data-app-version`).
pub const MAX_APP_VERSION_CHARS: usize = 64;
/// A BCP 47 tag is rarely longer than a dozen characters; 35 covers every registered one.
pub const MAX_LOCALE_CHARS: usize = 35;
/// A notice id (`inc-…` or a scheduled notice's file name).
pub const MAX_INCIDENT_ID_CHARS: usize = 64;
/// Cloudflare documents Turnstile tokens as up to 2,048 characters.
pub const MAX_TURNSTILE_TOKEN_CHARS: usize = 2_048;
/// A request body larger than this is refused before it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// An `Idempotency-Key` is what the widget makes with `crypto.randomUUID()`, or similar.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;
/// Short keys collide and can be guessed: at least as long as 8 random bytes in hex.
pub const MIN_IDEMPOTENCY_KEY_CHARS: usize = 16;

/// A ticket whose fields passed validation, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTicket {
    pub name: String,
    pub email: String,
    pub topic: String,
    pub urgency: Urgency,
    pub subject: String,
    pub message: String,
    pub steps_tried: Option<String>,
    pub attachments: Vec<String>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub locale: Option<String>,
    pub app_version: Option<String>,
    pub incident_id: Option<String>,
    pub articles_read: Vec<String>,
    pub searches: Vec<String>,
    pub identity: Option<SignedIdentity>,
    pub turnstile: Option<String>,
    /// The host page's product (`data-product`), for the support lead's figures.
    pub product: Option<String>,
    /// The widget's visit id: which searches and reading led to this ticket, counted, not shown.
    pub visit: Option<String>,
}

/// Reads a `POST /api/tickets` body: JSON shape first, then each field's meaning. The first problem in
/// form order is returned, naming its field, so the widget can put the message next to that field.
/// `topics` are the support team's topic ids; the first is the default.
pub fn parse(body: &[u8], topics: &[&str]) -> Result<ValidTicket, ApiError> {
    let ticket: NewTicket = crate::api::parse_body(body, &NewTicket::FIELDS, MAX_BODY_BYTES, "ticket")?;
    validate(ticket, topics)
}

/// How many characters a ticket field the customer writes may hold, for the form to say so in the
/// customer's language when [`validate`] refuses one as `too_long`.
pub fn max_chars(field: &str) -> Option<usize> {
    match field {
        "name" => Some(MAX_NAME_CHARS),
        "email" => Some(MAX_EMAIL_CHARS),
        "subject" => Some(MAX_SUBJECT_CHARS),
        "message" => Some(MAX_MESSAGE_CHARS),
        "steps_tried" => Some(MAX_STEPS_CHARS),
        _ => None,
    }
}

/// Checks an `Idempotency-Key` header: the same key always means the same submission.
pub fn check_idempotency_key(key: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(key) = key.map(str::trim).filter(|key| !key.is_empty()) else { return Ok(None) };
    let printable = key.chars().all(|c| c.is_ascii_graphic());
    let length = key.chars().count();
    if !printable || !(MIN_IDEMPOTENCY_KEY_CHARS..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&length) {
        return Err(ApiError::for_field(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key",
            format!(
                "The Idempotency-Key header must be {MIN_IDEMPOTENCY_KEY_CHARS} to {MAX_IDEMPOTENCY_KEY_CHARS} \
                 printable ASCII characters, e.g. a random UUID."
            ),
        ));
    }
    Ok(Some(key.to_owned()))
}

pub fn validate(ticket: NewTicket, topics: &[&str]) -> Result<ValidTicket, ApiError> {
    // A field people cannot see was filled in: a form-filling robot.
    if !ticket.website.trim().is_empty() {
        return Err(ApiError::for_field(
            400,
            "rejected_as_spam",
            "website",
            "This looks like an automated submission. If you are a person, clear the hidden “website” field or write to us by email.",
        ));
    }
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
    let topic = match ticket.topic.trim() {
        "" => topics.first().map(|topic| topic.to_string()).unwrap_or_default(),
        topic if topics.is_empty() || topics.contains(&topic) => topic.to_owned(),
        other => {
            return Err(ApiError::for_field(
                400,
                "invalid_value",
                "topic",
                format!("{other:?} is not one of the topics: {}.", topics.join(", ")),
            ));
        }
    };
    let subject = required("subject", &ticket.subject, MAX_SUBJECT_CHARS, "Add a short subject.")?;
    let message = required("message", &ticket.message, MAX_MESSAGE_CHARS, "Describe what happened.")?;
    let steps_tried = optional("steps_tried", ticket.steps_tried, MAX_STEPS_CHARS)?;
    if ticket.attachments.len() > MAX_ATTACHMENTS {
        return Err(ApiError::for_field(
            400,
            "too_many_attachments",
            "attachments",
            format!("Attach at most {MAX_ATTACHMENTS} files."),
        ));
    }
    if let Some(bad) = ticket.attachments.iter().find(|id| !is_attachment_id(id)) {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "attachments",
            format!("{bad:?} is not an uploaded attachment."),
        ));
    }
    let page_url = optional("page_url", ticket.page_url, MAX_URL_CHARS)?;
    let referrer = optional("referrer", ticket.referrer, MAX_URL_CHARS)?;
    let locale = optional("locale", ticket.locale, MAX_LOCALE_CHARS)?;
    let app_version = optional("app_version", ticket.app_version, MAX_APP_VERSION_CHARS)?;
    let incident_id = optional("incident_id", ticket.incident_id, MAX_INCIDENT_ID_CHARS)?;
    if let Some(id) = &incident_id
        && !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::for_field(400, "invalid_value", "incident_id", "`incident_id` must be a notice id."));
    }
    let articles_read = context_list("articles_read", ticket.articles_read)?;
    let searches = context_list("searches", ticket.searches)?;
    Ok(ValidTicket {
        name,
        email,
        topic,
        urgency: ticket.urgency.unwrap_or(Urgency::Normal),
        subject,
        message,
        steps_tried,
        attachments: ticket.attachments,
        page_url,
        referrer,
        locale,
        app_version,
        incident_id,
        articles_read,
        searches,
        identity: ticket.identity,
        turnstile: optional("turnstile", ticket.turnstile, MAX_TURNSTILE_TOKEN_CHARS)?,
        product: crate::insights::product_name(ticket.product),
        visit: crate::insights::visit_id(ticket.visit),
    })
}

fn context_list(field: &str, items: Vec<String>) -> Result<Vec<String>, ApiError> {
    if items.len() > MAX_CONTEXT_ITEMS {
        return Err(ApiError::for_field(400, "too_long", field, format!("Send at most {MAX_CONTEXT_ITEMS} {field}.")));
    }
    items
        .into_iter()
        .map(|item| {
            let item = without_controls(&item);
            check_length(field, &item, MAX_CONTEXT_ITEM_CHARS)?;
            Ok(item.trim().to_owned())
        })
        .filter(|item| item.as_ref().map_or(true, |item: &String| !item.is_empty()))
        .collect()
}

/// Attachment ids as the upload endpoint makes them: `att-` and 16 lowercase hex digits.
pub fn is_attachment_id(id: &str) -> bool {
    id.strip_prefix("att-")
        .is_some_and(|rest| rest.len() == 16 && rest.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()))
}

/// `text` without C0 and C1 control characters (a terminal reading `edgedesk tickets list` would obey
/// them), keeping line breaks and tabs; Windows line ends become `\n`.
pub fn without_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.replace("\r\n", "\n").chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect(),
    )
}

fn required(field: &str, value: &str, max_chars: usize, when_empty: &str) -> Result<String, ApiError> {
    let value = without_controls(value);
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::for_field(400, "required", field, when_empty));
    }
    check_length(field, value, max_chars)?;
    Ok(value.to_owned())
}

pub fn optional(field: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    let value = value.as_deref().map(without_controls);
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => check_length(field, value, max_chars).map(|()| Some(value.to_owned())),
    }
}

/// Refuses a value longer than `max_chars` characters, saying how long it is.
pub fn check_length(field: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
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

/// Whether `text` is a ticket number as [`ticket_number`] makes them (upper case).
pub fn is_ticket_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 12
        && text.starts_with("ED-")
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| matches!(index, 0..=2 | 7) || CROCKFORD.contains(byte))
}

/// A view token ([`crate::api::TicketAccepted::view_token`]) from 10 random bytes: 16 symbols of the
/// same alphabet as ticket numbers, in groups of four, so a customer can copy it by hand.
pub fn view_token(random: [u8; 10]) -> String {
    let bits = random.iter().fold(0u128, |acc, &byte| (acc << 8) | u128::from(byte));
    let symbols: Vec<char> = (0..16).rev().map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char).collect();
    symbols.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A view token as typed (any case, with or without dashes or spaces) in the form [`view_token`] makes;
/// `None` when it cannot be one.
pub fn normalize_view_token(typed: &str) -> Option<String> {
    let symbols: String =
        typed.chars().filter(|c| !matches!(c, '-' | ' ')).map(|c| c.to_ascii_uppercase()).take(17).collect();
    let valid = symbols.len() == 16 && symbols.bytes().all(|byte| CROCKFORD.contains(&byte));
    valid
        .then(|| symbols.as_bytes().chunks(4).map(|group| String::from_utf8_lossy(group)).collect::<Vec<_>>().join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_tokens_are_sixteen_symbols_in_fours_and_read_back_however_typed() {
        let token = view_token([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(token.len(), 19);
        assert_eq!(token.split('-').count(), 4);
        assert_ne!(token, view_token([0; 10]));
        assert_eq!(normalize_view_token(&token).as_deref(), Some(token.as_str()));
        let typed = token.to_lowercase().replace('-', " ");
        assert_eq!(normalize_view_token(&typed).as_deref(), Some(token.as_str()));
        assert_eq!(normalize_view_token(&token.replace('-', "")).as_deref(), Some(token.as_str()));
        assert_eq!(normalize_view_token("ABCD-EFGH-JKMN-PQR"), None, "too short");
        assert_eq!(normalize_view_token("ABCD-EFGH-JKMN-PQRSU"), None, "too long");
        assert_eq!(normalize_view_token("ABCD-EFGH-JKMN-PQRI"), None, "I is not in the alphabet");
        assert_eq!(normalize_view_token(""), None);
    }

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
        let ticket = parse(&body(good()), &[]).unwrap();
        assert_eq!(ticket.name, "Ada");
        assert_eq!(ticket.page_url.as_deref(), Some("https://app.acme.test/reports"));
        assert_eq!(ticket.locale, None);
    }

    fn error_for(json: serde_json::Value) -> ApiError {
        parse(&body(json), &["billing", "question"]).unwrap_err()
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
    fn max_chars_is_the_limit_validate_applies() {
        for field in ["name", "email", "subject", "message", "steps_tried"] {
            let max = max_chars(field).unwrap();
            // An email of `max` characters that still looks like one.
            let text = |chars: usize| match field {
                "email" => format!("{}@example.com", "a".repeat(chars - "@example.com".len())),
                _ => "x".repeat(chars),
            };
            let mut at_limit = good();
            at_limit[field] = text(max).into();
            assert!(parse(&body(at_limit), &[]).is_ok(), "{field} at {max}");
            let mut over = good();
            over[field] = text(max + 1).into();
            let error = error_for(over);
            assert_eq!((error.code.as_str(), error.field.as_deref()), ("too_long", Some(field)), "{field}");
        }
        assert_eq!(max_chars("topic"), None);
    }

    #[test]
    fn malformed_bodies_get_specific_errors() {
        assert_eq!(parse(b"{not json", &[]).unwrap_err().code, "invalid_json");
        assert_eq!(parse(b"", &[]).unwrap_err().code, "invalid_json");
        assert_eq!(parse(b"[1,2]", &[]).unwrap_err().code, "invalid_body");
        let mut extra = good();
        extra["admin"] = true.into();
        let error = error_for(extra);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("unknown_field", Some("admin")));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse(&big, &[]).unwrap_err().status, 413);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let mut ticket = good();
        ticket["message"] = 42.into();
        let error = error_for(ticket);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_value", Some("message")));
        let mut ticket = good();
        ticket["urgency"] = "whenever".into();
        assert_eq!(error_for(ticket).field.as_deref(), Some("urgency"));
    }

    #[test]
    fn topics_default_to_the_first_and_must_be_known() {
        let mut ticket = good();
        assert_eq!(parse(&body(ticket.clone()), &["billing", "question"]).unwrap().topic, "billing");
        ticket["topic"] = "question".into();
        assert_eq!(parse(&body(ticket.clone()), &["billing", "question"]).unwrap().topic, "question");
        ticket["topic"] = "gossip".into();
        assert_eq!(error_for(ticket).field.as_deref(), Some("topic"));
    }

    #[test]
    fn context_and_attachments_are_bounded() {
        let mut ticket = good();
        ticket["attachments"] = serde_json::json!([
            "att-0123456789abcdef",
            "att-0123456789abcde0",
            "att-0123456789abcde1",
            "att-0123456789abcde2"
        ]);
        assert_eq!(error_for(ticket.clone()).code, "too_many_attachments");
        ticket["attachments"] = serde_json::json!(["../../secrets"]);
        assert_eq!(error_for(ticket.clone()).field.as_deref(), Some("attachments"));
        ticket["attachments"] = serde_json::json!(["att-0123456789abcdef"]);
        ticket["searches"] = serde_json::json!(["reset password", "  "]);
        ticket["urgency"] = "critical".into();
        let valid = parse(&body(ticket), &[]).unwrap();
        assert_eq!(valid.searches, ["reset password"]);
        assert_eq!(valid.urgency, Urgency::Critical);
    }

    #[test]
    fn the_honeypot_catches_robots_with_a_reason() {
        let mut ticket = good();
        ticket["website"] = "http://spam.example".into();
        let error = error_for(ticket);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("rejected_as_spam", Some("website")));
    }

    #[test]
    fn idempotency_keys_are_checked() {
        let uuid = "3f2b9c1e-7a4d-4e2b-9f0a-5c6d7e8f9a0b";
        assert_eq!(check_idempotency_key(Some(&format!(" {uuid} "))).unwrap().as_deref(), Some(uuid));
        assert!(check_idempotency_key(Some("3f2b-9c")).is_err(), "a short key is guessable");
        assert_eq!(check_idempotency_key(None).unwrap(), None);
        assert!(check_idempotency_key(Some("with space")).is_err());
        assert!(check_idempotency_key(Some(&"k".repeat(101))).is_err());
    }

    #[test]
    fn control_characters_never_reach_a_terminal() {
        let mut body = good();
        body["subject"] = "Export\u{1b}[2J fails\u{7}".into();
        body["message"] = "line one\r\nline two\tindented\u{9b}31m\u{0}".into();
        body["searches"] = serde_json::json!(["export\u{8}\u{8}"]);
        let ticket = parse(&self::body(body), &[]).unwrap();
        assert_eq!(ticket.subject, "Export[2J fails");
        assert_eq!(ticket.message, "line one\nline two\tindented31m");
        assert_eq!(ticket.searches, ["export"]);
        assert!(matches!(without_controls("plain\ntext"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn ticket_numbers_use_unambiguous_symbols() {
        assert!(is_ticket_number(&ticket_number([7, 1, 2, 250, 9])));
        for not_one in ["ED-AB12-CD3", "ED-AB12_CD34", "ED-ABI2-CD34", "ed-ab12-cd34", "XX-AB12-CD34", "ED-AB12-CD34 "]
        {
            assert!(!is_ticket_number(not_one), "{not_one}");
        }
        assert_eq!(ticket_number([0; 5]), "ED-0000-0000");
        assert_eq!(ticket_number([0xff; 5]), "ED-ZZZZ-ZZZZ");
        let number = ticket_number([0x12, 0x34, 0x56, 0x78, 0x9a]);
        assert_eq!(number.len(), 12);
        assert!(number[3..].chars().all(|c| c == '-' || CROCKFORD.contains(&(c as u8))));
        assert_ne!(number, ticket_number([0x12, 0x34, 0x56, 0x78, 0x9b]));
    }
}
