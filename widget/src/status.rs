//! The status banner: red, yellow or green notices across the top of the host page, with colour, icon
//! and words (never colour alone), announced to screen readers, dismissible per notice until it changes,
//! and kept current by polling with ETags while the tab is visible.

use std::time::Duration;

use edgedesk_protocol::status::{Kind, Level, Notice, StatusResponse};
use serde::Serialize;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;

use crate::Settings;
use crate::api::{Conditional, encode};
use crate::dom;
use crate::json::{Fields, FromJson};
use crate::storage;
use crate::watch::Watched;
use crate::words::{Words, local_time, words};

/// Where dismissals are remembered: `{ "<notice id>": <revision> }`. The loader reads the same key to
/// decide whether a banner must show before the widget loads.
const DISMISSED_KEY: &str = "edgedesk-dismissed";
/// The host page can reserve room for the banner with this CSS property; by default nothing moves.
const BANNER_HEIGHT_PROPERTY: &str = "--edgedesk-banner-height";

/// What the customer is told about the service, shared by the banner, the panel and the contact form.
#[derive(Clone, Copy, Debug)]
pub struct StatusState {
    pub notices: Watched<Vec<Notice>>,
    etag: Watched<Option<String>>,
    dismissed: Watched<Dismissed>,
}

impl StatusState {
    /// Starts from the answer the loader already has, if any, and keeps polling.
    pub fn start(settings: &Settings, initial: Option<String>, poll_every: Duration) -> Self {
        let state = Self {
            notices: Watched::new(Vec::new()),
            etag: Watched::new(None),
            dismissed: Watched::new(read_dismissed()),
        };
        match initial.and_then(|text| crate::json::decode::<StatusResponse>(&text)) {
            Some(response) => state.notices.set(response.notices),
            None => state.refresh(settings.clone()),
        }
        state.poll(settings.clone(), poll_every);
        // Another product (`setProduct`) has other notices: ask at once rather than at the next poll.
        let settings = settings.clone();
        let product = settings.product;
        product.watch(move || {
            state.etag.set(None);
            state.refresh(settings.clone());
            true
        });
        state
    }

    /// The incident a ticket written now is about: the most severe active one.
    pub fn current_incident(&self) -> Option<Notice> {
        self.notices.with(|notices| {
            notices.iter().find(|notice| notice.level != Level::Green && notice.kind == Kind::Incident).cloned()
        })
    }

