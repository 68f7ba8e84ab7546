//! The knowledge-base compiler: Markdown files with YAML front matter in, safe articles and search
//! indexes out. It runs natively at build time, so it may use the heavy, thorough crates (pulldown-cmark,
//! ammonia) that browsers never download.
//!
//! Layout: `<content-dir>/<locale>/<section>/<slug>.md`. The locale folder is optional (content without
//! one is in the default locale); `status/` holds status notices, and folders starting with `_` or `.` hold
//! fragments to include, not articles. `edgedesk.toml` at the root configures the site.
//!
//! Compilation runs in passes, as Zola does: read every file and its front matter, give every article its
//! slug, render each with all slugs known (so links resolve), then check what needs all articles rendered
//! (anchors in other articles, related articles). Problems are collected, never thrown.

pub mod config;
pub mod directives;
mod front_matter;
pub mod markdown;
mod notices;
mod problems;
pub mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

pub use config::SiteConfig;
pub use markdown::RenderedPart;
pub use problems::{Problem, Severity, summarize};

use edgedesk_protocol::api::{Article, ArticleLink, Section};
use edgedesk_protocol::status::Notice;
use edgedesk_search::{Document, Part, SearchIndex, text};
use markdown::ArticleRef;

pub const DEFAULT_LOCALE: &str = "en";
const DEFAULT_SECTION: &str = "general";
/// Folders under the content directory that hold something other than articles.
const NON_ARTICLE_FOLDERS: [&str; 1] = [STATUS_FOLDER];
/// Scheduled status notices live here.
pub const STATUS_FOLDER: &str = "status";
/// Files other documentation tools use that edgedesk does not read; reported once so editors know.
const FOREIGN_FILES: [&str; 4] = ["toc.yaml", ".yfm", "presets.yaml", "index.yaml"];
const SUMMARY_CHARS: usize = 180;

/// Everything the compiler made of a content directory.
#[derive(Debug, Default)]
pub struct KnowledgeBase {
    pub config: SiteConfig,
    /// Published articles, ordered by source path so that builds are reproducible.
    pub articles: Vec<Article>,
    /// For each article (same order), the text of its intro and sections, for the search index.
    pub parts: Vec<Vec<RenderedPart>>,
    /// Errors one by one, recurring warnings summarized.
    pub problems: Vec<Problem>,
    /// Images and files articles refer to, relative to the content directory, to publish with them.
    pub media: BTreeSet<String>,
    /// Scheduled status notices from `status/`, by file name.
    pub notices: Vec<Notice>,
    /// The support team as `[support]` describes it (defaults when absent).
    pub support: edgedesk_tickets::support::Support,
}

