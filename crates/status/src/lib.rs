//! Status notices: what the banner says when something is broken, planned or new.
//!
//! Notices come from two places. Scheduled ones are Markdown files in `kb-content/status/`, compiled at
//! build time. Live ones are raised by operators through the admin API and kept in KV. Both are merged
//! here, at a given moment, for a given product. Times are Unix seconds inside, and RFC 3339 in UTC
//! (`2026-11-23T10:00:00Z`) on the wire. The moment is always passed in, never read from a clock, so
//! tests can move time.

use std::cmp::Reverse;

use edgedesk_markdown::notice_html;
use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::status::{Kind, Level, Notice, NoticeUpdate, Source};
use edgedesk_protocol::time::{format_time, parse_time};
use serde::Deserialize;

/// A resolved incident stays up, green, this long, so customers see that it is over.
pub const RESOLVED_VISIBLE_SECONDS: i64 = 30 * 60;
pub const MAX_TITLE_CHARS: usize = 140;
pub const MAX_TEXT_CHARS: usize = 4_000;
pub const MAX_NOTICE_BYTES: usize = 16 * 1024;
/// Live notices kept at once; more is a runaway script, not an incident.
pub const MAX_LIVE_NOTICES: usize = 50;

/// The notices shown at `now` for `product`: most severe first, then the most recently started.
pub fn active(notices: impl IntoIterator<Item = Notice>, now: i64, product: Option<&str>) -> Vec<Notice> {
    let mut shown: Vec<Notice> = notices.into_iter().filter(|notice| notice.is_active(now, product)).collect();
    shown.sort_by_key(|notice| (notice.level, Reverse(parse_time(&notice.starts_at)), notice.id.clone()));
    shown
}

/// The body of `POST /api/admin/notices`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNotice {
    pub level: Option<Level>,
    pub kind: Option<Kind>,
    pub title: Option<String>,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub dismissible: Option<bool>,
    pub link: Option<String>,
}

/// The body of `PATCH /api/admin/notices/{id}`: only what changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePatch {
    pub level: Option<Level>,
    pub kind: Option<Kind>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub products: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub dismissible: Option<bool>,
    pub link: Option<String>,
}

/// The body of `POST /api/admin/notices/{id}/updates`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    #[serde(default)]
    pub text: String,
    /// A new level with the update, e.g. `green` once the fix is out.
    pub level: Option<Level>,
    /// Marks the notice resolved: green, and shown for [`RESOLVED_VISIBLE_SECONDS`] more.
    #[serde(default)]
    pub resolve: bool,
}

/// Reads a notice body (`NewNotice`, `NoticePatch` or `NewUpdate`), naming the field at fault.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8], fields: &[&str]) -> Result<T, ApiError> {
    edgedesk_protocol::api::parse_body(body, fields, MAX_NOTICE_BYTES, "notice")
}

pub const NEW_NOTICE_FIELDS: [&str; 10] =
    ["level", "kind", "title", "body", "products", "components", "starts_at", "ends_at", "dismissible", "link"];
pub const UPDATE_FIELDS: [&str; 3] = ["text", "level", "resolve"];

/// Checks and normalises a time given by an operator or editor.
fn time_field(field: &str, value: &str) -> Result<i64, ApiError> {
    parse_time(value).ok_or_else(|| {
        ApiError::for_field(
            400,
            "invalid_time",
            field,
            format!("`{field}` must be an RFC 3339 time such as 2026-11-23T10:00:00Z, not {value:?}."),
        )
    })
}

fn text_field(field: &str, value: &str, max_chars: usize, required: bool) -> Result<String, ApiError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::for_field(400, "required", field, format!("`{field}` is required.")));
    }
    edgedesk_protocol::ticket::check_length(field, value, max_chars)?;
    Ok(value.to_owned())
}

fn link_field(link: Option<&str>) -> Result<Option<String>, ApiError> {
    match link.map(str::trim).filter(|link| !link.is_empty()) {
        None => Ok(None),
        Some(link) if link.starts_with("https://") || link.starts_with("http://") => Ok(Some(link.to_owned())),
        Some(link) => Err(ApiError::for_field(
            400,
            "invalid_link",
            "link",
            format!("`link` must be an http(s) address, not {link:?}."),
        )),
    }
}

