//! Times on the wire: RFC 3339 in UTC (`2026-11-23T10:00:00Z`); Unix seconds inside.

/// Seconds since the Unix epoch of an RFC 3339 time.
pub fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|time| time.timestamp())
}

/// The RFC 3339 form of a moment, in UTC to the second.
pub fn format_time(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|time| time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_utc() {
        assert_eq!(parse_time("2026-11-23T10:00:00Z"), Some(1_795_428_000));
        assert_eq!(parse_time("2026-11-23T12:00:00+02:00"), Some(1_795_428_000));
        assert_eq!(format_time(1_795_428_000), "2026-11-23T10:00:00Z");
        assert_eq!(parse_time("tomorrow"), None);
    }
}
