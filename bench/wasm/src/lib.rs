//! The worker's CPU per search, measured where it runs: this crate compiles the worker's search calls
//! for wasm32 with the worker's release profile, and `cpu.mjs` times them under V8 (Node's, the engine
//! workerd embeds), through wasm-bindgen's glue as the worker's own calls go.
//!
//! A search by words is what the worker does per keystroke: rank, then snippets. A search by meaning adds
//! what the worker does with the provider's answer: read the JSON with the query's vector, compare it
//! with every section's, and fuse the two rankings.

use std::cell::RefCell;

use edgedesk_search::semantic::{FUSION, SectionVectors, provider};
use edgedesk_search::{Query, SHARD_ARTICLES, SearchIndex, TUNING, read_text_shard};
use wasm_bindgen::prelude::wasm_bindgen;

#[derive(Default)]
struct Loaded {
    index: Option<SearchIndex>,
    vectors: Option<SectionVectors>,
    shards: Vec<Vec<Vec<String>>>,
}

thread_local! {
    static LOADED: RefCell<Loaded> = RefCell::new(Loaded::default());
}

/// Loads `index.bin`; the number of articles, or 0 when it is unreadable.
#[wasm_bindgen]
pub fn load_index(bytes: &[u8]) -> u32 {
    let Ok(index) = SearchIndex::from_bytes(bytes) else { return 0 };
    let articles = index.len() as u32;
    LOADED.with_borrow_mut(|loaded| loaded.index = Some(index));
    articles
}

/// Loads `vectors.bin`, checked against the index as the worker checks it; the number of sections, or 0.
#[wasm_bindgen]
pub fn load_vectors(bytes: &[u8]) -> u32 {
    let Ok(vectors) = SectionVectors::from_bytes(bytes) else { return 0 };
    LOADED.with_borrow_mut(|loaded| {
        let fits = loaded.index.as_ref().is_some_and(|index| index.check_vectors(&vectors).is_ok());
        let sections = if fits { vectors.len() as u32 } else { 0 };
        loaded.vectors = fits.then_some(vectors);
        sections
    })
}

/// Loads the next text shard; 0 when it is unreadable.
#[wasm_bindgen]
pub fn load_shard(bytes: &[u8]) -> u32 {
    let Ok(shard) = read_text_shard(bytes) else { return 0 };
    LOADED.with_borrow_mut(|loaded| loaded.shards.push(shard));
    1
}

/// One search as the worker makes it: by words when `answer` is empty, else by words and meaning with the
/// query's vector read from `answer`, the provider's JSON. The number of hits, or `u32::MAX` when the
/// query or the answer is refused.
#[wasm_bindgen]
pub fn search(text: &str, answer: &str) -> u32 {
    LOADED.with_borrow(|loaded| {
        let Some(index) = &loaded.index else { return u32::MAX };
        let query = Query::new(text);
        let ranking = match (&loaded.vectors, answer.is_empty()) {
            (_, true) => index.rank_learned(&query, &TUNING, &[]),
            (Some(vectors), false) => {
                let Ok(mut read) = provider::read_answer(200, answer, 1, vectors.dimensions()) else {
                    return u32::MAX;
                };
                index.rank_fused(&query, &TUNING, &[], vectors, &read.remove(0), &FUSION)
            }
            (None, false) => return u32::MAX,
        };
        let hits = index.hits(&ranking, |article| {
            let shard = loaded.shards.get((article / SHARD_ARTICLES) as usize)?;
            shard.get((article % SHARD_ARTICLES) as usize).map(Vec::as_slice)
        });
        hits.len() as u32
    })
}
