//! Bad input, generated: what strangers send (ticket bodies, search parameters, notice bodies, signature
//! headers, identities) and what editors write (front matter and Markdown, seeded from the real Arduino
//! help center in the shared corpora, `EDGEDESK_CORPORA`, and mutated). proptest searches here on stable,
//! with the checks `cargo fuzz` uses (`fuzz/`, driven by libFuzzer in `make soak`). Every property
//! prints how many inputs it tried. A failure prints the smallest input proptest could shrink it to; it
//! then becomes a regression test named after what broke.

use std::path::Path;
use std::sync::OnceLock;

use edgedesk_e2e::corpora::corpus;
use edgedesk_fuzz::{is_clear_refusal, is_inert};
use edgedesk_kb as kb;
use edgedesk_protocol::api::SignedIdentity;
use edgedesk_protocol::ticket;
use edgedesk_search::{Query, SearchIndex};
use edgedesk_status::{self as status, NewNotice, NewUpdate};
use edgedesk_tickets::signing;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

/// Runs `property` on `cases` inputs from `strategy` (times `ROBUSTNESS_SCALE`, which `make soak` raises),
/// printing the count; panics with the shrunk input.
fn check<S: Strategy>(name: &str, cases: u32, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let scale: u32 = std::env::var("ROBUSTNESS_SCALE").ok().and_then(|scale| scale.parse().ok()).unwrap_or(1);
    let cases = cases.saturating_mul(scale.max(1));
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    if let Err(failure) = runner.run(&strategy, property) {
        panic!("{name}: {failure}");
    }
    println!("robustness: {name}: {cases} generated inputs, no failure");
}

/// Some real articles from the shared corpus, to mutate: what editors write looks like this.
fn corpus_articles(content: &Path) -> Vec<String> {
    let mut texts: Vec<String> = walkdir::WalkDir::new(content)
        .into_iter()
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "md"))
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect();
    texts.sort();
    texts.truncate(60);
    assert!(!texts.is_empty(), "no articles in {}", content.display());
    texts
}

/// Pieces that break parsers: front matter fences, YAML, Liquid directives, HTML, links, code fences,
/// control characters and scripts from both directions.
const HOSTILE: [&str; 24] = [
    "---",
    "\n---\n",
    "title: [",
    ": :",
    "{% include x.md %}",
    "{% if %}",
    "{{ var }}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "](",
    "```",
    "\n```\n",
    "<!--",
    "\u{0}",
    "\u{202e}",
    "\r\n",
    "#",
    "|---|",
    "![x](../../etc/passwd)",
    "<a href=\"data:text/html,x\">",
    "\u{feff}",
    "ё́",
    "\t- [ ] ",
];

/// One of `articles` with hostile pieces put in at random places (on character boundaries).
fn mutated_article(articles: Vec<String>) -> impl Strategy<Value = String> {
    (0..articles.len(), prop::collection::vec((any::<prop::sample::Index>(), 0..HOSTILE.len()), 0..12)).prop_map(
        move |(article, insertions)| {
            let mut text = articles[article].clone();
            for (at, piece) in insertions {
                let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                let at = boundaries[at.index(boundaries.len())];
                text.insert_str(at, HOSTILE[piece]);
            }
            text
        },
    )
}

/// Any JSON, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(HOSTILE.to_vec()).prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A JSON object with some of `fields` (and sometimes a stranger) set to any JSON: almost right bodies.
fn almost_right(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![9 => prop::sample::select(fields.to_vec()).prop_map(str::to_owned), 1 => "[a-z_]{1,12}"];
    prop::collection::btree_map(field, json_value(), 0..fields.len() + 2)
        .prop_map(|map| serde_json::to_vec(&map.into_iter().collect::<serde_json::Map<_, _>>()).unwrap())
}

/// Bytes as they come: random, truncated JSON, or almost right.
fn bodies(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        almost_right(fields),
        almost_right(fields).prop_flat_map(|bytes| {
            let len = bytes.len();
            (Just(bytes), 0..=len).prop_map(|(bytes, cut)| bytes[..cut].to_vec())
        }),
    ]
}

