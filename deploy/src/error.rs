use std::fmt;

/// What went wrong with a domain operation. Each variant maps to one kind of answer at the doors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; the message is for the person who sent it.
    #[error("{0}")]
    Invalid(String),
    /// Input that breaks a field's rule, as data the doors word (`Invalid` is for refusals that are not
    /// about one field's value).
    #[error("{0}")]
    Violation(crate::model::Violation),
    /// The object does not exist, or the actor may not see it: the two are answered alike.
    #[error("{0}")]
    NotFound(String),
    /// The actor may see the object but lacks the permission the operation needs.
    #[error("{0}")]
    Forbidden(String),
    /// A name or other unique value is already taken.
    #[error("{0}")]
    Conflict(String),
    /// Credentials that do not match. Deliberately says nothing about which part was wrong.
    #[error("invalid credentials")]
    BadCredentials,
    /// Too many failed sign-ins from this address (for this account, or for any); try again after the wait.
    #[error("Too many failed sign-in attempts. Try again in {retry_after_seconds} seconds.")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// Storage or another internal fault; its detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(Internal),
}

/// The detail of an internal fault, kept for the log.
pub struct Internal(String);

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<crate::model::Violation> for Error {
    fn from(v: crate::model::Violation) -> Self {
        Error::Violation(v)
    }
}

impl Error {
    /// The sentence of a refusal that is the input's fault (`Invalid` or `Violation`), for operations that
    /// report refusals item by item; any other error is handed back.
    pub fn refusal(self) -> std::result::Result<String, Error> {
        match self {
            Error::Invalid(message) => Ok(message),
            Error::Violation(v) => Ok(v.to_string()),
            other => Err(other),
        }
    }

    pub fn internal(detail: impl fmt::Display) -> Self {
        Error::Internal(Internal(detail.to_string()))
    }
}

#[cfg(feature = "storage")]
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::internal(format!("database: {e}"))
    }
}

#[cfg(feature = "storage")]
impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::internal(format!("migration: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(feature = "storage")]
/// A missing object named in a request's body or in a deploy target is bad input (400), not a missing resource.
pub(crate) fn not_found_as_invalid(e: Error) -> Error {
    match e {
        Error::NotFound(m) => Error::Invalid(m),
        other => other,
    }
}

/// A constraint the storage enforces, as the operations name it.
#[cfg(feature = "storage")]
#[derive(Debug, Clone, Copy)]
pub(crate) enum Constraint {
    /// Any unique index (SQLite names none in its message; the operation knows which one it wrote).
    Unique,
    /// A constraint raised by name (a trigger's `RAISE`, a named CHECK or index).
    Named(&'static str),
}

/// Whether a storage error is a violation of `constraint`.
#[cfg(feature = "storage")]
pub(crate) fn violates(e: &sqlx::Error, constraint: Constraint) -> bool {
    let sqlx::Error::Database(d) = e else {
        return false;
    };
    match constraint {
        Constraint::Unique => d.is_unique_violation(),
        Constraint::Named(name) => d.constraint() == Some(name) || d.message().contains(name),
    }
}

/// Turns a violation of a constraint into the domain's error for it; any other storage error stays internal.
/// The one place that reads storage errors, written once for every backend.
#[cfg(feature = "storage")]
pub(crate) trait OnConstraint<T> {
    fn on_constraint(self, constraint: Constraint, to: impl FnOnce() -> Error) -> Result<T>;
}

#[cfg(feature = "storage")]
impl<T> OnConstraint<T> for std::result::Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: Constraint, to: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| if violates(&e, constraint) { to() } else { e.into() })
    }
}
