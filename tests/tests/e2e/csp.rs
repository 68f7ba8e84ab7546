//! Host pages with a strict Content-Security-Policy, one per mode, each allowing exactly what
//! docs/embedding.md says that mode needs: the widget works in both, and the page's CSP reports nothing.

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::{Page, eventually};
use serde_json::json;

use crate::World;
use crate::embed::heard;
use crate::widget::{WAIT, WidgetPage};

/// The host's own script (its `script-src 'self'` allows it): records CSP violations, errors and the
/// widget's events, and queues calls as the README's snippet does.
const RECORDER: &str = r#"
window.cspViolations = [];
window.pageErrors = [];
window.seen = [];
document.addEventListener("securitypolicyviolation", function (e) { cspViolations.push(e.violatedDirective + " " + e.blockedURI); });
addEventListener("error", function (e) { pageErrors.push(String(e.message || e)); });
addEventListener("unhandledrejection", function (e) { pageErrors.push(String(e.reason)); });
window.edgedesk = window.edgedesk || function () { (edgedesk.q = edgedesk.q || []).push(arguments); };
["open", "close", "search", "articleViewed", "ticketCreated"].forEach(function (name) {
  edgedesk("on", name, function (detail) { seen.push([name, detail]); });
});
"#;

/// The policy docs/embedding.md gives for the default mode.
pub fn default_policy(worker: &str) -> String {
    format!("default-src 'none'; script-src 'self' {worker} 'wasm-unsafe-eval'; connect-src {worker}; img-src {worker}")
}

/// The policy docs/embedding.md gives for frame mode: no connect-src, no wasm, no styles for us.
pub fn frame_policy(worker: &str) -> String {
    format!("default-src 'none'; script-src 'self' {worker}; frame-src {worker}")
}

fn strict_page(worker: &str, attributes: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strict host app</title>
<script src="/csp-recorder.js"></script></head>
<body><h1>Strict host app</h1>
<script src="{worker}/embed.js" async data-locale="en" {attributes}></script>
</body></html>"#
    )
}

