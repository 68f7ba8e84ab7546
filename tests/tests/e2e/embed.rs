//! The embed as a product team uses it: the JavaScript API (also before the loader has arrived), its
//! events, the data attributes, and when the widget is allowed to load.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::World;
use crate::widget::{WAIT, WidgetPage, host_page_with};
use edgedesk_e2e::eventually;

/// The host pages these tests visit, on the allowed host origin.
pub fn pages(worker: &str) -> Vec<(&'static str, edgedesk_e2e::Page)> {
    let idle_marker = r#"<script>
  // Registered after the loader's own idle callback, so it runs after it: once it has, the loader has
  // had its chance to load the widget.
  addEventListener("load", function () {
    (window.requestIdleCallback || setTimeout)(function () { window.idleSeen = true; });
  });
</script>"#;
    let save_data = r#"<script>
  Object.defineProperty(navigator, "connection", { value: { saveData: true } });
</script>"#;
    let api_snippet = r#"<script>
  // The README's snippet: calls made before embed.js arrives are queued, then run in order.
  window.edgedesk = window.edgedesk || function () { (edgedesk.q = edgedesk.q || []).push(arguments); };
  window.seen = [];
  ["open", "close", "search", "articleViewed", "ticketCreated"].forEach(function (name) {
    edgedesk("on", name, function (detail) { seen.push([name, detail]); });
  });
  edgedesk("search", "reset password");
</script>"#;
    let mut pages = vec![
        ("/intent", with_head(&host_page_with(worker, r#"data-locale="en" data-load="intent""#), idle_marker)),
        ("/save-data", with_head(&host_page_with(worker, r#"data-locale="en""#), &format!("{save_data}{idle_marker}"))),
        ("/dark", host_page_with(worker, r#"data-locale="en" data-theme="dark""#)),
        (
            "/api",
            with_head(
                &host_page_with(
                    worker,
                    r#"data-locale="en" data-launcher="off" data-position="left" data-color="rgb(200, 30, 30)" data-load="intent""#,
                ),
                api_snippet,
            ),
        ),
    ];
    // The network drops the widget's lazy chunks while `window.chunksOffline` is true: an offline
    // customer, or an old page asking for a chunk a deploy replaced. While `window.chunksHeld` is true it
    // holds them until `releaseChunks()`: a slow line.
    let chunks_offline = r#"<script>
  window.chunksOffline = true;
  window.chunksHeld = false;
  var fetchForReal = window.fetch;
  var held = [];
  window.releaseChunks = function () {
    window.chunksHeld = false;
    held.splice(0).forEach(function (go) { go(); });
  };
  window.fetch = function (resource) {
    var self = this, args = arguments;
    if (/\/widget\/[^/]+\/split_[^/]*\.wasm$/.test(String(resource.url || resource))) {
      if (window.chunksOffline) return Promise.reject(new TypeError("Failed to fetch"));
      if (window.chunksHeld) {
        return new Promise(function (go) { held.push(go); }).then(function () { return fetchForReal.apply(self, args); });
      }
    }
    return fetchForReal.apply(this, arguments);
  };
</script>"#;
    pages.push(("/chunks-offline", with_head(&host_page_with(worker, r#"data-locale="en""#), chunks_offline)));
    pages.into_iter().map(|(path, html)| (path, html.into())).collect()
}

fn with_head(page: &str, scripts: &str) -> String {
    page.replacen("</head>", &format!("{scripts}</head>"), 1)
}

async fn wasm_fetched(widget: &WidgetPage) -> Result<bool> {
    Ok(widget.fetched_urls().await?.iter().any(|url| url.ends_with("edgedesk_widget_bg.wasm")))
}

pub async fn pages_that_ask_and_customers_saving_data_load_the_widget_only_on_intent(world: &World) -> Result<()> {
    for page in ["/intent", "/save-data"] {
        let (browser, widget) = WidgetPage::visit(world, &format!("{}{page}", world.host.base_url)).await?;
        widget.visible(".launcher").await?;
        eventually("the page to be idle", WAIT, || async {
            ensure!(widget.client.execute("return window.idleSeen === true;", vec![]).await? == json!(true));
            Ok(())
        })
        .await?;
        ensure!(!wasm_fetched(&widget).await?, "{page}: the widget loaded without intent");
        widget.open().await?;
        ensure!(wasm_fetched(&widget).await?, "{page}: no widget after a click");
        browser.close().await?;
    }
    Ok(())
}

async fn events(widget: &WidgetPage) -> Result<Vec<(String, Value)>> {
    Ok(serde_json::from_value(widget.client.execute("return window.seen;", vec![]).await?)?)
}

/// The newest detail of the event `name`, as the page's `edgedesk('on', …)` handlers put it in `window.seen`.
pub async fn heard(widget: &WidgetPage, name: &str) -> Result<Value> {
    eventually(&format!("the '{name}' event"), WAIT, || async {
        let events = events(widget).await?;
        let found = events.iter().rev().find(|(event, _)| event == name).map(|(_, detail)| detail.clone());
        found.with_context(|| format!("heard only {events:?}"))
    })
    .await
}

/// Runs `script` in the host page, as the product's own code would.
pub async fn call(widget: &WidgetPage, script: &str) -> Result<Value> {
    Ok(widget.client.execute(script, vec![]).await?)
}

pub async fn the_javascript_api_works_before_and_after_the_loader(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/api", world.host.base_url)).await?;

    // The search queued before embed.js arrived opened the panel with its results, with no launcher.
    widget.text_of(".hit-title", "Reset your password").await?;
    let query = heard(&widget, "search").await?;
    ensure!(query["query"] == "reset password", "{query}");
    heard(&widget, "open").await?;
    let launcher = widget.element(".launcher").await?;
    ensure!(!launcher.is_displayed().await?, "data-launcher=\"off\" still shows the launcher");

    // data-position and data-color reach the panel.
    let placement = widget
        .client
        .execute(
            "var root = document.querySelector('div[data-edgedesk]').shadowRoot;
             var panel = root.querySelector('.panel').getBoundingClientRect();
             return [panel.left, innerWidth, getComputedStyle(root.querySelector('header')).backgroundColor];",
            vec![],
        )
        .await?;
    let (left, width, colour): (f64, f64, String) = serde_json::from_value(placement)?;
    ensure!(left < width / 2.0, "the panel is not on the left: {left} of {width}");
    ensure!(colour == "rgb(200, 30, 30)", "the brand colour is {colour}");

    call(&widget, "edgedesk('openArticle', 'download-invoices');").await?;
    widget.text_of(".article-title", "Download invoices and receipts").await?;
    let viewed = heard(&widget, "articleViewed").await?;
    ensure!(viewed["slug"] == "download-invoices" && viewed["locale"] == "en", "{viewed}");

    call(
        &widget,
        "edgedesk.prefill({ name: 'Ada Lovelace', email: 'ada@example.com', subject: 'Invoices for 2026', \
         message: 'Please send all invoices for 2026 in one PDF.' });",
    )
    .await?;
    eventually("the form to be prefilled", WAIT, || async {
        let subject = widget.element("#edgedesk-subject").await?.prop("value").await?;
        ensure!(subject.as_deref() == Some("Invoices for 2026"), "{subject:?}");
        Ok(())
    })
    .await?;
    widget.element("button[type=submit]").await?.click().await?;
    let number = widget.ticket_number().await?;
    let created = heard(&widget, "ticketCreated").await?;
    ensure!(created["number"] == number.as_str(), "{created} for {number}");
    ensure!(created["expected_reply_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{created}");

    call(&widget, "edgedesk('close');").await?;
    heard(&widget, "close").await?;
    // Signing out forgets the tickets this browser remembers; unknown commands only warn.
    let remembered = "return localStorage.getItem('edgedesk-tickets');";
    ensure!(widget.client.execute(remembered, vec![]).await? != Value::Null, "the ticket was not remembered");
    call(&widget, "edgedesk('reset'); edgedesk('no-such-command');").await?;
    ensure!(widget.client.execute(remembered, vec![]).await? == Value::Null, "reset kept the tickets");
    // The form, built by now, forgot who was writing; a prefill reaches it as it reached the form not yet built.
    call(&widget, "edgedesk.prefill({ subject: 'One more question' });").await?;
    eventually("the built form to be prefilled", WAIT, || async {
        let subject = widget.element("#edgedesk-subject").await?.prop("value").await?;
        let name = widget.element("#edgedesk-name").await?.prop("value").await?;
        ensure!(subject.as_deref() == Some("One more question"), "{subject:?}");
        ensure!(name.as_deref() == Some(""), "reset kept the name: {name:?}");
        Ok(())
    })
    .await?;
    let errors = widget.client.execute("return window.pageErrors;", vec![]).await?;
    ensure!(errors == json!([]), "the page saw errors: {errors}");
    browser.close().await
}

pub async fn the_panel_fills_a_phone_screen_and_inputs_do_not_zoom(world: &World) -> Result<()> {
    let browser = world.chromedriver.new_browser().await?;
    browser.client.set_window_size(390, 844).await?;
    browser.client.goto(&world.host.base_url).await?;
    let widget = WidgetPage::find(&browser.client).await?;
    widget.open().await?;
    let measured = widget
        .client
        .execute(
            "var root = document.querySelector('div[data-edgedesk]').shadowRoot;
             var panel = root.querySelector('.panel').getBoundingClientRect();
             var input = getComputedStyle(root.querySelector('input[type=search]')).fontSize;
             return [panel.left, panel.top, panel.width, panel.height, innerWidth, innerHeight, input];",
            vec![],
        )
        .await?;
    let (left, top, width, height, viewport_width, viewport_height, font_size): (f64, f64, f64, f64, f64, f64, String) =
        serde_json::from_value(measured)?;
    ensure!(
        left == 0.0 && top == 0.0 && width == viewport_width && height == viewport_height,
        "the panel is {width}×{height} at ({left}, {top}) on a {viewport_width}×{viewport_height} screen"
    );
    // Phones zoom into inputs whose text is smaller than 16 px.
    ensure!(font_size == "16px", "the search box's text is {font_size}");
    // The close button is on screen and closes it.
    widget.element(".close").await?.click().await?;
    eventually("the panel to close", WAIT, || async {
        ensure!(!widget.root.find(fantoccini::Locator::Css(".panel")).await?.is_displayed().await?, "still open");
        Ok(())
    })
    .await?;
    browser.close().await
}

pub async fn the_dark_theme_reads_well_everywhere(world: &World) -> Result<()> {
    let axe = crate::accessibility::axe_source()?;
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/dark", world.host.base_url)).await?;
    widget.visible(".launcher").await?;
    crate::accessibility::audit(&widget, &axe, "dark, closed").await?;
    widget.open().await?;
    let background = widget
        .client
        .execute(
            "return getComputedStyle(document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('.panel')).backgroundColor;",
            vec![],
        )
        .await?;
    ensure!(background == json!("rgb(23, 27, 36)"), "the dark panel's background is {background}");
    // axe checks colour contrast too: every state must still read well on dark.
    crate::accessibility::audit(&widget, &axe, "dark, open").await?;
    widget.search("invoice").await?;
    widget.text_of(".hit-title", "Download invoices").await?;
    crate::accessibility::audit(&widget, &axe, "dark, results").await?;
    widget.fill("input[type=search]", "zzqxjv").await?;
    widget.text_of(".notice", "No articles match").await?;
    crate::accessibility::audit(&widget, &axe, "dark, no results").await?;
    widget.fill("input[type=search]", "invoice").await?;
    widget.open_result("Download invoices").await?;
    widget.text_of(".article-title", "Download invoices and receipts").await?;
    crate::accessibility::audit(&widget, &axe, "dark, article").await?;
    widget.element("button.back").await?.click().await?;
    widget.element("button.contact").await?.click().await?;
    widget.visible("#edgedesk-name").await?;
    widget.element("button[type=submit]").await?.click().await?;
    widget.visible(".field-error").await?;
    crate::accessibility::audit(&widget, &axe, "dark, form with errors").await?;
    widget
        .file_ticket("Ada Lovelace", "ada@example.com", "Dark invoices", "Please change the address on invoices.")
        .await?;
    widget.ticket_number().await?;
    crate::accessibility::audit(&widget, &axe, "dark, ticket sent").await?;
    widget.element(".sent .my-tickets").await?.click().await?;
    widget.visible(".my-ticket").await?;
    crate::accessibility::audit(&widget, &axe, "dark, my tickets").await?;
    browser.close().await
}

async fn focused_class(widget: &WidgetPage) -> Result<String> {
    let class = widget
        .client
        .execute("var a = document.activeElement; return a && a.shadowRoot && a.shadowRoot.activeElement ? a.shadowRoot.activeElement.className : '';", vec![])
        .await?;
    Ok(class.as_str().unwrap_or_default().to_owned())
}

pub async fn focus_goes_round_the_panel_and_never_leaves_it(world: &World) -> Result<()> {
    use fantoccini::key::Key;
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    widget.open().await?;
    widget.visible(".browse-section").await?;
    // The close button is the panel's first control: Shift+Tab from it goes to the last one.
    let close = widget.element(".close").await?;
    widget.client.execute("arguments[0].focus();", vec![serde_json::to_value(&close)?]).await?;
    close.send_keys(&format!("{}{}", char::from(Key::Shift), char::from(Key::Tab))).await?;
    let last = focused_class(&widget).await?;
    ensure!(last.contains("my-tickets"), "Shift+Tab from the first control went to {last:?}");
    // And Tab from the last one comes back to the first.
    widget.element("button.my-tickets").await?.send_keys(&char::from(Key::Tab).to_string()).await?;
    let first = focused_class(&widget).await?;
    ensure!(first == "close", "Tab from the last control went to {first:?}");
    browser.close().await
}

/// The screens' chunk does not arrive: the panel says so, in place of the screen, with a way to try again
/// and a way back, never a blank panel; once the network is back, trying again opens the screen.
pub async fn a_screen_whose_chunk_does_not_come_says_so_and_tries_again(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/chunks-offline", world.host.base_url)).await?;
    widget.open().await?;
    widget.visible("button.contact").await?.click().await?;
    let said = widget.text_of("[role=alert]", "did not load").await?;
    ensure!(said.contains("Check your connection and try again"), "{said}");
    ensure!(widget.root.find_all(fantoccini::Locator::Css("form")).await?.is_empty(), "a form without its chunk?");
    // Back to search works without the chunk.
    widget.visible(".screen .link").await?.click().await?;
    widget.visible("input[type=search]").await?;

    widget.visible("button.contact").await?.click().await?;
    widget.text_of("[role=alert]", "did not load").await?;
    call(&widget, "window.chunksOffline = false;").await?;
    widget.visible(".screen button.secondary").await?.click().await?;
    widget.visible("form #edgedesk-email").await?;
    browser.close().await
}

/// A screen whose chunk comes only after the customer moved on is not shown, nor fetched, nor counted as
/// read.
pub async fn a_chunk_that_comes_after_the_customer_moved_on_shows_nothing(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/chunks-offline", world.host.base_url)).await?;
    call(&widget, "window.chunksOffline = false; window.chunksHeld = true;").await?;
    widget.open().await?;
    widget.visible("input[type=search]").await?;
    call(&widget, "edgedesk('openArticle', 'download-invoices');").await?;
    widget.text_of(".notice", "Loading").await?;
    call(&widget, "edgedesk('search', 'invoice');").await?;
    widget.text_of(".hit-title", "Download invoices").await?;
    call(&widget, "window.releaseChunks();").await?;
    // The chunk is here once the form it brings shows.
    widget.visible("button.contact").await?.click().await?;
    widget.visible("form #edgedesk-email").await?;
    let fetched = widget.fetched_urls().await?;
    ensure!(
        !fetched.iter().any(|url| url.contains("/api/articles/download-invoices")),
        "the article left behind was fetched: {fetched:?}"
    );
    ensure!(widget.root.find_all(fantoccini::Locator::Css(".article-title")).await?.is_empty(), "an article shows");
    browser.close().await
}
