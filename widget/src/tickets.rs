//! "My tickets": the tickets sent from this browser, and any other found by number and access code (the
//! view token the worker answered with), each with where it stands and, once solved, whether the answer
//! helped. A customer the product vouches for sees their tickets from every device.

use edgedesk_protocol::api::{MyTickets, MyTicketsRequest, TicketLookup, TicketRating, TicketStatus, TicketView};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::api::describe;
use crate::api::{Failure, encode};
use crate::json::{Fields, FromJson};
use crate::screen::Screen;
use crate::watch::Watched;
use crate::words::{Words, local_time};
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

#[component]
pub fn MyTicketsScreen(settings: Settings, screen: Watched<Screen>) -> impl IntoView {
    let words = settings.words();
    let filed = filed_tickets();
    // A customer the product vouches for also sees the tickets they sent from other devices.
    let elsewhere = RwSignal::new(Vec::<FiledTicket>::new());
    if let Some(identity) = settings.session.identity.get() {
        let api = settings.api.clone();
        spawn_local(async move {
            let request = MyTicketsRequest { identity: Some(identity) };
            if let Ok(mine) = api.post::<MyTickets>("/api/tickets/mine", &request).await {
                let tickets = mine.tickets.into_iter().map(|ticket| FiledTicket {
                    number: ticket.number,
                    token: String::new(),
                    subject: ticket.subject,
                    created: ticket.created_at,
                });
                elsewhere.set(tickets.collect());
            }
        });
    }
    let number = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // The number and access code last looked up.
    let looked_up = RwSignal::new(None::<(String, String)>);
    let title = NodeRef::<html::H3>::new();
    request_animation_frame(move || {
        if let Some(Some(title)) = title.try_get_untracked() {
            let _ = title.focus();
        }
    });

    let find = move |event: SubmitEvent| {
        event.prevent_default();
        let number = number.get_untracked().trim().to_uppercase();
        let code = code.get_untracked().trim().to_owned();
        if !number.is_empty() && !code.is_empty() {
            looked_up.set(Some((number, code)));
        }
    };

    let list = {
        let settings = settings.clone();
        move || {
            let mut all = filed.clone();
            for ticket in elsewhere.get() {
                if !all.iter().any(|known| known.number == ticket.number) {
                    all.push(ticket);
                }
            }
            all.sort_by(|a, b| b.created.cmp(&a.created));
            if all.is_empty() {
                return view! { <p class="notice">{words.no_tickets_yet}</p> }.into_any();
            }
            let settings = settings.clone();
            let locale = settings.locale();
            view! {
                <ul class="my-tickets">
                    {all.into_iter().map(|ticket| view! {
                        <li>
                            <TicketCard settings=settings.clone() number=ticket.number token=ticket.token
                                subject=Some(ticket.subject) filed=Some(local_time(&ticket.created, &locale)) />
                        </li>
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    };

    view! {
        <div class="screen my-tickets-screen">
            <button type="button" class="link back" on:click=move |_| screen.set(Screen::Search)>{words.back}</button>
            <h3 class="screen-title" tabindex="-1" node_ref=title>{words.my_tickets}</h3>
            {list}
            <form class="lookup" on:submit=find>
                <h4 class="lookup-title">{words.find_ticket}</h4>
                <label for="edgedesk-lookup-number">{words.ticket_number}</label>
                <input id="edgedesk-lookup-number" name="number" required autocomplete="off" placeholder="ED-XXXX-XXXX"
                    prop:value=move || number.get() on:input=move |event| number.set(event_target_value(&event)) />
                <label for="edgedesk-lookup-code">{words.access_code}</label>
                <input id="edgedesk-lookup-code" name="code" required autocomplete="off" placeholder="XXXX-XXXX-XXXX-XXXX"
                    prop:value=move || code.get() on:input=move |event| code.set(event_target_value(&event)) />
                <button type="submit" class="secondary">{words.find}</button>
            </form>
            <div class="lookup-result" aria-live="polite">
                {move || looked_up.get().map(|(number, token)| view! {
                    <TicketCard settings=settings.clone() number=number token=token subject=None filed=None />
                })}
            </div>
        </div>
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Loaded {
    Loading,
    Ready(Box<TicketView>),
    NotFound,
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rating {
    NotYet,
    Sending,
    Thanked,
    Failed,
}

/// One ticket: where it stands, what happened to it, and the rating of a solved ticket's answer.
#[component]
fn TicketCard(
    settings: Settings,
    number: String,
    /// The access code; without one the signed identity, if any, opens the ticket.
    token: String,
    /// As the customer wrote it, for tickets sent from this browser; the worker's copy otherwise.
    subject: Option<String>,
    /// When it was sent, formatted, for tickets sent from this browser.
    filed: Option<String>,
) -> impl IntoView {
    let (words, locale) = (settings.words(), settings.locale());
    let loaded = RwSignal::new(Loaded::Loading);
    let rating = RwSignal::new(Rating::NotYet);
    let ticket_path = format!("/api/tickets/{}", encode(&number));
    // In the body, never in a URL, where logs and browser history would keep it.
    let lookup = match token.is_empty() {
        false => TicketLookup { token: Some(token), identity: None },
        true => TicketLookup { token: None, identity: settings.session.identity.get() },
    };
    {
        let (api, path, lookup) = (settings.api.clone(), format!("{ticket_path}/view"), lookup.clone());
        spawn_local(async move {
            loaded.set(match api.post::<TicketView>(&path, &lookup).await {
                Ok(view) => Loaded::Ready(Box::new(view)),
                // A code that cannot be one (say, the email typed there) finds nothing either, in the
                // customer's language.
                Err(Failure::Refused(error)) if error.status == 404 || error.code == "invalid_token" => {
                    Loaded::NotFound
                }
                Err(failure) => Loaded::Failed(describe(&failure, words)),
            });
        });
    }
    let rate = move |good: bool| {
        rating.set(Rating::Sending);
        let api = settings.api.clone();
        let rating_value = if good { "good" } else { "bad" }.into();
        let body = TicketRating {
            token: lookup.token.clone(),
            identity: lookup.identity.clone(),
            rating: rating_value,
            comment: None,
        };
        let path = format!("{ticket_path}/rating");
        spawn_local(async move {
            rating.set(match api.post_no_content(&path, &body).await {
                Ok(()) => Rating::Thanked,
                Err(_) => Rating::Failed,
            });
        });
    };
    let number_attribute = number.clone();
    let details = move || match loaded.get() {
        Loaded::Loading => view! { <p class="notice">{words.loading}</p> }.into_any(),
        Loaded::NotFound => view! { <p class="notice" role="alert">{words.not_found}</p> }.into_any(),
        Loaded::Failed(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
        Loaded::Ready(ticket) => {
            let rate = rate.clone();
            ticket_details(*ticket, &locale, words, subject.clone(), rating, rate).into_any()
        }
    };
    view! {
        <article class="my-ticket" data-number=number_attribute>
            <p class="my-ticket-head">
                <strong class="my-ticket-number">{number}</strong>
                {filed.map(|filed| view! { <span class="my-ticket-filed">{filed}</span> })}
            </p>
            {details}
        </article>
    }
}

fn ticket_details<Rate: Fn(bool) + Clone + Send + Sync + 'static>(
    ticket: TicketView,
    locale: &str,
    words: &'static Words,
    subject: Option<String>,
    rating: RwSignal<Rating>,
    rate: Rate,
) -> impl IntoView + use<Rate> {
    let waiting = matches!(ticket.status, TicketStatus::Received | TicketStatus::Delivered | TicketStatus::Open);
    let expected = (waiting && !ticket.expected_reply_at.is_empty()).then(|| {
        let when = local_time(&ticket.expected_reply_at, locale);
        view! { <p class="ticket-expected">{words.expected_reply}<time datetime=ticket.expected_reply_at>{when}</time></p> }
    });
    let events = ticket
        .events
        .into_iter()
        .map(|event| {
            let when = local_time(&event.at, locale);
            view! {
                <li>
                    <time datetime=event.at>{when}</time>" "{words.status(event.status)}
                    {event.message.map(|message| view! { <span class="ticket-event-message">" — "{message}</span> })}
                </li>
            }
        })
        .collect_view();
    let already_rated = ticket.rating.is_some();
    let can_rate = ticket.can_rate;
    let feedback = move || match rating.get() {
        Rating::Thanked => Some(view! { <p class="rating-thanks" role="status">{words.rated_thanks}</p> }.into_any()),
        _ if already_rated => Some(view! { <p class="rating-thanks">{words.rated_thanks}</p> }.into_any()),
        state if can_rate => {
            let sending = move || rating.get() == Rating::Sending;
            let (good, bad) = (rate.clone(), rate.clone());
            Some(
                view! {
                    <div class="feedback" role="group" aria-label=words.helpful>
                        <span>{words.helpful}</span>
                        <button type="button" class="secondary rate-good" disabled=sending on:click=move |_| good(true)>{words.good}</button>
                        <button type="button" class="secondary rate-bad" disabled=sending on:click=move |_| bad(false)>{words.bad}</button>
                        {(state == Rating::Failed).then(|| view! { <span class="field-error">{words.unreachable}</span> })}
                    </div>
                }
                .into_any(),
            )
        }
        _ => None,
    };
    view! {
        <p class="my-ticket-subject">{subject.unwrap_or(ticket.subject)}</p>
        <p class="ticket-status">{words.status(ticket.status)}</p>
        {expected}
        <ol class="ticket-events">{events}</ol>
        {feedback}
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
