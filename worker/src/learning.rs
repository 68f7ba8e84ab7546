//! Ranking that learns from customers (edgedesk-search's `learning`): the sweep turns the insights events
//! into learned pairs, searches apply them, and operators read them in `edgedesk report learned`.

use edgedesk_protocol::api::{ApiError, LearnedResponse};
use edgedesk_protocol::time::format_time;
use edgedesk_search::learning::{self, WINDOW_DAYS};
use edgedesk_tickets::signing::hmac_hex;
use worker::{Env, Request};

use crate::edge::{self, authorize_admin};
use crate::http::{ApiResult, json};
use crate::store::keys::{self, WorkerKey};
use crate::store::{self, assets, events, learned};

/// How many hex digits of the keyed hash identify an address: enough that two addresses practically
/// never share one, too few to be worth anything outside this database.
const ADDRESS_HASH_DIGITS: usize = 16;

/// The keyed hash learning counts an address by; `None` when the key cannot be had (the event is still
/// recorded, it just never counts as a vote).
pub async fn address_hash(request: &Request, env: &Env) -> Option<String> {
    // An IPv6 /64 is one client: one person must not count as many distinct addresses.
    let address = edge::client_key(request).ok()?;
    match keys::worker_key(env, WorkerKey::AddressHash).await {
        Ok(key) => Some(hmac_hex(&key, address.as_bytes())[..ADDRESS_HASH_DIGITS].to_owned()),
        Err(error) => {
            worker::console_error!("no key to hash addresses with: {}", error.message);
            None
        }
    }
}

/// Run by the sweep: works the pairs out again from the votes in the window, and forgets the address
/// hashes behind votes that left it. With learning off, the pairs are emptied.
pub async fn relearn(env: &Env, now: i64) -> Result<(), ApiError> {
    let database = store::database(env)?;
    let oldest = now - WINDOW_DAYS * 86_400;
    events::forget_addresses_before(&database, oldest).await?;
    let config = assets::learning(env).await?;
    let pairs = if config.enabled {
        learning::learn(&events::votes(&database, oldest).await?, now, &config)
    } else {
        Vec::new()
    };
    learned::store_pairs(env, learned::Learned { computed_at: now, pairs }).await
}

/// `GET /api/admin/learned`: the learned pairs, strongest first, vetoed ones marked.
pub async fn report(request: &Request, env: &Env) -> ApiResult {
    authorize_admin(request, env)?;
    let config = assets::learning(env).await?;
    let learned = learned::pairs(env).await?;
    let mut pairs = learned.pairs.clone();
    learning::apply_vetoes(&mut pairs, &config);
    let computed_at = (learned.computed_at > 0).then(|| format_time(learned.computed_at));
    json(200, &LearnedResponse { enabled: config.enabled, computed_at, pairs })
}
