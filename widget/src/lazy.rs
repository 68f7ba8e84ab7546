//! The screens a customer may never open — an article, the contact form and its confirmation, My tickets —
//! live in a wasm chunk of their own, split off by `wasm-split-cli` in scripts/build.sh: what every page
//! view downloads holds only the panel, the banner and search. The chunk downloads the first time one of
//! them is shown, or earlier, when the pointer or the focus reaches a control that opens one
//! ([`prefetch`]): by the click it is usually here.
//!
//! One chunk, not one per screen: split three ways, the code the screens share went into four more
//! chunks, and the widget's bytes all told grew by 9 KB brotli (docs/benchmarks.md).
//!
//! Their styles (form.css, article.css) come beside the chunk as `screens.css`, fetched with it and adopted
//! into the shadow root before the first of them is shown: compiled in, they would sit in the first chunk,
//! which keeps all of the wasm's data (1.1 KB brotli there, docs/benchmarks.md).
//!
//! Each split function is `fallible`: the chunk that does not arrive (offline, or an old page asking for a
//! chunk a deploy replaced) is an error the panel explains, with a button to try again, where the
//! infallible form would panic and, with `panic = "abort"`, take the whole widget down.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use edgedesk_protocol::api::TicketAccepted;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;

use crate::Settings;
use crate::dom;
use crate::form::{FormLink, FormState};
use crate::screen::Screen;
use crate::status::StatusState;
use crate::watch::Watched;
use crate::words::Words;

// Each screen is mounted by Leptos into the element the panel gives it, here in the chunk. What comes
// back is the mounted view: dropping it (the panel does, when the customer moves on) unmounts the screen
// and disposes of its reactive state.

#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_screens))]
fn article_screen(
    container: HtmlElement,
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: Watched<Screen>,
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
    screen: Watched<Screen>,
    status: StatusState,
) -> Result<Mounted, SplitLoaderError> {
    use crate::contact::ContactScreen;
    // The form's effects start before `mount_to` would set Leptos's executor up; without one their
    // tasks would be dropped.
    let _ = any_spawner::Executor::init_wasm_bindgen();
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
    screen: Watched<Screen>,
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
    form: FormLink,
    screen: Watched<Screen>,
) -> Result<Mounted, SplitLoaderError> {
    // Drawn with web-sys: the panel clears its body for the next screen, so nothing needs unmounting.
    crate::tickets::show(&container, settings, form, screen);
    Ok(Box::new(()))
}

/// A screen Leptos mounted. The first chunk only ever drops it, so it holds none of Leptos's code.
type Mounted = Box<dyn Any>;

/// A screen being mounted, once its chunk is here.
type Mounting = Pin<Box<dyn Future<Output = Result<Mounted, SplitLoaderError>>>>;

/// The panel's hold on the screen from this chunk that it shows.
#[derive(Default)]
pub struct Shown {
    mounted: RefCell<Option<Mounted>>,
    /// Counts the screens the panel has shown, so that a chunk that arrives after the customer moved on
    /// mounts nothing.
    showings: Cell<u64>,
}

impl Shown {
    /// Unmounts the screen shown before, if it came from this chunk, and says where the next one goes.
    pub fn next(&'static self, body: &HtmlElement) -> Place {
        let before = self.mounted.take();
        drop(before);
        self.showings.set(self.showings.get() + 1);
        Place { body: body.clone(), showing: self.showings.get(), shown: self }
    }
}

/// Where a screen goes: the panel's body, for as long as the customer stays on that screen.
#[derive(Clone)]
pub struct Place {
    body: HtmlElement,
    showing: u64,
    shown: &'static Shown,
}

impl Place {
    fn is_current(&self) -> bool {
        self.shown.showings.get() == self.showing
    }
}

