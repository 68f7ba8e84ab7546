//! The contact form and the ticket number it ends with. The form's state lives in [`FormState`]; this
//! is how it looks and what each control does.
//!
//! Drawn with web-sys calls, as My tickets and the conversation are, and kept current by effects on the
//! form's signals ([`follow`]): the same form written with Leptos's `view!` cost the screens' chunk
//! 18 KB brotli more (docs/benchmarks.md), which paid for the answer card's chunk several times over.

use std::cell::RefCell;
use std::rc::Rc;

use edgedesk_protocol::api::{ApiError, TicketAccepted, Urgency};
use js_sys::Reflect;
use leptos::prelude::{Get, GetUntracked, RwSignal, Set, Track, untrack};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;

use crate::Settings;
use crate::api::{Failure, describe};
use crate::dom::{append, append_text, button, clear, closest, element, next_frame, on, set, slot, text_element};
use crate::form::{ALWAYS_SHOWN, FormState, follow};
use crate::screen::Screen;
use crate::status::StatusState;
use crate::tickets;
use crate::turnstile;
use crate::watch::Watched;
use crate::words::ScreenWords;

/// A control of the form, with its label and the problem said under it.
struct Control {
    /// The ticket field it edits, as the API names it.
    name: &'static str,
    /// The widget's own label, when the site's form has none.
    own_label: &'static str,
    label: HtmlElement,
    input: HtmlElement,
    /// The control's own part of the form: its problem goes at the end of it.
    place: HtmlElement,
    problem: HtmlElement,
    /// What else describes the control (the attachments' limits), before its problem.
    hint: Option<&'static str>,
}

impl Control {
    /// Whoever is told "this field is wrong" (by eye or by screen reader) hears it with the field, which
    /// is marked invalid.
    fn show_problem(&self, message: Option<String>) {
        let problem_id = self.problem.id();
        let described_by: Vec<&str> =
            self.hint.into_iter().chain(message.is_some().then_some(problem_id.as_str())).collect();
        if described_by.is_empty() {
            let _ = self.input.remove_attribute("aria-describedby");
        } else {
            set(&self.input, "aria-describedby", &described_by.join(" "));
        }
        // ARIA wants the words "true" and "false"; a bare boolean attribute would read as "".
        set(&self.input, "aria-invalid", if message.is_some() { "true" } else { "false" });
        match message {
            Some(message) => {
                self.problem.set_text_content(Some(&message));
                append(&self.place, &self.problem);
            }
            None => self.problem.remove(),
        }
    }
}

/// Everything the form's handlers share.
struct Contact {
    settings: Settings,
    form: FormState,
    words: &'static ScreenWords,
    screen: Watched<Screen>,
    status: StatusState,
    root: HtmlElement,
    /// The controls on the form now: the site's form decides which of the optional ones.
    controls: RefCell<Vec<Control>>,
    /// The topic and urgency choices, when the site's form has them.
    choices: HtmlElement,
    /// What the customer tried and the attachments, when the site's form has them.
    more: HtmlElement,
    turnstile: HtmlElement,
    /// Problems with no field on the form (the honeypot, the identity, the rate limit).
    form_problem: HtmlElement,
}

