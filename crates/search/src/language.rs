//! Which language a customer typed in. A Russian speaker on the English page of a help center types in
//! Russian, and should get the Russian articles rather than nothing; an English query on a Russian page
//! is the same the other way round. The letters tell the languages apart well enough: Ukrainian has
//! і ї є ґ, Russian has ы э ъ ё, and the rest of the Cyrillic alphabet is shared.

/// What the letters of a query say about its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Only Latin letters.
    Latin,
    /// Cyrillic with letters only Russian uses.
    Russian,
    /// Cyrillic with letters only Ukrainian uses.
    Ukrainian,
    /// Cyrillic letters both languages share.
    Cyrillic,
    /// No letters, or both scripts with no majority: digits, codes, a pasted error with a few words.
    Mixed,
}

/// The script of `text`: Cyrillic when most of its letters are, Latin when all of them are.
pub fn script_of(text: &str) -> Script {
    let (mut latin, mut cyrillic, mut russian, mut ukrainian) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | 'à'..='ÿ' => latin += 1,
            'ы' | 'э' | 'ъ' | 'ё' => {
                cyrillic += 1;
                russian += 1;
            }
            'і' | 'ї' | 'є' | 'ґ' => {
                cyrillic += 1;
                ukrainian += 1;
            }
            'а'..='я' => cyrillic += 1,
            _ => {}
        }
    }
    if cyrillic > latin {
        match russian.cmp(&ukrainian) {
            std::cmp::Ordering::Greater => Script::Russian,
            std::cmp::Ordering::Less => Script::Ukrainian,
            std::cmp::Ordering::Equal => Script::Cyrillic,
        }
    } else if latin > 0 && cyrillic == 0 {
        Script::Latin
    } else {
        Script::Mixed
    }
}

/// Words that say nothing about what a customer wants and a lot about the language they write in:
/// articles, pronouns, prepositions, conjunctions, question words and the filler of a typed question.
/// Ranking leaves them out when a query has other words; routing counts them as a sign of the language.
pub fn function_words(language: &str) -> &'static [&'static str] {
    match language {
        "en" => ENGLISH_FUNCTION_WORDS,
        "ru" => RUSSIAN_FUNCTION_WORDS,
        "uk" => UKRAINIAN_FUNCTION_WORDS,
        _ => &[],
    }
}

/// A function word of any language edgedesk knows, folded.
pub fn is_function_word(folded: &str) -> bool {
    [ENGLISH_FUNCTION_WORDS, RUSSIAN_FUNCTION_WORDS, UKRAINIAN_FUNCTION_WORDS]
        .iter()
        .any(|words| words.contains(&folded))
}

const ENGLISH_FUNCTION_WORDS: &[&str] = &[
    // Articles, pronouns, prepositions, conjunctions, auxiliaries.
    "a", "about", "after", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by", "can",
    "cant", "could", "did", "do", "does", "doesnt", "dont", "for", "from", "get", "got", "had", "has", "have", "he",
    "her", "his", "i", "if", "im", "in", "into", "is", "it", "its", "ive", "me", "my", "of", "on", "or", "our", "she",
    "should", "so", "some", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "us", "was", "we", "were", "which", "will", "with", "wont", "would", "you", "your",
    // Question words and the filler of a typed question.
    "anyone", "hello", "help", "hi", "how", "please", "pls", "someone", "thanks", "what", "when", "where", "who", "why",
];

const RUSSIAN_FUNCTION_WORDS: &[&str] = &[
    "а",
    "бы",
    "был",
    "была",
    "было",
    "в",
    "во",
    "вы",
    "все",
    "где",
    "да",
    "для",
    "до",
    "его",
    "ее",
    "если",
    "есть",
    "же",
    "за",
    "и",
    "из",
    "или",
    "их",
    "к",
    "как",
    "ко",
    "ли",
    "меня",
    "мне",
    "мой",
    "моя",
    "мы",
    "на",
    "не",
    "нет",
    "ни",
    "но",
    "о",
    "об",
    "он",
    "она",
    "они",
    "от",
    "по",
    "при",
    "с",
    "со",
    "так",
    "то",
    "у",
    "что",
    "чтобы",
    "это",
    "я",
    // Question words and the filler of a typed question.
    "зачем",
    "какая",
    "какие",
    "какой",
    "помогите",
    "подскажите",
    "пожалуйста",
    "почему",
    "здравствуйте",
];

