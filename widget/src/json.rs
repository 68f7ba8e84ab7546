//! JSON through the browser's own parser: `JSON.parse` and `JSON.stringify` do the text, and the widget maps
//! the values onto the wire types. This keeps serde_json's parser and number formatting out of the wasm.
//!
//! The few wire types the widget reads are read field by field with [`FromJson`], not through serde's derive:
//! its visitors, and the error messages that pull in float formatting, cost 8 KB brotli in the first chunk
//! that every page view downloads and 12 KB in all (docs/benchmarks.md). Writing stays with serde
//! (through serde-wasm-bindgen's serializer, about 1 KB). The tests below check every type against serde's
//! reading of the same JSON, both ways: what serde accepts is read alike, what it refuses is refused. Where
//! the browser's parser cannot tell (`3.0` is the number 3; of two fields with one name the last stands), the
//! widget reads what serde would refuse; the worker never writes either.

use std::collections::BTreeMap;

use edgedesk_protocol::api::{
    ApiError, Article, ArticleLink, AttachmentUploaded, AttachmentView, Author, ErrorBody, FormConfig, FormTopic,
    Heading, Meaning, MyTicket, MyTickets, ReplyAccepted, SearchHit, SearchResponse, Section, SignedIdentity,
    ThreadMessage, TicketAccepted, TicketEventView, TicketStatus, TicketView,
};
use edgedesk_protocol::status::{Kind, Level, Notice, NoticeUpdate, Source, StatusResponse};
use js_sys::{Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// A type read from a parsed JSON value. `None` when the value is not of the type's shape: a missing
/// required field, a field of the wrong type, an unknown enum name.
pub trait FromJson: Sized {
    fn from_json(value: &JsValue) -> Option<Self>;
}

/// The value `text` holds, or `None` when it is not JSON of that shape.
pub fn decode<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&js_sys::JSON::parse(text).ok()?)
}

/// `value` as JSON text: maps as objects and `None` as `null`, as serde_json would write them.
pub fn encode(value: &impl Serialize) -> Option<String> {
    let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// A JSON object's fields, each read as the type it must have.
pub(crate) struct Fields<'a>(&'a JsValue);

impl<'a> Fields<'a> {
    /// `value` if it is an object (not an array, not `null`).
    pub(crate) fn of(value: &'a JsValue) -> Option<Self> {
        (value.is_object() && !Array::is_array(value)).then_some(Self(value))
    }

    fn raw(&self, name: &str) -> JsValue {
        Reflect::get(self.0, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    /// A field that must be there.
    pub(crate) fn required<T: FromJson>(&self, name: &str) -> Option<T> {
        T::from_json(&self.raw(name))
    }

    /// A field the sender may leave out: its default then. Present, it must be a `T` (`null` only for an
    /// `Option`), as with serde's `#[serde(default)]`.
    pub(crate) fn or_default<T: FromJson + Default>(&self, name: &str) -> Option<T> {
        let value = self.raw(name);
        if value.is_undefined() { Some(T::default()) } else { T::from_json(&value) }
    }

    /// Every field's name and value, each a `T`, in the object's order.
    pub(crate) fn entries<T: FromJson>(&self) -> Option<Vec<(String, T)>> {
        Object::keys(self.0.unchecked_ref::<Object>())
            .iter()
            .map(|key| {
                let key = key.as_string()?;
                let item = self.required(&key)?;
                Some((key, item))
            })
            .collect()
    }
}

impl FromJson for String {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl FromJson for bool {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.as_bool()
    }
}

/// A whole number in `range`, as serde reads one into an integer type: `1.5` or `-1` is not a `u32`.
fn whole_number(value: &JsValue, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    value.as_f64().filter(|number| number.fract() == 0.0 && range.contains(number))
}

impl FromJson for u32 {
    fn from_json(value: &JsValue) -> Option<Self> {
        whole_number(value, 0.0..=f64::from(u32::MAX)).map(|number| number as u32)
    }
}

impl FromJson for u8 {
    fn from_json(value: &JsValue) -> Option<Self> {
        whole_number(value, 0.0..=f64::from(u8::MAX)).map(|number| number as u8)
    }
}

/// Sizes and byte counts: the browser's numbers are exact up to 2^53, far beyond any the worker sends.
impl FromJson for u64 {
    fn from_json(value: &JsValue) -> Option<Self> {
        whole_number(value, 0.0..=EXACT_INTEGER).map(|number| number as u64)
    }
}

impl FromJson for usize {
    fn from_json(value: &JsValue) -> Option<Self> {
        whole_number(value, 0.0..=EXACT_INTEGER).and_then(|number| usize::try_from(number as u64).ok())
    }
}

/// Beyond 2^53 a JSON number is no longer a whole number for the browser's parser.
const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

impl FromJson for i64 {
    fn from_json(value: &JsValue) -> Option<Self> {
        whole_number(value, -EXACT_INTEGER..=EXACT_INTEGER).map(|number| number as i64)
    }
}

impl FromJson for f32 {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.as_f64().map(|number| number as f32)
    }
}

impl FromJson for f64 {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.as_f64()
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &JsValue) -> Option<Self> {
        if value.is_undefined() || value.is_null() { Some(None) } else { T::from_json(value).map(Some) }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.dyn_ref::<Array>()?.iter().map(|item| T::from_json(&item)).collect()
    }
}