impl KnowledgeBase {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|problem| problem.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.problems.iter().filter(|problem| problem.severity == severity).count()
    }

    /// Every locale that has articles, and the configured ones.
    pub fn locales(&self) -> BTreeSet<String> {
        self.articles.iter().map(|a| a.locale.clone()).chain(self.config.locales.iter().cloned()).collect()
    }

    /// A search index for every locale.
    pub fn search_indexes(&self) -> BTreeMap<String, SearchIndex> {
        self.locales().into_iter().map(|locale| (locale.clone(), self.search_index(&locale))).collect()
    }

    /// The locale a query typed on a page in `page_locale` is searched in, as the worker chooses it
    /// ([`edgedesk_search::language::locale_for_query`]).
    pub fn locale_for_query(&self, text: &str, page_locale: &str) -> String {
        let locales = self.locales();
        let locales: Vec<&str> = locales.iter().map(String::as_str).collect();
        let others = edgedesk_search::language::other_locales(text, page_locale, &locales);
        if others.is_empty() {
            return page_locale.to_owned();
        }
        let indexes: BTreeMap<&str, SearchIndex> =
            std::iter::once(page_locale).chain(others).map(|locale| (locale, self.search_index(locale))).collect();
        edgedesk_search::language::locale_for_query(text, page_locale, &locales, |locale| indexes.get(locale))
            .to_owned()
    }

    pub fn search_index(&self, locale: &str) -> SearchIndex {
        let synonyms = self.config.synonyms.get(locale).map(Vec::as_slice).unwrap_or_default();
        SearchIndex::build(
            locale,
            self.articles.iter().zip(&self.parts).filter(|(article, _)| article.locale == locale).map(
                |(article, parts)| Document {
                    slug: &article.slug,
                    title: &article.title,
                    section: &article.section,
                    source: &article.source,
                    summary: &article.summary,
                    products: &article.products,
                    tags: &article.tags,
                    parts: parts
                        .iter()
                        .map(|part| Part { anchor: &part.anchor, heading: &part.heading, text: &part.text })
                        .collect(),
                },
            ),
            synonyms,
        )
    }

    /// Every `paths` entry of the locale's articles, for suggestions in context.
    pub fn path_rules(&self, locale: &str) -> Vec<edgedesk_search::context::PathRule> {
        self.articles
            .iter()
            .filter(|article| article.locale == locale)
            .flat_map(|article| {
                article.paths.iter().map(|pattern| edgedesk_search::context::PathRule {
                    pattern: pattern.clone(),
                    slug: article.slug.clone(),
                    title: article.title.clone(),
                })
            })
            .collect()
    }

    /// The sections of a locale in their configured order (then by slug), each with its articles by title.
    pub fn sections(&self, locale: &str) -> Vec<Section> {
        let mut by_section: BTreeMap<&str, Vec<ArticleLink>> = BTreeMap::new();
        for article in self.articles.iter().filter(|article| article.locale == locale) {
            by_section
                .entry(&article.section)
                .or_default()
                .push(ArticleLink { slug: article.slug.clone(), title: article.title.clone() });
        }
        let mut sections: Vec<Section> = by_section
            .into_iter()
            .map(|(slug, mut articles)| {
                articles.sort_by(|a, b| a.title.cmp(&b.title).then(a.slug.cmp(&b.slug)));
                Section { slug: slug.to_owned(), title: self.config.section_title(slug, locale), articles }
            })
            .collect();
        sections.sort_by_key(|section| {
            (self.config.section_order(&section.slug).unwrap_or(i64::MAX), section.slug.clone())
        });
        sections
    }
}

/// An article after the first pass: its front matter read and its place known.
struct Draft {
    source: String,
    locale: String,
    section: String,
    stem: String,
    explicit_slug: Option<String>,
    slug: String,
    title: Option<String>,
    first_line_heading: Option<String>,
    front_matter: front_matter::FrontMatter,
    body: String,
    body_line: usize,
}

