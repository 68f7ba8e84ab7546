//! The compiler over whole content directories.

use super::*;

/// A content directory written from (path, text) pairs.
fn content(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn compile(files: &[(&str, &str)]) -> KnowledgeBase {
    load(content(files).path()).unwrap()
}

fn article<'a>(knowledge_base: &'a KnowledgeBase, slug: &str) -> &'a Article {
    knowledge_base.articles.iter().find(|a| a.slug == slug).unwrap_or_else(|| panic!("no article {slug}"))
}

fn kinds(knowledge_base: &KnowledgeBase) -> Vec<(&str, &str, usize)> {
    knowledge_base.problems.iter().map(|p| (p.kind.as_str(), p.file.as_str(), p.line)).collect()
}

#[test]
fn front_matter_and_path_give_the_article_its_place() {
    let kb = compile(&[(
        "ru/account/reset-password.md",
        "---\ntitle: Сброс пароля\nsummary: Как сбросить пароль.\ntags: [вход]\nupdated: 2026-11-01\n---\nОткройте страницу входа.\n",
    )]);
    let article = article(&kb, "reset-password");
    assert_eq!((article.locale.as_str(), article.section.as_str()), ("ru", "account"));
    assert_eq!(article.title, "Сброс пароля");
    assert_eq!(article.summary, "Как сбросить пароль.");
    assert_eq!(article.tags, ["вход"]);
    assert_eq!(article.updated.as_deref(), Some("2026-11-01"));
    assert_eq!(article.html, "<p>Откройте страницу входа.</p>\n");
    assert!(kb.problems.is_empty(), "{:?}", kb.problems);
}

#[test]
fn title_falls_back_to_first_heading_then_file_name() {
    let kb = compile(&[("a.md", "# Pair a *board*\n\ntext"), ("Hardware/If the port is missing.md", "no heading")]);
    assert_eq!(article(&kb, "a").title, "Pair a board");
    assert_eq!(article(&kb, "if-the-port-is-missing").title, "If the port is missing");
    assert_eq!(article(&kb, "if-the-port-is-missing").section, "hardware");
}

#[test]
fn summary_defaults_to_the_intro() {
    let kb = compile(&[("x.md", "# Title\n\nFirst paragraph with **bold** words.\n\n## Later\n\nOther.")]);
    assert_eq!(article(&kb, "x").summary, "First paragraph with bold words.");
}

#[test]
fn an_index_file_takes_its_folder_name() {
    let kb = compile(&[("ru/syntax/notes/index.md", "text"), ("index.md", "root")]);
    assert!(kb.articles.iter().any(|a| a.slug == "notes"));
    assert!(kb.articles.iter().any(|a| a.slug == "index"));
}

#[test]
fn drafts_are_checked_but_not_published() {
    let kb = compile(&[("x.md", "---\ndraft: true\n---\n[broken](nope.md)")]);
    assert!(kb.articles.is_empty());
    assert_eq!(kinds(&kb), [("broken-link", "x.md", 4)]);
}

#[test]
fn every_problem_is_reported_at_once_with_file_and_line() {
    let kb = compile(&[
        ("en/billing/plans.md", "# Plans\n\nPick a plan. [Invoices](invoices.md#download)"),
        ("en/billing/invoices.md", "# Invoices\n\n## Download them\n"),
        ("en/account/broken.md", "---\ntitle: [\n---\n"),
        ("en/account/links.md", "# Links\n\nSee [plans](../billing/plan.md) and ![x](shot.png).\n"),
        ("en/account/unclosed.md", "---\ntitle: never closed\n\nbody"),
    ]);
    std::fs::write(std::env::temp_dir().join("unused"), "").unwrap();
    assert_eq!(
        kinds(&kb),
        [
            ("invalid-front-matter", "en/account/broken.md", 2),
            ("broken-link", "en/account/links.md", 3),
            ("missing-image", "en/account/links.md", 3),
            ("unclosed-front-matter", "en/account/unclosed.md", 1),
            ("broken-anchor", "en/billing/plans.md", 3),
        ]
    );
    assert!(kb.has_errors());
    assert_eq!(kb.articles.len(), 3);
    let anchor = kb.problems.iter().find(|p| p.kind == "broken-anchor").unwrap();
    assert_eq!(anchor.fix, "use `#download-them`");
    let link = kb.problems.iter().find(|p| p.kind == "broken-link").unwrap();
    assert_eq!(link.fix, "link to `../billing/plans.md`");
}

#[test]
fn non_utf8_files_are_errors_not_crashes() {
    let dir = content(&[("ok.md", "fine")]);
    std::fs::write(dir.path().join("binary.md"), [0xff, 0xfe, 0x00]).unwrap();
    let kb = load(dir.path()).unwrap();
    assert_eq!(kinds(&kb), [("not-utf8", "binary.md", 1)]);
}

#[test]
fn colliding_file_names_are_renamed_but_colliding_slugs_are_errors() {
    let kb = compile(&[
        ("ru/settings.md", "root settings"),
        ("ru/tools/docs/settings.md", "tool settings"),
        ("en/a.md", "---\nslug: same\n---\n"),
        ("en/b.md", "---\nslug: same\n---\n"),
    ]);
    assert!(kb.articles.iter().any(|a| a.slug == "settings" && a.source == "ru/settings.md"));
    assert!(kb.articles.iter().any(|a| a.slug == "docs-settings"));
    let found = kinds(&kb);
    assert!(found.contains(&("renamed-slug", "ru/tools/docs/settings.md", 1)), "{found:?}");
    assert!(found.contains(&("duplicate-slug", "en/b.md", 1)), "{found:?}");
}