#[test]
fn any_ticket_body_is_accepted_within_limits_or_refused_clearly() {
    static FIELDS: [&str; 20] = edgedesk_protocol::api::NewTicket::FIELDS;
    check("ticket bodies", 3_000, bodies(&FIELDS), |body| {
        match ticket::parse(&body, &["billing", "bug"]) {
            Ok(valid) => {
                let valid = format!("{valid:?}");
                prop_assert!(valid.len() < 64 * 1024, "accepted more than a body can hold");
            }
            Err(error) => prop_assert!(is_clear_refusal(&error), "{error:?}"),
        }
        Ok(())
    });
}

#[test]
fn any_notice_body_is_raised_inert_or_refused_clearly() {
    static FIELDS: [&str; 10] = status::NEW_NOTICE_FIELDS;
    check("notice bodies", 2_000, bodies(&FIELDS), |body| {
        match status::parse_body::<NewNotice>(&body, &FIELDS) {
            Ok(new) => match status::raise(new, "inc-test".into(), 1_800_000_000) {
                Ok(notice) => {
                    prop_assert!(is_inert(&notice.body_html), "{}", notice.body_html);
                    let update = NewUpdate { text: notice.body.clone(), level: None, resolve: false };
                    if let Ok(updated) = status::add_update(notice, update, 1_800_000_100) {
                        prop_assert!(updated.updates.iter().all(|update| is_inert(&update.html)));
                    }
                }
                Err(error) => prop_assert!(is_clear_refusal(&error), "{error:?}"),
            },
            Err(error) => prop_assert!(is_clear_refusal(&error), "{error:?}"),
        }
        Ok(())
    });
}

#[test]
fn notice_markdown_never_renders_markup_that_runs() {
    let test = "robustness::notice_markdown_never_renders_markup_that_runs";
    let Some(content) = corpus(test, "arduino-help-center/content") else { return };
    check("notice Markdown", 2_000, mutated_article(corpus_articles(&content)), |markdown| {
        let html = edgedesk_markdown::notice_html(&markdown);
        prop_assert!(is_inert(&html), "{html}");
        Ok(())
    });
}

#[test]
fn only_a_correct_signature_verifies() {
    let secret = b"webhook-secret";
    let now = 1_800_000_000;
    let strategy =
        (prop::collection::vec(any::<u8>(), 0..200), prop_oneof![".{0,120}", "t=[0-9]{1,12},v1=[0-9a-f]{0,70}"]);
    check("signature headers", 3_000, strategy, |(body, header)| {
        let signed = signing::SignedRequest { method: "POST", path: "/api/tickets/ED-AB12-CD34/events", body: &body };
        let correct = signing::sign_request(secret, signed, now);
        prop_assert!(signing::verify_request(secret, Some(&correct), signed, now).is_ok());
        if header != correct {
            let error = signing::verify_request(secret, Some(&header), signed, now).unwrap_err();
            prop_assert!(error.status == 401 && is_clear_refusal(&error), "{error:?}");
        }
        // One character changed anywhere breaks it.
        let mut tampered = correct.clone().into_bytes();
        let at = body.len() % tampered.len();
        tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        prop_assert!(signing::verify_request(secret, Some(&tampered), signed, now).is_err());
        Ok(())
    });
}

#[test]
fn only_a_correctly_signed_unexpired_identity_verifies() {
    let secret = b"identity-secret";
    let now = 1_800_000_000;
    let strategy =
        (prop::collection::btree_map(".{0,70}", ".{0,80}", 0..24), -5_000i64..5_000, "[0-9a-f]{0,64}", any::<bool>());
    check("identities", 3_000, strategy, |(attributes, offset, signature, sign_it)| {
        let expires_at = now + offset;
        let message = signing::identity_message(&attributes, expires_at);
        let good = signing::hmac_hex(secret, message.as_bytes());
        let identity = SignedIdentity {
            attributes: attributes.clone(),
            expires_at,
            signature: if sign_it { good.clone() } else { signature.clone() },
        };
        let signed_by_us = identity.signature == good;
        match signing::verify_identity(secret, &identity, now) {
            Ok(verified) => {
                prop_assert!(signed_by_us && expires_at > now - 1, "accepted an identity we did not sign");
                prop_assert_eq!(&verified, &attributes);
            }
            Err(error) => prop_assert!(is_clear_refusal(&error), "{error:?}"),
        }
        Ok(())
    });
}

