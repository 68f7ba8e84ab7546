//! The support widget. The loader (`widget/loader/embed.js`) draws the launcher and imports this module
//! only when the customer shows intent; [`mount`] then renders the panel into the loader's shadow root.

mod api;
mod article;
mod contact;
mod panel;
mod search;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub use api::Api;

/// Everything the host page told the loader, passed on to the panel.
#[derive(Clone, Debug)]
pub struct Settings {
    pub api: Api,
    /// The customer's language (`en`, `ru`, …): search stays in it and tickets carry it.
    pub locale: String,
}

/// What the loader holds on to after mounting: the panel's open state, so that its launcher can open and
/// close the panel that Rust renders.
#[wasm_bindgen]
pub struct Widget {
    open: RwSignal<bool>,
}

#[wasm_bindgen]
impl Widget {
    /// Opens the panel if closed and closes it if open; returns whether it is now open.
    pub fn toggle(&self) -> bool {
        self.open.update(|open| *open = !*open);
        self.open.get_untracked()
    }

    pub fn set_open(&self, open: bool) {
        self.open.set(open);
    }

    pub fn is_open(&self) -> bool {
        self.open.get_untracked()
    }
}

/// Renders the panel into `container` (inside the loader's shadow root). `on_open_change` is called with
/// `true` or `false` whenever the panel opens or closes, including by its own close button or Escape.
#[wasm_bindgen]
pub fn mount(
    container: web_sys::HtmlElement,
    api_base: String,
    locale: String,
    on_open_change: js_sys::Function,
) -> Widget {
    let open = RwSignal::new(false);
    let settings = Settings { api: Api::new(&api_base), locale };
    let app = move || {
        // Effects need the executor and owner that `mount_to` sets up, so this one is created inside it.
        Effect::new(move |_| {
            let is_open = open.get();
            // The loader only mirrors the state (aria-expanded, focus); its failure must not break the panel.
            let _ = on_open_change.call1(&JsValue::NULL, &JsValue::from_bool(is_open));
        });
        view! { <panel::Panel settings=settings open=open /> }
    };
    leptos::mount::mount_to(container, app).forget();
    Widget { open }
}
