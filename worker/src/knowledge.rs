//! The knowledge base for customers: search, sections, suggestions for the app's page and articles, each
//! answer tagged with the build's ETag so that browsers and the edge revalidate instead of refetching.

use std::collections::BTreeMap;

use edgedesk_answers::AnswersConfig;
use edgedesk_answers::grounding::{GROUNDING, Judgement};
use edgedesk_answers::mask::without_personal;
use edgedesk_protocol::api::{ApiError, Meaning, SearchResponse, is_article_slug, parse_meaning};
use edgedesk_search::manifest::Manifest;
use edgedesk_search::semantic::FUSION;
use edgedesk_search::{self as search, Query, Ranking, SearchIndex, context, language, learning};
use worker::{Env, Request};

use crate::edge::{ANSWERS_URL, var};
use crate::http::{ApiResult, cached, decode, json, json_bytes, own_origin, query_param, set_header};
use crate::meaning;
use crate::store::assets::TextShard;
use crate::store::{assets, learned};

/// Search answers change only on deploy; a minute absorbs keystroke bursts at the edge.
const SEARCH_MAX_AGE: u32 = 60;
const ARTICLE_MAX_AGE: u32 = 300;

/// The locale to answer in: the one asked for (`?locale=`) if the site has it, else the site's default.
async fn locale(request: &Request, env: &Env) -> Result<String, ApiError> {
    Ok(assets::manifest(env).await?.choose_locale(query_param(request, "locale")?.as_deref()).to_owned())
}

/// `GET /api/search?q=&locale=&product=&section=&limit=&meaning=`. A query written in another language
/// than the page's (a Russian one on the English page) is searched in that language's articles when the
/// site has them, and the answer's `locale` says which. What customers settled on for this query lifts
/// those articles (within learning's bound). With `meaning=1` and an embeddings provider, the ranking is
/// by meaning as well as words (`meaning`); the widget asks for that once the customer pauses.
pub async fn search(request: &Request, env: &Env) -> ApiResult {
    let text = query_param(request, "q")?.unwrap_or_default();
    let (product, section) = (query_param(request, "product")?, query_param(request, "section")?);
    let limit = query_param(request, "limit")?;
    let query = Query::from_params(&text, product.as_deref(), section.as_deref(), limit.as_deref())?;
    let meaning_asked = parse_meaning(query_param(request, "meaning")?.as_deref())?;
    let page_locale = locale(request, env).await?;
    let manifest = assets::manifest(env).await?;
    let locale = query_locale(env, &manifest, &text, &page_locale).await?;
    let index = assets::index(env, &locale).await?;
    let (config, learned) = (assets::learning(env).await?, learned::pairs(env).await?);
    let lifts = learning::boosts(&learned.pairs, &locale, &text, &config);
    let by_meaning = if meaning_asked && meaning::offered(env, &manifest, &locale) {
        meaning::query_vector(env, &locale, &text).await
    } else {
        None
    };
    let ranking = match &by_meaning {
        Some((vectors, vector)) => index.rank_fused(&query, &search::TUNING, &lifts, vectors, vector, &FUSION),
        None => index.rank_learned(&query, &search::TUNING, &lifts),
    };
    let shards = text_shards(env, &locale, &index, &ranking).await;
    let hits = index.hits(&ranking, |article| article_texts(&shards, article));
    let answerable =
        answer_settings(env).await?.is_some() && matches!(judge(&index, &ranking, &shards), Judgement::Confident(_));
    let meaning = match (&by_meaning, meaning_asked) {
        (Some(_), _) => Some(Meaning::Used),
        (None, false) => meaning::offered(env, &manifest, &locale).then_some(Meaning::Offered),
        (None, true) => None,
    };
    let response = SearchResponse { hits, query: text.clone(), locale, meaning, answerable };
    if meaning_asked && by_meaning.is_none() {
        // The provider may be back in a moment: an answer by words in its place is not to be kept.
        let mut response = json(200, &response)?;
        set_header(&mut response, "Cache-Control", "no-store")?;
        return Ok(response);
    }
    // A lifted answer changes with the sweep, not only with the build.
    let learned_at = (!lifts.is_empty()).then_some(learned.computed_at);
    let etag = manifest.search_etag(learned_at, by_meaning.is_some());
    cached(request, &etag, SEARCH_MAX_AGE, || json(200, &response))
}