/// The strict pages, on the allowed host origin.
pub fn pages(worker: &str) -> Vec<(&'static str, Page)> {
    vec![
        ("/csp-recorder.js", Page::script(RECORDER)),
        ("/csp-default", Page::with_policy(strict_page(worker, ""), default_policy(worker))),
        ("/csp-frame", Page::with_policy(strict_page(worker, r#"data-mode="frame""#), frame_policy(worker))),
    ]
}

async fn host_state(client: &fantoccini::Client) -> Result<(Vec<String>, Vec<String>)> {
    let found = client.execute("return [window.cspViolations, window.pageErrors];", vec![]).await?;
    Ok(serde_json::from_value(found)?)
}

/// The launcher is drawn as designed although the page allows no inline styles.
async fn launcher_is_styled(widget: &WidgetPage) -> Result<()> {
    let style = widget
        .client
        .execute(
            "var launcher = document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('.launcher');
             var style = getComputedStyle(launcher);
             return [style.position, style.width, launcher.getAttribute('aria-label')];",
            vec![],
        )
        .await?;
    ensure!(style == json!(["fixed", "56px", "Help and support"]), "the launcher is drawn as {style}");
    Ok(())
}

pub async fn a_strict_host_page_runs_the_widget_with_what_the_docs_allow(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &format!("{}/csp-default", world.host.base_url)).await?;
    launcher_is_styled(&widget).await?;
    widget.open().await?;
    let header = widget
        .client
        .execute(
            "return getComputedStyle(document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('.panel header')).position;",
            vec![],
        )
        .await?;
    ensure!(header == json!("sticky"), "the panel's own styles did not apply: header is {header}");
    widget.search("reset password").await?;
    widget.text_of(".hit-title", "Reset your password").await?;
    widget.element("button.contact").await?.click().await?;
    widget
        .file_ticket("Ada Lovelace", "ada@example.com", "Strict page", "Filed from a page with a strict CSP.")
        .await?;
    let number = widget.ticket_number().await?;
    ensure!(heard(&widget, "ticketCreated").await?["number"] == number.as_str());
    let (violations, errors) = host_state(&widget.client).await?;
    ensure!(violations.is_empty() && errors.is_empty(), "violations {violations:?}, errors {errors:?}");
    browser.close().await
}

pub async fn frame_mode_needs_only_script_src_and_frame_src(world: &World) -> Result<()> {
    // Only the allowed origins (and the worker's own pages) may embed the frame.
    let frame = reqwest::get(world.worker.url("/frame?origin=x")).await?;
    ensure!(frame.status() == 200, "GET /frame answered {}", frame.status());
    let policy = frame.headers().get("content-security-policy").context("the frame has no CSP")?.to_str()?.to_owned();
    let ancestors = policy.rsplit_once("frame-ancestors ").context("no frame-ancestors")?.1;
    ensure!(ancestors.split(' ').any(|origin| origin == world.host.base_url), "{policy}");
    ensure!(!ancestors.contains(&world.stranger_origin) && !ancestors.contains('*'), "{policy}");

    let (browser, host) = WidgetPage::visit(world, &format!("{}/csp-frame", world.host.base_url)).await?;
    launcher_is_styled(&host).await?;
    let frame_height = || async {
        let height = host
            .client
            .execute(
                "var frame = document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('iframe.frame');
                 return frame ? [frame.getBoundingClientRect().height, innerHeight] : null;",
                vec![],
            )
            .await?;
        Ok::<_, anyhow::Error>(serde_json::from_value::<Option<(f64, f64)>>(height)?)
    };
    // Closed and with no notice to show, the frame takes no room at all.
    eventually("the frame to be there, closed", WAIT, || async {
        ensure!(matches!(frame_height().await?, Some((height, _)) if height == 0.0), "{:?}", frame_height().await?);
        Ok(())
    })
    .await?;

    host.element(".launcher").await?.click().await?;
    eventually("the frame to cover the viewport while open", WAIT, || async {
        let size = frame_height().await?;
        ensure!(matches!(size, Some((height, viewport)) if height == viewport), "{size:?}");
        Ok(())
    })
    .await?;
    heard(&host, "open").await?;
    let expanded = host.element(".launcher").await?.attr("aria-expanded").await?;
    ensure!(expanded.as_deref() == Some("true"), "aria-expanded is {expanded:?}");

    // Inside the frame, the same widget as everywhere else.
    host.element("iframe.frame").await?.enter_frame().await?;
    let widget = WidgetPage::find(&host.client).await?;
    widget.visible("input[type=search]").await?;
    eventually("focus to be in the search box", WAIT, || async {
        let focused = widget
            .client
            .execute("return document.hasFocus() && document.querySelector('div[data-edgedesk]').shadowRoot.activeElement.id;", vec![])
            .await?;
        ensure!(focused == json!("edgedesk-search"), "focus is on {focused}");
        Ok(())
    })
    .await?;
    widget.search("reset password").await?;
    widget.text_of(".hit-title", "Reset your password").await?;
    widget.element("button.contact").await?.click().await?;
    widget.file_ticket("Grace Hopper", "grace@example.com", "Framed page", "Filed through the frame.").await?;
    let number = widget.ticket_number().await?;
    widget.element(".close").await?.click().await?;
    host.client.enter_parent_frame().await?;

    // Events crossed over with postMessage; closing shrank the frame and gave focus back to the launcher.
    ensure!(heard(&host, "ticketCreated").await?["number"] == number.as_str());
    heard(&host, "close").await?;
    eventually("the frame to shrink and the launcher to have focus", WAIT, || async {
        let size = frame_height().await?;
        ensure!(matches!(size, Some((height, _)) if height == 0.0), "{size:?}");
        let focused = host
            .client
            .execute(
                "var host = document.querySelector('div[data-edgedesk]');
                 return document.activeElement === host && host.shadowRoot.activeElement.className;",
                vec![],
            )
            .await?;
        ensure!(focused == json!("launcher"), "focus is on {focused}");
        Ok(())
    })
    .await?;
    let stored = world.worker.d1(&format!("SELECT subject FROM tickets WHERE number = '{number}'"))?;
    ensure!(stored.first().is_some_and(|row| row["subject"] == "Framed page"), "{stored:?}");

    // The host page's commands reach the framed widget too.
    host.client.execute("edgedesk('search', 'invoice');", vec![]).await?;
    host.element("iframe.frame").await?.enter_frame().await?;
    let widget = WidgetPage::find(&host.client).await?;
    widget.text_of(".hit-title", "invoice").await?;
    host.client.enter_parent_frame().await?;

    let (violations, errors) = host_state(&host.client).await?;
    ensure!(violations.is_empty() && errors.is_empty(), "violations {violations:?}, errors {errors:?}");
    browser.close().await
}