/// A pair, written as a two-item array.
impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(value: &JsValue) -> Option<Self> {
        let items = value.dyn_ref::<Array>().filter(|items| items.length() == 2)?;
        Some((A::from_json(&items.get(0))?, B::from_json(&items.get(1))?))
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: &JsValue) -> Option<Self> {
        // Inserted one by one: collecting would sort the pairs first, and a stable sort for each map type
        // costs 3 KB of wasm where the keys are a handful.
        let mut map = BTreeMap::new();
        for (key, item) in Fields::of(value)?.entries()? {
            map.insert(key, item);
        }
        Some(map)
    }
}

/// Reads an enum written as one of its (lower-case) names.
fn named<T: Copy>(value: &JsValue, names: &[(&str, T)]) -> Option<T> {
    let name = value.as_string()?;
    names.iter().find(|(candidate, _)| *candidate == name).map(|(_, variant)| *variant)
}

impl FromJson for Level {
    fn from_json(value: &JsValue) -> Option<Self> {
        named(value, &[("red", Level::Red), ("yellow", Level::Yellow), ("green", Level::Green)])
    }
}

impl FromJson for Kind {
    fn from_json(value: &JsValue) -> Option<Self> {
        named(
            value,
            &[("incident", Kind::Incident), ("maintenance", Kind::Maintenance), ("announcement", Kind::Announcement)],
        )
    }
}

impl FromJson for Source {
    fn from_json(value: &JsValue) -> Option<Self> {
        named(value, &[("scheduled", Source::Scheduled), ("live", Source::Live)])
    }
}

impl FromJson for Meaning {
    fn from_json(value: &JsValue) -> Option<Self> {
        named(value, &[("offered", Meaning::Offered), ("used", Meaning::Used)])
    }
}

impl FromJson for TicketStatus {
    fn from_json(value: &JsValue) -> Option<Self> {
        TicketStatus::parse(&value.as_string()?)
    }
}

impl FromJson for NoticeUpdate {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self { at: fields.required("at")?, text: fields.required("text")?, html: fields.required("html")? })
    }
}

impl FromJson for Notice {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            id: fields.required("id")?,
            level: fields.required("level")?,
            kind: fields.required("kind")?,
            title: fields.required("title")?,
            body: fields.or_default("body")?,
            body_html: fields.or_default("body_html")?,
            products: fields.or_default("products")?,
            components: fields.or_default("components")?,
            starts_at: fields.required("starts_at")?,
            ends_at: fields.or_default("ends_at")?,
            updates: fields.or_default("updates")?,
            dismissible: fields.required("dismissible")?,
            link: fields.or_default("link")?,
            source: fields.required("source")?,
            updated_at: fields.required("updated_at")?,
            revision: fields.required("revision")?,
        })
    }
}

impl FromJson for StatusResponse {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(Self { notices: Fields::of(value)?.required("notices")? })
    }
}

impl FromJson for SearchHit {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            slug: fields.required("slug")?,
            locale: fields.required("locale")?,
            title: fields.required("title")?,
            section: fields.required("section")?,
            source: fields.required("source")?,
            anchor: fields.or_default("anchor")?,
            heading: fields.or_default("heading")?,
            snippet: fields.required("snippet")?,
            passage: fields.or_default("passage")?,
            score: fields.required("score")?,
        })
    }
}

