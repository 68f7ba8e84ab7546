//! The knowledge-base compiler: Markdown files with YAML front matter in, safe articles and a search
//! index out. It runs natively at build time, so it may use the heavy, thorough crates (pulldown-cmark,
//! ammonia) that the browser never downloads.
//!
//! Layout: `<content-dir>/<locale>/<section>/<slug>.md`. The locale folder is optional (content without
//! one is English); `status/` holds status notices, not articles.
//!
//! Problems are collected, not thrown: one broken file never hides the others, and each problem names
//! the file, the line, what is wrong and how to fix it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::search::{Document, SearchIndex};
use crate::text;

pub const DEFAULT_LOCALE: &str = "en";
const DEFAULT_SECTION: &str = "general";
/// Folders under the content directory that hold something other than articles.
const NON_ARTICLE_FOLDERS: [&str; 1] = ["status"];
const SUMMARY_CHARS: usize = 180;

/// One compiled article, as the worker serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub locale: String,
    pub section: String,
    pub title: String,
    pub summary: String,
    /// The Markdown file, relative to the content directory, with `/` separators on every platform.
    pub source: String,
    /// Sanitised HTML: safe to insert into any page.
    pub html: String,
    /// The words of the article without markup, for the search index.
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Something an editor should fix: where, what, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {severity}: {}\n  fix: {}", self.file, self.line, self.message, self.fix)
    }
}

/// Everything the compiler made of a content directory.
#[derive(Debug, Default)]
pub struct KnowledgeBase {
    /// Published articles, ordered by source path so that builds are reproducible.
    pub articles: Vec<Article>,
    pub problems: Vec<Problem>,
}

impl KnowledgeBase {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|problem| problem.severity == Severity::Error)
    }

    pub fn search_index(&self) -> SearchIndex {
        SearchIndex::build(self.articles.iter().map(|article| Document {
            slug: &article.slug,
            locale: &article.locale,
            title: &article.title,
            section: &article.section,
            source: &article.source,
            summary: &article.summary,
            body: &article.text,
        }))
    }
}

/// Compiles every `.md` file under `content_dir`. Only unreadable directories are an `Err`; everything
/// wrong inside a file becomes a [`Problem`].
pub fn load(content_dir: &Path) -> std::io::Result<KnowledgeBase> {
    let mut knowledge_base = KnowledgeBase::default();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(content_dir).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        let is_markdown = entry.path().extension().is_some_and(|extension| extension == "md");
        if entry.file_type().is_file() && is_markdown {
            files.push(entry.into_path());
        }
    }
    for path in files {
        let relative = path.strip_prefix(content_dir).unwrap_or(&path);
        let source = relative_source(relative);
        let top_folder = source.split('/').next().unwrap_or_default();
        if source.contains('/') && NON_ARTICLE_FOLDERS.contains(&top_folder) {
            continue;
        }
        let markdown = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(markdown)) => markdown,
            Ok(Err(_)) => {
                knowledge_base.problems.push(Problem {
                    file: source,
                    line: 1,
                    severity: Severity::Error,
                    message: "the file is not UTF-8 text".into(),
                    fix: "save the file as UTF-8".into(),
                });
                continue;
            }
            Err(error) => return Err(error),
        };
        match compile_article(&source, &markdown) {
            Ok(Some(article)) => knowledge_base.articles.push(article),
            Ok(None) => {}
            Err(problem) => knowledge_base.problems.push(problem),
        }
    }
    report_duplicate_slugs(&mut knowledge_base);
    knowledge_base.problems.sort();
    Ok(knowledge_base)
}

