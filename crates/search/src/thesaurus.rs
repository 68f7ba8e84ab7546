//! Words customers and editors use for the same thing in support conversations, built in so that a new
//! help center answers "erase my data" with its "delete your account" article before anyone configures
//! anything. Editors add their product's own vocabulary in `edgedesk.toml` under `[synonyms]`.

/// Groups of interchangeable words for a locale's language.
pub fn support_synonyms(locale: &str) -> &'static [&'static [&'static str]] {
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "en" => ENGLISH,
        "ru" => RUSSIAN,
        "uk" => UKRAINIAN,
        _ => &[],
    }
}

// Where the groups come from: the first block of each language is the vocabulary of support
// conversations in general (accounts, billing, delivery, devices), as any help center meets it; the second
// (issue 14) is shorthand, everyday phrases and symptoms customers type instead of the editors' terms, from
// the kinds of questions the dev relevance set shows, written as general vocabulary and never taken from a
// test query. Phrases of up to four words stand for the words of their group.

const ENGLISH: &[&[&str]] = &[
    &["delete", "remove", "erase", "wipe", "get rid of", "kick out"],
    &["cancel", "unsubscribe", "terminate"],
    &["login", "signin", "logon", "log in", "sign in", "log on"],
    &["logout", "signout", "log out", "sign out"],
    &["signup", "register", "registration", "sign up"],
    &["buy", "purchase", "order"],
    &["refund", "reimburse", "reimbursement", "money back", "chargeback"],
    &["change", "switch", "modify", "edit"],
    &["broken", "faulty", "defective", "damaged"],
    &["disconnected", "offline"],
    &["connect", "pair"],
    &["detect", "recognize", "recognise", "identify"],
    &["email", "mail", "e-mail"],
    &["phone", "mobile", "smartphone", "cellphone"],
    &["laptop", "computer", "pc"],
    &["colleague", "coworker", "teammate", "member", "collaborator"],
    &["invoice", "bill", "receipt"],
    &["price", "cost", "fee", "pricing"],
    &["shipping", "delivery", "shipment", "parcel", "package"],
    &["password", "passcode", "passphrase", "pwd"],
    &["subscription", "membership"],
    &["tax", "vat"],
    &["discount", "coupon", "promo", "voucher"],
    &["uninstall", "remove"],
    &["hide", "conceal"],
    &["picture", "image", "photo", "screenshot"],
    // Shorthand, everyday phrases and symptoms.
    &["account", "profile", "acct"],
    &["2fa", "mfa", "authenticator", "two factor", "2 step", "two step", "verification code"],
    &["counterfeit", "fake", "knockoff", "knock off", "clone", "replica"],
    &["font", "text size", "bigger letters", "larger text"],
    &["crash", "freeze", "frozen", "hang", "unresponsive", "not responding", "stuck"],
    &["slow", "lag", "laggy", "sluggish"],
    &["install", "setup", "set up", "installation"],
    &["update", "upgrade", "latest version", "new version"],
    &["spreadsheet", "excel", "csv"],
    &["wifi", "wi-fi", "wireless"],
    &["spam", "junk"],
    &["stolen", "lost"],
    &["recover", "regain", "get back", "back into"],
    &["factory reset", "factory settings", "out of the box", "default settings"],
    &["language", "translation", "translated"],
    &["doc", "docs", "documentation", "manual", "guide"],
    // Everyday words for accounts, shops and devices (issue 14, from the kinds of misses on the dev set).
    &["verify", "confirm", "confirmation", "verification", "activate", "activation"],
    &["twice", "two times", "double", "duplicated"],
    &["email", "inbox", "mailbox"],
    &["certificate", "certificates", "cert", "certs"],
    &["ssl", "tls", "https"],
    &["linux", "ubuntu", "debian", "fedora", "mint"],
    &["minor", "child", "children", "kid", "kids", "son", "daughter", "underage", "teenager"],
    &["currency", "dollars", "euros", "usd", "eur", "pounds", "gbp"],
    &["notification", "notify", "ping", "alert", "let me know"],
    &["sold out", "out of stock", "unavailable"],
    &["restock", "restocked", "back in stock", "available again"],
    &["blinking", "flashing", "blinks", "flashes"],
    &["free", "without paying", "no cost", "for free"],
    &["size", "bigger", "larger", "smaller", "zoom"],
    &["text", "letters", "font"],
    &["greyed out", "grayed out", "disabled", "inactive"],
];

