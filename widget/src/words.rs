//! Everything the widget says, in the languages edgedesk ships with (English, Russian, Ukrainian), with
//! plurals and dates as the browser's `Intl` formats them for the customer's language. A site's own form
//! labels (`GET /api/form`) take precedence over these; any other language falls back to English.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::api::TicketStatus;
use edgedesk_protocol::status::{Kind, Level};
use edgedesk_protocol::ticket::max_chars;
use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug)]
pub struct Words {
    pub panel_title: &'static str,
    pub close_help: &'static str,
    pub search_label: &'static str,
    pub articles: &'static str,
    pub no_match: &'static str,
    /// The live region's count: one, few, many (`{n}`); see [`plural`].
    pub articles_found: [&'static str; 3],
    pub no_articles_found: &'static str,
    /// Before the name of the language the results are in, when it is not the panel's.
    pub in_another_language: &'static str,
    /// The passage that answers, shown above the results.
    pub best_answer: &'static str,
    pub open_answer: &'static str,
    pub contact_support: &'static str,
    pub for_this_page: &'static str,
    pub no: &'static str,
    /// Before an article's date.
    pub updated: &'static str,
    /// Outage, maintenance, degraded, resolved, news: see [`Words::level`].
    pub levels: [&'static str; 5],
    pub details: &'static str,
    pub less: &'static str,
    pub status_page: &'static str,
    /// Before the notice's title, on its close button.
    pub dismiss: &'static str,
    pub service_status: &'static str,
    /// Name, email, subject, message left empty.
    pub required: [&'static str; 4],
    pub invalid_email: &'static str,
    /// `{max}` characters.
    pub too_long: &'static str,
    pub back_to_search: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub subject: &'static str,
    pub message: &'static str,
    pub remove: &'static str,
    pub send: &'static str,
    /// `{n}` seconds, and `{n}` minutes.
    pub retry_in: (&'static str, &'static str),
    pub unexpected: &'static str,
    pub my_tickets: &'static str,
    pub find: &'static str,
    pub loading: &'static str,
    pub back: &'static str,
    /// In the order of [`TicketStatus::ALL`]: see [`Words::status`].
    pub statuses: [&'static str; 6],
    pub unreachable: &'static str,
    /// A screen whose code did not download (offline, or an old page after a deploy), and its button.
    pub screen_failed: &'static str,
    pub try_again: &'static str,
}

impl Words {
    /// A ticket status in words.
    pub fn status(&self, status: TicketStatus) -> &'static str {
        self.statuses[status as usize]
    }

    /// "Try again in …" for a `Retry-After` of `seconds`.
    pub fn retry_in(&self, seconds: u32) -> String {
        let (template, n) =
            if seconds < 90 { (self.retry_in.0, seconds) } else { (self.retry_in.1, seconds.div_ceil(60)) };
        template.replace("{n}", &n.to_string())
    }

    /// A refusal in the customer's language when it is one the form explains (a field left empty, an
    /// email that is not one, a value too long); anything else as the worker worded it.
    pub fn problem(&self, error: &ApiError) -> String {
        let field = error.field.as_deref().unwrap_or_default();
        let required = ["name", "email", "subject", "message"].iter().position(|name| *name == field);
        match (error.code.as_str(), required, max_chars(field)) {
            ("required", Some(at), _) => self.required[at].to_owned(),
            ("invalid_email", ..) => self.invalid_email.to_owned(),
            ("too_long", _, Some(max)) => self.too_long.replace("{max}", &max.to_string()),
            _ => error.message.clone(),
        }
    }

    /// The words for a notice's level and kind, so colour is never the only sign.
    pub fn level(&self, level: Level, kind: Kind) -> &'static str {
        self.levels[match (level, kind) {
            (Level::Red, _) => 0,
            (Level::Yellow, Kind::Maintenance) => 1,
            (Level::Yellow, _) => 2,
            (Level::Green, Kind::Incident) => 3,
            (Level::Green, _) => 4,
        }]
    }
}

/// The browser's `Intl` wants a well-formed language tag and throws on anything else; a page's odd
/// `data-locale` must not break the panel.
fn language_tag(locale: &str) -> &str {
    let language = locale.split(['-', '_']).next().unwrap_or_default();
    if (2..=8).contains(&language.len()) && language.chars().all(|c| c.is_ascii_alphabetic()) { language } else { "en" }
}

/// Whether two locales are the same language (`ru` and `ru-RU` are).
pub fn same_language(a: &str, b: &str) -> bool {
    language_tag(a) == language_tag(b)
}

/// A language's name as its speakers write it, for the languages the widget speaks; others by their tag.
pub fn endonym(locale: &str) -> &str {
    match language_tag(locale) {
        "en" => "English",
        "ru" => "Русский",
        "uk" => "Українська",
        _ => locale,
    }
}

/// `forms` (one, few, many) for `n` in `locale`, with `{n}` filled in. The browser knows every
/// language's plural rules (`Intl.PluralRules`), so the widget ships none: Russian and Ukrainian say
/// 1 статья, 2 статьи, 5 статей, 21 статья.
pub fn plural(locale: &str, n: usize, forms: [&str; 3]) -> String {
    let locales = js_sys::Array::of1(&JsValue::from_str(language_tag(locale)));
    let rules = js_sys::Intl::PluralRules::new(&locales, &js_sys::Object::new());
    let form = match rules.select(n as f64).as_string().as_deref() {
        Some("one") => forms[0],
        Some("few") => forms[1],
        _ => forms[2],
    };
    form.replace("{n}", &n.to_string())
}

/// A moment (RFC 3339) in the customer's own time zone, as the browser writes it in `locale`.
pub fn local_time(rfc3339: &str, locale: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    String::from(date.to_locale_string(language_tag(locale), &JsValue::UNDEFINED))
}

/// A calendar day (`YYYY-MM-DD`, as articles give `updated`) written out in `locale`: "2 November 2026",
/// "2 ноября 2026 г.". Read as UTC and shown as UTC, so no time zone moves it to the day before.
pub fn long_date(day: &str, locale: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(day));
    if date.get_time().is_nan() {
        return day.to_owned();
    }
    let options = js_sys::Object::new();
    for (key, value) in [("dateStyle", "long"), ("timeZone", "UTC")] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    String::from(date.to_locale_date_string(language_tag(locale), &options))
}

/// Declares [`ScreenWords`] with its fields in the order `screen-words.json` gives them for each language,
/// which is how they are read (by position: the names would be bytes in the first chunk).
macro_rules! screen_words {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// What only the screens' chunk says (the form, its confirmation, an article's extras, My tickets
        /// and conversations). They are in `screen-words.json`, served beside the chunk and fetched with it
        /// (`lazy.rs`): compiled in, they would be data, and all of the wasm's data stays in the first
        /// chunk. The first chunk's own words are here too, through `Deref`.
        pub struct ScreenWords {
            words: &'static Words,
            $($(#[$doc])* pub $field: &'static str,)*
        }

        impl ScreenWords {
            fn read(words: &'static Words, values: &mut impl Iterator<Item = &'static str>) -> Option<Self> {
                Some(Self { words, $($field: values.next()?,)* })
            }
        }

        #[cfg(test)]
        const SCREEN_WORD_NAMES: &[&str] = &[$(stringify!($field)),*];
    };
}

screen_words! {
    was_helpful,
    yes,
    vote_failed,
    vote_thanks,
    ask_support,
    related,
    /// Around the incident's title: "We know about this: <title>. We are working on it…"
    known_issue_before,
    known_issue_after,
    topic,
    urgency,
    /// In `Urgency::ALL` order: see [`ScreenWords::urgencies`].
    urgency_low,
    urgency_normal,
    urgency_high,
    urgency_critical,
    steps_tried,
    attachments,
    /// `{count}` files of `{size}` MB.
    attachments_hint,
    /// The honeypot's label, which only robots read.
    honeypot,
    uploading,
    /// `{count}`.
    too_many_files,
    /// `{name}`, `{size}` (MB).
    file_too_large,
    wait_for_uploads,
    suggestions,
    sending,
    unreachable_saved,
    sent_title,
    your_ticket_number,
    back_to_help,
    no_tickets_yet,
    find_ticket,
    ticket_number,
    /// The view token's name for customers, and what it is for on the confirmation.
    access_code,
    access_code_hint,
    not_found,
    helpful,
    good,
    bad,
    rated_thanks,
    open_conversation,
    /// One, few, many (`{n}`): see [`ScreenWords::new_replies`].
    new_replies_one,
    new_replies_few,
    new_replies_many,
    you,
    /// An agent whose name the helpdesk did not give.
    support_team,
    your_reply,
    /// Before the last moment a solved ticket takes a reply.
    reply_until,
    /// `{number}`: a closed ticket, and the button that starts a new one quoting it.
    closed_follow_up,
    new_ticket,
    /// The new ticket's subject, `{number}`.
    follow_up_subject,
    rating_comment,
    /// A reply the helpdesk does not have yet.
    not_sent_yet,
}

impl std::ops::Deref for ScreenWords {
    type Target = Words;

    fn deref(&self) -> &Words {
        self.words
    }
}

impl ScreenWords {
    /// Low, normal, high, critical: in `Urgency::ALL` order.
    pub fn urgencies(&self) -> [&'static str; 4] {
        [self.urgency_low, self.urgency_normal, self.urgency_high, self.urgency_critical]
    }

    pub fn new_replies(&self) -> [&'static str; 3] {
        [self.new_replies_one, self.new_replies_few, self.new_replies_many]
    }
}

/// The languages the widget ships with, as [`words`] picks among them.
const LANGUAGES: [&str; 3] = ["en", "ru", "uk"];

thread_local! {
    /// Each language's [`ScreenWords`], in [`LANGUAGES`] order, once `screen-words.json` is here.
    static SCREEN_WORDS: std::cell::Cell<Option<&'static [ScreenWords; 3]>> = const { std::cell::Cell::new(None) };
}

/// Reads `screen-words.json` (`{"en": [...], "ru": [...], "uk": [...]}` as built, or with each language's
/// words named, as written: either way read in order) and keeps what it says for the rest of the page's
/// life; whether every language had every word.
pub fn keep_screen_words(all: &JsValue) -> bool {
    let language = |tag: &str| -> Option<ScreenWords> {
        let words_object =
            js_sys::Reflect::get(all, &JsValue::from_str(tag)).ok()?.dyn_into::<js_sys::Object>().ok()?;
        let values: Vec<&'static str> = js_sys::Object::values(&words_object)
            .iter()
            .map(|value| value.as_string().map(|text| &*Box::leak(text.into_boxed_str())))
            .collect::<Option<_>>()?;
        let mut values = values.into_iter();
        let read = ScreenWords::read(words(tag), &mut values)?;
        values.next().is_none().then_some(read)
    };
    let Some(read) = (|| Some([language(LANGUAGES[0])?, language(LANGUAGES[1])?, language(LANGUAGES[2])?]))() else {
        return false;
    };
    SCREEN_WORDS.set(Some(Box::leak(Box::new(read))));
    true
}

/// What the screens say in `locale`. Only the screens ask, and `lazy.rs` shows them once their words are
/// here; were one shown before, it would say nothing rather than take the widget down.
pub fn screen_words(locale: &str) -> &'static ScreenWords {
    let at = LANGUAGES.iter().position(|tag| *tag == language_tag(locale)).unwrap_or(0);
    match SCREEN_WORDS.get() {
        Some(all) => &all[at],
        None => Box::leak(Box::new(
            ScreenWords::read(words(locale), &mut std::iter::repeat("")).unwrap_or_else(|| unreachable!()),
        )),
    }
}

pub fn words(locale: &str) -> &'static Words {
    match language_tag(locale) {
        "ru" => &RU,
        "uk" => &UK,
        _ => &EN,
    }
}

