//! `edgedesk report`: what the worker has recorded, for editors and support leads in a terminal.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use edgedesk_core::api::{ErrorBody, GapsResponse};

/// `edgedesk report gaps`: the searches customers made that found nothing, most frequent first.
pub fn gaps(url: &str, token: &str, locale: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
    let mut address = reqwest::Url::parse(url)
        .with_context(|| format!("{url:?} is not a URL; pass the worker's address, e.g. https://support.example.com"))?
        .join("/api/admin/gaps")?;
    address.query_pairs_mut().append_pair("limit", &limit.to_string());
    if let Some(locale) = locale {
        address.query_pairs_mut().append_pair("locale", locale);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(address.clone())
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("could not reach {address}"))?;
        anyhow::Ok((response.status(), response.text().await?))
    })?;
    if !status.is_success() {
        match serde_json::from_str::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => bail!("the worker refused: {} ({status})", error.message),
            Err(_) => bail!("the worker answered {status}: {body}"),
        }
    }
    let report: GapsResponse = serde_json::from_str(&body).with_context(|| format!("unexpected answer: {body}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.gaps.is_empty() {
        println!("No searches without results have been recorded.");
    } else {
        println!("{:>8}  {:<6}  {:<20}  query", "searches", "locale", "last seen");
        for gap in &report.gaps {
            println!("{:>8}  {:<6}  {:<20}  {}", gap.searches, gap.locale, gap.last_seen, gap.query);
        }
    }
    Ok(ExitCode::SUCCESS)
}
