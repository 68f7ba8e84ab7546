//! Turning text into search terms, identically at index time and at query time.
//!
//! A word is folded (Unicode NFKC, lowercase, `ё` → `е`, apostrophes dropped) and then stemmed by the
//! language of its script: Latin words with English rules, Cyrillic words with Russian rules, or
//! Ukrainian ones in Ukrainian content. Russian help centers are full of English product words, so
//! choosing by script rather than by page locale stems both kinds correctly.

use std::borrow::Cow;
use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use crate::ukrainian;

/// One word of a text: where it is (byte range in the original) and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub range: Range<usize>,
    pub folded: String,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

/// The words of `text`: runs of letters and digits, where an apostrophe between two letters belongs to
/// the word (`don't`, `п'ять`).
pub fn words(text: &str) -> impl Iterator<Item = Word> + '_ {
    word_ranges(text).map(|range| Word { folded: fold(&text[range.clone()]), range })
}

/// Where the words of `text` are, as [`words`] finds them, without folding them.
pub fn word_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = loop {
            let (at, c) = *chars.peek()?;
            if is_word_char(c) {
                break (at, c);
            }
            chars.next();
        };
        let mut end = start;
        while let Some(&(at, c)) = chars.peek() {
            if is_word_char(c) {
                end = at + c.len_utf8();
                chars.next();
            } else if is_apostrophe(c) && end == at && text[at + c.len_utf8()..].starts_with(char::is_alphabetic) {
                chars.next();
            } else {
                break;
            }
        }
        Some(start..end)
    })
}

/// A letter or digit. Latin and Cyrillic letters are told without the general Unicode tables, which are
/// most of the cost of reading a Russian text word by word.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_cyrillic_letter(c) || (!c.is_ascii() && c.is_alphanumeric())
}

/// The Cyrillic block's letters (all of it but the thousands sign and the combining marks after it), each
/// already as NFKC leaves it.
pub(crate) fn is_cyrillic_letter(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}')
}

/// The folded forms of the words of `text`.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text).map(|word| word.folded)
}

/// Case- and form-insensitive spelling: NFKC (so composed and decomposed `й` are one letter, and
/// full-width digits are digits), lowercase, `ё` as `е`, no apostrophes.
pub fn fold(word: &str) -> String {
    // Most words are ASCII or already normalised; only the rest pay for NFKC.
    if word.is_ascii() {
        return word.chars().filter(|&c| c != '\'').map(|c| c.to_ascii_lowercase()).collect();
    }
    if unicode_normalization::is_nfkc_quick(word.chars()) == unicode_normalization::IsNormalized::Yes {
        return folded_chars(word).collect();
    }
    word.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_apostrophe(c))
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The letters of a word already in NFKC, folded one by one as [`fold`] folds them.
pub fn folded_chars(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(char::to_lowercase).filter(|&c| !is_apostrophe(c)).map(|c| if c == 'ё' { 'е' } else { c })
}

/// Which rules stem Cyrillic words: Ukrainian content has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cyrillic {
    Russian,
    Ukrainian,
}

impl Cyrillic {
    pub fn for_locale(locale: &str) -> Self {
        if locale == "uk" || locale.starts_with("uk-") { Self::Ukrainian } else { Self::Russian }
    }
}

/// The stem of a folded word. Words with digits (`2fa`, `v1`) and very short words are kept as they are:
/// stemming them only merges unrelated things.
pub fn stem(folded: &str, cyrillic: Cyrillic) -> Cow<'_, str> {
    if let Some(digit) = number_word(folded) {
        return Cow::Borrowed(digit);
    }
    if folded.chars().count() < 3 || folded.chars().any(|c| c.is_ascii_digit()) {
        return Cow::Borrowed(folded);
    }
    if folded.chars().any(is_cyrillic) {
        match cyrillic {
            Cyrillic::Russian => Stemmer::create(Algorithm::Russian).stem(folded),
            Cyrillic::Ukrainian => Cow::Owned(ukrainian::stem(folded)),
        }
    } else if folded.is_ascii() {
        Stemmer::create(Algorithm::English).stem(folded)
    } else {
        Cow::Borrowed(folded)
    }
}

/// "two-step" and "2-step" are the same thing to a customer.
pub(crate) fn number_word(folded: &str) -> Option<&'static str> {
    const NUMBERS: [(&str, &str); 9] = [
        ("two", "2"),
        ("three", "3"),
        ("four", "4"),
        ("five", "5"),
        ("six", "6"),
        ("seven", "7"),
        ("eight", "8"),
        ("nine", "9"),
        ("ten", "10"),
    ];
    NUMBERS.iter().find(|(word, _)| *word == folded).map(|(_, digit)| *digit)
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
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

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str, into: &mut String) {
    for c in text.chars() {
        match c {
            '&' => into.push_str("&amp;"),
            '<' => into.push_str("&lt;"),
            '>' => into.push_str("&gt;"),
            '"' => into.push_str("&quot;"),
            '\'' => into.push_str("&#39;"),
            _ => into.push(c),
        }
    }
}

