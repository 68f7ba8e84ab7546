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

use edgedesk_protocol::api::TicketAccepted;
use leptos::prelude::*;
use leptos::task::{spawn_local, spawn_local_scoped_with_cancellation};
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::Settings;
use crate::form::{FormLink, FormState};
use crate::screen::Screen;
use crate::status::StatusState;

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_screens))]
fn article_screen(
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: RwSignal<Screen>,
) -> Result<AnyView, SplitLoaderError> {
    use crate::article::ArticleScreen;
    Ok(view! {
        <ArticleScreen settings=settings locale=locale slug=slug anchor=anchor from_form=from_form screen=screen />
    }
    .into_any())
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn contact_screen(
    settings: Settings,
    form: FormLink,
    search_query: String,
    screen: RwSignal<Screen>,
    status: StatusState,
) -> Result<AnyView, SplitLoaderError> {
    use crate::contact::ContactScreen;
    let form = FormState::of(form, &settings);
    Ok(view! {
        <ContactScreen settings=settings form=form search_query=search_query screen=screen status=status />
    }
    .into_any())
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn sent_screen(
    settings: Settings,
    accepted: TicketAccepted,
    screen: RwSignal<Screen>,
) -> Result<AnyView, SplitLoaderError> {
    use crate::contact::SentScreen;
    Ok(view! { <SentScreen settings=settings accepted=accepted screen=screen /> }.into_any())
}

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn my_tickets_screen(settings: Settings, screen: RwSignal<Screen>) -> Result<AnyView, SplitLoaderError> {
    use crate::tickets::MyTicketsScreen;
    Ok(view! { <MyTicketsScreen settings=settings screen=screen /> }.into_any())
}

/// An article, once its chunk is here.
pub fn article(
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: RwSignal<Screen>,
) -> AnyView {
    let words = settings.words();
    loading(
        words,
        screen,
        Box::new(move || {
            Box::pin(article_screen(settings.clone(), locale.clone(), slug.clone(), anchor.clone(), from_form, screen))
        }),
    )
}

/// The contact form, once its chunk is here.
pub fn contact(
    settings: Settings,
    form: FormLink,
    search_query: String,
    screen: RwSignal<Screen>,
    status: StatusState,
) -> AnyView {
    let words = settings.words();
    loading(
        words,
        screen,
        Box::new(move || Box::pin(contact_screen(settings.clone(), form, search_query.clone(), screen, status))),
    )
}

/// The ticket's confirmation.
pub fn sent(settings: Settings, accepted: TicketAccepted, screen: RwSignal<Screen>) -> AnyView {
    let words = settings.words();
    loading(words, screen, Box::new(move || Box::pin(sent_screen(settings.clone(), accepted.clone(), screen))))
}

/// My tickets, once its chunk is here.
pub fn my_tickets(settings: Settings, screen: RwSignal<Screen>) -> AnyView {
    let words = settings.words();
    loading(words, screen, Box::new(move || Box::pin(my_tickets_screen(settings.clone(), screen))))
}

/// A screen being built, once its chunk is here.
type Building = Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>;

/// A screen from a chunk that may still be on its way.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Chunk {
    Loading,
    Ready,
    Failed,
}

/// "Loading…" while `load` fetches the screen's chunk and builds the screen, then the screen; when the
/// chunk does not come, what happened and a button that asks for it again.
///
/// Not generic over the screen: one copy of it serves all four, where a copy per screen cost 1.1 KB brotli
/// in the first chunk.
fn loading(words: &'static crate::words::Words, screen: RwSignal<Screen>, load: Box<dyn Fn() -> Building>) -> AnyView {
    let state = RwSignal::new(Chunk::Loading);
    let built = StoredValue::new_local(None::<AnyView>);
    // The screen is built under the panel's owner, and the task ends if the customer moves on: also when
    // "Try again" starts it, from a click handler, which runs under no owner.
    let owner = Owner::current().unwrap_or_default();
    let attempt = move || {
        state.set(Chunk::Loading);
        let building = load();
        owner.with(|| {
            spawn_local_scoped_with_cancellation(async move {
                match building.await {
                    Ok(view) => {
                        built.set_value(Some(view));
                        state.set(Chunk::Ready);
                    }
                    Err(_) => state.set(Chunk::Failed),
                }
            })
        });
    };
    attempt();
    // Kept in the arena: the view below must be `Send`, and the attempt holds the screen's (local) props.
    let attempt = StoredValue::new_local(attempt);
    (move || match state.get() {
        // A chunk already here is ready within the same task, before the browser paints "Loading…".
        Chunk::Loading => view! { <p class="notice">{words.loading}</p> }.into_any(),
        Chunk::Ready => built.try_update_value(Option::take).flatten().unwrap_or_else(|| ().into_any()),
        Chunk::Failed => {
            view! {
                <div class="screen">
                    <p class="notice" role="alert">{words.screen_failed}</p>
                    <button type="button" class="secondary" on:click=move |_| attempt.with_value(|attempt| attempt())>{words.try_again}</button>
                    <button type="button" class="link" on:click=move |_| screen.set(Screen::Search)>
                        {words.back_to_search}
                    </button>
                </div>
            }
            .into_any()
        }
    })
    .into_any()
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
