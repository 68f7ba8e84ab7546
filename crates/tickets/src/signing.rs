//! HMAC-SHA256 signatures, the two ways edgedesk uses them.
//!
//! - **Requests between servers** (our webhook to a helpdesk, a helpdesk's events to us) carry
//!   `X-Edgedesk-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>">`. A receiver recomputes it
//!   and refuses requests more than five minutes old, so a captured request cannot be replayed later.
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

/// The signature header for a request body sent at `now`.
pub fn sign_request(secret: &[u8], body: &[u8], now: i64) -> String {
    let mut message = format!("{now}.").into_bytes();
    message.extend_from_slice(body);
    format!("t={now},v1={}", hmac_hex(secret, &message))
}

/// Checks a signed request's header against its body at `now`.
pub fn verify_request(secret: &[u8], header: Option<&str>, body: &[u8], now: i64) -> Result<(), ApiError> {
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
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    if signatures.iter().any(|signature| hmac_matches(secret, &message, signature)) {
        Ok(())
    } else {
        Err(refused("The signature does not match the body."))
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

    #[test]
    fn signed_requests_verify_and_tampering_does_not() {
        let body = br#"{"status":"solved"}"#;
        let header = sign_request(SECRET, body, NOW);
        assert!(header.starts_with(&format!("t={NOW},v1=")));
        assert!(verify_request(SECRET, Some(&header), body, NOW + 10).is_ok());
        assert_eq!(verify_request(SECRET, Some(&header), br#"{"status":"closed"}"#, NOW).unwrap_err().status, 401);
        assert_eq!(verify_request(b"other", Some(&header), body, NOW).unwrap_err().code, "invalid_signature");
        assert!(verify_request(SECRET, Some(&header), body, NOW + TOLERANCE_SECONDS + 1).is_err(), "replayed too late");
        assert!(verify_request(SECRET, None, body, NOW).is_err());
        assert!(verify_request(SECRET, Some("t=abc,v1=00"), body, NOW).is_err());
        assert!(verify_request(SECRET, Some(&format!("t={NOW},v1=zz")), body, NOW).is_err());
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