    fn refresh(self, settings: Settings) {
        spawn_local(async move {
            let product = settings.product.get();
            let product = product.as_deref().map(|p| format!("?product={}", encode(p))).unwrap_or_default();
            let etag = self.etag.get();
            // An unreachable worker leaves the banner as it was; the host page never notices.
            if let Ok(Conditional::Changed(response, etag)) =
                settings.api.get_conditional::<StatusResponse>(&format!("/api/status{product}"), etag.as_deref()).await
            {
                self.etag.set(etag);
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
        let current: Vec<String> = self.notices.with(|notices| notices.iter().map(|n| n.id.clone()).collect());
        self.dismissed.update(|dismissed| {
            // Forget dismissals of notices that are gone, so the record stays small.
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

/// The banners across the top of the host page, drawn into `container`.
pub fn draw_banner(container: &web_sys::Element, status: StatusState, settings: &Settings) {
    let (events, locale) = (settings.events, settings.locale);
    let stack = dom::element("div", "banner-stack");
    dom::set(&stack, "role", "status");
    dom::set(&stack, "aria-live", "polite");
    dom::append(container, &stack);

    // The host page hears of each notice once per revision it shows (`edgedesk('on', 'bannerShown', …)`).
    let announced = Watched::new(Vec::<(String, u32)>::new());
    // Drawn again whenever the notices, the dismissals or the language change: a notice opened to its
    // details closes then, as a changed notice should be read afresh.
    let redraw = {
        let stack = stack.clone();
        move || {
            let locale = locale.get();
            let words = words(&locale);
            dom::set(&stack, "aria-label", words.service_status);
            dom::clear(&stack);
            let shown: Vec<Notice> = status
                .notices
                .with(|notices| notices.iter().filter(|notice| !status.is_dismissed(notice)).cloned().collect());
            for notice in &shown {
                dom::append(&stack, &banner_item(notice, words, &locale));
                let shown_now = (notice.id.clone(), notice.revision);
                if !announced.with(|seen| seen.contains(&shown_now)) {
                    announced.update(|seen| seen.push(shown_now));
                    let level = match notice.level {
                        Level::Red => "red",
                        Level::Yellow => "yellow",
                        Level::Green => "green",
                    };
                    events.emit("bannerShown", &[("id", &notice.id), ("level", level), ("title", &notice.title)]);
                }
            }
            // Tell the host page how tall the banner is; a page that wants it not to cover anything uses
            // the property. After a frame, once the banner is laid out.
            let stack = stack.clone();
            dom::next_frame(move || {
                let height = if shown.is_empty() { 0 } else { stack.offset_height() };
                let root =
                    dom::document().document_element().and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(root) = root {
                    let _ = root.style().set_property(BANNER_HEIGHT_PROPERTY, &format!("{height}px"));
                }
            });
            true
        }
    };
    redraw();
    status.notices.watch(redraw.clone());
    status.dismissed.watch(redraw.clone());
    locale.watch(redraw);

    dom::on(&stack, "click", move |event| {
        if let Some(more) = dom::closest(&event, ".banner-more") {
            let expanded = more.get_attribute("aria-expanded").as_deref() != Some("true");
            let words = words(&locale.get());
            dom::set(&more, "aria-expanded", if expanded { "true" } else { "false" });
            more.set_text_content(Some(if expanded { words.less } else { words.details }));
            let item = more.closest("[data-notice]").ok().flatten();
            if let Some(details) = item.and_then(|item| item.query_selector(".banner-details").ok().flatten()) {
                let _ = details.toggle_attribute_with_force("hidden", !expanded);
            }
        } else if dom::closest(&event, ".banner-dismiss").is_some() {
            let id = dom::closest(&event, "[data-notice]").and_then(|item| item.get_attribute("data-notice"));
            let notice =
                status.notices.with(|notices| notices.iter().find(|notice| Some(&notice.id) == id.as_ref()).cloned());
            if let Some(notice) = notice {
                status.dismiss(&notice);
            }
        }
    });
}

/// One notice: its level in words and icon, its title and latest update, and what can be done with it.
fn banner_item(notice: &Notice, words: &'static Words, locale: &str) -> web_sys::HtmlElement {
    let item = dom::element("div", level_class(notice.level));
    dom::set(&item, "data-notice", &notice.id);
    let line = dom::element("div", "banner-line");
    let icon = dom::text_element("span", "banner-icon", level_icon(notice.level));
    dom::set(&icon, "aria-hidden", "true");
    dom::append(&line, &icon);
    let label = dom::text_element("strong", "banner-label", words.level(notice.level, notice.kind));
    dom::append_text(&label, ": ");
    dom::append(&line, &label);
    dom::append(&line, &dom::text_element("span", "banner-title", &notice.title));
    if let Some(latest) = notice.updates.first() {
        dom::append(&line, &dom::text_element("span", "banner-latest", &format!(" — {}", latest.text)));
    }
    let actions = dom::element("span", "banner-actions");
    let details_id = format!("edgedesk-notice-{}", notice.id);
    if !notice.body_html.is_empty() || !notice.updates.is_empty() {
        let more = dom::button("banner-more", words.details);
        dom::set(&more, "aria-expanded", "false");
        dom::set(&more, "aria-controls", &details_id);
        dom::append(&actions, &more);
    }
    if let Some(link) = &notice.link {
        let anchor = dom::text_element("a", "banner-link", words.status_page);
        dom::set(&anchor, "href", link);
        dom::set(&anchor, "target", "_blank");
        dom::set(&anchor, "rel", "noopener noreferrer");
        dom::append(&actions, &anchor);
    }
    if notice.dismissible {
        let dismiss = dom::button("banner-dismiss", "×");
        dom::set(&dismiss, "aria-label", &format!("{}{}", words.dismiss, notice.title));
        dom::append(&actions, &dismiss);
    }
    dom::append(&line, &actions);
    dom::append(&item, &line);

    let details = dom::element("div", "banner-details");
    dom::set(&details, "id", &details_id);
    details.set_hidden(true);
    // Rendered by the worker from Markdown with raw HTML escaped.
    let body = dom::element("div", "");
    body.set_inner_html(&notice.body_html);
    dom::append(&details, &body);
    let timeline = dom::element("ol", "banner-timeline");
    for update in &notice.updates {
        let entry = dom::element("li", "");
        let time = dom::text_element("time", "", &local_time(&update.at, locale));
        dom::set(&time, "datetime", &update.at);
        dom::append(&entry, &time);
        // Rendered by the worker, as the body is.
        let text = dom::element("span", "");
        text.set_inner_html(&update.html);
        dom::append(&entry, &text);
        dom::append(&timeline, &entry);
    }
    dom::append(&details, &timeline);
    dom::append(&item, &details);
    item
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
