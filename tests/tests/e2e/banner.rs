//! The status banner on a product's page (another origin, product `e2e-banner`, status checked every
//! second): raised, updated, resolved and dismissed as a customer sees it; the contact form during an
//! incident; and a page whose worker is unreachable.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::eventually;
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::World;
use crate::widget::{WidgetPage, stored_ticket};

pub const PRODUCT: &str = "e2e-banner";
/// A poll (every second here), plus the few seconds an edge-cached answer may outlive a change.
const WITHIN_A_POLL: Duration = Duration::from_secs(12);

/// An operator at a terminal: `edgedesk status …` against the worker.
struct Operator<'a> {
    world: &'a World,
}

impl Operator<'_> {
    fn new(world: &World) -> Operator<'_> {
        Operator { world }
    }

    fn status(&self, args: &[&str]) -> Result<String> {
        let output = std::process::Command::new(edgedesk_e2e::repo_root().join("target/debug/edgedesk"))
            .arg("status")
            .args(args)
            .env("EDGEDESK_URL", &self.world.worker.base_url)
            .env("EDGEDESK_TOKEN", &self.world.admin_token)
            .output()?;
        ensure!(output.status.success(), "edgedesk status {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        Ok(String::from_utf8(output.stdout)?)
    }

    fn raise(&self, level: &str, title: &str) -> Result<String> {
        let raised = self.status(&[
            "raise",
            "--level",
            level,
            "--title",
            title,
            "--product",
            PRODUCT,
            "--body",
            "We are **on it**.",
        ])?;
        Ok(raised.split_whitespace().nth(1).context("an id")?.to_owned())
    }

    fn update(&self, id: &str, message: &str, level: Option<&str>) -> Result<()> {
        let mut args = vec!["update", id, "--message", message];
        args.extend(level.map(|level| ["--level", level]).into_iter().flatten());
        self.status(&args).map(|_| ())
    }

    fn resolve(&self, id: &str, message: &str) -> Result<()> {
        self.status(&["resolve", id, "--message", message]).map(|_| ())
    }

    fn delete(&self, id: &str) -> Result<()> {
        // Gone already is fine: this is cleanup.
        let _ = self.status(&["delete", id]);
        Ok(())
    }
}

impl WidgetPage {
    /// The text of the banner for notice `id`, once it says `expected`.
    async fn banner_says(&self, id: &str, expected: &str) -> Result<String> {
        let css = format!(".banner-stack .banner[data-notice='{id}']");
        eventually(&format!("the banner to say {expected:?}"), WITHIN_A_POLL, || async {
            let banner = self.root.find(Locator::Css(&css)).await?;
            let text = banner.text().await?;
            ensure!(text.contains(expected), "it says {text:?}");
            Ok(text)
        })
        .await
    }

    async fn banner_gone(&self, id: &str) -> Result<()> {
        let css = format!(".banner-stack .banner[data-notice='{id}']");
        eventually("the banner to go", WITHIN_A_POLL, || async {
            ensure!(self.root.find_all(Locator::Css(&css)).await?.is_empty(), "still shown");
            Ok(())
        })
        .await
    }
}

