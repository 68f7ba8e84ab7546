//! Which host pages may call the API from the browser.
//!
//! The widget runs on the product's origin (`https://app.acme.com`) and calls the worker on another
//! (`https://support.acme.com`), so every API response must say which origins may read it. The list
//! comes from configuration (`ALLOWED_ORIGINS`, comma-separated, or `*`). No cookies are ever sent, so a
//! wildcard is safe for public data; a list lets a team keep other sites from filing tickets.

/// What to put in `Access-Control-Allow-Origin` for a request from `request_origin`, or `None` when the
/// origin is not allowed (the browser then refuses to hand the response to the page). The worker's own
/// origin (`own_origin`, where its demo page lives) is always allowed.
pub fn allow_origin(allowed_origins: &str, own_origin: &str, request_origin: &str) -> Option<String> {
    let mut allowed = allowed_origins.split(',').map(str::trim).filter(|entry| !entry.is_empty());
    if allowed.clone().any(|entry| entry == "*") {
        return Some("*".to_owned());
    }
    let request_origin = request_origin.trim_end_matches('/');
    if request_origin.eq_ignore_ascii_case(own_origin.trim_end_matches('/')) {
        return Some(request_origin.to_owned());
    }
    allowed
        .any(|entry| entry.trim_end_matches('/').eq_ignore_ascii_case(request_origin))
        .then(|| request_origin.to_owned())
}

#[cfg(test)]
mod tests {
    use super::allow_origin as allow_origin_for_worker;

    const WORKER: &str = "https://support.acme.com";

    fn allow_origin(allowed_origins: &str, request_origin: &str) -> Option<String> {
        allow_origin_for_worker(allowed_origins, WORKER, request_origin)
    }

    #[test]
    fn wildcard_allows_everyone() {
        assert_eq!(allow_origin("*", "https://app.acme.com").as_deref(), Some("*"));
        assert_eq!(allow_origin("https://a.test, *", "https://b.test").as_deref(), Some("*"));
    }

    #[test]
    fn list_echoes_only_listed_origins() {
        let allowed = "https://app.acme.com, http://127.0.0.1:9000";
        assert_eq!(allow_origin(allowed, "https://app.acme.com").as_deref(), Some("https://app.acme.com"));
        assert_eq!(allow_origin(allowed, "http://127.0.0.1:9000").as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(allow_origin(allowed, "https://evil.test"), None);
        // A prefix of an allowed origin is a different origin.
        assert_eq!(allow_origin(allowed, "https://app.acme.com.evil.test"), None);
        assert_eq!(allow_origin(allowed, "http://127.0.0.1:90"), None);
    }

    #[test]
    fn empty_configuration_allows_only_the_worker_itself() {
        assert_eq!(allow_origin("", "https://app.acme.com"), None);
        assert_eq!(allow_origin(" , ", "https://app.acme.com"), None);
        assert_eq!(allow_origin("", WORKER).as_deref(), Some(WORKER));
    }
}