/// Draws the contact form into `container`, under the current reactive owner: its effects end with it.
/// What the customer searched for, `search_query`, is usually the subject of their question.
pub fn show(
    container: &HtmlElement,
    settings: Settings,
    form: FormState,
    search_query: String,
    screen: Watched<Screen>,
    status: StatusState,
) {
    let words = settings.screen_words();
    form.load_config(&settings);
    if form.subject.get_untracked().trim().is_empty() {
        form.subject.set(search_query.trim().to_owned());
    }
    let root = element("form", "screen contact-form");
    set(&root, "novalidate", "");
    let contact = Rc::new(Contact {
        settings,
        form,
        words,
        screen,
        status,
        root: root.clone(),
        controls: RefCell::new(Vec::new()),
        choices: slot(),
        more: slot(),
        turnstile: slot(),
        form_problem: slot(),
    });

    let back = button("link back", words.back_to_search);
    on(&back, "click", move |_| screen.set(Screen::Search));
    append(&root, &back);
    append(&root, &known_issue(&root, status, words));
    for (name, own_label, value, input_type) in
        [("name", words.name, form.name, "text"), ("email", words.email, form.email, "email")]
    {
        let input = control("input", name);
        set(&input, "type", input_type);
        set(&input, "autocomplete", name);
        contact.add(&root, name, own_label, input, Some(value));
    }
    append(&root, &contact.choices);
    let subject = control("input", "subject");
    set(&subject, "type", "text");
    contact.add(&root, "subject", words.subject, subject, Some(form.subject));
    let message = control("textarea", "message");
    set(&message, "rows", "5");
    contact.add(&root, "message", words.message, message, Some(form.message));
    append(&root, &suggestions(&contact));
    append(&root, &contact.more);
    append(&root, &honeypot(form, words));
    append(&root, &contact.turnstile);
    append(&root, &contact.form_problem);
    let send = button("primary", words.send);
    set(&send, "type", "submit");
    append(&root, &send);
    let my_tickets = button("link my-tickets", words.my_tickets);
    on(&my_tickets, "click", move |_| screen.set(Screen::MyTickets));
    append(&root, &my_tickets);
    append(container, &root);

    follow({
        let settings = contact.settings.clone();
        move || form.suggest(&settings, format!("{} {}", form.subject.get(), form.message.get()))
    });
    follow(move || {
        let sending = form.sending.get();
        send.set_text_content(Some(if sending { words.sending } else { words.send }));
        let _ = Reflect::set(&send, &"disabled".into(), &sending.into());
    });
    // The site's form decides the optional controls and the labels, in the customer's language.
    let configured = contact.clone();
    follow(move || {
        form.config.track();
        configured.draw_configured();
    });
    let problems = contact.clone();
    follow(move || problems.show_problems());
    // The form's effects hold it for as long as the screen shows; its own listener must not, or the form
    // and its element would keep each other for the page's life.
    let sending = Rc::downgrade(&contact);
    on(&root, "submit", move |event| {
        event.prevent_default();
        if let Some(contact) = sending.upgrade() {
            contact.submit();
        }
    });
}

impl Contact {
    /// `input`, labelled, with its problem under it when there is one, editing `value`.
    fn add(
        &self,
        parent: &HtmlElement,
        name: &'static str,
        own_label: &'static str,
        input: HtmlElement,
        value: Option<RwSignal<String>>,
    ) {
        let place = slot();
        let label = text_element("label", "", &self.form.label(name, own_label));
        set(&label, "for", &format!("edgedesk-{name}"));
        append(&place, &label);
        append(&place, &input);
        if let Some(value) = value {
            bind(&input, value);
        }
        append(parent, &place);
        let problem = element("span", "field-error");
        set(&problem, "id", &format!("edgedesk-{name}-error"));
        let control = Control { name, own_label, label, input, place, problem, hint: None };
        control.show_problem(None);
        self.controls.borrow_mut().push(control);
    }

    /// The labels, the site's optional controls and Turnstile, as the site's form now says.
    fn draw_configured(self: &Rc<Self>) {
        let (form, words) = (self.form, self.words);
        self.controls.borrow_mut().retain(|control| {
            control.label.set_text_content(Some(&form.label(control.name, control.own_label)));
            ALWAYS_SHOWN.contains(&control.name)
        });
        for part in [&self.choices, &self.more, &self.turnstile] {
            clear(part);
        }
        if form.is_shown("topic") {
            let topic = choice("topic", &form.topics());
            self.add(&self.choices, "topic", words.topic, topic, Some(form.topic));
        }
        if form.is_shown("urgency") {
            let titles = words.urgencies();
            let urgencies: Vec<(String, String)> =
                Urgency::ALL.iter().zip(titles).map(|(urgency, title)| (urgency.name().into(), title.into())).collect();
            self.add(&self.choices, "urgency", words.urgency, choice("urgency", &urgencies), Some(form.urgency));
        }
        if form.is_shown("steps_tried") {
            let steps = control("textarea", "steps_tried");
            set(&steps, "rows", "3");
            self.add(&self.more, "steps_tried", words.steps_tried, steps, Some(form.steps_tried));
        }
        if form.is_shown("attachments") {
            self.attachments();
        }
        if let Some(site_key) = form.turnstile_site_key() {
            turnstile::check(&self.turnstile, site_key, form.turnstile);
        }
        untrack(|| self.show_problems());
    }

