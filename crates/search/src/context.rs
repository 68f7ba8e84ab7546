//! Articles suggested where the customer is in the host app. Editors list app paths in an article's
//! `paths` front matter (`/billing/*`, `/settings/**`); the loader follows the app's route changes, and
//! `GET /api/suggestions?path=…` answers with the articles for that page, most specific pattern first.

use serde::{Deserialize, Serialize};

use edgedesk_protocol::api::{ApiError, ArticleLink};

/// Suggestions shown at most, however many patterns match: the list sits above the sections.
pub const MAX_SUGGESTIONS: usize = 3;
/// A path longer than any real route is refused rather than matched.
pub const MAX_PATH_CHARS: usize = 2_000;

/// One `paths` entry of one article, as `edgedesk build` writes them to `<locale>/paths.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRule {
    pub pattern: String,
    pub slug: String,
    pub title: String,
}

/// Checks the `path` query parameter: an absolute path of the app, without origin.
pub fn check_path(path: Option<&str>) -> Result<&str, ApiError> {
    let path = path.map(str::trim).filter(|path| !path.is_empty()).ok_or_else(|| {
        ApiError::for_field(400, "required", "path", "Give the app's current path, e.g. `?path=/billing/invoices`.")
    })?;
    if !path.starts_with('/') || path.chars().count() > MAX_PATH_CHARS || path.chars().any(char::is_control) {
        return Err(ApiError::for_field(
            400,
            "invalid_value",
            "path",
            format!(
                "`path` must be the app's path starting with `/` (location.pathname), at most {MAX_PATH_CHARS} characters."
            ),
        ));
    }
    Ok(path)
}

/// The articles whose patterns match `path`, most specific first (more literal characters, then fewer
/// wildcards), each article once, at most [`MAX_SUGGESTIONS`].
pub fn suggestions(rules: &[PathRule], path: &str) -> Vec<ArticleLink> {
    let mut matching: Vec<(&PathRule, (usize, usize))> = rules
        .iter()
        .filter(|rule| matches(&rule.pattern, path))
        .map(|rule| (rule, specificity(&rule.pattern)))
        .collect();
    matching.sort_by(|(a, a_rank), (b, b_rank)| {
        b_rank.0.cmp(&a_rank.0).then(a_rank.1.cmp(&b_rank.1)).then(a.title.cmp(&b.title))
    });
    let mut links: Vec<ArticleLink> = Vec::new();
    for (rule, _) in matching {
        if links.len() == MAX_SUGGESTIONS {
            break;
        }
        if !links.iter().any(|link| link.slug == rule.slug) {
            links.push(ArticleLink { slug: rule.slug.clone(), title: rule.title.clone() });
        }
    }
    links
}

/// Literal characters (more is more specific) and wildcards (fewer is more specific).
fn specificity(pattern: &str) -> (usize, usize) {
    let wildcards = pattern.matches('*').count();
    (pattern.chars().count() - wildcards, wildcards)
}

/// Whether `pattern` matches `path`, segment by segment: `*` stands for any text within one segment,
/// `**` for any number of whole segments (none included). A trailing `/` is ignored on both sides.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = segments(pattern);
    let path: Vec<&str> = segments(path);
    matches_segments(&pattern, &path)
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').filter(|segment| !segment.is_empty()).collect()
}

fn matches_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| matches_segments(rest, &path[skip..])),
        Some((first, rest)) => path
            .split_first()
            .is_some_and(|(segment, path)| matches_segment(first, segment) && matches_segments(rest, path)),
    }
}

/// `*` within a segment: `inv*` matches `invoices`, `*` matches any one segment.
fn matches_segment(pattern: &str, segment: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = segment.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, slug: &str) -> PathRule {
        PathRule { pattern: pattern.into(), slug: slug.into(), title: slug.to_uppercase() }
    }

    #[test]
    fn patterns_match_segment_by_segment() {
        assert!(matches("/login", "/login"));
        assert!(matches("/login", "/login/"));
        assert!(!matches("/login", "/login/sso"));
        assert!(matches("/billing/*", "/billing/invoices"));
        assert!(!matches("/billing/*", "/billing"));
        assert!(!matches("/billing/*", "/billing/invoices/42"));
        assert!(matches("/billing/**", "/billing"));
        assert!(matches("/billing/**", "/billing/invoices/42"));
        assert!(matches("/**/export", "/reports/weekly/export"));
        assert!(matches("/reports/inv*", "/reports/invoices"));
        assert!(matches("/reports/*-csv", "/reports/export-csv"));
        assert!(!matches("/reports/*-csv", "/reports/export-pdf"));
        assert!(!matches("/settings", "/settingsx"));
        assert!(matches("/", "/"));
        assert!(!matches("/", "/billing"));
    }

    #[test]
    fn the_most_specific_pattern_comes_first_and_each_article_once() {
        let rules = [
            rule("/billing/**", "plans"),
            rule("/billing/invoices", "invoices"),
            rule("/billing/*", "refunds"),
            rule("/billing/invoices", "plans"),
            rule("/login", "password"),
        ];
        let slugs: Vec<String> = suggestions(&rules, "/billing/invoices").into_iter().map(|link| link.slug).collect();
        assert_eq!(slugs, ["invoices", "plans", "refunds"]);
        assert!(suggestions(&rules, "/dashboard").is_empty());
    }

    #[test]
    fn at_most_three_suggestions() {
        let rules: Vec<PathRule> = (0..10).map(|n| rule("/**", &format!("a{n}"))).collect();
        assert_eq!(suggestions(&rules, "/anything").len(), MAX_SUGGESTIONS);
    }

    #[test]
    fn paths_are_checked() {
        assert_eq!(check_path(Some("/billing")).unwrap(), "/billing");
        assert_eq!(check_path(None).unwrap_err().code, "required");
        assert_eq!(check_path(Some("  ")).unwrap_err().code, "required");
        for bad in ["billing", "https://acme.test/billing", "/a\nb"] {
            let refused = check_path(Some(bad)).unwrap_err();
            assert_eq!((refused.status, refused.field.as_deref()), (400, Some("path")), "{bad:?}");
        }
        assert!(check_path(Some(&format!("/{}", "a".repeat(MAX_PATH_CHARS)))).is_err());
    }
}
