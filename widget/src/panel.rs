//! The panel: search first; an article read in place; a contact form; the ticket number; "My tickets".

use edgedesk_protocol::status::Level;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::Settings;
use crate::form::{FormLink, Prefill};
use crate::lazy;
use crate::screen::Screen;
use crate::search::{SearchScreen, SearchState};
use crate::status::StatusState;
use crate::words::words;

/// The controls inside `panel` that Tab reaches, in order: enabled, shown, not taken out of the order.
fn tabbable(panel: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(nodes) = panel.query_selector_all("button, a[href], input, select, textarea, [tabindex]") else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|index| nodes.get(index)?.dyn_into::<web_sys::HtmlElement>().ok())
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
#[component]
fn PanelStatus(status: StatusState, locale: RwSignal<String>) -> impl IntoView {
    let problems =
        move || status.notices.get().into_iter().filter(|notice| notice.level != Level::Green).collect::<Vec<_>>();
    move || {
        let problems = problems();
        let words = words(&locale.get());
        (!problems.is_empty()).then(|| {
            view! {
                <ul class="panel-status">
                    {problems.into_iter().map(|notice| view! {
                        <li class=if notice.level == Level::Red { "panel-status-red" } else { "panel-status-yellow" }>
                            <strong>{words.level(notice.level, notice.kind)}": "</strong>{notice.title}
                        </li>
                    }).collect_view()}
                </ul>
            }
        })
    }
}

#[component]
pub fn Panel(
    settings: Settings,
    open: RwSignal<bool>,
    status: StatusState,
    command: RwSignal<Option<Command>>,
) -> impl IntoView {
    let screen = RwSignal::new(Screen::Search);
    // Kept here, not in the search screen, so coming back from an article shows the same results.
    let search = SearchState::new();
    // Kept here too: reading a suggested article must not lose what the customer was writing. The form
    // itself is built with its screen, in the form's chunk.
    let form = FormLink::new();
    let search_box = NodeRef::<html::Input>::new();
    let panel = NodeRef::<html::Section>::new();

    // Each screen starts at its top: under the sticky header, a screen opened while the one before was
    // scrolled down (a long form) would hide its "Back" button.
    Effect::new(move |previous: Option<()>| {
        screen.track();
        if previous.is_some()
            && let Some(panel) = panel.get_untracked()
        {
            panel.set_scroll_top(0);
        }
    });

    // Focus goes to the search box when the panel opens, so the customer can type at once.
    Effect::new(move |_| {
        if open.get() {
            // After a frame: on the first opening the search box is only being built.
            request_animation_frame(move || {
                if let Some(input) = search_box.get_untracked() {
                    let _ = input.focus();
                }
            });
        }
    });

    Effect::new({
        let settings = settings.clone();
        move |_| {
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
    Effect::new({
        let settings = settings.clone();
        move |was_open: Option<bool>| {
            let is_open = open.get();
            if was_open == Some(true) && !is_open {
                form.report_deflection(&settings);
            }
            is_open
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
    Effect::new({
        let settings = settings.clone();
        move |previous: Option<()>| {
            settings.locale.track();
            if previous.is_some() {
                search.load_sections(&settings);
                search.run(&settings, search.query.get_untracked());
            }
        }
    });

    // Escape closes; Tab and Shift+Tab go round the panel's controls instead of leaving the dialog.
    let on_keydown = move |event: KeyboardEvent| match event.key().as_str() {
        "Escape" => open.set(false),
        "Tab" => {
            let Some(panel) = panel.get_untracked() else { return };
            let focusable = tabbable(&panel);
            let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
            let target = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok());
            let wrap_to = match target {
                Some(target) if event.shift_key() && &target == first => last,
                Some(target) if !event.shift_key() && &target == last => first,
                _ => return,
            };
            event.prevent_default();
            let _ = wrap_to.focus();
        }
        _ => {}
    };

    // Nothing inside the panel is built (or fetched) until the customer first opens it: a widget loaded
    // only to show a banner costs no more.
    let opened = RwSignal::new(false);
    Effect::new(move |_| {
        if open.get() {
            opened.set(true);
        }
    });
    // The articles for the host app's page, asked for once the panel is used and again whenever the app's
    // route (followed by the loader) or the language changes.
    Effect::new({
        let settings = settings.clone();
        move |_| {
            settings.path.track();
            settings.locale.track();
            if opened.get() {
                search.load_suggestions(&settings);
            }
        }
    });

    let locale = settings.locale;
    let body = move || {
        locale.track();
        let settings = settings.clone();
        opened.get().then(|| match screen.get() {
            Screen::Search => {
                view! { <SearchScreen settings=settings state=search screen=screen search_box=search_box /> }.into_any()
            }
            Screen::Article { locale, slug, anchor, from_form } => {
                lazy::article(settings, locale, slug, anchor, from_form, screen)
            }
            Screen::Contact => lazy::contact(settings, form, search.query.get_untracked(), screen, status),
            Screen::Sent(accepted) => lazy::sent(settings, accepted, screen),
            Screen::MyTickets => lazy::my_tickets(settings, screen),
        })
    };

    view! {
        <section
            node_ref=panel
            class="panel"
            role="dialog"
            aria-labelledby="edgedesk-title"
            hidden=move || !open.get()
            on:keydown=on_keydown
        >
            <header>
                <h2 id="edgedesk-title">{move || words(&locale.get()).panel_title}</h2>
                <button type="button" class="close" aria-label=move || words(&locale.get()).close_help
                    on:click=move |_| open.set(false)>
                    "×"
                </button>
            </header>
            <PanelStatus status=status locale=locale />
            {body}
        </section>
    }
}
