//! Markdown to safe HTML, with what search and navigation need from it: heading anchors, the text of each
//! part (intro and one part per `##`/`###` section), internal links rewritten and checked, media found.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use edgedesk_markdown::Syntax;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};

use super::directives::{Resolved, join_relative};
use super::problems::Problem;

use edgedesk_protocol::api::Heading;
pub use edgedesk_protocol::api::{ARTICLE_LINK_PREFIX, MEDIA_PREFIX};
/// YFM's placeholder for "the title of the linked article" as link text.
const TARGET_TITLE_PLACEHOLDER: &str = "{#T}";

/// What an article is known by, for resolving links to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRef {
    pub locale: String,
    pub slug: String,
    pub title: String,
}

pub struct Context<'a> {
    /// The article being rendered, relative to the content directory.
    pub source: &'a str,
    pub locale: &'a str,
    pub slug: &'a str,
    /// The title from the front matter, if any: a leading `# Title` repeating it is not rendered twice.
    pub title: Option<&'a str>,
    /// Every article by source path.
    pub articles: &'a BTreeMap<String, ArticleRef>,
    pub file_exists: &'a dyn Fn(&str) -> bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderedPart {
    pub anchor: String,
    pub heading: String,
    pub text: String,
}

/// A link to a heading of another article, checked once all articles are rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorLink {
    pub line: usize,
    pub target_source: String,
    pub anchor: String,
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub first_heading: Option<String>,
    pub headings: Vec<Heading>,
    /// The intro first, then one part per `##` or `###` heading.
    pub parts: Vec<RenderedPart>,
    pub anchor_links: Vec<AnchorLink>,
    /// Files to publish, relative to the content directory.
    pub media: BTreeSet<String>,
    pub problems: Vec<Problem>,
}

pub fn render(resolved: &Resolved, context: &Context<'_>) -> Rendered {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(resolved.markdown.match_indices('\n').map(|(at, _)| at + 1)).collect();
    let line_at = |offset: usize| {
        let index = line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        resolved.source_lines.get(index).copied().unwrap_or(1)
    };

    let mut rendered = Rendered { parts: vec![RenderedPart::default()], ..Rendered::default() };
    let mut anchors = Anchors::default();
    let mut own_anchor_links: Vec<(usize, String)> = Vec::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading: Option<PendingHeading<'_>> = None;
    let mut link_title: Option<String> = None;
    // For each open link, whether it is rendered (glossary links are not).
    let mut open_links: Vec<bool> = Vec::new();
    let mut seen_block = false;

    for (event, range) in edgedesk_markdown::parser(&resolved.markdown, Syntax::ARTICLES).into_offset_iter() {
        let line = line_at(range.start);
        let event = match event {
            // `<name@example.com>`: the HTML writer adds `mailto:` itself.
            Event::Start(Tag::Link { link_type: LinkType::Email, dest_url, title, id }) => {
                open_links.push(true);
                Event::Start(Tag::Link { link_type: LinkType::Email, dest_url, title, id })
            }
            // `[term](*key)` is YFM's glossary popup; the text stays, the link goes.
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with('*') => {
                rendered.problems.push(
                    Problem::warning(
                        context.source,
                        line,
                        "unsupported-syntax",
                        format!("glossary terms (`[…]({dest_url})`) are shown as plain text"),
                        "explain the term in the text, or link to an article that does",
                    )
                    .grouped_by("term"),
                );
                open_links.push(false);
                continue;
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let (dest_url, target_title) =
                    rewrite_link(&dest_url, line, context, &mut rendered, &mut own_anchor_links);
                link_title = target_title;
                open_links.push(true);
                Event::Start(Tag::Link { link_type, dest_url: dest_url.into(), title, id })
            }
            Event::End(TagEnd::Link) => {
                link_title = None;
                if open_links.pop() == Some(false) {
                    continue;
                }
                Event::End(TagEnd::Link)
            }
            Event::Text(text) if text.as_ref() == TARGET_TITLE_PLACEHOLDER => {
                Event::Text(link_title.clone().map_or(text, CowStr::from))
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = rewrite_media(&dest_url, line, context, &mut rendered, "missing-image");
                Event::Start(Tag::Image { link_type, dest_url: dest_url.into(), title, id })
            }
            other => other,
        };

        if let Some(pending) = heading.as_mut() {
            if let Event::End(TagEnd::Heading(_)) = event {
                let pending = heading.take().expect("a heading is pending");
                let is_first_block = !seen_block;
                seen_block = true;
                finish_heading(pending, is_first_block, context, &mut anchors, &mut rendered, &mut events);
            } else {
                if let Event::Text(text) | Event::Code(text) = &event {
                    pending.text.push_str(text);
                }
                pending.events.push(event);
            }
            continue;
        }

        match &event {
            // Imported help centers mark link targets with `<a id="…"></a>`; those are anchors too.
            Event::Html(html) | Event::InlineHtml(html) => {
                for id in html_anchor_ids(html) {
                    anchors.used.insert(id);
                }
            }
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                heading = Some(PendingHeading {
                    level: *level,
                    explicit_id: id.as_ref().map(|id| id.to_string()),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                    events: Vec::new(),
                    text: String::new(),
                });
                continue;
            }
            Event::Start(_) => seen_block = true,
            Event::Text(text) | Event::Code(text) => current_text(&mut rendered).push_str(text),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => current_text(&mut rendered).push(' '),
            _ => {}
        }
        events.push(event);
    }

    for part in &mut rendered.parts {
        part.text = part.text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    for (line, anchor) in own_anchor_links {
        if !anchors.used.contains(&anchor) {
            rendered.problems.push(broken_anchor(context.source, line, &anchor, context.source, &anchors.used));
        }
    }
    let mut unsafe_html = String::new();
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    rendered.html = SANITIZER.clean(&unsafe_html).to_string();
    rendered
}