impl FromJson for SearchResponse {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            query: fields.required("query")?,
            locale: fields.required("locale")?,
            hits: fields.required("hits")?,
            meaning: fields.or_default("meaning")?,
            answerable: fields.or_default("answerable")?,
        })
    }
}

impl FromJson for ArticleLink {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self { slug: fields.required("slug")?, title: fields.required("title")? })
    }
}

impl FromJson for Section {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            slug: fields.required("slug")?,
            title: fields.required("title")?,
            articles: fields.required("articles")?,
        })
    }
}

impl FromJson for ErrorBody {
    fn from_json(value: &JsValue) -> Option<Self> {
        let error = Fields::of(value)?.raw("error");
        let fields = Fields::of(&error)?;
        Some(Self {
            error: ApiError {
                // Not on the wire: the caller sets them from the answer's status and headers.
                status: 0,
                retry_after: None,
                code: fields.required("code")?,
                message: fields.required("message")?,
                field: fields.or_default("field")?,
            },
        })
    }
}

/// Other fields are ignored, as the widget always did: a host page may pass its backend's whole answer.
/// Only these three reach the worker, which refuses anything else.
impl FromJson for SignedIdentity {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            attributes: fields.required("attributes")?,
            expires_at: fields.required("expires_at")?,
            signature: fields.required("signature")?,
        })
    }
}

impl FromJson for Heading {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            level: fields.required("level")?,
            anchor: fields.required("anchor")?,
            text: fields.required("text")?,
        })
    }
}

impl FromJson for Article {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            slug: fields.required("slug")?,
            locale: fields.required("locale")?,
            section: fields.required("section")?,
            section_title: fields.required("section_title")?,
            title: fields.required("title")?,
            summary: fields.required("summary")?,
            source: fields.required("source")?,
            html: fields.required("html")?,
            headings: fields.required("headings")?,
            tags: fields.or_default("tags")?,
            products: fields.or_default("products")?,
            paths: fields.or_default("paths")?,
            updated: fields.or_default("updated")?,
            related: fields.or_default("related")?,
        })
    }
}

impl FromJson for FormTopic {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self { id: fields.required("id")?, title: fields.required("title")? })
    }
}

impl FromJson for FormConfig {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            topics: fields.required("topics")?,
            fields: fields.required("fields")?,
            labels: fields.required("labels")?,
            max_attachments: fields.required("max_attachments")?,
            max_attachment_bytes: fields.required("max_attachment_bytes")?,
            attachment_types: fields.required("attachment_types")?,
            turnstile_site_key: fields.or_default("turnstile_site_key")?,
        })
    }
}

impl FromJson for AttachmentUploaded {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            id: fields.required("id")?,
            name: fields.required("name")?,
            media_type: fields.required("media_type")?,
            bytes: fields.required("bytes")?,
        })
    }
}

impl FromJson for TicketAccepted {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            number: fields.required("number")?,
            status: fields.required("status")?,
            expected_reply_at: fields.or_default("expected_reply_at")?,
            message: fields.required("message")?,
            view_token: fields.or_default("view_token")?,
        })
    }
}

impl FromJson for MyTicket {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            number: fields.required("number")?,
            subject: fields.required("subject")?,
            created_at: fields.required("created_at")?,
        })
    }
}

impl FromJson for MyTickets {
    fn from_json(value: &JsValue) -> Option<Self> {
        Some(Self { tickets: Fields::of(value)?.required("tickets")? })
    }
}

impl FromJson for TicketEventView {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            status: fields.required("status")?,
            message: fields.required("message")?,
            at: fields.required("at")?,
        })
    }
}

impl FromJson for TicketView {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            number: fields.required("number")?,
            subject: fields.required("subject")?,
            status: fields.required("status")?,
            created_at: fields.required("created_at")?,
            expected_reply_at: fields.required("expected_reply_at")?,
            events: fields.required("events")?,
            rating: fields.required("rating")?,
            can_rate: fields.required("can_rate")?,
            messages: fields.or_default("messages")?,
            can_reply: fields.or_default("can_reply")?,
            reply_until: fields.or_default("reply_until")?,
        })
    }
}

