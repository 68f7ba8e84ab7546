//! The widget as a customer uses it, in headless Chromium, on the demo page and on a host page from
//! another origin.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use edgedesk_e2e::{Browser, eventually};
use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::key::Key;
use serde_json::Value;

use crate::World;
use edgedesk_protocol::ticket::is_ticket_number;

// Long enough for a panel to open late in a full run on a loaded 2-core machine (a CI run once took more
// than 20 s); every wait polls, so passing tests are no slower.
pub const WAIT: Duration = Duration::from_secs(45);

/// A product page on another origin: records every script error and `console.error`, then embeds the
/// widget with the one script tag a product team copies from the README.
pub fn host_page(worker: &str) -> String {
    host_page_with(worker, &format!(r#"data-api="{worker}" data-locale="en""#))
}

/// The same page with the script tag's data attributes given.
pub fn host_page_with(worker: &str, attributes: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title>
<script>
  window.pageErrors = [];
  addEventListener("error", function (e) {{ pageErrors.push(String(e.message || e)); }});
  addEventListener("unhandledrejection", function (e) {{ pageErrors.push(String(e.reason)); }});
  var originalError = console.error;
  console.error = function () {{ pageErrors.push([].join.call(arguments, " ")); originalError.apply(console, arguments); }};
</script></head>
<body><h1 id="host-title">Host app</h1>
<script src="{worker}/embed.js" async {attributes}></script>
</body></html>"#
    )
}

/// The widget's shadow root, as a page object.
pub struct WidgetPage {
    pub client: Client,
    pub root: ShadowRoot,
}

impl WidgetPage {
    pub async fn find(client: &Client) -> Result<Self> {
        let root = eventually("the loader to attach its shadow root", WAIT, || async {
            Ok(client.find(Locator::Css("div[data-edgedesk]")).await?.shadow_root().await?)
        })
        .await?;
        Ok(Self { client: client.clone(), root })
    }

    pub async fn element(&self, css: &str) -> Result<Element> {
        eventually(&format!("`{css}` in the widget"), WAIT, || async { Ok(self.root.find(Locator::Css(css)).await?) })
            .await
    }

    pub async fn visible(&self, css: &str) -> Result<Element> {
        eventually(&format!("`{css}` to be visible"), WAIT, || async {
            let element = self.root.find(Locator::Css(css)).await?;
            ensure!(element.is_displayed().await?, "hidden");
            Ok(element)
        })
        .await
    }

    pub async fn text_of(&self, css: &str, expected: &str) -> Result<String> {
        eventually(&format!("`{css}` to contain {expected:?}"), WAIT, || async {
            let mut texts = Vec::new();
            for element in self.root.find_all(Locator::Css(css)).await? {
                texts.push(element.text().await?);
            }
            let joined = texts.join(" | ");
            ensure!(joined.contains(expected), "found {joined:?}");
            Ok(joined)
        })
        .await
    }

    /// Clicks the search result titled `title`. Results follow the query as it is typed, so the list on screen
    /// may still be a shorter query's, with another article first: the click goes to the result by its title,
    /// and is tried again if the list is replaced under it.
    pub async fn open_result(&self, title: &str) -> Result<()> {
        eventually(&format!("a result titled {title:?} to open"), WAIT, || async {
            for hit in self.root.find_all(Locator::Css(".hit")).await? {
                if hit.find(Locator::Css(".hit-title")).await?.text().await?.contains(title) {
                    hit.click().await?;
                    return Ok(());
                }
            }
            bail!("no result is titled {title:?}")
        })
        .await
    }

    /// Opens a new Chromium on `url` and finds the widget there, still closed.
    pub async fn visit(world: &World, url: &str) -> Result<(Browser, Self)> {
        let browser = world.chromedriver.new_browser().await?;
        browser.client.goto(url).await?;
        let widget = Self::find(&browser.client).await?;
        Ok((browser, widget))
    }

    pub async fn open(&self) -> Result<()> {
        self.element(".launcher").await?.click().await?;
        self.visible("input[type=search]").await?;
        Ok(())
    }

    pub async fn search(&self, query: &str) -> Result<()> {
        self.visible("input[type=search]").await?.send_keys(query).await?;
        Ok(())
    }

    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.visible(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    pub async fn file_ticket(&self, name: &str, email: &str, subject: &str, message: &str) -> Result<()> {
        self.fill("#edgedesk-name", name).await?;
        self.fill("#edgedesk-email", email).await?;
        self.fill("#edgedesk-subject", subject).await?;
        self.fill("#edgedesk-message", message).await?;
        // Suggestions for the message arrive above the send button and move it: a click aimed before they
        // land would hit whatever took the button's place.
        self.element(".suggestions-box[aria-busy=false]").await?;
        self.element("button[type=submit]").await?.click().await?;
        Ok(())
    }

    pub async fn ticket_number(&self) -> Result<String> {
        let number = self.text_of(".ticket-number", "ED-").await?;
        ensure!(is_ticket_number(&number), "{number:?} is not a ticket number");
        Ok(number)
    }

    /// Every URL the page has fetched so far.
    pub async fn fetched_urls(&self) -> Result<Vec<String>> {
        let urls = self
            .client
            .execute("return performance.getEntriesByType('resource').map(function (e) { return e.name; });", vec![])
            .await?;
        Ok(serde_json::from_value(urls)?)
    }
}

pub fn stored_ticket(world: &World, number: &str) -> Result<Value> {
    let rows = world.worker.d1(&format!("SELECT * FROM tickets WHERE number = '{number}'"))?;
    match rows.as_slice() {
        [row] => Ok(row.clone()),
        _ => bail!("expected exactly one D1 row for {number}, found {rows:?}"),
    }
}

pub async fn demo_page_loads_the_widget_only_after_the_page(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    let client = &browser.client;
    let launcher = widget.visible(".launcher").await?;
    ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("false"));

    // Without any intent the widget is downloaded once the browser is idle, and never before the page has
    // finished loading: it is off the host page's critical path.
    let timing = eventually("the widget to be warmed after the page loaded", WAIT, || async {
        let timing = client
            .execute(
                "var wasm = performance.getEntriesByType('resource').filter(function (e) { return /edgedesk_widget_bg\\.wasm$/.test(e.name); })[0];
                 var page = performance.getEntriesByType('navigation')[0];
                 return wasm ? [wasm.startTime, page.loadEventEnd] : null;",
                vec![],
            )
            .await?;
        let pair: Option<(f64, f64)> = serde_json::from_value(timing)?;
        pair.context("no wasm fetched yet")
    })
    .await?;
    ensure!(
        timing.1 > 0.0 && timing.0 >= timing.1,
        "the wasm started at {} ms, before the page's load ended at {} ms",
        timing.0,
        timing.1
    );
    let before = widget.fetched_urls().await?;
    ensure!(before.iter().any(|url| url.ends_with("/embed.js")), "the loader was not fetched: {before:?}");
    // Downloaded, but not started: compiling and mounting would cost the page main-thread time.
    ensure!(widget.root.find_all(Locator::Css(".panel")).await?.is_empty(), "the widget started without intent");

    // Idle loading fetched the first chunk only: the screens' chunk (articles, the form, My tickets), with
    // their styles and words, waits.
    let screens_files = ["/split_", "/screens.css", "/screen-words.json"];
    let lazy_chunks =
        |urls: Vec<String>| urls.into_iter().filter(|url| screens_files.iter().any(|file| url.contains(file))).count();
    ensure!(lazy_chunks(widget.fetched_urls().await?) == 0, "a lazy chunk was fetched without intent");

    widget.open().await?;
    ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("true"));
    // The panel and search need nothing more; the pointer on the button that opens the form fetches the
    // screens' chunk before the click.
    widget.visible("input[type=search]").await?;
    ensure!(lazy_chunks(widget.fetched_urls().await?) == 0, "opening the panel fetched a lazy chunk");
    let contact = widget.visible("button.contact").await?;
    client.execute("arguments[0].scrollIntoView({ block: 'center' });", vec![serde_json::to_value(&contact)?]).await?;
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: contact,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    client.perform_actions(hover).await?;
    eventually("the screens' chunk, styles and words to be fetched on hover", WAIT, || async {
        ensure!(lazy_chunks(widget.fetched_urls().await?) == 3, "not fetched");
        Ok(())
    })
    .await?;

    // Escape closes the panel and gives focus back to the launcher.
    widget.visible("input[type=search]").await?.send_keys(&char::from(Key::Escape).to_string()).await?;
    eventually("the panel to close", WAIT, || async {
        ensure!(!widget.root.find(Locator::Css("input[type=search]")).await?.is_displayed().await?, "still open");
        Ok(())
    })
    .await?;
    ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("false"));
    let focused = client.execute("return document.activeElement.shadowRoot.activeElement.className;", vec![]).await?;
    ensure!(focused == "launcher", "focus went to {focused} instead of the launcher");
    browser.close().await
}