/// Checks the whole notice: what every source of notices must satisfy.
pub fn validate(mut notice: Notice) -> Result<Notice, ApiError> {
    notice.title = text_field("title", &notice.title, MAX_TITLE_CHARS, true)?;
    notice.body = text_field("body", &notice.body, MAX_TEXT_CHARS, false)?;
    notice.body_html = notice_html(&notice.body);
    let starts = time_field("starts_at", &notice.starts_at)?;
    notice.starts_at = format_time(starts);
    if let Some(ends_at) = notice.ends_at.clone() {
        let ends = time_field("ends_at", &ends_at)?;
        if ends <= starts {
            return Err(ApiError::for_field(400, "invalid_time", "ends_at", "`ends_at` must be after `starts_at`."));
        }
        notice.ends_at = Some(format_time(ends));
    }
    notice.link = link_field(notice.link.as_deref())?;
    for (field, list) in [("products", &notice.products), ("components", &notice.components)] {
        if let Some(bad) = list.iter().find(|item| item.trim().is_empty() || item.chars().count() > 64) {
            return Err(ApiError::for_field(
                400,
                "invalid_value",
                field,
                format!("{bad:?} is not a usable {field} id."),
            ));
        }
    }
    Ok(notice)
}

/// A live notice from `POST /api/admin/notices`, raised at `now` with the given id.
pub fn raise(new: NewNotice, id: String, now: i64) -> Result<Notice, ApiError> {
    let level = new.level.ok_or_else(|| {
        ApiError::for_field(400, "required", "level", "`level` is required: red (outage), yellow (degraded) or green.")
    })?;
    let title = new.title.ok_or_else(|| ApiError::for_field(400, "required", "title", "`title` is required."))?;
    let notice = Notice {
        id,
        level,
        kind: new.kind.unwrap_or(Kind::Incident),
        title,
        body: new.body,
        body_html: String::new(),
        products: new.products,
        components: new.components,
        starts_at: new.starts_at.unwrap_or_else(|| format_time(now)),
        ends_at: new.ends_at,
        updates: Vec::new(),
        dismissible: new.dismissible.unwrap_or(level != Level::Red),
        link: new.link,
        source: Source::Live,
        updated_at: format_time(now),
        revision: 1,
    };
    validate(notice)
}

/// Applies a `PATCH`: only the given fields change.
pub fn patch(notice: Notice, patch: NoticePatch, now: i64) -> Result<Notice, ApiError> {
    let patched = Notice {
        level: patch.level.unwrap_or(notice.level),
        kind: patch.kind.unwrap_or(notice.kind),
        title: patch.title.unwrap_or(notice.title),
        body: patch.body.unwrap_or(notice.body),
        products: patch.products.unwrap_or(notice.products),
        components: patch.components.unwrap_or(notice.components),
        starts_at: patch.starts_at.unwrap_or(notice.starts_at),
        ends_at: patch.ends_at.or(notice.ends_at),
        dismissible: patch.dismissible.unwrap_or(notice.dismissible),
        link: patch.link.or(notice.link),
        updated_at: format_time(now),
        revision: notice.revision + 1,
        ..notice
    };
    validate(patched)
}

/// Adds a timeline entry; with `resolve`, the notice turns green and ends after a grace period.
pub fn add_update(mut notice: Notice, update: NewUpdate, now: i64) -> Result<Notice, ApiError> {
    let text = text_field("text", &update.text, MAX_TEXT_CHARS, true)?;
    notice.updates.insert(0, NoticeUpdate { at: format_time(now), html: notice_html(&text), text });
    if let Some(level) = update.level {
        notice.level = level;
    }
    if update.resolve {
        notice.level = Level::Green;
        notice.dismissible = true;
        notice.ends_at = Some(format_time(now + RESOLVED_VISIBLE_SECONDS));
    }
    notice.updated_at = format_time(now);
    notice.revision += 1;
    validate(notice)
}

