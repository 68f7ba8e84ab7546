//! Generated answers on the wire: `POST /api/answers` and the server-sent events it answers with.
//!
//! An answer is a few sentences a model wrote from passages the worker chose; the sources shown under it
//! are those passages, named here by the worker, never by the model.

use serde::{Deserialize, Serialize};

use crate::api::{ApiError, check_query};
use crate::insights::{MAX_VISIT_CHARS, check_visit};

/// `POST /api/answers`: answer this question from the knowledge base.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnswerRequest {
    /// The customer's question, as typed.
    pub q: String,
    pub locale: Option<String>,
    pub product: Option<String>,
    /// The tab's visit id: answers are counted per visit.
    pub visit: Option<String>,
}

impl AnswerRequest {
    pub const FIELDS: [&str; 4] = ["q", "locale", "product", "visit"];
    pub const MAX_BYTES: usize = 2 * 1024;

    /// A question to answer and the visit asking it; both are needed.
    pub fn check(&self) -> Result<(&str, String), ApiError> {
        let question = self.q.trim();
        check_query("q", question)?;
        if question.is_empty() {
            return Err(ApiError::for_field(400, "missing_field", "q", "Ask a question to answer."));
        }
        let visit = check_visit(self.visit.clone())?.ok_or_else(|| {
            let message = format!("The tab's visit id (up to {MAX_VISIT_CHARS} characters) is needed for answers.");
            ApiError::for_field(400, "missing_field", "visit", message)
        })?;
        Ok((question, visit))
    }
}

/// A passage the answer was written from: the article and the section it opens at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSource {
    pub slug: String,
    pub locale: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
}

/// The events of an answer's stream (`text/event-stream`), in this order: `sources` once, `text` any
/// number of times (each a JSON string to append), then `done` or `fallback`, after which the stream ends.
pub mod event {
    /// `Vec<AnswerSource>`.
    pub const SOURCES: &str = "sources";
    /// A JSON string: the next piece of the answer.
    pub const TEXT: &str = "text";
    /// [`super::AnswerDone`].
    pub const DONE: &str = "done";
    /// [`super::AnswerFallback`]: the widget drops the card and the customer keeps the results.
    pub const FALLBACK: &str = "fallback";
}

/// The answer is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerDone {
    /// Whether it was served from the cache rather than written for this request.
    pub cached: bool,
}

/// Why the answer gave way to the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    /// The provider did not begin (or finish) within the site's timeout.
    Timeout,
    /// The provider could not be reached or refused.
    Unavailable,
    /// What the model wrote is not to be shown (it repeated its instructions).
    Withdrawn,
    /// The search found nothing good enough to answer from, so no model was asked.
    Unsure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerFallback {
    pub reason: FallbackReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(q: &str, visit: Option<&str>) -> AnswerRequest {
        AnswerRequest { q: q.into(), visit: visit.map(Into::into), ..AnswerRequest::default() }
    }

    #[test]
    fn a_question_needs_words_and_a_visit() {
        assert_eq!(
            request("  how do I export?  ", Some("visit-1234")).check().unwrap(),
            ("how do I export?", "visit-1234".into())
        );
        assert_eq!(request("   ", Some("visit-1234")).check().unwrap_err().field.as_deref(), Some("q"));
        assert_eq!(request("export", None).check().unwrap_err().field.as_deref(), Some("visit"));
        assert_eq!(request("export", Some("<script>")).check().unwrap_err().field.as_deref(), Some("visit"));
        let long = "word ".repeat(200);
        assert_eq!(request(&long, Some("visit-1234")).check().unwrap_err().code, "query_too_long");
    }

    #[test]
    fn fallback_reasons_keep_their_names() {
        let json = serde_json::to_string(&AnswerFallback { reason: FallbackReason::Timeout }).unwrap();
        assert_eq!(json, r#"{"reason":"timeout"}"#);
    }
}
