//! The compiled knowledge base, read from static assets (`edgedesk build` writes them to `dist/kb/`): the
//! manifest, each locale's search index (and its section vectors, when a search is first ranked by meaning), the support team's and learning's settings and the scheduled
//! notices are loaded once per isolate; text shards once each, when a search first needs them; articles,
//! sections and path rules on every request (the edge caches those answers by the build's ETag).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use edgedesk_answers::AnswersConfig;
use edgedesk_protocol::api::{ApiError, Article, is_article_slug};
use edgedesk_protocol::status::Notice;
use edgedesk_search::context::PathRule;
use edgedesk_search::learning::LearningConfig;
use edgedesk_search::manifest::Manifest;
use edgedesk_search::semantic::SectionVectors;
use edgedesk_search::{self as search, SearchIndex};
use edgedesk_tickets::support::Support;
use worker::Env;

const ASSETS: &str = "ASSETS";
/// The host part is ignored by the assets binding; only the path matters.
const ASSET_ORIGIN: &str = "https://assets.invalid";

/// Part texts of one shard of articles, for snippets.
pub type TextShard = Rc<Vec<Vec<String>>>;

thread_local! {
    static MANIFEST: RefCell<Option<Rc<Manifest>>> = const { RefCell::new(None) };
    static INDEXES: RefCell<BTreeMap<String, Rc<SearchIndex>>> = const { RefCell::new(BTreeMap::new()) };
    static VECTORS: RefCell<BTreeMap<String, Rc<SectionVectors>>> = const { RefCell::new(BTreeMap::new()) };
    static TEXT_SHARDS: RefCell<BTreeMap<(String, u32), TextShard>> = const { RefCell::new(BTreeMap::new()) };
    static SCHEDULED_NOTICES: RefCell<Option<Rc<Vec<Notice>>>> = const { RefCell::new(None) };
    static SUPPORT: RefCell<Option<Rc<Support>>> = const { RefCell::new(None) };
    static LEARNING: RefCell<Option<Rc<LearningConfig>>> = const { RefCell::new(None) };
    static ANSWERS: RefCell<Option<Rc<Option<AnswersConfig>>>> = const { RefCell::new(None) };
}

fn unavailable(detail: impl std::fmt::Display) -> ApiError {
    worker::console_error!("knowledge base unavailable: {detail}");
    ApiError::new(
        503,
        "knowledge_base_unavailable",
        "Help articles are not available right now; the knowledge base was not built.",
    )
}

/// An asset's bytes, or `None` when there is no such asset.
async fn asset(env: &Env, path: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let assets = env.assets(ASSETS).map_err(unavailable)?;
    let mut response = assets.fetch(format!("{ASSET_ORIGIN}/{path}"), None).await.map_err(unavailable)?;
    match response.status_code() {
        200 => Ok(Some(response.bytes().await.map_err(unavailable)?)),
        404 => Ok(None),
        status => Err(unavailable(format!("{path} answered {status}"))),
    }
}

/// A JSON asset, or `None` when there is no such asset.
async fn json_asset<T: serde::de::DeserializeOwned>(env: &Env, path: &str) -> Result<Option<T>, ApiError> {
    match asset(env, path).await? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|error| unavailable(format!("{path}: {error}")))
        }
        None => Ok(None),
    }
}

pub async fn manifest(env: &Env) -> Result<Rc<Manifest>, ApiError> {
    if let Some(manifest) = MANIFEST.with_borrow(Clone::clone) {
        return Ok(manifest);
    }
    let manifest: Manifest =
        json_asset(env, "kb/manifest.json").await?.ok_or_else(|| unavailable("kb/manifest.json is missing"))?;
    let manifest = Rc::new(manifest);
    MANIFEST.set(Some(Rc::clone(&manifest)));
    Ok(manifest)
}

/// A JSON asset read once per isolate and kept in `cell`; `T`'s default when the build has none (a build
/// from before the asset existed).
async fn once_per_isolate<T: serde::de::DeserializeOwned + Default + 'static>(
    cell: &'static std::thread::LocalKey<RefCell<Option<Rc<T>>>>,
    env: &Env,
    path: &str,
) -> Result<Rc<T>, ApiError> {
    if let Some(value) = cell.with_borrow(Clone::clone) {
        return Ok(value);
    }
    let value = Rc::new(json_asset(env, path).await?.unwrap_or_default());
    cell.set(Some(Rc::clone(&value)));
    Ok(value)
}

/// How the support team works (`[support]` in `edgedesk.toml`); the defaults when the build has none.
pub async fn support(env: &Env) -> Result<Rc<Support>, ApiError> {
    once_per_isolate(&SUPPORT, env, "kb/support.json").await
}

