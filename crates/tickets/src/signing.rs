//! HMAC-SHA256 signatures, the two ways edgedesk uses them.
//!
//! - **Requests between servers** (our webhook to a helpdesk, a helpdesk's events to us) carry
//!   `X-Edgedesk-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<METHOD> <path>.<body>">`. A receiver
//!   recomputes it and refuses requests more than five minutes old; covering the method and path means a
//!   captured request cannot be replayed at another endpoint or another ticket, and the worker also
//!   refuses a signature it has already seen, so one cannot be replayed at all.
//! - **Identities** from the product's backend (`identify()` in the widget) carry a signature over their
//!   attributes and expiry, so a customer cannot claim to be someone else, or a priority customer.
//!
//! Comparisons go through `Mac::verify_slice`, which takes the same time whatever the input.

use std::collections::BTreeMap;

use edgedesk_protocol::api::{ApiError, SignedIdentity};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Edgedesk-Signature";
/// How old a signed request may be.
pub const TOLERANCE_SECONDS: i64 = 300;
/// The longest an identity may stay valid: a day. A product signs one per page load; one that never
/// expires would let a copied identity file tickets as its customer forever.
pub const MAX_IDENTITY_LIFETIME_SECONDS: i64 = 86_400;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length")
}

/// The hex HMAC-SHA256 of `message`.
pub fn hmac_hex(secret: &[u8], message: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature_hex` is the HMAC of `message`, compared in constant time.
pub fn hmac_matches(secret: &[u8], message: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else { return false };
    let mut mac = mac(secret);
    mac.update(message);
    mac.verify_slice(&signature).is_ok()
}

/// The base64 HMAC-SHA256 of `message`, as Zendesk signs its webhooks.
pub fn hmac_base64(secret: &[u8], message: &[u8]) -> String {
    use base64::Engine;
    let mut mac = mac(secret);
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature_base64` is the base64 HMAC of `message` (Zendesk's webhook signatures), compared in
/// constant time.
pub fn hmac_base64_matches(secret: &[u8], message: &[u8], signature_base64: &str) -> bool {
    use base64::Engine;
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature_base64.trim()) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(message);
    mac.verify_slice(&signature).is_ok()
}

/// Whether two secrets are the same, in a time that says nothing about where they differ: both are
/// hashed under one key and the hashes compared in constant time.
pub fn same_secret(expected: &[u8], given: &[u8]) -> bool {
    let digest = |value: &[u8]| {
        let mut mac = mac(b"edgedesk secret comparison");
        mac.update(value);
        mac
    };
    let expected = digest(expected).finalize().into_bytes();
    digest(given).verify_slice(&expected).is_ok()
}

/// What a signed request is: its method, its path (with any query) and its body.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

impl SignedRequest<'_> {
    /// The bytes the signature covers at time `t`: `<t>.<METHOD> <path>.<body>`.
    fn message(&self, t: i64) -> Vec<u8> {
        let mut message = format!("{t}.{} {}.", self.method.to_ascii_uppercase(), self.path).into_bytes();
        message.extend_from_slice(self.body);
        message
    }
}

/// The path (and query) of a URL, which a signature covers: `/hooks/tickets` of `https://h.test/hooks/tickets`.
pub fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |start| &after_scheme[start..])
}

/// The signature header for a request sent at `now`.
pub fn sign_request(secret: &[u8], request: SignedRequest<'_>, now: i64) -> String {
    format!("t={now},v1={}", hmac_hex(secret, &request.message(now)))
}

/// Checks a signed request's header against the request at `now`. The signature that matched is
/// returned, for the receiver to refuse it should it come again.
pub fn verify_request(
    secret: &[u8],
    header: Option<&str>,
    request: SignedRequest<'_>,
    now: i64,
) -> Result<String, ApiError> {
    let refused = |message: &str| ApiError::new(401, "invalid_signature", message);
    let header =
        header.ok_or_else(|| refused("Sign the request: X-Edgedesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256>."))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| refused("The signature has no timestamp (t=…)."))?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(refused("The signature is more than five minutes old or in the future."));
    }
    let message = request.message(timestamp);
    match signatures.iter().find(|signature| hmac_matches(secret, &message, signature)) {
        Some(signature) => Ok(signature.trim().to_ascii_lowercase()),
        None => Err(refused("The signature does not match the method, path and body.")),
    }
}

/// What an identity signature covers: the attributes as compact JSON with sorted keys, a dot, and the
/// expiry. The README shows the few lines a product's backend needs to produce it.
pub fn identity_message(attributes: &BTreeMap<String, String>, expires_at: i64) -> String {
    let attributes = serde_json::to_string(attributes).expect("string maps always serialize");
    format!("{attributes}.{expires_at}")
}

