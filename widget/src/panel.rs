//! The panel: search first; an article read in place; a contact form; the ticket number.

use edgedesk_core::api::TicketAccepted;
use edgedesk_core::status::Level;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::Settings;
use crate::article::ArticleScreen;
use crate::contact::{ContactScreen, SentScreen};
use crate::search::{SearchScreen, SearchState};
use crate::status::{StatusState, level_label};

const STYLE: &str = concat!(include_str!("panel.css"), include_str!("article.css"));

/// Where the customer is in the panel.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Search,
    /// An article, by locale and slug, scrolled to a heading's anchor when given.
    Article {
        locale: String,
        slug: String,
        anchor: Option<String>,
    },
    Contact,
    Sent(TicketAccepted),
}

/// Problems we know about, at the top of the panel, where a customer about to ask looks first.
#[component]
fn PanelStatus(status: StatusState) -> impl IntoView {
    let problems =
        move || status.notices.get().into_iter().filter(|notice| notice.level != Level::Green).collect::<Vec<_>>();
    move || {
        let problems = problems();
        (!problems.is_empty()).then(|| {
            view! {
                <ul class="panel-status">
                    {problems.into_iter().map(|notice| view! {
                        <li class=if notice.level == Level::Red { "panel-status-red" } else { "panel-status-yellow" }>
                            <strong>{level_label(&notice)}": "</strong>{notice.title}
                        </li>
                    }).collect_view()}
                </ul>
            }
        })
    }
}

#[component]
pub fn Panel(settings: Settings, open: RwSignal<bool>, status: StatusState) -> impl IntoView {
    let screen = RwSignal::new(Screen::Search);
    // Kept here, not in the search screen, so coming back from an article shows the same results.
    let search = SearchState::new();
    let search_box = NodeRef::<html::Input>::new();

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

    let close_on_escape = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            open.set(false);
        }
    };

    // Nothing inside the panel is built (or fetched) until the customer first opens it: a widget loaded
    // only to show a banner costs no more.
    let opened = RwSignal::new(false);
    Effect::new(move |_| {
        if open.get() {
            opened.set(true);
        }
    });
    let body = move || {
        opened.get().then(|| {
            match screen.get() {
        Screen::Search => {
            view! { <SearchScreen settings=settings.clone() state=search screen=screen search_box=search_box /> }
                .into_any()
        }
        Screen::Article { locale, slug, anchor } => {
            view! { <ArticleScreen settings=settings.clone() locale=locale slug=slug anchor=anchor screen=screen /> }
                .into_any()
        }
        Screen::Contact => view! {
            <ContactScreen settings=settings.clone() subject=search.query.get_untracked() screen=screen status=status />
        }
        .into_any(),
        Screen::Sent(accepted) => view! { <SentScreen accepted=accepted screen=screen /> }.into_any(),
    }
        })
    };

    view! {
        <style>{STYLE}</style>
        <section
            class="panel"
            role="dialog"
            aria-labelledby="edgedesk-title"
            hidden=move || !open.get()
            on:keydown=close_on_escape
        >
            <header>
                <h2 id="edgedesk-title">"How can we help?"</h2>
                <button type="button" class="close" aria-label="Close help" on:click=move |_| open.set(false)>
                    "×"
                </button>
            </header>
            <PanelStatus status=status />
            {body}
        </section>
    }
}
