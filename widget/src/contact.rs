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
use crate::status::StatusState;

#[component]
pub fn ContactScreen(
    settings: Settings,
    subject: String,
    screen: RwSignal<Screen>,
    status: StatusState,
) -> impl IntoView {
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
            // Tickets written during an incident are linked to it, so support sees them together.
            incident_id: status.current_incident().map(|notice| notice.id),
            ..NewTicket::default()
        };
        // The worker applies the same rules; checking here first points at the field without a round trip.
        if let Err(invalid) = ticket::validate(new_ticket.clone(), &[]) {
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
            {move || status.current_incident().map(|notice| view! {
                <p class="known-issue" role="note">
                    "We know about this: " <strong>{notice.title}</strong>
                    ". We are working on it; you can still write to us."
                </p>
            })}
            <Field name="name" label="Your name" value=name error=error autocomplete="name" />
            <Field name="email" label="Email" value=email error=error input_type="email" autocomplete="email" />
            <Field name="subject" label="Subject" value=subject error=error />
            <Field name="message" label="How can we help?" value=message error=error multiline=true />
            {form_error}
            <button type="submit" class="primary" disabled=move || sending.get()>
                {move || if sending.get() { "Sending…" } else { "Send" }}
            </button>
        </form>
    }
}

/// A labelled form field whose error, when the ticket's problem is with it, sits under it, is announced
/// with it (aria-describedby) and marks it invalid.
#[component]
fn Field(
    /// The ticket field it edits, as the API names it.
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let id = format!("edgedesk-{name}");
    let error_id = format!("edgedesk-{name}-error");
    let message = move || error.get().filter(|e| e.field.as_deref() == Some(name)).map(|e| e.message);
    // ARIA wants the words "true" and "false"; a bare boolean attribute would render as "".
    let invalid = move || if message().is_some() { "true" } else { "false" };
    let described_by = {
        let error_id = error_id.clone();
        move || message().map(|_| error_id.clone())
    };
    let on_input = move |event| value.set(event_target_value(&event));
    let control = if multiline {
        view! {
            <textarea id=id.clone() name=name rows="5" aria-invalid=invalid aria-describedby=described_by
                prop:value=move || value.get() on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=name type=input_type autocomplete=autocomplete aria-invalid=invalid
                aria-describedby=described_by prop:value=move || value.get() on:input=on_input />
        }
        .into_any()
    };
    view! {
        <label for=id>{label}</label>
        {control}
        {move || message().map(|message| view! { <span class="field-error" id=error_id.clone()>{message}</span> })}
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