/// The widget's files are named by their content and served `immutable`, so a returning customer's browser
/// starts the widget from its cache without a single request, not even a revalidation; the loader is
/// revalidated on each page load, so a new release is picked up.
pub async fn a_returning_customer_starts_the_widget_without_a_round_trip(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    widget.open().await?;
    let first_visit = widget.fetched_urls().await?;
    let glue = first_visit.iter().find(|url| url.ends_with("/edgedesk_widget.js")).context("no widget glue fetched")?;
    ensure!(
        !glue.ends_with("/widget/edgedesk_widget.js"),
        "the widget's files are not in a versioned directory: {glue}"
    );
    let cache_control = |url: String| async move {
        let answer = reqwest::get(&url).await?;
        ensure!(answer.status() == 200, "{url} answered {}", answer.status());
        let value = answer.headers().get("cache-control").map(|value| value.to_str().unwrap_or_default().to_owned());
        Ok::<_, anyhow::Error>(value.unwrap_or_default())
    };
    let widget_cache = cache_control(glue.clone()).await?;
    ensure!(
        widget_cache.contains("immutable") && widget_cache.contains("max-age=31536000"),
        "{glue} is served with Cache-Control {widget_cache:?}"
    );
    let loader_cache = cache_control(world.worker.url("/embed.js")).await?;
    ensure!(!loader_cache.contains("immutable"), "the loader must be revalidated, yet it is {loader_cache:?}");

    browser.client.goto(&world.worker.url("/?returning")).await?;
    let widget = WidgetPage::find(&browser.client).await?;
    widget.open().await?;
    let used = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')
                 .filter(function (e) { return e.name.indexOf('/widget/') >= 0; })
                 .map(function (e) { return [e.name, e.transferSize]; });",
            vec![],
        )
        .await?;
    let used: Vec<(String, u64)> = serde_json::from_value(used)?;
    ensure!(used.len() >= 3, "the glue, the chunks' loader and the wasm should all be used: {used:?}");
    ensure!(used.iter().all(|(_, bytes)| *bytes == 0), "widget files went over the network again: {used:?}");
    browser.close().await
}