#[test]
fn site_configuration_names_locales_products_sections_and_variables() {
    let kb = compile(&[
        (
            "edgedesk.toml",
            "locales = [\"en\"]\n[products]\nweb = \"Web\"\n[sections.billing]\norder = 1\ntitle = { en = \"Billing & plans\" }\n\
             [sections.account]\norder = 2\n[variables]\nproduct = \"Acme\"\n",
        ),
        ("en/billing/plans.md", "---\nproducts: [web]\n---\n# Plans\n\n{{ product }} plans."),
        ("en/account/login.md", "---\nproducts: [desktop]\n---\n# Log in"),
        ("de/account/login.md", "# Anmelden"),
    ]);
    assert_eq!(article(&kb, "plans").section_title, "Billing & plans");
    assert!(article(&kb, "plans").html.contains("Acme plans."), "{}", article(&kb, "plans").html);
    let found = kinds(&kb);
    assert!(found.contains(&("unknown-locale", "de/account/login.md", 1)), "{found:?}");
    assert!(found.contains(&("unknown-product", "en/account/login.md", 1)), "{found:?}");
    let sections: Vec<String> = kb.sections("en").into_iter().map(|s| s.slug).collect();
    assert_eq!(sections, ["billing", "account"]);
}

#[test]
fn a_broken_configuration_is_reported_and_defaults_apply() {
    let kb = compile(&[("edgedesk.toml", "locales = \"en\"\n"), ("a.md", "# A")]);
    assert_eq!(kinds(&kb), [("invalid-config", "edgedesk.toml", 1)]);
    assert_eq!(kb.articles.len(), 1);
}

#[test]
fn learning_vetoes_must_name_real_articles() {
    let toml = "[learning]\nveto = [\n  { query = \"export\", article = \"export\" },\n  { query = \"bill\", article = \"billing/gone\" },\n]\n";
    let kb = compile(&[("edgedesk.toml", toml), ("billing/export.md", "# Export")]);
    assert_eq!(kinds(&kb), [("unknown-veto-article", "edgedesk.toml", 4)]);
    assert!(kb.config.learning.enabled, "learning is on unless turned off");
    let off = compile(&[("edgedesk.toml", "[learning]\nenabled = false\n"), ("a.md", "# A")]);
    assert!(!off.config.learning.enabled && kinds(&off).is_empty());
}

#[test]
fn related_articles_resolve_to_titles() {
    let kb = compile(&[("en/a.md", "---\nrelated: [b, missing]\n---\n# A"), ("en/b.md", "# Bee")]);
    assert_eq!(article(&kb, "a").related, [ArticleLink { slug: "b".into(), title: "Bee".into() }]);
    assert_eq!(kinds(&kb), [("unknown-related", "en/a.md", 1)]);
}

#[test]
fn fragments_status_and_foreign_files_are_not_articles() {
    let kb = compile(&[
        ("ru/_includes/part.md", "Shared **text**"),
        ("ru/page.md", "# Page\n\n{% include [part](_includes/part.md) %}"),
        ("ru/toc.yaml", "items: []"),
        ("status/outage.md", "---\nlevel: red\ntitle: Login is down\nstarts_at: 2026-11-23T10:00:00Z\n---\n"),
        ("status/broken.md", "---\nlevel: red\n---\n"),
    ]);
    assert_eq!(kb.articles.len(), 1);
    assert_eq!(kb.notices.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["outage"]);
    assert!(article(&kb, "page").html.contains("<strong>text</strong>"));
    assert_eq!(kinds(&kb), [("unused-file", "ru/toc.yaml", 1), ("invalid-notice", "status/broken.md", 2)]);
}

#[test]
fn search_index_per_locale_uses_sections_and_synonyms() {
    let kb = compile(&[
        ("edgedesk.toml", "[synonyms]\nen = [[\"bill\", \"invoice\"]]\n"),
        ("en/billing/invoices.md", "# Invoices\n\nIntro.\n\n## Download a PDF\n\nEvery invoice is a PDF."),
        ("ru/billing/invoices.md", "# Счета\n\nСчёт в PDF."),
    ]);
    let english = kb.search_index("en");
    assert_eq!(english.len(), 1);
    let hits = english.search(&edgedesk_search::Query::new("bill pdf"));
    assert_eq!(hits[0].anchor.as_deref(), Some("download-a-pdf"));
    assert_eq!(kb.search_index("ru").search(&edgedesk_search::Query::new("счета ")).len(), 1);
}

/// Issue 18: `[answers]` out of bounds is named with its line, every setting at once.
#[test]
fn answers_settings_out_of_bounds_are_named_with_their_lines() {
    let toml = "locales = [\"en\"]\n\n[answers]\nmax-tokens = 5000\ntimeout-ms = 10\n";
    let kb = compile(&[("edgedesk.toml", toml), ("a.md", "# A")]);
    assert_eq!(
        kinds(&kb),
        [
            ("invalid-answers-setting", "edgedesk.toml", 3),
            ("invalid-answers-setting", "edgedesk.toml", 4),
            ("invalid-answers-setting", "edgedesk.toml", 5)
        ]
    );
    let kb = compile(&[("edgedesk.toml", "[answers]\nmodel = \"gpt-4o-mini\"\n"), ("a.md", "# A")]);
    assert!(kinds(&kb).is_empty());
    assert_eq!(kb.config.answers.unwrap().max_tokens, 220);
}
