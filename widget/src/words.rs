//! Everything the widget says, in the languages edgedesk ships with (English, Russian, Ukrainian), with
//! plurals and dates as the browser's `Intl` formats them for the customer's language. A site's own form
//! labels (`GET /api/form`) take precedence over these; any other language falls back to English.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::api::TicketStatus;
use edgedesk_protocol::status::{Kind, Level};
use edgedesk_protocol::ticket::max_chars;
use wasm_bindgen::JsValue;

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
    pub was_helpful: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub vote_failed: &'static str,
    pub vote_thanks: &'static str,
    pub ask_support: &'static str,
    pub related: &'static str,
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
    /// Around the incident's title: "We know about this: <title>. We are working on it…"
    pub known_issue: (&'static str, &'static str),
    pub name: &'static str,
    pub email: &'static str,
    pub topic: &'static str,
    pub urgency: &'static str,
    /// Low, normal, high, critical: in `Urgency::ALL` order.
    pub urgencies: [&'static str; 4],
    pub subject: &'static str,
    pub message: &'static str,
    pub steps_tried: &'static str,
    pub attachments: &'static str,
    /// `{count}` files of `{size}` MB.
    pub attachments_hint: &'static str,
    /// The honeypot's label, which only robots read.
    pub honeypot: &'static str,
    pub remove: &'static str,
    pub uploading: &'static str,
    /// `{count}`.
    pub too_many_files: &'static str,
    /// `{name}`, `{size}` (MB).
    pub file_too_large: &'static str,
    pub wait_for_uploads: &'static str,
    pub suggestions: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub unreachable_saved: &'static str,
    /// `{n}` seconds, and `{n}` minutes.
    pub retry_in: (&'static str, &'static str),
    pub unexpected: &'static str,
    pub sent_title: &'static str,
    pub your_ticket_number: &'static str,
    pub back_to_help: &'static str,
    pub my_tickets: &'static str,
    pub no_tickets_yet: &'static str,
    pub find_ticket: &'static str,
    pub ticket_number: &'static str,
    /// The view token's name for customers, and what it is for on the confirmation.
    pub access_code: &'static str,
    pub access_code_hint: &'static str,
    pub find: &'static str,
    pub not_found: &'static str,
    pub expected_reply: &'static str,
    pub loading: &'static str,
    pub back: &'static str,
    /// In the order of [`TicketStatus::ALL`]: see [`Words::status`].
    pub statuses: [&'static str; 6],
    pub helpful: &'static str,
    pub good: &'static str,
    pub bad: &'static str,
    pub rated_thanks: &'static str,
    pub unreachable: &'static str,
    /// A screen whose code did not download (offline, or an old page after a deploy), and its button.
    pub screen_failed: &'static str,
    pub try_again: &'static str,
    pub open_conversation: &'static str,
    /// One, few, many (`{n}`).
    pub new_replies: [&'static str; 3],
    pub you: &'static str,
    /// An agent whose name the helpdesk did not give.
    pub support_team: &'static str,
    pub your_reply: &'static str,
    /// Before the last moment a solved ticket takes a reply.
    pub reply_until: &'static str,
    /// `{number}`: a closed ticket, and the button that starts a new one quoting it.
    pub closed_follow_up: &'static str,
    pub new_ticket: &'static str,
    /// The new ticket's subject, `{number}`.
    pub follow_up_subject: &'static str,
    pub rating_comment: &'static str,
    /// A reply the helpdesk does not have yet.
    pub not_sent_yet: &'static str,
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
    was_helpful: "Was this helpful?",
    yes: "Yes",
    no: "No",
    vote_failed: "Could not send; try again.",
    vote_thanks: "Thanks for letting us know.",
    ask_support: "Ask support instead",
    related: "Related articles",
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
    known_issue: ("We know about this: ", ". We are working on it; you can still write to us."),
    name: "Your name",
    email: "Email",
    topic: "Topic",
    urgency: "Urgency",
    urgencies: ["Low", "Normal", "High", "Critical"],
    subject: "Subject",
    message: "How can we help?",
    steps_tried: "What have you already tried? (optional)",
    attachments: "Screenshots or PDFs (optional)",
    attachments_hint: "Up to {count} files, {size} MB each.",
    honeypot: "Leave this field empty",
    remove: "Remove",
    uploading: "uploading…",
    too_many_files: "You can attach at most {count} files.",
    file_too_large: "{name} is larger than {size} MB.",
    wait_for_uploads: "Wait a moment: the files are still uploading.",
    suggestions: "These articles may answer it",
    send: "Send",
    sending: "Sending…",
    unreachable_saved: "We could not reach support; your message is saved — try again.",
    retry_in: ("You can try again in {n} s.", "You can try again in {n} min."),
    unexpected: "Support answered unexpectedly. Please try again.",
    sent_title: "Message sent",
    your_ticket_number: "Your ticket number",
    back_to_help: "Back to help",
    my_tickets: "My tickets",
    no_tickets_yet: "Tickets you send from this browser appear here.",
    find_ticket: "Find a ticket",
    ticket_number: "Ticket number",
    access_code: "Access code",
    access_code_hint: "Keep this code to follow the ticket from another browser.",
    find: "Find",
    not_found: "No ticket with this number and access code.",
    expected_reply: "Reply expected by ",
    loading: "Loading…",
    back: "← Back",
    statuses: ["Received", "With the support team", "Open", "Waiting for your reply", "Solved", "Closed"],
    helpful: "Was this answer helpful?",
    good: "Good",
    bad: "Bad",
    rated_thanks: "Thanks for rating the answer.",
    unreachable: "We could not reach support. Check your connection and try again.",
    screen_failed: "This part of help did not load. Check your connection and try again.",
    try_again: "Try again",
    open_conversation: "Open conversation",
    new_replies: ["{n} new reply", "{n} new replies", "{n} new replies"],
    you: "You",
    support_team: "Support",
    your_reply: "Your reply",
    reply_until: "You can reply until ",
    closed_follow_up: "This ticket is closed. To follow up, write a new one; it will quote {number}.",
    new_ticket: "Write a new ticket",
    follow_up_subject: "Follow-up to {number}",
    rating_comment: "Anything to add? (optional)",
    not_sent_yet: "Sending to support…",
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
    was_helpful: "Статья помогла?",
    yes: "Да",
    no: "Нет",
    vote_failed: "Не удалось отправить; попробуйте ещё раз.",
    vote_thanks: "Спасибо, что рассказали.",
    ask_support: "Спросить поддержку",
    related: "Похожие статьи",
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
    known_issue: ("Мы знаем о проблеме: ", ". Мы уже работаем над ней; вы всё равно можете написать нам."),
    name: "Ваше имя",
    email: "Эл. почта",
    topic: "Категория",
    urgency: "Срочность",
    urgencies: ["Низкая", "Обычная", "Высокая", "Критическая"],
    subject: "Тема",
    message: "Чем мы можем помочь?",
    steps_tried: "Что вы уже попробовали? (необязательно)",
    attachments: "Скриншоты или PDF (необязательно)",
    attachments_hint: "До {count} файлов, до {size} МБ каждый.",
    honeypot: "Оставьте это поле пустым",
    remove: "Удалить",
    uploading: "загружается…",
    too_many_files: "Можно приложить не больше {count} файлов.",
    file_too_large: "{name} больше {size} МБ.",
    wait_for_uploads: "Подождите немного: файлы ещё загружаются.",
    suggestions: "Возможно, ответ есть в этих статьях",
    send: "Отправить",
    sending: "Отправляем…",
    unreachable_saved: "Не удалось связаться с поддержкой; ваше сообщение сохранено — попробуйте ещё раз.",
    retry_in: ("Попробуйте снова через {n} с.", "Попробуйте снова через {n} мин."),
    unexpected: "Поддержка ответила что-то непонятное. Попробуйте ещё раз.",
    sent_title: "Сообщение отправлено",
    your_ticket_number: "Номер вашего обращения",
    back_to_help: "Назад к справке",
    my_tickets: "Мои обращения",
    no_tickets_yet: "Здесь появятся обращения, отправленные из этого браузера.",
    find_ticket: "Найти обращение",
    ticket_number: "Номер обращения",
    access_code: "Код доступа",
    access_code_hint: "Сохраните этот код, чтобы следить за обращением из другого браузера.",
    find: "Найти",
    not_found: "Нет обращения с таким номером и кодом доступа.",
    expected_reply: "Ответ ожидается до ",
    loading: "Загрузка…",
    back: "← Назад",
    statuses: ["Получено", "Передано в поддержку", "В работе", "Ждём вашего ответа", "Решено", "Закрыто"],
    helpful: "Ответ помог?",
    good: "Хорошо",
    bad: "Плохо",
    rated_thanks: "Спасибо за оценку.",
    unreachable: "Не удалось связаться с поддержкой. Проверьте подключение и попробуйте ещё раз.",
    screen_failed: "Эта часть справки не загрузилась. Проверьте подключение и попробуйте ещё раз.",
    try_again: "Попробовать снова",
    open_conversation: "Открыть переписку",
    new_replies: ["{n} новый ответ", "{n} новых ответа", "{n} новых ответов"],
    you: "Вы",
    support_team: "Поддержка",
    your_reply: "Ваш ответ",
    reply_until: "Ответить можно до ",
    closed_follow_up: "Это обращение закрыто. Чтобы продолжить, напишите новое — в нём будет указано {number}.",
    new_ticket: "Написать новое обращение",
    follow_up_subject: "Продолжение {number}",
    rating_comment: "Хотите что-то добавить? (необязательно)",
    not_sent_yet: "Отправляется в поддержку…",
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
    was_helpful: "Стаття допомогла?",
    yes: "Так",
    no: "Ні",
    vote_failed: "Не вдалося надіслати; спробуйте ще раз.",
    vote_thanks: "Дякуємо, що повідомили.",
    ask_support: "Запитати підтримку",
    related: "Схожі статті",
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
    known_issue: ("Ми знаємо про проблему: ", ". Ми вже працюємо над нею; ви все одно можете написати нам."),
    name: "Ваше імʼя",
    email: "Ел. пошта",
    topic: "Категорія",
    urgency: "Терміновість",
    urgencies: ["Низька", "Звичайна", "Висока", "Критична"],
    subject: "Тема",
    message: "Чим ми можемо допомогти?",
    steps_tried: "Що ви вже спробували? (необовʼязково)",
    attachments: "Знімки екрана або PDF (необовʼязково)",
    attachments_hint: "До {count} файлів, до {size} МБ кожен.",
    honeypot: "Залиште це поле порожнім",
    remove: "Видалити",
    uploading: "завантажується…",
    too_many_files: "Можна додати не більше {count} файлів.",
    file_too_large: "{name} більший за {size} МБ.",
    wait_for_uploads: "Зачекайте трохи: файли ще завантажуються.",
    suggestions: "Можливо, відповідь є в цих статтях",
    send: "Надіслати",
    sending: "Надсилаємо…",
    unreachable_saved: "Не вдалося звʼязатися з підтримкою; ваше повідомлення збережено — спробуйте ще раз.",
    retry_in: ("Спробуйте знову через {n} с.", "Спробуйте знову через {n} хв."),
    unexpected: "Підтримка відповіла щось незрозуміле. Спробуйте ще раз.",
    sent_title: "Повідомлення надіслано",
    your_ticket_number: "Номер вашого звернення",
    back_to_help: "Назад до довідки",
    my_tickets: "Мої звернення",
    no_tickets_yet: "Тут зʼявляться звернення, надіслані з цього браузера.",
    find_ticket: "Знайти звернення",
    ticket_number: "Номер звернення",
    access_code: "Код доступу",
    access_code_hint: "Збережіть цей код, щоб стежити за зверненням з іншого браузера.",
    find: "Знайти",
    not_found: "Немає звернення з таким номером і кодом доступу.",
    expected_reply: "Відповідь очікується до ",
    loading: "Завантаження…",
    back: "← Назад",
    statuses: ["Отримано", "Передано до підтримки", "У роботі", "Чекаємо на вашу відповідь", "Вирішено", "Закрито"],
    helpful: "Відповідь допомогла?",
    good: "Добре",
    bad: "Погано",
    rated_thanks: "Дякуємо за оцінку.",
    unreachable: "Не вдалося звʼязатися з підтримкою. Перевірте підключення і спробуйте ще раз.",
    screen_failed: "Ця частина довідки не завантажилася. Перевірте підключення і спробуйте ще раз.",
    try_again: "Спробувати знову",
    open_conversation: "Відкрити листування",
    new_replies: ["{n} нова відповідь", "{n} нові відповіді", "{n} нових відповідей"],
    you: "Ви",
    support_team: "Підтримка",
    your_reply: "Ваша відповідь",
    reply_until: "Відповісти можна до ",
    closed_follow_up: "Це звернення закрите. Щоб продовжити, напишіть нове — у ньому буде зазначено {number}.",
    new_ticket: "Написати нове звернення",
    follow_up_subject: "Продовження {number}",
    rating_comment: "Бажаєте щось додати? (необов’язково)",
    not_sent_yet: "Надсилається до підтримки…",
};