pub async fn customer_searches_and_files_a_ticket(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    widget.open().await?;

    widget.search("reset passw").await?;
    let titles = widget.text_of(".hit-title", "Reset your password").await?;
    ensure!(titles.starts_with("Reset your password"), "best hit should come first: {titles}");

    widget.element("button.contact").await?.click().await?;
    let subject = widget.visible("#edgedesk-subject").await?.prop("value").await?;
    ensure!(subject.as_deref() == Some("reset passw"), "the search should prefill the subject, got {subject:?}");

    widget
        .file_ticket(
            "Grace Hopper",
            "grace@example.com",
            "Reset link expired",
            "The reset email arrives after the link expires.",
        )
        .await?;
    let number = widget.ticket_number().await?;

    let row = stored_ticket(world, &number)?;
    ensure!(row["name"] == "Grace Hopper" && row["email"] == "grace@example.com", "{row}");
    ensure!(row["subject"] == "Reset link expired" && row["locale"] == "en", "{row}");
    ensure!(row["page_url"].as_str().is_some_and(|url| url.starts_with(&world.worker.base_url)), "{row}");
    ensure!(row["user_agent"].as_str().is_some_and(|agent| agent.contains("Chrome")), "{row}");
    browser.close().await
}

pub async fn form_points_at_the_invalid_field(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    let client = &browser.client;
    widget.open().await?;
    widget.element("button.contact").await?.click().await?;
    let before = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();

    widget.file_ticket("Alan", "alan@", "Invoices", "Where is my March invoice?").await?;
    widget.text_of("#edgedesk-email-error", "email address").await?;
    let email = widget.element("#edgedesk-email").await?;
    ensure!(email.attr("aria-invalid").await?.as_deref() == Some("true"), "the email field is not marked invalid");
    let described_by = email.attr("aria-describedby").await?;
    ensure!(
        described_by.as_deref() == Some("edgedesk-email-error"),
        "the error is not tied to the field: {described_by:?}"
    );
    let focused = client.execute("return document.activeElement.shadowRoot.activeElement.id;", vec![]).await?;
    ensure!(focused == "edgedesk-email", "focus should move to the wrong field, it is on {focused}");
    let after = world.worker.d1("SELECT COUNT(*) AS n FROM tickets")?[0]["n"].clone();
    ensure!(before == after, "an invalid ticket was stored");

    // Fixing the field is enough; nothing else the customer typed is lost.
    widget.fill("#edgedesk-email", "alan@example.com").await?;
    let message = widget.element("#edgedesk-message").await?.prop("value").await?;
    ensure!(message.as_deref() == Some("Where is my March invoice?"), "the message was lost: {message:?}");
    widget.element("button[type=submit]").await?.click().await?;
    let number = widget.ticket_number().await?;
    ensure!(stored_ticket(world, &number)?["email"] == "alan@example.com");
    browser.close().await
}

