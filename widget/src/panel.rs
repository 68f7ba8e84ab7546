//! The panel: search first, then a contact form, then the ticket number.

use std::time::Duration;

use edgedesk_core::api::{ApiError, NewTicket, SearchHit, SearchResponse, TicketAccepted};
use edgedesk_core::ticket;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Settings;
use crate::api::{Failure, encode};

const STYLE: &str = include_str!("panel.css");
/// Wait for a pause in typing before searching, so a burst of keystrokes costs one request.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(120);

#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Search,
    Contact,
    Sent(TicketAccepted),
}

#[derive(Clone, Debug, PartialEq)]
enum Results {
    /// Nothing typed yet.
    Idle,
    Found(Vec<SearchHit>),
    Failed(String),
}

#[component]
pub fn Panel(settings: Settings, open: RwSignal<bool>) -> impl IntoView {
    let screen = RwSignal::new(Screen::Search);
    let query = RwSignal::new(String::new());
    let search_box = NodeRef::<html::Input>::new();

    // Focus goes to the search box when the panel opens, so the customer can type at once.
    Effect::new(move |_| {
        if open.get()
            && let Some(input) = search_box.get()
        {
            request_animation_frame(move || _ = input.focus());
        }
    });

    let close_on_escape = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            open.set(false);
        }
    };

    let body = {
        let settings = settings.clone();
        move || match screen.get() {
            Screen::Search => {
                view! { <SearchScreen settings=settings.clone() query=query screen=screen search_box=search_box /> }
                    .into_any()
            }
            Screen::Contact => {
                view! { <ContactScreen settings=settings.clone() query=query screen=screen /> }.into_any()
            }
            Screen::Sent(accepted) => view! { <SentScreen accepted=accepted screen=screen /> }.into_any(),
        }
    };

    view! {
        <style>{STYLE}</style>
        <section class="panel" role="dialog" aria-labelledby="edgedesk-title" hidden=move || !open.get() on:keydown=close_on_escape>
            <header>
                <h2 id="edgedesk-title">"How can we help?"</h2>
                <button type="button" class="close" aria-label="Close help" on:click=move |_| open.set(false)>"×"</button>
            </header>
            {body}
        </section>
    }
}

#[component]
fn SearchScreen(
    settings: Settings,
    query: RwSignal<String>,
    screen: RwSignal<Screen>,
    search_box: NodeRef<html::Input>,
) -> impl IntoView {
    let results = RwSignal::new(Results::Idle);
    // Only the answer to the newest keystroke may be shown; older answers that arrive late are dropped.
    let latest_request = StoredValue::new(0u64);

    let run_search = move |text: String| {
        let request_number = latest_request.get_value() + 1;
        latest_request.set_value(request_number);
        if text.trim().is_empty() {
            results.set(Results::Idle);
            return;
        }
        let settings = settings.clone();
        set_timeout(
            move || {
                if latest_request.get_value() != request_number {
                    return;
                }
                spawn_local(async move {
                    let path = format!("/api/search?q={}&locale={}", encode(&text), encode(&settings.locale));
                    let outcome = settings.api.get::<SearchResponse>(&path).await;
                    if latest_request.get_value() != request_number {
                        return;
                    }
                    results.set(match outcome {
                        Ok(response) => Results::Found(response.hits),
                        Err(failure) => Results::Failed(describe(&failure)),
                    });
                });
            },
            SEARCH_DEBOUNCE,
        );
    };
    // Coming back from the contact form shows the results for what is still in the box.
    if !query.get_untracked().is_empty() {
        run_search(query.get_untracked());
    }

    let result_list = move || match results.get() {
        Results::Idle => ().into_any(),
        Results::Failed(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
        Results::Found(hits) if hits.is_empty() => {
            view! { <p class="notice">"No articles match. Try other words, or write to us."</p> }.into_any()
        }
        Results::Found(hits) => view! {
            <ul class="results">
                {hits.into_iter().map(|hit| view! {
                    <li class="hit">
                        <span class="hit-title">{hit.title}</span>
                        <span class="hit-snippet">{hit.snippet}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    let result_count = move || match results.get() {
        Results::Found(hits) if !hits.is_empty() => format!("{} articles found", hits.len()),
        _ => String::new(),
    };

    view! {
        <div class="screen">
            <label class="visually-hidden" for="edgedesk-search">"Search help articles"</label>
            <input
                id="edgedesk-search"
                type="search"
                autocomplete="off"
                placeholder="Search help articles"
                node_ref=search_box
                prop:value=move || query.get()
                on:input=move |event| {
                    let text = event_target_value(&event);
                    query.set(text.clone());
                    run_search(text);
                }
            />
            <p class="visually-hidden" aria-live="polite">{result_count}</p>
            {result_list}
            <button type="button" class="secondary contact" on:click=move |_| screen.set(Screen::Contact)>
                "Contact support"
            </button>
        </div>
    }
}

#[component]
fn ContactScreen(settings: Settings, query: RwSignal<String>, screen: RwSignal<Screen>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // What the customer searched for is usually the subject of their question.
    let subject = RwSignal::new(query.get_untracked().trim().to_owned());
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
            <button type="button" class="link back" on:click=move |_| screen.set(Screen::Search)>"← Back to search"</button>
            <label for="edgedesk-name">"Your name"</label>
            <input id="edgedesk-name" name="name" autocomplete="name" aria-invalid=invalid("name")
                aria-describedby=described_by("name")
                prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
            {field_error("name")}
            <label for="edgedesk-email">"Email"</label>
            <input id="edgedesk-email" name="email" type="email" autocomplete="email" aria-invalid=invalid("email")
                aria-describedby=described_by("email")
                prop:value=move || email.get() on:input=move |e| email.set(event_target_value(&e)) />
            {field_error("email")}
            <label for="edgedesk-subject">"Subject"</label>
            <input id="edgedesk-subject" name="subject" aria-invalid=invalid("subject")
                aria-describedby=described_by("subject")
                prop:value=move || subject.get() on:input=move |e| subject.set(event_target_value(&e)) />
            {field_error("subject")}
            <label for="edgedesk-message">"How can we help?"</label>
            <textarea id="edgedesk-message" name="message" rows="5" aria-invalid=invalid("message")
                aria-describedby=described_by("message")
                prop:value=move || message.get() on:input=move |e| message.set(event_target_value(&e))></textarea>
            {field_error("message")}
            {form_error}
            <button type="submit" class="primary" disabled=move || sending.get()>
                {move || if sending.get() { "Sending…" } else { "Send" }}
            </button>
        </form>
    }
}

#[component]
fn SentScreen(accepted: TicketAccepted, screen: RwSignal<Screen>) -> impl IntoView {
    view! {
        <div class="screen sent" role="status">
            <p class="sent-title">"Message sent"</p>
            <p>"Your ticket number is " <strong class="ticket-number">{accepted.number}</strong></p>
            <p>{accepted.message}</p>
            <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Search)>"Back to help"</button>
        </div>
    }
}

fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Unreachable => {
            "We could not reach support. Check your connection and try again; what you wrote is kept.".into()
        }
        Failure::Refused(error) => error.message.clone(),
        Failure::Unexpected(status) => format!("Support answered unexpectedly ({status}). Please try again."),
    }
}
