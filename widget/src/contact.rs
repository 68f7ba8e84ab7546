//! The contact form and the ticket number it ends with. The form's state lives in [`FormState`]; this
//! is how it looks and what each control does.

use edgedesk_protocol::api::Urgency;
use edgedesk_protocol::api::{ApiError, TicketAccepted};
use leptos::ev::{Event, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Settings;
use crate::api::Failure;
use crate::api::describe;
use crate::form::FormState;
use crate::screen::Screen;
use crate::status::StatusState;
use crate::tickets;
use crate::turnstile::TurnstileCheck;
use crate::watch::Watched;
use crate::words::ScreenWords;

#[component]
pub fn ContactScreen(
    settings: Settings,
    form: FormState,
    /// What the customer searched for is usually the subject of their question.
    search_query: String,
    screen: Watched<Screen>,
    status: StatusState,
) -> impl IntoView {
    let words = settings.screen_words();
    form.load_config(&settings);
    if form.subject.get_untracked().trim().is_empty() {
        form.subject.set(search_query.trim().to_owned());
    }
    let form_element = NodeRef::<html::Form>::new();
    // The notices are the first chunk's; a signal here follows the incident among them.
    let incident = RwSignal::new(status.current_incident());
    status.notices.watch(move || incident.try_set(status.current_incident()).is_none());

    {
        let settings = settings.clone();
        Effect::new(move |_| form.suggest(&settings, format!("{} {}", form.subject.get(), form.message.get())));
    }

    // Whoever is told "this field is wrong" (by eye or by screen reader) should land in that field.
    let show_error = move |problem: ApiError| {
        // The worker and core word refusals in English; the form says the ones it knows in the customer's.
        let problem = ApiError { message: words.problem(&problem), ..problem };
        let field = problem.field.clone().filter(|field| form.is_visible(field));
        form.error.set(Some(problem));
        if let Some(field) = field {
            focus_field(form_element, &field);
        }
    };

    let submit = {
        let settings = settings.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            if form.sending.get_untracked() {
                return;
            }
            if form.is_uploading() {
                form.attachment_error.set(Some(words.wait_for_uploads.to_owned()));
                focus_field(form_element, "attachments");
                return;
            }
            // Tickets written during an incident are linked to it, so support sees them together.
            let ticket = form.ticket(&settings, status.current_incident().map(|notice| notice.id));
            if let Err(invalid) = form.check(&ticket) {
                show_error(invalid);
                return;
            }
            form.error.set(None);
            form.sending.set(true);
            let api = settings.api.clone();
            spawn_local(async move {
                let subject = ticket.subject.trim().to_owned();
                match form.send(api, ticket).await {
                    Ok(accepted) => {
                        tickets::remember(&accepted.number, &accepted.view_token, &subject);
                        let detail = [
                            ("number", accepted.number.as_str()),
                            ("expected_reply_at", accepted.expected_reply_at.as_str()),
                        ];
                        settings.events.emit("ticketCreated", &detail);
                        form.clear_after_sending();
                        screen.set(Screen::Sent(accepted));
                    }
                    Err(failure) => show_error(refusal(failure, words)),
                }
                // A Turnstile token is good for one submission; the check runs again for the next.
                form.turnstile.set(None);
                form.sending.set(false);
            });
        }
    };

    // Problems with no field on the form (the honeypot, the identity, the rate limit) are said here.
    let form_error = move || {
        form.error
            .get()
            .filter(|error| !error.field.as_deref().is_some_and(|field| form.is_visible(field)))
            .map(|error| view! { <p class="notice form-error" role="alert">{error.message}</p> })
    };
    let label = move |field: &'static str, own: &'static str| Signal::derive(move || form.label(field, own));
    let urgencies: Vec<(String, String)> = Urgency::ALL
        .iter()
        .zip(words.urgencies())
        .map(|(urgency, title)| (urgency.name().to_owned(), title.to_owned()))
        .collect();

    view! {
        <form class="screen contact-form" novalidate node_ref=form_element on:submit=submit>
            <button type="button" class="link back" on:click=move |_| screen.set(Screen::Search)>
                {words.back_to_search}
            </button>
            {move || incident.get().map(|notice| view! {
                <p class="known-issue" role="note">
                    {words.known_issue_before} <strong>{notice.title}</strong> {words.known_issue_after}
                </p>
            })}
            <Field name="name" label=label("name", words.name) value=form.name error=form.error autocomplete="name" />
            <Field name="email" label=label("email", words.email) value=form.email error=form.error input_type="email" autocomplete="email" />
            {move || form.is_shown("topic").then(|| view! {
                <Choice name="topic" label=label("topic", words.topic) value=form.topic error=form.error options=form.topics() />
            })}
            {let urgencies = urgencies.clone(); move || form.is_shown("urgency").then(|| view! {
                <Choice name="urgency" label=label("urgency", words.urgency) value=form.urgency error=form.error options=urgencies.clone() />
            })}
            <Field name="subject" label=label("subject", words.subject) value=form.subject error=form.error />
            <Field name="message" label=label("message", words.message) value=form.message error=form.error multiline=true />
            <Suggestions form=form screen=screen words=words />
            {move || form.is_shown("steps_tried").then(|| view! {
                <Field name="steps_tried" label=label("steps_tried", words.steps_tried) value=form.steps_tried error=form.error multiline=true rows=3 />
            })}
            {let settings = settings.clone(); move || form.is_shown("attachments").then(|| view! {
                <Attachments settings=settings.clone() form=form label=label("attachments", words.attachments) words=words />
            })}
            // For robots only: off-screen, out of the tab order and hidden from assistive technology, so
            // people never fill it in. A robot that does is told so by the worker.
            <div class="honeypot" aria-hidden="true">
                <label for="edgedesk-website">{words.honeypot}</label>
                <input id="edgedesk-website" name="website" type="text" tabindex="-1" autocomplete="off" aria-hidden="true"
                    prop:value=move || form.website.get() on:input=move |event| form.website.set(event_target_value(&event)) />
            </div>
            {move || form.turnstile_site_key().map(|site_key| view! { <TurnstileCheck site_key=site_key token=form.turnstile /> })}
            {form_error}
            <button type="submit" class="primary" disabled=move || form.sending.get()>
                {move || if form.sending.get() { words.sending } else { words.send }}
            </button>
            <button type="button" class="link my-tickets" on:click=move |_| screen.set(Screen::MyTickets)>
                {words.my_tickets}
            </button>
        </form>
    }
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

/// Moves focus to the form's control for `field`, if it is (still) on screen.
fn focus_field(form: NodeRef<html::Form>, field: &str) {
    if let Some(Some(form)) = form.try_get_untracked()
        && let Ok(Some(control)) = form.query_selector(&format!("#edgedesk-{field}"))
        && let Ok(control) = control.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = control.focus();
    }
}

