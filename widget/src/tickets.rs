//! "My tickets": the tickets sent from this browser, and any other found by number and access code (the
//! view token the worker answered with), each with where it stands and how many replies are new; opened,
//! a ticket is a conversation the customer answers in, with files, rates once it is solved, and follows
//! up with a new ticket once it is closed. A customer the product vouches for sees their tickets from
//! every device.

use std::cell::RefCell;
use std::rc::Rc;

use edgedesk_protocol::api::{MyTickets, MyTicketsRequest, TicketLookup, TicketView};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlElement, HtmlInputElement};

use crate::api::describe;
use crate::api::{Failure, encode};
use crate::dom::{append, button, clear, element, on, set, text_element};
use crate::form::FormLink;
use crate::json::{Fields, FromJson};
use crate::screen::Screen;
use crate::watch::Watched;
use crate::words::{ScreenWords, local_time, plural};
use crate::{Settings, storage};

const TICKETS_KEY: &str = "edgedesk-tickets";
/// Each remembered ticket is asked about when "My tickets" opens, so the list stays short; the oldest
/// are forgotten first, and can still be found by number and access code.
const MAX_REMEMBERED: usize = 20;

/// A ticket sent from this browser, as remembered in localStorage.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct FiledTicket {
    number: String,
    /// The view token; empty for tickets known only through a signed identity (and for those remembered
    /// before tokens, which then need one).
    token: String,
    subject: String,
    /// RFC 3339, as the browser's clock said when the worker accepted it.
    created: String,
}

impl FromJson for FiledTicket {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            number: fields.required("number")?,
            token: fields.or_default("token")?,
            subject: fields.required("subject")?,
            created: fields.required("created")?,
        })
    }
}

fn filed_tickets() -> Vec<FiledTicket> {
    storage::read(storage::local(), TICKETS_KEY).unwrap_or_default()
}

/// Remembers a ticket the worker accepted, newest first.
pub fn remember(number: &str, token: &str, subject: &str) {
    let mut tickets = filed_tickets();
    tickets.retain(|ticket| ticket.number != number);
    let created = String::from(js_sys::Date::new_0().to_iso_string());
    tickets.insert(
        0,
        FiledTicket { number: number.to_owned(), token: token.to_owned(), subject: subject.to_owned(), created },
    );
    tickets.truncate(MAX_REMEMBERED);
    storage::write(storage::local(), TICKETS_KEY, &tickets);
}

/// Everything the list's handlers share.
struct List {
    settings: Settings,
    form: FormLink,
    screen: Watched<Screen>,
    words: &'static ScreenWords,
    locale: String,
    /// The list and the lookup, hidden while a conversation is open.
    screen_element: HtmlElement,
    /// The numbers listed so far, so that a ticket known two ways is listed once.
    listed: RefCell<Vec<String>>,
}

/// My tickets, drawn into `container` (with web-sys, as `conversation.rs` explains): the tickets sent
/// from this browser, then a signed-in customer's from other devices, and the lookup by number and code.
pub fn show(container: &HtmlElement, settings: Settings, form: FormLink, screen: Watched<Screen>) {
    let words = settings.screen_words();
    let screen_element = element("div", "screen my-tickets-screen");
    append(container, &screen_element);
    let back = button("link back", words.back);
    on(&back, "click", move |_| screen.set(Screen::Search));
    append(&screen_element, &back);
    let title = text_element("h3", "screen-title", words.my_tickets);
    set(&title, "tabindex", "-1");
    append(&screen_element, &title);
    let list_element = element("ul", "my-tickets");
    append(&screen_element, &list_element);
    let list = Rc::new(List {
        locale: settings.locale(),
        settings,
        form,
        screen,
        words,
        screen_element: screen_element.clone(),
        listed: RefCell::new(Vec::new()),
    });
    let filed = filed_tickets();
    if filed.is_empty() {
        append(&list_element, &text_element("p", "notice", words.no_tickets_yet));
    }
    for ticket in filed {
        let item = element("li", "");
        append(&item, &card(&list, ticket.number, ticket.token, Some(ticket.subject), Some(&ticket.created)));
        append(&list_element, &item);
    }
    // A customer the product vouches for also sees the tickets they sent from other devices.
    if let Some(identity) = list.settings.session.identity.get() {
        let (list, list_element) = (Rc::clone(&list), list_element.clone());
        spawn_local(async move {
            let request = MyTicketsRequest { identity: Some(identity) };
            if let Ok(mine) = list.settings.api.post::<MyTickets>("/api/tickets/mine", &request).await {
                for ticket in mine.tickets {
                    if !list.listed.borrow().contains(&ticket.number) {
                        let item = element("li", "");
                        let card =
                            card(&list, ticket.number, String::new(), Some(ticket.subject), Some(&ticket.created_at));
                        append(&item, &card);
                        append(&list_element, &item);
                    }
                }
            }
        });
    }
    append(&screen_element, &lookup_form(&list));
    let _ = title.focus();
}