/// A validator for a status answer: FNV-1a over its bytes, so the same notices give the same ETag in
/// every isolate.
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// A short, readable, unique-enough id for a live notice: `inc-` and 8 Crockford symbols.
pub fn notice_id(random: [u8; 5]) -> String {
    let number = edgedesk_protocol::ticket::ticket_number(random);
    format!("inc-{}", number.trim_start_matches("ED-").replace('-', "").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn red(title: &str) -> Notice {
        let new = NewNotice { level: Some(Level::Red), title: Some(title.into()), ..NewNotice::default() };
        raise(new, "inc-1".into(), NOW).unwrap()
    }

    #[test]
    fn a_raised_notice_starts_now_and_red_is_not_dismissible() {
        let notice = red("Login is down");
        assert_eq!(notice.starts_at, format_time(NOW));
        assert!(!notice.dismissible);
        assert_eq!(notice.source, Source::Live);
        assert!(notice.is_active(NOW, None));
        assert!(!notice.is_active(NOW - 1, None));
    }

    #[test]
    fn windows_open_and_close_on_time() {
        let maintenance = Notice {
            starts_at: format_time(NOW + 3600),
            ends_at: Some(format_time(NOW + 7200)),
            level: Level::Yellow,
            ..red("Maintenance")
        };
        assert!(!maintenance.is_active(NOW, None));
        assert!(maintenance.is_active(NOW + 3600, None));
        assert!(maintenance.is_active(NOW + 7199, None));
        assert!(!maintenance.is_active(NOW + 7200, None));
    }

    #[test]
    fn products_filter_and_severity_orders() {
        let mobile = Notice { id: "m".into(), products: vec!["mobile".into()], level: Level::Yellow, ..red("Mobile") };
        let news = Notice { id: "n".into(), level: Level::Green, ..red("News") };
        let outage = Notice { id: "o".into(), starts_at: format_time(NOW - 10), ..red("Outage") };
        let newer_outage = Notice { id: "p".into(), ..red("Newer outage") };
        let all = [mobile, news, outage, newer_outage];
        let ids = |shown: Vec<Notice>| shown.into_iter().map(|n| n.id).collect::<Vec<_>>();
        assert_eq!(ids(active(all.clone(), NOW, None)), ["p", "o", "m", "n"]);
        assert_eq!(ids(active(all.clone(), NOW, Some("web"))), ["p", "o", "n"]);
        assert_eq!(ids(active(all, NOW, Some("mobile"))), ["p", "o", "m", "n"]);
    }

    #[test]
    fn updates_are_newest_first_and_resolving_turns_green_then_ends() {
        let notice = red("Login is down");
        let update = NewUpdate { text: "Fix is rolling out".into(), level: Some(Level::Yellow), resolve: false };
        let notice = add_update(notice, update, NOW + 60).unwrap();
        assert_eq!((notice.level, notice.updates.len()), (Level::Yellow, 1));
        assert_eq!((notice.updated_at.as_str(), notice.revision), (format_time(NOW + 60).as_str(), 2));
        let resolved =
            add_update(notice, NewUpdate { text: "Fixed".into(), level: None, resolve: true }, NOW + 120).unwrap();
        assert_eq!(resolved.level, Level::Green);
        assert_eq!(resolved.updates[0].text, "Fixed");
        assert!(resolved.dismissible);
        assert!(resolved.is_active(NOW + 120 + RESOLVED_VISIBLE_SECONDS - 1, None));
        assert!(!resolved.is_active(NOW + 120 + RESOLVED_VISIBLE_SECONDS, None));
    }

    #[test]
    fn bad_notices_name_the_field() {
        let error = |body: &str| {
            let result = parse_body::<NewNotice>(body.as_bytes(), &NEW_NOTICE_FIELDS)
                .and_then(|new| raise(new, "x".into(), NOW));
            let error = result.unwrap_err();
            (error.code, error.field.unwrap_or_default())
        };
        assert_eq!(error(r#"{"title": "x"}"#), ("required".into(), "level".into()));
        assert_eq!(error(r#"{"level": "purple", "title": "x"}"#), ("invalid_value".into(), "level".into()));
        assert_eq!(error(r#"{"level": "red"}"#), ("required".into(), "title".into()));
        assert_eq!(error(r#"{"level": "red", "title": "  "}"#), ("required".into(), "title".into()));
        assert_eq!(
            error(r#"{"level": "red", "title": "x", "starts_at": "soon"}"#),
            ("invalid_time".into(), "starts_at".into())
        );
        assert_eq!(
            error(
                r#"{"level": "red", "title": "x", "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}"#
            ),
            ("invalid_time".into(), "ends_at".into())
        );
        assert_eq!(
            error(r#"{"level": "red", "title": "x", "link": "javascript:alert(1)"}"#),
            ("invalid_link".into(), "link".into())
        );
        assert_eq!(
            error(r#"{"level": "red", "title": "x", "severity": 1}"#),
            ("unknown_field".into(), "severity".into())
        );
        assert_eq!(
            error(r#"{"level": "red", "title": "x", "products": "web"}"#),
            ("invalid_value".into(), "products".into())
        );
        assert_eq!(error("[1]"), ("invalid_body".into(), String::new()));
        assert_eq!(error("{"), ("invalid_json".into(), String::new()));
    }

    #[test]
    fn patches_change_only_what_they_name() {
        let notice = red("Login is down");
        let patched = patch(
            notice.clone(),
            NoticePatch { title: Some("Login is slow".into()), level: Some(Level::Yellow), ..NoticePatch::default() },
            NOW + 5,
        )
        .unwrap();
        assert_eq!((patched.title.as_str(), patched.level), ("Login is slow", Level::Yellow));
        assert_eq!(patched.starts_at, notice.starts_at);
        assert_ne!(patched.updated_at, notice.updated_at);
    }

    #[test]
    fn notice_ids_are_short_and_lowercase() {
        let id = notice_id([1, 2, 3, 4, 5]);
        assert!(id.starts_with("inc-") && id.len() == 12 && id == id.to_ascii_lowercase(), "{id}");
    }
}
