//! What support should know about the customer without asking: who they are (as the product's backend
//! vouches), and what they read and searched in this tab before writing.

use edgedesk_protocol::api::SignedIdentity;
use edgedesk_protocol::ticket::{MAX_CONTEXT_ITEM_CHARS, MAX_CONTEXT_ITEMS};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::json::{Fields, FromJson};
use crate::storage;
use crate::watch::Watched;

/// Kept in sessionStorage, so that a reload before writing loses nothing and another tab starts afresh.
const TRAIL_KEY: &str = "edgedesk-trail";
/// The tab's visit: one per tab, however many pages it spans, and a new one after half an hour without
/// a search, an article or a ticket (the usual end of a web analytics session).
const VISIT_KEY: &str = "edgedesk-visit";
const VISIT_IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;

#[derive(Clone, Debug, PartialEq, Serialize)]
struct Visit {
    id: String,
    /// `Date.now()` of the last thing recorded in it.
    last_ms: f64,
}

impl Visit {
    fn new(now_ms: f64) -> Self {
        let half = || (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        Self { id: format!("{:08x}{:08x}", half(), half()), last_ms: now_ms }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Trail {
    articles_read: Vec<String>,
    searches: Vec<String>,
}

impl FromJson for Visit {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self { id: fields.required("id")?, last_ms: fields.required("last_ms")? })
    }
}

impl FromJson for Trail {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self { articles_read: fields.or_default("articles_read")?, searches: fields.or_default("searches")? })
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Session {
    /// Set by the host page with `edgedesk.identify()`; sent with every ticket for the worker to verify.
    pub identity: Watched<Option<SignedIdentity>>,
    trail: Watched<Trail>,
    /// A random id for this tab's visit, so the support lead can count visits that ended without a
    /// ticket. It names no one and is forgotten with the tab.
    visit: Watched<Option<Visit>>,
}

impl Session {
    pub fn new(identity: Option<SignedIdentity>) -> Self {
        let trail = storage::read(storage::session(), TRAIL_KEY).unwrap_or_default();
        let visit = storage::read(storage::session(), VISIT_KEY);
        Self { identity: Watched::new(identity), trail: Watched::new(trail), visit: Watched::new(visit) }
    }

    /// The visit id for something the customer does now.
    pub fn visit(&self) -> String {
        let now_ms = js_sys::Date::now();
        let current = match self.visit.get() {
            Some(visit) if now_ms - visit.last_ms < VISIT_IDLE_MS => Visit { last_ms: now_ms, ..visit },
            _ => Visit::new(now_ms),
        };
        storage::write(storage::session(), VISIT_KEY, &current);
        let id = current.id.clone();
        self.visit.set(Some(current));
        id
    }

    pub fn read_article(&self, slug: &str) {
        self.record(|trail| remember(&mut trail.articles_read, slug, false));
    }

    /// A query the customer settled on. Typing on after a pause refines the last one rather than adding
    /// a new one: "reset" then "reset password" is one search.
    pub fn searched(&self, query: &str) {
        self.record(|trail| remember(&mut trail.searches, query, true));
    }

    pub fn articles_read(&self) -> Vec<String> {
        self.trail.with(|trail| trail.articles_read.clone())
    }

    pub fn searches(&self) -> Vec<String> {
        self.trail.with(|trail| trail.searches.clone())
    }

    fn record(&self, change: impl FnOnce(&mut Trail)) {
        self.trail.update(|trail| {
            change(trail);
            storage::write(storage::session(), TRAIL_KEY, trail);
        });
    }
}

/// Moves `item` to the end of `list` and keeps the most recent [`MAX_CONTEXT_ITEMS`].
fn remember(list: &mut Vec<String>, item: &str, refines_prefix: bool) {
    let item: String = item.trim().chars().take(MAX_CONTEXT_ITEM_CHARS).collect();
    if item.is_empty() {
        return;
    }
    list.retain(|earlier| *earlier != item);
    if refines_prefix && list.last().is_some_and(|last| item.starts_with(last.as_str())) {
        list.pop();
    }
    list.push(item);
    let excess = list.len().saturating_sub(MAX_CONTEXT_ITEMS);
    list.drain(..excess);
}

/// Reads what the host page passed to `identify()`: `null` or `undefined` forgets the identity. Anything
/// else that is not `{attributes, expires_at, signature}` is ignored with a warning for the integrator.
pub fn parse_identity(value: &JsValue) -> Option<SignedIdentity> {
    if value.is_null() || value.is_undefined() {
        return None;
    }
    let parsed = SignedIdentity::from_json(value);
    if parsed.is_none() {
        web_sys::console::warn_1(&JsValue::from_str(
            "edgedesk.identify() expects {attributes: {name: \"…\", …}, expires_at: <unix seconds>, signature: \"<hex>\"}",
        ));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::json;

    #[wasm_bindgen_test]
    fn the_trail_and_the_visit_read_back_as_written() {
        let trail = Trail { articles_read: vec!["reset".into()], searches: vec!["password".into(), "2fa".into()] };
        assert_eq!(json::decode::<Trail>(&json::encode(&trail).unwrap()), Some(trail));
        // A trail kept by an older widget may lack a list.
        assert_eq!(json::decode::<Trail>(r#"{"searches":["a"]}"#).unwrap().searches, ["a"]);
        let visit = Visit { id: "00c0ffee00c0ffee".into(), last_ms: 1_790_000_000_123.0 };
        assert_eq!(json::decode::<Visit>(&json::encode(&visit).unwrap()), Some(visit));
        assert_eq!(json::decode::<Visit>(r#"{"id":"x"}"#), None);
    }
}