struct PendingHeading<'a> {
    level: HeadingLevel,
    explicit_id: Option<String>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    events: Vec<Event<'a>>,
    text: String,
}

#[derive(Default)]
struct Anchors {
    used: BTreeSet<String>,
}

impl Anchors {
    /// A unique anchor for a heading: its explicit `{#id}` (kept as written when it is a plain identifier,
    /// because links elsewhere use it verbatim) or its words, numbered when repeated.
    fn claim(&mut self, explicit: Option<&str>, text: &str) -> String {
        let plain = |id: &&str| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let base = match explicit {
            Some(id) if plain(&id) => id.to_owned(),
            Some(id) if !heading_slug(id).is_empty() => heading_slug(id),
            _ => heading_slug(text),
        };
        let base = if base.is_empty() { "section".to_owned() } else { base };
        let mut anchor = base.clone();
        let mut number = 1;
        while self.used.contains(&anchor) {
            anchor = format!("{base}-{number}");
            number += 1;
        }
        self.used.insert(anchor.clone());
        anchor
    }
}

/// The `id` values of tags, and `name` values of `<a>` tags, in a piece of raw HTML.
fn html_anchor_ids(html: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for tag in html.split('<').skip(1) {
        let is_link = tag.starts_with("a ") || tag.starts_with("a\t");
        let attributes = tag.split('>').next().unwrap_or_default();
        for name in if is_link { &["id=", "name="][..] } else { &["id="][..] } {
            let mut rest = attributes;
            while let Some(at) = rest.find(name) {
                let preceded_by_space = at == 0 || rest[..at].ends_with(char::is_whitespace);
                rest = &rest[at + name.len()..];
                let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
                if let Some(end) = rest[1..].find(quote)
                    && preceded_by_space
                {
                    ids.push(rest[1..1 + end].to_owned());
                }
            }
        }
    }
    ids
}

/// The anchor GitHub, GitLab and Zendesk give a heading, so links written for them keep working:
/// lowercase, punctuation dropped (`Node.js` → `nodejs`), spaces as dashes.
fn heading_slug(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn finish_heading<'a>(
    pending: PendingHeading<'a>,
    is_first_block: bool,
    context: &Context<'_>,
    anchors: &mut Anchors,
    rendered: &mut Rendered,
    events: &mut Vec<Event<'a>>,
) {
    let text = pending.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if pending.level == HeadingLevel::H1 && rendered.first_heading.is_none() {
        rendered.first_heading = Some(text.clone());
        // Help centers open articles with `# Title`; the widget shows the title already.
        if is_first_block && context.title.is_none_or(|title| title.trim() == text) {
            return;
        }
    }
    let anchor = anchors.claim(pending.explicit_id.as_deref(), &text);
    let level = match pending.level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    };
    rendered.headings.push(Heading { level, anchor: anchor.clone(), text: text.clone() });
    if level <= 3 {
        rendered.parts.push(RenderedPart { anchor: anchor.clone(), heading: text, text: String::new() });
    } else {
        current_text(rendered).push_str(&format!(" {text} "));
    }
    events.push(Event::Start(Tag::Heading {
        level: pending.level,
        id: Some(anchor.into()),
        classes: pending.classes,
        attrs: pending.attrs,
    }));
    events.extend(pending.events);
    events.push(Event::End(TagEnd::Heading(pending.level)));
}