    /// Screenshots and PDFs, each uploaded as soon as it is chosen.
    fn attachments(&self) {
        let (form, words) = (self.form, self.words);
        let input = control("input", "attachments");
        set(&input, "type", "file");
        set(&input, "multiple", "");
        set(&input, "accept", &form.accept());
        let api = self.settings.api.clone();
        on(&input, "change", move |event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let files = input
                .files()
                .map(|list| (0..list.length()).filter_map(|at| list.get(at)).collect())
                .unwrap_or_default();
            // Cleared so that choosing the same file again, after removing it, is a change too.
            input.set_value("");
            form.attach(&api, files, words);
        });
        self.add(&self.more, "attachments", words.attachments, input, None);
        let size = form.max_attachment_bytes() / (1024 * 1024);
        let limits = words
            .attachments_hint
            .replace("{count}", &form.max_attachments().to_string())
            .replace("{size}", &size.to_string());
        let hint = text_element("span", "hint", &limits);
        set(&hint, "id", "edgedesk-attachments-hint");
        let list = element("ul", "attachments");
        set(&list, "aria-live", "polite");
        if let Some(control) = self.controls.borrow_mut().last_mut() {
            control.hint = Some("edgedesk-attachments-hint");
            let _ = control.label.after_with_node_1(&hint);
            append(&control.place, &list);
        }
        on(&list, "click", move |event| {
            let key = closest(&event, ".attachment-remove").and_then(|remove| remove.get_attribute("data-key"));
            if let Some(key) = key.and_then(|key| key.parse().ok()) {
                form.remove_attachment(key);
                // The list is drawn again without the button that had focus: it goes to the file picker.
                if let Some(form) = closest(&event, "form") {
                    focus_control(&form, "attachments");
                }
            }
        });
        follow(move || {
            clear(&list);
            for attachment in form.attachments.get() {
                let item = element("li", "attachment");
                if let Some(id) = &attachment.id {
                    set(&item, "data-attachment-id", id);
                }
                append(&item, &text_element("span", "attachment-name", &attachment.name));
                let status = match &attachment.id {
                    None => text_element("span", "attachment-status", words.uploading),
                    Some(_) => {
                        let remove = button("link attachment-remove", words.remove);
                        set(&remove, "aria-label", &format!("{} {}", words.remove, attachment.name));
                        set(&remove, "data-key", &attachment.key.to_string());
                        remove
                    }
                };
                append(&item, &status);
                append(&list, &item);
            }
        });
    }

    /// Each control's problem under it; the rest above the button.
    fn show_problems(&self) {
        let error = self.form.error.get();
        let attachment_error = self.form.attachment_error.get();
        for control in self.controls.borrow().iter() {
            let own = error.as_ref().filter(|error| error.field.as_deref() == Some(control.name));
            let message = attachment_error
                .clone()
                .filter(|_| control.name == "attachments")
                .or_else(|| own.map(|error| error.message.clone()));
            control.show_problem(message);
        }
        let general = error.filter(|error| !error.field.as_deref().is_some_and(|field| self.form.is_visible(field)));
        let said = self.form_problem.text_content().unwrap_or_default();
        if general.as_ref().map_or("", |error| error.message.as_str()) == said {
            return;
        }
        clear(&self.form_problem);
        if let Some(error) = general {
            let notice = text_element("p", "notice form-error", &error.message);
            set(&notice, "role", "alert");
            append(&self.form_problem, &notice);
        }
    }

    fn submit(self: &Rc<Self>) {
        let (form, words) = (self.form, self.words);
        if form.sending.get_untracked() {
            return;
        }
        if form.is_uploading() {
            form.attachment_error.set(Some(words.wait_for_uploads.to_owned()));
            self.show_problems();
            focus_control(&self.root, "attachments");
            return;
        }
        // Tickets written during an incident are linked to it, so support sees them together.
        let incident = self.status.current_incident().map(|notice| notice.id);
        let ticket = form.ticket(&self.settings, incident);
        if let Err(invalid) = form.check(&ticket) {
            self.show_error(invalid);
            return;
        }
        form.error.set(None);
        form.sending.set(true);
        let contact = self.clone();
        spawn_local(async move {
            let subject = ticket.subject.trim().to_owned();
            match form.send(contact.settings.api.clone(), ticket).await {
                Ok(accepted) => {
                    tickets::remember(&accepted.number, &accepted.view_token, &subject);
                    let detail = [
                        ("number", accepted.number.as_str()),
                        ("expected_reply_at", accepted.expected_reply_at.as_str()),
                    ];
                    contact.settings.events.emit("ticketCreated", &detail);
                    form.clear_after_sending();
                    contact.screen.set(Screen::Sent(accepted));
                }
                Err(failure) => contact.show_error(refusal(failure, words)),
            }
            // A Turnstile token is good for one submission; the check runs again for the next.
            form.turnstile.set(None);
            form.sending.set(false);
        });
    }

    /// Says `problem` and moves focus to its field, when the form shows that field.
    fn show_error(&self, problem: ApiError) {
        // The worker and core word refusals in English; the form says the ones it knows in the customer's.
        let problem = ApiError { message: self.words.problem(&problem), ..problem };
        let field = problem.field.clone().filter(|field| self.form.is_visible(field));
        self.form.error.set(Some(problem));
        // Said before focus moves, so that the field is announced with its problem.
        self.show_problems();
        if let Some(field) = field {
            focus_control(&self.root, &field);
        }
    }
}

