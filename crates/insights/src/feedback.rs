//! What customers tell us without writing a ticket: whether an article helped, and what they searched
//! for without finding anything. Both feed the editors' work, so both are checked like any other input.

use serde::de::DeserializeOwned;

use edgedesk_protocol::api::{ApiError, ArticleFeedback, SearchGap};
use edgedesk_search::MAX_QUERY_CHARS;
use edgedesk_search::text;

/// Feedback bodies are a few dozen bytes; anything near this is not feedback.
pub const MAX_FEEDBACK_BYTES: usize = 2 * 1024;

fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    if body.len() > MAX_FEEDBACK_BYTES {
        return Err(ApiError::new(413, "body_too_large", format!("{what} is at most {MAX_FEEDBACK_BYTES} bytes.")));
    }
    serde_json::from_slice(body).map_err(|error| {
        let message = error.to_string();
        // serde names the offending key in backticks for unknown and missing fields.
        let field = message.split('`').nth(1).map(str::to_owned);
        let code = if error.is_syntax() || error.is_eof() { "invalid_json" } else { "invalid_body" };
        ApiError { field, ..ApiError::new(400, code, format!("{what} could not be read: {message}")) }
    })
}

pub fn parse_article_feedback(body: &[u8]) -> Result<ArticleFeedback, ApiError> {
    parse_json(body, "Article feedback")
}

/// Reads a search gap and reduces its query to the folded words, so that "Reset  Password?" and
/// "reset password" are counted as one gap.
pub fn parse_search_gap(body: &[u8]) -> Result<SearchGap, ApiError> {
    let gap: SearchGap = parse_json(body, "A search gap")?;
    let chars = gap.query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::for_field(
            400,
            "query_too_long",
            "query",
            format!("The query is {chars} characters; the limit is {MAX_QUERY_CHARS}."),
        ));
    }
    let query = text::terms(&gap.query).collect::<Vec<_>>().join(" ");
    if query.is_empty() {
        return Err(ApiError::for_field(400, "required", "query", "The query has no words."));
    }
    Ok(SearchGap { query, ..gap })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_folded_to_their_words() {
        let gap = parse_search_gap(br#"{"query": "  Reset   PASSWORD? ", "locale": "en"}"#).unwrap();
        assert_eq!(gap.query, "reset password");
        assert_eq!(gap.locale.as_deref(), Some("en"));
        assert_eq!(parse_search_gap(br#"{"query": "?!"}"#).unwrap_err().field.as_deref(), Some("query"));
        let long = format!(r#"{{"query": "{}"}}"#, "a".repeat(201));
        assert_eq!(parse_search_gap(long.as_bytes()).unwrap_err().code, "query_too_long");
    }

    #[test]
    fn feedback_needs_a_boolean() {
        assert!(parse_article_feedback(br#"{"helpful": true}"#).unwrap().helpful);
        let missing = parse_article_feedback(b"{}").unwrap_err();
        assert_eq!((missing.code.as_str(), missing.field.as_deref()), ("invalid_body", Some("helpful")));
        let extra = parse_article_feedback(br#"{"helpful": false, "stars": 5}"#).unwrap_err();
        assert_eq!(extra.field.as_deref(), Some("stars"));
        assert_eq!(parse_article_feedback(b"{").unwrap_err().code, "invalid_json");
        assert_eq!(parse_article_feedback(&[b' '; 3000]).unwrap_err().status, 413);
    }
}