static EN: Words = Words {
    panel_title: "How can we help?",
    close_help: "Close help",
    search_label: "Search help articles",
    articles: "Articles",
    no_match: "No articles match. Try other words, or write to us.",
    articles_found: ["{n} article found", "{n} articles found", "{n} articles found"],
    no_articles_found: "No articles found",
    in_another_language: "Found in another language:",
    best_answer: "Best answer",
    open_answer: "Read it in the article",
    contact_support: "Contact support",
    for_this_page: "Suggested for this page",
    no: "No",
    updated: "Updated ",
    levels: ["Outage", "Maintenance", "Degraded service", "Resolved", "News"],
    details: "Details",
    less: "Less",
    status_page: "Status page",
    dismiss: "Dismiss: ",
    service_status: "Service status",
    required: [
        "Tell us your name.",
        "Enter the email address we should reply to.",
        "Add a short subject.",
        "Describe what happened.",
    ],
    invalid_email: "Enter an email address like name@example.com.",
    too_long: "This is too long: keep it under {max} characters.",
    back_to_search: "← Back to search",
    name: "Your name",
    email: "Email",
    subject: "Subject",
    message: "How can we help?",
    remove: "Remove",
    send: "Send",
    retry_in: ("You can try again in {n} s.", "You can try again in {n} min."),
    unexpected: "Support answered unexpectedly. Please try again.",
    my_tickets: "My tickets",
    find: "Find",
    loading: "Loading…",
    back: "← Back",
    statuses: ["Received", "With the support team", "Open", "Waiting for your reply", "Solved", "Closed"],
    unreachable: "We could not reach support. Check your connection and try again.",
    screen_failed: "This part of help did not load. Check your connection and try again.",
    try_again: "Try again",
};