/// Moves focus to `form`'s control for `field`, if it is (still) on screen.
fn focus_control(form: &web_sys::Element, field: &str) {
    if let Ok(Some(control)) = form.query_selector(&format!("#edgedesk-{field}"))
        && let Ok(control) = control.dyn_into::<HtmlElement>()
    {
        let _ = control.focus();
    }
}

/// `<tag id=edgedesk-{name} name={name}>`.
fn control(tag: &str, name: &str) -> HtmlElement {
    let input = element(tag, "");
    set(&input, "id", &format!("edgedesk-{name}"));
    set(&input, "name", name);
    input
}

/// A `<select>` of `(value, title)` options. An empty value stands for the first option, the site's
/// default.
fn choice(name: &str, options: &[(String, String)]) -> HtmlElement {
    let select = control("select", name);
    for (value, title) in options {
        let option = text_element("option", "", title);
        set(&option, "value", value);
        append(&select, &option);
    }
    select
}

/// Keeps `input` and `value` the same, whichever of them changes: the customer types, or the host page's
/// prefill, the identity or sending changes the value.
fn bind(input: &HtmlElement, value: RwSignal<String>) {
    write_value(input, &value.get_untracked());
    let event = if input.tag_name() == "SELECT" { "change" } else { "input" };
    // The control from the event, not captured: a listener holding its own element would keep it forever.
    on(input, event, move |event| {
        if let Some(typed) = event.current_target().and_then(|target| target.dyn_into::<HtmlElement>().ok()) {
            value.set(read_value(&typed));
        }
    });
    let shown = input.clone();
    follow(move || {
        let value = value.get();
        if read_value(&shown) != value {
            write_value(&shown, &value);
        }
    });
}

fn read_value(input: &HtmlElement) -> String {
    Reflect::get(input, &"value".into()).ok().and_then(|value| value.as_string()).unwrap_or_default()
}

fn write_value(input: &HtmlElement, value: &str) {
    let _ = Reflect::set(input, &"value".into(), &value.into());
    // A choice with no option of that value (the empty one stands for the site's default) shows its first.
    if Reflect::get(input, &"selectedIndex".into()).ok().and_then(|index| index.as_f64()) == Some(-1.0) {
        let _ = Reflect::set(input, &"selectedIndex".into(), &0.into());
    }
}

/// Says which incident the customer may be writing about, for as long as the form is on screen.
fn known_issue(form: &HtmlElement, status: StatusState, words: &'static ScreenWords) -> HtmlElement {
    let place = slot();
    let draw = {
        let (place, form) = (place.clone(), form.clone());
        move || {
            clear(&place);
            if let Some(notice) = status.current_incident() {
                let note = text_element("p", "known-issue", words.known_issue_before);
                set(&note, "role", "note");
                append(&note, &text_element("strong", "", &notice.title));
                append_text(&note, words.known_issue_after);
                append(&place, &note);
            }
            // The notices are the first chunk's and outlive the form: their watcher ends with it.
            form.is_connected()
        }
    };
    draw();
    status.notices.watch(draw);
    place
}

