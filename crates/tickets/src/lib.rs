//! Tickets from acceptance to the helpdesk: the support team's hours and reply times, the record that is
//! stored and delivered, the acknowledgement the customer reads, the requests each helpdesk expects and
//! what its answers mean, signatures, attachments, and what happens after (progress, ratings).
//!
//! What a ticket must contain is in `edgedesk-protocol`, because the widget checks it too.

pub mod accept;
pub mod agent_files;
pub mod attachment;
pub mod conversation;
pub mod description;
pub mod helpdesk;
pub mod inbound;
pub mod lifecycle;
pub mod signing;
pub mod support;
pub mod turnstile;
