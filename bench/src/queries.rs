//! The queries both engines answer: taken from the corpus's own titles, so every query has answers, in
//! the four shapes customers type: a prefix while typing, and one, two or three words.

use std::collections::BTreeSet;

use edgedesk_search::text;

pub const KINDS: [&str; 4] = ["prefix", "1 word", "2 words", "3 words"];
const PER_KIND: usize = 40;

/// (kind, query) pairs, deterministic for a corpus.
pub fn from_titles(titles: &[String]) -> Vec<(&'static str, String)> {
    let word_lists: Vec<Vec<String>> = titles
        .iter()
        .map(|title| text::words(title).map(|w| w.folded).filter(|w| w.chars().count() >= 3).collect())
        .filter(|words: &Vec<String>| words.len() >= 3)
        .collect();
    let mut queries = Vec::new();
    for (kind, make) in [
        (
            "prefix",
            (|words: &[String], at: usize| {
                let word = &words[at % words.len()];
                word.chars().take(3 + at % 3).collect::<String>()
            }) as fn(&[String], usize) -> String,
        ),
        ("1 word", |words, at| words[at % words.len()].clone()),
        ("2 words", |words, at| {
            let start = at % (words.len() - 1);
            words[start..start + 2].join(" ")
        }),
        ("3 words", |words, at| {
            let start = at % (words.len() - 2);
            words[start..start + 3].join(" ")
        }),
    ] {
        let mut seen = BTreeSet::new();
        // Walk the titles with a stride coprime to their count, so queries spread over the corpus.
        let stride = (7919 % word_lists.len().max(1)) | 1;
        let mut position = 0;
        for attempt in 0..word_lists.len() * 4 {
            if seen.len() == PER_KIND {
                break;
            }
            position = (position + stride) % word_lists.len();
            let query = make(&word_lists[position], attempt);
            if seen.insert(query.clone()) {
                queries.push((kind, query));
            }
        }
    }
    queries
}