/// Finding any ticket by its number and access code.
fn lookup_form(list: &Rc<List>) -> HtmlElement {
    let words = list.words;
    let form = element("form", "lookup");
    append(&form, &text_element("h4", "lookup-title", words.find_ticket));
    let mut inputs = Vec::new();
    for (id, label, placeholder) in [
        ("edgedesk-lookup-number", words.ticket_number, "ED-XXXX-XXXX"),
        ("edgedesk-lookup-code", words.access_code, "XXXX-XXXX-XXXX-XXXX"),
    ] {
        let label_element = text_element("label", "", label);
        set(&label_element, "for", id);
        append(&form, &label_element);
        let input = element("input", "");
        for (name, value) in [("id", id), ("required", ""), ("autocomplete", "off"), ("placeholder", placeholder)] {
            set(&input, name, value);
        }
        append(&form, &input);
        inputs.push(input.unchecked_into::<HtmlInputElement>());
    }
    let find = text_element("button", "secondary", words.find);
    set(&find, "type", "submit");
    append(&form, &find);
    let result = element("div", "lookup-result");
    set(&result, "aria-live", "polite");
    append(&form, &result);
    let list = Rc::clone(list);
    on(&form, "submit", move |event| {
        event.prevent_default();
        let number = inputs[0].value().trim().to_uppercase();
        let code = inputs[1].value().trim().to_owned();
        if !number.is_empty() && !code.is_empty() {
            clear(&result);
            append(&result, &card(&list, number, code, None, None));
        }
    });
    form
}

/// One ticket: where it stands, how many replies are new, and the way into its conversation.
fn card(list: &Rc<List>, number: String, token: String, subject: Option<String>, filed: Option<&str>) -> HtmlElement {
    let words = list.words;
    list.listed.borrow_mut().push(number.clone());
    let card = element("article", "my-ticket");
    set(&card, "data-number", &number);
    let head = element("p", "my-ticket-head");
    append(&head, &text_element("strong", "my-ticket-number", &number));
    if let Some(filed) = filed {
        append(&head, &text_element("span", "my-ticket-filed", &local_time(filed, &list.locale)));
    }
    append(&card, &head);
    let details = text_element("div", "", words.loading);
    append(&card, &details);
    let lookup = lookup_for(&list.settings, token);
    let (list, path) = (Rc::clone(list), format!("/api/tickets/{}/view", encode(&number)));
    spawn_local(async move {
        let answer = list.settings.api.post::<TicketView>(&path, &lookup).await;
        clear(&details);
        let ticket = match answer {
            Ok(ticket) => ticket,
            // A code that cannot be one (say, the email typed there) finds nothing either.
            Err(Failure::Refused(error)) if error.status == 404 || error.code == "invalid_token" => {
                return append(&details, &alert(words.not_found));
            }
            Err(failure) => return append(&details, &alert(&describe(&failure, words))),
        };
        append(&details, &text_element("p", "my-ticket-subject", &subject.unwrap_or(ticket.subject)));
        append(&details, &text_element("p", "ticket-status", words.status(ticket.status)));
        let unread = ticket.messages.iter().filter(|message| message.unread).count();
        if unread > 0 {
            append(&details, &text_element("p", "ticket-unread", &plural(&list.locale, unread, words.new_replies())));
        }
        let open = button("secondary open-conversation", words.open_conversation);
        on(&open, "click", move |_| open_conversation(&list, &number, &lookup));
        append(&details, &open);
    });
    card
}

fn alert(text: &str) -> HtmlElement {
    let notice = text_element("p", "notice", text);
    set(&notice, "role", "alert");
    notice
}

/// The list gives way to ticket `number`'s conversation until the customer goes back.
fn open_conversation(list: &Rc<List>, number: &str, lookup: &TicketLookup) {
    let holder = element("div", "screen conversation-screen");
    let Some(parent) = list.screen_element.parent_element() else { return };
    append(&parent, &holder);
    list.screen_element.set_hidden(true);
    let (screen_element, back_holder) = (list.screen_element.clone(), holder.clone());
    let back = move || {
        back_holder.remove();
        screen_element.set_hidden(false);
    };
    crate::conversation::show(
        &holder,
        list.settings.clone(),
        list.form,
        list.screen,
        number.to_owned(),
        lookup.clone(),
        back,
    );
}

/// How to open a ticket: in the body, never in a URL, where logs and browser history would keep it.
fn lookup_for(settings: &Settings, token: String) -> TicketLookup {
    match token.is_empty() {
        false => TicketLookup { token: Some(token), identity: None },
        true => TicketLookup { token: None, identity: settings.session.identity.get() },
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::json;

    #[wasm_bindgen_test]
    fn filed_tickets_read_back_as_written() {
        let filed = vec![FiledTicket {
            number: "ED-0000-0001".into(),
            token: "v".into(),
            subject: "S".into(),
            created: "2026-12-04T10:00:00Z".into(),
        }];
        assert_eq!(json::decode::<Vec<FiledTicket>>(&json::encode(&filed).unwrap()), Some(filed));
        // Remembered before view tokens: it needs one to be looked up, and is still listed.
        let older = json::decode::<Vec<FiledTicket>>(r#"[{"number":"ED-1","subject":"S","created":"c"}]"#).unwrap();
        assert_eq!(older[0].token, "");
    }
}
