//! Search as you type: debounced requests, only the newest answer shown, ↑ ↓ Enter to choose, the
//! searches that found nothing reported so editors can write what customers are missing, and the searches
//! the customer settled on remembered for the ticket they may write next.

use std::time::Duration;

use edgedesk_protocol::api::{ArticleLink, Meaning, SearchHit, SearchResponse, Section};
use edgedesk_protocol::insights::{EventKind, NewEvent};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Settings;
use crate::api::{describe, encode};
use crate::lazy;
use crate::screen::Screen;
use crate::words::{Words, endonym, plural, same_language};

/// Wait for a pause in typing before searching, so a burst of keystrokes costs one request.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(120);
/// A search left standing this long is what the customer meant.
const SETTLE: Duration = Duration::from_millis(1500);
/// A pause this long after the answer by words asks for the ranking by meaning, which costs a call to the
/// team's model provider: worth it for the query the customer stopped at, not for every keystroke.
const MEANING_PAUSE: Duration = Duration::from_millis(400);
/// Articles listed per section while nothing is typed.
const BROWSE_ARTICLES_PER_SECTION: usize = 4;

#[derive(Clone, Debug, PartialEq)]
enum Results {
    /// Nothing typed yet.
    Idle,
    Found {
        locale: String,
        hits: Vec<SearchHit>,
    },
    Failed(String),
}

/// The search's state, owned by the panel so that it survives a visit to an article.
#[derive(Clone, Copy, Debug)]
pub struct SearchState {
    pub query: RwSignal<String>,
    results: RwSignal<Results>,
    /// The hit chosen with the arrow keys.
    active: RwSignal<Option<usize>>,
    /// Only the answer to the newest keystroke may be shown; older answers that arrive late are dropped.
    latest_request: StoredValue<u64>,
    sections: RwSignal<Option<Vec<Section>>>,
    /// Articles the editors meant for the host app's current page (their `paths`).
    suggested: RwSignal<Vec<ArticleLink>>,
}

impl SearchState {
    pub fn new() -> Self {
        Self {
            query: RwSignal::new(String::new()),
            results: RwSignal::new(Results::Idle),
            active: RwSignal::new(None),
            latest_request: StoredValue::new(0),
            sections: RwSignal::new(None),
            suggested: RwSignal::new(Vec::new()),
        }
    }

    fn hits(&self) -> Vec<SearchHit> {
        match self.results.get_untracked() {
            Results::Found { hits, .. } => hits,
            _ => Vec::new(),
        }
    }

    pub fn run(self, settings: &Settings, text: String) {
        let request_number = self.latest_request.get_value() + 1;
        self.latest_request.set_value(request_number);
        self.active.set(None);
        if text.trim().is_empty() {
            self.results.set(Results::Idle);
            return;
        }
        let settings = settings.clone();
        set_timeout(
            move || {
                if self.latest_request.get_value() != request_number {
                    return;
                }
                spawn_local(async move {
                    let outcome = settings.api.get::<SearchResponse>(&search_path(&settings, &text, false)).await;
                    if self.latest_request.get_value() != request_number {
                        return;
                    }
                    match outcome {
                        Ok(response) => {
                            let found = response.hits.len();
                            let meaning_offered = response.meaning == Some(Meaning::Offered);
                            self.results.set(Results::Found { locale: response.locale, hits: response.hits });
                            if meaning_offered {
                                self.rank_by_meaning_when_paused(settings.clone(), text.clone(), request_number);
                            }
                            self.when_settled(settings, text, request_number, found);
                        }
                        Err(failure) => self.results.set(Results::Failed(describe(&failure, settings.words()))),
                    }
                });
            },
            SEARCH_DEBOUNCE,
        );
    }

    /// The sections to browse while nothing is typed, in the customer's language.
    pub fn load_sections(self, settings: &Settings) {
        let settings = settings.clone();
        spawn_local(async move {
            let path = format!("/api/sections?locale={}", encode(&settings.locale()));
            // Browsing is a nicety: without it the panel still searches.
            if let Ok(sections) = settings.api.get::<Vec<Section>>(&path).await {
                self.sections.set(Some(sections));
            }
        });
    }

    /// The articles for the page the customer is on; none when the page has none or the worker is away.
    pub fn load_suggestions(self, settings: &Settings) {
        let settings = settings.clone();
        let path = settings.path.get_untracked();
        spawn_local(async move {
            let request = format!("/api/suggestions?path={}&locale={}", encode(&path), encode(&settings.locale()));
            let suggested = settings.api.get::<Vec<ArticleLink>>(&request).await.unwrap_or_default();
            // The customer may have moved on while this was asked.
            if settings.path.get_untracked() == path {
                self.suggested.set(suggested);
            }
        });
    }

