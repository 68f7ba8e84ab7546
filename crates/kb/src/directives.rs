//! Liquid-style directives (`{% … %}`) and variables (`{{ … }}`), as found in Yandex Flavored Markdown
//! and many imported help centers. They are resolved before Markdown is parsed:
//!
//! - `{% include [title](path.md) %}` is replaced by that file's Markdown;
//! - `{% note info "Title" %}` … `{% endnote %}` becomes a callout box, `{% cut "Title" %}` … `{% endcut %}`
//!   a disclosure (`<details>`);
//! - `{{ name }}` is replaced by the site configuration's variable;
//! - every other directive is dropped with its content kept, and reported once per directive name, so
//!   the text is still shown and searchable and the editor learns what did not render.
//!
//! Nothing inside fenced code blocks is touched: documentation shows directives as examples.

use std::collections::BTreeMap;

use super::problems::Problem;
use edgedesk_search::text::escape_html;

/// Includes nest at most this deep; deeper is almost certainly a cycle through different paths.
const MAX_INCLUDE_DEPTH: usize = 8;
const NOTE_KINDS: [&str; 4] = ["info", "tip", "warning", "alert"];
const LITERAL_VARIABLE_PREFIX: &str = "not_var";

/// Markdown with directives resolved, and for each of its lines the line of the article it came from
/// (included lines map to their include directive).
#[derive(Debug, Default, PartialEq)]
pub struct Resolved {
    pub markdown: String,
    pub source_lines: Vec<usize>,
}

pub struct Resolver<'a> {
    /// The article being compiled, relative to the content directory.
    pub source: &'a str,
    pub variables: &'a BTreeMap<String, String>,
    /// Reads a file by its path relative to the content directory.
    pub read: &'a dyn Fn(&str) -> Option<String>,
    pub problems: Vec<Problem>,
}

