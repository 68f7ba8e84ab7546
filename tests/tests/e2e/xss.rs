//! The XSS battery: known payloads in everything customers, editors, operators and the host page write —
//! an article (raw HTML, links, front matter), a status notice and its updates, ticket fields, search
//! queries and identify() data — rendered in Chromium, where a page-level hook records any payload that
//! runs. None may.

use anyhow::{Context, Result, ensure};
use edgedesk_e2e::{HostSite, Wrangler, copy_tree, eventually, free_port, repo_root};
use reqwest::Client;
use serde_json::{Value, json};

use crate::World;
use crate::widget::{WAIT, WidgetPage};

/// Payloads that call `fired(label)` when they run: tags, attributes, URLs, markup breaking out of
/// attributes and templates, and SVG.
fn payloads(label: &str) -> Vec<String> {
    [
        "<script>fired('{}-script')</script>",
        "<img src=x onerror=\"fired('{}-img')\">",
        "\"><img src=x onerror=fired('{}-attr')>",
        "<svg onload=fired('{}-svg')></svg>",
        "<iframe srcdoc=\"<script>parent.fired('{}-srcdoc')</script>\"></iframe>",
        "<a href=\"javascript:fired('{}-href')\">link</a>",
        "<details open ontoggle=fired('{}-toggle')>x</details>",
        "javascript:fired('{}-url')",
        "{{constructor.constructor('fired(\\'{}-template\\')')()}}",
    ]
    .iter()
    .map(|payload| payload.replace("{}", label))
    .collect()
}

/// The host page: the hook every payload calls, and the widget from the worker under test.
fn host_page(worker: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>XSS battery</title>
<script>
  window.ran = [];
  window.fired = function (label) {{ ran.push(String(label)); }};
  window.alert = window.confirm = window.prompt = function (text) {{ ran.push("dialog:" + text); }};
</script></head>
<body><h1>Host app</h1>
<script src="{worker}/embed.js" async data-locale="en" data-load="intent"></script>
</body></html>"#
    )
}

/// A help center with one article written by an attacker with commit access to the Markdown.
fn hostile_help_center(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    let content = dir.join("content");
    std::fs::create_dir_all(content.join("en/security"))?;
    let body = payloads("article").join("\n\n");
    let links = payloads("link").iter().map(|payload| format!("[click]({payload})")).collect::<Vec<_>>().join(" ");
    std::fs::write(
        content.join("en/security/hostile.md"),
        format!(
            "---\ntitle: \"Hostile <img src=x onerror=fired('title')> article\"\nsummary: \"<script>fired('summary')</script>\"\n---\n\n\
             Hostile payloads follow.\n\n## Heading <img src=x onerror=fired('heading')>\n\n{body}\n\n{links}\n\n\
             <a href=\"javascript:fired('raw-link')\">raw link</a> and <a href=\"data:text/html,<script>fired('data')</script>\">data link</a>\n"
        ),
    )?;
    let assets = dir.join("assets");
    let dist = repo_root().join("dist");
    std::fs::create_dir_all(&assets)?;
    for file in ["embed.js", "frame.js", "index.html", "_headers"] {
        std::fs::copy(dist.join(file), assets.join(file))?;
    }
    // The widget's files, in their versioned directory.
    copy_tree(&dist.join("widget"), &assets.join("widget"), &|_| false)?;
    let built = std::process::Command::new(repo_root().join("target/debug/edgedesk"))
        .arg("build")
        .arg(&content)
        .arg(assets.join("kb"))
        .output()?;
    ensure!(built.status.success(), "edgedesk build: {}", String::from_utf8_lossy(&built.stderr));
    Ok(assets)
}

async fn ran(widget: &WidgetPage) -> Result<Vec<String>> {
    Ok(serde_json::from_value(widget.client.execute("return window.ran;", vec![]).await?)?)
}

