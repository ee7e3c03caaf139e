use time::macros::format_description;
use time::OffsetDateTime;

/// The current time as stored: RFC 3339 in UTC with a fixed nine-digit fraction, so stored times sort as text.
/// (The RFC 3339 formatter drops trailing zeros, and `…05.1Z` sorts after `…05.12Z`.)
pub(crate) fn now() -> String {
    stored(OffsetDateTime::now_utc())
}

/// Any time as stored, to compare stored times with (a time is in UTC here, as `now_utc` gives).
pub(crate) fn stored(at: OffsetDateTime) -> String {
    let fixed = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
    at.format(&fixed).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_times_are_rfc_3339_and_sort_as_text() {
        let (a, b) = (super::now(), super::now());
        assert_eq!(a.len(), "2026-12-05T10:09:06.123456789Z".len());
        assert!(a <= b);
        let parsed = time::OffsetDateTime::parse(&a, &time::format_description::well_known::Rfc3339);
        assert!(parsed.is_ok(), "{a}");
    }
}
