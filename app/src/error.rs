use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a console action can answer instead of its result. Messages are written for the person at the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConsoleError {
    /// No signed-in session (never signed in, signed out, or expired).
    #[error("Your session has ended. Please sign in again.")]
    SignedOut,
    /// The request broke a rule or was not allowed; the message says which.
    #[error("{0}")]
    Refused(String),
    /// A field's value broke a rule: the form shows it beside that field.
    #[error("{0}")]
    Invalid(deploy::model::Violation),
    /// Too many failed sign-ins; the number is the seconds to wait.
    #[error("Too many failed sign-in attempts. Try again in {0} seconds.")]
    TooManyAttempts(u64),
    /// A fault on the server; the detail is in the server's log only.
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// The request did not reach the server or its answer did not come back.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl FromServerFnError for ConsoleError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not parse are the caller's mistake: 400 with what was wrong, not a fault.
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m) => {
                let refused = ConsoleError::Refused(format!("The request could not be read: {m}"));
                #[cfg(feature = "ssr")]
                refused.set_status();
                refused
            }
            other => ConsoleError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<deploy::Error> for ConsoleError {
    /// Also sets the answer's HTTP status, so a refused request does not look like a server fault in logs
    /// and proxies (server functions otherwise answer every error with 500).
    fn from(e: deploy::Error) -> Self {
        use deploy::Error as E;
        let error = match e {
            E::Invalid(m) | E::NotFound(m) | E::Forbidden(m) | E::Conflict(m) => ConsoleError::Refused(m),
            E::Violation(v) => ConsoleError::Invalid(v),
            E::BadCredentials => ConsoleError::Refused("Invalid username or password.".into()),
            E::TooManyAttempts { retry_after_seconds } => ConsoleError::TooManyAttempts(retry_after_seconds),
            E::Internal(detail) => {
                tracing::error!(%detail, "console request failed");
                ConsoleError::Internal
            }
        };
        error.set_status();
        error
    }
}

#[cfg(feature = "ssr")]
impl ConsoleError {
    pub(crate) fn set_status(&self) {
        use http::StatusCode;
        let status = match self {
            ConsoleError::SignedOut => StatusCode::UNAUTHORIZED,
            ConsoleError::Refused(_) | ConsoleError::Invalid(_) => StatusCode::BAD_REQUEST,
            ConsoleError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::Internal | ConsoleError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        if let ConsoleError::TooManyAttempts(seconds) = self {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*seconds));
        }
        // A plain form post is answered with a redirect back to its page, which shows the error; a status
        // set here would turn that redirect into a bare error page. The status it stands for is logged.
        if plain_form_post() {
            tracing::info!(status = status.as_u16(), error = %self, "plain form refused; redirected back to its page");
            return;
        }
        response.set_status(status);
    }
}

/// Whether this server function was called by a plain HTML form (scripts off, or before the page's code
/// arrived) that can be sent back to its page: the browser asked for HTML and named the page (server_fn
/// redirects there; without a full address it could not carry the answer back).
#[cfg(feature = "ssr")]
pub(crate) fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
        };
        header(http::header::ACCEPT).is_some_and(|accept| accept.contains("text/html"))
            && header(http::header::REFERER)
                .is_some_and(|r| r.starts_with("http://") || r.starts_with("https://"))
    })
}