pub async fn no_payload_ever_runs_as_script(world: &World) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let assets = hostile_help_center(dir.path())?;
    let admin_token = format!("xss-admin-token-{}", free_port()?);
    let identity_secret = format!("xss-identity-secret-{}", free_port()?);
    let worker = Wrangler::start_serving(
        Some(&assets),
        &[("ALLOWED_ORIGINS", "*"), ("ADMIN_TOKEN", &admin_token), ("IDENTITY_SECRET", &identity_secret)],
    )
    .await?;
    let host = HostSite::serve(free_port()?, host_page(&worker.base_url)).await?;

    // An operator's notice, its Markdown body and an update, all hostile.
    let client = Client::new();
    let notice: Value = client
        .post(worker.url("/api/admin/notices"))
        .bearer_auth(&admin_token)
        .json(
            &json!({ "level": "red", "title": payloads("notice-title")[1], "body": payloads("notice-body").join("\n\n"),
                       "link": "https://status.example.com/" }),
        )
        .send()
        .await?
        .json()
        .await?;
    let id = notice["id"].as_str().with_context(|| format!("no notice raised: {notice}"))?;
    let updated = client
        .post(worker.url(&format!("/api/admin/notices/{id}/updates")))
        .bearer_auth(&admin_token)
        .json(&json!({ "text": payloads("update").join(" ") }))
        .send()
        .await?;
    ensure!(updated.status() == 201, "the update was refused: {}", updated.status());

    let (browser, widget) = WidgetPage::visit(world, &host.base_url).await?;
    widget.visible(".banner").await?;
    widget.element(".banner-more").await?.click().await?;
    widget.visible(".banner-details").await?;

    // The host page says who the customer is, with hostile attributes (signed: the product's backend
    // passed on what the customer typed as their name).
    let identity = crate::tickets::signed_identity(
        &identity_secret,
        json!({ "name": payloads("identify")[2], "email": "mallory@example.com", "id": payloads("identify-id")[0] }),
    );
    widget.client.execute("edgedesk.identify(arguments[0]);", vec![identity]).await?;

    // Search queries: typed, and through the API.
    widget.open().await?;
    for query in payloads("query") {
        widget.search(&query).await?;
    }
    widget.client.execute("edgedesk('search', arguments[0]);", vec![json!(payloads("api-search")[1])]).await?;

    // The hostile article: found, read, every link clicked.
    widget.search("hostile payloads").await?;
    widget.open_result("Hostile").await?;
    widget.text_of(".article-title", "Hostile").await?;
    let links = widget.root.find_all(fantoccini::Locator::Css(".article a")).await?;
    ensure!(!links.is_empty(), "the article kept no links at all");
    for link in links {
        let _ = link.click().await;
    }
    // Links to other sites open in a new tab: come back to the host page whatever opened.
    let windows = browser.client.windows().await?;
    if let Some(first) = windows.first() {
        browser.client.switch_to_window(first.clone()).await?;
    }

    // A ticket whose every field is hostile, then its number, "My tickets" and its card.
    // The links scrolled the article under the sticky header: back by script, as a keyboard would.
    let back = widget.element("button.back").await?;
    widget.client.execute("arguments[0].click();", vec![serde_json::to_value(&back)?]).await?;
    widget.element("button.contact").await?.click().await?;
    widget.visible("#edgedesk-name").await?;
    widget
        .file_ticket(
            &payloads("name")[1],
            "mallory@example.com",
            &payloads("subject")[2],
            &payloads("message").join("\n"),
        )
        .await?;
    widget.ticket_number().await?;
    widget.element(".sent .my-tickets").await?.click().await?;
    widget.visible(".my-ticket").await?;
    let card = widget.text_of(".my-ticket", "subject-attr").await?;
    ensure!(card.contains("<img"), "the subject should be shown as the text it is: {card}");

    // A control: the host page itself adds an image that fails to load, whose handler does run. Once it
    // has, every failing image the widget drew before it has had its chance too.
    widget
        .client
        .execute(
            "document.body.insertAdjacentHTML('beforeend', '<img src=/missing.png onerror=\"fired(\\'control\\')\">');",
            vec![],
        )
        .await?;
    let fired = eventually("the control payload to run", WAIT, || async {
        let fired = ran(&widget).await?;
        ensure!(fired.iter().any(|label| label == "control"), "not yet: {fired:?}");
        Ok(fired)
    })
    .await?;
    ensure!(fired == ["control"], "payloads ran as script: {fired:?}");
    browser.close().await
}