/// The locale a query is searched in: the page's, or another the site has when the query is written in
/// its language (a Russian question on the English page).
pub async fn query_locale(env: &Env, manifest: &Manifest, text: &str, page_locale: &str) -> Result<String, ApiError> {
    let locales: Vec<&str> = manifest.locales.keys().map(String::as_str).collect();
    let mut candidates = BTreeMap::new();
    for candidate in std::iter::once(page_locale).chain(language::other_locales(text, page_locale, &locales)) {
        candidates.insert(candidate, assets::index(env, candidate).await?);
    }
    let locale =
        language::locale_for_query(text, page_locale, &locales, |locale| candidates.get(locale).map(AsRef::as_ref));
    Ok(locale.to_owned())
}

/// The text shards holding the ranked articles' texts, by shard number; a shard that cannot be had is
/// left out (its articles' snippets come from their summaries).
pub async fn text_shards(env: &Env, locale: &str, index: &SearchIndex, ranking: &Ranking) -> BTreeMap<u32, TextShard> {
    let mut shards = BTreeMap::new();
    for number in index.shards_for(ranking) {
        if let Some(shard) = assets::text_shard(env, locale, number).await {
            shards.insert(number, shard);
        }
    }
    shards
}

/// An article's part texts, from the loaded shards.
pub fn article_texts(shards: &BTreeMap<u32, TextShard>, article: u32) -> Option<&[String]> {
    let shard = shards.get(&(article / search::SHARD_ARTICLES))?;
    shard.get((article % search::SHARD_ARTICLES) as usize).map(Vec::as_slice)
}

/// How answers are written, when the site writes them: `[answers]` in the build and a provider URL.
pub async fn answer_settings(env: &Env) -> Result<Option<AnswersConfig>, ApiError> {
    if var(env, ANSWERS_URL).is_none() {
        return Ok(None);
    }
    Ok(assets::answers(env).await?.as_ref().clone())
}

/// What a ranking's passages are worth for a written answer ([`GROUNDING`]): only `Confident` asks a model.
pub fn judge(index: &SearchIndex, ranking: &Ranking, shards: &BTreeMap<u32, TextShard>) -> Judgement {
    let passages = index
        .passages(ranking, GROUNDING.max_passages, GROUNDING.passage_chars, |article| article_texts(shards, article));
    GROUNDING.judge(passages, ranking.content_words())
}

/// A customer's question searched for a written answer as the widget's search found it (by words, every
/// product's articles: a model call would not wait for a ranking by meaning), in the locale it is written
/// in: that locale, and what retrieval makes of it. Emails, phone numbers and long numbers are left out
/// of what is searched: they are nobody's words to find.
pub async fn judge_question(env: &Env, page_locale: &str, question: &str) -> Result<(String, Judgement), ApiError> {
    let searched = without_personal(question);
    let manifest = assets::manifest(env).await?;
    let locale = query_locale(env, &manifest, &searched, page_locale).await?;
    let index = assets::index(env, &locale).await?;
    let (config, learned) = (assets::learning(env).await?, learned::pairs(env).await?);
    let lifts = learning::boosts(&learned.pairs, &locale, &searched, &config);
    let ranking = index.rank_learned(&Query::new(&searched), &search::TUNING, &lifts);
    let shards = text_shards(env, &locale, &index, &ranking).await;
    let judgement = judge(&index, &ranking, &shards);
    Ok((locale, judgement))
}

/// `GET /api/sections?locale=`.
pub async fn sections(request: &Request, env: &Env) -> ApiResult {
    let sections = assets::sections(env, &locale(request, env).await?).await?;
    let etag = assets::manifest(env).await?.etag();
    cached(request, &etag, ARTICLE_MAX_AGE, || json_bytes(sections))
}

/// `GET /api/suggestions?path=/billing/invoices&locale=en`: the articles meant for that page of the app.
pub async fn suggestions(request: &Request, env: &Env) -> ApiResult {
    let path = query_param(request, "path")?;
    let path = context::check_path(path.as_deref())?.to_owned();
    let rules = assets::path_rules(env, &locale(request, env).await?).await?;
    let etag = assets::manifest(env).await?.etag();
    cached(request, &etag, ARTICLE_MAX_AGE, || json(200, &context::suggestions(&rules, &path)))
}

/// `GET /api/articles/{slug}?locale=`.
pub async fn article(request: &Request, env: &Env, slug: &str) -> ApiResult {
    let slug = decode(slug);
    let not_found = || ApiError::not_found(&format!("The article `{slug}`"));
    if !is_article_slug(&slug) {
        return Err(not_found());
    }
    let article = assets::article(env, &locale(request, env).await?, &slug).await?.ok_or_else(not_found)?;
    // Media in the HTML is addressed from the worker's origin; the widget shows it on other origins.
    let article = article.with_media_origin(&own_origin(request)?);
    let etag = assets::manifest(env).await?.etag();
    cached(request, &etag, ARTICLE_MAX_AGE, || json(200, &article))
}
