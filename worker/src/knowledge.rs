//! The compiled knowledge base, read from static assets: the manifest and each locale's search index
//! are loaded once per isolate; articles and sections are passed through with the build's ETag.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use edgedesk_protocol::api::is_article_slug;
use edgedesk_protocol::api::{ApiError, Article, SearchResponse};
use edgedesk_protocol::status::Notice;
use edgedesk_search::context;
use edgedesk_search::manifest::Manifest;
use edgedesk_search::{self as search, Query, SearchIndex};
use edgedesk_tickets::support::Support;
use worker::{Env, Request, Response};

use crate::http::{ApiResult, cached, internal, json, query_param};

const ASSETS: &str = "ASSETS";
/// The host part is ignored by the assets binding; only the path matters.
const ASSET_ORIGIN: &str = "https://assets.invalid";
/// Search answers change only on deploy; a minute absorbs keystroke bursts at the edge.
const SEARCH_MAX_AGE: u32 = 60;
const ARTICLE_MAX_AGE: u32 = 300;

/// Scheduled status notices, compiled into the assets; none when the build has no `status.json`.
pub async fn scheduled_notices(env: &Env) -> Result<Vec<Notice>, ApiError> {
    if let Some(notices) = SCHEDULED_NOTICES.with_borrow(Clone::clone) {
        return Ok(notices.as_ref().clone());
    }
    let notices: Vec<Notice> = match asset(env, "kb/status.json").await? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(unavailable)?,
        None => Vec::new(),
    };
    SCHEDULED_NOTICES.set(Some(Rc::new(notices.clone())));
    Ok(notices)
}

/// Part texts of one shard of articles, for snippets.
type TextShard = Rc<Vec<Vec<String>>>;

thread_local! {
    static MANIFEST: RefCell<Option<Rc<Manifest>>> = const { RefCell::new(None) };
    static INDEXES: RefCell<BTreeMap<String, Rc<SearchIndex>>> = const { RefCell::new(BTreeMap::new()) };
    static TEXT_SHARDS: RefCell<BTreeMap<(String, u32), TextShard>> = const { RefCell::new(BTreeMap::new()) };
    static SCHEDULED_NOTICES: RefCell<Option<Rc<Vec<Notice>>>> = const { RefCell::new(None) };
    static SUPPORT: RefCell<Option<Rc<Support>>> = const { RefCell::new(None) };
}

/// How the support team works (`[support]` in `edgedesk.toml`); the defaults when the build has none.
pub async fn support(env: &Env) -> Result<Rc<Support>, ApiError> {
    if let Some(support) = SUPPORT.with_borrow(Clone::clone) {
        return Ok(support);
    }
    let support: Support = match asset(env, "kb/support.json").await? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(unavailable)?,
        None => Support::default(),
    };
    let support = Rc::new(support);
    SUPPORT.set(Some(Rc::clone(&support)));
    Ok(support)
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

pub async fn manifest(env: &Env) -> Result<Rc<Manifest>, ApiError> {
    if let Some(manifest) = MANIFEST.with_borrow(Clone::clone) {
        return Ok(manifest);
    }
    let bytes = asset(env, "kb/manifest.json").await?.ok_or_else(|| unavailable("kb/manifest.json is missing"))?;
    let manifest: Rc<Manifest> = Rc::new(serde_json::from_slice(&bytes).map_err(unavailable)?);
    MANIFEST.set(Some(Rc::clone(&manifest)));
    Ok(manifest)
}

async fn index(env: &Env, locale: &str) -> Result<Rc<SearchIndex>, ApiError> {
    if let Some(index) = INDEXES.with_borrow(|indexes| indexes.get(locale).cloned()) {
        return Ok(index);
    }
    let path = format!("kb/{locale}/index.bin");
    let bytes = asset(env, &path).await?.ok_or_else(|| unavailable(format!("{path} is missing")))?;
    let index = Rc::new(SearchIndex::from_bytes(&bytes).map_err(unavailable)?);
    INDEXES.with_borrow_mut(|indexes| indexes.insert(locale.to_owned(), Rc::clone(&index)));
    Ok(index)
}

/// A text shard, loaded once per isolate; `None` when it cannot be had, and snippets fall back to
/// summaries rather than failing the search.
async fn text_shard(env: &Env, locale: &str, number: u32) -> Option<TextShard> {
    let key = (locale.to_owned(), number);
    if let Some(shard) = TEXT_SHARDS.with_borrow(|shards| shards.get(&key).cloned()) {
        return Some(shard);
    }
    let bytes = asset(env, &format!("kb/{locale}/texts/{number}.bin")).await.ok().flatten()?;
    let shard = Rc::new(search::read_text_shard(&bytes).map_err(unavailable).ok()?);
    TEXT_SHARDS.with_borrow_mut(|shards| shards.insert(key, Rc::clone(&shard)));
    Some(shard)
}

