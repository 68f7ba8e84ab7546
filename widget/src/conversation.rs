//! A ticket as a conversation: what happened, every message in order with who wrote it and when, the
//! customer's answer (text and files), the rating once it is solved, and a new ticket once it is closed.
//!
//! Drawn with web-sys calls into the element My tickets gives it, as the first chunk draws: the same
//! view written with Leptos's `view!` cost 9 KB of the widget's 150 KB (brotli), this costs a third of
//! that. It lives in the screens' chunk with My tickets, which alone calls it.

use std::cell::RefCell;
use std::rc::Rc;

use edgedesk_protocol::api::{
    AttachmentUploaded, Author, ReplyAccepted, ThreadMessage, TicketLookup, TicketRating, TicketRead, TicketReply,
    TicketView,
};
use edgedesk_protocol::attachment::{MAX_ATTACHMENTS, MEDIA_TYPES};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::Settings;
use crate::api::{Failure, describe, encode};
use crate::dom::{append, append_text, button, clear, element, on, set, text_element};
use crate::form::{FormLink, Prefill, new_idempotency_key};
use crate::screen::Screen;
use crate::watch::Watched;
use crate::words::{ScreenWords, local_time};

/// Everything the conversation's handlers share.
struct Thread {
    settings: Settings,
    words: &'static ScreenWords,
    locale: String,
    /// `/api/tickets/{number}`.
    path: String,
    lookup: TicketLookup,
    /// Where the ticket's status is written, updated when a reply reopens it.
    status: HtmlElement,
    messages: HtmlElement,
    error: HtmlElement,
    /// The reply's files: `(name, id once uploaded)`.
    files: RefCell<Vec<(String, Option<String>)>>,
    /// Kept until the reply is accepted, so that sending again after a failure is the same reply.
    idempotency_key: RefCell<String>,
}

/// Draws ticket `number`'s conversation into `container`; `back` returns to the list.
pub fn show(
    container: &HtmlElement,
    settings: Settings,
    form: FormLink,
    screen: Watched<Screen>,
    number: String,
    lookup: TicketLookup,
    back: impl Fn() + 'static,
) {
    let words = settings.screen_words();
    let back_button = button("link back", words.back);
    on(&back_button, "click", move |_| back());
    append(container, &back_button);
    let title = text_element("h3", "screen-title", &number);
    set(&title, "tabindex", "-1");
    append(container, &title);
    let _ = title.focus();
    let body = element("div", "");
    append(container, &body);
    append(&body, &text_element("p", "notice", words.loading));
    let thread = Rc::new(Thread {
        locale: settings.locale(),
        path: format!("/api/tickets/{}", encode(&number)),
        settings,
        words,
        lookup,
        status: text_element("p", "ticket-status", ""),
        messages: element("ol", "conversation"),
        error: text_element("p", "field-error", ""),
        files: RefCell::new(Vec::new()),
        idempotency_key: RefCell::new(new_idempotency_key()),
    });
    set(&thread.error, "role", "alert");
    append(container, &thread.error);
    spawn_local(async move {
        let answer = thread.settings.api.post::<TicketView>(&format!("{}/view", thread.path), &thread.lookup).await;
        clear(&body);
        match answer {
            Ok(ticket) => {
                // Opening the conversation reads what it shows: the worker forgets those replies, the badge
                // follows. One that comes in meanwhile stays new.
                let read = TicketRead {
                    token: thread.lookup.token.clone(),
                    identity: thread.lookup.identity.clone(),
                    through: ticket.messages.iter().map(|message| message.id).max(),
                };
                draw(&thread, &body, ticket, form, screen);
                let read_path = format!("{}/read", thread.path);
                if thread.settings.api.post_no_content(&read_path, &read).await.is_ok() {
                    thread.settings.events.emit("ticketRead", &[("number", &number)]);
                }
            }
            Err(Failure::Refused(error)) if error.status == 404 || error.code == "invalid_token" => {
                append(&body, &text_element("p", "notice", words.not_found));
            }
            Err(failure) => append(&body, &text_element("p", "notice", &describe(&failure, words))),
        }
    });
}

