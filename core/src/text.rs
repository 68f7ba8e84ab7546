//! Turning text into search terms, identically at index time and at query time.

/// Splits text into lowercase search terms: runs of letters and digits, with `ё` folded to `е` because
/// Russian writers use the two interchangeably and customers almost never type `ё`.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(fold)
}

fn fold(word: &str) -> String {
    word.chars().flat_map(char::to_lowercase).map(|c| if c == 'ё' { 'е' } else { c }).collect()
}

/// Shortens `text` to at most `max_chars` characters at a word boundary, adding an ellipsis when cut.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let end = text.char_indices().nth(max_chars).map_or(text.len(), |(byte, _)| byte);
    let cut = &text[..end];
    let cut_between_words = text[end..].starts_with(char::is_whitespace);
    let at_word = if cut_between_words {
        cut.len()
    } else {
        // Back up to the last whole word, unless that would throw away more than half the excerpt.
        cut.rfind(char::is_whitespace).filter(|&i| cut[..i].chars().count() > max_chars / 2).unwrap_or(cut.len())
    };
    format!("{}…", cut[..at_word].trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lowercase_words_without_punctuation() {
        let found: Vec<_> = terms("Reset your Password (2FA), please!").collect();
        assert_eq!(found, ["reset", "your", "password", "2fa", "please"]);
    }

    #[test]
    fn cyrillic_is_lowercased_and_yo_folded() {
        let found: Vec<_> = terms("Ещё ПАРОЛЬ — Сброс").collect();
        assert_eq!(found, ["еще", "пароль", "сброс"]);
    }

    #[test]
    fn excerpt_cuts_at_a_word_and_marks_the_cut() {
        assert_eq!(excerpt("short text", 50), "short text");
        assert_eq!(excerpt("one two three four five six", 14), "one two three…");
    }

    #[test]
    fn excerpt_counts_characters_not_bytes() {
        // Twelve Cyrillic characters are 24 bytes; slicing by bytes would panic mid-character.
        assert_eq!(excerpt("Сброс пароля в приложении", 12), "Сброс пароля…");
    }
}