/// The articles in the default locale, for `/api/health`; 0 when the knowledge base is missing.
pub async fn article_count(env: &Env) -> usize {
    match manifest(env).await {
        Ok(manifest) => manifest.locales.values().map(|locale| locale.articles).sum(),
        Err(_) => 0,
    }
}

pub async fn search(request: &Request, env: &Env) -> ApiResult {
    let text = query_param(request, "q")?.unwrap_or_default();
    let (product, section) = (query_param(request, "product")?, query_param(request, "section")?);
    let limit = query_param(request, "limit")?;
    let query = Query::from_params(&text, product.as_deref(), section.as_deref(), limit.as_deref())?;
    let manifest = manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    let index = index(env, &locale).await?;
    let ranking = index.rank(&query);
    let mut shards = BTreeMap::new();
    for number in index.shards_for(&ranking) {
        if let Some(shard) = text_shard(env, &locale, number).await {
            shards.insert(number, shard);
        }
    }
    let hits = index.hits(&ranking, |article| {
        let shard = shards.get(&(article / search::SHARD_ARTICLES))?;
        shard.get((article % search::SHARD_ARTICLES) as usize).map(Vec::as_slice)
    });
    cached(request, &manifest.etag(), SEARCH_MAX_AGE, || {
        json(200, &SearchResponse { hits, query: text.clone(), locale: locale.clone() })
    })
}

pub async fn sections(request: &Request, env: &Env) -> ApiResult {
    let manifest = manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    let bytes =
        asset(env, &format!("kb/{locale}/sections.json")).await?.ok_or_else(|| unavailable("sections missing"))?;
    cached(request, &manifest.etag(), ARTICLE_MAX_AGE, || {
        let mut response = Response::from_bytes(bytes).map_err(internal)?;
        crate::http::set_header(&mut response, "Content-Type", "application/json")?;
        Ok(response)
    })
}

/// `GET /api/suggestions?path=/billing/invoices&locale=en`: the articles meant for that page of the app.
pub async fn suggestions(request: &Request, env: &Env) -> ApiResult {
    let path = query_param(request, "path")?;
    let path = context::check_path(path.as_deref())?.to_owned();
    let manifest = manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    // A build from before suggestions existed has no rules: nothing is suggested.
    let rules: Vec<context::PathRule> = match asset(env, &format!("kb/{locale}/paths.json")).await? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|error| unavailable(format!("paths.json: {error}")))?,
        None => Vec::new(),
    };
    cached(request, &manifest.etag(), ARTICLE_MAX_AGE, || json(200, &context::suggestions(&rules, &path)))
}

/// Whether the locale's index knows the article: feedback is only taken for real articles.
pub async fn has_article(env: &Env, locale: &str, slug: &str) -> Result<bool, ApiError> {
    Ok(index(env, locale).await?.has_article(slug))
}

/// The locale an article is served in for a customer who asked for `requested`, or `None` when there
/// is no such article there: what votes, deflections and article views are recorded under.
pub async fn article_locale(env: &Env, requested: Option<&str>, slug: &str) -> Result<Option<String>, ApiError> {
    if !is_article_slug(slug) {
        return Ok(None);
    }
    let locale = manifest(env).await?.choose_locale(requested).to_owned();
    Ok(has_article(env, &locale, slug).await?.then_some(locale))
}

pub async fn article(request: &Request, env: &Env, slug: &str) -> ApiResult {
    let slug = decode(slug);
    let not_found = || ApiError::not_found(&format!("The article `{slug}`"));
    if !is_article_slug(&slug) {
        return Err(not_found());
    }
    let manifest = manifest(env).await?;
    let locale = manifest.choose_locale(query_param(request, "locale")?.as_deref()).to_owned();
    let bytes = asset(env, &format!("kb/{locale}/articles/{slug}.json")).await?.ok_or_else(not_found)?;
    let article: Article = serde_json::from_slice(&bytes).map_err(unavailable)?;
    // Media in the HTML is addressed from the worker's origin; the widget shows it on other origins.
    let origin = request.url().map_err(internal)?.origin().ascii_serialization();
    cached(request, &manifest.etag(), ARTICLE_MAX_AGE, || json(200, &article.with_media_origin(&origin)))
}

/// Path segments arrive percent-encoded (`%D1%81…` for Cyrillic slugs).
pub fn decode(segment: &str) -> String {
    worker::js_sys::decode_uri_component(segment).map(String::from).unwrap_or_else(|_| segment.to_owned())
}