/// Articles that may answer what the customer is writing, before they send it.
fn suggestions(contact: &Rc<Contact>) -> HtmlElement {
    let (form, words, screen) = (contact.form, contact.words, contact.screen);
    // Always present, so that screen readers hear the suggestions when they arrive.
    let suggestions = element("div", "suggestions-box");
    set(&suggestions, "aria-live", "polite");
    on(&suggestions, "click", move |event| {
        let chosen = closest(&event, ".suggestion").and_then(|chosen| chosen.get_attribute("data-index"));
        let hits = form.suggestions.get_untracked();
        let Some(hit) = chosen.and_then(|index| hits.get(index.parse::<usize>().ok()?)) else { return };
        form.open_suggestion(hit);
        screen.set(Screen::Article {
            locale: hit.locale.clone(),
            slug: hit.slug.clone(),
            anchor: hit.anchor.clone(),
            from_form: true,
        });
    });
    // Busy while the suggestions for what was just typed are on their way: screen readers wait for them.
    let busy = suggestions.clone();
    follow(move || set(&busy, "aria-busy", &form.suggesting.get().to_string()));
    let listed = suggestions.clone();
    follow(move || {
        let hits = form.suggestions.get();
        clear(&listed);
        if hits.is_empty() {
            return;
        }
        append(&listed, &text_element("p", "suggestions-title", words.suggestions));
        let list = element("ul", "suggestions");
        for (index, hit) in hits.iter().enumerate() {
            let item = element("li", "");
            let open = button("link suggestion", &hit.title);
            set(&open, "data-index", &index.to_string());
            append(&item, &open);
            append(&list, &item);
        }
        append(&listed, &list);
    });
    suggestions
}

/// For robots only: off-screen, out of the tab order and hidden from assistive technology, so people never
/// fill it in. A robot that does is told so by the worker.
fn honeypot(form: FormState, words: &ScreenWords) -> HtmlElement {
    let honeypot = element("div", "honeypot");
    set(&honeypot, "aria-hidden", "true");
    let label = text_element("label", "", words.honeypot);
    set(&label, "for", "edgedesk-website");
    append(&honeypot, &label);
    let input = control("input", "website");
    for (attribute, value) in [("type", "text"), ("tabindex", "-1"), ("autocomplete", "off"), ("aria-hidden", "true")] {
        set(&input, attribute, value);
    }
    bind(&input, form.website);
    append(&honeypot, &input);
    honeypot
}

/// Why the ticket was not accepted, as the form shows it.
fn refusal(failure: Failure, words: &ScreenWords) -> ApiError {
    let unreachable = || ApiError::new(0, "unreachable", words.unreachable_saved);
    if failure.is_transient() {
        return unreachable();
    }
    match failure {
        Failure::Refused(refused) => refused,
        Failure::RateLimited(ref refused, _) => ApiError { message: describe(&failure, words), ..refused.clone() },
        Failure::Unexpected(status) => ApiError::new(status, "unexpected", words.unexpected),
        Failure::Unreachable => unreachable(),
    }
}

/// The ticket's number and what happens next, once the worker accepted it.
pub fn show_sent(container: &HtmlElement, settings: &Settings, accepted: TicketAccepted, screen: Watched<Screen>) {
    let words = settings.screen_words();
    let sent = element("div", "screen sent");
    set(&sent, "role", "status");
    let title = text_element("p", "sent-title", words.sent_title);
    set(&title, "tabindex", "-1");
    append(&sent, &title);
    append(&sent, &text_element("p", "ticket-number-label", words.your_ticket_number));
    append(&sent, &text_element("strong", "ticket-number", &accepted.number));
    append(&sent, &text_element("p", "sent-message", &accepted.message));
    if !accepted.view_token.is_empty() {
        let code = text_element("p", "access-code-label", &format!("{} ", words.access_code));
        append(&code, &text_element("strong", "access-code", &accepted.view_token));
        append(&sent, &code);
        append(&sent, &text_element("p", "access-code-hint", words.access_code_hint));
    }
    let back = button("secondary", words.back_to_help);
    on(&back, "click", move |_| screen.set(Screen::Search));
    append(&sent, &back);
    let my_tickets = button("link my-tickets", words.my_tickets);
    on(&my_tickets, "click", move |_| screen.set(Screen::MyTickets));
    append(&sent, &my_tickets);
    append(container, &sent);
    // The form and its button are gone: focus goes to what replaced them.
    next_frame(move || {
        let _ = title.focus();
    });
}
