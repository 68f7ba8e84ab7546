//! Scheduled status notices: Markdown files in `<content-dir>/status/`, for maintenance windows and
//! announcements known in advance. The worker shows each one from `starts_at` until `ends_at` by itself;
//! nobody has to deploy when the window opens or closes.
//!
//! ```markdown
//! ---
//! level: yellow                  # red (outage), yellow (degraded, maintenance), green (news, resolved)
//! kind: maintenance              # incident, maintenance or announcement
//! title: Reports are read-only during database maintenance
//! starts_at: 2026-12-05T22:00:00Z
//! ends_at: 2026-12-06T01:00:00Z
//! products: [analytics]          # optional; none means every product
//! ---
//! Exports queue up and run when the window ends.
//! ```

use serde::Deserialize;

use super::config::SiteConfig;
use super::front_matter;
use super::problems::Problem;
use edgedesk_protocol::status::{Kind, Level, Notice, NoticeUpdate, Source};
use edgedesk_protocol::time::{format_time, parse_time};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeFrontMatter {
    id: Option<String>,
    level: Level,
    kind: Option<Kind>,
    title: String,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    components: Vec<String>,
    starts_at: String,
    ends_at: Option<String>,
    dismissible: Option<bool>,
    link: Option<String>,
    #[serde(default)]
    updates: Vec<UpdateFrontMatter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateFrontMatter {
    at: String,
    text: String,
}

/// Compiles one notice file; every problem is returned with the line of the key at fault.
pub fn compile(source: &str, markdown: &str, config: &SiteConfig) -> Result<Notice, Problem> {
    let (yaml, body, _) = front_matter::raw_split(source, markdown)?;
    let line_of = |key: &str| front_matter::line_of_key(yaml, key);
    let problem =
        |line: usize, message: String, fix: &str| Problem::error(source, line, "invalid-notice", message, fix);
    if yaml.trim().is_empty() {
        return Err(problem(
            1,
            "a status notice needs front matter".into(),
            "start the file with `---`, then `level: yellow`, `title: …`, `starts_at: 2026-12-05T22:00:00Z` and `---`",
        ));
    }
    let front: NoticeFrontMatter = serde_norway::from_str(yaml).map_err(|error| {
        problem(
            error.location().map_or(1, |location| location.line() + 1),
            format!("the notice's front matter is not valid: {error}"),
            "it needs `level` (red, yellow or green), `title` and `starts_at`; `kind`, `ends_at`, `products`, \
             `components`, `dismissible`, `link` and `updates` are optional",
        )
    })?;
    for product in &front.products {
        if !config.products.is_empty() && !config.products.contains_key(product) {
            return Err(problem(
                line_of("products"),
                format!("the product `{product}` is not declared in edgedesk.toml"),
                "use a product id from [products], or add it there",
            ));
        }
    }
    let stem = source.rsplit('/').next().unwrap_or(source).trim_end_matches(".md");
    let updates = front
        .updates
        .into_iter()
        .map(|update| {
            let at = parse_time(&update.at).map(format_time).ok_or_else(|| {
                problem(
                    line_of("updates"),
                    format!("the update time {:?} is not a time", update.at),
                    "write times as 2026-11-23T10:00:00Z",
                )
            })?;
            Ok(NoticeUpdate { at, html: edgedesk_markdown::notice_html(&update.text), text: update.text })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let update_count = updates.len() as u32;
    let notice = Notice {
        id: front.id.unwrap_or_else(|| super::slugify(stem)),
        level: front.level,
        kind: front.kind.unwrap_or(Kind::Announcement),
        title: front.title,
        body: body.trim().to_owned(),
        body_html: String::new(),
        products: front.products,
        components: front.components,
        updated_at: updates.first().map_or(front.starts_at.clone(), |update| update.at.clone()),
        starts_at: front.starts_at,
        ends_at: front.ends_at,
        updates,
        dismissible: front.dismissible.unwrap_or(front.level != Level::Red),
        link: front.link,
        source: Source::Scheduled,
        revision: 1 + update_count,
    };
    edgedesk_status::validate(notice).map_err(|error| {
        let line = error.field.as_deref().map_or(1, line_of);
        problem(line, error.message, "fix the value; times are written as 2026-11-23T10:00:00Z")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_notice(markdown: &str) -> Result<Notice, Problem> {
        compile("status/db-maintenance.md", markdown, &SiteConfig::default())
    }

    #[test]
    fn a_maintenance_window_compiles() {
        let notice = compile_notice(
            "---\nlevel: yellow\nkind: maintenance\ntitle: Reports are read-only\nstarts_at: 2026-12-05T23:00:00+01:00\n\
             ends_at: 2026-12-06T01:00:00Z\nupdates:\n  - at: 2026-11-20T09:00:00Z\n    text: Scheduled.\n---\nExports **queue**.\n",
        )
        .unwrap();
        assert_eq!(notice.id, "db-maintenance");
        assert_eq!(notice.starts_at, "2026-12-05T22:00:00Z");
        assert_eq!(notice.body_html, "<p>Exports <strong>queue</strong>.</p>\n");
        assert_eq!((notice.source, notice.dismissible), (Source::Scheduled, true));
        assert_eq!(notice.updated_at, "2026-11-20T09:00:00Z");
    }

    #[test]
    fn problems_point_at_the_key() {
        let problem = compile_notice(
            "---\nlevel: yellow\ntitle: T\nstarts_at: 2026-12-05T22:00:00Z\nends_at: 2026-12-01T00:00:00Z\n---\n",
        )
        .unwrap_err();
        assert_eq!((problem.line, problem.kind.as_str()), (5, "invalid-notice"), "{problem}");
        let missing = compile_notice("---\ntitle: T\nstarts_at: 2026-12-05T22:00:00Z\n---\n").unwrap_err();
        assert!(missing.message.contains("level"), "{missing}");
        let none = compile_notice("Just text").unwrap_err();
        assert!(none.fix.contains("level: yellow"), "{none}");
    }
}
