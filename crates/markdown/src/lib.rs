//! Markdown, read one way for the two places edgedesk renders it:
//!
//! - **articles**, compiled natively by `edgedesk build`: every extension help centers use, raw HTML passed
//!   through to the compiler, which rewrites links and media and then sanitises the HTML with ammonia;
//! - **notices** written at runtime (an operator's live incident, rendered in the worker), where ammonia
//!   is not at hand: [`notice_html`] shows raw HTML as text, keeps only web and mail addresses in links, and
//!   drops images, so its output can go into any page as it is.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Which Markdown extensions a text may use, on top of CommonMark. `Syntax::default()` is CommonMark alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Syntax {
    /// `| a | b |` tables.
    pub tables: bool,
    /// `[^1]` footnotes.
    pub footnotes: bool,
    /// `~~struck through~~`.
    pub strikethrough: bool,
    /// `- [x] done` task lists.
    pub tasklists: bool,
    /// `## Heading {#anchor}`: an anchor the editor chooses, so links to it survive a reworded heading.
    pub heading_attributes: bool,
}

impl Syntax {
    /// Articles: everything editors of help centers write, Diplodoc's YFM included.
    pub const ARTICLES: Syntax =
        Syntax { tables: true, footnotes: true, strikethrough: true, tasklists: true, heading_attributes: true };
    /// Notices: a few lines an operator types during an incident; tables and strikethrough ("~~down~~
    /// slow") are all a banner needs, and no anchors or footnotes to link into.
    pub const NOTICES: Syntax =
        Syntax { tables: true, footnotes: false, strikethrough: true, tasklists: false, heading_attributes: false };

    fn options(self) -> Options {
        let mut options = Options::empty();
        options.set(Options::ENABLE_TABLES, self.tables);
        options.set(Options::ENABLE_FOOTNOTES, self.footnotes);
        options.set(Options::ENABLE_STRIKETHROUGH, self.strikethrough);
        options.set(Options::ENABLE_TASKLISTS, self.tasklists);
        options.set(Options::ENABLE_HEADING_ATTRIBUTES, self.heading_attributes);
        options
    }
}

/// The parser every rendering starts from.
pub fn parser(markdown: &str, syntax: Syntax) -> Parser<'_> {
    Parser::new_ext(markdown, syntax.options())
}

/// Addresses a link in a notice may have; anything else (`javascript:`, `data:`) loses its target.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"].iter().any(|scheme| lower.starts_with(scheme))
}

/// A notice's Markdown as HTML that can go into any page: nothing in it can run script or load anything.
pub fn notice_html(markdown: &str) -> String {
    let events = parser(markdown, Syntax::NOTICES).map(|event| match event {
        // Raw HTML is shown as the text it is, never interpreted.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::from("") };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        // Images would load from anywhere on every host page; a notice shows its alt text instead.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => Event::Text(CowStr::from("")),
        other => other,
    });
    let mut rendered = String::new();
    html::push_html(&mut rendered, events);
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders() {
        assert_eq!(
            notice_html("**Login** is slow. [Details](https://status.acme.test)"),
            "<p><strong>Login</strong> is slow. <a href=\"https://status.acme.test\">Details</a></p>\n"
        );
    }

    #[test]
    fn nothing_can_run_script() {
        let hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3)) \
                       [y](JAVASCRIPT:alert(4)) ![z](https://evil.test/a.png) <a href=\"javascript:alert(5)\">a</a>";
        let html = notice_html(hostile);
        // Written-out HTML stays visible text (`&lt;a href=…`); no element may carry a script.
        for forbidden in ["<script", "<img", "<a href=\"javascript", "<a href=\"JAVASCRIPT", "<a href=\"\">a"] {
            assert!(!html.contains(forbidden), "{forbidden} survived in {html}");
        }
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn the_two_syntaxes_differ_only_where_they_say() {
        let task = "- [x] done";
        assert!(html_of(task, Syntax::ARTICLES).contains("checkbox"));
        assert!(!html_of(task, Syntax::NOTICES).contains("checkbox"));
        let table = "| a |\n|---|\n| 1 |";
        for syntax in [Syntax::ARTICLES, Syntax::NOTICES] {
            assert!(html_of(table, syntax).contains("<table>"));
            assert!(html_of("~~gone~~", syntax).contains("<del>"));
        }
        assert!(!html_of(table, Syntax::default()).contains("<table>"));
    }

    fn html_of(markdown: &str, syntax: Syntax) -> String {
        let mut out = String::new();
        html::push_html(&mut out, parser(markdown, syntax));
        out
    }
}
