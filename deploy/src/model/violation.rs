//! A rule that an input broke, as data: which field (its path in the REST API's JSON), which rule, and the
//! values involved. Its `Display` is the sentence the REST API and the command line answer with (for names,
//! the documented messages); the console words each violation its own way, beside the field it names. The browser runs the same checks before
//! sending, so a form shows what is wrong without a round trip.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The field's path in the REST API's JSON: `relativePath`, `routing.addressList[2].weight`.
    pub field: String,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Rule {
    /// A value that may not be empty is.
    Required,
    /// A text longer than `max` characters.
    TooLong { max: usize },
    /// A name with characters a REST path would need to escape.
    NameCharacters,
    /// A path that does not start with '/' or uses other characters than letters, digits and '/-_.~'.
    PathShape { value: String },
    /// An address that is not an http:// or https:// URL.
    HttpUrl { value: String },
    /// A number outside `min..=max`.
    OutOfRange { value: i64, min: i64, max: i64 },
    /// A list longer than `max`.
    TooMany { max: usize },
    /// A value that is not one of the HTTP methods a route may name.
    HttpMethod { value: String },
    /// A value that is not a header name (letters, digits and '-', at most 64).
    HeaderName { value: String },
    /// A CORS origin that is neither `*` nor `scheme://host[:port]`.
    Origin { value: String },
    /// A value listed twice where each may appear once.
    Duplicate { value: String },
    /// Credentials allowed to any origin (`*`): every website could call the API as its visitor.
    AnyOriginWithCredentials,
    /// A routing address the backend policy refuses to connect to.
    AddressRefused { value: String, refusal: Refusal },
}

/// Why the backend policy refuses an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Refusal {
    /// One of Portico's own listeners.
    Portico,
    /// Link-local, where cloud metadata services live.
    LinkLocal,
    /// Multicast or broadcast.
    NotUnicast,
    /// This machine, which a system admin has not allowed.
    Loopback,
    /// A range a system admin denied.
    Denied,
}

impl Refusal {
    /// The reason as the gateway's log and the REST API put it, after the address.
    pub fn words(self) -> &'static str {
        match self {
            Refusal::Portico => "points at Portico itself",
            Refusal::LinkLocal => "is link-local (cloud metadata lives there)",
            Refusal::NotUnicast => "is not a unicast address",
            Refusal::Loopback => "is this machine (loopback), which a system admin has not allowed",
            Refusal::Denied => "is in a range a system admin denied",
        }
    }
}

pub use crate::names::name_rule;

/// How long an API proxy's (or project's, group's, environment's) name may be.
pub const MAX_NAME: usize = 100;

impl Violation {
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Violation {
            field: field.into(),
            rule,
        }
    }

    /// The same violation, its field seen from a document that holds the checked value at `prefix`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

/// The sentence the REST API and the command line answer with (the documented messages for names); the
/// console words its own beside the field.
impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = &self.field;
        match &self.rule {
            Rule::Required => write!(f, "{field} value can not be empty!"),
            Rule::TooLong { max } => write!(f, "{field} must be at most {max} characters."),
            Rule::NameCharacters => write!(
                f,
                "{field} may contain only letters, digits, '-', '_' and '.', and may not start with '.'."
            ),
            Rule::PathShape { value } => write!(
                f,
                "{field} ({value}) must start with '/' and use only letters, digits and '/-_.~' (at most 255)."
            ),
            Rule::HttpUrl { value } => write!(f, "{field} ({value}) must be an http:// or https:// URL."),
            Rule::OutOfRange { value, min, max } => write!(f, "{field} ({value}) must be {min} to {max}."),
            Rule::TooMany { max } => write!(f, "{field} may list at most {max} entries."),
            Rule::HttpMethod { value } => write!(f, "{field} ({value}) is not an HTTP method."),
            Rule::HeaderName { value } => write!(
                f,
                "{field} ({value}) must be a header name: letters, digits and '-' (at most 64)."
            ),
            Rule::Origin { value } => write!(
                f,
                "{field} ({value}) must be * or an origin such as https://app.example.com (scheme, host and a port other than the default only)."
            ),
            Rule::Duplicate { value } => write!(f, "{field} ({value}) is listed twice."),
            Rule::AnyOriginWithCredentials => write!(
                f,
                "{field} may not be true while cors.allowOrigins holds *: list the origins that may send credentials."
            ),
            Rule::AddressRefused { value, refusal } => write!(f, "{field} ({value}) {}.", refusal.words()),
        }
    }
}
