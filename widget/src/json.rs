//! JSON through the browser's own parser: `JSON.parse` and `JSON.stringify` do the text, serde-wasm-bindgen
//! maps the values onto the wire types. This keeps serde_json's parser and number formatting out of the
//! wasm (issue 16 measured the difference in docs/benchmarks.md).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The value `text` holds, or `None` when it is not JSON of that shape.
pub fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(text).ok()?).ok()
}

/// `value` as JSON text: maps as objects and `None` as `null`, as serde_json would write them.
pub fn encode(value: &impl Serialize) -> Option<String> {
    let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}
