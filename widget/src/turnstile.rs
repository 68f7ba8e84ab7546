//! Cloudflare Turnstile, for sites that turn it on (`TURNSTILE_SITE_KEY` on the worker): the check is
//! drawn in the form and its token goes with the ticket. Cloudflare's script is loaded only then.

use js_sys::{Function, Object, Reflect};
use leptos::prelude::{Get, Owner, RwSignal, Set};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

use crate::dom::{append, element};
use crate::form::follow;

const SCRIPT_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/// The `window.turnstile` object once Cloudflare's script has run.
fn turnstile() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"turnstile".into()).ok().filter(|value| !value.is_undefined())
}

fn call(method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let turnstile = turnstile().ok_or_else(|| JsValue::from_str("Turnstile is not loaded"))?;
    let function: Function = Reflect::get(&turnstile, &method.into())?.dyn_into()?;
    function.apply(&turnstile, &args.iter().collect())
}

/// Runs `then` once Cloudflare's script is there, adding it to the page the first time.
fn with_script(then: impl FnOnce() + 'static) {
    if turnstile().is_some() {
        return then();
    }
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let Ok(script) = document.create_element("script") else { return };
    let _ = script.set_attribute("src", SCRIPT_URL);
    let _ = script.set_attribute("async", "");
    let on_load = Closure::once_into_js(then);
    let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
    if let Some(parent) = document.head().map(JsValue::from).or_else(|| document.document_element().map(JsValue::from))
    {
        let _ = parent.unchecked_into::<web_sys::Node>().append_child(&script);
    }
}

/// The check, drawn into `parent`, with each token it gives (or `None` once it expires) written to
/// `token`. The form clears `token` after every submission, since a token is good once; the check then
/// runs again.
pub fn check(parent: &HtmlElement, site_key: String, token: RwSignal<Option<String>>) {
    let container = element("div", "turnstile");
    // In the page before Cloudflare's script (already loaded, it renders at once) draws into it.
    append(parent, &container);
    let element: JsValue = container.into();
    // Cloudflare's script arrives later: what follows the token then ends with the form all the same, and
    // a script that never comes keeps nothing alive.
    let owner = Owner::current().map(|owner| owner.downgrade());
    with_script(move || {
        let options = Object::new();
        let on_token = Closure::<dyn Fn(String)>::new(move |value: String| token.set(Some(value)));
        let on_expired = Closure::<dyn Fn()>::new(move || token.set(None));
        let _ = Reflect::set(&options, &"sitekey".into(), &site_key.into());
        let _ = Reflect::set(&options, &"callback".into(), on_token.as_ref());
        let _ = Reflect::set(&options, &"expired-callback".into(), on_expired.as_ref());
        // The check lives as long as the form; its callbacks with it.
        on_token.forget();
        on_expired.forget();
        let _ = call("render", &[element.clone(), options.into()]);
        let reset_when_taken = move || {
            if token.get().is_none() {
                let _ = call("reset", std::slice::from_ref(&element));
            }
        };
        if let Some(owner) = owner.and_then(|owner| owner.upgrade()) {
            owner.with(|| follow(reset_when_taken));
        }
    });
}