impl FromJson for Author {
    fn from_json(value: &JsValue) -> Option<Self> {
        Author::parse(&value.as_string()?)
    }
}

impl FromJson for AttachmentView {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            id: fields.required("id")?,
            name: fields.required("name")?,
            bytes: fields.required("bytes")?,
            url: fields.or_default("url")?,
        })
    }
}

impl FromJson for ThreadMessage {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            id: fields.required("id")?,
            author: fields.required("author")?,
            name: fields.required("name")?,
            body: fields.required("body")?,
            at: fields.required("at")?,
            attachments: fields.or_default("attachments")?,
            delivered: fields.required("delivered")?,
            unread: fields.or_default("unread")?,
        })
    }
}

impl FromJson for ReplyAccepted {
    fn from_json(value: &JsValue) -> Option<Self> {
        let fields = Fields::of(value)?;
        Some(Self {
            number: fields.required("number")?,
            message: fields.required("message")?,
            status: fields.required("status")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// Reads `text` both ways: as serde reads it (what the worker's types promise) and by hand.
    fn agrees<T: FromJson + DeserializeOwned + PartialEq + Debug>(text: &str) -> Option<T> {
        let by_serde = serde_json::from_str::<T>(text).ok();
        assert_eq!(decode::<T>(text), by_serde, "{text}");
        by_serde
    }

    /// `text` is read, alike both ways.
    fn accepted<T: FromJson + DeserializeOwned + PartialEq + Debug>(text: &str) {
        assert!(agrees::<T>(text).is_some(), "serde refuses {text}");
    }

    /// `text` is refused both ways.
    fn refused<T: FromJson + DeserializeOwned + PartialEq + Debug>(text: &str) {
        assert!(agrees::<T>(text).is_none(), "serde accepts {text}");
    }

    const NOTICE: &str = r#"{"id":"n1","level":"red","kind":"incident","title":"Down","body":"**b**","body_html":"<p>b</p>",
        "products":["web"],"components":["api"],"starts_at":"2026-12-01T10:00:00Z","ends_at":null,
        "updates":[{"at":"2026-12-01T10:05:00Z","text":"t","html":"<p>t</p>"}],"dismissible":true,
        "link":"https://status.example","source":"live","updated_at":"2026-12-01T10:05:00Z","revision":3}"#;

    #[wasm_bindgen_test]
    fn status_reads_as_serde_reads_it() {
        accepted::<StatusResponse>(&format!(r#"{{"notices":[{NOTICE}]}}"#));
        accepted::<StatusResponse>(r#"{"notices":[]}"#);
        // Only what serde may default is left out.
        accepted::<Notice>(
            r#"{"id":"n","level":"yellow","kind":"maintenance","title":"T","starts_at":"s","dismissible":false,
            "source":"scheduled","updated_at":"u","revision":0}"#,
        );
        for level in ["green", "yellow", "red"] {
            accepted::<Notice>(&NOTICE.replace(r#""red""#, &format!(r#""{level}""#)));
        }
        for kind in ["maintenance", "announcement"] {
            accepted::<Notice>(&NOTICE.replace(r#""incident""#, &format!(r#""{kind}""#)));
        }
        let ends = NOTICE.replace(r#""ends_at":null"#, r#""ends_at":"2026-12-01T12:00:00Z""#);
        assert_eq!(agrees::<Notice>(&ends).unwrap().ends_at.as_deref(), Some("2026-12-01T12:00:00Z"));
        // A defaulted field that is not an `Option` may be left out, not sent as `null`.
        refused::<Notice>(&NOTICE.replace(r#""body":"**b**""#, r#""body":null"#));
        refused::<Notice>(&NOTICE.replace(r#""red""#, r#""Red""#));
        refused::<Notice>(&NOTICE.replace(r#""incident""#, r#""outage""#));
        refused::<Notice>(&NOTICE.replace(r#""revision":3"#, r#""revision":-1"#));
        refused::<Notice>(&NOTICE.replace(r#""revision":3"#, r#""revision":1.5"#));
        refused::<Notice>(&NOTICE.replace(r#""dismissible":true"#, r#""dismissible":"yes""#));
        refused::<Notice>(&NOTICE.replace(r#""id":"n1","#, ""));
        refused::<Notice>(&NOTICE.replace(r#""text":"t","#, ""));
        refused::<StatusResponse>(r#"{"notices":{}}"#);
        refused::<StatusResponse>(r#"[]"#);
        refused::<StatusResponse>("null");
    }

    const HIT: &str = r#"{"slug":"reset","locale":"en","title":"Reset","section":"account","source":"account/reset.md",
        "anchor":"steps","heading":"Steps","snippet":"<mark>reset</mark>","passage":"p","score":0.5}"#;

    #[wasm_bindgen_test]
    fn search_reads_as_serde_reads_it() {
        accepted::<SearchResponse>(&format!(r#"{{"query":"reset","locale":"en","hits":[{HIT}],"meaning":"offered"}}"#));
        accepted::<SearchResponse>(r#"{"query":"","locale":"ru","hits":[],"meaning":"used"}"#);
        accepted::<SearchResponse>(r#"{"query":"","locale":"ru","hits":[]}"#);
        accepted::<SearchHit>(
            r#"{"slug":"s","locale":"en","title":"T","section":"x","source":"x/s.md","snippet":"","score":1}"#,
        );
        refused::<SearchResponse>(r#"{"query":"","locale":"ru","hits":[],"meaning":"maybe"}"#);
        refused::<SearchResponse>(r#"{"query":"","hits":[]}"#);
        refused::<SearchHit>(&HIT.replace(r#""score":0.5"#, r#""score":"high""#));
        refused::<SearchHit>(&HIT.replace(r#""anchor":"steps""#, r#""anchor":7"#));
        accepted::<Vec<Section>>(r#"[{"slug":"a","title":"Account","articles":[{"slug":"reset","title":"Reset"}]}]"#);
        refused::<Vec<Section>>(r#"[{"slug":"a","title":"Account"}]"#);
        accepted::<Vec<ArticleLink>>(r#"[{"slug":"reset","title":"Reset"},{"slug":"b","title":"B"}]"#);
        refused::<Vec<ArticleLink>>(r#"[{"slug":"reset"}]"#);
    }

    #[wasm_bindgen_test]
    fn errors_and_identities_read_as_serde_reads_them() {
        accepted::<ErrorBody>(r#"{"error":{"code":"invalid_field","message":"Too long","field":"subject"}}"#);
        accepted::<ErrorBody>(r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#);
        refused::<ErrorBody>(r#"{"error":{"message":"no code"}}"#);
        refused::<ErrorBody>(r#"{"message":"not wrapped"}"#);
        let identity =
            r#"{"attributes":{"name":"Ann","email":"ann@example.com"},"expires_at":1790000000,"signature":"ab"}"#;
        accepted::<SignedIdentity>(identity);
        // The worker's serde refuses fields it does not know; the widget passes on only the three it reads.
        let with_more = identity.replace(r#""signature""#, r#""user":{"id":1},"signature""#);
        assert_eq!(decode::<SignedIdentity>(&with_more), decode::<SignedIdentity>(identity));
        refused::<SignedIdentity>(&identity.replace("1790000000", "1.5"));
        refused::<SignedIdentity>(&identity.replace(r#""Ann""#, "1"));
    }

    #[wasm_bindgen_test]
    fn the_screens_types_read_as_serde_reads_them() {
        let article = r#"{"slug":"reset","locale":"en","section":"account","section_title":"Account","title":"Reset",
            "summary":"How","source":"account/reset.md","html":"<p>x</p>","headings":[{"level":2,"anchor":"a","text":"A"}],
            "tags":["t"],"products":["web"],"paths":["/settings"],"updated":"2026-01-01","related":[{"slug":"b","title":"B"}]}"#;
        accepted::<Article>(article);
        accepted::<Article>(
            r#"{"slug":"s","locale":"en","section":"x","section_title":"X","title":"T","summary":"","source":"x/s.md",
            "html":"","headings":[]}"#,
        );
        refused::<Article>(&article.replace(r#""level":2"#, r#""level":300"#));
        let form = r#"{"topics":[{"id":"billing","title":"Billing"}],"fields":["name","email"],"labels":{"name":"Name"},
            "max_attachments":5,"max_attachment_bytes":10485760,"attachment_types":["image/png"],"turnstile_site_key":"k"}"#;
        accepted::<FormConfig>(form);
        accepted::<FormConfig>(&form.replace(r#","turnstile_site_key":"k""#, ""));
        refused::<FormConfig>(&form.replace(r#""labels":{"name":"Name"}"#, r#""labels":["Name"]"#));
        accepted::<AttachmentUploaded>(r#"{"id":"a1","name":"shot.png","media_type":"image/png","bytes":1234}"#);
        refused::<AttachmentUploaded>(r#"{"id":"a1","name":"shot.png","media_type":"image/png","bytes":-1}"#);
        let accepted_ticket = r#"{"number":"ED-0000-0001","status":"received","expected_reply_at":"2026-12-02T10:00:00Z",
            "message":"Thanks","view_token":"v"}"#;
        accepted::<TicketAccepted>(accepted_ticket);
        accepted::<TicketAccepted>(r#"{"number":"ED-0000-0001","status":"received","message":"Thanks"}"#);
        for status in ["delivered", "open", "pending", "solved", "closed"] {
            accepted::<TicketAccepted>(&accepted_ticket.replace("received", status));
        }
        refused::<TicketAccepted>(&accepted_ticket.replace("received", "lost"));
        accepted::<MyTickets>(r#"{"tickets":[{"number":"ED-1","subject":"S","created_at":"c"}]}"#);
        refused::<MyTickets>(r#"{"tickets":[{"number":"ED-1","subject":"S"}]}"#);
        let view = r#"{"number":"ED-1","subject":"S","status":"open","created_at":"c","expected_reply_at":"e",
            "events":[{"status":"delivered","message":null,"at":"a"},{"status":"open","message":"On it","at":"b"}],
            "rating":null,"can_rate":false}"#;
        accepted::<TicketView>(view);
        let rated = view.replace(r#""rating":null"#, r#""rating":"good""#);
        assert_eq!(agrees::<TicketView>(&rated).unwrap().rating.as_deref(), Some("good"));
        accepted::<TicketView>(&view.replace(r#""message":null,"#, ""));
        refused::<TicketView>(&view.replace(r#","can_rate":false"#, ""));
        let message = r#"{"id":3,"author":"agent","name":"Ana","body":"Try now","at":"a",
            "attachments":[{"id":"att-0123456789abcdef","name":"log.png","bytes":12,"url":"https://help.acme.test/api/attachments/att-0123456789abcdef?expires=1&signature=ab"}],"delivered":true,"unread":true}"#;
        let conversation = view.replace(
            r#""can_rate":false"#,
            &format!(r#""can_rate":false,"messages":[{message}],"can_reply":true,"reply_until":null"#),
        );
        assert_eq!(agrees::<TicketView>(&conversation).unwrap().messages[0].name.as_deref(), Some("Ana"));
        refused::<TicketView>(&conversation.replace(r#""author":"agent""#, r#""author":"robot""#));
        refused::<TicketView>(&conversation.replace(r#""bytes":12"#, r#""bytes":"12""#));
        accepted::<ReplyAccepted>(&format!(r#"{{"number":"ED-1","message":{message},"status":"open"}}"#));
        refused::<ReplyAccepted>(&format!(r#"{{"number":"ED-1","message":{message}}}"#));
    }

    #[wasm_bindgen_test]
    fn numbers_pairs_and_maps_read_as_serde_reads_them() {
        accepted::<Vec<(String, String)>>(r#"[["id","name"]]"#);
        refused::<Vec<(String, String)>>(r#"[["id"]]"#);
        refused::<Vec<(String, String)>>(r#"[["id","name","more"]]"#);
        accepted::<BTreeMap<String, u32>>(r#"{"n1":3,"n2":0}"#);
        refused::<BTreeMap<String, u32>>(r#"{"n1":"3"}"#);
        refused::<BTreeMap<String, u32>>(r#"[3]"#);
        accepted::<Option<u32>>("null");
        accepted::<u32>("4294967295");
        refused::<u32>("4294967296");
        refused::<u8>("256");
        accepted::<i64>("-12");
        accepted::<f64>("1.25");
        refused::<String>("1");
        refused::<bool>("0");
    }
}
