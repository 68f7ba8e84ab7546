//! The panel: search first; an article read in place; a contact form; the ticket number; "My tickets".

use edgedesk_protocol::status::{Level, Notice};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use crate::Settings;
use crate::dom;
use crate::form::{FormLink, Prefill};
use crate::lazy;
use crate::screen::Screen;
use crate::search::{SearchState, draw_search_screen};
use crate::status::StatusState;
use crate::words::{Words, words};

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
fn draw_problems(slot: &Element, notices: Vec<Notice>, words: &'static Words) {
    dom::clear(slot);
    let problems: Vec<Notice> = notices.into_iter().filter(|notice| notice.level != Level::Green).collect();
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

/// The panel, drawn into `container`, hidden until `open`: its header, the problems we know about, and
/// the screen the customer is on.
pub fn draw_panel(
    container: &Element,
    settings: Settings,
    open: RwSignal<bool>,
    status: StatusState,
    command: RwSignal<Option<Command>>,
) {
    let screen = RwSignal::new(Screen::Search);
    // Kept here, not in the search screen, so coming back from an article shows the same results.
    let search = SearchState::new();
    // Kept here too: reading a suggested article must not lose what the customer was writing. The form
    // itself is built with its screen, in the form's chunk.
    let form = FormLink::new();
    let locale = settings.locale;

    let panel = dom::element("section", "panel");
    dom::set(&panel, "role", "dialog");
    dom::set(&panel, "aria-labelledby", "edgedesk-title");
    panel.set_hidden(true);
    let header = dom::element("header", "");
    let title = dom::element("h2", "");
    dom::set(&title, "id", "edgedesk-title");
    let close = dom::button("close", "×");
    dom::append(&header, &title);
    dom::append(&header, &close);
    let problems = dom::slot();
    let body = dom::slot();
    dom::append(&panel, &header);
    dom::append(&panel, &problems);
    dom::append(&panel, &body);
    dom::append(container, &panel);

    dom::effect({
        let panel = panel.clone();
        move || panel.set_hidden(!open.get())
    });
    dom::on(&close, "click", move |_| open.set(false));
    dom::effect(move || {
        let words = words(&locale.get());
        title.set_text_content(Some(words.panel_title));
        dom::set(&close, "aria-label", words.close_help);
        draw_problems(&problems, status.notices.get(), words);
    });

    // Each screen starts at its top: under the sticky header, a screen opened while the one before was
    // scrolled down (a long form) would hide its "Back" button.
    dom::effect({
        let panel = panel.clone();
        let mut shown_before = false;
        move || {
            screen.track();
            if shown_before {
                panel.set_scroll_top(0);
            }
            shown_before = true;
        }
    });

    // Focus goes to the search box when the panel opens, so the customer can type at once.
    dom::effect({
        let panel = panel.clone();
        move || {
            if open.get() {
                // After a frame: on the first opening the search box is only being drawn.
                let panel = panel.clone();
                request_animation_frame(move || {
                    let search_box = panel.query_selector("#edgedesk-search").ok().flatten();
                    if let Some(search_box) = search_box.and_then(|element| element.dyn_into::<HtmlElement>().ok()) {
                        let _ = search_box.focus();
                    }
                });
            }
        }
    });

    dom::effect({
        let settings = settings.clone();
        move || {
            let Some(asked) = command.get() else { return };
            match asked {
                Command::Search(query) => {
                    search.query.set(query.clone());
                    search.run(&settings, query);
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
                    screen.set(Screen::Search);
                }
            }
        }
    });

    // A customer who read a suggested article and then closed the panel or left the page without
    // sending was answered by it.
    dom::effect({
        let settings = settings.clone();
        let mut was_open = false;
        move || {
            let is_open = open.get();
            if was_open && !is_open {
                form.report_deflection(&settings);
            }
            was_open = is_open;
        }
    });
    if let Some(window) = web_sys::window() {
        let settings = settings.clone();
        let on_pagehide = Closure::<dyn Fn()>::new(move || form.report_deflection(&settings));
        let _ = window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
        // The panel lives as long as the page.
        on_pagehide.forget();
    }

    // In another language (`setLocale`) the open screen is drawn again, and what it showed is asked for
    // again in that language: the sections and the results for what is typed (the form reloads the site's
    // form itself).
    dom::effect({
        let settings = settings.clone();
        let mut spoken_before = false;
        move || {
            settings.locale.track();
            if spoken_before {
                search.load_sections(&settings);
                search.run(&settings, search.query.get_untracked());
            }
            spoken_before = true;
        }
    });

    // Escape closes; Tab and Shift+Tab go round the panel's controls instead of leaving the dialog.
    dom::on(&panel, "keydown", {
        let panel = panel.clone();
        move |event| {
            let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
            match event.key().as_str() {
                "Escape" => open.set(false),
                "Tab" => {
                    let focusable = tabbable(&panel);
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
        }
    });

    // Nothing inside the panel is drawn (or fetched) until the customer first opens it: a widget loaded
    // only to show a banner costs no more.
    let opened = RwSignal::new(false);
    dom::effect(move || {
        if open.get() {
            opened.set(true);
        }
    });
    // The articles for the host app's page, asked for once the panel is used and again whenever the app's
    // route (followed by the loader) or the language changes.
    dom::effect({
        let settings = settings.clone();
        move || {
            settings.path.track();
            settings.locale.track();
            if opened.get() {
                search.load_suggestions(&settings);
            }
        }
    });

    // The screen, drawn again when the customer moves on or the language changes. What the screen drew
    // before (its effects, its listeners, a lazy screen's view) belongs to this effect's last run and is
    // cleaned up with it.
    dom::effect(move || {
        locale.track();
        let shown = screen.get();
        if !opened.get() {
            return;
        }
        dom::clear(&body);
        let settings = settings.clone();
        match shown {
            Screen::Search => draw_search_screen(&body, &settings, search, screen),
            Screen::Article { locale, slug, anchor, from_form } => {
                lazy::article(&body, settings, locale, slug, anchor, from_form, screen)
            }
            Screen::Contact => lazy::contact(&body, settings, form, search.query.get_untracked(), screen, status),
            Screen::Sent(accepted) => lazy::sent(&body, settings, accepted, screen),
            Screen::MyTickets => lazy::my_tickets(&body, settings, screen),
        }
    });
}
