//! What the contact form and "My tickets" say, in the languages edgedesk ships with. A site's own labels
//! (`GET /api/form`) take precedence over these; everything else falls back to English.

#[derive(Debug)]
pub struct Words {
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
    pub find: &'static str,
    pub not_found: &'static str,
    pub expected_reply: &'static str,
    pub loading: &'static str,
    pub back: &'static str,
    /// Received, delivered, open, pending, solved, closed: see [`Words::status`].
    pub statuses: [&'static str; 6],
    pub helpful: &'static str,
    pub good: &'static str,
    pub bad: &'static str,
    pub rated_thanks: &'static str,
    pub unreachable: &'static str,
}

const STATUS_NAMES: [&str; 6] = ["received", "delivered", "open", "pending", "solved", "closed"];

impl Words {
    /// A ticket status in words; a status this widget does not know yet is shown as the worker names it.
    pub fn status(&self, status: &str) -> String {
        STATUS_NAMES
            .iter()
            .position(|name| *name == status)
            .map_or_else(|| status.to_owned(), |at| self.statuses[at].to_owned())
    }

    /// "Try again in …" for a `Retry-After` of `seconds`.
    pub fn retry_in(&self, seconds: u32) -> String {
        let (template, n) =
            if seconds < 90 { (self.retry_in.0, seconds) } else { (self.retry_in.1, seconds.div_ceil(60)) };
        template.replace("{n}", &n.to_string())
    }
}

pub fn words(locale: &str) -> &'static Words {
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "ru" => &RU,
        "uk" => &UK,
        _ => &EN,
    }
}

static EN: Words = Words {
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
    find: "Find",
    not_found: "No ticket with this number and email.",
    expected_reply: "Reply expected by ",
    loading: "Loading…",
    back: "← Back",
    statuses: ["Received", "With the support team", "Open", "Waiting for your reply", "Solved", "Closed"],
    helpful: "Was this answer helpful?",
    good: "Good",
    bad: "Bad",
    rated_thanks: "Thanks for rating the answer.",
    unreachable: "We could not reach support. Check your connection and try again.",
};

static RU: Words = Words {
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
    find: "Найти",
    not_found: "Нет обращения с таким номером и адресом.",
    expected_reply: "Ответ ожидается до ",
    loading: "Загрузка…",
    back: "← Назад",
    statuses: ["Получено", "Передано в поддержку", "В работе", "Ждём вашего ответа", "Решено", "Закрыто"],
    helpful: "Ответ помог?",
    good: "Хорошо",
    bad: "Плохо",
    rated_thanks: "Спасибо за оценку.",
    unreachable: "Не удалось связаться с поддержкой. Проверьте подключение и попробуйте ещё раз.",
};

static UK: Words = Words {
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
    find: "Знайти",
    not_found: "Немає звернення з таким номером і адресою.",
    expected_reply: "Відповідь очікується до ",
    loading: "Завантаження…",
    back: "← Назад",
    statuses: ["Отримано", "Передано до підтримки", "У роботі", "Чекаємо на вашу відповідь", "Вирішено", "Закрито"],
    helpful: "Відповідь допомогла?",
    good: "Добре",
    bad: "Погано",
    rated_thanks: "Дякуємо за оцінку.",
    unreachable: "Не вдалося звʼязатися з підтримкою. Перевірте підключення і спробуйте ще раз.",
};