pub async fn cross_origin_host_page_embeds_the_widget(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    let client = &browser.client;
    widget.open().await?;

    widget.search("invoice").await?;
    widget.text_of(".hit-title", "Download invoices and receipts").await?;
    widget.element("button.contact").await?.click().await?;
    widget
        .file_ticket(
            "Katherine Johnson",
            "katherine@example.com",
            "VAT number",
            "Please add our VAT number to invoice 1042.",
        )
        .await?;
    let number = widget.ticket_number().await?;
    let row = stored_ticket(world, &number)?;
    ensure!(row["page_url"].as_str().is_some_and(|url| url.starts_with(&world.host.base_url)), "{row}");

    let errors = client.execute("return window.pageErrors;", vec![]).await?;
    ensure!(errors == serde_json::json!([]), "the host page saw errors: {errors}");
    let title = client.find(Locator::Css("#host-title")).await?.text().await.context("host content")?;
    ensure!(title == "Host app", "the host page changed: {title:?}");
    browser.close().await
}

pub async fn customer_reads_an_article_follows_a_link_and_votes(world: &World) -> Result<()> {
    let demo = world.worker.url("/");
    let (browser, widget) = WidgetPage::visit(world, &demo).await?;
    widget.open().await?;
    widget.search("slack alerts").await?;
    widget.text_of(".hit-title", "Connect Slack").await?;
    // The first hit's text is the answer's passage above the list (its snippet there would repeat it).
    let passage = widget.element(".answer-passage").await?.html(true).await?;
    ensure!(passage.contains("<mark>"), "matched words are highlighted: {passage}");
    let first_snippets = widget.root.find_all(Locator::Css(".hit:first-child .hit-snippet")).await?.len();
    ensure!(first_snippets == 0, "the first result repeats the passage as its snippet");

    widget.open_result("Connect Slack").await?;
    widget.text_of(".article-title", "Connect Slack and get alerts in a channel").await?;
    // A link to another article opens it in the widget; the host page stays where it was.
    widget.element(".article a[href='#/articles/en/api-keys']").await?.click().await?;
    widget.text_of(".article-title", "Create and rotate API keys").await?;
    ensure!(browser.client.current_url().await?.as_str() == demo, "the host page navigated");

    widget.element("button.back").await?.click().await?;
    let query = widget.visible("input[type=search]").await?.prop("value").await?;
    ensure!(query.as_deref() == Some("slack alerts"), "the search was lost: {query:?}");
    widget.open_result("Connect Slack").await?;
    widget.element(".vote-yes").await?.click().await?;
    widget.text_of(".vote-thanks", "Thanks").await?;
    let votes = world.worker.d1(
        "SELECT value AS helpful, visit FROM events WHERE kind = 'feedback' AND subject = 'connect-slack' AND locale = 'en'",
    )?;
    ensure!(votes.len() == 1 && votes[0]["helpful"] == 1, "{votes:?}");
    // The search and the reading were recorded for the support lead, in one visit with the vote.
    let visit = votes[0]["visit"].as_str().context("the vote carries the tab's visit id")?.to_owned();
    let recorded = eventually("the search and the article views to be recorded", WAIT, || async {
        let events = world.worker.d1(&format!(
            "SELECT kind, subject, value FROM events WHERE visit = '{visit}' AND kind IN ('search', 'article_view') ORDER BY id"
        ))?;
        let has = |kind: &str, subject: &str| events.iter().any(|e| e["kind"] == kind && e["subject"] == subject);
        ensure!(has("search", "slack alerts") && has("article_view", "connect-slack") && has("article_view", "api-keys"), "{events:?}");
        Ok(events)
    })
    .await?;
    let search = recorded.iter().find(|e| e["kind"] == "search").context("a search event")?;
    ensure!(search["value"].as_u64() >= Some(1), "the search found articles: {search}");
    browser.close().await
}

