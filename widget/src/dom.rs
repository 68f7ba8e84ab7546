//! The handful of DOM calls the first chunk draws with: the banner, the panel's shell and search are
//! built here element by element and kept current by watchers (`watch.rs`), so that Leptos, its renderer
//! and its views download only with the screens' chunk (`lazy.rs`).
//!
//! Everything drawn here lives as long as the page, and so do its listeners. They are delegated: one per
//! drawn area, reading what was clicked from `data-` attributes, so that a list drawn again on every
//! keystroke adds no closures.

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Document, Element, Event, HtmlElement};

pub fn document() -> Document {
    web_sys::window().and_then(|window| window.document()).expect("the widget runs in a page")
}

/// A new `<tag class=…>`, with no class when `class` is empty.
pub fn element(tag: &str, class: &str) -> HtmlElement {
    let element = document().create_element(tag).expect("a valid tag name").unchecked_into::<HtmlElement>();
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// A new element with `text` in it, as text: never markup.
pub fn text_element(tag: &str, class: &str, text: &str) -> HtmlElement {
    let element = element(tag, class);
    append_text(&element, text);
    element
}

pub fn append_text(parent: &Element, text: &str) {
    let _ = parent.append_with_str_1(text);
}

pub fn append(parent: &Element, child: &Element) {
    let _ = parent.append_with_node_1(child);
}

pub fn set(element: &Element, attribute: &str, value: &str) {
    let _ = element.set_attribute(attribute, value);
}

/// A `<button type=button class=…>` labelled `text`.
pub fn button(class: &str, text: &str) -> HtmlElement {
    let button = text_element("button", class, text);
    set(&button, "type", "button");
    button
}

/// A `<div class="slot">`: CSS lays out its children as if they were its parent's, so an area drawn again
/// (a list, a notice that comes and goes) keeps its place among fixed siblings.
pub fn slot() -> HtmlElement {
    element("div", "slot")
}

/// Empties `parent`.
pub fn clear(parent: &Element) {
    parent.set_text_content(None);
}

/// Calls `handler` on `kind` events at `target`, for as long as `target` lives: the handler is the
/// browser's to hold, and goes with the element when a screen is cleared (wasm-bindgen's finalization
/// registry frees its Rust side), where a forgotten closure stayed for the page's life.
pub fn on(target: &web_sys::EventTarget, kind: &str, handler: impl FnMut(Event) + 'static) {
    let listener = Closure::<dyn FnMut(Event)>::new(handler).into_js_value();
    let _ = target.add_event_listener_with_callback(kind, listener.unchecked_ref());
}

/// Calls `then` once, after `delay`.
pub fn set_timeout(then: impl FnOnce() + 'static, delay: Duration) {
    let then = Closure::once_into_js(then);
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(then.unchecked_ref(), delay.as_millis() as i32);
    }
}

/// Calls `then` once, before the browser paints next: after the layout of what was just drawn.
pub fn next_frame(then: impl FnOnce() + 'static) {
    let then = Closure::once_into_js(then);
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(then.unchecked_ref());
    }
}

/// The element an event happened in or under that matches `selector`.
pub fn closest(event: &Event, selector: &str) -> Option<Element> {
    event.target()?.dyn_into::<Element>().ok()?.closest(selector).ok().flatten()
}
