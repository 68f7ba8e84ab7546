//! edgedesk's logic, with no I/O and no platform types.
//!
//! Everything here compiles natively (CLI, tests) and to wasm (worker, widget), so the rules for what a
//! ticket must contain, how a query is ranked or which origin may call the API are written once.
//! The Markdown compiler sits behind the `compiler` feature because only the native CLI runs it.

pub mod admin;
pub mod api;
pub mod attachment;
pub mod context;
pub mod cors;
pub mod delivery;
pub mod feedback;
pub mod frame;
pub mod insights;
pub mod manifest;
pub mod random;
pub mod relevance;
#[cfg(feature = "markdown")]
pub mod safe_markdown;
pub mod search;
pub mod signing;
pub mod status;
pub mod support;
pub mod text;
pub mod thesaurus;
pub mod ticket;
mod ukrainian;

#[cfg(feature = "compiler")]
pub mod kb;