pub async fn banner_follows_an_incident_until_it_is_resolved_and_dismissed(world: &World) -> Result<()> {
    let operator = Operator::new(world);
    let id = operator.raise("red", "Reports do not load")?;
    let result = async {
        let (browser, page) = WidgetPage::visit(world, &world.status_host.base_url).await?;
        // The banner brings the widget in without any intent from the customer.
        let text = page.banner_says(&id, "Reports do not load").await?;
        ensure!(text.contains("Outage"), "the level is said in words, not colour alone: {text:?}");
        let stack = page.element(".banner-stack").await?;
        ensure!(stack.attr("role").await?.as_deref() == Some("status"), "screen readers must hear changes");
        let banner = page.element(&format!(".banner[data-notice='{id}']")).await?;
        ensure!(banner.attr("class").await?.unwrap_or_default().contains("banner-red"));
        ensure!(page.root.find_all(Locator::Css(".banner-dismiss")).await?.is_empty(), "an outage cannot be dismissed");
        let launcher = page.visible(".launcher").await?;
        ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("false"), "the panel stays closed");

        // The timeline opens on request.
        // Other tests raise banners on this product at the same time: the click must reach ours.
        page.element(&format!(".banner[data-notice='{id}'] .banner-more")).await?.click().await?;
        let details = page.visible(&format!(".banner[data-notice='{id}'] .banner-details")).await?.html(true).await?;
        ensure!(details.contains("<strong>on it</strong>"), "{details}");

        operator.update(&id, "A fix is rolling out.", Some("yellow"))?;
        let text = page.banner_says(&id, "A fix is rolling out.").await?;
        ensure!(text.contains("Degraded service"), "{text:?}");

        operator.resolve(&id, "Reports load again.")?;
        let text = page.banner_says(&id, "Reports load again.").await?;
        ensure!(text.contains("Resolved"), "{text:?}");

        // Resolved notices can be dismissed, and stay dismissed on the next page load.
        page.element(".banner-dismiss").await?.click().await?;
        page.banner_gone(&id).await?;
        browser.client.goto(&world.status_host.base_url).await?;
        let page = WidgetPage::find(&browser.client).await?;
        page.visible(".launcher").await?;
        // Wait until the loader has had the status answer, then check the widget stayed away.
        let status_asked = |urls: &Vec<String>| urls.iter().any(|url| url.contains("/api/status"));
        eventually("the status request", WITHIN_A_POLL, || async {
            ensure!(status_asked(&page.fetched_urls().await?), "not yet");
            Ok(())
        })
        .await?;
        let fetched = page.fetched_urls().await?;
        ensure!(
            !fetched.iter().any(|url| url.contains("edgedesk_widget")),
            "a dismissed banner loaded the widget: {fetched:?}"
        );

        // A new update brings it back.
        operator.update(&id, "Post-mortem published.", None)?;
        browser.client.goto(&world.status_host.base_url).await?;
        let page = WidgetPage::find(&browser.client).await?;
        page.banner_says(&id, "Post-mortem published.").await?;

        // Another product of the app (`setProduct`) has no such notice; back on this one, it returns.
        page.client.execute("edgedesk('setProduct', 'another-product');", vec![]).await?;
        page.banner_gone(&id).await?;
        page.client.execute(&format!("edgedesk('setProduct', '{PRODUCT}');"), vec![]).await?;
        page.banner_says(&id, "Post-mortem published.").await?;
        // In the customer's language (`setLocale`), the level's words too.
        page.client.execute("edgedesk('setLocale', 'ru');", vec![]).await?;
        page.banner_says(&id, "Решено").await?;
        browser.close().await
    }
    .await;
    operator.delete(&id)?;
    result
}

pub async fn tickets_filed_during_an_incident_are_linked_to_it(world: &World) -> Result<()> {
    let operator = Operator::new(world);
    let id = operator.raise("red", "Exports fail")?;
    let result = async {
        let (browser, page) = WidgetPage::visit(world, &world.status_host.base_url).await?;
        page.banner_says(&id, "Exports fail").await?;
        page.open().await?;
        page.text_of(".panel-status", "Exports fail").await?;
        page.element("button.contact").await?.click().await?;
        page.text_of(".known-issue", "Exports fail").await?;
        page.file_ticket("Mary Jackson", "mary@example.com", "Export broken", "My export fails since this morning.")
            .await?;
        let number = page.ticket_number().await?;
        let row = stored_ticket(world, &number)?;
        ensure!(row["incident_id"] == id.as_str(), "the ticket is not linked to {id}: {row}");

        // In frame mode the banner shows too: the frame is a strip exactly as tall as the banner.
        browser.client.goto(&format!("{}/frame", world.status_host.base_url)).await?;
        let host = WidgetPage::find(&browser.client).await?;
        let frame = host.element("iframe.frame").await?;
        frame.clone().enter_frame().await?;
        let framed = WidgetPage::find(&browser.client).await?;
        framed.banner_says(&id, "Exports fail").await?;
        let banner_height = browser.client.execute("return document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('.banner-stack').offsetHeight;", vec![]).await?;
        browser.client.enter_parent_frame().await?;
        eventually("the frame to be as tall as the banner", WITHIN_A_POLL, || async {
            let height = browser.client.execute(
                "return document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('iframe.frame').getBoundingClientRect().height;",
                vec![],
            ).await?;
            ensure!(height.as_f64() > Some(0.0) && height.as_f64() == banner_height.as_f64(), "frame {height}, banner {banner_height}");
            Ok(())
        })
        .await?;
        browser.close().await
    }
    .await;
    operator.delete(&id)?;
    result
}

pub async fn an_unreachable_worker_breaks_nothing_on_the_host_page(world: &World) -> Result<()> {
    let (browser, page) = WidgetPage::visit(world, &format!("{}/unreachable", world.status_host.base_url)).await?;
    page.visible(".launcher").await?;
    // The status request fails at once (nothing listens); give the loader a moment's worth of polling.
    eventually("the failed status request to settle", WITHIN_A_POLL, || async {
        let failed: Value = browser
            .client
            .execute(
                "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/status')).length;",
                vec![],
            )
            .await?;
        ensure!(failed.as_u64().unwrap_or(0) >= 1, "not yet");
        Ok(())
    })
    .await?;
    let errors = browser.client.execute("return window.pageErrors;", vec![]).await?;
    ensure!(errors == json!([]), "the host page saw errors: {errors}");
    let title = browser.client.find(Locator::Css("#host-title")).await?.text().await?;
    ensure!(title == "Host app", "{title}");
    ensure!(page.root.find_all(Locator::Css(".banner")).await?.is_empty());
    browser.close().await
}
