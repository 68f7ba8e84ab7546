//! A light Ukrainian stemmer.
//!
//! Snowball (and so rust-stemmers) has no Ukrainian algorithm and no maintained Rust crate offers one, so
//! this follows the shape of Snowball's Russian stemmer with Ukrainian endings: find the region after the
//! first vowel, strip a gerund ending, or else a reflexive ending and then the longest adjective, verb or
//! noun ending, then undouble `нн` and drop a soft sign. It conflates the inflected forms customers type
//! ("налаштування", "налаштуваннях", "налаштуванням"); it does not try to undo vowel alternations.

const VOWELS: &[char] = &['а', 'е', 'є', 'и', 'і', 'ї', 'о', 'у', 'ю', 'я'];

const GERUND: &[&str] = &["ючись", "учись", "ачись", "ячись", "вшись", "ючи", "учи", "ачи", "ячи", "вши"];
const REFLEXIVE: &[&str] = &["ся", "сь"];
const ADJECTIVE: &[&str] =
    &["ього", "ьому", "ими", "іми", "ого", "ому", "ьої", "ьою", "ої", "ою", "ий", "ій", "ім", "им", "их", "іх"];
const VERB: &[&str] = &[
    "уємо", "уєте", "ують", "ував", "ємо", "єте", "єть", "ють", "ять", "ать", "ить", "іть", "имо", "ите", "ймо", "йте",
    "уєш", "ує", "ую", "иш", "еш", "мо", "те", "ть",
];
/// Infinitives end in a vowel and `ти` (`змінити`, `оплатити`). Short words ending so are mostly nouns
/// in the genitive (`оплати`, `роботи`), hence the minimum length.
const INFINITIVE_MIN_CHARS: usize = 7;
/// Past-tense endings, which count as verb endings only after these vowels; after others ("школа") the
/// same letters are a noun ending.
const PAST_TENSE: &[&str] = &["ла", "ло", "ли"];
const PAST_TENSE_AFTER: &[char] = &['а', 'я', 'и', 'і', 'у', 'е'];
const NOUN: &[&str] = &[
    "ами", "ями", "ові", "еві", "єві", "ах", "ях", "ам", "ям", "ом", "ем", "єм", "ою", "ею", "єю", "ів", "їв", "ей",
    "ія", "ії", "ію", "а", "я", "и", "і", "ї", "у", "ю", "о", "е", "є", "ь", "й",
];

/// The stem of a lowercase Ukrainian word.
pub fn stem(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let Some(first_vowel) = chars.iter().position(|c| VOWELS.contains(c)) else {
        return word.to_owned();
    };
    // Endings are only stripped from the region after the first vowel, and at least two letters stay.
    let region_start = (first_vowel + 1).max(2);

    if !strip_longest(&mut chars, region_start, GERUND, |_| true) {
        strip_longest(&mut chars, region_start, REFLEXIVE, |_| true);
        let stripped = strip_infinitive(&mut chars, region_start)
            || strip_longest(&mut chars, region_start, ADJECTIVE, |_| true)
            || strip_longest(&mut chars, region_start, VERB, |_| true)
            || strip_longest(&mut chars, region_start, PAST_TENSE, |before| PAST_TENSE_AFTER.contains(&before));
        if !stripped {
            strip_longest(&mut chars, region_start, NOUN, |_| true);
        }
    }
    if chars.ends_with(&['н', 'н']) {
        chars.pop();
    }
    if chars.len() > region_start && chars.last() == Some(&'ь') {
        chars.pop();
    }
    chars.into_iter().collect()
}

fn strip_infinitive(chars: &mut Vec<char>, region_start: usize) -> bool {
    let is_infinitive = chars.len() >= INFINITIVE_MIN_CHARS
        && chars.ends_with(&['т', 'и'])
        && VOWELS.contains(&chars[chars.len() - 3])
        && chars.len() - 3 >= region_start;
    if is_infinitive {
        chars.truncate(chars.len() - 3);
    }
    is_infinitive
}

/// Removes the longest of `endings` that lies within the region and whose preceding letter passes
/// `accept_before`; returns whether one was removed.
fn strip_longest(
    chars: &mut Vec<char>,
    region_start: usize,
    endings: &[&str],
    accept_before: impl Fn(char) -> bool,
) -> bool {
    let best = endings
        .iter()
        .map(|ending| ending.chars().collect::<Vec<char>>())
        .filter(|ending| chars.len() >= region_start + ending.len() && chars.ends_with(ending))
        .filter(|ending| chars.len() > ending.len() && accept_before(chars[chars.len() - ending.len() - 1]))
        .max_by_key(Vec::len);
    match best {
        Some(ending) => {
            chars.truncate(chars.len() - ending.len());
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::stem;

    fn all_same(forms: &[&str]) {
        let stems: Vec<String> = forms.iter().map(|form| stem(form)).collect();
        assert!(stems.windows(2).all(|pair| pair[0] == pair[1]), "{forms:?} → {stems:?}");
    }

    #[test]
    fn noun_cases_share_a_stem() {
        all_same(&["пароль", "пароля", "паролем", "паролі", "паролів", "паролями"]);
        all_same(&["оплата", "оплати", "оплату", "оплатою", "оплаті"]);
        all_same(&["налаштування", "налаштуванні", "налаштуванням", "налаштувань", "налаштуваннях"]);
        all_same(&["школа", "школи", "школою", "школі"]);
    }

    #[test]
    fn adjectives_and_verbs_lose_their_endings() {
        all_same(&["новий", "нового", "новому", "новим", "нових", "новими"]);
        all_same(&["завантажити", "завантажте", "завантажимо"]);
        all_same(&["змінити", "зміни", "зміною"]);
        all_same(&["оплатити", "оплата"]);
        assert_eq!(stem("оновлюється"), stem("оновлюєте"));
    }

    #[test]
    fn short_and_vowelless_words_are_kept() {
        assert_eq!(stem("в"), "в");
        assert_eq!(stem("ще"), "ще");
        assert_eq!(stem("вхід"), "вхід");
    }
}