/// Compiles every article under `content_dir`. Only an unreadable directory is an `Err`; everything wrong
/// inside it becomes a [`Problem`].
pub fn load(content_dir: &Path) -> std::io::Result<KnowledgeBase> {
    let mut problems = Vec::new();
    let config_path = content_dir.join(config::FILE_NAME);
    let config_text = match std::fs::read_to_string(&config_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    let config = SiteConfig::parse(&config_text).unwrap_or_else(|problem| {
        problems.push(problem);
        SiteConfig::default()
    });
    let support = support::compile(&config.support, &config_text).unwrap_or_else(|problem| {
        problems.push(problem);
        edgedesk_tickets::support::Support::default()
    });
    if !content_dir.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"));
    }

    let mut drafts = Vec::new();
    let mut notices: Vec<Notice> = Vec::new();
    for entry in walkdir::WalkDir::new(content_dir).sort_by_file_name().into_iter().filter_entry(|entry| {
        let name = entry.file_name().to_string_lossy();
        entry.depth() == 0 || !(name.starts_with('.') && entry.file_type().is_dir() || name.starts_with('_'))
    }) {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let source = relative_source(entry.path().strip_prefix(content_dir).unwrap_or(entry.path()));
        let file_name = entry.file_name().to_string_lossy();
        if FOREIGN_FILES.contains(&file_name.as_ref()) {
            problems.push(
                Problem::warning(
                    &source,
                    1,
                    "unused-file",
                    format!("`{file_name}` belongs to another documentation tool and is not read"),
                    "sections come from folders and edgedesk.toml; the file can stay or go",
                )
                .grouped_by(file_name.to_string()),
            );
            continue;
        }
        let top_folder = source.split('/').next().unwrap_or_default();
        if source.ends_with(".md") && top_folder == STATUS_FOLDER && source.contains('/') {
            let markdown = String::from_utf8_lossy(&std::fs::read(entry.path())?).into_owned();
            match notices::compile(&source, &markdown, &config) {
                Ok(notice) => notices.push(notice),
                Err(problem) => problems.push(problem),
            }
            continue;
        }
        if !source.ends_with(".md") || (source.contains('/') && NON_ARTICLE_FOLDERS.contains(&top_folder)) {
            continue;
        }
        let markdown = match String::from_utf8(std::fs::read(entry.path())?) {
            Ok(markdown) => markdown,
            Err(_) => {
                problems.push(Problem::error(
                    &source,
                    1,
                    "not-utf8",
                    "the file is not UTF-8 text",
                    "save the file as UTF-8",
                ));
                continue;
            }
        };
        if let Some(draft) = read_draft(&source, &markdown, &config, &mut problems) {
            drafts.push(draft);
        }
    }
    assign_slugs(&mut drafts, &mut problems);

    let published: BTreeMap<String, ArticleRef> = drafts
        .iter()
        .filter(|draft| !draft.front_matter.draft)
        .map(|draft| {
            let title = draft.title.clone().or(draft.first_line_heading.clone()).unwrap_or(draft.stem.clone());
            (draft.source.clone(), ArticleRef { locale: draft.locale.clone(), slug: draft.slug.clone(), title })
        })
        .collect();
    let read = |path: &str| std::fs::read_to_string(content_dir.join(path)).ok();
    let file_exists = |path: &str| content_dir.join(path).is_file();

    let mut articles = Vec::new();
    let mut parts = Vec::new();
    let mut media = BTreeSet::new();
    let mut anchors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut anchor_links = Vec::new();
    for draft in &drafts {
        let mut resolver = directives::Resolver {
            source: &draft.source,
            variables: &config.variables,
            read: &read,
            problems: Vec::new(),
        };
        let resolved = resolver.resolve(&draft.body, draft.body_line);
        problems.extend(resolver.problems);
        let context = markdown::Context {
            source: &draft.source,
            locale: &draft.locale,
            slug: &draft.slug,
            title: draft.title.as_deref(),
            articles: &published,
            file_exists: &file_exists,
        };
        let rendered = markdown::render(&resolved, &context);
        problems.extend(rendered.problems);
        if draft.front_matter.draft {
            continue;
        }
        anchors.insert(draft.source.clone(), rendered.headings.iter().map(|h| h.anchor.clone()).collect());
        anchor_links.extend(rendered.anchor_links.into_iter().map(|link| (draft.source.clone(), link)));
        media.extend(rendered.media);
        let title = draft.title.clone().or(rendered.first_heading).unwrap_or_else(|| draft.stem.clone());
        let summary = draft.front_matter.summary.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| {
            let intro = &rendered.parts[0].text;
            let text = if intro.is_empty() {
                rendered.parts.iter().map(|p| p.text.as_str()).find(|t| !t.is_empty()).unwrap_or("")
            } else {
                intro
            };
            text::excerpt(text, SUMMARY_CHARS)
        });
        articles.push(Article {
            slug: draft.slug.clone(),
            locale: draft.locale.clone(),
            section_title: config.section_title(&draft.section, &draft.locale),
            section: draft.section.clone(),
            title: title.trim().to_owned(),
            summary,
            source: draft.source.clone(),
            html: rendered.html,
            headings: rendered.headings,
            tags: draft.front_matter.tags.clone(),
            products: draft.front_matter.products.clone(),
            paths: draft.front_matter.paths.clone(),
            updated: draft.front_matter.updated.clone(),
            related: Vec::new(),
        });
        parts.push(rendered.parts);
    }

    for (source, link) in anchor_links {
        if let Some(known) = anchors.get(&link.target_source)
            && !known.contains(&link.anchor)
        {
            problems.push(markdown::broken_anchor(&source, link.line, &link.anchor, &link.target_source, known));
        }
    }
    resolve_related(&mut articles, &drafts, &mut problems);
    report_unknown_vetoes(&config, &config_text, &articles, &mut problems);
    report_answers_settings(&config, &config_text, &mut problems);
    report_duplicate_notice_ids(&notices, &mut problems);
    Ok(KnowledgeBase { config, articles, parts, problems: summarize(problems), media, notices, support })
}