/// An article, once its chunk is here.
pub fn article(
    place: Place,
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    from_form: bool,
    screen: Watched<Screen>,
) {
    let words = settings.words();
    show(
        place,
        words,
        screen,
        Rc::new(move |container| {
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
    place: Place,
    settings: Settings,
    form: FormLink,
    search_query: String,
    screen: Watched<Screen>,
    status: StatusState,
) {
    let words = settings.words();
    show(
        place,
        words,
        screen,
        Rc::new(move |container| {
            Box::pin(contact_screen(container, settings.clone(), form, search_query.clone(), screen, status))
        }),
    )
}

/// The ticket's confirmation.
pub fn sent(place: Place, settings: Settings, accepted: TicketAccepted, screen: Watched<Screen>) {
    let words = settings.words();
    show(
        place,
        words,
        screen,
        Rc::new(move |container| Box::pin(sent_screen(container, settings.clone(), accepted.clone(), screen))),
    )
}

/// My tickets and the conversations in them, once its chunk is here; `form` takes a follow-up's subject.
pub fn my_tickets(place: Place, settings: Settings, form: FormLink, screen: Watched<Screen>) {
    let words = settings.words();
    show(
        place,
        words,
        screen,
        Rc::new(move |container| Box::pin(my_tickets_screen(container, settings.clone(), form, screen))),
    )
}

type Load = Rc<dyn Fn(HtmlElement) -> Mounting>;

/// "Loading…" while `load` fetches the screen's chunk and mounts the screen; when the chunk does not
/// come, what happened and a button that asks for it again.
///
/// Not generic over the screen: one copy of it serves all four, where a copy per screen cost 1.1 KB brotli
/// in the first chunk.
fn show(place: Place, words: &'static Words, screen: Watched<Screen>, load: Load) {
    let place = Rc::new(place);
    dom::clear(&place.body);
    let waiting = dom::text_element("p", "notice", words.loading);
    dom::append(&place.body, &waiting);
    spawn_local(async move {
        // The chunk first, then the screen, only if the customer is still waiting for it: a screen mounted
        // late would do what showing it does (an article counts as read) for a screen nobody saw.
        let arrived = screens_ready().await;
        if !place.is_current() {
            return;
        }
        let mounted = if arrived { load(place.body.clone()).await.ok() } else { None };
        match mounted {
            // A chunk already here mounts in the same task, before the browser paints "Loading…".
            Some(view) => {
                waiting.remove();
                place.shown.mounted.replace(Some(view));
            }
            None => show_failure(place, words, screen, load),
        }
    });
}

/// What happened, a button that asks for the chunk again, and the way back to search.
fn show_failure(place: Rc<Place>, words: &'static Words, screen: Watched<Screen>, load: Load) {
    dom::clear(&place.body);
    let failed = dom::element("div", "screen");
    let notice = dom::text_element("p", "notice", words.screen_failed);
    dom::set(&notice, "role", "alert");
    dom::append(&failed, &notice);
    dom::append(&failed, &dom::button("secondary", words.try_again));
    dom::append(&failed, &dom::button("link", words.back_to_search));
    dom::append(&place.body, &failed);
    dom::on(&failed, "click", move |event| {
        if dom::closest(&event, ".secondary").is_some() {
            show(Place::clone(&place), words, screen, load.clone());
        } else if dom::closest(&event, ".link").is_some() {
            screen.set(Screen::Search);
        }
    });
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
        if !screens_ready().await {
            ASKED.set(false);
        }
    });
}

thread_local! {
    /// The loader's `adoptStyle` (see `mount`), for the screens' styles.
    static STYLE_ADOPTER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// Whether the screens' styles are in the shadow root and their words are read.
    static SCREENS_DRESSED: Cell<bool> = const { Cell::new(false) };
}

// Not in unit tests: wasm-bindgen-test runs them in node as CommonJS, where `import.meta` does not parse.
#[cfg(not(test))]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    type ImportMeta;
    /// The widget's JS glue's `import.meta`: its URL names the directory the widget's files are in.
    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;
    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;
}

pub fn keep_style_adopter(adopt_style: js_sys::Function) {
    STYLE_ADOPTER.set(Some(adopt_style));
}

/// Whether the screens' chunk, their styles and their words, all three asked for at once, are here. The
/// requests start here; the rest of the handling is in the chunk.
async fn screens_ready() -> bool {
    let dressing = (!SCREENS_DRESSED.get()).then(|| (fetch_beside("screens.css"), fetch_beside("screen-words.json")));
    let chunk = preload_screens().await.is_ok();
    let Some((style, words)) = dressing else { return chunk };
    chunk
        && match dress_screens(style, words).await {
            Ok(dressing) => dressing.await,
            Err(_) => false,
        }
}

/// A file of the widget's, beside its JS glue.
fn fetch_beside(name: &str) -> Option<js_sys::Promise> {
    #[cfg(not(test))]
    let glue = IMPORT_META.with(ImportMeta::url);
    #[cfg(test)]
    let glue = String::new();
    let directory = glue.rsplit_once('/').map_or("", |(directory, _)| directory);
    Some(web_sys::window()?.fetch_with_str(&format!("{directory}/{name}")))
}

type Dressing = Pin<Box<dyn Future<Output = bool>>>;

/// Adopts the screens' styles and reads their words once both are here: once, though a prefetch and a
/// click that overlap may both have asked for them (the browser's cache answers the second).
#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn dress_screens(style: Option<js_sys::Promise>, words: Option<js_sys::Promise>) -> Result<Dressing, SplitLoaderError> {
    use wasm_bindgen::JsValue;
    Ok(Box::pin(async move {
        let (Some(css), Some(words)) =
            (body(style, web_sys::Response::text).await, body(words, web_sys::Response::json).await)
        else {
            return false;
        };
        if SCREENS_DRESSED.get() {
            return true;
        }
        if !crate::words::keep_screen_words(&words) {
            return false;
        }
        if let Some(adopt_style) = STYLE_ADOPTER.with_borrow(Clone::clone) {
            let _ = adopt_style.call1(&JsValue::NULL, &css);
        }
        SCREENS_DRESSED.set(true);
        true
    }))
}

/// A successful answer's body, read by `read` (text, JSON).
async fn body(
    answer: Option<js_sys::Promise>,
    read: fn(&web_sys::Response) -> Result<js_sys::Promise, wasm_bindgen::JsValue>,
) -> Option<wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let answer: web_sys::Response = JsFuture::from(answer?).await.ok()?.unchecked_into();
    let reading = read(&answer).ok().filter(|_| answer.ok())?;
    JsFuture::from(reading).await.ok()
}
