use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current time as stored: RFC 3339 in UTC, which sorts as text.
pub(crate) fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}
