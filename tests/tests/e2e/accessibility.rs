//! Every state a customer can see, checked by axe-core (npm, injected into Chromium) against WCAG 2.2 A
//! and AA: zero violations.

use anyhow::{Context, Result, bail, ensure};
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;
use crate::widget::WidgetPage;

/// WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the issue promises.
const WCAG_TAGS: [&str; 6] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

pub fn axe_source() -> Result<String> {
    let path = edgedesk_e2e::repo_root().join("node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).with_context(|| format!("{} is missing: run `make setup`", path.display()))
}

/// Runs axe on the widget's element (its shadow root included) and fails listing every violation.
pub async fn audit(widget: &WidgetPage, axe: &str, state: &str) -> Result<()> {
    let loaded = widget.client.execute("return typeof window.axe === 'object';", vec![]).await?;
    if loaded != json!(true) {
        widget.client.execute(&format!("{axe}\nreturn true;"), vec![]).await?;
    }
    let result = widget
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run({ include: [['div[data-edgedesk]']] }, { runOnly: { type: 'tag', values: arguments[0] } })
               .then(function (r) { done({
                 violations: r.violations.map(function (v) {
                   return { id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.map(function (n) { return [n.target.join(' '), n.failureSummary]; }) };
                 }),
                 // Checks that passed on nodes inside the shadow root (targets with a host, then a path).
                 passed_inside: r.passes.reduce(function (count, p) {
                   return count + p.nodes.filter(function (n) { return Array.isArray(n.target[0]); }).length;
                 }, 0)
               }); }, function (e) { done({ error: String(e) }); });",
            vec![json!(WCAG_TAGS)],
        )
        .await?;
    if let Some(error) = result.get("error") {
        bail!("axe could not run in state {state}: {error}");
    }
    let violations = result["violations"].as_array().with_context(|| format!("axe answered {result}"))?;
    ensure!(
        violations.is_empty(),
        "axe found violations in state {state}:\n{}",
        serde_json::to_string_pretty(&result["violations"])?
    );
    // An audit that saw nothing proves nothing: axe must have checked the widget's own elements.
    let checked = result["passed_inside"].as_u64().unwrap_or(0);
    ensure!(checked > 0, "axe checked nothing inside the widget's shadow root in state {state}");
    println!("axe, {state}: 0 violations, {checked} checks passed inside the widget");
    snapshot(widget, state).await
}

/// Saves what the customer sees in `state` to `target/screenshots/<theme>-<state>.png`, for the docs
/// (`docs/screenshots/`): the panel when it is open, else the banner, else the launcher.
async fn snapshot(widget: &WidgetPage, state: &str) -> Result<()> {
    let mut shown = None;
    for css in [".panel", ".banner-stack", ".launcher"] {
        if let Ok(element) = widget.root.find(fantoccini::Locator::Css(css)).await
            && element.is_displayed().await?
        {
            shown = Some(element);
            break;
        }
    }
    let element = shown.context("nothing of the widget is shown")?;
    let slug: String =
        state.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()).collect::<Vec<_>>().join("-");
    let name = if slug.starts_with("dark") { slug } else { format!("light-{slug}") };
    let directory = edgedesk_e2e::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&directory)?;
    std::fs::write(directory.join(format!("{name}.png")), element.screenshot().await?)?;
    Ok(())
}

pub async fn no_axe_violations_in_any_state(world: &World) -> Result<()> {
    let axe = axe_source()?;
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    widget.visible(".launcher").await?;
    audit(&widget, &axe, "closed").await?;

    widget.open().await?;
    widget.visible(".browse-section").await?;
    audit(&widget, &axe, "open, nothing searched").await?;

    widget.search("invoice").await?;
    widget.text_of(".hit-title", "Download invoices").await?;
    audit(&widget, &axe, "results").await?;

    widget.fill("input[type=search]", "zzqxjv").await?;
    widget.text_of(".notice", "No articles match").await?;
    audit(&widget, &axe, "no results").await?;

    widget.fill("input[type=search]", "invoice").await?;
    widget.open_result("Download invoices").await?;
    widget.text_of(".article-title", "Download invoices and receipts").await?;
    audit(&widget, &axe, "article").await?;

    widget.element("button.back").await?.click().await?;
    widget.element("button.contact").await?.click().await?;
    widget.visible("#edgedesk-name").await?;
    widget.element("button[type=submit]").await?.click().await?;
    widget.visible(".field-error").await?;
    audit(&widget, &axe, "form with errors").await?;

    widget
        .file_ticket("Ada Lovelace", "ada@example.com", "Invoice address", "Please change the address on invoices.")
        .await?;
    widget.ticket_number().await?;
    audit(&widget, &axe, "ticket sent").await?;

    widget.element(".sent .my-tickets").await?.click().await?;
    widget.visible(".my-ticket").await?;
    audit(&widget, &axe, "my tickets").await?;
    browser.close().await?;

    // A red incident's banner, on the banner tests' product; removed afterwards.
    let client = Client::new();
    let raised: Value = client
        .post(world.worker.url("/api/admin/notices"))
        .bearer_auth(&world.admin_token)
        .json(&json!({ "level": "red", "title": "Reports do not load", "body": "We are **on it**.", "products": [crate::banner::PRODUCT] }))
        .send()
        .await?
        .json()
        .await?;
    let id = raised["id"].as_str().context("no notice id")?.to_owned();
    // The banner tests raise notices on the same product at the same time: every selector names ours, or a
    // banner that appears above it takes the click.
    let ours = format!(".banner[data-notice='{id}']");
    let banner = async {
        let (browser, widget) = WidgetPage::visit(world, &world.status_host.base_url).await?;
        widget.visible(&ours).await?;
        audit(&widget, &axe, "banner").await?;
        widget.element(&format!("{ours} .banner-more")).await?.click().await?;
        widget.visible(&format!("{ours} .banner-details")).await?;
        audit(&widget, &axe, "banner with details").await?;
        browser.client.goto(&format!("{}/dark", world.status_host.base_url)).await?;
        let widget = WidgetPage::find(&browser.client).await?;
        widget.visible(&ours).await?;
        audit(&widget, &axe, "dark, banner").await?;
        widget.element(&format!("{ours} .banner-more")).await?.click().await?;
        widget.visible(&format!("{ours} .banner-details")).await?;
        audit(&widget, &axe, "dark, banner with details").await?;
        browser.close().await
    }
    .await;
    client.delete(world.worker.url(&format!("/api/admin/notices/{id}"))).bearer_auth(&world.admin_token).send().await?;
    banner
}