    /// Once the customer pauses, the same search ranked by meaning as well as words replaces the answer by
    /// words, unless they typed on or are choosing among its results with the arrow keys.
    fn rank_by_meaning_when_paused(self, settings: Settings, text: String, request_number: u64) {
        let still_current = move || self.latest_request.get_value() == request_number;
        set_timeout(
            move || {
                if !still_current() {
                    return;
                }
                spawn_local(async move {
                    let Ok(response) = settings.api.get::<SearchResponse>(&search_path(&settings, &text, true)).await
                    else {
                        return;
                    };
                    let by_meaning = response.meaning == Some(Meaning::Used);
                    if by_meaning && still_current() && self.active.get_untracked().is_none() {
                        self.results.set(Results::Found { locale: response.locale, hits: response.hits });
                    }
                });
            },
            MEANING_PAUSE,
        );
    }

    fn when_settled(self, settings: Settings, text: String, request_number: u64, found: usize) {
        set_timeout(
            move || {
                if self.latest_request.get_value() != request_number {
                    return;
                }
                settings.session.searched(&text);
                settings.events.emit("search", &[("query", &text)]);
                // With no results, this is what the editors' gaps report counts.
                settings.record(NewEvent {
                    kind: Some(EventKind::Search),
                    query: Some(text),
                    results: Some(found as u32),
                    ..NewEvent::default()
                });
            },
            SETTLE,
        );
    }
}

fn search_path(settings: &Settings, text: &str, by_meaning: bool) -> String {
    let meaning = if by_meaning { "&meaning=1" } else { "" };
    format!("/api/search?q={}&locale={}{meaning}", encode(text), encode(&settings.locale()))
}

