//! What the widget tells the host page through `edgedesk('on', name, handler)`: searches, articles viewed,
//! tickets created and banners shown. The loader adds `open` and `close`, which it sees itself.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::watch::Watched;

/// The loader's `emit`, kept for the page's life, as the widget is.
#[derive(Clone, Copy, Debug)]
pub struct Events(Watched<Option<Function>>);

impl Events {
    /// `emit` is the loader's `function (name, detail)`; without it events go nowhere.
    pub fn new(emit: Option<Function>) -> Self {
        Self(Watched::new(emit))
    }

    /// Calls the host page's handlers with `detail` as a plain object of strings. A failing handler is the
    /// host page's problem and must not break the widget.
    pub fn emit(&self, name: &str, detail: &[(&str, &str)]) {
        let Some(emit) = self.0.get() else { return };
        let object = Object::new();
        for (key, value) in detail {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        let _ = emit.call2(&JsValue::NULL, &JsValue::from_str(name), &object);
    }
}
