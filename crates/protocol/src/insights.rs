//! What the widget tells the worker about a visit (`POST /api/events`), and the cleaning every event,
//! vote and ticket gets for the product and visit it names.

use serde::{Deserialize, Serialize};

use crate::api::ApiError;

/// The longest product name and visit id accepted.
pub const MAX_PRODUCT_CHARS: usize = 64;
pub const MAX_VISIT_CHARS: usize = 64;
pub const MIN_VISIT_CHARS: usize = 8;

/// What the widget reports on its own (`POST /api/events`); votes and deflections arrive through their
/// endpoints and are stored as events of the same table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A query the customer settled on; the value is how many articles it found.
    Search,
    ArticleView,
    /// A vote on an article; the value is 1 for helpful, 0 for not.
    Feedback,
    /// A suggested article opened while writing a ticket that was then not sent.
    Deflection,
    /// A written answer streamed complete (recorded by the worker); the subject is its first source.
    AnswerShown,
    /// A settled search, on a site that writes answers, that asked a question no article covers well
    /// enough to answer (recorded by the worker): the gaps report lists it.
    AnswerUnsure,
    /// "Did this answer your question?": `results` is 1 for yes, 0 for no; `slug` is the answer's first
    /// source.
    AnswerFeedback,
    /// "Contact support" from a written answer; `slug` is its first source.
    AnswerContact,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Search => "search",
            EventKind::ArticleView => "article_view",
            EventKind::Feedback => "feedback",
            EventKind::Deflection => "deflection",
            EventKind::AnswerShown => "answer_shown",
            EventKind::AnswerUnsure => "answer_unsure",
            EventKind::AnswerFeedback => "answer_feedback",
            EventKind::AnswerContact => "answer_contact",
        }
    }
}

/// `POST /api/events`: something the customer did in the widget. Every field may be missing so that
/// validation can name the one that is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewEvent {
    pub kind: Option<EventKind>,
    /// The tab's random visit id: ties searches and reading to a ticket filed in the same visit.
    pub visit: Option<String>,
    pub product: Option<String>,
    pub locale: Option<String>,
    /// For a search: what was searched.
    pub query: Option<String>,
    /// For a search: how many articles it found.
    pub results: Option<u32>,
    /// For an article view: which article.
    pub slug: Option<String>,
}

impl NewEvent {
    pub const FIELDS: [&str; 7] = ["kind", "visit", "product", "locale", "query", "results", "slug"];
    pub const MAX_BYTES: usize = 2 * 1024;
}

/// The product a customer's ticket, vote or event came from, as the host page named it (`data-product`):
/// trimmed, without control characters and clipped to 64 characters. It is never a reason to refuse
/// what the customer sent, since the customer can neither see nor change it.
pub fn product_name(product: Option<String>) -> Option<String> {
    let product: String = product?.chars().filter(|c| !c.is_control()).collect();
    let product: String = product.trim().chars().take(MAX_PRODUCT_CHARS).collect();
    Some(product.trim_end().to_owned()).filter(|product| !product.is_empty())
}

/// A visit id on a ticket, vote or deflection: kept when well formed, else left out, for the same reason.
pub fn visit_id(visit: Option<String>) -> Option<String> {
    check_visit(visit).ok().flatten()
}

/// A visit id the widget made up for its tab: letters, digits, dashes and underscores.
pub fn check_visit(visit: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(visit) = visit.filter(|visit| !visit.is_empty()) else { return Ok(None) };
    let well_formed = (MIN_VISIT_CHARS..=MAX_VISIT_CHARS).contains(&visit.len())
        && visit.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "visit",
            format!("A visit id is {MIN_VISIT_CHARS} to {MAX_VISIT_CHARS} letters, digits, dashes or underscores."),
        ));
    }
    Ok(Some(visit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_keep_their_names_on_the_wire_and_in_d1() {
        for kind in [
            EventKind::Search,
            EventKind::ArticleView,
            EventKind::Feedback,
            EventKind::Deflection,
            EventKind::AnswerShown,
            EventKind::AnswerUnsure,
            EventKind::AnswerFeedback,
            EventKind::AnswerContact,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }
}
