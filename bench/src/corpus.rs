//! A generated help center for measuring scale: titles, headings and paragraphs drawn from the words of
//! a real help center (so word frequencies are realistic), arranged in sections, deterministic.

use std::path::Path;

use anyhow::Result;
use edgedesk_insights::random::SplitMix64;
use edgedesk_kb as kb;
use edgedesk_search::text;

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
    let mut random = SplitMix64::new(0x005E_ED0F_ED6E_DE5C);
    let phrase = |random: &mut SplitMix64, count: u64| {
        (0..count).map(|_| words[random.below(words.len() as u64) as usize].as_str()).collect::<Vec<_>>().join(" ")
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
