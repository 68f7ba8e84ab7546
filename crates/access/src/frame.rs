//! The document behind the embed's frame mode (`data-mode="frame"`): a host page whose CSP allows our
//! origin only in `script-src` and `frame-src` runs the widget in this page, on the worker's origin. Its
//! own CSP says which host pages may embed it (`frame-ancestors`, from `ALLOWED_ORIGINS`), so no other
//! site can put our panel, with a customer's tickets in it, inside theirs.

/// The page: the frame script does the rest (it runs the ordinary loader and relays to the host page).
pub const FRAME_HTML: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Help</title>\
<script src=\"/frame.js\"></script></head><body></body></html>\n";

/// Cloudflare Turnstile, for sites that turn it on: its script and its own frame.
const TURNSTILE_ORIGIN: &str = "https://challenges.cloudflare.com";

/// The frame's Content-Security-Policy: scripts, wasm and requests from our origin only, Turnstile when
/// the site uses it, images from anywhere an article may show them, and embedding only by the origins
/// `ALLOWED_ORIGINS` names and our own demo page. `*` never reaches `frame-ancestors`: a panel holding a
/// customer's tickets framed by any site invites clickjacking, so frame mode needs the origins named.
pub fn frame_policy(allowed_origins: &str) -> String {
    // Only well-formed origins make it into the header: a stray `;` in the setting must not add a directive.
    let origins =
        allowed_origins.split(',').map(|entry| entry.trim().trim_end_matches('/')).filter(|entry| is_origin(entry));
    let ancestors = std::iter::once("'self'").chain(origins).collect::<Vec<_>>().join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {TURNSTILE_ORIGIN}; frame-src {TURNSTILE_ORIGIN}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}"
    )
}

/// `http(s)://host[:port]`, nothing more.
fn is_origin(entry: &str) -> bool {
    let Some((scheme, rest)) = entry.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ancestors(allowed: &str) -> String {
        frame_policy(allowed).rsplit_once("frame-ancestors ").unwrap().1.to_owned()
    }

    #[test]
    fn only_allowed_origins_may_embed_the_frame() {
        assert_eq!(
            ancestors("https://app.acme.com, https://beta.acme.com/"),
            "'self' https://app.acme.com https://beta.acme.com"
        );
        assert_eq!(ancestors(""), "'self'");
        assert_eq!(ancestors("https://a.test, *"), "'self' https://a.test");
        assert_eq!(ancestors("*"), "'self'");
    }

    #[test]
    fn a_malformed_setting_adds_no_directive() {
        let policy = frame_policy("https://a.test; script-src *, javascript:alert(1), https://b.test");
        assert!(policy.ends_with("frame-ancestors 'self' https://b.test"), "{policy}");
        assert_eq!(policy.matches("script-src").count(), 1, "{policy}");
    }

    #[test]
    fn the_frame_runs_only_our_scripts_and_wasm() {
        let policy = frame_policy("*");
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' https://challenges.cloudflare.com;"));
        assert!(policy.contains("connect-src 'self';"));
        let without_wasm = policy.replace("'wasm-unsafe-eval'", "");
        assert!(!without_wasm.contains("'unsafe-eval'"), "{policy}");
        assert!(
            !policy.split(';').any(|directive| directive.contains("script-src") && directive.contains("unsafe-inline"))
        );
        assert!(FRAME_HTML.contains("<script src=\"/frame.js\"></script>"));
    }
}