/// The attributes of an identity whose signature holds and has not expired.
pub fn verify_identity(
    secret: &[u8],
    identity: &SignedIdentity,
    now: i64,
) -> Result<BTreeMap<String, String>, ApiError> {
    if identity.attributes.len() > 20
        || identity.attributes.iter().any(|(k, v)| k.len() > 64 || v.chars().count() > 500)
    {
        return Err(ApiError::for_field(
            400,
            "invalid_identity",
            "identity",
            "An identity has at most 20 short attributes.",
        ));
    }
    if identity.expires_at < now {
        return Err(ApiError::for_field(
            401,
            "identity_expired",
            "identity",
            "The identity has expired; sign it again.",
        ));
    }
    if identity.expires_at > now + MAX_IDENTITY_LIFETIME_SECONDS {
        return Err(ApiError::for_field(
            401,
            "invalid_identity",
            "identity",
            "The identity is valid for more than a day; sign it with an expiry within 24 hours.",
        ));
    }
    let message = identity_message(&identity.attributes, identity.expires_at);
    if !hmac_matches(secret, message.as_bytes(), &identity.signature) {
        return Err(ApiError::for_field(
            401,
            "invalid_identity",
            "identity",
            "The identity's signature does not match.",
        ));
    }
    Ok(identity.attributes.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const NOW: i64 = 1_795_000_000;

    fn solved(path: &str) -> SignedRequest<'_> {
        SignedRequest { method: "POST", path, body: br#"{"status":"solved"}"# }
    }

    #[test]
    fn signed_requests_verify_and_tampering_does_not() {
        let path = "/api/tickets/ED-AB12-CD34/events";
        let header = sign_request(SECRET, solved(path), NOW);
        assert!(header.starts_with(&format!("t={NOW},v1=")));
        let matched = verify_request(SECRET, Some(&header), solved(path), NOW + 10).unwrap();
        assert!(header.ends_with(&matched));
        let closed = SignedRequest { body: br#"{"status":"closed"}"#, ..solved(path) };
        assert_eq!(verify_request(SECRET, Some(&header), closed, NOW).unwrap_err().status, 401);
        // The same report aimed at another ticket, or sent with another method, does not verify.
        let elsewhere = verify_request(SECRET, Some(&header), solved("/api/tickets/ED-ZZZZ-9999/events"), NOW);
        assert_eq!(elsewhere.unwrap_err().code, "invalid_signature");
        assert!(verify_request(SECRET, Some(&header), SignedRequest { method: "PUT", ..solved(path) }, NOW).is_err());
        assert_eq!(verify_request(b"other", Some(&header), solved(path), NOW).unwrap_err().code, "invalid_signature");
        let late = verify_request(SECRET, Some(&header), solved(path), NOW + TOLERANCE_SECONDS + 1);
        assert!(late.is_err(), "replayed too late");
        assert!(verify_request(SECRET, None, solved(path), NOW).is_err());
        assert!(verify_request(SECRET, Some("t=abc,v1=00"), solved(path), NOW).is_err());
        assert!(verify_request(SECRET, Some(&format!("t={NOW},v1=zz")), solved(path), NOW).is_err());
        assert_eq!(url_path("https://hooks.acme.test/t?x=1"), "/t?x=1");
        assert_eq!(url_path("https://hooks.acme.test"), "/");
    }

    #[test]
    fn a_known_vector_matches_other_languages() {
        // echo -n 'hello' | openssl dgst -sha256 -hmac 'key'
        assert_eq!(hmac_hex(b"key", b"hello"), "9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b");
    }

    #[test]
    fn identities_are_trusted_only_when_signed_and_fresh() {
        let attributes: BTreeMap<String, String> = [("id", "u-42"), ("email", "ada@example.com"), ("tier", "priority")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let signature = hmac_hex(SECRET, identity_message(&attributes, NOW + 3600).as_bytes());
        let identity = SignedIdentity { attributes: attributes.clone(), expires_at: NOW + 3600, signature };
        assert_eq!(verify_identity(SECRET, &identity, NOW).unwrap()["tier"], "priority");
        let mut promoted = identity.clone();
        promoted.attributes.insert("tier".into(), "enterprise".into());
        assert_eq!(verify_identity(SECRET, &promoted, NOW).unwrap_err().code, "invalid_identity");
        assert_eq!(verify_identity(SECRET, &identity, NOW + 3601).unwrap_err().code, "identity_expired");
        let forever = i64::MAX / 2;
        let signature = hmac_hex(SECRET, identity_message(&attributes, forever).as_bytes());
        let lasting = SignedIdentity { attributes: attributes.clone(), expires_at: forever, signature };
        let error = verify_identity(SECRET, &lasting, NOW).unwrap_err();
        assert!(error.message.contains("more than a day"), "{}", error.message);
        assert_eq!(identity_message(&attributes, 5), r#"{"email":"ada@example.com","id":"u-42","tier":"priority"}.5"#);
    }
}
