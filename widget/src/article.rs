//! An article read inside the widget: its links to other articles open here too, links elsewhere open in
//! a new tab (the host app stays where it was), and the customer can say whether it helped.

use edgedesk_protocol::api::{ARTICLE_LINK_PREFIX, Article, ArticleFeedback};
use edgedesk_protocol::insights::{EventKind, NewEvent};
use leptos::ev::MouseEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Settings;
use crate::api::{describe, encode};
use crate::screen::Screen;
use crate::watch::Watched;
use crate::words::long_date;

#[derive(Clone, Debug, PartialEq)]
enum Loaded {
    Loading,
    Ready(Box<Article>),
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Vote {
    NotYet,
    Sending,
    Thanked { helpful: bool },
    Failed,
}

#[component]
pub fn ArticleScreen(
    settings: Settings,
    locale: String,
    slug: String,
    anchor: Option<String>,
    /// Opened from the contact form's suggestions: "Back" returns to the form, and so do its links' articles.
    from_form: bool,
    screen: Watched<Screen>,
) -> impl IntoView {
    let loaded = RwSignal::new(Loaded::Loading);
    let vote = RwSignal::new(Vote::NotYet);
    let content = NodeRef::<html::Div>::new();
    let back = NodeRef::<html::Button>::new();
    let locale = if locale.is_empty() { settings.locale() } else { locale };
    let words = settings.screen_words();

    {
        let settings = settings.clone();
        let path = format!("/api/articles/{}?locale={}", encode(&slug), encode(&locale));
        let locale = locale.clone();
        spawn_local(async move {
            loaded.set(match settings.api.get::<Article>(&path).await {
                Ok(article) => {
                    settings.session.read_article(&article.slug);
                    settings.record(NewEvent {
                        kind: Some(EventKind::ArticleView),
                        slug: Some(article.slug.clone()),
                        locale: Some(locale.clone()),
                        ..NewEvent::default()
                    });
                    let detail = [
                        ("slug", article.slug.as_str()),
                        ("locale", locale.as_str()),
                        ("title", article.title.as_str()),
                    ];
                    settings.events.emit("articleViewed", &detail);
                    Loaded::Ready(Box::new(article))
                }
                Err(failure) => Loaded::Failed(describe(&failure, settings.words())),
            });
        });
    }

    // Once the article is in the page: scroll to the heading the search hit pointed at, else put focus
    // on "Back" so keyboard and screen-reader users start at the top of the article.
    Effect::new(move |_| {
        if !matches!(loaded.get(), Loaded::Ready(_)) {
            return;
        }
        let anchor = anchor.clone();
        request_animation_frame(move || {
            let target =
                anchor.as_deref().and_then(|anchor| content.get_untracked().and_then(|c| element_with_id(&c, anchor)));
            match target {
                Some(heading) => heading.scroll_into_view(),
                None => {
                    if let Some(button) = back.get_untracked() {
                        // The article starts at the top of the panel, however far down the screen before
                        // it (a long form) was scrolled; under the sticky header "Back" could not be seen.
                        if let Ok(Some(panel)) = button.closest(".panel") {
                            panel.set_scroll_top(0);
                        }
                        let _ = button.focus();
                    }
                }
            }
        });
    });

    let follow_links = move |event: MouseEvent| {
        let Some(link) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let href = link.get_attribute("href").unwrap_or_default();
        event.prevent_default();
        if let Some(path) = href.strip_prefix(ARTICLE_LINK_PREFIX) {
            let mut parts = path.splitn(3, '/');
            let (locale, slug, anchor) = (parts.next(), parts.next(), parts.next());
            if let (Some(locale), Some(slug)) = (locale, slug) {
                screen.set(Screen::Article {
                    locale: locale.to_owned(),
                    slug: slug.to_owned(),
                    anchor: anchor.map(str::to_owned),
                    from_form,
                });
            }
        } else if let Some(window) = web_sys::window() {
            // Never navigate the host app away from what the customer was doing.
            let _ = window.open_with_url_and_target_and_features(&href, "_blank", "noopener,noreferrer");
        }
    };

    let send_vote = {
        let settings = settings.clone();
        let (slug, locale) = (slug.clone(), locale.clone());
        move |helpful: bool| {
            vote.set(Vote::Sending);
            let (settings, slug, locale) = (settings.clone(), slug.clone(), locale.clone());
            spawn_local(async move {
                let path = format!("/api/articles/{}/feedback", encode(&slug));
                let body = ArticleFeedback {
                    helpful: Some(helpful),
                    locale: Some(locale),
                    product: settings.product(),
                    visit: Some(settings.session.visit()),
                };
                vote.set(match settings.api.post_no_content(&path, &body).await {
                    Ok(()) => Vote::Thanked { helpful },
                    Err(_) => Vote::Failed,
                });
            });
        }
    };

    let feedback = move || {
        let send_vote = send_vote.clone();
        match vote.get() {
            Vote::NotYet | Vote::Sending | Vote::Failed => {
                let sending = move || vote.get() == Vote::Sending;
                let (yes, no) = (send_vote.clone(), send_vote);
                view! {
                    <div class="feedback" role="group" aria-labelledby="edgedesk-helpful">
                        <span id="edgedesk-helpful">{words.was_helpful}</span>
                        <button type="button" class="secondary vote-yes" disabled=sending on:click=move |_| yes(true)>{words.yes}</button>
                        <button type="button" class="secondary vote-no" disabled=sending on:click=move |_| no(false)>{words.no}</button>
                        {move || (vote.get() == Vote::Failed).then(|| view! { <span class="field-error">{words.vote_failed}</span> })}
                    </div>
                }
                .into_any()
            }
            Vote::Thanked { helpful } => view! {
                <div class="feedback" role="status">
                    <span class="vote-thanks">{words.vote_thanks}</span>
                    {(!helpful).then(|| view! {
                        <button type="button" class="link" on:click=move |_| screen.set(Screen::Contact)>{words.ask_support}</button>
                    })}
                </div>
            }
            .into_any(),
        }
    };

    let body = move || match loaded.get() {
        Loaded::Loading => view! { <p class="notice">{words.loading}</p> }.into_any(),
        Loaded::Failed(message) => view! { <p class="notice" role="alert">{message}</p> }.into_any(),
        Loaded::Ready(article) => {
            let related = article.related.clone();
            let locale = article.locale.clone();
            view! {
                <h3 class="article-title">{article.title.clone()}</h3>
                <p class="article-section">
                    {article.section_title.clone()}
                    {article.updated.clone().map(|day| view! {
                        " · "{words.updated}<time datetime=day.clone()>{long_date(&day, &article.locale)}</time>
                    })}
                </p>
                // Sanitised when the knowledge base was built.
                <div class="article" node_ref=content inner_html=article.html.clone() on:click=follow_links></div>
                {(!related.is_empty()).then(|| view! {
                    <h4 class="related-title">{words.related}</h4>
                    <ul class="browse related">
                        {related.into_iter().map(|link| {
                            let (locale, slug) = (locale.clone(), link.slug.clone());
                            view! {
                                <li><button type="button" class="link" on:click=move |_| screen.set(Screen::Article {
                                    locale: locale.clone(), slug: slug.clone(), anchor: None, from_form,
                                })>{link.title}</button></li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {feedback.clone()}
            }
            .into_any()
        }
    };

    view! {
        <div class="screen article-screen">
            <button
                type="button"
                class="link back"
                node_ref=back
                on:click=move |_| screen.set(if from_form { Screen::Contact } else { Screen::Search })
            >
                {words.back}
            </button>
            {body}
        </div>
    }
}

/// The element inside `container` whose `id` is `id`, without building a CSS selector from article text.
fn element_with_id(container: &web_sys::HtmlDivElement, id: &str) -> Option<web_sys::Element> {
    let candidates = container.query_selector_all("[id]").ok()?;
    (0..candidates.length())
        .filter_map(|index| candidates.item(index)?.dyn_into::<web_sys::Element>().ok())
        .find(|element| element.id() == id)
}
