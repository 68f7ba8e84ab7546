//! A generated help center for measuring scale: titles, headings and paragraphs drawn from the words of
//! a real help center (so word frequencies are realistic), arranged in sections, deterministic.

use std::path::Path;

use anyhow::Result;
use edgedesk_core::kb;
use edgedesk_core::text;

/// SplitMix64: small, fast and the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }
}

pub fn generate(source: &Path, out: &Path, articles: usize) -> Result<()> {
    let knowledge_base = kb::load(source)?;
    // Every word of every article, in order: sampling positions from it reproduces word frequencies.
    let words: Vec<String> = knowledge_base
        .parts
        .iter()
        .flatten()
        .flat_map(|part| text::words(&part.text).map(|w| w.folded).collect::<Vec<_>>())
        .filter(|word| word.chars().all(char::is_alphanumeric))
        .collect();
    let mut random = Random(0x005E_ED0F_ED6E_DE5C);
    let phrase = |random: &mut Random, count: usize| {
        (0..count).map(|_| words[random.below(words.len())].as_str()).collect::<Vec<_>>().join(" ")
    };
    for number in 0..articles {
        let section = format!("section-{:02}", number % 24);
        let title_words = random.between(4, 8);
        let title = capitalise(&phrase(&mut random, title_words));
        let mut markdown = format!("---\ntitle: \"{title}\"\n---\n\n{}.\n", capitalise(&phrase(&mut random, 30)));
        for _ in 0..random.between(2, 4) {
            let heading_words = random.between(2, 5);
            let heading = capitalise(&phrase(&mut random, heading_words));
            markdown.push_str(&format!("\n## {heading}\n"));
            for _ in 0..random.between(1, 3) {
                let length = random.between(25, 60);
                markdown.push_str(&format!("\n{}.\n", capitalise(&phrase(&mut random, length))));
            }
        }
        let path = out.join("en").join(section).join(format!("article-{number:05}.md"));
        std::fs::create_dir_all(path.parent().expect("a folder"))?;
        std::fs::write(path, markdown)?;
    }
    Ok(())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
