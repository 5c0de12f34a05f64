//! Time: every timestamp in chokepoint is UTC with millisecond precision or better.

use chrono::{DateTime, Utc};

/// A point in time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// Parses an RFC 3339 timestamp (`2026-02-03T14:07:11.482Z`, or with an offset) into UTC.
/// Returns a message suitable for an error that names the field.
pub fn parse_rfc3339(s: &str) -> Result<Timestamp, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{}` is not an RFC 3339 timestamp ({e})", truncate(s, 64)))
}

/// Formats a timestamp as RFC 3339 with milliseconds and a `Z` suffix.
pub fn format_rfc3339(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Cuts `s` to at most `max` characters (on a char boundary) for use in messages.
pub fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        let a = parse_rfc3339("2026-02-03T14:07:11.482Z").unwrap();
        let b = parse_rfc3339("2026-02-03T22:07:11.482+08:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(format_rfc3339(&a), "2026-02-03T14:07:11.482Z");
    }

    #[test]
    fn rejects_garbage_with_message() {
        let e = parse_rfc3339("yesterday").unwrap_err();
        assert!(e.contains("yesterday"));
        assert_eq!(truncate("héllo", 2), "hé");
    }
}