const UKRAINIAN_FUNCTION_WORDS: &[&str] = &[
    "а",
    "б",
    "в",
    "ви",
    "від",
    "він",
    "вона",
    "вони",
    "де",
    "для",
    "до",
    "є",
    "з",
    "за",
    "і",
    "із",
    "й",
    "її",
    "їх",
    "його",
    "мене",
    "мені",
    "ми",
    "мій",
    "моя",
    "на",
    "не",
    "ні",
    "по",
    "про",
    "та",
    "то",
    "у",
    "це",
    "чи",
    "що",
    "як",
    "яка",
    "який",
    "які",
    // Question words and the filler of a typed question.
    "будь",
    "ласка",
    "допоможіть",
    "навіщо",
    "підкажіть",
    "чому",
    "вітаю",
];

/// The language part of a locale tag (`ru` for `ru-RU`).
fn language(locale: &str) -> &str {
    locale.split(['-', '_']).next().unwrap_or(locale)
}

fn is_cyrillic_language(locale: &str) -> bool {
    matches!(language(locale), "ru" | "uk" | "be" | "bg" | "sr" | "mk" | "kk")
}

/// The other locales worth searching for a query typed on a page in `page_locale`, among the site's
/// `locales`: those whose language is written in the query's script when the page's is not. A Cyrillic
/// page is left only for a query with no Cyrillic letter at all; a Latin page when most letters are
/// Cyrillic. Whether the query is searched there is for [`locale_for_query`] to tell:
/// Latin words in a Russian query may be the product's own terms, which the Russian articles use too,
/// and Cyrillic without ы э ъ ё or і ї є ґ may be either language.
pub fn other_locales<'a>(text: &str, page_locale: &str, locales: &[&'a str]) -> Vec<&'a str> {
    let written_in = |languages: &[&str]| -> Vec<&'a str> {
        locales.iter().copied().filter(|locale| languages.contains(&language(locale))).collect()
    };
    let page = language(page_locale);
    match script_of(text) {
        Script::Latin if is_cyrillic_language(page_locale) => {
            locales.iter().copied().filter(|locale| !is_cyrillic_language(locale)).collect()
        }
        Script::Russian if page != "ru" => written_in(&["ru"]),
        Script::Ukrainian if page != "uk" => written_in(&["uk"]),
        Script::Cyrillic if !is_cyrillic_language(page_locale) => written_in(&["ru", "uk"]),
        _ => Vec::new(),
    }
}

/// The locale to search for a query typed on a page in `page_locale`: the page's own, unless one of
/// [`other_locales`] uses more of the query's words. A tie keeps the page's: Russian articles quote the
/// English error messages customers paste, so those stay on the Russian page. `index` gives a locale's
/// index.
pub fn locale_for_query<'a, 'i>(
    text: &str,
    page_locale: &'a str,
    locales: &[&'a str],
    index: impl Fn(&str) -> Option<&'i crate::SearchIndex>,
) -> &'a str {
    let known = |locale: &str| index(locale).map_or(0, |index| index.known_words(text));
    let mut best = (page_locale, known(page_locale));
    for other in other_locales(text, page_locale, locales) {
        let words = known(other);
        if words > best.1 {
            best = (other, words);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_tell_the_languages_apart() {
        assert_eq!(script_of("reset my password"), Script::Latin);
        assert_eq!(script_of("как сбросить пароль и войти"), Script::Cyrillic);
        assert_eq!(script_of("не могу войти в аккаунт, ёлки"), Script::Russian);
        assert_eq!(script_of("як змінити пароль"), Script::Ukrainian);
        assert_eq!(script_of("ошибка avrdude"), Script::Mixed);
        assert_eq!(script_of("ошибка при загрузке avrdude"), Script::Cyrillic);
        assert_eq!(script_of("404"), Script::Mixed);
    }

    #[test]
    fn a_query_in_another_script_may_search_the_articles_written_in_it() {
        let locales = ["en", "ru", "uk"];
        let none: Vec<&str> = Vec::new();
        assert_eq!(other_locales("reset password", "en", &locales), none);
        assert_eq!(other_locales("как сбросить пароль", "en", &locales), ["ru", "uk"]);
        assert_eq!(other_locales("не могу войти, ёлки", "en", &locales), ["ru"]);
        assert_eq!(other_locales("як змінити пароль", "en", &locales), ["uk"]);
        assert_eq!(other_locales("reset password", "ru", &locales), ["en"]);
        assert_eq!(other_locales("как сбросить пароль", "uk", &locales), none, "shared letters stay");
        assert_eq!(other_locales("объём экспорта", "uk", &locales), ["ru"], "Russian letters move");
        // Latin words in a Cyrillic query are kept on a Cyrillic page: error text, product names.
        assert_eq!(other_locales("ошибка avrdude", "ru", &locales), none);
        assert_eq!(other_locales("как сбросить пароль", "en", &["en"]), none, "no Russian articles");
        assert_eq!(other_locales("404", "ru", &locales), none);
    }
}
