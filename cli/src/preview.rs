//! `edgedesk preview`: the knowledge base as customers will read it, on a local web page. The content is
//! compiled again on every page load, so an editor saves, reloads and sees the change, with the file's
//! problems shown above the article.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, Query as UrlQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use edgedesk_kb::{KnowledgeBase, Problem};
use edgedesk_protocol::api::{ARTICLE_LINK_PREFIX, Article};
use edgedesk_search::Query;
use edgedesk_search::text::escape_html;
use serde::Deserialize;

const ARTICLE_CSS: &str = include_str!("../../widget/src/article.css");
const PAGE_CSS: &str = "body{margin:0;background:#f6f7fb}main{max-width:760px;margin:0 auto;padding:24px 20px 60px;background:#fff;min-height:100vh}\
nav a{margin-inline-end:12px}.problems{border:1px solid #e67700;background:#fff4e6;border-radius:8px;padding:8px 14px;white-space:pre-wrap;font:13px ui-monospace,monospace}\
.error{color:#c92a2a}.muted{color:#5b6375}mark{background:#ffe066}";

pub fn serve(content_dir: PathBuf, port: u16) -> Result<()> {
    crate::load(&content_dir)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("could not listen on 127.0.0.1:{port}; pass another --port"))?;
        println!(
            "Previewing {} at http://127.0.0.1:{port}/ — save a file and reload the page to see it. Ctrl+C stops.",
            content_dir.display()
        );
        axum::serve(listener, router(content_dir)).await.context("the preview server stopped")
    })
}

pub fn router(content_dir: PathBuf) -> axum::Router {
    axum::Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/kb/media/{*path}", get(media))
        .route("/{locale}/{slug}", get(article))
        .route("/{locale}/{slug}/{anchor}", get(article_anchor))
        .with_state(Arc::new(content_dir))
}

type Dir = State<Arc<PathBuf>>;

fn compile(dir: &Path) -> Result<KnowledgeBase, Response> {
    crate::load(dir).map_err(|error| (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:#}")).into_response())
}

fn page(title: &str, body: &str) -> Html<String> {
    let mut escaped_title = String::new();
    escape_html(title, &mut escaped_title);
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{escaped_title} — edgedesk preview</title><style>{ARTICLE_CSS}{PAGE_CSS}</style></head>\
         <body><main class=\"article\"><nav><a href=\"/\">All articles</a></nav>{body}</main></body></html>"
    ))
}

fn problems_box(problems: &[&Problem]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let mut html = String::from("<section class=\"problems\" aria-label=\"Problems\">");
    for problem in problems {
        escape_html(&problem.to_string(), &mut html);
        html.push('\n');
    }
    html.push_str("</section>");
    html
}

async fn home(State(dir): Dir) -> Result<Html<String>, Response> {
    let knowledge_base = compile(&dir)?;
    let mut html = format!(
        "<h1>Knowledge base</h1><p class=\"muted\">{} articles, {} problem(s). <code>edgedesk check</code> lists them for scripts.</p>",
        knowledge_base.articles.len(),
        knowledge_base.problems.len()
    );
    html.push_str(&problems_box(&knowledge_base.problems.iter().collect::<Vec<_>>()));
    for locale in knowledge_base.locales() {
        html.push_str(&format!(
            "<h2>{locale}</h2><form action=\"/search\"><input type=\"hidden\" name=\"locale\" value=\"{locale}\">\
             <input type=\"search\" name=\"q\" placeholder=\"Search\" aria-label=\"Search {locale}\"> <button>Search</button></form>"
        ));
        for section in knowledge_base.sections(&locale) {
            html.push_str("<h3>");
            escape_html(&section.title, &mut html);
            html.push_str("</h3><ul>");
            for article in section.articles {
                html.push_str(&format!("<li><a href=\"/{locale}/{}\">", article.slug));
                escape_html(&article.title, &mut html);
                html.push_str("</a></li>");
            }
            html.push_str("</ul>");
        }
    }
    Ok(page("Knowledge base", &html))
}

/// Article HTML with widget links turned into preview links.
fn for_preview(article: &Article) -> String {
    article.html.replace(&format!("href=\"{ARTICLE_LINK_PREFIX}"), "href=\"/")
}

async fn article(
    State(dir): Dir,
    UrlPath((locale, slug)): UrlPath<(String, String)>,
) -> Result<Html<String>, Response> {
    let knowledge_base = compile(&dir)?;
    let Some(article) = knowledge_base.articles.iter().find(|a| a.locale == locale && a.slug == slug) else {
        return Err((StatusCode::NOT_FOUND, page("Not found", "<h1>No such article</h1>")).into_response());
    };
    let problems: Vec<&Problem> = knowledge_base.problems.iter().filter(|p| p.file == article.source).collect();
    let mut html = problems_box(&problems);
    html.push_str("<h1>");
    escape_html(&article.title, &mut html);
    html.push_str("</h1><p class=\"muted\">");
    escape_html(&format!("{} · {} · {}", article.section_title, article.locale, article.source), &mut html);
    html.push_str("</p>");
    html.push_str(&for_preview(article));
    if !article.related.is_empty() {
        html.push_str("<h2>Related</h2><ul>");
        for related in &article.related {
            html.push_str(&format!("<li><a href=\"/{locale}/{}\">", related.slug));
            escape_html(&related.title, &mut html);
            html.push_str("</a></li>");
        }
        html.push_str("</ul>");
    }
    Ok(page(&article.title, &html))
}

async fn article_anchor(UrlPath((locale, slug, anchor)): UrlPath<(String, String, String)>) -> Redirect {
    Redirect::to(&format!("/{locale}/{slug}#{anchor}"))
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    locale: Option<String>,
}

async fn search(State(dir): Dir, UrlQuery(params): UrlQuery<SearchParams>) -> Result<Html<String>, Response> {
    let knowledge_base = compile(&dir)?;
    let locale = params.locale.unwrap_or_else(|| knowledge_base.config.default_locale().to_owned());
    // The ranking the worker gives once the customer pauses: by words and by meaning.
    let index = crate::semantic::index(&knowledge_base, &locale);
    let hits = crate::semantic::search(&index, &Query::new(&params.q));
    let mut html = String::from("<h1>Search: ");
    escape_html(&params.q, &mut html);
    html.push_str("</h1><ol>");
    for hit in &hits {
        let anchor = hit.anchor.as_deref().map(|a| format!("#{a}")).unwrap_or_default();
        html.push_str(&format!("<li><a href=\"/{locale}/{}{anchor}\">", hit.slug));
        escape_html(&hit.title, &mut html);
        if let Some(heading) = &hit.heading {
            html.push_str(" › ");
            escape_html(heading, &mut html);
        }
        // The snippet is already escaped HTML with <mark>.
        html.push_str(&format!("</a><br><span class=\"muted\">{}</span></li>", hit.snippet));
    }
    html.push_str("</ol>");
    if hits.is_empty() {
        html.push_str("<p>No articles match.</p>");
    }
    Ok(page("Search", &html))
}

async fn media(State(dir): Dir, UrlPath(path): UrlPath<String>) -> Response {
    // Only files below the content directory, whatever the path says.
    if path.split('/').any(|part| part == ".." || part.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(dir.join(&path)).await {
        // An SVG opened on its own runs its scripts; an editor's file must not.
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}
