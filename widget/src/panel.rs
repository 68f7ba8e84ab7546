//! The panel: search first; an article read in place; a contact form; the ticket number; "My tickets".

use std::cell::{Cell, RefCell};

use edgedesk_protocol::status::{Level, Notice};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use crate::Settings;
use crate::dom;
use crate::form::{FormLink, Prefill};
use crate::lazy;
use crate::screen::Screen;
use crate::search::{SearchState, draw_search_screen};
use crate::status::StatusState;
use crate::watch::Watched;
use crate::words::Words;

/// The controls inside `panel` that Tab reaches, in order: enabled, shown, not taken out of the order.
fn tabbable(panel: &HtmlElement) -> Vec<HtmlElement> {
    let Ok(nodes) = panel.query_selector_all("button, a[href], input, select, textarea, [tabindex]") else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|index| nodes.get(index)?.dyn_into::<HtmlElement>().ok())
        .filter(|element| {
            element.tab_index() >= 0 && !element.has_attribute("disabled") && element.offset_parent().is_some()
        })
        .collect()
}

/// What the host page asks of the panel through the loader's API.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Search(String),
    OpenArticle(String),
    Prefill(Prefill),
    /// The customer signed out: nothing they typed stays.
    Reset,
}

/// Problems we know about, at the top of the panel, where a customer about to ask looks first.
fn draw_problems(slot: &Element, notices: &[Notice], words: &'static Words) {
    dom::clear(slot);
    let problems: Vec<&Notice> = notices.iter().filter(|notice| notice.level != Level::Green).collect();
    if problems.is_empty() {
        return;
    }
    let list = dom::element("ul", "panel-status");
    for notice in problems {
        let item =
            dom::element("li", if notice.level == Level::Red { "panel-status-red" } else { "panel-status-yellow" });
        let label = dom::text_element("strong", "", words.level(notice.level, notice.kind));
        dom::append_text(&label, ": ");
        dom::append(&item, &label);
        dom::append_text(&item, &notice.title);
        dom::append(&list, &item);
    }
    dom::append(slot, &list);
}

