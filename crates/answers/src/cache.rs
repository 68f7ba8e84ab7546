//! Answers are kept by what was asked, of which build, in which locale: the same question (however it is
//! cased, accented or spaced) gets the same answer until the knowledge base changes.

use sha2::{Digest, Sha256};

/// The cache key of a (masked) question: a hash, so the key holds nothing the customer wrote.
pub fn key(masked_question: &str, build: &str, locale: &str, product: Option<&str>) -> String {
    let folded: Vec<String> = edgedesk_search::text::words(masked_question).map(|word| word.folded).collect();
    let mut hash = Sha256::new();
    for part in [folded.join(" ").as_str(), build, locale, product.unwrap_or_default()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn the_same_question_however_written_has_one_key() {
        let base = key("How do I reset my password?", "b1", "en", None);
        assert_eq!(key("  how do i RESET my password ", "b1", "en", None), base);
        assert_ne!(key("How do I reset my password?", "b2", "en", None), base, "another build");
        assert_ne!(key("How do I reset my password?", "b1", "ru", None), base, "another locale");
        assert_ne!(key("How do I reset my password?", "b1", "en", Some("mobile")), base, "another product");
        assert_ne!(key("How do I reset my email?", "b1", "en", None), base);
    }
}
