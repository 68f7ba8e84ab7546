//! Ranking by meaning as well as words, in the CLI: `build` embeds the sections, and `search`, `eval` and
//! `preview` rank with the same fused ranking the worker uses once the customer pauses. Vectors are kept
//! by text between runs (`edgedesk_embed::cache_file`), so only sections that changed are embedded again.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::Result;
use edgedesk_embed::Embedder;
use edgedesk_kb::KnowledgeBase;
use edgedesk_protocol::api::SearchHit;
use edgedesk_search::semantic::FUSION;
use edgedesk_search::{Query, SearchIndex, TUNING};

/// The model, loaded once per process; `None` (said once, on standard error) when it is not installed.
fn model() -> Option<&'static Embedder> {
    static MODEL: OnceLock<Option<Embedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = edgedesk_embed::model_dir();
            if !dir.join("model.safetensors").exists() {
                eprintln!(
                    "note: no embedding model in {} (scripts/setup.sh fetches it; EDGEDESK_MODEL_DIR points \
                     elsewhere): search ranks by words only. `[semantic] enabled = false` in edgedesk.toml \
                     silences this.",
                    dir.display()
                );
                return None;
            }
            let loaded = Embedder::load(&dir).and_then(|embedder| match edgedesk_embed::cache_file() {
                Some(cache) => embedder.with_cache(&cache),
                None => Ok(embedder),
            });
            loaded.map_err(|error| eprintln!("note: the embedding model did not load ({error:#}); words only")).ok()
        })
        .as_ref()
}

/// The model, when this knowledge base wants ranking by meaning in a language the model reads.
pub fn embedder(knowledge_base: &KnowledgeBase) -> Option<&'static Embedder> {
    let wanted = knowledge_base.config.semantic.enabled
        && knowledge_base.locales().iter().any(|locale| edgedesk_embed::reads(locale));
    wanted.then(model).flatten()
}

/// Every locale's index, with its sections' vectors where the model reads the locale.
pub fn indexes(knowledge_base: &KnowledgeBase) -> Result<BTreeMap<String, SearchIndex>> {
    let mut indexes = knowledge_base.search_indexes();
    if let Some(embedder) = embedder(knowledge_base) {
        embedder.embed_indexes(&mut indexes)?;
    }
    Ok(indexes)
}

/// The index of `locale` alone, with its sections' vectors when the model reads the locale: a search in a
/// language the model does not read never loads it. Should embedding fail, the index ranks by words and
/// standard error says why.
pub fn index(knowledge_base: &KnowledgeBase, locale: &str) -> SearchIndex {
    let mut index = knowledge_base.search_index(locale);
    let Some(embedder) = embedder(knowledge_base).filter(|_| edgedesk_embed::reads(locale)) else { return index };
    let attached =
        embedder.embed_index(&index).and_then(|vectors| index.set_vectors(vectors).map_err(anyhow::Error::msg));
    if let Err(error) = attached {
        eprintln!("note: the {locale} sections could not be embedded ({error:#}); ranking by words");
    }
    index
}

/// The query's vector from the model that embedded the sections.
pub fn query_vector(text: &str) -> Option<Vec<f32>> {
    model()?.embed(&[text]).ok()?.pop()
}

/// The hits for `query` in `index`, fused with the model's ranking when the index has vectors.
pub fn search(index: &SearchIndex, query: &Query<'_>) -> Vec<SearchHit> {
    let vector = index.vectors().and_then(|_| query_vector(query.text));
    let ranking = index.rank_hybrid(query, &TUNING, &[], vector.as_deref(), &FUSION);
    index.hits(&ranking, |article| index.texts(article))
}