static RU: Words = Words {
    panel_title: "Чем мы можем помочь?",
    close_help: "Закрыть справку",
    search_label: "Поиск по статьям справки",
    articles: "Статьи",
    no_match: "Подходящих статей нет. Попробуйте другие слова или напишите нам.",
    articles_found: ["Найдена {n} статья", "Найдено {n} статьи", "Найдено {n} статей"],
    no_articles_found: "Статей не найдено",
    in_another_language: "Найдено на другом языке:",
    best_answer: "Лучший ответ",
    open_answer: "Читать в статье",
    contact_support: "Написать в поддержку",
    for_this_page: "Статьи к этой странице",
    no: "Нет",
    updated: "Обновлено ",
    levels: ["Сбой", "Техработы", "Работает с перебоями", "Решено", "Новости"],
    details: "Подробнее",
    less: "Свернуть",
    status_page: "Страница статуса",
    dismiss: "Скрыть: ",
    service_status: "Состояние сервиса",
    required: [
        "Как вас зовут?",
        "Укажите адрес, на который нам ответить.",
        "Добавьте короткую тему.",
        "Опишите, что случилось.",
    ],
    invalid_email: "Введите адрес вида name@example.com.",
    too_long: "Слишком длинно: не больше {max} символов.",
    back_to_search: "← Назад к поиску",
    name: "Ваше имя",
    email: "Эл. почта",
    subject: "Тема",
    message: "Чем мы можем помочь?",
    remove: "Удалить",
    send: "Отправить",
    retry_in: ("Попробуйте снова через {n} с.", "Попробуйте снова через {n} мин."),
    unexpected: "Поддержка ответила что-то непонятное. Попробуйте ещё раз.",
    my_tickets: "Мои обращения",
    find: "Найти",
    loading: "Загрузка…",
    back: "← Назад",
    statuses: ["Получено", "Передано в поддержку", "В работе", "Ждём вашего ответа", "Решено", "Закрыто"],
    unreachable: "Не удалось связаться с поддержкой. Проверьте подключение и попробуйте ещё раз.",
    screen_failed: "Эта часть справки не загрузилась. Проверьте подключение и попробуйте ещё раз.",
    try_again: "Попробовать снова",
};

