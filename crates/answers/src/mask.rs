//! What of a question leaves the worker: emails, phone numbers and long runs of digits (card, account and
//! order numbers) are replaced before the question reaches the provider, the cache or a log. Retrieval
//! runs on the question as typed, inside the worker.

pub const EMAIL: &str = "[email]";
pub const PHONE: &str = "[phone]";
pub const NUMBER: &str = "[number]";

/// A phone number has at least this many digits (a local number without its area code).
const PHONE_DIGITS: usize = 7;
/// Digits in a row, without separators, from which a number is someone's (an order, a card, an account).
const LONG_DIGITS: usize = 6;

/// `text` with emails, phone numbers and long digit runs replaced by [`EMAIL`], [`PHONE`] and [`NUMBER`].
pub fn mask(text: &str) -> String {
    replace_personal(text, |placeholder| placeholder)
}

/// `text` without them: what the search looks for, so that an address is not a word to find.
pub fn without_personal(text: &str) -> String {
    replace_personal(text, |_| " ")
}

fn replace_personal(text: &str, replacement: impl Fn(&'static str) -> &'static str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        if let Some(end) = email_at(&chars, at) {
            masked.push_str(replacement(EMAIL));
            at = end;
        } else if let Some((end, placeholder)) = digits_at(&chars, at) {
            masked.push_str(replacement(placeholder));
            at = end;
        } else {
            masked.push(chars[at]);
            at += 1;
        }
    }
    masked
}

fn is_local_part(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// Where an email address starting at `start` ends: a local part, `@`, and a domain with a dot.
fn email_at(chars: &[char], start: usize) -> Option<usize> {
    let starts_word = start == 0 || !is_local_part(chars[start - 1]);
    if !starts_word || !chars[start].is_alphanumeric() {
        return None;
    }
    let at_sign = start + chars[start..].iter().position(|&c| !is_local_part(c))?;
    if chars[at_sign] != '@' {
        return None;
    }
    let domain_end =
        at_sign + 1 + chars[at_sign + 1..].iter().position(|&c| !is_domain(c)).unwrap_or(chars.len() - at_sign - 1);
    // A sentence's full stop after the address is not part of it.
    let domain_end = (at_sign + 1..=domain_end).rev().find(|&end| chars[end - 1].is_alphanumeric())?;
    let domain: String = chars[at_sign + 1..domain_end].iter().collect();
    (domain.contains('.') && !domain.starts_with('.')).then_some(domain_end)
}

fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')
}

/// A phone number or a long digit run starting at `start`: where it ends and what replaces it. A date
/// (`2026-12-05`) and short numbers ("3 invoices", "version 2.4.1") are left as they are.
fn digits_at(chars: &[char], start: usize) -> Option<(usize, &'static str)> {
    let opens = chars[start].is_ascii_digit()
        || (matches!(chars[start], '+' | '(') && chars.get(start + 1).is_some_and(char::is_ascii_digit));
    if !opens || (start > 0 && (chars[start - 1].is_alphanumeric())) {
        return None;
    }
    let mut end = start;
    let mut digits = 0;
    let mut last_digit_end = start;
    while end < chars.len()
        && (chars[end].is_ascii_digit() || is_phone_separator(chars[end]) || (end == start && chars[end] == '+'))
    {
        if chars[end].is_ascii_digit() {
            digits += 1;
            last_digit_end = end + 1;
        }
        end += 1;
    }
    // A letter right after the digits makes them part of a word ("4k", "mp3").
    if chars.get(last_digit_end).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let span: String = chars[start..last_digit_end].iter().collect();
    let separated = span.chars().any(|c| !c.is_ascii_digit());
    if separated && digits >= PHONE_DIGITS && !is_date(&span) {
        return Some((last_digit_end, PHONE));
    }
    // A run of digits alone: only the first uninterrupted run is judged here; the scan moves on by one.
    let run = span.chars().take_while(char::is_ascii_digit).count();
    if run >= LONG_DIGITS {
        return Some((start + run, NUMBER));
    }
    None
}

/// `2026-12-05` or `2026.12.05`: a date, which says nothing about who asks.
fn is_date(span: &str) -> bool {
    let parts: Vec<&str> = span.split(['-', '.', '/']).collect();
    parts.len() == 3
        && parts.iter().map(|part| part.len()).eq([4, 2, 2])
        && parts.iter().all(|part| part.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn emails_phones_and_long_numbers_are_masked() {
        assert_eq!(mask("I am jane.doe+help@example.co.uk."), "I am [email].");
        assert_eq!(mask("call me at +1 (415) 555-0134 please"), "call me at [phone] please");
        assert_eq!(mask("мой номер 8 912 345-67-89"), "мой номер [phone]");
        assert_eq!(mask("card 4111111111111111 was charged twice"), "card [number] was charged twice");
        assert_eq!(mask("order #12345678"), "order #[number]");
    }

    #[test]
    fn the_search_looks_for_the_question_without_them() {
        assert_eq!(super::without_personal("reset password for jane@example.com"), "reset password for  ");
    }

    #[test]
    fn ordinary_words_and_numbers_stay() {
        for text in [
            "how do I export 3 reports since 2026-12-05?",
            "version 2.4.1 on 4k screens",
            "the @mention in comments",
            "error 404 at 10:30",
            "Як змінити пароль?",
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