fn read_draft(source: &str, markdown: &str, config: &SiteConfig, problems: &mut Vec<Problem>) -> Option<Draft> {
    let split = match front_matter::split(source, markdown) {
        Ok(split) => split,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    front_matter::check_meaning(source, &split, problems);
    let (path_locale, path_section, stem) = place_from_path(source, config.default_locale());
    let front_matter = split.front_matter;
    let locale = front_matter.locale.clone().unwrap_or(path_locale);
    if !config.locales.is_empty() && !config.locales.contains(&locale) {
        problems.push(Problem::error(
            source,
            1,
            "unknown-locale",
            format!("the locale `{locale}` is not one of the site's locales ({})", config.locales.join(", ")),
            format!("move the file under one of those folders, or add `{locale}` to `locales` in edgedesk.toml"),
        ));
    }
    for product in &front_matter.products {
        if !config.products.is_empty() && !config.products.contains_key(product) {
            let known: Vec<&str> = config.products.keys().map(String::as_str).collect();
            problems.push(Problem::error(
                source,
                1,
                "unknown-product",
                format!("the product `{product}` is not declared in edgedesk.toml"),
                format!("use one of: {}, or add it under [products]", known.join(", ")),
            ));
        }
    }
    let explicit_slug = front_matter.slug.clone();
    if let Some(slug) = &explicit_slug
        && (slug.is_empty() || *slug != slugify(slug))
    {
        problems.push(Problem::error(
            source,
            1,
            "invalid-slug",
            format!("the slug {slug:?} is not usable in a URL"),
            format!("use lowercase letters, digits and dashes, e.g. `slug: {}`", slugify(slug)),
        ));
        return None;
    }
    let first_line_heading = split.body.lines().find_map(|line| line.strip_prefix("# ")).map(|h| h.trim().to_owned());
    Some(Draft {
        source: source.to_owned(),
        locale,
        section: front_matter.section.clone().map(|s| slugify(&s)).unwrap_or(path_section),
        slug: explicit_slug.clone().unwrap_or_else(|| slugify(&stem)),
        explicit_slug,
        title: front_matter.title.clone().filter(|title| !title.trim().is_empty()),
        first_line_heading,
        stem,
        body: split.body.to_owned(),
        body_line: split.body_line,
        front_matter,
    })
}

/// Gives every article a slug unique in its locale. Two files asking for the same slug in front matter are
/// an error; two files whose names happen to match get their folder's name prepended, with a warning.
fn assign_slugs(drafts: &mut [Draft], problems: &mut Vec<Problem>) {
    let mut taken: BTreeMap<(String, String), String> = BTreeMap::new();
    // Explicit slugs claim first, so a derived slug never takes one an editor asked for.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|&i| (drafts[i].explicit_slug.is_none(), drafts[i].source.clone()));
    for index in order {
        let draft = &mut drafts[index];
        let key = (draft.locale.clone(), draft.slug.clone());
        let Some(first) = taken.get(&key).cloned() else {
            taken.insert(key, draft.source.clone());
            continue;
        };
        if draft.explicit_slug.is_some() {
            problems.push(Problem::error(
                &draft.source,
                1,
                "duplicate-slug",
                format!("the slug `{}` is already used by {first} in locale `{}`", draft.slug, draft.locale),
                "give one of the two articles another `slug:`",
            ));
            continue;
        }
        let folders: Vec<&str> = draft.source.split('/').rev().skip(1).collect();
        let mut candidate = draft.slug.clone();
        for folder in folders {
            candidate = format!("{}-{candidate}", slugify(folder));
            if !taken.contains_key(&(draft.locale.clone(), candidate.clone())) {
                break;
            }
        }
        problems.push(
            Problem::warning(
                &draft.source,
                1,
                "renamed-slug",
                format!("`{}` is taken by {first}, so this article is published as `{candidate}`", draft.slug),
                format!("set `slug: {candidate}` (or another) in the front matter to choose the URL yourself"),
            )
            .grouped_by("renamed-slug"),
        );
        draft.slug = candidate;
        taken.insert((draft.locale.clone(), draft.slug.clone()), draft.source.clone());
    }
}

fn report_duplicate_notice_ids(notices: &[Notice], problems: &mut Vec<Problem>) {
    let mut seen = BTreeSet::new();
    for notice in notices {
        if !seen.insert(notice.id.as_str()) {
            problems.push(Problem::error(
                &format!("{STATUS_FOLDER}/"),
                1,
                "duplicate-notice-id",
                format!("two status notices have the id `{}`", notice.id),
                "give one of them its own `id:`",
            ));
        }
    }
}

fn resolve_related(articles: &mut [Article], drafts: &[Draft], problems: &mut Vec<Problem>) {
    let titles: BTreeMap<(String, String), String> =
        articles.iter().map(|a| ((a.locale.clone(), a.slug.clone()), a.title.clone())).collect();
    let wanted: BTreeMap<&str, &Vec<String>> =
        drafts.iter().map(|draft| (draft.source.as_str(), &draft.front_matter.related)).collect();
    for article in articles.iter_mut() {
        for slug in wanted.get(article.source.as_str()).copied().into_iter().flatten() {
            match titles.get(&(article.locale.clone(), slug.clone())) {
                Some(title) => article.related.push(ArticleLink { slug: slug.clone(), title: title.clone() }),
                None => problems.push(Problem::warning(
                    &article.source,
                    1,
                    "unknown-related",
                    format!("`related` names `{slug}`, which is no published article in `{}`", article.locale),
                    "use the slug of an article in the same locale (its file name, unless it sets `slug:`)",
                )),
            }
        }
    }
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

/// Locale, section and file stem from `<locale>/<section>/<slug>.md`, with defaults for shorter paths.
fn place_from_path(source: &str, default_locale: &str) -> (String, String, String) {
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
        _ => default_locale.to_owned(),
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

#[cfg(test)]
mod tests;

/// `[answers]` settings out of their bounds, each with its line.
fn report_answers_settings(config: &SiteConfig, config_text: &str, problems: &mut Vec<Problem>) {
    let Some(answers) = &config.answers else { return };
    for (key, message, fix) in answers.problems() {
        let section = config_text.lines().position(|line| line.trim() == "[answers]").unwrap_or(0);
        let line = config_text
            .lines()
            .enumerate()
            .skip(section)
            .find(|(_, line)| line.trim_start().starts_with(key))
            .map_or(section + 1, |(index, _)| index + 1);
        problems.push(Problem::error(config::FILE_NAME, line, "invalid-answers-setting", message, fix));
    }
}

/// A veto must name an article that exists, or it silently protects nothing (a renamed article, a typo).
fn report_unknown_vetoes(config: &SiteConfig, config_text: &str, articles: &[Article], problems: &mut Vec<Problem>) {
    for veto in &config.learning.veto {
        if articles.iter().any(|article| article.slug == veto.article) {
            continue;
        }
        let line = config_text
            .lines()
            .position(|line| line.contains(&format!("\"{}\"", veto.article)))
            .map_or(1, |index| index + 1);
        problems.push(Problem::error(
            config::FILE_NAME,
            line,
            "unknown-veto-article",
            format!("`[learning] veto` names the article `{}`, which does not exist.", veto.article),
            "Use the article's slug, as search results and `edgedesk report learned` show it, or remove the veto.",
        ));
    }
}