static UK: Words = Words {
    panel_title: "Чим ми можемо допомогти?",
    close_help: "Закрити довідку",
    search_label: "Пошук у статтях довідки",
    articles: "Статті",
    no_match: "Відповідних статей немає. Спробуйте інші слова або напишіть нам.",
    articles_found: ["Знайдено {n} статтю", "Знайдено {n} статті", "Знайдено {n} статей"],
    no_articles_found: "Статей не знайдено",
    in_another_language: "Знайдено іншою мовою:",
    best_answer: "Найкраща відповідь",
    open_answer: "Читати в статті",
    contact_support: "Написати в підтримку",
    for_this_page: "Статті до цієї сторінки",
    no: "Ні",
    updated: "Оновлено ",
    levels: ["Збій", "Технічні роботи", "Працює з перебоями", "Вирішено", "Новини"],
    details: "Докладніше",
    less: "Згорнути",
    status_page: "Сторінка статусу",
    dismiss: "Сховати: ",
    service_status: "Стан сервісу",
    required: [
        "Як вас звати?",
        "Вкажіть адресу, на яку нам відповісти.",
        "Додайте коротку тему.",
        "Опишіть, що сталося.",
    ],
    invalid_email: "Введіть адресу на зразок name@example.com.",
    too_long: "Задовго: не більше {max} символів.",
    back_to_search: "← Назад до пошуку",
    name: "Ваше імʼя",
    email: "Ел. пошта",
    subject: "Тема",
    message: "Чим ми можемо допомогти?",
    remove: "Видалити",
    send: "Надіслати",
    retry_in: ("Спробуйте знову через {n} с.", "Спробуйте знову через {n} хв."),
    unexpected: "Підтримка відповіла щось незрозуміле. Спробуйте ще раз.",
    my_tickets: "Мої звернення",
    find: "Знайти",
    loading: "Завантаження…",
    back: "← Назад",
    statuses: ["Отримано", "Передано до підтримки", "У роботі", "Чекаємо на вашу відповідь", "Вирішено", "Закрито"],
    unreachable: "Не вдалося звʼязатися з підтримкою. Перевірте підключення і спробуйте ще раз.",
    screen_failed: "Ця частина довідки не завантажилася. Перевірте підключення і спробуйте ще раз.",
    try_again: "Спробувати знову",
};

