//! Where the customer is in the panel: the one thing every screen and the panel agree on, kept apart so
//! that screens need not know the panel that shows them.

use edgedesk_protocol::api::TicketAccepted;

/// Where the customer is in the panel.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Search,
    /// An article, by locale and slug, scrolled to a heading's anchor when given. `from_form` when it was
    /// suggested while writing: "Back" returns to the form.
    Article {
        locale: String,
        slug: String,
        anchor: Option<String>,
        from_form: bool,
    },
    Contact,
    Sent(TicketAccepted),
    MyTickets,
}
