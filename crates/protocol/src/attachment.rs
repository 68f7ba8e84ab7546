//! What customers may attach to a ticket: the limits the form shows and the worker enforces.

/// The header an upload carries its Turnstile token in, when the site has Turnstile on (a ticket
/// carries its own in the body).
pub const TURNSTILE_HEADER: &str = "X-Turnstile-Token";

pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 3;
/// What customers may attach: screenshots and PDFs.
pub const MEDIA_TYPES: [&str; 5] = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