#[cfg(test)]
mod tests {
    use js_sys::{JSON, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    const SCREEN_WORDS_JSON: &str = include_str!("screen-words.json");

    #[wasm_bindgen_test]
    fn every_language_gives_every_screen_word_in_the_order_they_are_read() {
        let all = JSON::parse(SCREEN_WORDS_JSON).unwrap();
        for tag in LANGUAGES {
            let words_object: Object = Reflect::get(&all, &JsValue::from_str(tag)).unwrap().dyn_into().unwrap();
            let names: Vec<String> = Object::keys(&words_object).iter().map(|name| name.as_string().unwrap()).collect();
            assert_eq!(names, SCREEN_WORD_NAMES, "{tag} in screen-words.json");
            assert!(
                Object::values(&words_object)
                    .iter()
                    .all(|value| value.as_string().is_some_and(|text| !text.is_empty())),
                "{tag}: every word is a non-empty string"
            );
        }
    }

    #[wasm_bindgen_test]
    fn screen_words_are_read_by_position_and_refused_when_one_is_missing() {
        // A language short of a word, or with one too many, is not read: the words would be shifted.
        let short = JSON::parse(r#"{"en":{"was_helpful":"Was this helpful?"},"ru":{},"uk":{}}"#).unwrap();
        assert!(!keep_screen_words(&short));
        let all: JsValue = JSON::parse(SCREEN_WORDS_JSON).unwrap();
        let uk: Object = Reflect::get(&all, &JsValue::from_str("uk")).unwrap().dyn_into().unwrap();
        Reflect::set(&uk, &JsValue::from_str("extra"), &JsValue::from_str("x")).unwrap();
        assert!(!keep_screen_words(&all));
        assert_eq!(screen_words("en").you, "", "nothing was kept");

        // As scripts/build.sh ships them: each language's words as a list, in the same order.
        let written = JSON::parse(SCREEN_WORDS_JSON).unwrap();
        let shipped = Object::new();
        for tag in LANGUAGES {
            let words_object: Object = Reflect::get(&written, &JsValue::from_str(tag)).unwrap().dyn_into().unwrap();
            Reflect::set(&shipped, &JsValue::from_str(tag), &Object::values(&words_object)).unwrap();
        }
        assert!(keep_screen_words(&shipped));
        assert_eq!(screen_words("en").was_helpful, "Was this helpful?");
        assert_eq!(screen_words("en").not_sent_yet, "Sending to support…", "the last word is in its place");
        assert_eq!(screen_words("ru-RU").panel_title, words("ru").panel_title, "the panel's words come through");
        assert_eq!(screen_words("de").was_helpful, "Was this helpful?", "other languages fall back to English");
        assert_ne!(screen_words("uk").was_helpful, screen_words("ru").was_helpful);
    }
}
