//! Live status notices, raised by operators: all of them are one KV value, read in one step and written
//! whole. Scheduled notices come with the build, in the static assets.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::status::Notice;
use worker::Env;

use super::assets;
use crate::http::internal;

const KV: &str = "STATUS";
const LIVE_NOTICES_KEY: &str = "live-notices";

pub async fn live(env: &Env) -> Result<Vec<Notice>, ApiError> {
    let kv = env.kv(KV).map_err(internal)?;
    Ok(kv.get(LIVE_NOTICES_KEY).json::<Vec<Notice>>().await.map_err(internal)?.unwrap_or_default())
}

pub async fn store_live(env: &Env, notices: &[Notice]) -> Result<(), ApiError> {
    let kv = env.kv(KV).map_err(internal)?;
    kv.put(LIVE_NOTICES_KEY, notices).map_err(internal)?.execute().await.map_err(internal)
}

/// Every notice still known, scheduled and live: what `GET /api/status` picks from, and the names of the
/// incidents tickets were filed under.
pub async fn all(env: &Env) -> Result<Vec<Notice>, ApiError> {
    let mut notices = assets::scheduled_notices(env).await?.as_ref().clone();
    notices.extend(live(env).await?);
    Ok(notices)
}
