//! Keys the worker makes for itself: 32 random bytes the first time one is needed, kept in KV and read
//! once per isolate. Nobody has to set them, and each does one job, so rotating the operators' token or
//! any other secret leaves them alone.
//!
//! Two isolates racing to make the same key the first time may each use their own for a moment; the
//! last one written wins. For the address hash that counts one address once more, once; for attachment
//! links, a link made in that moment would need to be made again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use edgedesk_protocol::api::ApiError;
use worker::Env;

use crate::edge::random_hex;
use crate::http::internal;

const KV: &str = "STATUS";

/// What each key is for, and its name in KV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerKey {
    /// Hashes client addresses for learning from customers.
    AddressHash,
    /// Signs the links to attachments that delivered tickets carry.
    AttachmentLinks,
}

impl WorkerKey {
    fn kv_key(self) -> &'static str {
        match self {
            WorkerKey::AddressHash => "address-hash-key",
            WorkerKey::AttachmentLinks => "attachment-link-key",
        }
    }
}

thread_local! {
    static KEYS: RefCell<HashMap<WorkerKey, Rc<Vec<u8>>>> = RefCell::new(HashMap::new());
}

/// The key for `purpose`, made the first time it is needed.
pub async fn worker_key(env: &Env, purpose: WorkerKey) -> Result<Rc<Vec<u8>>, ApiError> {
    if let Some(key) = KEYS.with_borrow(|keys| keys.get(&purpose).cloned()) {
        return Ok(key);
    }
    let kv = env.kv(KV).map_err(internal)?;
    let key = match kv.get(purpose.kv_key()).text().await.map_err(internal)? {
        Some(hex) => hex.into_bytes(),
        None => {
            let hex = random_hex::<32>();
            kv.put(purpose.kv_key(), hex.as_str()).map_err(internal)?.execute().await.map_err(internal)?;
            hex.into_bytes()
        }
    };
    let key = Rc::new(key);
    KEYS.with_borrow_mut(|keys| keys.insert(purpose, Rc::clone(&key)));
    Ok(key)
}
