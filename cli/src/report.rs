//! `edgedesk report`: what the worker has recorded, for editors and support leads in a terminal.

use std::process::ExitCode;

use anyhow::Result;
use edgedesk_core::api::GapsResponse;
use reqwest::Method;

use crate::admin::AdminClient;

/// `edgedesk report gaps`: the searches customers made that found nothing, most frequent first.
pub fn gaps(client: &AdminClient, locale: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
    let limit = limit.to_string();
    let mut query = vec![("limit", limit.as_str())];
    query.extend(locale.map(|locale| ("locale", locale)));
    let report: GapsResponse = client.send_json(Method::GET, "/api/admin/gaps", &query, None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.gaps.is_empty() {
        println!("No searches without results have been recorded.");
    } else {
        println!("{:>8}  {:<6}  {:<24}  query", "searches", "locale", "last seen");
        for gap in &report.gaps {
            println!("{:>8}  {:<6}  {:<24}  {}", gap.searches, gap.locale, gap.last_seen, gap.query);
        }
    }
    Ok(ExitCode::SUCCESS)
}
