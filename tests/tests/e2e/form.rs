//! The contact form as a customer uses it, on a host page from another origin: topics, urgency, what
//! they tried, screenshots, drafts that survive a reload, suggested articles, who they are, and
//! "My tickets".
//!
//! Tests to register in main.rs (`mod form;`):
//!   form::customer_files_a_ticket_with_topic_urgency_steps_and_a_screenshot,
//!   form::a_text_file_named_like_a_png_is_refused_with_the_reason,
//!   form::a_draft_survives_a_page_reload,
//!   form::my_tickets_shows_the_ticket_and_rates_the_answer,
//!   form::a_suggested_article_read_instead_of_writing_counts_as_a_deflection,
//!   form::tickets_carry_who_wrote_them_and_what_they_read,

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use edgedesk_e2e::eventually;
use fantoccini::Locator;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::widget::{WidgetPage, stored_ticket};
use crate::{World, tickets};

const WAIT: Duration = Duration::from_secs(20);

/// A real 1×1 PNG: signature, IHDR, IDAT and IEND with their CRCs.
pub(crate) const PNG: [u8; 68] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0b, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Files on disk for the browser to pick, deleted with the test.
struct Files {
    directory: TempDir,
}

impl Files {
    fn new() -> Result<Self> {
        Ok(Self { directory: tempfile::Builder::new().prefix("edgedesk-upload-").tempdir()? })
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.directory.path().join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}

/// Opens the widget on the cross-origin host page and goes to the contact form.
async fn contact_form(world: &World) -> Result<(edgedesk_e2e::Browser, WidgetPage)> {
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    widget.open().await?;
    widget.element("button.contact").await?.click().await?;
    widget.visible("#edgedesk-name").await?;
    Ok((browser, widget))
}

/// Chooses a file in the attachment picker, as a customer's file dialog would.
async fn attach(widget: &WidgetPage, path: &Path) -> Result<()> {
    let picker = widget.element("#edgedesk-attachments").await?;
    picker.send_keys(&path.display().to_string()).await?;
    Ok(())
}

/// Waits until the file named `name` is uploaded and listed, and returns its attachment id.
async fn uploaded_id(widget: &WidgetPage, name: &str) -> Result<String> {
    eventually(&format!("{name} to be uploaded"), WAIT, || async {
        let mut listed = Vec::new();
        for item in widget.root.find_all(Locator::Css(".attachment")).await? {
            let item_name = item.find(Locator::Css(".attachment-name")).await?.text().await?;
            let id = item.attr("data-attachment-id").await?;
            if item_name == name
                && let Some(id) = id.clone()
            {
                ensure!(item.find(Locator::Css(".attachment-remove")).await.is_ok(), "no remove button for {name}");
                return Ok(id);
            }
            listed.push((item_name, id));
        }
        bail!("listed so far: {listed:?}")
    })
    .await
}

async fn value_of(widget: &WidgetPage, css: &str) -> Result<String> {
    Ok(widget.element(css).await?.prop("value").await?.unwrap_or_default())
}

async fn local_storage(widget: &WidgetPage, key: &str) -> Result<Value> {
    Ok(widget.client.execute("return localStorage.getItem(arguments[0]);", vec![json!(key)]).await?)
}

pub async fn customer_files_a_ticket_with_topic_urgency_steps_and_a_screenshot(world: &World) -> Result<()> {
    let files = Files::new()?;
    let screenshot = files.write("screenshot.png", &PNG)?;
    let (browser, widget) = contact_form(world).await?;

    // The honeypot is there for robots and out of every person's way.
    let honeypot = widget.element("#edgedesk-website").await?;
    ensure!(honeypot.attr("tabindex").await?.as_deref() == Some("-1"), "the honeypot is in the tab order");
    ensure!(honeypot.attr("autocomplete").await?.as_deref() == Some("off"), "browsers may autofill the honeypot");
    ensure!(honeypot.attr("aria-hidden").await?.as_deref() == Some("true"), "screen readers announce the honeypot");
    let honeypot_bottom = browser
        .client
        .execute(
            "return document.querySelector('div[data-edgedesk]').shadowRoot.querySelector('#edgedesk-website')\
             .getBoundingClientRect().bottom;",
            vec![],
        )
        .await?;
    ensure!(
        honeypot_bottom.as_f64().is_some_and(|bottom| bottom < 0.0),
        "the honeypot is on screen: {honeypot_bottom}"
    );

    // The site's topics and the urgency come from its configuration, urgency "normal" unless changed.
    let topic = widget.visible("#edgedesk-topic").await?;
    topic.select_by_value("problem").await?;
    let urgency = widget.visible("#edgedesk-urgency").await?;
    ensure!(value_of(&widget, "#edgedesk-urgency").await? == "normal", "urgency should default to normal");
    urgency.select_by_value("high").await?;

    let email = "mary@example.com";
    let steps = "Reloaded the page and cleared the browser cache.";
    widget.fill("#edgedesk-name", "Mary Somerville").await?;
    widget.fill("#edgedesk-email", email).await?;
    widget.fill("#edgedesk-subject", "Weekly report is blank").await?;
    widget.fill("#edgedesk-message", "The weekly report shows no rows since this morning.").await?;
    widget.fill("#edgedesk-steps_tried", steps).await?;
    attach(&widget, &screenshot).await?;
    let attachment_id = uploaded_id(&widget, "screenshot.png").await?;
    // The articles suggested for what was written appear above the Send button and move it down; click
    // it once they are there, as a person who sees the button where it is.
    widget.visible(".suggestions li").await?;

    widget.element("button[type=submit]").await?.click().await?;
    let number = widget.ticket_number().await?;
    let acknowledgement = widget.text_of(".sent-message", &format!("reply to {email} by ")).await?;
    ensure!(acknowledgement.contains(&number), "the acknowledgement should quote the number: {acknowledgement}");

    let row = stored_ticket(world, &number)?;
    ensure!(row["topic"] == "problem" && row["urgency"] == "high", "{row}");
    ensure!(row["steps_tried"] == steps, "{row}");
    let attachments =
        world.worker.d1(&format!("SELECT ticket_number, name FROM attachments WHERE id = '{attachment_id}'"))?;
    ensure!(
        attachments.len() == 1 && attachments[0]["ticket_number"] == number.as_str(),
        "the screenshot is not linked to {number}: {attachments:?}"
    );
    ensure!(local_storage(&widget, "edgedesk-draft").await?.is_null(), "the draft outlived the ticket");

    let errors = browser.client.execute("return window.pageErrors;", vec![]).await?;
    ensure!(errors == json!([]), "the host page saw errors: {errors}");
    browser.close().await
}

pub async fn a_text_file_named_like_a_png_is_refused_with_the_reason(world: &World) -> Result<()> {
    let files = Files::new()?;
    let fake = files.write("shot.png", b"This is a text file, whatever its name says.\n")?;
    let (browser, widget) = contact_form(world).await?;
    widget.fill("#edgedesk-subject", "Chart colours").await?;

    attach(&widget, &fake).await?;
    // The worker looks at the bytes and says why; the widget shows it by the picker.
    widget.text_of("#edgedesk-attachments-error", "shot.png").await?;
    let picker = widget.element("#edgedesk-attachments").await?;
    ensure!(picker.attr("aria-invalid").await?.as_deref() == Some("true"), "the picker is not marked invalid");
    let described_by = picker.attr("aria-describedby").await?.unwrap_or_default();
    ensure!(described_by.contains("edgedesk-attachments-error"), "the error is not tied to the picker: {described_by}");
    ensure!(widget.root.find_all(Locator::Css(".attachment")).await?.is_empty(), "the refused file is listed");
    ensure!(value_of(&widget, "#edgedesk-subject").await? == "Chart colours", "the rest of the form was lost");
    let stored = world.worker.d1("SELECT COUNT(*) AS n FROM attachments WHERE name = 'shot.png'")?;
    ensure!(stored[0]["n"] == 0, "the refused file was stored: {stored:?}");
    browser.close().await
}

pub async fn a_draft_survives_a_page_reload(world: &World) -> Result<()> {
    let files = Files::new()?;
    let screenshot = files.write("export-error.png", &PNG)?;
    let (browser, widget) = contact_form(world).await?;
    widget.visible("#edgedesk-urgency").await?.select_by_value("critical").await?;
    widget.fill("#edgedesk-name", "Edsger Dijkstra").await?;
    widget.fill("#edgedesk-email", "edsger@example.com").await?;
    widget.fill("#edgedesk-subject", "CSV export fails").await?;
    widget.fill("#edgedesk-message", "Exports of more than 10,000 rows stop halfway.").await?;
    widget.fill("#edgedesk-steps_tried", "Tried a smaller date range.").await?;
    attach(&widget, &screenshot).await?;
    let attachment_id = uploaded_id(&widget, "export-error.png").await?;

    browser.client.refresh().await?;
    let widget = WidgetPage::find(&browser.client).await?;
    widget.open().await?;
    widget.element("button.contact").await?.click().await?;
    let restored = [
        ("#edgedesk-name", "Edsger Dijkstra"),
        ("#edgedesk-email", "edsger@example.com"),
        ("#edgedesk-subject", "CSV export fails"),
        ("#edgedesk-message", "Exports of more than 10,000 rows stop halfway."),
        ("#edgedesk-steps_tried", "Tried a smaller date range."),
        ("#edgedesk-urgency", "critical"),
    ];
    for (css, expected) in restored {
        eventually(&format!("{css} to be restored"), WAIT, || async {
            let value = value_of(&widget, css).await?;
            ensure!(value == expected, "{css} is {value:?}");
            Ok(())
        })
        .await?;
    }
    ensure!(uploaded_id(&widget, "export-error.png").await? == attachment_id, "the attachment changed");

    // What was restored is what is sent.
    widget.element("button[type=submit]").await?.click().await?;
    let number = widget.ticket_number().await?;
    let row = stored_ticket(world, &number)?;
    ensure!(row["urgency"] == "critical" && row["subject"] == "CSV export fails", "{row}");
    let attachments =
        world.worker.d1(&format!("SELECT ticket_number FROM attachments WHERE id = '{attachment_id}'"))?;
    ensure!(attachments.first().is_some_and(|a| a["ticket_number"] == number.as_str()), "{attachments:?}");
    browser.close().await
}

pub async fn my_tickets_shows_the_ticket_and_rates_the_answer(world: &World) -> Result<()> {
    let (browser, widget) = contact_form(world).await?;
    let email = "barbara@example.com";
    widget.file_ticket("Barbara Liskov", email, "Seats", "How do I add two more seats to our plan?").await?;
    let number = widget.ticket_number().await?;

    // The confirmation shows the access code (the view token) that follows the ticket from anywhere.
    let code = widget.element(".sent .access-code").await?.text().await?;
    ensure!(edgedesk_protocol::ticket::normalize_view_token(&code).as_ref() == Some(&code), "access code {code:?}");
    widget.element(".sent .my-tickets").await?.click().await?;
    let card = format!(".my-tickets .my-ticket[data-number='{number}']");
    widget.text_of(&format!("{card} .my-ticket-subject"), "Seats").await?;
    eventually("the ticket's status in words", WAIT, || async {
        let status = widget.element(&format!("{card} .ticket-status")).await?.text().await?;
        ensure!(["Received", "With the support team"].contains(&status.as_str()), "status reads {status:?}");
        Ok(())
    })
    .await?;
    let remembered = widget.client.execute("return localStorage.getItem('edgedesk-tickets') || '';", vec![]).await?;
    let remembered = remembered.as_str().unwrap_or_default().to_owned();
    ensure!(!remembered.contains(email), "the browser kept the email: {remembered}");

    let solution = "Settings → Billing → Seats; we added them for you this time.";
    let solved = json!({ "status": "solved", "message": solution });
    let reported = tickets::report(world, &number, &world.events_secret, &solved).await?;
    ensure!(reported.status == 204, "the progress report got {}: {}", reported.status, reported.body);

    // Found by number and access code, from any browser; the email, or another code, finds nothing.
    widget.fill("#edgedesk-lookup-number", &number.to_lowercase()).await?;
    for wrong in [email, "0000-0000-0000-0000"] {
        widget.fill("#edgedesk-lookup-code", wrong).await?;
        widget.element(".lookup button[type=submit]").await?.click().await?;
        widget.text_of(".lookup-result", "No ticket with this number and access code").await?;
    }

    widget.fill("#edgedesk-lookup-code", &code.to_lowercase()).await?;
    widget.element(".lookup button[type=submit]").await?.click().await?;
    widget.text_of(".lookup-result .ticket-status", "Solved").await?;
    widget.element(".lookup-result .open-conversation").await?.click().await?;
    widget.text_of(".conversation-screen .ticket-events", solution).await?;
    widget.element(".conversation-screen .rate-good").await?.click().await?;
    widget.text_of(".conversation-screen .rating-thanks", "Thanks").await?;
    ensure!(stored_ticket(world, &number)?["rating"] == "good", "the rating was not stored");
    browser.close().await
}

async fn deflections(world: &World, slug: &str) -> Result<u64> {
    let rows = world.worker.d1(&format!(
        "SELECT COUNT(*) AS count FROM events WHERE kind = 'deflection' AND locale = 'en' AND subject = '{slug}'"
    ))?;
    Ok(rows.first().and_then(|row| row["count"].as_u64()).unwrap_or(0))
}

async fn open_suggestion(widget: &WidgetPage, title: &str) -> Result<()> {
    let suggestion = eventually(&format!("a suggestion titled {title:?}"), WAIT, || async {
        for suggestion in widget.root.find_all(Locator::Css(".suggestion")).await? {
            if suggestion.text().await? == title {
                return Ok(suggestion);
            }
        }
        bail!("not suggested yet")
    })
    .await?;
    suggestion.click().await?;
    widget.text_of(".article-title", title).await?;
    Ok(())
}

pub async fn a_suggested_article_read_instead_of_writing_counts_as_a_deflection(world: &World) -> Result<()> {
    let before = deflections(world, "reset-password").await?;
    let (browser, widget) = contact_form(world).await?;
    widget.fill("#edgedesk-subject", "Password reset email").await?;
    widget.fill("#edgedesk-message", "I forgot my password and the reset email never arrives.").await?;
    widget.text_of(".suggestions-title", "These articles may answer it").await?;
    open_suggestion(&widget, "Reset your password").await?;

    // The article opened at the section that matched; the customer scrolls up to "Back" and returns to
    // the form, where nothing is lost.
    let back = widget.element("button.back").await?;
    widget
        .client
        .execute("arguments[0].scrollIntoView({ block: 'center' });", vec![serde_json::to_value(&back)?])
        .await?;
    back.click().await?;
    ensure!(value_of(&widget, "#edgedesk-subject").await? == "Password reset email", "the subject was lost");

    // Closing the panel without sending: the article answered.
    widget.element(".close").await?.click().await?;
    eventually("the deflection to be counted", WAIT, || async {
        let now = deflections(world, "reset-password").await?;
        ensure!(now == before + 1, "{now} deflections, {before} before");
        Ok(())
    })
    .await?;

    // Reading it again and leaving the page counts again, once.
    widget.element(".launcher").await?.click().await?;
    open_suggestion(&widget, "Reset your password").await?;
    browser.client.goto(&world.host.base_url).await?;
    eventually("leaving the page to count", WAIT, || async {
        let now = deflections(world, "reset-password").await?;
        ensure!(now == before + 2, "{now} deflections, {before} before");
        Ok(())
    })
    .await?;
    browser.close().await
}

async fn identify(widget: &WidgetPage, identity: &Value) -> Result<()> {
    eventually("window.edgedesk.identify", WAIT, || async {
        let called = widget
            .client
            .execute(
                "if (!window.edgedesk) return false; window.edgedesk.identify(arguments[0]); return true;",
                vec![identity.clone()],
            )
            .await?;
        ensure!(called == json!(true), "the loader is not there yet");
        Ok(())
    })
    .await
}

pub async fn tickets_carry_who_wrote_them_and_what_they_read(world: &World) -> Result<()> {
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    let ada = json!({ "id": "cust-ada", "name": "Ada Lovelace", "email": "ada@example.com" });
    // Before the widget has loaded: the loader keeps the identity for it.
    identify(&widget, &tickets::signed_identity(&world.identity_secret, ada)).await?;
    widget.open().await?;
    widget.search("invoice").await?;
    widget.open_result("Download invoices").await?;
    widget.text_of(".article-title", "Download invoices and receipts").await?;
    widget.element("button.back").await?.click().await?;
    widget.element("button.contact").await?.click().await?;

    // The product said who this is: nothing to type.
    for (css, expected) in [("#edgedesk-name", "Ada Lovelace"), ("#edgedesk-email", "ada@example.com")] {
        eventually(&format!("{css} to be prefilled"), WAIT, || async {
            let value = value_of(&widget, css).await?;
            ensure!(value == expected, "{css} is {value:?}");
            Ok(())
        })
        .await?;
    }
    // After it has loaded: the widget takes the new identity as it is.
    let ada_on_team_plan =
        json!({ "id": "cust-ada", "name": "Ada Lovelace", "email": "ada@example.com", "plan": "team" });
    identify(&widget, &tickets::signed_identity(&world.identity_secret, ada_on_team_plan)).await?;

    widget.fill("#edgedesk-subject", "VAT on invoices").await?;
    widget.fill("#edgedesk-message", "Our invoices do not show our VAT number.").await?;
    widget.element("button[type=submit]").await?.click().await?;
    let number = widget.ticket_number().await?;

    let row = stored_ticket(world, &number)?;
    let payload: Value = serde_json::from_str(row["payload"].as_str().context("no payload")?)?;
    let context = &payload["context"];
    ensure!(context["articles_read"] == json!(["download-invoices"]), "articles read: {payload}");
    ensure!(
        context["searches"].as_array().is_some_and(|searches| searches.contains(&json!("invoice"))),
        "searches: {payload}"
    );
    ensure!(context["locale"] == "en", "{payload}");
    ensure!(context["page_url"].as_str().is_some_and(|url| url.starts_with(&world.host.base_url)), "{payload}");
    ensure!(payload["customer"]["plan"] == "team" && payload["customer"]["id"] == "cust-ada", "{payload}");
    browser.close().await?;

    // On another device (a fresh browser, nothing remembered), Ada's "My tickets" still has it.
    let (browser, widget) = WidgetPage::visit(world, &world.host.base_url).await?;
    let ada = json!({ "id": "cust-ada", "email": "ada@example.com" });
    identify(&widget, &tickets::signed_identity(&world.identity_secret, ada)).await?;
    widget.open().await?;
    widget.element("button.my-tickets").await?.click().await?;
    widget
        .text_of(&format!(".my-tickets .my-ticket[data-number='{number}'] .my-ticket-subject"), "VAT on invoices")
        .await?;
    browser.close().await
}
