//! The JSON the worker speaks and the widget and CLI read: one definition for every side of the wire.

use serde::{Deserialize, Serialize};

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Articles in the search index this isolate loaded; 0 means the knowledge base was not built.
    pub articles: usize,
}

/// One search result, best first in [`SearchResponse::hits`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub section: String,
    /// The Markdown file this article came from, relative to the content directory.
    pub source: String,
    /// Plain text (not HTML): the article's summary, for the result list.
    pub snippet: String,
    pub score: f32,
}

/// `GET /api/search?q=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    pub query: String,
    pub hits: Vec<SearchHit>,
}

/// The body of `POST /api/tickets`. Every field defaults to empty so that a missing field is reported
/// by validation as "required", naming the field, rather than as an opaque parse error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTicket {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    /// The host page the customer was on; context for the support operator.
    pub page_url: Option<String>,
    pub locale: Option<String>,
}

impl NewTicket {
    /// Every key a ticket body may carry, in form order.
    pub const FIELDS: [&str; 6] = ["name", "email", "subject", "message", "page_url", "locale"];
}

/// The 202 answer to `POST /api/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAccepted {
    /// The human-friendly number the customer quotes, e.g. `ED-4K7M-X2QP`.
    pub number: String,
    pub status: String,
    /// A sentence the widget can show as is.
    pub message: String,
}

/// Every 4xx answer: `{ "error": { "code", "message", "field" } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

/// A client-facing error: a stable machine `code`, a sentence for people, and the offending field when
/// there is one. The HTTP status travels beside it, not inside the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into(), field: None }
    }

    pub fn for_field(status: u16, code: &str, field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), ..Self::new(status, code, message) }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} does not exist"))
    }

    pub fn into_body(self) -> ErrorBody {
        ErrorBody { error: self }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code, field, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_code_message_and_field_but_not_status() {
        let body = ApiError::for_field(400, "invalid_email", "email", "Enter an email address").into_body();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid_email", "message": "Enter an email address", "field": "email"}})
        );
    }

    #[test]
    fn error_without_field_omits_it() {
        let json = serde_json::to_string(&ApiError::not_found("/api/nope").into_body()).unwrap();
        assert_eq!(json, r#"{"error":{"code":"not_found","message":"/api/nope does not exist"}}"#);
    }
}