#[component]
pub fn SearchScreen(
    settings: Settings,
    state: SearchState,
    screen: RwSignal<Screen>,
    search_box: NodeRef<html::Input>,
) -> impl IntoView {
    if state.sections.get_untracked().is_none() {
        state.load_sections(&settings);
    }

    let session = settings.session;
    let words = settings.words();
    let locale = settings.locale();
    // Whatever led the customer on counts as a search, settled or not.
    let remember_query = move || session.searched(&state.query.get_untracked());
    let open_hit = move |hit: &SearchHit| {
        remember_query();
        screen.set(Screen::Article {
            locale: hit.locale.clone(),
            slug: hit.slug.clone(),
            anchor: hit.anchor.clone(),
            from_form: false,
        });
    };
    let on_keydown = move |event: KeyboardEvent| {
        let hits = state.hits();
        match event.key().as_str() {
            "ArrowDown" | "ArrowUp" if !hits.is_empty() => {
                event.prevent_default();
                // A result is chosen: Enter opens its article next.
                lazy::prefetch();
                let last = hits.len() - 1;
                let next = match (state.active.get_untracked(), event.key().as_str()) {
                    (None, "ArrowDown") => 0,
                    (None, _) => last,
                    (Some(at), "ArrowDown") => (at + 1).min(last),
                    (Some(at), _) => at.saturating_sub(1),
                };
                state.active.set(Some(next));
            }
            "Enter" => {
                event.prevent_default();
                let chosen = state.active.get_untracked().unwrap_or(0);
                // Nothing to open: the search is counted once it settles, like any other.
                if let Some(hit) = hits.get(chosen) {
                    open_hit(hit);
                }
            }
            _ => {}
        }
    };

    let result_list = move || {
        match state.results.get() {
            Results::Idle => view! { <Browse state=state screen=screen words=words /> }.into_any(),
            Results::Failed(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
            Results::Found { hits, .. } if hits.is_empty() => {
                view! { <p class="notice">{words.no_match}</p> }.into_any()
            }
            Results::Found { hits, .. } => {
                // The answer card shows the first hit's passage; its snippet below would only repeat it.
                let answered = hits.first().is_some_and(|top| top.passage.is_some());
                view! {
            {hits.first().and_then(|top| {
                let passage = top.passage.clone()?;
                let heading = top.heading.clone().map(|heading| format!(" › {heading}"));
                let chosen = top.clone();
                Some(view! {
                    <section class="answer" aria-label=words.best_answer>
                        <p class="answer-source">{top.title.clone()}{heading}</p>
                        // Escaped by the worker; only <mark> is markup.
                        <p class="answer-passage" inner_html=passage></p>
                        <button type="button" class="link" on:click=move |_| open_hit(&chosen)>{words.open_answer}</button>
                    </section>
                })
            })}
            <ul class="results" role="listbox" id="edgedesk-results" aria-label=words.articles>
                {hits
                    .into_iter()
                    .enumerate()
                    .map(|(position, hit)| {
                        let selected = move || state.active.get() == Some(position);
                        let heading = hit.heading.clone().map(|heading| format!(" › {heading}"));
                        let chosen = hit.clone();
                        view! {
                            <li
                                class="hit"
                                role="option"
                                id=format!("edgedesk-hit-{position}")
                                aria-selected=move || if selected() { "true" } else { "false" }
                                on:click=move |_| open_hit(&chosen)
                            >
                                <span class="hit-title">{hit.title}<span class="hit-heading">{heading}</span></span>
                                // Escaped by the worker; only <mark> is markup.
                                {(position > 0 || !answered).then(|| view! { <span class="hit-snippet" inner_html=hit.snippet></span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            }
            .into_any()
            }
        }
    };
    // A query in another language than the panel's was answered from that language's articles.
    let panel_locale = locale.clone();
    let other_language = move || match state.results.get() {
        Results::Found { locale: found_in, hits } if !hits.is_empty() && !same_language(&found_in, &panel_locale) => {
            Some(view! {
                <p class="notice found-in">{words.in_another_language}" "<span lang=found_in.clone()>{endonym(&found_in).to_owned()}</span></p>
            })
        }
        _ => None,
    };
    let result_count = move || match state.results.get() {
        Results::Found { hits, .. } if hits.is_empty() => words.no_articles_found.to_owned(),
        Results::Found { hits, .. } => plural(&locale, hits.len(), words.articles_found),
        _ => String::new(),
    };
    let expanded = move || {
        if matches!(state.results.get(), Results::Found { ref hits, .. } if !hits.is_empty()) {
            "true"
        } else {
            "false"
        }
    };
    let active_descendant = move || state.active.get().map(|at| format!("edgedesk-hit-{at}"));

    view! {
        // Every button and result here opens a screen from the lazy chunk (or a section, close enough): the
        // chunk starts downloading as the pointer or the focus reaches one.
        <div class="screen" on:pointerover=|event| lazy::prefetch_on_reach(&event) on:focusin=|event| lazy::prefetch_on_reach(&event)>
            <label class="visually-hidden" for="edgedesk-search">{words.search_label}</label>
            <input
                id="edgedesk-search"
                type="search"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls="edgedesk-results"
                aria-expanded=expanded
                aria-activedescendant=active_descendant
                placeholder=words.search_label
                node_ref=search_box
                prop:value=move || state.query.get()
                on:input=move |event| {
                    let text = event_target_value(&event);
                    state.query.set(text.clone());
                    state.run(&settings, text);
                }
                on:keydown=on_keydown
            />
            <p class="visually-hidden" aria-live="polite">{result_count}</p>
            {other_language}
            {result_list}
            <button
                type="button"
                class="secondary contact"
                on:click=move |_| {
                    remember_query();
                    screen.set(Screen::Contact);
                }
            >
                {words.contact_support}
            </button>
            <button type="button" class="link my-tickets" on:click=move |_| screen.set(Screen::MyTickets)>
                {words.my_tickets}
            </button>
        </div>
    }
}

/// A list of articles to open, by title.
fn article_list(class: &'static str, articles: Vec<ArticleLink>, screen: RwSignal<Screen>) -> impl IntoView {
    view! {
        <ul class=class>
            {articles
                .into_iter()
                .map(|article| {
                    let slug = article.slug.clone();
                    view! {
                        <li>
                            <button
                                type="button"
                                class="link"
                                on:click=move |_| {
                                    screen.set(Screen::Article { locale: String::new(), slug: slug.clone(), anchor: None, from_form: false })
                                }
                            >
                                {article.title}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// While nothing is typed: the articles meant for the page the customer is on, then the sections and a
/// few of their articles.
#[component]
fn Browse(state: SearchState, screen: RwSignal<Screen>, words: &'static Words) -> impl IntoView {
    let suggested = move || {
        let suggested = state.suggested.get();
        (!suggested.is_empty()).then(|| {
            view! {
                <h3 class="browse-section">{words.for_this_page}</h3>
                {article_list("browse suggested", suggested, screen)}
            }
        })
    };
    let sections = move || {
        state.sections.get().map(|sections| {
            sections
                .into_iter()
                .map(|section| {
                    view! {
                        <h3 class="browse-section">{section.title}</h3>
                        {article_list("browse", section.articles.into_iter().take(BROWSE_ARTICLES_PER_SECTION).collect(), screen)}
                    }
                })
                .collect_view()
        })
    };
    view! { {suggested} {sections} }
}
