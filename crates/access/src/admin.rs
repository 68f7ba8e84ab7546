//! Operators' endpoints are guarded by one bearer token, kept as a Worker secret.

use subtle::ConstantTimeEq;

use edgedesk_protocol::api::ApiError;

/// Checks an `Authorization` header against the configured token. The comparison takes the same time
/// whatever the presented token, so timing reveals nothing about the real one. With no token
/// configured, admin endpoints are off rather than open.
pub fn authorize(configured_token: Option<&str>, authorization: Option<&str>) -> Result<(), ApiError> {
    let configured = crate::secrets::checked("ADMIN_TOKEN", configured_token)
        .map_err(|too_short| ApiError::new(503, "admin_disabled", format!("Admin endpoints are off: {too_short}.")))?;
    let Some(configured) = configured else {
        return Err(ApiError::new(
            503,
            "admin_disabled",
            "Admin endpoints are off: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`).",
        ));
    };
    let presented = authorization.and_then(|header| header.strip_prefix("Bearer ")).map(str::trim);
    match presented {
        Some(presented) if bool::from(presented.as_bytes().ct_eq(configured.as_bytes())) => Ok(()),
        Some(_) => Err(ApiError::new(401, "unauthorized", "The admin token is wrong.")),
        None => Err(ApiError::new(401, "unauthorized", "Send the admin token as `Authorization: Bearer <token>`.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_passes() {
        const TOKEN: &str = "s3cret-s3cret-s3cret";
        assert!(authorize(Some(TOKEN), Some("Bearer s3cret-s3cret-s3cret")).is_ok());
        assert_eq!(authorize(Some(TOKEN), Some("Bearer s3cret-s3cret-s3cre")).unwrap_err().status, 401);
        assert_eq!(authorize(Some(TOKEN), Some(TOKEN)).unwrap_err().status, 401);
        assert_eq!(authorize(Some(TOKEN), None).unwrap_err().status, 401);
        // A short token guards nothing: admin is off, and says why.
        let short = authorize(Some("s3cret"), Some("Bearer s3cret")).unwrap_err();
        assert_eq!((short.status, short.code.as_str()), (503, "admin_disabled"));
        assert!(short.message.contains("ADMIN_TOKEN is 6 characters long"), "{}", short.message);
        assert_eq!(authorize(None, Some("Bearer anything")).unwrap_err().code, "admin_disabled");
        assert_eq!(authorize(Some(""), Some("Bearer ")).unwrap_err().code, "admin_disabled");
    }
}
