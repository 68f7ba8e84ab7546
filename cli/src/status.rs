//! `edgedesk status`: an operator raises, updates and resolves incidents from a terminal, in seconds and
//! without a deploy.

use std::process::ExitCode;

use anyhow::Result;
use edgedesk_protocol::status::{Kind, Level, Notice};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::admin::AdminClient;

/// What `edgedesk status raise` sends.
pub struct Raise {
    pub level: Level,
    pub kind: Kind,
    pub title: String,
    pub body: Option<String>,
    pub products: Vec<String>,
    pub components: Vec<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub link: Option<String>,
}

fn print_notice(notice: &Notice) {
    let window = match &notice.ends_at {
        Some(ends) => format!("{} – {ends}", notice.starts_at),
        None => format!("since {}", notice.starts_at),
    };
    println!("{}  {:?}/{:?}  {}  ({window})", notice.id, notice.level, notice.kind, notice.title);
}

pub fn raise(client: &AdminClient, raise: Raise) -> Result<ExitCode> {
    let mut body = Map::new();
    body.insert("level".into(), json!(raise.level));
    body.insert("kind".into(), json!(raise.kind));
    body.insert("title".into(), json!(raise.title));
    let optional =
        [("body", raise.body), ("starts_at", raise.starts_at), ("ends_at", raise.ends_at), ("link", raise.link)];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), json!(value));
        }
    }
    if !raise.products.is_empty() {
        body.insert("products".into(), json!(raise.products));
    }
    if !raise.components.is_empty() {
        body.insert("components".into(), json!(raise.components));
    }
    let notice: Notice = client.send_json(Method::POST, "/api/admin/notices", &[], Some(Value::Object(body)))?;
    print!("Raised ");
    print_notice(&notice);
    Ok(ExitCode::SUCCESS)
}

pub fn update(client: &AdminClient, id: &str, message: &str, level: Option<Level>, resolve: bool) -> Result<ExitCode> {
    let mut body = json!({ "text": message, "resolve": resolve });
    if let Some(level) = level {
        body["level"] = json!(level);
    }
    let notice: Notice =
        client.send_json(Method::POST, &format!("/api/admin/notices/{id}/updates"), &[], Some(body))?;
    print!("{} ", if resolve { "Resolved" } else { "Updated" });
    print_notice(&notice);
    Ok(ExitCode::SUCCESS)
}

pub fn list(client: &AdminClient, json: bool) -> Result<ExitCode> {
    let notices: Vec<Notice> = client.send_json(Method::GET, "/api/admin/notices", &[], None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&notices)?);
    } else if notices.is_empty() {
        println!("No live notices.");
    } else {
        notices.iter().for_each(print_notice);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn delete(client: &AdminClient, id: &str) -> Result<ExitCode> {
    client.send(Method::DELETE, &format!("/api/admin/notices/{id}"), &[], None)?;
    println!("Deleted {id}");
    Ok(ExitCode::SUCCESS)
}
