//! JSON kept in the host page's storage. Private modes and full quotas may refuse it; then the widget
//! simply remembers less, and never fails because of it.

use serde::Serialize;
use web_sys::Storage;

/// Kept across visits: drafts, "My tickets", dismissed notices.
pub fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Kept while the tab lives, reloads included: what the customer read and searched.
pub fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

pub fn read<T: crate::json::FromJson>(storage: Option<Storage>, key: &str) -> Option<T> {
    let text = storage?.get_item(key).ok().flatten()?;
    crate::json::decode(&text)
}

pub fn write(storage: Option<Storage>, key: &str, value: &impl Serialize) {
    if let (Some(storage), Some(text)) = (storage, crate::json::encode(value)) {
        let _ = storage.set_item(key, &text);
    }
}

pub fn remove(storage: Option<Storage>, key: &str) {
    if let Some(storage) = storage {
        let _ = storage.remove_item(key);
    }
}
