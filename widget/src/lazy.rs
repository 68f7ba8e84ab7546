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

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;

use crate::Settings;
use crate::api::body_of;
use crate::dom;
use crate::form::{FormLink, FormState};
use crate::screen::Screen;
use crate::status::StatusState;
use crate::watch::Watched;
use crate::words::Words;

/// What a screen from the chunk is drawn from: which one, and the panel's parts it reads.
#[derive(Clone)]
pub struct Drawing {
    pub settings: Settings,
    /// The screen to draw.
    pub shown: Screen,
    /// Where the customer is, for the screen's links to the others.
    pub screen: Watched<Screen>,
    pub form: FormLink,
    pub status: StatusState,
    /// What the customer searched for: the contact form's subject, if they have not written one.
    pub search_query: String,
}

/// Draws a screen into the element the panel gives it, here in the chunk. What comes back is held while
/// the screen shows: dropping it (the panel does, when the customer moves on) disposes of the screen's
/// reactive state. One entry for all of them: an entry per screen cost the first chunk a copy each of
/// the code that waits for the chunk.
#[wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_screens))]
fn draw_screen(container: HtmlElement, drawing: Drawing) -> Result<Mounted, SplitLoaderError> {
    let Drawing { settings, shown, screen, form, status, search_query } = drawing;
    Ok(match shown {
        Screen::Article { locale, slug, anchor, from_form } => {
            use crate::article::ArticleScreen;
            Box::new(mount_to(container, move || {
                view! { <ArticleScreen settings=settings locale=locale slug=slug anchor=anchor from_form=from_form screen=screen /> }
            }))
        }
        Screen::Contact => {
            // The form's effects run as tasks of Leptos's executor, which nothing else has set up yet.
            let _ = any_spawner::Executor::init_wasm_bindgen();
            let form = FormState::of(form, &settings);
            // The screen's effects live under an owner of their own, which the panel drops with the screen.
            let owner = Owner::new();
            owner.with(|| crate::contact::show(&container, settings, form, search_query, screen, status));
            Box::new(owner)
        }
        Screen::Sent(accepted) => {
            crate::contact::show_sent(&container, &settings, accepted, screen);
            Box::new(())
        }
        // Drawn with web-sys: the panel clears its body for the next screen, so nothing needs unmounting.
        Screen::MyTickets => {
            crate::tickets::show(&container, settings, form, screen);
            Box::new(())
        }
        // The first chunk's own.
        Screen::Search => Box::new(()),
    })
}

#[wasm_split(answer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn answer_card(asked: crate::answer::Asked) -> Result<(), SplitLoaderError> {
    crate::answer::show(asked);
    Ok(())
}

thread_local! {
    /// Where the search screen shows a written answer, and the panel's screen its sources open from.
    static ANSWER_PLACE: RefCell<Option<(HtmlElement, Watched<Screen>)>> = const { RefCell::new(None) };
}

/// The search screen's place for the answer card.
pub fn keep_answer_place(slot: HtmlElement, screen: Watched<Screen>) {
    ANSWER_PLACE.set(Some((slot, screen)));
}

/// Takes the answer card away: the customer typed on.
pub fn clear_answer() {
    ANSWER_PLACE.with_borrow(|place| place.as_ref().map(|(slot, _)| dom::clear(slot)));
}

/// The written answer to `question`, from its own chunk, for as long as `current` says the customer is on
/// it. A chunk that does not come shows nothing: the results are there. Never inlined: the search's
/// pause would carry a copy of it in the first chunk.
#[inline(never)]
pub fn answer(settings: Settings, question: String, current: Rc<dyn Fn() -> bool>) {
    let Some((slot, screen)) = ANSWER_PLACE.with_borrow(Clone::clone) else { return };
    let words = fetch_beside("answer-words.json");
    let asked = crate::answer::Asked { slot, settings, question, screen, words, current };
    spawn_local(async move {
        let _ = answer_card(asked).await;
    });
}

/// What a drawn screen leaves for the panel to drop with it (the article's Leptos view, the form's
/// reactive owner). The first chunk only ever drops it, so it holds none of Leptos's code.
type Mounted = Box<dyn Any>;

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

/// A screen of the chunk's, once the chunk is here.
pub fn screen(place: Place, drawing: Drawing) {
    show(place, Rc::new(drawing))
}

/// "Loading…" while the screen's chunk comes and the screen is drawn; when the chunk does not come, what
/// happened and a button that asks for it again.
fn show(place: Place, drawing: Rc<Drawing>) {
    let words = drawing.settings.words();
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
        let mounted = if arrived { draw_screen(place.body.clone(), Drawing::clone(&drawing)).await.ok() } else { None };
        match mounted {
            // A chunk already here mounts in the same task, before the browser paints "Loading…".
            Some(view) => {
                waiting.remove();
                place.shown.mounted.replace(Some(view));
            }
            None => show_failure(place, words, drawing),
        }
    });
}

/// What happened, a button that asks for the chunk again, and the way back to search.
fn show_failure(place: Rc<Place>, words: &'static Words, drawing: Rc<Drawing>) {
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
            show(Place::clone(&place), drawing.clone());
        } else if dom::closest(&event, ".link").is_some() {
            drawing.screen.set(Screen::Search);
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
            (body_of(style, web_sys::Response::text).await, body_of(words, web_sys::Response::json).await)
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
