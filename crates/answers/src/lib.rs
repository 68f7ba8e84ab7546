//! Answers, not only links: a few sentences a model writes from the passages the worker's own search
//! chose, with those passages as the sources. Everything here is a decision or a format; the worker does
//! the I/O (the provider call, D1 for the cache and the counts).
//!
//! The model is trusted with nothing: whether to answer at all is decided from retrieval before any call
//! ([`grounding`]), the sources are the chosen passages and not the model's claims, the question and the
//! passages reach it as quoted data ([`prompt`]), what leaves the worker is masked ([`mask`]), and what it
//! writes is checked for its instructions before the customer sees it ([`guard`]); the widget shows it as
//! text.

pub mod cache;
pub mod config;
pub mod grounding;
pub mod guard;
pub mod mask;
pub mod prompt;
pub mod provider;
pub mod quota;
pub mod stream;

pub use config::AnswersConfig;
