//! The handful of DOM calls the first chunk draws with: the banner, the panel's shell and search are
//! built here element by element, kept current by `reactive_graph` effects, so that Leptos's renderer
//! (`tachys`) and its views, some 40 KB brotli, download only with the screens' chunk (`lazy.rs`).
//!
//! Listeners are delegated: one per drawn area, reading what was clicked from `data-` attributes, so that
//! a list drawn again on every keystroke adds no closures. A listener lives as long as the reactive owner
//! it was added under: a screen's go with the screen.

use leptos::prelude::*;
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

/// Calls `handler` on `kind` events at `target`, until the current reactive owner is cleaned up.
pub fn on(target: &web_sys::EventTarget, kind: &str, handler: impl FnMut(Event) + 'static) {
    let listener = Closure::<dyn FnMut(Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref());
    let kept = StoredValue::new_local(Some((target.clone(), kind.to_owned(), listener)));
    // Taken out and removed when the owner goes: a drawn area that outlives its listener would call a
    // dropped closure.
    leptos::prelude::on_cleanup(move || {
        kept.update_value(|kept| {
            if let Some((target, kind, listener)) = kept.take() {
                let _ = target.remove_event_listener_with_callback(&kind, listener.as_ref().unchecked_ref());
            }
        })
    });
}

/// The element an event happened in or under that matches `selector`.
pub fn closest(event: &Event, selector: &str) -> Option<Element> {
    event.target()?.dyn_into::<Element>().ok()?.closest(selector).ok().flatten()
}

/// Runs `run` now and again whenever a signal it read changes, until the current reactive owner is
/// cleaned up. One effect type for every effect in the first chunk: `Effect::new` with each closure's own
/// type compiled reactive_graph's effect machinery once per effect (1.3 KB raw each).
pub fn effect(run: impl FnMut() + 'static) {
    let mut run: Box<dyn FnMut()> = Box::new(run);
    Effect::new(move |_| run());
}
