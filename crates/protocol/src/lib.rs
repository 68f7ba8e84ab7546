//! The wire protocol: the JSON the worker speaks and the widget and CLI read, and the checks both sides
//! of the wire run on it (a ticket's fields, identifiers, limits), so they can never disagree.
//!
//! The widget depends on this crate and on no other edgedesk crate: nothing here compiles Markdown,
//! stems words, ranks articles or renders reports.

pub mod answers;
pub mod api;
pub mod attachment;
pub mod insights;
pub mod status;
pub mod ticket;
pub mod time;