pub async fn keyboard_chooses_a_result_and_empty_searches_are_reported(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    widget.open().await?;
    widget.search("invoice").await?;
    widget.text_of(".hit-title", "Download invoices").await?;
    let input = widget.visible("input[type=search]").await?;
    let key = |key: Key| char::from(key).to_string();
    input.send_keys(&key(Key::Down)).await?;
    input.send_keys(&key(Key::Down)).await?;
    input.send_keys(&key(Key::Up)).await?;
    ensure!(input.attr("aria-activedescendant").await?.as_deref() == Some("edgedesk-hit-0"));
    let first = widget.element("#edgedesk-hit-0").await?;
    ensure!(first.attr("aria-selected").await?.as_deref() == Some("true"), "the chosen hit is not marked");
    input.send_keys(&key(Key::Enter)).await?;
    widget.text_of(".article-title", "Download invoices and receipts").await?;

    widget.element("button.back").await?.click().await?;
    let input = widget.visible("input[type=search]").await?;
    input.clear().await?;
    let nonsense = "quantum teleportation xyzzy";
    input.send_keys(nonsense).await?;
    widget.text_of(".notice", "No articles match").await?;
    // Once the customer stops typing, the search that found nothing is counted for the editors.
    eventually("the empty search to be recorded", WAIT, || async {
        let rows = world.worker.d1(&format!(
            "SELECT COUNT(*) AS searches FROM events WHERE kind = 'search' AND value = 0 AND subject = '{nonsense}'"
        ))?;
        ensure!(rows.first().is_some_and(|row| row["searches"] == 1), "not yet: {rows:?}");
        Ok(())
    })
    .await?;
    browser.close().await
}

/// Issue 14: the passage that answers the question, from the best section of the top article, shows
/// above the results with the customer's words marked, and reading it in the article opens that section.
pub async fn the_passage_that_answers_shows_above_the_results(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.worker.url("/")).await?;
    widget.open().await?;
    widget.search("reset email never arrives").await?;
    widget.text_of(".answer-source", "Reset your password › The reset email does not arrive").await?;
    widget.text_of(".answer-passage", "Check your spam or junk folder").await?;
    let marked = widget.root.find_all(Locator::Css(".answer-passage mark")).await?.len();
    ensure!(marked > 0, "no word of the question is marked in the passage");
    widget.element(".answer button.link").await?.click().await?;
    widget.text_of(".article-title", "Reset your password").await?;
    let scrolled = eventually("the article to scroll to the section", WAIT, || async {
        let offset = crate::embed::call(
            &widget,
            "var root = document.querySelector('div[data-edgedesk]').shadowRoot;
             var heading = root.getElementById('the-reset-email-does-not-arrive');
             var panel = root.querySelector('.panel');
             return heading ? heading.getBoundingClientRect().top - panel.getBoundingClientRect().top : null;",
        )
        .await?;
        let offset = offset.as_f64().context("the section's heading")?;
        ensure!(offset.abs() < 200.0, "the heading is {offset} px from the panel's top");
        Ok(offset)
    })
    .await?;
    println!("best answer: the section's heading {scrolled:.0} px from the panel's top after opening");
    browser.close().await
}