fn relative_source(relative: &Path) -> String {
    relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Front matter keys an article may set; everything else about it is derived from its path.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FrontMatter {
    title: Option<String>,
    slug: Option<String>,
    summary: Option<String>,
    section: Option<String>,
    locale: Option<String>,
    draft: bool,
}

/// Compiles one article. `Ok(None)` is a draft, which is checked but not published.
pub fn compile_article(source: &str, markdown: &str) -> Result<Option<Article>, Problem> {
    let (front_matter, body) = split_front_matter(source, markdown)?;
    if front_matter.draft {
        return Ok(None);
    }
    let rendered = render(body);
    let (locale, section, stem) = place_from_path(source);
    let title = front_matter
        .title
        .filter(|title| !title.trim().is_empty())
        .or(rendered.first_heading)
        .unwrap_or_else(|| stem.clone());
    let summary = front_matter
        .summary
        .filter(|summary| !summary.trim().is_empty())
        .unwrap_or_else(|| text::excerpt(&rendered.text, SUMMARY_CHARS));
    let slug = front_matter.slug.unwrap_or_else(|| slugify(&stem));
    if slug.is_empty() || slug != slugify(&slug) {
        return Err(Problem {
            file: source.to_owned(),
            line: 1,
            severity: Severity::Error,
            message: format!("the slug {slug:?} is not usable in a URL"),
            fix: format!("use lowercase letters, digits and dashes, e.g. `slug: {}`", slugify(&title)),
        });
    }
    Ok(Some(Article {
        slug,
        locale: front_matter.locale.unwrap_or(locale),
        section: front_matter.section.unwrap_or(section),
        title: title.trim().to_owned(),
        summary,
        source: source.to_owned(),
        html: rendered.html,
        text: rendered.text,
    }))
}

/// Returns the front matter and the Markdown after it.
fn split_front_matter<'a>(source: &str, markdown: &'a str) -> Result<(FrontMatter, &'a str), Problem> {
    let markdown = markdown.strip_prefix('\u{feff}').unwrap_or(markdown);
    let Some(after_opening) = markdown.strip_prefix("---\n").or_else(|| markdown.strip_prefix("---\r\n")) else {
        return Ok((FrontMatter::default(), markdown));
    };
    let closing = after_opening
        .match_indices("\n---")
        .map(|(at, _)| at)
        .find(|&at| after_opening[at + 4..].starts_with(['\n', '\r']) || after_opening.len() == at + 4);
    let Some(closing) = closing else {
        return Err(Problem {
            file: source.to_owned(),
            line: 1,
            severity: Severity::Error,
            message: "the front matter opened with `---` is never closed".into(),
            fix: "add a line with just `---` after the last front matter key".into(),
        });
    };
    let yaml = &after_opening[..closing];
    let rest = after_opening[closing + 4..].trim_start_matches(['\r']).strip_prefix('\n').unwrap_or("");
    let front_matter = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        serde_norway::from_str(yaml).map_err(|error| Problem {
            file: source.to_owned(),
            // +1 for the opening `---` line.
            line: error.location().map_or(1, |location| location.line() + 1),
            severity: Severity::Error,
            message: format!("the front matter is not valid: {error}"),
            fix: "write front matter as `key: value` lines, e.g. `title: Reset your password`".into(),
        })?
    };
    Ok((front_matter, rest))
}

/// Locale, section and file stem from `<locale>/<section>/<slug>.md`, with defaults for shorter paths.
fn place_from_path(source: &str) -> (String, String, String) {
    let mut folders: Vec<&str> = source.split('/').collect();
    let file = folders.pop().unwrap_or_default();
    let mut stem = file.strip_suffix(".md").unwrap_or(file).to_owned();
    // A folder's `index.md` is that folder's article; "index" would collide across folders.
    if stem == "index"
        && let Some(folder) = folders.last()
    {
        stem = (*folder).to_owned();
    }
    let locale = match folders.first() {
        Some(first) if looks_like_locale(first) => folders.remove(0).to_owned(),
        _ => DEFAULT_LOCALE.to_owned(),
    };
    let section = folders.first().map_or(DEFAULT_SECTION.to_owned(), |folder| slugify(folder));
    (locale, section, stem)
}

/// `en`, `ru`, `uk`, `pt-BR`: two lowercase letters, optionally a dash and a region.
fn looks_like_locale(folder: &str) -> bool {
    let (language, region) = folder.split_once('-').unwrap_or((folder, ""));
    language.len() == 2
        && language.chars().all(|c| c.is_ascii_lowercase())
        && (region.is_empty() || (region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase())))
}

/// A URL-safe, lowercase form of a name: letters and digits of any script, words joined by dashes.
pub fn slugify(name: &str) -> String {
    text::terms(name).collect::<Vec<_>>().join("-")
}

struct Rendered {
    html: String,
    text: String,
    first_heading: Option<String>,
}

fn render(markdown: &str) -> Rendered {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();

    let mut text = String::new();
    let mut first_heading: Option<String> = None;
    let mut in_first_heading = false;
    for event in &events {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) if first_heading.is_none() => {
                in_first_heading = true;
                first_heading = Some(String::new());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                in_first_heading = false;
                text.push(' ');
            }
            Event::Text(words) | Event::Code(words) => {
                if in_first_heading {
                    first_heading.get_or_insert_default().push_str(words);
                }
                text.push_str(words);
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(_) => text.push(' '),
            _ => {}
        }
    }

    let mut unsafe_html = String::new();
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    Rendered {
        html: ammonia::clean(&unsafe_html),
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        first_heading: first_heading.map(|heading| heading.trim().to_owned()).filter(|h| !h.is_empty()),
    }
}

