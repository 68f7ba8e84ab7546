//! The contact form and the ticket number it ends with.

use edgedesk_core::api::{ApiError, NewTicket, TicketAccepted};
use edgedesk_core::ticket;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Settings;
use crate::api::{Failure, describe};
use crate::panel::Screen;

#[component]
pub fn ContactScreen(settings: Settings, subject: String, screen: RwSignal<Screen>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // What the customer searched for is usually the subject of their question.
    let subject = RwSignal::new(subject.trim().to_owned());
    let email = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sending = RwSignal::new(false);
    let form = NodeRef::<html::Form>::new();

    // Whoever is told "this field is wrong" (by eye or by screen reader) should land in that field.
    let show_error = move |problem: ApiError| {
        let field_id = problem.field.as_ref().map(|field| format!("#edgedesk-{field}"));
        error.set(Some(problem));
        if let (Some(form), Some(field_id)) = (form.get_untracked(), field_id)
            && let Ok(Some(field)) = form.query_selector(&field_id)
            && let Ok(field) = field.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = field.focus();
        }
    };

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let new_ticket = NewTicket {
            name: name.get_untracked(),
            email: email.get_untracked(),
            subject: subject.get_untracked(),
            message: message.get_untracked(),
            page_url: web_sys::window().and_then(|window| window.location().href().ok()),
            locale: Some(settings.locale.clone()),
        };
        // The worker applies the same rules; checking here first points at the field without a round trip.
        if let Err(invalid) = ticket::validate(new_ticket.clone()) {
            show_error(invalid);
            return;
        }
        error.set(None);
        sending.set(true);
        let api = settings.api.clone();
        spawn_local(async move {
            match api.post::<TicketAccepted>("/api/tickets", &new_ticket).await {
                Ok(accepted) => screen.set(Screen::Sent(accepted)),
                Err(Failure::Refused(refused)) => show_error(refused),
                Err(failure) => show_error(ApiError::new(0, "unreachable", describe(&failure))),
            }
            sending.set(false);
        });
    };

    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|error| error.field.as_deref() == Some(field)).map(|error| {
                view! { <span class="field-error" id=format!("edgedesk-{field}-error")>{error.message}</span> }
            })
        }
    };
    let is_wrong = move |field: &str| error.get().is_some_and(|e| e.field.as_deref() == Some(field));
    // ARIA wants the words "true" and "false"; a bare boolean attribute would render as "".
    let invalid = move |field: &'static str| move || if is_wrong(field) { "true" } else { "false" };
    let described_by = move |field: &'static str| move || is_wrong(field).then(|| format!("edgedesk-{field}-error"));
    let form_error = move || {
        error
            .get()
            .filter(|error| error.field.is_none())
            .map(|error| view! { <p class="notice" role="alert">{error.message}</p> })
    };

    view! {
        <form class="screen contact-form" novalidate node_ref=form on:submit=submit>
            <button type="button" class="link back" on:click=move |_| screen.set(Screen::Search)>
                "← Back to search"
            </button>
            <label for="edgedesk-name">"Your name"</label>
            <input
                id="edgedesk-name"
                name="name"
                autocomplete="name"
                aria-invalid=invalid("name")
                aria-describedby=described_by("name")
                prop:value=move || name.get()
                on:input=move |e| name.set(event_target_value(&e))
            />
            {field_error("name")}
            <label for="edgedesk-email">"Email"</label>
            <input
                id="edgedesk-email"
                name="email"
                type="email"
                autocomplete="email"
                aria-invalid=invalid("email")
                aria-describedby=described_by("email")
                prop:value=move || email.get()
                on:input=move |e| email.set(event_target_value(&e))
            />
            {field_error("email")}
            <label for="edgedesk-subject">"Subject"</label>
            <input
                id="edgedesk-subject"
                name="subject"
                aria-invalid=invalid("subject")
                aria-describedby=described_by("subject")
                prop:value=move || subject.get()
                on:input=move |e| subject.set(event_target_value(&e))
            />
            {field_error("subject")}
            <label for="edgedesk-message">"How can we help?"</label>
            <textarea
                id="edgedesk-message"
                name="message"
                rows="5"
                aria-invalid=invalid("message")
                aria-describedby=described_by("message")
                prop:value=move || message.get()
                on:input=move |e| message.set(event_target_value(&e))
            ></textarea>
            {field_error("message")}
            {form_error}
            <button type="submit" class="primary" disabled=move || sending.get()>
                {move || if sending.get() { "Sending…" } else { "Send" }}
            </button>
        </form>
    }
}

#[component]
pub fn SentScreen(accepted: TicketAccepted, screen: RwSignal<Screen>) -> impl IntoView {
    view! {
        <div class="screen sent" role="status">
            <p class="sent-title">"Message sent"</p>
            <p>"Your ticket number is " <strong class="ticket-number">{accepted.number}</strong></p>
            <p>{accepted.message}</p>
            <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Search)>
                "Back to help"
            </button>
        </div>
    }
}