fn draw(thread: &Rc<Thread>, body: &HtmlElement, ticket: TicketView, form: FormLink, screen: Watched<Screen>) {
    let words = thread.words;
    append(body, &text_element("p", "my-ticket-subject", &ticket.subject));
    append_text(&thread.status, words.status(ticket.status));
    append(body, &thread.status);
    if let Some(until) = &ticket.reply_until {
        let line = text_element("p", "ticket-expected", words.reply_until);
        append(&line, &text_element("time", "", &local_time(until, &thread.locale)));
        append(body, &line);
    }
    let events = element("ol", "ticket-events");
    for event in &ticket.events {
        let item = text_element("li", "", &local_time(&event.at, &thread.locale));
        append_text(&item, &format!(" {}", words.status(event.status)));
        if let Some(message) = &event.message {
            append(&item, &text_element("span", "ticket-event-message", &format!(" — {message}")));
        }
        append(&events, &item);
    }
    append(body, &events);
    for message in &ticket.messages {
        append(&thread.messages, &message_item(thread, message));
    }
    append(body, &thread.messages);
    if ticket.rating.is_some() {
        append(body, &text_element("p", "rating-thanks", words.rated_thanks));
    } else if ticket.can_rate {
        append(body, &rating(thread));
    }
    if ticket.can_reply {
        append(body, &reply_form(thread));
    } else {
        append(body, &text_element("p", "notice", &words.closed_follow_up.replace("{number}", &ticket.number)));
        let new_ticket = button("secondary new-ticket", words.new_ticket);
        let subject = words.follow_up_subject.replace("{number}", &ticket.number);
        on(&new_ticket, "click", move |_| {
            form.prefill(Prefill { subject: Some(subject.clone()), ..Prefill::default() });
            screen.set(Screen::Contact);
        });
        append(body, &new_ticket);
    }
}

/// One message: who wrote it and when, its text (as text), its files, and whether it is on its way.
fn message_item(thread: &Thread, message: &ThreadMessage) -> HtmlElement {
    let words = thread.words;
    let (class, who) = match (message.author, &message.name) {
        (Author::Customer, _) => ("message from-customer", words.you),
        (Author::Agent, Some(name)) => ("message from-agent", name.as_str()),
        (Author::Agent, None) => ("message from-agent", words.support_team),
    };
    let item = element("li", class);
    if message.unread {
        set(&item, "data-unread", "true");
    }
    let head = element("p", "message-head");
    append(&head, &text_element("strong", "", who));
    append_text(&head, " ");
    let time = text_element("time", "", &local_time(&message.at, &thread.locale));
    set(&time, "datetime", &message.at);
    append(&head, &time);
    append(&item, &head);
    append(&item, &text_element("p", "message-body", &message.body));
    if !message.attachments.is_empty() {
        let files = element("ul", "message-files");
        for file in &message.attachments {
            let item = element("li", "");
            // Only the worker's own signed links become links, never a scheme that could run script.
            if file.url.starts_with("https://") || file.url.starts_with("http://") {
                let link = text_element("a", "", &file.name);
                set(&link, "href", &file.url);
                set(&link, "download", &file.name);
                set(&link, "rel", "noopener");
                append(&item, &link);
            } else {
                append_text(&item, &file.name);
            }
            append(&files, &item);
        }
        append(&item, &files);
    }
    if !message.delivered {
        append(&item, &text_element("p", "message-pending", words.not_sent_yet));
    }
    item
}

/// A labelled text area.
fn text_area(parent: &HtmlElement, id: &str, label: &str, rows: &str, max_chars: usize) -> HtmlTextAreaElement {
    let label_element = text_element("label", "", label);
    set(&label_element, "for", id);
    append(parent, &label_element);
    let area = element("textarea", "");
    set(&area, "id", id);
    set(&area, "rows", rows);
    set(&area, "maxlength", &max_chars.to_string());
    append(parent, &area);
    area.unchecked_into()
}

/// Good or bad, with an optional comment, once.
fn rating(thread: &Rc<Thread>) -> HtmlElement {
    let words = thread.words;
    let group = element("div", "feedback");
    set(&group, "role", "group");
    set(&group, "aria-label", words.helpful);
    append(&group, &text_element("span", "", words.helpful));
    let comment = text_area(&group, "edgedesk-rating-comment", words.rating_comment, "2", 1_000);
    for (good, class, label) in [(true, "secondary rate-good", words.good), (false, "secondary rate-bad", words.bad)] {
        let choice = button(class, label);
        let (thread, rated_group, comment) = (Rc::clone(thread), group.clone(), comment.clone());
        on(&choice, "click", move |_| {
            let rating = TicketRating {
                token: thread.lookup.token.clone(),
                identity: thread.lookup.identity.clone(),
                rating: if good { "good" } else { "bad" }.into(),
                comment: Some(comment.value()).filter(|comment| !comment.trim().is_empty()),
            };
            let (thread, group) = (Rc::clone(&thread), rated_group.clone());
            spawn_local(async move {
                match thread.settings.api.post_no_content(&format!("{}/rating", thread.path), &rating).await {
                    Ok(()) => {
                        clear(&group);
                        let thanks = text_element("p", "rating-thanks", thread.words.rated_thanks);
                        set(&thanks, "role", "status");
                        append(&group, &thanks);
                    }
                    Err(failure) => fail(&thread, &failure),
                }
            });
        });
        append(&group, &choice);
    }
    group
}

