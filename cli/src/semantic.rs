//! Ranking by meaning as well as words, in the CLI: `build` embeds the sections, and `search`, `eval` and
//! `preview` rank with the same fused ranking the worker uses once the customer pauses. Vectors are kept
//! by text between runs (`edgedesk_embed::cache_file`), so only sections that changed are embedded again.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::Result;
use edgedesk_embed::Embedders;
use edgedesk_kb::KnowledgeBase;
use edgedesk_protocol::api::SearchHit;
use edgedesk_search::semantic::{FUSION, SectionVectors};
use edgedesk_search::{Query, SearchIndex, TUNING};

/// The models, each loaded once per process when a locale first needs it.
fn models() -> &'static Embedders {
    static MODELS: OnceLock<Embedders> = OnceLock::new();
    MODELS.get_or_init(Embedders::default)
}

/// The models, when this knowledge base wants ranking by meaning.
pub fn embedders(knowledge_base: &KnowledgeBase) -> Option<&'static Embedders> {
    knowledge_base.config.semantic.enabled.then(models)
}

/// Every locale's index, with its sections' vectors where the locale's model is installed.
pub fn indexes(knowledge_base: &KnowledgeBase) -> Result<BTreeMap<String, SearchIndex>> {
    let mut indexes = knowledge_base.search_indexes();
    if let Some(embedders) = embedders(knowledge_base) {
        embedders.embed_indexes(&mut indexes)?;
    }
    Ok(indexes)
}

/// The index of `locale` alone, with its sections' vectors: a search in one language loads only that
/// language's model. Should embedding fail, the index ranks by words and standard error says why.
pub fn index(knowledge_base: &KnowledgeBase, locale: &str) -> SearchIndex {
    let mut index = knowledge_base.search_index(locale);
    let Some(embedder) = embedders(knowledge_base).and_then(|embedders| embedders.for_locale(locale)) else {
        return index;
    };
    let attached =
        embedder.embed_index(&index).and_then(|vectors| index.set_vectors(vectors).map_err(anyhow::Error::msg));
    if let Err(error) = attached {
        eprintln!("note: the {locale} sections could not be embedded ({error:#}); ranking by words");
    }
    index
}

/// The query's vector from the model that made `vectors`.
pub fn query_vector(vectors: &SectionVectors, text: &str) -> Option<Vec<f32>> {
    models().query_vector(vectors, text)
}

/// The hits for `query` in `index`, fused with the model's ranking when the index has vectors.
pub fn search(index: &SearchIndex, query: &Query<'_>) -> Vec<SearchHit> {
    let vector = index.vectors().and_then(|vectors| query_vector(vectors, query.text));
    let ranking = index.rank_hybrid(query, &TUNING, &[], vector.as_deref(), &FUSION);
    index.hits(&ranking, |article| index.texts(article))
}
