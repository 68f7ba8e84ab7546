//! Attachments: screenshots and PDFs, checked by what their bytes are, not by what their names say.

use edgedesk_protocol::api::ApiError;
use edgedesk_protocol::attachment::MAX_ATTACHMENT_BYTES;

use crate::signing;

/// A fresh id for an upload, from 8 random bytes: what [`edgedesk_protocol::ticket::is_attachment_id`]
/// accepts in a ticket.
pub fn attachment_id(random: [u8; 8]) -> String {
    format!("att-{}", hex::encode(random))
}

/// The media type of a file's bytes, for the kinds customers attach: PNG, JPEG, GIF, WebP and PDF.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// The media types a file name's extension claims.
fn claimed_by_name(name: &str) -> Option<&'static [&'static str]> {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase())?;
    Some(match extension.as_str() {
        "png" => &["image/png"],
        "jpg" | "jpeg" => &["image/jpeg"],
        "gif" => &["image/gif"],
        "webp" => &["image/webp"],
        "pdf" => &["application/pdf"],
        _ => return None,
    })
}

/// A file name safe to store and show: the last path part, no control characters, at most 120 chars.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() { "attachment".into() } else { cleaned.trim().to_owned() }
}

/// Checks an upload and returns its real media type. A name that says one thing while the bytes are
/// another (`invoice.pdf` that is an executable) is refused.
pub fn check(name: &str, bytes: &[u8]) -> Result<&'static str, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::for_field(400, "empty_attachment", "attachment", "The file is empty."));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::for_field(
            413,
            "attachment_too_large",
            "attachment",
            format!("{} is {} MB; attachments are at most 10 MB.", clean_name(name), bytes.len() / (1024 * 1024)),
        ));
    }
    let Some(actual) = sniff(bytes) else {
        return Err(ApiError::for_field(
            415,
            "unsupported_attachment",
            "attachment",
            format!("{} is not a PNG, JPEG, GIF, WebP image or a PDF.", clean_name(name)),
        ));
    };
    match claimed_by_name(name) {
        Some(claimed) if claimed.contains(&actual) => Ok(actual),
        _ => Err(ApiError::for_field(
            415,
            "attachment_type_mismatch",
            "attachment",
            format!(
                "{} is named like another kind of file than it is ({actual}); rename it and try again.",
                clean_name(name)
            ),
        )),
    }
}

/// Where a stored attachment can be fetched without an account: a link signed with the operators'
/// secret that stops working after `expires_at`.
pub fn attachment_link(origin: &str, id: &str, secret: &[u8], expires_at: i64) -> String {
    let signature = signing::hmac_hex(secret, format!("{id}.{expires_at}").as_bytes());
    format!("{origin}/api/attachments/{id}?expires={expires_at}&signature={signature}")
}

/// Checks a link made by [`attachment_link`] at `now`.
pub fn attachment_link_holds(id: &str, secret: &[u8], expires_at: i64, signature: &str, now: i64) -> bool {
    expires_at >= now && signing::hmac_matches(secret, format!("{id}.{expires_at}").as_bytes(), signature)
}

/// Attachment links in delivered tickets stay valid this long.
pub const ATTACHMENT_LINK_SECONDS: i64 = 30 * 86_400;
/// Links to a conversation's files, made each time the customer opens it, stay valid this long: a link
/// copied out of the widget stops working soon.
pub const THREAD_LINK_SECONDS: i64 = 3600;

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn real_files_pass() {
        assert_eq!(check("screen.PNG", PNG), Ok("image/png"));
        assert_eq!(check("invoice.pdf", b"%PDF-1.7\n..."), Ok("application/pdf"));
        assert_eq!(check("photo.jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok("image/jpeg"));
    }

    #[test]
    fn lying_names_and_unknown_bytes_are_refused() {
        assert_eq!(check("invoice.pdf", PNG).unwrap_err().code, "attachment_type_mismatch");
        assert_eq!(check("screen.png", b"MZ\x90\0 windows executable").unwrap_err().code, "unsupported_attachment");
        assert_eq!(check("script.png.exe", PNG).unwrap_err().code, "attachment_type_mismatch");
        assert_eq!(check("empty.png", b"").unwrap_err().code, "empty_attachment");
        let big = vec![0u8; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(check("big.png", &big).unwrap_err().status, 413);
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\ada\\shot\u{7}.png"), "shot.png");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name(""), "attachment");
    }

    #[test]
    fn attachment_links_expire_and_cannot_be_altered() {
        let link = attachment_link("https://support.acme.test", "att-0123456789abcdef", b"k", 2_000);
        let signature = link.rsplit_once("signature=").unwrap().1;
        assert!(attachment_link_holds("att-0123456789abcdef", b"k", 2_000, signature, 1_000));
        assert!(!attachment_link_holds("att-0123456789abcdef", b"k", 2_000, signature, 2_001));
        assert!(!attachment_link_holds("att-0123456789abcdee", b"k", 2_000, signature, 1_000));
        assert!(!attachment_link_holds("att-0123456789abcdef", b"k", 3_000, signature, 1_000));
    }

    #[test]
    fn upload_ids_are_what_tickets_accept() {
        let id = attachment_id([0xab, 0, 1, 2, 3, 4, 5, 0xff]);
        assert_eq!(id, "att-ab000102030405ff");
        assert!(edgedesk_protocol::ticket::is_attachment_id(&id));
    }
}