/// The message of the ticket's problem when it is with `field`.
fn field_error(error: RwSignal<Option<ApiError>>, field: &'static str) -> impl Fn() -> Option<String> + Copy {
    move || error.get().filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message)
}

/// ARIA wants the words "true" and "false"; a bare boolean attribute would render as "".
fn aria_bool(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A labelled form field whose error, when the ticket's problem is with it, sits under it, is announced
/// with it (aria-describedby) and marks it invalid.
#[component]
fn Field(
    /// The ticket field it edits, as the API names it.
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] multiline: bool,
    #[prop(default = 5)] rows: u32,
) -> impl IntoView {
    let id = format!("edgedesk-{name}");
    let error_id = format!("edgedesk-{name}-error");
    let message = field_error(error, name);
    let invalid = move || aria_bool(message().is_some());
    let described_by = {
        let error_id = error_id.clone();
        move || message().map(|_| error_id.clone())
    };
    let on_input = move |event| value.set(event_target_value(&event));
    let control = if multiline {
        view! {
            <textarea id=id.clone() name=name rows=rows aria-invalid=invalid aria-describedby=described_by
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
        <label for=id>{move || label.get()}</label>
        {control}
        {move || message().map(|message| view! { <span class="field-error" id=error_id.clone()>{message}</span> })}
    }
}

/// A labelled `<select>` of `(value, title)` options. An empty value stands for the first option, the
/// site's default.
#[component]
fn Choice(
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = format!("edgedesk-{name}");
    let error_id = format!("edgedesk-{name}-error");
    let message = field_error(error, name);
    let described_by = {
        let error_id = error_id.clone();
        move || message().map(|_| error_id.clone())
    };
    view! {
        <label for=id.clone()>{move || label.get()}</label>
        <select id=id name=name aria-invalid=move || aria_bool(message().is_some()) aria-describedby=described_by
            on:change=move |event| value.set(event_target_value(&event))>
            {options.into_iter().enumerate().map(|(position, (option, title))| {
                let selected = {
                    let option = option.clone();
                    move || value.with(|value| *value == option || (value.is_empty() && position == 0))
                };
                view! { <option value=option prop:selected=selected>{title}</option> }
            }).collect_view()}
        </select>
        {move || message().map(|message| view! { <span class="field-error" id=error_id.clone()>{message}</span> })}
    }
}

/// Screenshots and PDFs, each uploaded as soon as it is chosen.
#[component]
fn Attachments(
    settings: Settings,
    form: FormState,
    #[prop(into)] label: Signal<String>,
    words: &'static ScreenWords,
) -> impl IntoView {
    let message = move || form.attachment_error.get().or_else(|| field_error(form.error, "attachments")());
    let hint = move || {
        let size = form.max_attachment_bytes() / (1024 * 1024);
        words
            .attachments_hint
            .replace("{count}", &form.max_attachments().to_string())
            .replace("{size}", &size.to_string())
    };
    let described_by = move || {
        if message().is_some() {
            "edgedesk-attachments-hint edgedesk-attachments-error"
        } else {
            "edgedesk-attachments-hint"
        }
    };
    let choose = move |event: Event| {
        let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let files =
            input.files().map(|list| (0..list.length()).filter_map(|at| list.get(at)).collect()).unwrap_or_default();
        // Cleared so that choosing the same file again, after removing it, is a change too.
        input.set_value("");
        form.attach(&settings.api, files, words);
    };
    let listed = move || {
        form.attachments
            .get()
            .into_iter()
            .map(|attachment| {
                let key = attachment.key;
                let status = match &attachment.id {
                    None => view! { <span class="attachment-status">{words.uploading}</span> }.into_any(),
                    Some(_) => view! {
                        <button type="button" class="link attachment-remove"
                            aria-label=format!("{} {}", words.remove, attachment.name)
                            on:click=move |_| form.remove_attachment(key)>
                            {words.remove}
                        </button>
                    }
                    .into_any(),
                };
                view! {
                    <li class="attachment" data-attachment-id=attachment.id.clone()>
                        <span class="attachment-name">{attachment.name.clone()}</span>
                        {status}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <label for="edgedesk-attachments">{move || label.get()}</label>
        <span class="hint" id="edgedesk-attachments-hint">{hint}</span>
        <input id="edgedesk-attachments" name="attachments" type="file" multiple=true accept=move || form.accept()
            aria-invalid=move || aria_bool(message().is_some()) aria-describedby=described_by on:change=choose />
        <ul class="attachments" aria-live="polite">{listed}</ul>
        {move || message().map(|message| view! { <span class="field-error" id="edgedesk-attachments-error">{message}</span> })}
    }
}

/// Articles that may answer what the customer is writing, before they send it.
#[component]
fn Suggestions(form: FormState, screen: Watched<Screen>, words: &'static ScreenWords) -> impl IntoView {
    let list = move || {
        let hits = form.suggestions.get();
        (!hits.is_empty()).then(|| {
            view! {
                <p class="suggestions-title">{words.suggestions}</p>
                <ul class="suggestions">
                    {hits.into_iter().map(|hit| {
                        let title = hit.title.clone();
                        view! {
                            <li>
                                <button type="button" class="link suggestion" on:click=move |_| {
                                    form.open_suggestion(&hit);
                                    screen.set(Screen::Article {
                                        locale: hit.locale.clone(),
                                        slug: hit.slug.clone(),
                                        anchor: hit.anchor.clone(),
                                        from_form: true,
                                    });
                                }>{title}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })
    };
    // Always present, so that screen readers hear the suggestions when they arrive.
    // Busy while the suggestions for what was just typed are on their way: screen readers wait for them.
    view! {
        <div class="suggestions-box" aria-live="polite" aria-busy=move || form.suggesting.get().to_string()>
            {list}
        </div>
    }
}

#[component]
pub fn SentScreen(settings: Settings, accepted: TicketAccepted, screen: Watched<Screen>) -> impl IntoView {
    let words = settings.screen_words();
    let title = NodeRef::<html::P>::new();
    // The form and its button are gone: focus goes to what replaced them.
    request_animation_frame(move || {
        if let Some(Some(title)) = title.try_get_untracked() {
            let _ = title.focus();
        }
    });
    view! {
        <div class="screen sent" role="status">
            <p class="sent-title" tabindex="-1" node_ref=title>{words.sent_title}</p>
            <p class="ticket-number-label">{words.your_ticket_number}</p>
            <strong class="ticket-number">{accepted.number}</strong>
            <p class="sent-message">{accepted.message}</p>
            {(!accepted.view_token.is_empty()).then(|| view! {
                <p class="access-code-label">{words.access_code}" "<strong class="access-code">{accepted.view_token}</strong></p>
                <p class="access-code-hint">{words.access_code_hint}</p>
            })}
            <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Search)>
                {words.back_to_help}
            </button>
            <button type="button" class="link my-tickets" on:click=move |_| screen.set(Screen::MyTickets)>
                {words.my_tickets}
            </button>
        </div>
    }
}
