//! What an agent reads in the helpdesk, written for each target's format so that nothing a customer
//! typed is ever read as markup there: plain text for Zendesk's comment body and the webhook, escaped
//! HTML for Freshdesk, `{noformat}` blocks of Jira wiki markup for JSM. What the worker verified (the
//! requester's email, the customer's id, priority) never travels in this free text: it goes in tags
//! (the helpdesk module's `tags`), where a customer cannot imitate it.

use edgedesk_search::text::escape_html;

use crate::accept::StoredTicket;

/// One part of a description: a customer's words, or what the widget reported about the visit.
struct Part {
    heading: &'static str,
    text: String,
}

/// What the agent reads, in order: the message, what the customer already tried, and the visit's context
/// (each line labelled; all of it as the client sent it, none of it verified).
fn parts(ticket: &StoredTicket) -> Vec<Part> {
    let mut parts = vec![Part { heading: "Message", text: ticket.message.clone() }];
    if let Some(steps) = &ticket.steps_tried {
        parts.push(Part { heading: "Already tried", text: steps.clone() });
    }
    let context = &ticket.context;
    let mut lines =
        vec![format!("Ticket {} · topic {} · urgency {}", ticket.number, ticket.topic, ticket.urgency.name())];
    if !ticket.email_verified() {
        lines.push(format!("Email {} was typed by the customer and is not verified", ticket.email));
    }
    for (label, value) in [
        ("Product", &context.product),
        ("Page", &context.page_url),
        ("Came from", &context.referrer),
        ("App version", &context.app_version),
        ("Locale", &context.locale),
        ("Browser", &context.user_agent),
        ("During incident", &context.incident_id),
    ] {
        if let Some(value) = value {
            lines.push(format!("{label}: {value}"));
        }
    }
    if !context.articles_read.is_empty() {
        lines.push(format!("Read: {}", context.articles_read.join(", ")));
    }
    if !context.searches.is_empty() {
        lines.push(format!("Searched: {}", context.searches.join(" | ")));
    }
    for attachment in &ticket.attachments {
        lines.push(format!("Attachment: {} ({}) {}", attachment.name, attachment.media_type, attachment.url));
    }
    parts.push(Part { heading: "Context (reported by the widget)", text: lines.join("\n") });
    parts
}

/// Plain text, for Zendesk's `comment.body` (which Zendesk shows as text, never as markup) and for the
/// webhook's readers.
pub fn plain(ticket: &StoredTicket) -> String {
    let parts = parts(ticket);
    let mut text = parts[0].text.clone();
    for part in &parts[1..] {
        text.push_str(&format!("\n\n--- {} ---\n{}", part.heading, part.text));
    }
    text
}

/// HTML, for Freshdesk's `description`: every character the customer typed is escaped, so an
/// `<img onerror>` arrives as the text it is; line breaks become `<br>`.
pub fn html(ticket: &StoredTicket) -> String {
    let mut html = String::new();
    for (index, part) in parts(ticket).iter().enumerate() {
        if index > 0 {
            html.push_str("<p><b>");
            escape_html(part.heading, &mut html);
            html.push_str("</b></p>");
        }
        html.push_str("<div>");
        for (line_number, line) in part.text.split('\n').enumerate() {
            if line_number > 0 {
                html.push_str("<br>");
            }
            escape_html(line, &mut html);
        }
        html.push_str("</div>");
    }
    html
}

/// Jira wiki markup, for JSM's `description`: each text inside a `{noformat}` block, where Jira renders
/// nothing (no links, images, macros or formatting).
pub fn wiki(ticket: &StoredTicket) -> String {
    let mut wiki = String::new();
    for (index, part) in parts(ticket).iter().enumerate() {
        if index > 0 {
            wiki.push_str(&format!("\n*{}*\n", part.heading));
        }
        wiki.push_str(&format!("{{noformat}}\n{}\n{{noformat}}", unclosable(&part.text)));
    }
    wiki
}

/// `text` with a space after every `{`, so that no `{noformat}` (in any case or spelling) the customer
/// typed can close the block early; nothing else inside the block is read as markup.
fn unclosable(text: &str) -> String {
    text.replace('{', "{ ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::tests::ticket;

    fn hostile() -> StoredTicket {
        let mut ticket = ticket();
        ticket.message = "<img src=x onerror=alert(1)> [click|javascript:alert(1)] !http://x/p.png!\n\
                          {noformat}{html}<script>alert(2)</script>{html} {NoFormat}"
            .into();
        ticket.steps_tried = Some("Priority customer\nCustomer id: 42".into());
        ticket
    }

    #[test]
    fn html_keeps_every_customer_character_as_text() {
        let html = html(&hostile());
        assert!(!html.contains("<img") && !html.contains("<script"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
        // The only tags are the ones the description is built from.
        let tags: Vec<&str> = html.split('<').skip(1).map(|rest| rest.split(['>', ' ']).next().unwrap()).collect();
        assert!(tags.iter().all(|tag| ["div", "/div", "br", "p", "/p", "b", "/b"].contains(tag)), "{tags:?}");
        let mut escaped = String::new();
        escape_html(r#"a&b"c'd"#, &mut escaped);
        assert_eq!(escaped, "a&amp;b&quot;c&#39;d");
    }

    #[test]
    fn wiki_markup_keeps_customer_text_inside_blocks_it_cannot_close() {
        let wiki = wiki(&hostile());
        // Outside the {noformat} blocks there is only what the worker wrote: the headings.
        let outside: Vec<&str> = wiki.split("{noformat}").step_by(2).collect();
        assert_eq!(outside, ["", "\n*Already tried*\n", "\n*Context (reported by the widget)*\n", ""]);
        assert!(wiki.contains("{ noformat}{ html}<script>alert(2)</script>{ html} { NoFormat}"));
    }

    #[test]
    fn unverified_emails_are_said_to_be_so_and_verified_claims_are_not_in_the_text() {
        let text = plain(&hostile());
        assert!(text.contains("Email ada@example.com was typed by the customer and is not verified"));
        let mut verified = hostile();
        verified.customer.insert("email".into(), "ada@example.com".into());
        assert!(!plain(&verified).contains("not verified"));
        // What the customer typed stays under its heading, after the message: never among the worker's lines.
        let context = text.split("--- Context").nth(1).unwrap();
        assert!(!context.contains("Priority customer"));
    }
}