fn report_duplicate_slugs(knowledge_base: &mut KnowledgeBase) {
    let mut first_source: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for article in &knowledge_base.articles {
        let key = (article.locale.as_str(), article.slug.as_str());
        if let Some(first) = first_source.insert(key, &article.source) {
            problems.push(Problem {
                file: article.source.clone(),
                line: 1,
                severity: Severity::Error,
                message: format!(
                    "the slug `{}` is already used by {first} in locale `{}`",
                    article.slug, article.locale
                ),
                fix: "rename one of the files or give it its own `slug:` in the front matter".into(),
            });
        }
    }
    knowledge_base.problems.extend(problems);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(source: &str, markdown: &str) -> Article {
        compile_article(source, markdown).unwrap().unwrap()
    }

    #[test]
    fn front_matter_and_path_give_the_article_its_place() {
        let article = compile(
            "ru/account/reset-password.md",
            "---\ntitle: Сброс пароля\nsummary: Как сбросить пароль.\n---\nОткройте страницу входа.\n",
        );
        assert_eq!(article.slug, "reset-password");
        assert_eq!(article.locale, "ru");
        assert_eq!(article.section, "account");
        assert_eq!(article.title, "Сброс пароля");
        assert_eq!(article.summary, "Как сбросить пароль.");
        assert_eq!(article.html, "<p>Откройте страницу входа.</p>\n");
    }

    #[test]
    fn title_falls_back_to_first_heading_then_file_name() {
        assert_eq!(compile("a.md", "Intro\n\n# Pair a *board*\n\ntext").title, "Pair a board");
        assert_eq!(compile("Hardware/If the port is missing.md", "no heading").title, "If the port is missing");
        assert_eq!(compile("Hardware/If the port is missing.md", "x").slug, "if-the-port-is-missing");
    }

    #[test]
    fn an_index_file_takes_its_folder_name() {
        assert_eq!(compile("ru/syntax/notes/index.md", "text").slug, "notes");
        assert_eq!(compile("index.md", "text").slug, "index");
    }

    #[test]
    fn folders_that_are_not_locales_are_sections() {
        let article = compile("Hardware Support/UNO/Reset.md", "text");
        assert_eq!((article.locale.as_str(), article.section.as_str()), ("en", "hardware-support"));
    }

    #[test]
    fn script_never_survives_rendering() {
        let article = compile(
            "x.md",
            "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src=x onerror=alert(3)>\n",
        );
        assert!(!article.html.contains("<script"), "{}", article.html);
        assert!(!article.html.contains("javascript:"), "{}", article.html);
        assert!(!article.html.contains("onerror"), "{}", article.html);
    }

    #[test]
    fn summary_defaults_to_the_start_of_the_text() {
        let article = compile("x.md", "# Title\n\nFirst paragraph with **bold** words.\n");
        assert_eq!(article.summary, "Title First paragraph with bold words.");
        assert_eq!(article.text, "Title First paragraph with bold words.");
    }

    #[test]
    fn drafts_are_not_published() {
        assert_eq!(compile_article("x.md", "---\ndraft: true\n---\nsoon").unwrap(), None);
    }

    #[test]
    fn broken_front_matter_names_file_line_and_fix() {
        let problem = compile_article("en/a/b.md", "---\ntitle: ok\ntags: [unclosed\n---\nbody").unwrap_err();
        assert_eq!(problem.file, "en/a/b.md");
        assert_eq!(problem.severity, Severity::Error);
        assert!(problem.line >= 3, "line {}", problem.line);
        let unclosed = compile_article("c.md", "---\ntitle: never closed\n\nbody").unwrap_err();
        assert!(unclosed.message.contains("never closed"));
        assert!(unclosed.fix.contains("---"));
    }

    #[test]
    fn bad_slug_is_an_error_with_a_suggestion() {
        let problem = compile_article("x.md", "---\ntitle: Reset It\nslug: Reset It!\n---\n").unwrap_err();
        assert!(problem.fix.contains("reset-it"), "{}", problem.fix);
    }

    #[test]
    fn loading_a_directory_reports_every_problem_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("en/billing/plans.md", "# Plans\n\nPick a plan.");
        write("en/account/plans.md", "# Other plans\n");
        write("en/account/broken.md", "---\ntitle: [\n---\n");
        write("en/account/binary.md", "\u{0}\u{ff}");
        std::fs::write(dir.path().join("en/account/binary.md"), [0xff, 0xfe, 0x00]).unwrap();
        write("status/outage.md", "---\nlevel: red\n---\n");
        let knowledge_base = load(dir.path()).unwrap();
        assert_eq!(knowledge_base.articles.len(), 2);
        assert!(knowledge_base.has_errors());
        let files: Vec<&str> = knowledge_base.problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(files, ["en/account/binary.md", "en/account/broken.md", "en/billing/plans.md"]);
        assert!(knowledge_base.problems[2].message.contains("en/account/plans.md"));
    }
}
