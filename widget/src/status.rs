//! The status banner: red, yellow or green notices across the top of the host page, with colour, icon
//! and words (never colour alone), announced to screen readers, dismissible per notice until it changes,
//! and kept current by polling with ETags while the tab is visible.

use std::time::Duration;

use edgedesk_protocol::status::{Kind, Level, Notice, StatusResponse};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::Settings;
use crate::api::{Conditional, encode};
use crate::json::{Fields, FromJson};
use crate::storage;
use crate::words::{local_time, words};

/// Where dismissals are remembered: `{ "<notice id>": <revision> }`. The loader reads the same key to
/// decide whether a banner must show before the widget loads.
const DISMISSED_KEY: &str = "edgedesk-dismissed";
/// The host page can reserve room for the banner with this CSS property; by default nothing moves.
const BANNER_HEIGHT_PROPERTY: &str = "--edgedesk-banner-height";

/// What the customer is told about the service, shared by the banner, the panel and the contact form.
#[derive(Clone, Copy, Debug)]
pub struct StatusState {
    pub notices: RwSignal<Vec<Notice>>,
    etag: StoredValue<Option<String>>,
    dismissed: RwSignal<Dismissed>,
}

impl StatusState {
    /// Starts from the answer the loader already has, if any, and keeps polling.
    pub fn start(settings: &Settings, initial: Option<String>, poll_every: Duration) -> Self {
        let state = Self {
            notices: RwSignal::new(Vec::new()),
            etag: StoredValue::new(None),
            dismissed: RwSignal::new(read_dismissed()),
        };
        match initial.and_then(|text| crate::json::decode::<StatusResponse>(&text)) {
            Some(response) => state.notices.set(response.notices),
            None => state.refresh(settings.clone()),
        }
        state.poll(settings.clone(), poll_every);
        // Another product (`setProduct`) has other notices: ask at once rather than at the next poll.
        let product = settings.product;
        let settings = settings.clone();
        Effect::new(move |previous: Option<()>| {
            product.track();
            if previous.is_some() {
                state.etag.set_value(None);
                state.refresh(settings.clone());
            }
        });
        state
    }

    /// The incident a ticket written now is about: the most severe active one.
    pub fn current_incident(&self) -> Option<Notice> {
        self.notices.get().into_iter().find(|notice| notice.level != Level::Green && notice.kind == Kind::Incident)
    }

    fn refresh(self, settings: Settings) {
        spawn_local(async move {
            let product = settings.product.get_untracked();
            let product = product.as_deref().map(|p| format!("?product={}", encode(p))).unwrap_or_default();
            let etag = self.etag.get_value();
            // An unreachable worker leaves the banner as it was; the host page never notices.
            if let Ok(Conditional::Changed(response, etag)) =
                settings.api.get_conditional::<StatusResponse>(&format!("/api/status{product}"), etag.as_deref()).await
            {
                self.etag.set_value(etag);
                self.notices.set(response.notices);
            }
        });
    }

    fn poll(self, settings: Settings, every: Duration) {
        let Some(window) = web_sys::window() else { return };
        let visible = || web_sys::window().and_then(|w| w.document()).is_none_or(|d| !d.hidden());
        let tick = {
            let settings = settings.clone();
            Closure::<dyn Fn()>::new(move || {
                // A tab in the background asks nothing; it catches up when it is looked at again.
                if visible() {
                    self.refresh(settings.clone());
                }
            })
        };
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            every.as_millis() as i32,
        );
        tick.forget();
        let on_visible = Closure::<dyn Fn()>::new(move || {
            if visible() {
                self.refresh(settings.clone());
            }
        });
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
        }
        on_visible.forget();
    }

    fn is_dismissed(&self, notice: &Notice) -> bool {
        self.dismissed.with(|Dismissed(dismissed)| {
            dismissed.iter().any(|(id, revision)| *id == notice.id && *revision == notice.revision)
        })
    }

    fn dismiss(&self, notice: &Notice) {
        self.dismissed.update(|dismissed| {
            // Forget dismissals of notices that are gone, so the record stays small.
            let current: Vec<String> = self.notices.get_untracked().into_iter().map(|n| n.id).collect();
            dismissed.0.retain(|(id, _)| *id != notice.id && current.contains(id));
            dismissed.0.push((notice.id.clone(), notice.revision));
            // Private modes may refuse storage; the notice is then dismissed for this page only.
            storage::write(storage::local(), DISMISSED_KEY, dismissed);
        });
    }
}

/// The notices dismissed, as `(id, revision)`: a handful at most, so a list rather than a map, whose code
/// cost the first chunk kilobytes. Stored as `{ "<id>": <revision> }`, which the loader reads too.
#[derive(Clone, Debug, Default)]
struct Dismissed(Vec<(String, u32)>);

impl FromJson for Dismissed {
    fn from_json(value: &JsValue) -> Option<Self> {
        Fields::of(value)?.entries().map(Self)
    }
}

impl Serialize for Dismissed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, revision)| (id, revision)))
    }
}

fn read_dismissed() -> Dismissed {
    storage::read(storage::local(), DISMISSED_KEY).unwrap_or_default()
}

fn level_icon(level: Level) -> &'static str {
    match level {
        // Plain characters every system font has; emoji may render as empty boxes.
        Level::Red => "!",
        Level::Yellow => "⚠",
        Level::Green => "✓",
    }
}

