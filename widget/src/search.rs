//! Search as you type: debounced requests, only the newest answer shown, ↑ ↓ Enter to choose, the
//! searches that found nothing reported so editors can write what customers are missing, and the searches
//! the customer settled on remembered for the ticket they may write next.

use std::time::Duration;

use edgedesk_protocol::api::{ArticleLink, Meaning, SearchHit, SearchResponse, Section};
use edgedesk_protocol::insights::{EventKind, NewEvent};

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::Settings;
use crate::api::{describe, encode};
use crate::dom;
use crate::lazy;
use crate::screen::Screen;
use crate::watch::Watched;
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
    pub query: Watched<String>,
    results: Watched<Results>,
    /// The hit chosen with the arrow keys.
    active: Watched<Option<usize>>,
    /// Only the answer to the newest keystroke may be shown; older answers that arrive late are dropped.
    latest_request: Watched<u64>,
    sections: Watched<Option<Vec<Section>>>,
    /// Articles the editors meant for the host app's current page (their `paths`).
    suggested: Watched<Vec<ArticleLink>>,
}

impl SearchState {
    pub fn new() -> Self {
        Self {
            query: Watched::new(String::new()),
            results: Watched::new(Results::Idle),
            active: Watched::new(None),
            latest_request: Watched::new(0),
            sections: Watched::new(None),
            suggested: Watched::new(Vec::new()),
        }
    }

    fn hits(&self) -> Vec<SearchHit> {
        match self.results.get() {
            Results::Found { hits, .. } => hits,
            _ => Vec::new(),
        }
    }

