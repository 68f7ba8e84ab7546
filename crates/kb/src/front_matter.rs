//! Front matter: the YAML block between `---` lines at the top of an article. Parsed in two steps, as
//! Zola does: serde for the shape, then meaning (slug, dates, paths), each message naming file, line and
//! key.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use super::problems::Problem;

/// Keys an article may set. Anything else is reported once per key, not rejected: imported help centers
/// carry their old system's ids.
pub const KNOWN_KEYS: [&str; 11] =
    ["title", "slug", "summary", "section", "locale", "tags", "products", "paths", "draft", "updated", "related"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub section: Option<String>,
    pub locale: Option<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub products: Vec<String>,
    /// URL globs of the host app (`/billing/*`) where the article is suggested in context.
    #[serde(deserialize_with = "one_or_many")]
    pub paths: Vec<String>,
    pub draft: bool,
    /// `YYYY-MM-DD`.
    pub updated: Option<String>,
    /// Slugs of articles to show under this one.
    #[serde(deserialize_with = "one_or_many")]
    pub related: Vec<String>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, serde_norway::Value>,
}

/// A list, or a single value standing for a list of one (`tags: billing`).
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(OneOrMany::One(value)) => vec![value],
        Some(OneOrMany::Many(values)) => values,
    })
}

/// An article split into its front matter and its Markdown.
#[derive(Debug)]
pub struct Split<'a> {
    pub front_matter: FrontMatter,
    /// The YAML text, for finding the line of a key.
    pub yaml: &'a str,
    pub body: &'a str,
    /// The line of the file on which `body` starts (1-based).
    pub body_line: usize,
}

impl Split<'_> {
    /// The line of the file where `key:` is set, or the first line when it is not.
    pub fn line_of(&self, key: &str) -> usize {
        line_of_key(self.yaml, key)
    }
}

/// The YAML between the opening and closing `---` lines (empty without front matter), the Markdown after
/// it, and the line the Markdown starts on.
pub fn raw_split<'a>(source: &str, markdown: &'a str) -> Result<(&'a str, &'a str, usize), Problem> {
    let markdown = markdown.strip_prefix('\u{feff}').unwrap_or(markdown);
    let Some(after_opening) = markdown.strip_prefix("---\n").or_else(|| markdown.strip_prefix("---\r\n")) else {
        return Ok(("", markdown, 1));
    };
    let closing = after_opening
        .match_indices("\n---")
        .map(|(at, _)| at)
        .find(|&at| after_opening[at + 4..].starts_with(['\n', '\r']) || after_opening.len() == at + 4);
    let Some(closing) = closing else {
        return Err(Problem::error(
            source,
            1,
            "unclosed-front-matter",
            "the front matter opened with `---` is never closed",
            "add a line with just `---` after the last front matter key",
        ));
    };
    let yaml = &after_opening[..closing];
    let rest = &after_opening[closing + 4..];
    let body = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n')).unwrap_or(rest);
    // Opening line, the YAML's lines, closing line.
    Ok((yaml, body, 3 + yaml.lines().count()))
}

/// The line of the file where `key:` is set in the front matter `yaml`, or the first line when it is not.
pub fn line_of_key(yaml: &str, key: &str) -> usize {
    yaml.lines()
        .position(|line| line.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':')))
        .map_or(1, |index| index + 2)
}

pub fn split<'a>(source: &str, markdown: &'a str) -> Result<Split<'a>, Problem> {
    let (yaml, body, body_line) = raw_split(source, markdown)?;
    let front_matter = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        serde_norway::from_str(yaml).map_err(|error| {
            Problem::error(
                source,
                // +1 for the opening `---` line.
                error.location().map_or(1, |location| location.line() + 1),
                "invalid-front-matter",
                format!("the front matter is not valid YAML for an article: {error}"),
                "write one `key: value` per line, lists as `[a, b]`; e.g. `title: Reset your password`",
            )
        })?
    };
    Ok(Split { front_matter, yaml, body, body_line })
}

/// Checks what serde cannot: values that have the right type but no meaning.
pub fn check_meaning(source: &str, split: &Split<'_>, problems: &mut Vec<Problem>) {
    let front_matter = &split.front_matter;
    for key in front_matter.unknown.keys() {
        problems.push(
            Problem::warning(
                source,
                split.line_of(key),
                "unknown-front-matter-key",
                format!("the front matter key `{key}` is not used by edgedesk"),
                format!("remove it, or use one of: {}", KNOWN_KEYS.join(", ")),
            )
            .grouped_by(key.clone()),
        );
    }
    if let Some(updated) = &front_matter.updated
        && !is_date(updated)
    {
        problems.push(Problem::error(
            source,
            split.line_of("updated"),
            "invalid-date",
            format!("`updated: {updated}` is not a date"),
            "write the date as YYYY-MM-DD, e.g. `updated: 2026-11-23`",
        ));
    }
    for path in &front_matter.paths {
        if !path.starts_with('/') {
            problems.push(Problem::error(
                source,
                split.line_of("paths"),
                "invalid-path",
                format!("`{path}` in `paths` is not a path of the app"),
                format!("start it with `/`, e.g. `/{}`", path.trim_start_matches(['.', '/'])),
            ));
        }
    }
    for (key, value) in [("title", &front_matter.title), ("summary", &front_matter.summary)] {
        if value.as_deref().is_some_and(|value| value.trim().is_empty()) {
            problems.push(Problem::warning(
                source,
                split.line_of(key),
                "empty-value",
                format!("`{key}` is empty and is ignored"),
                format!("write the {key}, or remove the key to use the default"),
            ));
        }
    }
}

fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let number = |part: &str, digits: usize, range: std::ops::RangeInclusive<u32>| {
        part.len() == digits && part.parse::<u32>().is_ok_and(|n| range.contains(&n))
    };
    matches!(parts.as_slice(), [year, month, day]
        if number(year, 4, 1970..=2999) && number(month, 2, 1..=12) && number(day, 2, 1..=31))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(markdown: &str) -> Vec<Problem> {
        let split = split("a.md", markdown).unwrap();
        let mut problems = Vec::new();
        check_meaning("a.md", &split, &mut problems);
        problems
    }

    #[test]
    fn lists_accept_a_single_value() {
        let split = split("a.md", "---\ntags: billing\nproducts: [web, mobile]\n---\nbody").unwrap();
        assert_eq!(split.front_matter.tags, ["billing"]);
        assert_eq!(split.front_matter.products, ["web", "mobile"]);
        assert_eq!(split.body, "body");
        assert_eq!(split.body_line, 5);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_their_line() {
        let problems = problems_of("---\ntitle: T\nid: 123\nupdated: 23.11.2026\npaths: [billing/*]\n---\n");
        let kinds: Vec<(&str, usize)> = problems.iter().map(|p| (p.kind.as_str(), p.line)).collect();
        assert_eq!(kinds, [("unknown-front-matter-key", 3), ("invalid-date", 4), ("invalid-path", 5)]);
        assert!(problems[2].fix.contains("`/billing/*`"), "{}", problems[2].fix);
    }

    #[test]
    fn dates_are_checked() {
        assert!(is_date("2026-11-23"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("26-11-23"));
        assert!(!is_date("yesterday"));
    }

    #[test]
    fn wrong_types_are_errors_with_a_line() {
        let problem = split("a.md", "---\ntitle: T\ndraft: maybe\n---\n").unwrap_err();
        assert_eq!((problem.kind.as_str(), problem.line), ("invalid-front-matter", 3), "{problem}");
    }
}
