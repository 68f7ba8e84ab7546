//! The screens a customer may never open — an article, the contact form and its confirmation, My tickets —
//! live in a wasm chunk of their own, split off by `wasm-split-cli` in scripts/build.sh: what every page
//! view downloads holds only the panel, the banner and search. The chunk downloads the first time one of
//! them is shown, or earlier, when the pointer or the focus reaches a control that opens one
//! ([`prefetch`]): by the click it is usually here.
//!
//! One chunk, not one per screen: split three ways, the code the screens share went into four more
//! chunks, and the widget's bytes all told grew by 9 KB brotli (docs/benchmarks.md).
//!
//! Each split function is `fallible`: the chunk that does not arrive (offline, or an old page asking for a
//! chunk a deploy replaced) is an error the panel explains, with a button to try again, where the
//! infallible form would panic and, with `panic = "abort"`, take the whole widget down.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use edgedesk_protocol::api::TicketAccepted;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::{spawn_local, spawn_local_scoped_with_cancellation};
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::Settings;
use crate::dom;
use crate::form::{FormLink, FormState};
use crate::screen::Screen;
use crate::status::StatusState;
use crate::words::Words;

// Each screen is mounted by Leptos into the element the panel gives it, here in the chunk, with
// Leptos's renderer. What comes back is the mounted view: dropping it (the panel does, when the customer
// moves on) unmounts the screen and disposes of its reactive state.

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_screens))]
fn article_screen(
    container: HtmlElement,
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: RwSignal<Screen>,
) -> Result<Mounted, SplitLoaderError> {
    use crate::article::ArticleScreen;
    Ok(Box::new(mount_to(container, move || {
        view! { <ArticleScreen settings=settings locale=locale slug=slug anchor=anchor from_form=from_form screen=screen /> }
    })))
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn contact_screen(
    container: HtmlElement,
    settings: Settings,
    form: FormLink,
    search_query: String,
    screen: RwSignal<Screen>,
    status: StatusState,
) -> Result<Mounted, SplitLoaderError> {
    use crate::contact::ContactScreen;
    let form = FormState::of(form, &settings);
    Ok(Box::new(mount_to(container, move || {
        view! { <ContactScreen settings=settings form=form search_query=search_query screen=screen status=status /> }
    })))
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn sent_screen(
    container: HtmlElement,
    settings: Settings,
    accepted: TicketAccepted,
    screen: RwSignal<Screen>,
) -> Result<Mounted, SplitLoaderError> {
    use crate::contact::SentScreen;
    Ok(Box::new(mount_to(
        container,
        move || view! { <SentScreen settings=settings accepted=accepted screen=screen /> },
    )))
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn my_tickets_screen(
    container: HtmlElement,
    settings: Settings,
    screen: RwSignal<Screen>,
) -> Result<Mounted, SplitLoaderError> {
    use crate::tickets::MyTicketsScreen;
    Ok(Box::new(mount_to(container, move || view! { <MyTicketsScreen settings=settings screen=screen /> })))
}

/// A screen Leptos mounted, kept until the customer moves on. Only its drop is ever called, so the first
/// chunk holds none of the renderer's code.
type Mounted = Box<dyn std::any::Any>;

/// An article, once its chunk is here.
pub fn article(
    body: &Element,
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: RwSignal<Screen>,
) {
    let words = settings.words();
    show(
        body,
        words,
        screen,
        Box::new(move |container| {
            Box::pin(article_screen(
                container,
                settings.clone(),
                locale.clone(),
                slug.clone(),
                anchor.clone(),
                from_form,
                screen,
            ))
        }),
    )
}

/// The contact form, once its chunk is here.
pub fn contact(
    body: &Element,
    settings: Settings,
    form: FormLink,
    search_query: String,
    screen: RwSignal<Screen>,
    status: StatusState,
) {
    let words = settings.words();
    show(
        body,
        words,
        screen,
        Box::new(move |container| {
            Box::pin(contact_screen(container, settings.clone(), form, search_query.clone(), screen, status))
        }),
    )
}

/// The ticket's confirmation.
pub fn sent(body: &Element, settings: Settings, accepted: TicketAccepted, screen: RwSignal<Screen>) {
    let words = settings.words();
    show(
        body,
        words,
        screen,
        Box::new(move |container| Box::pin(sent_screen(container, settings.clone(), accepted.clone(), screen))),
    )
}

/// My tickets, once its chunk is here.
pub fn my_tickets(body: &Element, settings: Settings, screen: RwSignal<Screen>) {
    let words = settings.words();
    show(
        body,
        words,
        screen,
        Box::new(move |container| Box::pin(my_tickets_screen(container, settings.clone(), screen))),
    )
}

/// A screen being mounted, once its chunk is here.
type Mounting = Pin<Box<dyn Future<Output = Result<Mounted, SplitLoaderError>>>>;

/// "Loading…" in `body` while `load` fetches the screen's chunk and mounts the screen there; when the
/// chunk does not come, what happened and a button that asks for it again.
///
/// Not generic over the screen: one copy of it serves all four, where a copy per screen cost 1.1 KB brotli
/// in the first chunk.
fn show(body: &Element, words: &'static Words, screen: RwSignal<Screen>, load: Box<dyn Fn(HtmlElement) -> Mounting>) {
    let body = body.clone().unchecked_into::<HtmlElement>();
    // Owned by the panel's screen: dropped, and the screen unmounted, when the customer moves on.
    let mounted = StoredValue::new_local(None::<Mounted>);
    // The task ends if the customer moves on first: also when "Try again" starts it, from a click handler,
    // which runs under no owner.
    let owner = Owner::current().unwrap_or_default();
    let again = StoredValue::new_local(None::<Rc<dyn Fn()>>);
    let attempt = Rc::new(move || {
        dom::clear(&body);
        let waiting = dom::text_element("p", "notice", words.loading);
        dom::append(&body, &waiting);
        let mounting = load(body.clone());
        let body = body.clone();
        owner.with(|| {
            spawn_local_scoped_with_cancellation(async move {
                match mounting.await {
                    // A chunk already here mounts within the same task, before the browser paints "Loading…".
                    Ok(view) => {
                        waiting.remove();
                        mounted.set_value(Some(view));
                    }
                    Err(_) => draw_failed(&body, words, screen, again),
                }
            })
        });
    });
    again.set_value(Some(attempt.clone()));
    attempt();
}

/// What happened, a button that asks for the chunk again, and the way back to search.
fn draw_failed(
    body: &Element,
    words: &'static Words,
    screen: RwSignal<Screen>,
    again: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
) {
    dom::clear(body);
    let failed = dom::element("div", "screen");
    let notice = dom::text_element("p", "notice", words.screen_failed);
    dom::set(&notice, "role", "alert");
    dom::append(&failed, &notice);
    dom::append(&failed, &dom::button("secondary", words.try_again));
    dom::append(&failed, &dom::button("link", words.back_to_search));
    dom::on(&failed, "click", move |event| {
        if dom::closest(&event, ".secondary").is_some() {
            if let Some(again) = again.get_value() {
                again();
            }
        } else if dom::closest(&event, ".link").is_some() {
            screen.set(Screen::Search);
        }
    });
    dom::append(body, &failed);
}
/// [`prefetch`] when an event's target is a button or a search result.
pub fn prefetch_on_reach(event: &web_sys::Event) {
    use wasm_bindgen::JsCast;
    let target = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok());
    if target.is_some_and(|target| target.closest("button, .hit").ok().flatten().is_some()) {
        prefetch();
    }
}

/// Starts downloading the screens' chunk, when the customer's pointer or focus reaches a control that opens
/// one of them; once, unless it failed. A failure is left for the click to report.
pub fn prefetch() {
    thread_local! {
        static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if ASKED.replace(true) {
        return;
    }
    spawn_local(async {
        if preload_screens().await.is_err() {
            ASKED.set(false);
        }
    });
}
