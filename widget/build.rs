//! Minifies the panel's style sheet into one string for `lib.rs`: comments, which explain the CSS to
//! us, and layout whitespace are bytes every customer would download in the wasm for nothing. The
//! screens' sheets (form.css, article.css) are not here: they download with the screens' chunk as
//! `screens.css` (scripts/build.sh, `lazy.rs`), since the wasm's data all stays in the first chunk.

use std::path::Path;

const STYLE_SHEETS: [&str; 1] = ["src/panel.css"];

fn main() {
    let mut css = String::new();
    for sheet in STYLE_SHEETS {
        println!("cargo:rerun-if-changed={sheet}");
        css.push_str(&std::fs::read_to_string(sheet).unwrap_or_else(|error| panic!("{sheet}: {error}")));
        css.push('\n');
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("panel.min.css");
    std::fs::write(out, minify(&css)).expect("OUT_DIR is writable");
}

/// Drops comments and collapses whitespace, keeping quoted strings as they are. Spaces next to
/// punctuation that cannot need them (`{ } ; : , >`) go too; a space elsewhere (between values, in
/// selectors) stays, as one.
fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                pending_space = true;
            }
            '"' | '\'' => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
            }
        }
    }
    out.replace(";}", "}")
}

/// Writes the space a run of whitespace or a comment stood for, unless punctuation on either side makes
/// it meaningless. (`:` keeps a space before it: `a :hover` and `a:hover` are different selectors.)
fn flush_space(out: &mut String, pending: &mut bool, next: char) {
    let needless_after = |c: char| matches!(c, '{' | '}' | ';' | ':' | ',' | '>');
    let needless_before = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
    if *pending && !out.is_empty() && !out.ends_with(needless_after) && !needless_before(next) {
        out.push(' ');
    }
    *pending = false;
}