fn level_class(level: Level) -> &'static str {
    match level {
        Level::Red => "banner banner-red",
        Level::Yellow => "banner banner-yellow",
        Level::Green => "banner banner-green",
    }
}

/// The banners across the top of the host page.
#[component]
pub fn Banner(status: StatusState, settings: Settings) -> impl IntoView {
    let (events, locale) = (settings.events, settings.locale);
    let stack = NodeRef::<html::Div>::new();
    let shown =
        move || status.notices.get().into_iter().filter(|notice| !status.is_dismissed(notice)).collect::<Vec<_>>();

    // The host page hears of each notice once per revision it shows (`edgedesk('on', 'bannerShown', …)`).
    let announced = StoredValue::new(Vec::<(String, u32)>::new());
    Effect::new(move |_| {
        for notice in shown() {
            let shown_now = (notice.id.clone(), notice.revision);
            let first_time = announced.try_update_value(|seen| {
                let first_time = !seen.contains(&shown_now);
                if first_time {
                    seen.push(shown_now);
                }
                first_time
            });
            if first_time.unwrap_or(false) {
                events.emit(
                    "bannerShown",
                    &[
                        ("id", &notice.id),
                        (
                            "level",
                            match notice.level {
                                Level::Red => "red",
                                Level::Yellow => "yellow",
                                Level::Green => "green",
                            },
                        ),
                        ("title", &notice.title),
                    ],
                );
            }
        }
    });

    // Tell the host page how tall the banner is; a page that wants it not to cover anything uses the property.
    Effect::new(move |_| {
        let count = shown().len();
        request_animation_frame(move || {
            let height = if count == 0 { 0 } else { stack.get_untracked().map_or(0, |stack| stack.offset_height()) };
            let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
            if let Some(style) =
                root.and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok()).map(|root| root.style())
            {
                let _ = style.set_property(BANNER_HEIGHT_PROPERTY, &format!("{height}px"));
            }
        });
    });

    view! {
        <div class="banner-stack" node_ref=stack role="status" aria-live="polite"
            aria-label=move || words(&locale.get()).service_status>
            {move || {
                let locale = locale.get();
                shown().into_iter().map(|notice| view! { <BannerItem notice=notice status=status locale=locale.clone() /> }).collect_view()
            }}
        </div>
    }
}

#[component]
fn BannerItem(notice: Notice, status: StatusState, locale: String) -> impl IntoView {
    let words = words(&locale);
    let expanded = RwSignal::new(false);
    let details_id = format!("edgedesk-notice-{}", notice.id);
    let has_details = !notice.body_html.is_empty() || !notice.updates.is_empty();
    let for_dismiss = notice.clone();
    let latest = notice.updates.first().map(|update| update.text.clone());
    let timeline = notice.updates.clone();
    view! {
        <div class=level_class(notice.level) data-notice=notice.id.clone()>
            <div class="banner-line">
                <span class="banner-icon" aria-hidden="true">{level_icon(notice.level)}</span>
                <strong class="banner-label">{words.level(notice.level, notice.kind)}": "</strong>
                <span class="banner-title">{notice.title.clone()}</span>
                {latest.map(|text| view! { <span class="banner-latest">" — "{text}</span> })}
                <span class="banner-actions">
                    {has_details.then(|| view! {
                        <button type="button" class="banner-more" aria-expanded=move || expanded.get().to_string()
                            aria-controls=details_id.clone() on:click=move |_| expanded.update(|e| *e = !*e)>
                            {move || if expanded.get() { words.less } else { words.details }}
                        </button>
                    })}
                    {notice.link.clone().map(|link| view! {
                        <a class="banner-link" href=link target="_blank" rel="noopener noreferrer">{words.status_page}</a>
                    })}
                    {notice.dismissible.then(|| view! {
                        <button type="button" class="banner-dismiss" aria-label=format!("{}{}", words.dismiss, notice.title)
                            on:click=move |_| status.dismiss(&for_dismiss)>"×"</button>
                    })}
                </span>
            </div>
            <div class="banner-details" id=format!("edgedesk-notice-{}", notice.id) hidden=move || !expanded.get()>
                // Rendered by the worker from Markdown with raw HTML escaped.
                <div inner_html=notice.body_html.clone()></div>
                <ol class="banner-timeline">
                    {timeline.into_iter().map(|update| view! {
                        <li><time datetime=update.at.clone()>{local_time(&update.at, &locale)}</time> <span inner_html=update.html></span></li>
                    }).collect_view()}
                </ol>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::json;

    #[wasm_bindgen_test]
    fn dismissals_are_kept_as_the_object_the_loader_reads() {
        let dismissed = Dismissed(vec![("n1".into(), 3), ("n2".into(), 0)]);
        let text = json::encode(&dismissed).unwrap();
        assert_eq!(text, r#"{"n1":3,"n2":0}"#);
        assert_eq!(json::decode::<Dismissed>(&text).unwrap().0, dismissed.0);
        assert!(json::decode::<Dismissed>(r#"{"n1":"3"}"#).is_none());
        assert!(json::decode::<Dismissed>(r#"[["n1",3]]"#).is_none());
    }
}