/// The panel, for the page's life: `Copy`, like the values it watches.
#[derive(Clone, Copy)]
pub struct Panel(&'static Parts);

struct Parts {
    settings: Settings,
    status: StatusState,
    screen: Watched<Screen>,
    /// Kept here, not in the search screen, so coming back from an article shows the same results.
    search: SearchState,
    /// Kept here too: reading a suggested article must not lose what the customer was writing. The form
    /// itself is built with its screen, in the screens' chunk.
    form: FormLink,
    section: HtmlElement,
    /// Where the screen the customer is on goes.
    body: HtmlElement,
    /// Drawn the first time it shows, and kept with what was typed and found.
    search_screen: RefCell<Option<HtmlElement>>,
    /// A screen from the screens' chunk, and which showing of a screen this is.
    lazy_screen: lazy::Shown,
    /// Nothing inside the panel is drawn (or fetched) until the customer first opens it: a widget loaded
    /// only to show a banner costs no more.
    opened: Cell<bool>,
    /// The screen is drawn after the event that changed it, once, however many changes it made.
    drawing: Cell<bool>,
}

impl Panel {
    /// The panel, drawn into `container`, hidden until `open`: its header, the problems we know about,
    /// and the screen the customer is on.
    pub fn draw(container: &Element, settings: Settings, open: Watched<bool>, status: StatusState) -> Self {
        let section = dom::element("section", "panel");
        dom::set(&section, "role", "dialog");
        dom::set(&section, "aria-labelledby", "edgedesk-title");
        section.set_hidden(true);
        let header = dom::element("header", "");
        let title = dom::element("h2", "");
        dom::set(&title, "id", "edgedesk-title");
        let close = dom::button("close", "×");
        dom::append(&header, &title);
        dom::append(&header, &close);
        let problems = dom::slot();
        let body = dom::slot();
        dom::append(&section, &header);
        dom::append(&section, &problems);
        dom::append(&section, &body);
        dom::append(container, &section);

        let panel = Self(Box::leak(Box::new(Parts {
            settings,
            status,
            screen: Watched::new(Screen::Search),
            search: SearchState::new(),
            form: FormLink::new(),
            section,
            body,
            search_screen: RefCell::new(None),
            lazy_screen: lazy::Shown::default(),
            opened: Cell::new(false),
            drawing: Cell::new(false),
        })));
        let Parts { settings, screen, search, form, .. } = panel.0;
        let (locale, path) = (settings.locale, settings.path);

        dom::on(&close, "click", move |_| open.set(false));
        let header_and_problems = move || {
            let words = settings.words();
            title.set_text_content(Some(words.panel_title));
            dom::set(&close, "aria-label", words.close_help);
            status.notices.with(|notices| draw_problems(&problems, notices, words));
            true
        };
        header_and_problems();
        status.notices.watch(header_and_problems.clone());
        // In another language (`setLocale`) the panel and its screen are drawn again, and what the screen
        // showed is asked for again in that language: the sections, the results for what is typed, the
        // articles for the page (the form reloads the site's form itself).
        locale.watch(move || {
            header_and_problems();
            if panel.0.opened.get() {
                search.load_sections(settings);
                search.run(settings, search.query.get());
                search.load_suggestions(settings);
                panel.draw_screen_soon();
            }
            true
        });
        // The articles for the host app's page, asked for again whenever the app's route changes.
        path.watch(move || {
            if panel.0.opened.get() {
                search.load_suggestions(settings);
            }
            true
        });

        open.watch(move || {
            let is_open = open.get();
            panel.0.section.set_hidden(!is_open);
            if !is_open {
                // A customer who read a suggested article and then closed the panel without sending was
                // answered by it.
                form.report_deflection(settings);
                return true;
            }
            if !panel.0.opened.replace(true) {
                search.load_suggestions(settings);
                panel.draw_screen_soon();
            }
            // Focus goes to the search box, so the customer can type at once; after a frame, as on the
            // first opening the search box is only being drawn.
            dom::next_frame(move || {
                let search_box = panel.0.section.query_selector("#edgedesk-search").ok().flatten();
                if let Some(search_box) = search_box.and_then(|element| element.dyn_into::<HtmlElement>().ok()) {
                    let _ = search_box.focus();
                }
            });
            true
        });
        screen.watch(move || {
            // Each screen starts at its top: under the sticky header, a screen opened while the one before
            // was scrolled down (a long form) would hide its "Back" button. Before the first opening there
            // is nothing to draw yet (a sign-out, `reset`, moves to search).
            if panel.0.opened.get() {
                panel.0.section.set_scroll_top(0);
                panel.draw_screen_soon();
            }
            true
        });
        // Or left the page without sending.
        if let Some(window) = web_sys::window() {
            dom::on(&window, "pagehide", move |_| form.report_deflection(settings));
        }

        // Escape closes; Tab and Shift+Tab go round the panel's controls instead of leaving the dialog.
        dom::on(&panel.0.section, "keydown", move |event| {
            let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
            match event.key().as_str() {
                "Escape" => open.set(false),
                "Tab" => {
                    let focusable = tabbable(&panel.0.section);
                    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
                    let target = event.target().and_then(|target| target.dyn_into::<HtmlElement>().ok());
                    let wrap_to = match target {
                        Some(target) if event.shift_key() && &target == first => last,
                        Some(target) if !event.shift_key() && &target == last => first,
                        _ => return,
                    };
                    event.prevent_default();
                    let _ = wrap_to.focus();
                }
                _ => {}
            }
        });
        panel
    }

    /// What the host page asked for through the loader's API.
    pub fn run(self, command: Command) {
        let Parts { settings, screen, search, form, .. } = self.0;
        match command {
            Command::Search(query) => {
                search.query.set(query.clone());
                search.run(settings, query);
                screen.set(Screen::Search);
            }
            Command::OpenArticle(slug) => {
                screen.set(Screen::Article { locale: settings.locale(), slug, anchor: None, from_form: false })
            }
            Command::Prefill(prefill) => {
                form.prefill(prefill);
                screen.set(Screen::Contact);
            }
            Command::Reset => {
                form.forget();
                search.query.set(String::new());
                // What the customer who signed out found, and the answer to their question, go with it.
                search.run(settings, String::new());
                screen.set(Screen::Search);
            }
        }
    }

    /// Draws the screen once the event that changed it is over: a click on a screen's button must not
    /// take that screen down under its own handler.
    fn draw_screen_soon(self) {
        if self.0.drawing.replace(true) {
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            self.0.drawing.set(false);
            self.draw_screen();
        });
    }

    fn draw_screen(self) {
        let Parts { settings, screen, search, form, status, body, .. } = self.0;
        // The screen before goes; one from the screens' chunk is unmounted by Leptos as it is dropped.
        let place = self.0.lazy_screen.next(body);
        dom::clear(body);
        let settings = settings.clone();
        match screen.get() {
            Screen::Search => {
                search.load_sections_if_missing(&settings);
                let mut search_screen = self.0.search_screen.borrow_mut();
                let search_screen =
                    search_screen.get_or_insert_with(|| draw_search_screen(&settings, *search, *screen));
                dom::append(body, search_screen);
            }
            shown => {
                let (screen, form, status, search_query) = (*screen, *form, *status, search.query.get());
                lazy::screen(place, lazy::Drawing { settings, shown, screen, form, status, search_query })
            }
        }
    }
}