fn current_text(rendered: &mut Rendered) -> &mut String {
    &mut rendered.parts.last_mut().expect("the intro part always exists").text
}

/// Rewrites a link for the widget and checks it; returns the new destination and, for article links,
/// the target's title (for `{#T}`).
fn rewrite_link(
    destination: &str,
    line: usize,
    context: &Context<'_>,
    rendered: &mut Rendered,
    own_anchor_links: &mut Vec<(usize, String)>,
) -> (String, Option<String>) {
    if has_scheme(destination) || destination.starts_with("//") || destination.is_empty() {
        return (destination.to_owned(), None);
    }
    if let Some(anchor) = destination.strip_prefix('#') {
        own_anchor_links.push((line, anchor.to_owned()));
        return (format!("{ARTICLE_LINK_PREFIX}{}/{}/{anchor}", context.locale, context.slug), None);
    }
    if destination.starts_with('/') {
        rendered.problems.push(
            Problem::warning(
                context.source,
                line,
                "site-relative-link",
                format!("the link `{destination}` is relative to a website, and the widget runs on other sites"),
                "link to the article's .md file, or write the full https:// address",
            )
            .grouped_by("site-relative-link"),
        );
        return (destination.to_owned(), None);
    }
    let (path, anchor) = destination.split_once('#').unwrap_or((destination, ""));
    let path = path.split('?').next().unwrap_or(path);
    let target = join_relative(context.source, &percent_decode(path));
    if !target.ends_with(".md") {
        return (rewrite_media(destination, line, context, rendered, "missing-file"), None);
    }
    let Some(article) = context.articles.get(&target) else {
        // Suggest an article of the same locale folder when there is one.
        let top = |path: &str| path.split('/').next().unwrap_or_default().to_owned();
        let same_top = context.articles.keys().filter(|path| top(path) == top(&target)).map(String::as_str);
        let suggestion = closest(&target, same_top)
            .or_else(|| closest(&target, context.articles.keys().map(String::as_str)))
            .map(|closest| format!("link to `{}`", relative_to(context.source, closest)))
            .unwrap_or_else(|| "remove the link or create the article".to_owned());
        rendered.problems.push(Problem::error(
            context.source,
            line,
            "broken-link",
            format!("the link `{destination}` points to `{target}`, which is not a published article"),
            suggestion,
        ));
        return (destination.to_owned(), None);
    };
    if !anchor.is_empty() {
        rendered.anchor_links.push(AnchorLink { line, target_source: target.clone(), anchor: anchor.to_owned() });
    }
    let mut href = format!("{ARTICLE_LINK_PREFIX}{}/{}", article.locale, article.slug);
    if !anchor.is_empty() {
        href.push('/');
        href.push_str(anchor);
    }
    (href, Some(article.title.clone()))
}

/// Points a relative image or file at the published media, or reports it missing.
fn rewrite_media(destination: &str, line: usize, context: &Context<'_>, rendered: &mut Rendered, kind: &str) -> String {
    if has_scheme(destination)
        || destination.starts_with("//")
        || destination.starts_with('/')
        || destination.is_empty()
    {
        return destination.to_owned();
    }
    let path = destination.split(['?', '#']).next().unwrap_or(destination);
    let target = join_relative(context.source, &percent_decode(path));
    if (context.file_exists)(&target) {
        rendered.media.insert(target.clone());
        return format!("{MEDIA_PREFIX}{target}");
    }
    rendered.problems.push(
        Problem::warning(
            context.source,
            line,
            kind,
            format!("`{destination}` does not exist (looked for `{target}`)"),
            "add the file next to the article, fix the path, or remove the reference",
        )
        .grouped_by(kind),
    );
    destination.to_owned()
}