impl Resolver<'_> {
    /// Resolves `body`, whose first line is line `first_line` of the article.
    pub fn resolve(&mut self, body: &str, first_line: usize) -> Resolved {
        let mut resolved = Resolved::default();
        self.resolve_into(
            body,
            self.source.to_owned(),
            None,
            first_line,
            &mut vec![self.source.to_owned()],
            &mut resolved,
        );
        resolved
    }

    /// `file` is where relative include paths start from; `fixed_line` is set inside includes, where every
    /// line is reported at the include directive.
    fn resolve_into(
        &mut self,
        body: &str,
        file: String,
        fixed_line: Option<usize>,
        first_line: usize,
        including: &mut Vec<String>,
        out: &mut Resolved,
    ) {
        let mut fence: Option<(char, usize)> = None;
        for (index, line) in body.lines().enumerate() {
            let line_number = fixed_line.unwrap_or(first_line + index);
            if let Some(closing) = fence_marker(line) {
                match fence {
                    None => fence = Some(closing),
                    Some((c, n))
                        if c == closing.0 && closing.1 >= n && line.trim_start()[closing.1..].trim().is_empty() =>
                    {
                        fence = None;
                    }
                    Some(_) => {}
                }
                push_line(out, line, line_number);
                continue;
            }
            if fence.is_some() || !(line.contains("{%") || line.contains("{{")) {
                push_line(out, line, line_number);
                continue;
            }
            let indent = &line[..line.len() - line.trim_start().len()];
            let mut text = String::new();
            for (segment, is_code) in code_spans(line) {
                if is_code {
                    text.push_str(segment);
                    continue;
                }
                let mut rest = segment;
                while let Some(start) = rest.find("{%") {
                    let Some(length) = rest[start..].find("%}") else { break };
                    text.push_str(&self.substitute(&rest[..start], line_number));
                    let directive = rest[start + 2..start + length].trim();
                    rest = &rest[start + length + 2..];
                    let (name, arguments) = directive.split_once(char::is_whitespace).unwrap_or((directive, ""));
                    match name {
                        "include" => {
                            push_line(out, &text, line_number);
                            text.clear();
                            self.include(arguments, &file, line_number, including, out);
                        }
                        "note" => text.push_str(&note_open(indent, arguments)),
                        "cut" => text.push_str(&cut_open(indent, arguments)),
                        "endnote" => text.push_str(&format!("\n\n{indent}</div>\n\n")),
                        "endcut" => text.push_str(&format!("\n\n{indent}</details>\n\n")),
                        _ => self.unsupported(name, line_number),
                    }
                }
                text.push_str(&self.substitute(rest, line_number));
            }
            for piece in text.split('\n') {
                push_line(out, piece, line_number);
            }
        }
    }

    fn include(&mut self, arguments: &str, file: &str, line: usize, including: &mut Vec<String>, out: &mut Resolved) {
        let Some(target) = arguments.rsplit_once("](").and_then(|(_, rest)| rest.split(')').next()) else {
            self.problems.push(Problem::error(
                self.source,
                line,
                "invalid-include",
                format!("`{{% include {arguments} %}}` names no file"),
                "write it as `{% include [what it is](path/to/file.md) %}`",
            ));
            return;
        };
        // `file.md#section` includes one section in YFM; the whole file is the closest we render.
        let target = target.split('#').next().unwrap_or(target);
        let path = join_relative(file, target);
        if including.contains(&path) || including.len() > MAX_INCLUDE_DEPTH {
            self.problems.push(Problem::error(
                self.source,
                line,
                "include-cycle",
                format!("including `{target}` here would include it inside itself ({})", including.join(" → ")),
                "remove the include that leads back to a file already being included",
            ));
            return;
        }
        let Some(content) = (self.read)(&path) else {
            self.problems.push(Problem::warning(
                self.source,
                line,
                "missing-include",
                format!("the included file `{target}` does not exist (looked for `{path}`)"),
                "fix the path, which is relative to this file, or remove the include",
            ));
            return;
        };
        let body = match super::front_matter::split(&path, &content) {
            Ok(split) => split.body.to_owned(),
            Err(_) => content,
        };
        including.push(path.clone());
        self.resolve_into(&body, path, Some(line), line, including, out);
        including.pop();
    }

    fn unsupported(&mut self, name: &str, line: usize) {
        let (message, fix) = match name {
            "if" | "elsif" | "else" | "endif" => (
                "conditions (`{% if %}`) are not evaluated: the text of every branch is shown".to_owned(),
                "keep one version of the text, or write one article per audience".to_owned(),
            ),
            "list" | "endlist" => (
                "tabs (`{% list tabs %}`) are shown as a plain list".to_owned(),
                "use headings for each tab's content, or leave it as a list".to_owned(),
            ),
            _ => (
                format!("the directive `{{% {name} %}}` is not supported; it was removed and its content kept"),
                "remove the directive, or replace it with plain Markdown".to_owned(),
            ),
        };
        let group = match name {
            "elsif" | "else" | "endif" => "if",
            "endlist" => "list",
            other => other.strip_prefix("end").unwrap_or(other),
        };
        self.problems
            .push(Problem::warning(self.source, line, "unsupported-directive", message, fix).grouped_by(group));
    }

    /// Replaces `{{ name }}` with configured variables; unknown names stay as written and are reported.
    fn substitute(&mut self, text: &str, line: usize) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(length) = rest[start..].find("}}") else { break };
            let name = rest[start + 2..start + length].trim();
            let before = &rest[..start];
            // `not_var{{ x }}` is YFM's way to write `{{ x }}` literally.
            if let Some(before) = before.strip_suffix(LITERAL_VARIABLE_PREFIX) {
                out.push_str(before);
                out.push_str(&rest[start..start + length + 2]);
                rest = &rest[start + length + 2..];
                continue;
            }
            out.push_str(before);
            match self.variables.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str(&rest[start..start + length + 2]);
                    self.problems.push(
                        Problem::warning(
                            self.source,
                            line,
                            "undefined-variable",
                            format!("the variable `{{{{ {name} }}}}` is not defined and is shown as written"),
                            format!("define it under [variables] in edgedesk.toml, e.g. `{name} = \"…\"`"),
                        )
                        .grouped_by("undefined-variable"),
                    );
                }
            }
            rest = &rest[start + length + 2..];
        }
        out.push_str(rest);
        out
    }
}

fn push_line(out: &mut Resolved, line: &str, source_line: usize) {
    out.markdown.push_str(line);
    out.markdown.push('\n');
    out.source_lines.push(source_line);
}

/// The line cut into pieces outside and inside inline code spans (`` `…` ``), which are left as written.
fn code_spans(line: &str) -> Vec<(&str, bool)> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let ticks = rest[open..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[open..open + ticks];
        let Some(close) = rest[open + ticks..].find(fence) else { break };
        let end = open + ticks + close + ticks;
        pieces.push((&rest[..open], false));
        pieces.push((&rest[open..end], true));
        rest = &rest[end..];
    }
    pieces.push((rest, false));
    pieces
}

/// A line that opens or closes a fenced code block: up to three spaces, then three or more ` or ~.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = trimmed.chars().take_while(|c| *c == marker).count();
    (count >= 3).then_some((marker, count))
}

/// The first quoted string in directive arguments: `info "Title"` → `Title`.
fn quoted(arguments: &str) -> Option<&str> {
    let start = arguments.find(['"', '\''])?;
    let quote = arguments[start..].chars().next()?;
    let end = arguments[start + 1..].find(quote)?;
    Some(&arguments[start + 1..start + 1 + end])
}

