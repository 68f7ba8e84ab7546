//! The panel: search first; an article read in place; a contact form; the ticket number.

use edgedesk_core::api::TicketAccepted;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::Settings;
use crate::article::ArticleScreen;
use crate::contact::{ContactScreen, SentScreen};
use crate::search::{SearchScreen, SearchState};

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

#[component]
pub fn Panel(settings: Settings, open: RwSignal<bool>) -> impl IntoView {
    let screen = RwSignal::new(Screen::Search);
    // Kept here, not in the search screen, so coming back from an article shows the same results.
    let search = SearchState::new();
    let search_box = NodeRef::<html::Input>::new();

    // Focus goes to the search box when the panel opens, so the customer can type at once.
    Effect::new(move |_| {
        if open.get()
            && let Some(input) = search_box.get_untracked()
        {
            request_animation_frame(move || _ = input.focus());
        }
    });

    let close_on_escape = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            open.set(false);
        }
    };

    let body = move || match screen.get() {
        Screen::Search => {
            view! { <SearchScreen settings=settings.clone() state=search screen=screen search_box=search_box /> }
                .into_any()
        }
        Screen::Article { locale, slug, anchor } => {
            view! { <ArticleScreen settings=settings.clone() locale=locale slug=slug anchor=anchor screen=screen /> }
                .into_any()
        }
        Screen::Contact => {
            view! { <ContactScreen settings=settings.clone() subject=search.query.get_untracked() screen=screen /> }
                .into_any()
        }
        Screen::Sent(accepted) => view! { <SentScreen accepted=accepted screen=screen /> }.into_any(),
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
            {body}
        </section>
    }
}
