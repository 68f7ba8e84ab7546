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

const ENGLISH: &[&[&str]] = &[
    &["delete", "remove", "erase", "wipe"],
    &["cancel", "unsubscribe", "terminate"],
    &["login", "signin", "logon"],
    &["buy", "purchase", "order"],
    &["refund", "reimburse", "reimbursement"],
    &["change", "switch", "modify", "edit"],
    &["broken", "faulty", "defective", "damaged"],
    &["disconnected", "offline"],
    &["connect", "pair"],
    &["detect", "recognize", "recognise", "identify"],
    &["email", "mail"],
    &["phone", "mobile", "smartphone", "cellphone"],
    &["laptop", "computer", "pc"],
    &["colleague", "coworker", "teammate", "member", "collaborator"],
    &["invoice", "bill", "receipt"],
    &["price", "cost", "fee"],
    &["shipping", "delivery", "shipment", "parcel", "package"],
    &["password", "passcode", "passphrase"],
    &["subscription", "membership"],
    &["tax", "vat"],
    &["discount", "coupon", "promo", "voucher"],
    &["uninstall", "remove"],
    &["hide", "conceal"],
    &["picture", "image", "photo", "screenshot"],
];

const RUSSIAN: &[&[&str]] = &[
    &["удалить", "стереть", "убрать"],
    &["отменить", "отписаться"],
    &["войти", "авторизоваться", "залогиниться"],
    &["купить", "приобрести", "заказать"],
    &["изменить", "поменять", "сменить", "редактировать"],
    &["скачать", "загрузить"],
    &["счет", "квитанция", "чек"],
    &["доставка", "отправка", "посылка"],
    &["скрыть", "спрятать"],
    &["картинка", "изображение", "рисунок", "фото"],
    &["ошибка", "сбой"],
    &["телефон", "смартфон"],
    &["коллега", "сотрудник", "участник"],
];

const UKRAINIAN: &[&[&str]] = &[
    &["видалити", "стерти", "прибрати"],
    &["скасувати", "відписатися"],
    &["увійти", "авторизуватися"],
    &["купити", "придбати", "замовити"],
    &["змінити", "поміняти", "редагувати"],
    &["завантажити", "скачати"],
    &["рахунок", "квитанція", "чек"],
    &["доставка", "посилка"],
    &["зображення", "картинка", "малюнок", "фото"],
    &["помилка", "збій"],
    &["телефон", "смартфон"],
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
