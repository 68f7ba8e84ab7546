//! Markdown for text written at runtime (live status notices), where ammonia is not at hand: raw HTML is
//! shown as text, and links and images keep only web and mail addresses. The output can go into any
//! page as it is.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Addresses a link in a notice may have; anything else (`javascript:`, `data:`) loses its target.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"].iter().any(|scheme| lower.starts_with(scheme))
}

pub fn render(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES).map(|event| match event {
            // Raw HTML is shown as the text it is, never interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::from("") };
                Event::Start(Tag::Link { link_type, dest_url, title, id })
            }
            // Images would load from anywhere on every host page; a notice shows its alt text instead.
            Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => {
                Event::Text(CowStr::from(""))
            }
            other => other,
        });
    let mut rendered = String::new();
    html::push_html(&mut rendered, events);
    rendered
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders() {
        assert_eq!(
            render("**Login** is slow. [Details](https://status.acme.test)"),
            "<p><strong>Login</strong> is slow. <a href=\"https://status.acme.test\">Details</a></p>\n"
        );
    }

    #[test]
    fn nothing_can_run_script() {
        let hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3)) \
                       [y](JAVASCRIPT:alert(4)) ![z](https://evil.test/a.png) <a href=\"javascript:alert(5)\">a</a>";
        let html = render(hostile);
        // Written-out HTML stays visible text (`&lt;a href=…`); no element may carry a script.
        for forbidden in ["<script", "<img", "<a href=\"javascript", "<a href=\"JAVASCRIPT", "<a href=\"\">a"] {
            assert!(!html.contains(forbidden), "{forbidden} survived in {html}");
        }
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}