/// How answers are written (`[answers]` in `edgedesk.toml`); `None` for a build without `answers.json`,
/// which writes none.
pub async fn answers(env: &Env) -> Result<Rc<Option<AnswersConfig>>, ApiError> {
    once_per_isolate(&ANSWERS, env, "kb/answers.json").await
}

/// Whether the ranking learns and what editors veto (`[learning]` in `edgedesk.toml`); learning is on
/// for a build without `learning.json`.
pub async fn learning(env: &Env) -> Result<Rc<LearningConfig>, ApiError> {
    once_per_isolate(&LEARNING, env, "kb/learning.json").await
}

/// Scheduled status notices, compiled into the assets; none when the build has no `status.json`.
pub async fn scheduled_notices(env: &Env) -> Result<Rc<Vec<Notice>>, ApiError> {
    once_per_isolate(&SCHEDULED_NOTICES, env, "kb/status.json").await
}

pub async fn index(env: &Env, locale: &str) -> Result<Rc<SearchIndex>, ApiError> {
    if let Some(index) = INDEXES.with_borrow(|indexes| indexes.get(locale).cloned()) {
        return Ok(index);
    }
    let path = format!("kb/{locale}/index.bin");
    let bytes = asset(env, &path).await?.ok_or_else(|| unavailable(format!("{path} is missing")))?;
    let index = Rc::new(SearchIndex::from_bytes(&bytes).map_err(unavailable)?);
    INDEXES.with_borrow_mut(|indexes| indexes.insert(locale.to_owned(), Rc::clone(&index)));
    Ok(index)
}

/// A locale's section vectors, loaded once per isolate when a search is first ranked by meaning and checked
/// against its index; `None` when the build has none for it.
pub async fn vectors(env: &Env, locale: &str) -> Result<Option<Rc<SectionVectors>>, ApiError> {
    if let Some(vectors) = VECTORS.with_borrow(|vectors| vectors.get(locale).cloned()) {
        return Ok(Some(vectors));
    }
    let Some(bytes) = asset(env, &format!("kb/{locale}/vectors.bin")).await? else { return Ok(None) };
    let vectors = SectionVectors::from_bytes(&bytes).map_err(unavailable)?;
    index(env, locale).await?.check_vectors(&vectors).map_err(unavailable)?;
    let vectors = Rc::new(vectors);
    VECTORS.with_borrow_mut(|loaded| loaded.insert(locale.to_owned(), Rc::clone(&vectors)));
    Ok(Some(vectors))
}

/// A text shard, loaded once per isolate; `None` when it cannot be had, and snippets fall back to
/// summaries rather than failing the search.
pub async fn text_shard(env: &Env, locale: &str, number: u32) -> Option<TextShard> {
    let key = (locale.to_owned(), number);
    if let Some(shard) = TEXT_SHARDS.with_borrow(|shards| shards.get(&key).cloned()) {
        return Some(shard);
    }
    let bytes = asset(env, &format!("kb/{locale}/texts/{number}.bin")).await.ok().flatten()?;
    let shard = Rc::new(search::read_text_shard(&bytes).map_err(unavailable).ok()?);
    TEXT_SHARDS.with_borrow_mut(|shards| shards.insert(key, Rc::clone(&shard)));
    Some(shard)
}

/// A locale's sections with their articles, as the JSON `GET /api/sections` answers.
pub async fn sections(env: &Env, locale: &str) -> Result<Vec<u8>, ApiError> {
    asset(env, &format!("kb/{locale}/sections.json")).await?.ok_or_else(|| unavailable("sections missing"))
}

/// Which articles each app path suggests; none for a build from before suggestions existed.
pub async fn path_rules(env: &Env, locale: &str) -> Result<Vec<PathRule>, ApiError> {
    Ok(json_asset(env, &format!("kb/{locale}/paths.json")).await?.unwrap_or_default())
}

/// An article in `locale`, or `None` when there is no such article.
pub async fn article(env: &Env, locale: &str, slug: &str) -> Result<Option<Article>, ApiError> {
    if !is_article_slug(slug) {
        return Ok(None);
    }
    json_asset(env, &format!("kb/{locale}/articles/{slug}.json")).await
}

/// How many articles the build has, in all locales; 0 when the knowledge base is missing.
pub async fn article_count(env: &Env) -> usize {
    match manifest(env).await {
        Ok(manifest) => manifest.locales.values().map(|locale| locale.articles).sum(),
        Err(_) => 0,
    }
}

/// The locale an article is served in for a customer who asked for `requested`, or `None` when there
/// is no such article there: what votes, deflections and article views are recorded under.
pub async fn article_locale(env: &Env, requested: Option<&str>, slug: &str) -> Result<Option<String>, ApiError> {
    if !is_article_slug(slug) {
        return Ok(None);
    }
    let locale = manifest(env).await?.choose_locale(requested).to_owned();
    Ok(index(env, &locale).await?.has_article(slug).then_some(locale))
}