    pub fn run(self, settings: &Settings, text: String) {
        let request_number = self.latest_request.get() + 1;
        self.latest_request.set(request_number);
        self.active.set(None);
        lazy::clear_answer();
        if text.trim().is_empty() {
            self.results.set(Results::Idle);
            return;
        }
        let settings = settings.clone();
        dom::set_timeout(
            move || {
                if self.latest_request.get() != request_number {
                    return;
                }
                spawn_local(async move {
                    let outcome = settings.api.get::<SearchResponse>(&search_path(&settings, &text, false)).await;
                    if self.latest_request.get() != request_number {
                        return;
                    }
                    match outcome {
                        Ok(response) => {
                            let found = response.hits.len();
                            let meaning_offered = response.meaning == Some(Meaning::Offered);
                            self.results.set(Results::Found { locale: response.locale, hits: response.hits });
                            if meaning_offered || response.answerable {
                                let (pause, answerable) = (settings.clone(), response.answerable);
                                self.when_paused(pause, text.clone(), request_number, meaning_offered, answerable);
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

    /// The sections, unless they are here: each time search shows, until they come (the worker may have
    /// been away).
    pub fn load_sections_if_missing(self, settings: &Settings) {
        if self.sections.with(Option::is_none) {
            self.load_sections(settings);
        }
    }

    /// The articles for the page the customer is on; none when the page has none or the worker is away.
    pub fn load_suggestions(self, settings: &Settings) {
        let settings = settings.clone();
        let path = settings.path.get();
        spawn_local(async move {
            let request = format!("/api/suggestions?path={}&locale={}", encode(&path), encode(&settings.locale()));
            let suggested = settings.api.get::<Vec<ArticleLink>>(&request).await.unwrap_or_default();
            // The customer may have moved on while this was asked.
            if settings.path.get() == path {
                self.suggested.set(suggested);
            }
        });
    }

    /// Once the customer pauses, the same search ranked by meaning as well as words replaces the answer by
    /// words, unless they typed on or are choosing among its results with the arrow keys; and where the
    /// search said its passages can be answered from, a written answer comes above them (`lazy::answer`).
    fn when_paused(self, settings: Settings, text: String, request_number: u64, by_meaning: bool, answerable: bool) {
        let still_current = move || self.latest_request.get() == request_number;
        dom::set_timeout(
            move || {
                if !still_current() {
                    return;
                }
                if answerable {
                    lazy::answer(settings.clone(), text.clone(), std::rc::Rc::new(still_current));
                }
                if !by_meaning {
                    return;
                }
                spawn_local(async move {
                    let Ok(response) = settings.api.get::<SearchResponse>(&search_path(&settings, &text, true)).await
                    else {
                        return;
                    };
                    let by_meaning = response.meaning == Some(Meaning::Used);
                    if by_meaning && still_current() && self.active.get().is_none() {
                        self.results.set(Results::Found { locale: response.locale, hits: response.hits });
                    }
                });
            },
            MEANING_PAUSE,
        );
    }

    fn when_settled(self, settings: Settings, text: String, request_number: u64, found: usize) {
        dom::set_timeout(
            move || {
                if self.latest_request.get() != request_number {
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

/// The search screen: the search box, what was found as the customer types, the articles to browse while
/// nothing is typed, and the ways on to support. Drawn the first time the panel opens and kept for the
/// page's life: the panel puts it back when the customer returns from another screen.
pub fn draw_search_screen(settings: &Settings, state: SearchState, screen: Watched<Screen>) -> HtmlElement {
    let session = settings.session;
    // Whatever led the customer on counts as a search, settled or not.
    let remember_query = move || state.query.with(|query| session.searched(query));
    let open_hit = move |hit: &SearchHit| {
        remember_query();
        screen.set(Screen::Article {
            locale: hit.locale.clone(),
            slug: hit.slug.clone(),
            anchor: hit.anchor.clone(),
            from_form: false,
        });
    };

    let root = dom::element("div", "screen");
    let label = dom::element("label", "visually-hidden");
    dom::set(&label, "for", "edgedesk-search");
    let input = dom::element("input", "").unchecked_into::<HtmlInputElement>();
    for (name, value) in [
        ("id", "edgedesk-search"),
        ("type", "search"),
        ("role", "combobox"),
        ("autocomplete", "off"),
        ("aria-autocomplete", "list"),
        ("aria-controls", "edgedesk-results"),
        ("aria-expanded", "false"),
    ] {
        dom::set(&input, name, value);
    }
    let result_count = dom::element("p", "visually-hidden");
    dom::set(&result_count, "aria-live", "polite");
    let other_language = dom::slot();
    let answer = dom::slot();
    lazy::keep_answer_place(answer.clone(), screen);
    let results = dom::slot();
    let contact = dom::button("secondary contact", "");
    let my_tickets = dom::button("link my-tickets", "");
    for part in [&label, &input, &result_count, &other_language, &answer, &results, &contact, &my_tickets] {
        dom::append(&root, part);
    }

    // The words that stay put, in the panel's language.
    let label_in_language = {
        let (input, settings) = (input.clone(), settings.clone());
        move || {
            let words = settings.words();
            label.set_text_content(Some(words.search_label));
            dom::set(&input, "placeholder", words.search_label);
            contact.set_text_content(Some(words.contact_support));
            my_tickets.set_text_content(Some(words.my_tickets));
        }
    };
    let draw_results = {
        let (input, settings) = (input.clone(), settings.clone());
        move || {
            let (words, locale) = (settings.words(), settings.locale());
            dom::clear(&results);
            dom::clear(&other_language);
            let found = state.results.get();
            let any_hits = matches!(&found, Results::Found { hits, .. } if !hits.is_empty());
            dom::set(&input, "aria-expanded", if any_hits { "true" } else { "false" });
            let count = match &found {
                Results::Found { hits, .. } if hits.is_empty() => words.no_articles_found.to_owned(),
                Results::Found { hits, .. } => plural(&locale, hits.len(), words.articles_found),
                _ => String::new(),
            };
            result_count.set_text_content(Some(&count));
            match found {
                Results::Idle => draw_browse(&results, state, words),
                Results::Failed(message) => {
                    let notice = dom::text_element("p", "notice", &message);
                    dom::set(&notice, "role", "alert");
                    dom::append(&results, &notice);
                }
                Results::Found { hits, .. } if hits.is_empty() => {
                    dom::append(&results, &dom::text_element("p", "notice", words.no_match))
                }
                Results::Found { locale: found_in, hits } => {
                    // A query in another language than the panel's was answered from that language's articles.
                    if !same_language(&found_in, &locale) {
                        let notice = dom::text_element("p", "notice found-in", words.in_another_language);
                        dom::append_text(&notice, " ");
                        let language = dom::text_element("span", "", endonym(&found_in));
                        dom::set(&language, "lang", &found_in);
                        dom::append(&notice, &language);
                        dom::append(&other_language, &notice);
                    }
                    draw_hits(&results, &hits, state.active.get(), words);
                }
            }
            true
        }
    };
    label_in_language();
    draw_results();
    state.results.watch(draw_results.clone());
    state.sections.watch(draw_results.clone());
    state.suggested.watch(draw_results.clone());
    settings.locale.watch(move || {
        label_in_language();
        draw_results()
    });
    let show_query = {
        let input = input.clone();
        move || {
            state.query.with(|query| {
                if input.value() != *query {
                    input.set_value(query);
                }
            });
            true
        }
    };
    show_query();
    state.query.watch(show_query);
    state.active.watch({
        let (input, root) = (input.clone(), root.clone());
        move || {
            let active = state.active.get();
            match active {
                Some(at) => dom::set(&input, "aria-activedescendant", &format!("edgedesk-hit-{at}")),
                None => {
                    let _ = input.remove_attribute("aria-activedescendant");
                }
            }
            let Ok(options) = root.query_selector_all("[role=option]") else { return true };
            for position in 0..options.length() {
                if let Some(option) = options.get(position).and_then(|node| node.dyn_into::<Element>().ok()) {
                    let selected = active == Some(position as usize);
                    dom::set(&option, "aria-selected", if selected { "true" } else { "false" });
                }
            }
            true
        }
    });

    dom::on(&input, "input", {
        let (settings, input) = (settings.clone(), input.clone());
        move |_| {
            let text = input.value();
            state.query.set(text.clone());
            state.run(&settings, text);
        }
    });
    dom::on(&input, "keydown", move |event| {
        let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
        let hits = state.hits();
        match event.key().as_str() {
            "ArrowDown" | "ArrowUp" if !hits.is_empty() => {
                event.prevent_default();
                // A result is chosen: Enter opens its article next.
                lazy::prefetch();
                let last = hits.len() - 1;
                let next = match (state.active.get(), event.key().as_str()) {
                    (None, "ArrowDown") => 0,
                    (None, _) => last,
                    (Some(at), "ArrowDown") => (at + 1).min(last),
                    (Some(at), _) => at.saturating_sub(1),
                };
                state.active.set(Some(next));
            }
            "Enter" => {
                event.prevent_default();
                let chosen = state.active.get().unwrap_or(0);
                // Nothing to open: the search is counted once it settles, like any other.
                if let Some(hit) = hits.get(chosen) {
                    open_hit(hit);
                }
            }
            _ => {}
        }
    });
    // Every button and result here opens a screen from the lazy chunk (or a section, close enough): the
    // chunk starts downloading as the pointer or the focus reaches one.
    dom::on(&root, "pointerover", |event| lazy::prefetch_on_reach(&event));
    dom::on(&root, "focusin", |event| lazy::prefetch_on_reach(&event));
    dom::on(&root, "click", move |event| {
        let data =
            |name: &str| dom::closest(&event, &format!("[{name}]")).and_then(|element| element.get_attribute(name));
        if let Some(position) = data("data-hit").and_then(|position| position.parse::<usize>().ok()) {
            if let Some(hit) = state.hits().get(position) {
                open_hit(hit);
            }
        } else if let Some(slug) = data("data-slug") {
            screen.set(Screen::Article { locale: String::new(), slug, anchor: None, from_form: false });
        } else if dom::closest(&event, ".contact").is_some() {
            remember_query();
            screen.set(Screen::Contact);
        } else if dom::closest(&event, ".my-tickets").is_some() {
            screen.set(Screen::MyTickets);
        }
    });
    root
}

/// The answer card for the first hit's passage, when it has one, then every hit, to choose from with the
/// arrow keys or the pointer (`data-hit`, the hit's position).
fn draw_hits(results: &Element, hits: &[SearchHit], active: Option<usize>, words: &'static Words) {
    let heading_text =
        |hit: &SearchHit| hit.heading.as_ref().map(|heading| format!(" › {heading}")).unwrap_or_default();
    // The answer card shows the first hit's passage; its snippet below would only repeat it.
    let answered = hits.first().and_then(|top| Some((top, top.passage.as_ref()?)));
    if let Some((top, passage)) = answered {
        let card = dom::element("section", "answer");
        dom::set(&card, "aria-label", words.best_answer);
        let source = dom::text_element("p", "answer-source", &top.title);
        dom::append_text(&source, &heading_text(top));
        dom::append(&card, &source);
        // Escaped by the worker; only <mark> is markup.
        let text = dom::element("p", "answer-passage");
        text.set_inner_html(passage);
        dom::append(&card, &text);
        let open = dom::button("link", words.open_answer);
        dom::set(&open, "data-hit", "0");
        dom::append(&card, &open);
        dom::append(results, &card);
    }
    let list = dom::element("ul", "results");
    dom::set(&list, "role", "listbox");
    dom::set(&list, "id", "edgedesk-results");
    dom::set(&list, "aria-label", words.articles);
    for (position, hit) in hits.iter().enumerate() {
        let item = dom::element("li", "hit");
        let position_text = position.to_string();
        dom::set(&item, "role", "option");
        dom::set(&item, "id", &format!("edgedesk-hit-{position}"));
        dom::set(&item, "aria-selected", if active == Some(position) { "true" } else { "false" });
        dom::set(&item, "data-hit", &position_text);
        let title = dom::text_element("span", "hit-title", &hit.title);
        dom::append(&title, &dom::text_element("span", "hit-heading", &heading_text(hit)));
        dom::append(&item, &title);
        if position > 0 || answered.is_none() {
            // Escaped by the worker; only <mark> is markup.
            let snippet = dom::element("span", "hit-snippet");
            snippet.set_inner_html(&hit.snippet);
            dom::append(&item, &snippet);
        }
        dom::append(&list, &item);
    }
    dom::append(results, &list);
}

/// A list of articles to open, by title (`data-slug`).
fn article_list(class: &str, articles: &[ArticleLink]) -> web_sys::HtmlElement {
    let list = dom::element("ul", class);
    for article in articles {
        let item = dom::element("li", "");
        let open = dom::button("link", &article.title);
        dom::set(&open, "data-slug", &article.slug);
        dom::append(&item, &open);
        dom::append(&list, &item);
    }
    list
}

/// While nothing is typed: the articles meant for the page the customer is on, then the sections and a
/// few of their articles. Drawn again when either arrives.
fn draw_browse(results: &Element, state: SearchState, words: &'static Words) {
    let suggested = state.suggested.get();
    if !suggested.is_empty() {
        dom::append(results, &dom::text_element("h3", "browse-section", words.for_this_page));
        dom::append(results, &article_list("browse suggested", &suggested));
    }
    for section in state.sections.get().unwrap_or_default() {
        dom::append(results, &dom::text_element("h3", "browse-section", &section.title));
        let shown = section.articles.len().min(BROWSE_ARTICLES_PER_SECTION);
        dom::append(results, &article_list("browse", &section.articles[..shown]));
    }
}