/// The customer's answer: text and files, sent with a key that makes a second try the same reply.
fn reply_form(thread: &Rc<Thread>) -> HtmlElement {
    let words = thread.words;
    let form = element("form", "reply");
    let text = text_area(&form, "edgedesk-reply", words.your_reply, "3", edgedesk_protocol::ticket::MAX_MESSAGE_CHARS);
    set(&text, "name", "reply");
    let label = text_element("label", "", words.attachments);
    set(&label, "for", "edgedesk-reply-files");
    append(&form, &label);
    let picker = element("input", "");
    for (name, value) in
        [("id", "edgedesk-reply-files"), ("type", "file"), ("multiple", ""), ("accept", &MEDIA_TYPES.join(","))]
    {
        set(&picker, name, value);
    }
    append(&form, &picker);
    let file_list = element("ul", "message-files");
    append(&form, &file_list);
    let send = text_element("button", "", words.send);
    set(&send, "type", "submit");
    append(&form, &send);

    let redraw_files = {
        let (thread, file_list) = (Rc::clone(thread), file_list.clone());
        Rc::new(move || {
            clear(&file_list);
            for (name, id) in thread.files.borrow().iter() {
                let uploading =
                    if id.is_none() { format!("{name} — {}", thread.words.uploading) } else { name.clone() };
                append(&file_list, &text_element("li", "", &uploading));
            }
        })
    };
    {
        let thread = Rc::clone(thread);
        on(&picker, "change", move |event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<HtmlInputElement>().ok()) else {
                return;
            };
            let list = input.files();
            let files: Vec<web_sys::File> =
                list.map(|list| (0..list.length()).filter_map(|i| list.item(i)).collect()).unwrap_or_default();
            input.set_value("");
            for file in files {
                if thread.files.borrow().len() >= MAX_ATTACHMENTS {
                    break;
                }
                let name = file.name();
                thread.files.borrow_mut().push((name.clone(), None));
                redraw_files();
                let (thread, redraw_files) = (Rc::clone(&thread), Rc::clone(&redraw_files));
                spawn_local(async move {
                    let header = encode(&name);
                    let api = &thread.settings.api;
                    let uploaded =
                        api.upload::<AttachmentUploaded>("/api/attachments", &file, &[("X-Filename", &header)]).await;
                    {
                        let mut files = thread.files.borrow_mut();
                        let at = files.iter().position(|(known, id)| *known == name && id.is_none());
                        match (&uploaded, at) {
                            (Ok(uploaded), Some(at)) => files[at].1 = Some(uploaded.id.clone()),
                            (Err(_), Some(at)) => {
                                files.remove(at);
                            }
                            _ => {}
                        }
                    }
                    redraw_files();
                    if let Err(failure) = uploaded {
                        fail(&thread, &failure);
                    }
                });
            }
        });
    }
    let thread = Rc::clone(thread);
    let sending = Rc::new(std::cell::Cell::new(false));
    on(&form.clone(), "submit", move |event| {
        event.prevent_default();
        let files = thread.files.borrow().clone();
        if sending.get() || files.iter().any(|(_, id)| id.is_none()) {
            return;
        }
        let reply = TicketReply {
            token: thread.lookup.token.clone(),
            identity: thread.lookup.identity.clone(),
            body: text.value(),
            attachments: files.into_iter().filter_map(|(_, id)| id).collect(),
        };
        if reply.body.trim().is_empty() && reply.attachments.is_empty() {
            return;
        }
        sending.set(true);
        clear(&thread.error);
        send.set_text_content(Some(thread.words.sending));
        let (thread, text, send, sending, file_list) =
            (Rc::clone(&thread), text.clone(), send.clone(), Rc::clone(&sending), file_list.clone());
        spawn_local(async move {
            let key = thread.idempotency_key.borrow().clone();
            let path = format!("{}/replies", thread.path);
            match thread
                .settings
                .api
                .post_with_headers::<ReplyAccepted>(&path, &reply, &[("Idempotency-Key", &key)])
                .await
            {
                Ok(accepted) => {
                    append(&thread.messages, &message_item(&thread, &accepted.message));
                    thread.status.set_text_content(Some(thread.words.status(accepted.status)));
                    text.set_value("");
                    thread.files.borrow_mut().clear();
                    clear(&file_list);
                    *thread.idempotency_key.borrow_mut() = new_idempotency_key();
                }
                // The text stays, and the same key makes the next try the same reply; a key the worker
                // says was used for other words is replaced, so the next try can go.
                Err(failure) => {
                    if matches!(&failure, Failure::Refused(error) if error.code == "idempotency_key_reused") {
                        *thread.idempotency_key.borrow_mut() = new_idempotency_key();
                    }
                    fail(&thread, &failure);
                }
            }
            send.set_text_content(Some(thread.words.send));
            sending.set(false);
        });
    });
    form
}

fn fail(thread: &Thread, failure: &Failure) {
    thread.error.set_text_content(Some(&describe(failure, thread.words)));
}