/// A Cyrillic word in Latin letters, the way Russian and Ukrainian speakers write English product words
/// they have only heard ("алголия", "деплой", "фавиконка"): `None` for a word with letters of no Cyrillic
/// alphabet edgedesk knows.
pub fn transliterate(folded: &str) -> Option<String> {
    let mut latin = String::with_capacity(folded.len());
    for c in folded.chars() {
        let sound = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ґ' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' | 'є' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' | 'ї' => "i",
            'й' | 'ы' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sch",
            'ъ' | 'ь' => "",
            'ю' => "yu",
            'я' => "ya",
            c if c.is_ascii_alphanumeric() => {
                latin.push(c);
                continue;
            }
            _ => return None,
        };
        latin.push_str(sound);
    }
    Some(latin)
}

/// Whether `a` and `b` are at most `max_edits` apart, counting an insertion, a deletion, a substitution
/// or a swap of two neighbours as one edit (optimal string alignment). Only a band of the table around
/// the diagonal is computed, and the scan stops as soon as the bound is exceeded, because this runs
/// over the whole vocabulary for every misspelt word.
pub fn within_edits(a: &[char], b: &[char], max_edits: usize) -> Option<usize> {
    /// Longer words are not typo-matched; the rows live on the stack.
    const MAX_CHARS: usize = 48;
    if a.len().abs_diff(b.len()) > max_edits || a.len() > MAX_CHARS || b.len() > MAX_CHARS {
        return None;
    }
    let too_far = max_edits + 1;
    // Three rows: two back (for swaps), previous, current.
    let mut before_previous = [too_far; MAX_CHARS + 1];
    let mut previous = [too_far; MAX_CHARS + 1];
    let mut current = [too_far; MAX_CHARS + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j.min(too_far);
    }
    for i in 1..=a.len() {
        current[..=b.len()].fill(too_far);
        current[0] = i.min(too_far);
        let from = i.saturating_sub(max_edits).max(1);
        let to = (i + max_edits).min(b.len());
        let mut row_best = current[0];
        for j in from..=to {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut cost = (previous[j - 1] + substitution).min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cost = cost.min(before_previous[j - 2] + 1);
            }
            current[j] = cost.min(too_far);
            row_best = row_best.min(current[j]);
        }
        if row_best > max_edits {
            return None;
        }
        before_previous = previous;
        previous = current;
    }
    let distance = previous[b.len()];
    (distance <= max_edits).then_some(distance)
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
    fn words_know_where_they_are() {
        let found: Vec<_> = words("a  bc, d").map(|w| w.range).collect();
        assert_eq!(found, [0..1, 3..5, 7..8]);
    }

    #[test]
    fn apostrophes_inside_words_join_them() {
        let found: Vec<_> = terms("Don't see п'ять or 'quoted' words’").collect();
        assert_eq!(found, ["dont", "see", "пять", "or", "quoted", "words"]);
    }

    #[test]
    fn cyrillic_is_lowercased_and_yo_folded() {
        let found: Vec<_> = terms("Ещё ПАРОЛЬ — Сброс").collect();
        assert_eq!(found, ["еще", "пароль", "сброс"]);
    }

    #[test]
    fn decomposed_letters_fold_to_composed_ones() {
        // "й" typed as "и" + combining breve, and full-width digits.
        assert_eq!(fold("и\u{306}ти"), "йти");
        assert_eq!(fold("ＡＢ１２"), "ab12");
    }

    #[test]
    fn stems_follow_the_script() {
        let stems = |text: &str, cyrillic| terms(text).map(|w| stem(&w, cyrillic).into_owned()).collect::<Vec<_>>();
        assert_eq!(stems("connecting connected connection", Cyrillic::Russian), ["connect", "connect", "connect"]);
        assert_eq!(stems("пароля паролем пароли", Cyrillic::Russian), ["парол", "парол", "парол"]);
        // English words inside Russian text still get English rules.
        assert_eq!(stems("загрузка uploads", Cyrillic::Russian), ["загрузк", "upload"]);
        assert_eq!(stems("2fa v2", Cyrillic::Russian), ["2fa", "v2"]);
        assert_eq!(stems("two-step 2-step", Cyrillic::Russian), ["2", "step", "2", "step"]);
    }

    #[test]
    fn edit_distance_is_bounded_and_counts_swaps_once() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(within_edits(&chars("password"), &chars("password"), 1), Some(0));
        assert_eq!(within_edits(&chars("pasword"), &chars("password"), 1), Some(1));
        assert_eq!(within_edits(&chars("recieve"), &chars("receive"), 1), Some(1));
        assert_eq!(within_edits(&chars("pasword"), &chars("passwort"), 1), None);
        assert_eq!(within_edits(&chars("pasword"), &chars("passwort"), 2), Some(2));
        assert_eq!(within_edits(&chars("cat"), &chars("dog"), 2), None);
        assert_eq!(within_edits(&chars("парль"), &chars("пароль"), 1), Some(1));
        assert_eq!(within_edits(&chars(""), &chars("ab"), 2), Some(2));
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

    #[test]
    fn html_is_escaped() {
        let mut out = String::new();
        escape_html(r#"<b onclick="x">&'"#, &mut out);
        assert_eq!(out, "&lt;b onclick=&quot;x&quot;&gt;&amp;&#39;");
    }
}
