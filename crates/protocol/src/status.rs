//! Status notices as the API serves them (`GET /api/status`) and the widget shows them.

use serde::{Deserialize, Serialize};

use crate::time::parse_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Outage.
    Red,
    /// Degraded service or maintenance.
    Yellow,
    /// Resolved, or news.
    Green,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Maintenance,
    Announcement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Scheduled,
    Live,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeUpdate {
    pub at: String,
    /// Markdown as written.
    pub text: String,
    /// `text` rendered safely.
    pub html: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub level: Level,
    pub kind: Kind,
    pub title: String,
    /// Markdown as written.
    #[serde(default)]
    pub body: String,
    /// `body` rendered safely.
    #[serde(default)]
    pub body_html: String,
    /// Products affected; none means all of them.
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: Option<String>,
    /// Newest first.
    #[serde(default)]
    pub updates: Vec<NoticeUpdate>,
    pub dismissible: bool,
    #[serde(default)]
    pub link: Option<String>,
    pub source: Source,
    pub updated_at: String,
    /// Grows with every change: a customer who dismissed the notice sees it again after an update.
    pub revision: u32,
}

/// `GET /api/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// Active notices, most severe first, then newest first.
    pub notices: Vec<Notice>,
}

impl Notice {
    /// Whether the notice is shown at `now` for `product` (`None`: any product).
    pub fn is_active(&self, now: i64, product: Option<&str>) -> bool {
        let started = parse_time(&self.starts_at).is_some_and(|starts| starts <= now);
        let not_ended = self.ends_at.as_deref().and_then(parse_time).is_none_or(|ends| now < ends);
        let for_product =
            product.is_none_or(|product| self.products.is_empty() || self.products.iter().any(|p| p == product));
        started && not_ended && for_product
    }
}
