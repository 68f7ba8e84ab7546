//! What the ranking learned from customers, as one KV value the sweep writes whole and searches read.

use std::cell::RefCell;
use std::rc::Rc;

use edgedesk_protocol::api::{ApiError, LearnedPair};
use serde::{Deserialize, Serialize};
use worker::Env;

use crate::edge::unix_now;
use crate::http::internal;

const KV: &str = "STATUS";
const PAIRS_KEY: &str = "learned-pairs";
/// How long an isolate keeps the pairs before reading KV again: the sweep changes them every few minutes.
const PAIRS_FRESH_SECONDS: i64 = 60;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Learned {
    /// Unix seconds of the sweep that worked these out; 0 before the first.
    pub computed_at: i64,
    pub pairs: Vec<LearnedPair>,
}

thread_local! {
    static PAIRS: RefCell<Option<(i64, Rc<Learned>)>> = const { RefCell::new(None) };
}

/// The pairs, read from KV at most once a minute per isolate.
pub async fn pairs(env: &Env) -> Result<Rc<Learned>, ApiError> {
    let now = unix_now();
    if let Some((read_at, learned)) = PAIRS.with_borrow(Clone::clone)
        && (read_at..read_at + PAIRS_FRESH_SECONDS).contains(&now)
    {
        return Ok(learned);
    }
    let kv = env.kv(KV).map_err(internal)?;
    let learned = Rc::new(kv.get(PAIRS_KEY).json::<Learned>().await.map_err(internal)?.unwrap_or_default());
    PAIRS.set(Some((now, Rc::clone(&learned))));
    Ok(learned)
}

pub async fn store_pairs(env: &Env, learned: Learned) -> Result<(), ApiError> {
    let kv = env.kv(KV).map_err(internal)?;
    kv.put(PAIRS_KEY, &learned).map_err(internal)?.execute().await.map_err(internal)?;
    PAIRS.set(Some((unix_now(), Rc::new(learned))));
    Ok(())
}