fn note_open(indent: &str, arguments: &str) -> String {
    let kind = arguments.split_whitespace().next().filter(|kind| NOTE_KINDS.contains(kind)).unwrap_or("info");
    let mut html = format!("\n\n{indent}<div class=\"note note-{kind}\">\n\n");
    if let Some(title) = quoted(arguments).filter(|title| !title.is_empty()) {
        html.push_str(indent);
        html.push_str("<p class=\"note-title\">");
        escape_html(title, &mut html);
        html.push_str("</p>\n\n");
    }
    html
}

fn cut_open(indent: &str, arguments: &str) -> String {
    let mut html = format!("\n\n{indent}<details>\n{indent}<summary>");
    escape_html(quoted(arguments).unwrap_or("More"), &mut html);
    html.push_str("</summary>\n\n");
    html
}

/// `target` relative to the folder of `file`, both relative to the content directory, normalised.
pub fn join_relative(file: &str, target: &str) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(body: &str, files: &[(&str, &str)]) -> (Resolved, Vec<Problem>) {
        let files: BTreeMap<String, String> = files.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
        let read = move |path: &str| files.get(path).cloned();
        let variables = BTreeMap::from([("product".to_owned(), "Acme".to_owned())]);
        let mut resolver =
            Resolver { source: "docs/page.md", variables: &variables, read: &read, problems: Vec::new() };
        let resolved = resolver.resolve(body, 10);
        (resolved, resolver.problems)
    }

    #[test]
    fn includes_are_inlined_and_map_to_the_directive_line() {
        let (resolved, problems) = resolve(
            "Intro\n{% include [Shared](../_includes/shared.md) %}\nOutro",
            &[("_includes/shared.md", "---\ntitle: x\n---\nShared line one\nShared line two")],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(resolved.markdown, "Intro\n\nShared line one\nShared line two\n\nOutro\n");
        assert_eq!(resolved.source_lines, [10, 11, 11, 11, 11, 12]);
    }

    #[test]
    fn include_cycles_and_missing_files_are_reported() {
        let (_, problems) = resolve("{% include [a](a.md) %}", &[("docs/a.md", "{% include [b](page.md) %}")]);
        assert_eq!(problems[0].kind, "include-cycle", "{problems:?}");
        let (_, problems) = resolve("{% include [a](nowhere.md) %}", &[]);
        assert_eq!((problems[0].kind.as_str(), problems[0].line), ("missing-include", 10));
    }

    #[test]
    fn notes_and_cuts_become_html_blocks() {
        let (resolved, problems) = resolve(
            "{% note warning \"Careful\" %}\n\nText\n\n{% endnote %}\n{% cut \"More <info>\" %}\nHidden\n{% endcut %}",
            &[],
        );
        assert!(problems.is_empty());
        assert!(resolved.markdown.contains("<div class=\"note note-warning\">"), "{}", resolved.markdown);
        assert!(resolved.markdown.contains("<p class=\"note-title\">Careful</p>"));
        assert!(resolved.markdown.contains("<summary>More &lt;info&gt;</summary>"));
        assert!(resolved.markdown.contains("</details>"));
    }

    #[test]
    fn unsupported_directives_keep_their_content_and_are_reported_by_name() {
        let (resolved, problems) = resolve("{% list tabs %}\n- One\n{% endlist %}\nA {% if x %}B{% endif %} C", &[]);
        assert_eq!(resolved.markdown.trim(), "\n- One\n\nA B C".trim());
        let groups: Vec<&str> = problems.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(groups, ["list", "list", "if", "if"]);
    }

    #[test]
    fn variables_are_substituted_or_reported() {
        let (resolved, problems) = resolve("Welcome to {{ product }} and {{unknown}}", &[]);
        assert_eq!(resolved.markdown, "Welcome to Acme and {{unknown}}\n");
        assert_eq!(
            (problems[0].kind.as_str(), problems[0].group.as_str()),
            ("undefined-variable", "undefined-variable")
        );
    }

    #[test]
    fn literal_variables_and_inline_code_are_kept() {
        let (resolved, problems) = resolve("Use `{% include %}` and `{{ x }}` or not_var{{ y }}.", &[]);
        assert_eq!(resolved.markdown, "Use `{% include %}` and `{{ x }}` or {{ y }}.\n");
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn code_blocks_are_left_alone() {
        let body = "```markdown\n{% note info %}\n{{ product }}\n```\n{{ product }}";
        let (resolved, problems) = resolve(body, &[]);
        assert_eq!(resolved.markdown, "```markdown\n{% note info %}\n{{ product }}\n```\nAcme\n");
        assert!(problems.is_empty());
    }

    #[test]
    fn relative_paths_are_joined() {
        assert_eq!(join_relative("ru/syntax/notes.md", "../_includes/x.md"), "ru/_includes/x.md");
        assert_eq!(join_relative("a.md", "./b/c.md"), "b/c.md");
    }
}