pub fn broken_anchor(source: &str, line: usize, anchor: &str, target: &str, known: &BTreeSet<String>) -> Problem {
    let fix = closest(anchor, known.iter().map(String::as_str))
        .map(|closest| format!("use `#{closest}`"))
        .unwrap_or_else(|| format!("link to a heading that exists in `{target}`, or drop `#{anchor}`"));
    Problem::warning(source, line, "broken-anchor", format!("`#{anchor}` is not a heading of `{target}`"), fix)
}

fn has_scheme(destination: &str) -> bool {
    destination.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// Editors paste links with `%20` for spaces; files have spaces.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) =
                (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b)))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_owned())
}

/// The candidate most like `wanted`: one that extends it or that it extends (`download` →
/// `download-them`), else the nearest by edit distance of the last path segment, if any is close.
fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
    let wanted_name = name(wanted);
    let wanted_chars: Vec<char> = wanted_name.chars().collect();
    let allowed = (wanted_chars.len() / 3).clamp(1, 4);
    candidates
        .filter_map(|candidate| {
            let candidate_name = name(candidate);
            if candidate_name.starts_with(&wanted_name) || wanted_name.starts_with(&candidate_name) {
                return Some((0, candidate));
            }
            let chars: Vec<char> = candidate_name.chars().collect();
            edgedesk_search::text::within_edits(&wanted_chars, &chars, allowed).map(|distance| (distance, candidate))
        })
        .min()
        .map(|(_, candidate)| candidate)
}

/// `target` written relative to the folder of `from`.
fn relative_to(from: &str, target: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect::<Vec<_>>()[..from.matches('/').count()].to_vec();
    let target_parts: Vec<&str> = target.split('/').collect();
    let common = from_dirs.iter().zip(&target_parts).take_while(|(a, b)| a == b).count();
    let ups = from_dirs.len() - common;
    let mut path: Vec<&str> = vec![".."; ups];
    path.extend(&target_parts[common..]);
    path.join("/")
}

