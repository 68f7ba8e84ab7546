//! What bad input must get, as properties that panic when broken: request bodies are accepted within
//! limits or refused clearly, articles compile to inert HTML or to problems with a place and a fix,
//! notice Markdown renders nothing that runs, search parameters are answered or refused clearly, and
//! only a correct signature or identity verifies.
//!
//! `cargo fuzz` drives each property with libFuzzer (`fuzz_targets/`, `make soak`); `make test` replays
//! every input kept in `corpus/<target>/` through them on stable (`tests/corpus.rs`), and the generated
//! bad input of `tests/tests/robustness.rs` shares the checks below.

use std::path::Path;
use std::sync::OnceLock;

use edgedesk_protocol::api::{
    ApiError, Deflection, SignedIdentity, TicketEvent, TicketLookup, TicketReply, parse_body,
};
use edgedesk_protocol::ticket;
use edgedesk_search::{Query, SearchIndex};
use edgedesk_status as status;
use edgedesk_tickets::{conversation, inbound, signing};

/// A property over one input, as libFuzzer drives it: it panics when the input breaks it.
pub type Property = fn(&[u8]);

/// Every target by its `cargo fuzz` name, for the corpus replay.
pub const TARGETS: [(&str, Property); 5] = [
    ("request_bodies", request_bodies),
    ("article", article),
    ("notice_markdown", notice_markdown),
    ("search_query", search_query),
    ("signatures", signatures),
];

/// A refusal a client can act on: a 4xx, a machine code, a sentence.
pub fn is_clear_refusal(error: &ApiError) -> bool {
    (400..500).contains(&error.status) && !error.code.is_empty() && !error.message.trim().is_empty()
}

/// HTML that can run nothing: no script, frame or plugin elements, no event handler attributes, no link
/// or source whose URL is a script (`javascript:`, `vbscript:`, `data:text/html`).
pub fn is_inert(html: &str) -> bool {
    let lower = html.to_lowercase();
    let tags: Vec<&str> = lower.split('<').skip(1).filter_map(|tag| tag.split('>').next()).collect();
    let no_dangerous_elements = !["script", "iframe", "object", "embed", "svg", "math", "style", "form", "base"]
        .iter()
        .any(|name| tags.iter().any(|tag| tag.split_whitespace().next() == Some(*name)));
    // Attribute names are outside quotes; a quoted value may say anything, apostrophes included.
    let no_handlers = !tags.iter().any(|tag| {
        split_quoted(tag).0.split_whitespace().skip(1).any(|name| name.starts_with("on") && name.contains('='))
    });
    let no_script_urls = tags.iter().flat_map(|tag| split_quoted(tag).1).all(|value| {
        // The URL as the browser reads it, without spaces and control characters.
        let url: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
        !["javascript:", "vbscript:", "data:text"].iter().any(|scheme| url.starts_with(scheme))
    });
    no_dangerous_elements && no_handlers && no_script_urls
}

/// A tag's text outside quotes, and its quoted values: a value runs to the quote that opened it.
fn split_quoted(tag: &str) -> (String, Vec<String>) {
    let (mut outside, mut values, mut open) = (String::new(), Vec::new(), None);
    for c in tag.chars() {
        match open {
            None if c == '"' || c == '\'' => {
                open = Some(c);
                values.push(String::new());
            }
            None => outside.push(c),
            Some(quote) if c == quote => open = None,
            Some(_) => values.last_mut().expect("opened with the quote").push(c),
        }
    }
    (outside, values)
}

/// The bodies strangers send, the first byte picking which endpoint reads the rest: a ticket, a notice
/// (then raised: its HTML must be inert), an insights event, a vote, a deflection, a ticket lookup or a
/// helpdesk's progress report. Each is taken within its limits or refused with a 4xx that names the
/// problem.
pub fn request_bodies(data: &[u8]) {
    const NOW: i64 = 1_800_000_000;
    let Some((&kind, body)) = data.split_first() else { return };
    let refusal = match kind % 11 {
        0 => ticket::parse(body, &["billing", "bug"])
            .map(|valid| assert!(format!("{valid:?}").len() < 64 * 1024, "accepted more than a body can hold"))
            .err(),
        1 => match status::parse_body::<status::NewNotice>(body, &status::NEW_NOTICE_FIELDS) {
            Ok(new) => status::raise(new, "inc-fuzz".into(), NOW)
                .map(|notice| assert!(is_inert(&notice.body_html), "{}", notice.body_html))
                .err(),
            Err(error) => Some(error),
        },
        2 => edgedesk_insights::parse_event(body, NOW).err(),
        3 => edgedesk_insights::parse_vote(body).err(),
        4 => parse_body::<Deflection>(body, &Deflection::FIELDS, Deflection::MAX_BYTES, "deflection").err(),
        5 => parse_body::<TicketLookup>(body, &TicketLookup::FIELDS, TicketLookup::MAX_BYTES, "lookup").err(),
        6 => parse_body::<TicketEvent>(body, &TicketEvent::FIELDS, TicketEvent::MAX_BYTES, "event")
            .and_then(|event| inbound::webhook("ED-AB12-CD34", event))
            .err(),
        7 => inbound::zendesk(body).err(),
        8 => inbound::freshdesk(body).err(),
        9 => inbound::jira(body).err(),
        _ => parse_body::<TicketReply>(body, &TicketReply::FIELDS, TicketReply::MAX_BYTES, "reply")
            .and_then(|reply| conversation::check_reply(&reply))
            .err(),
    };
    if let Some(error) = refusal {
        assert!(is_clear_refusal(&error), "{error:?}");
    }
}