/// The demo help center's English index, built once.
fn demo_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
        kb::load(&content).expect("the demo help center loads").search_index("en")
    })
}

#[test]
fn any_search_parameters_are_answered_or_refused_clearly() {
    let text =
        prop_oneof![".{0,260}", prop::sample::select(HOSTILE.to_vec()).prop_map(str::to_owned), "[a-zа-яё ]{0,40}"];
    let strategy =
        (text, prop::option::of(".{0,20}"), prop::option::of(".{0,20}"), prop::option::of("-?[0-9]{0,4}|.{0,6}"));
    check("search parameters", 3_000, strategy, |(text, product, section, limit)| {
        match Query::from_params(&text, product.as_deref(), section.as_deref(), limit.as_deref()) {
            Ok(query) => {
                let hits = demo_index().search(&query);
                prop_assert!(hits.len() <= query.limit);
                for hit in hits {
                    // Snippets are escaped text with <mark> around matches and nothing else.
                    let without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "");
                    prop_assert!(!without_marks.contains('<'), "{}", hit.snippet);
                }
            }
            Err(error) => prop_assert!(is_clear_refusal(&error), "{error:?}"),
        }
        Ok(())
    });
}

#[test]
fn any_article_compiles_to_inert_html_or_problems_with_a_place_and_a_fix() {
    let test = "robustness::any_article_compiles_to_inert_html_or_problems_with_a_place_and_a_fix";
    let Some(content) = corpus(test, "arduino-help-center/content") else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("en/help/article.md");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    check("front matter and Markdown", 300, mutated_article(corpus_articles(&content)), |source| {
        std::fs::write(&file, &source).unwrap();
        let knowledge_base = kb::load(dir.path()).unwrap();
        let lines = source.lines().count().max(1) + 1;
        for problem in &knowledge_base.problems {
            prop_assert!(!problem.message.is_empty() && !problem.fix.is_empty(), "{problem:?}");
            prop_assert!(problem.line <= lines, "line {} of {lines}: {problem:?}", problem.line);
        }
        for article in &knowledge_base.articles {
            prop_assert!(is_inert(&article.html), "{}", article.html);
        }
        Ok(())
    });
}

/// `make soak` found the inertness checker taking an apostrophe inside a quoted alt text for the end of
/// the value, and the escaped markup after it for an event handler.
#[test]
fn an_apostrophe_in_alt_text_does_not_end_its_value() {
    assert!(is_inert("<img src=\"a.png\" alt=\"the Carrier'&lt;img src=x onerror=alert(1)&gt;s firmware\">"));
    assert!(!is_inert("<img src=\"a.png\" alt='it'  onerror=alert(1)>"));
}

#[test]
fn the_inertness_check_itself_catches_what_runs() {
    for running in [
        "<script>alert(1)</script>",
        "<p><img src=x onerror=alert(1)></p>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=' JaVaScRiPt:alert(1)'>x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<iframe src=\"https://example.com\"></iframe>",
        "<svg><circle/></svg>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<div onclick=\"go()\">x</div>",
    ] {
        assert!(!is_inert(running), "{running} passed as inert");
    }
    for inert in [
        "<p>Use <code>&lt;script&gt;</code> tags.</p>",
        "<a href=\"https://example.com/?q=javascript:x\" rel=\"noopener\">x</a>",
        "<a href=\"https://example.com/&lt;img onerror=x&gt;\">x</a>",
        "<img src=\"/kb/media/a.png\" alt=\"online=yes\">",
        "<img src=\"a.png\" alt=\"the Carrier'&lt;img src=x onerror=alert(1)&gt;s firmware\">",
    ] {
        assert!(is_inert(inert), "{inert} was taken for running markup");
    }
}