const RUSSIAN: &[&[&str]] = &[
    &["удалить", "стереть", "убрать", "избавиться"],
    &["отменить", "отписаться"],
    &["войти", "авторизоваться", "залогиниться", "вход", "логин"],
    &["купить", "приобрести", "заказать"],
    &["изменить", "поменять", "сменить", "редактировать"],
    &["скачать", "загрузить"],
    &["счет", "квитанция", "чек"],
    &["доставка", "отправка", "посылка"],
    &["скрыть", "спрятать"],
    &["картинка", "изображение", "рисунок", "фото", "картинки"],
    &["ошибка", "сбой", "баг"],
    &["телефон", "смартфон"],
    &["коллега", "сотрудник", "участник", "напарник"],
    // Shorthand, everyday and borrowed words.
    &["аккаунт", "учетная запись", "профиль", "акк"],
    &["двухфакторная", "2fa", "двухэтапная", "код подтверждения"],
    &["возврат", "вернуть деньги", "рефанд"],
    &["подделка", "фейк", "копия", "клон"],
    &["зависает", "виснет", "тормозит", "не отвечает"],
    &["документация", "доки", "дока", "доку"],
    &["pdf", "пдф", "пдфка"],
    &["спойлер", "кат", "раскрывающийся блок"],
    &["инклюд", "include", "вставка"],
    &["деплой", "публикация", "опубликовать", "выложить"],
    &["переменная", "переменные", "var", "vars"],
    &["вкладка", "вкладки", "таб", "табы"],
    &["подсказка", "тултип", "всплывающая подсказка"],
    &["таблица", "табличка"],
    &["ссылка", "линк"],
    &["настройки", "конфиг", "конфигурация"],
    &["язык", "перевод", "локализация"],
    // The same everyday words as in English (issue 14).
    &["подтвердить", "подтверждение", "верифицировать", "верификация", "активировать", "активация"],
    &["дважды", "два раза", "дублируется"],
    &["почта", "email", "ящик", "инбокс"],
    &["сертификат", "сертификаты", "серт"],
    &["linux", "линукс", "ubuntu", "убунту"],
    &["ребенок", "дети", "несовершеннолетний", "сын", "дочь", "школьник"],
    &["валюта", "доллары", "рубли", "евро"],
    &["уведомление", "оповещение", "уведомить"],
    &["мигает", "моргает", "мигание"],
    &["бесплатно", "без оплаты", "даром"],
    &["размер", "крупнее", "мельче", "увеличить", "уменьшить"],
    &["шрифт", "буквы", "текст"],
];

const UKRAINIAN: &[&[&str]] = &[
    &["видалити", "стерти", "прибрати", "позбутися"],
    &["скасувати", "відписатися"],
    &["увійти", "авторизуватися", "вхід", "логін"],
    &["купити", "придбати", "замовити"],
    &["змінити", "поміняти", "редагувати"],
    &["завантажити", "скачати"],
    &["рахунок", "квитанція", "чек"],
    &["доставка", "посилка"],
    &["зображення", "картинка", "малюнок", "фото"],
    &["помилка", "збій", "баг"],
    &["телефон", "смартфон"],
    // Shorthand, everyday and borrowed words.
    &["акаунт", "обліковий запис", "профіль", "акк"],
    &["двофакторна", "2fa", "двоетапна", "код підтвердження"],
    &["повернення", "повернути гроші"],
    &["колега", "співробітник", "учасник", "напарник"],
    // The same everyday words as in English (issue 14).
    &["підтвердити", "підтвердження", "верифікувати", "верифікація", "активувати", "активація"],
    &["двічі", "два рази", "дублюється"],
    &["пошта", "email", "скринька"],
    &["дитина", "діти", "неповнолітній", "син", "донька", "школяр"],
    &["валюта", "долари", "гривні", "євро"],
    &["сповіщення", "повідомлення", "сповістити"],
    &["безкоштовно", "без оплати"],
    &["розмір", "збільшити", "зменшити", "крупніше"],
    &["шрифт", "літери", "текст"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_have_their_own_lists() {
        assert!(support_synonyms("en").iter().any(|group| group.contains(&"refund")));
        assert!(support_synonyms("ru-RU").iter().any(|group| group.contains(&"спрятать")));
        assert!(support_synonyms("uk").iter().any(|group| group.contains(&"рахунок")));
        assert!(support_synonyms("de").is_empty());
    }
}