/// An article file as an editor saved it (front matter and Markdown, any bytes): inert HTML, or problems
/// that each have a line inside the file, a message and a fix.
pub fn article(data: &[u8]) {
    thread_local! {
        static CONTENT: tempfile::TempDir = tempfile::tempdir().expect("a temporary directory");
    }
    CONTENT.with(|content| {
        let file = content.path().join("en/help/article.md");
        std::fs::create_dir_all(file.parent().expect("in a folder")).expect("the folder is made");
        std::fs::write(&file, data).expect("the article is written");
        let knowledge_base = edgedesk_kb::load(content.path()).expect("a readable folder loads");
        let lines = String::from_utf8_lossy(data).lines().count().max(1) + 1;
        for problem in &knowledge_base.problems {
            assert!(!problem.message.is_empty() && !problem.fix.is_empty(), "{problem:?}");
            assert!(problem.line <= lines, "line {} of {lines}: {problem:?}", problem.line);
        }
        for article in &knowledge_base.articles {
            assert!(is_inert(&article.html), "{}", article.html);
        }
    });
}

/// A status notice's Markdown, as an operator types it: rendered HTML that runs nothing.
pub fn notice_markdown(data: &[u8]) {
    let html = edgedesk_markdown::notice_html(&String::from_utf8_lossy(data));
    assert!(is_inert(&html), "{html}");
}

/// The demo help center's English index, built once per process.
fn demo_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
        edgedesk_kb::load(&content).expect("the demo help center loads").search_index("en")
    })
}

/// `GET /api/search` parameters (`q`, `product`, `section`, `limit`, one per line): at most `limit`
/// hits whose snippets are escaped text with `<mark>`s, or a clear refusal.
pub fn search_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(4, '\n');
    let query = lines.next().unwrap_or_default();
    let (product, section, limit) = (lines.next(), lines.next(), lines.next());
    match Query::from_params(query, product, section, limit) {
        Ok(query) => {
            let hits = demo_index().search(&query);
            assert!(hits.len() <= query.limit, "{} hits for a limit of {}", hits.len(), query.limit);
            for hit in hits {
                let without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "");
                assert!(!without_marks.contains('<'), "{}", hit.snippet);
            }
        }
        Err(error) => assert!(is_clear_refusal(&error), "{error:?}"),
    }
}

/// Signatures: the first byte picks a signed request (a header line, then the body) or a signed identity
/// (JSON). Only the correct signature verifies; everything else is a clear `401`.
pub fn signatures(data: &[u8]) {
    const SECRET: &[u8] = b"fuzzing-secret-of-some-length";
    const NOW: i64 = 1_800_000_000;
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let split = rest.iter().position(|&byte| byte == b'\n').unwrap_or(rest.len());
        let (header, body) = (String::from_utf8_lossy(&rest[..split]), rest.get(split + 1..).unwrap_or_default());
        let signed = signing::SignedRequest { method: "POST", path: "/api/tickets/ED-AB12-CD34/events", body };
        let correct = signing::sign_request(SECRET, signed, NOW);
        assert!(signing::verify_request(SECRET, Some(&correct), signed, NOW).is_ok(), "our own signature");
        if header != correct {
            match signing::verify_request(SECRET, Some(&header), signed, NOW) {
                // The same signature written another way (say, another timestamp within the tolerance
                // and its own correct HMAC) cannot come from random bytes; anything accepted must be one.
                Ok(_) => assert!(header.contains(&correct[correct.len() - 64..]), "accepted {header:?}"),
                Err(error) => assert!(error.status == 401 && is_clear_refusal(&error), "{error:?}"),
            }
        }
    } else if let Ok(identity) = serde_json::from_slice::<SignedIdentity>(rest) {
        let message = signing::identity_message(&identity.attributes, identity.expires_at);
        let signed_by_us = signing::hmac_hex(SECRET, message.as_bytes()) == identity.signature;
        match signing::verify_identity(SECRET, &identity, NOW) {
            Ok(verified) => {
                assert!(signed_by_us, "accepted an identity nobody signed: {identity:?}");
                assert_eq!(verified, identity.attributes);
            }
            Err(error) => assert!(is_clear_refusal(&error), "{error:?}"),
        }
    }
}
