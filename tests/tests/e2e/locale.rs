//! The widget in the customer's language (Russian and Ukrainian next to English, with their plurals and
//! dates), switched by the host page, and the articles suggested for the page of the app the customer is
//! on, following a single-page app's route changes.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::World;
use crate::embed::call;
use crate::widget::{WAIT, WidgetPage, host_page_with};
use edgedesk_e2e::{Page, eventually};

pub fn pages(worker: &str) -> Vec<(&'static str, Page)> {
    vec![
        ("/ru", host_page_with(worker, r#"data-locale="ru""#).into()),
        ("/billing/invoices", host_page_with(worker, r#"data-locale="en""#).into()),
        (
            "/rtl",
            host_page_with(worker, r#"data-locale="en""#)
                .replacen(r#"<html lang="en">"#, r#"<html lang="ar" dir="rtl">"#, 1)
                .into(),
        ),
    ]
}

/// Russian and Ukrainian: one статья, 2–4 статьи, 5–20 статей, 21 статья again.
fn slavic_plural(n: usize, forms: [&str; 3]) -> &str {
    match (n % 10, n % 100) {
        (1, 11) => forms[2],
        (1, _) => forms[0],
        (2..=4, 12..=14) => forms[2],
        (2..=4, _) => forms[1],
        _ => forms[2],
    }
}

pub async fn the_panel_speaks_russian_and_ukrainian_with_plurals_and_dates(world: &World) -> Result<()> {
    // Section titles are set in capitals (text-transform), which is what WebDriver reads.
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/ru", world.host.base_url)).await?;
    let label = widget.element(".launcher").await?.attr("aria-label").await?;
    ensure!(label.as_deref() == Some("Помощь и поддержка"), "the launcher is called {label:?}");
    widget.open().await?;
    widget.text_of("#edgedesk-title", "Чем мы можем помочь?").await?;
    widget.text_of(".browse-section", "АККАУНТ И БЕЗОПАСНОСТЬ").await?;
    let placeholder = widget.element("input[type=search]").await?.attr("placeholder").await?;
    ensure!(placeholder.as_deref() == Some("Поиск по статьям справки"), "{placeholder:?}");

    // The live region counts in Russian, with the plural form the number takes.
    widget.search("пароль").await?;
    let hits = eventually("Russian results", WAIT, || async {
        let hits = widget.root.find_all(fantoccini::Locator::Css(".hit")).await?.len();
        ensure!(hits > 0, "no results yet");
        Ok(hits)
    })
    .await?;
    let expected = slavic_plural(hits, ["Найдена {n} статья", "Найдено {n} статьи", "Найдено {n} статей"]);
    widget.text_of("p[aria-live]", &expected.replace("{n}", &hits.to_string())).await?;

    // An article's date, written out in Russian.
    widget.element(".hit").await?.click().await?;
    let date = widget.text_of(".article-section time", "2026").await?;
    ensure!(date.contains("ноября"), "the article's date reads {date:?}");
    widget.text_of("#edgedesk-helpful", "Статья помогла?").await?;

    // The form explains problems in Russian.
    widget.element("button.back").await?.click().await?;
    widget.element("button.contact").await?.click().await?;
    widget.visible("#edgedesk-name").await?;
    widget.element("button[type=submit]").await?.click().await?;
    widget.text_of("#edgedesk-name-error", "Как вас зовут?").await?;

    // The host page switches the language (the customer changed it in the app): Ukrainian from now on,
    // with what was typed kept.
    widget.fill("#edgedesk-message", "Не приходит письмо").await?;
    call(&widget, "edgedesk('setLocale', 'uk');").await?;
    widget.text_of("#edgedesk-title", "Чим ми можемо допомогти?").await?;
    widget.text_of("label[for=edgedesk-message]", "Чим ми можемо допомогти?").await?;
    let kept = widget.element("#edgedesk-message").await?.prop("value").await?;
    ensure!(kept.as_deref() == Some("Не приходит письмо"), "the message became {kept:?}");
    // Back on the search, what was searched is searched again in Ukrainian; with the box cleared, the
    // sections are Ukrainian too.
    widget.element("button.back").await?.click().await?;
    widget.text_of("p[aria-live]", "Знайдено").await?;
    call(
        &widget,
        "var box = document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('#edgedesk-search');
         box.value = ''; box.dispatchEvent(new Event('input'));",
    )
    .await?;
    widget.text_of(".browse-section", "ОБЛІКОВИЙ ЗАПИС І БЕЗПЕКА").await?;
    let label = widget.element(".launcher").await?.attr("aria-label").await?;
    ensure!(label.as_deref() == Some("Допомога і підтримка"), "the launcher is called {label:?}");
    browser.close().await
}

/// A customer on the English page who types in Russian gets the Russian article, and the panel says the
/// results are in another language.
pub async fn a_russian_query_in_the_english_panel_finds_the_russian_article(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/billing/invoices", world.host.base_url)).await?;
    widget.open().await?;
    widget.search("как сбросить пароль").await?;
    widget.text_of(".found-in", "Found in another language: Русский").await?;
    let language = widget.element(".found-in span").await?.attr("lang").await?;
    ensure!(language.as_deref() == Some("ru"), "the language's name is marked {language:?}");
    widget.open_result("Сброс пароля").await?;
    widget.text_of(".article-title", "Сброс пароля").await?;
    browser.close().await
}

pub async fn suggestions_follow_the_apps_route(world: &World) -> Result<()> {
    // The API: the articles written for a page, most specific first; a path that is not one is refused.
    let suggested: Value =
        reqwest::get(world.worker.url("/api/suggestions?path=/billing/invoices&locale=en")).await?.json().await?;
    let titles: Vec<&str> =
        suggested.as_array().context("a list")?.iter().filter_map(|link| link["title"].as_str()).collect();
    ensure!(titles.first().is_some_and(|title| title.contains("invoices")), "{titles:?}");
    ensure!(titles.iter().any(|title| title.contains("plan")), "/billing/** should match too: {titles:?}");
    let refused = reqwest::get(world.worker.url("/api/suggestions?path=billing")).await?;
    ensure!(refused.status() == 400, "a relative path got {}", refused.status());
    let body: Value = refused.json().await?;
    ensure!(body["error"]["field"] == "path", "{body}");

    // The page opened on /billing/invoices suggests the invoice articles.
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/billing/invoices", world.host.base_url)).await?;
    widget.open().await?;
    widget.text_of(".browse.suggested", "Download invoices").await?;
    let heading = widget.text_of(".browse-section", "SUGGESTED FOR THIS PAGE").await?;
    ensure!(heading.starts_with("SUGGESTED FOR THIS PAGE"), "suggestions come first: {heading}");

    // The app moves to another page without reloading (history API): the suggestions follow.
    call(&widget, "history.pushState(null, '', '/settings/security');").await?;
    widget.text_of(".browse.suggested", "two-factor authentication").await?;
    let titles = widget.text_of(".browse.suggested", "").await?;
    ensure!(!titles.contains("invoices"), "the billing suggestions stayed: {titles}");
    call(&widget, "history.back();").await?;
    widget.text_of(".browse.suggested", "Download invoices").await?;
    // A page no article is written for suggests nothing, and the sections are still there to browse.
    call(&widget, "history.replaceState(null, '', '/nothing-here');").await?;
    eventually("the suggestions to go", WAIT, || async {
        let left = call(&widget, "return document.querySelector('div[data-edgedesk]').shadowRoot.querySelectorAll('.browse.suggested').length;").await?;
        ensure!(left == json!(0), "{left} suggestion lists left");
        Ok(())
    })
    .await?;
    widget.text_of(".browse-section", "ACCOUNT AND SECURITY").await?;
    browser.close().await
}

pub async fn a_right_to_left_page_gets_a_mirrored_widget(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/rtl", world.host.base_url)).await?;
    widget.open().await?;
    // Logical CSS properties: what sits at the end of a line in English sits at the left here.
    let layout = call(
        &widget,
        "var root = document.querySelector('div[data-edgedesk]').shadowRoot;
         var box = function (css) { return root.querySelector(css).getBoundingClientRect(); };
         return [box('.launcher').left, box('.panel').left, box('.close').left, box('#edgedesk-title').left, innerWidth,
                 getComputedStyle(root.querySelector('.panel')).direction];",
    )
    .await?;
    let (launcher, panel, close, title, width, direction): (f64, f64, f64, f64, f64, String) =
        serde_json::from_value(layout)?;
    ensure!(direction == "rtl", "the panel's direction is {direction}");
    ensure!(launcher < width / 2.0 && panel < width / 2.0, "launcher at {launcher}, panel at {panel} of {width}");
    ensure!(close < title, "the close button ({close}) should be left of the title ({title})");
    browser.close().await
}