/// Sanitising the rendered HTML is the last step, whatever the Markdown contained.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Task-list checkboxes only.
            ("input", "type") if value != "checkbox" => None,
            _ => Some(value.into()),
        })
        .add_tag_attributes("a", ["id"])
        .add_allowed_classes("div", ["note", "note-info", "note-tip", "note-warning", "note-alert"])
        .add_allowed_classes("p", ["note-title"]);
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn render_with(markdown: &str, articles: &[(&str, &str, &str)], files: &[&str]) -> Rendered {
        let articles: BTreeMap<String, ArticleRef> = articles
            .iter()
            .map(|(source, slug, title)| {
                (
                    source.to_string(),
                    ArticleRef { locale: "en".into(), slug: slug.to_string(), title: title.to_string() },
                )
            })
            .collect();
        let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        let exists = move |path: &str| files.iter().any(|f| f == path);
        let resolved =
            Resolved { markdown: markdown.to_owned(), source_lines: (1..=markdown.lines().count() + 1).collect() };
        let context = Context {
            source: "en/account/page.md",
            locale: "en",
            slug: "page",
            title: Some("Page"),
            articles: &articles,
            file_exists: &exists,
        };
        render(&resolved, &context)
    }

    #[test]
    fn headings_get_unique_anchors_and_split_parts() {
        let rendered = render_with(
            "Intro text.\n\n## Set up\n\nStep one.\n\n## Set up\n\n### Details {#Deep_1}\n\n#### Minor\n\nEnd.",
            &[],
            &[],
        );
        let anchors: Vec<&str> = rendered.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["set-up", "set-up-1", "Deep_1", "minor"]);
        let github = render_with("## Run Python, MicroPython or Node.js\n\n## Что нового?", &[], &[]);
        let anchors: Vec<&str> = github.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["run-python-micropython-or-nodejs", "что-нового"]);
        assert!(rendered.html.contains("<h2 id=\"set-up\">Set up</h2>"), "{}", rendered.html);
        let parts: Vec<(&str, &str)> = rendered.parts.iter().map(|p| (p.anchor.as_str(), p.text.as_str())).collect();
        assert_eq!(parts, [("", "Intro text."), ("set-up", "Step one."), ("set-up-1", ""), ("Deep_1", "Minor End.")]);
    }

    #[test]
    fn a_leading_title_heading_is_not_rendered_twice() {
        let rendered = render_with("# Page\n\nText", &[], &[]);
        assert_eq!(rendered.first_heading.as_deref(), Some("Page"));
        assert!(!rendered.html.contains("<h1"), "{}", rendered.html);
        let kept = render_with("Text first\n\n# Page\n", &[], &[]);
        assert!(kept.html.contains("<h1 id=\"page\">"), "{}", kept.html);
    }

    #[test]
    fn article_links_are_rewritten_and_checked() {
        let rendered = render_with(
            "[Plans](../billing/plans.md#prices) and [{#T}](../billing/plans.md) and [gone](../billing/plan.md)\n\n[self](#nowhere)",
            &[("en/billing/plans.md", "plans", "Change your plan")],
            &[],
        );
        assert!(rendered.html.contains("href=\"#/articles/en/plans/prices\""), "{}", rendered.html);
        assert!(rendered.html.contains(">Change your plan</a>"), "{}", rendered.html);
        assert_eq!(rendered.anchor_links[0].anchor, "prices");
        let kinds: Vec<(&str, usize)> = rendered.problems.iter().map(|p| (p.kind.as_str(), p.line)).collect();
        assert_eq!(kinds, [("broken-link", 1), ("broken-anchor", 3)]);
        assert_eq!(rendered.problems[0].fix, "link to `../billing/plans.md`");
    }

    #[test]
    fn glossary_links_become_text() {
        let rendered = render_with("An [ADR](*adr) here.", &[], &[]);
        assert_eq!(rendered.html, "<p>An ADR here.</p>\n");
        assert_eq!(rendered.problems[0].kind, "unsupported-syntax");
    }

    #[test]
    fn html_anchors_are_link_targets() {
        let rendered = render_with(
            "<a id=\"set-up\"></a>\n\nText and <a name='later'></a> [up](#set-up) [down](#later) [h](#reboot)\n\n<h2 id=\"reboot\">Restart</h2>",
            &[],
            &[],
        );
        assert!(rendered.problems.is_empty(), "{:?}", rendered.problems);
        assert!(rendered.html.contains("<a id=\"set-up\""), "{}", rendered.html);
    }

    #[test]
    fn email_autolinks_are_left_to_the_html_writer() {
        let rendered = render_with("Write to <help@example.com>.", &[], &[]);
        assert!(rendered.html.contains("href=\"mailto:help@example.com\""), "{}", rendered.html);
        assert!(rendered.problems.is_empty());
    }

    #[test]
    fn media_is_published_or_reported() {
        let rendered = render_with(
            "![Screen](img/screen%20one.png) ![gone](img/none.png) ![web](https://x.test/a.png)",
            &[],
            &["en/account/img/screen one.png"],
        );
        assert!(rendered.html.contains("src=\"/kb/media/en/account/img/screen%20one.png\""), "{}", rendered.html);
        assert!(rendered.html.contains("src=\"https://x.test/a.png\""));
        assert_eq!(rendered.media.iter().collect::<Vec<_>>(), ["en/account/img/screen one.png"]);
        assert_eq!(rendered.problems[0].kind, "missing-image");
    }

    #[test]
    fn script_never_survives_rendering() {
        let rendered = render_with(
            "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src=x onerror=alert(3)>\n\n<div class=\"note evil\" onclick=\"x()\">n</div>\n\n- [x] done",
            &[],
            &[],
        );
        for forbidden in ["<script", "javascript:", "onerror", "onclick", "evil"] {
            assert!(!rendered.html.contains(forbidden), "{forbidden} in {}", rendered.html);
        }
        assert!(rendered.html.contains("type=\"checkbox\""), "{}", rendered.html);
    }

    #[test]
    fn notes_keep_their_class() {
        let rendered = render_with("<div class=\"note note-warning\">\n\nCareful\n\n</div>", &[], &[]);
        assert!(rendered.html.contains("<div class=\"note note-warning\">"), "{}", rendered.html);
    }

    #[test]
    fn relative_paths_read_from_the_linking_file() {
        assert_eq!(relative_to("en/account/page.md", "en/billing/plans.md"), "../billing/plans.md");
        assert_eq!(relative_to("en/account/page.md", "en/account/other.md"), "other.md");
        assert_eq!(relative_to("page.md", "en/a.md"), "en/a.md");
    }
}
