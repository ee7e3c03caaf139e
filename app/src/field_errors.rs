//! What a form says is wrong, field by field: what the browser found before sending (the model's own
//! checks, compiled into the WASM) and what the server answered. Each message sits beside its field, and
//! the field carries `aria-invalid` and points at it with `aria-describedby`.

use deploy::model::{Refusal, Rule, Violation};
use leptos::prelude::*;

use crate::ConsoleError;

/// Messages by field path (`relativePath`, `routing.addressList[1].weight`).
#[derive(Clone, Copy)]
pub struct FieldErrors(RwSignal<Vec<(String, String)>>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors(RwSignal::new(Vec::new()))
    }

    /// Shows each field the server refuses (the browser checked first; the server checks again) beside it.
    pub fn follow(&self, refused: Signal<Option<ConsoleError>>) {
        let this = *self;
        Effect::new(move |_| {
            if let Some(ConsoleError::Invalid(v)) = refused.get() {
                this.clear();
                this.add_violations([v]);
            }
        });
    }

    pub fn clear(&self) {
        self.0.set(Vec::new());
    }

    pub fn is_empty(&self) -> bool {
        self.0.with(Vec::is_empty)
    }

    /// A message the browser words itself (a weight that is not a number).
    pub fn add(&self, field: impl Into<String>, message: impl Into<String>) {
        self.0.update(|all| all.push((field.into(), message.into())));
    }

    pub fn add_violations(&self, violations: impl IntoIterator<Item = Violation>) {
        self.0.update(|all| {
            all.extend(violations.into_iter().map(|v| {
                let message = words(&v.rule);
                (v.field, message)
            }))
        });
    }

    /// The first message about `field` or anything inside it (`cors.allowOrigins` covers
    /// `cors.allowOrigins[3]`).
    pub fn message(&self, field: &str) -> Option<String> {
        self.0
            .with(|all| all.iter().find(|(f, _)| within(f, field)).map(|(_, m)| m.clone()))
    }

    pub fn exact(&self, field: &str) -> Option<String> {
        self.0
            .with(|all| all.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
    }

    /// Messages about none of `shown` fields: the form shows them together, so none is lost.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0.with(|all| {
            all.iter()
                .filter(|(f, _)| !shown.iter().any(|s| within(f, s)))
                .map(|(f, m)| format!("{f}: {m}"))
                .collect()
        })
    }
}

impl Default for FieldErrors {
    fn default() -> Self {
        Self::new()
    }
}

fn within(field: &str, prefix: &str) -> bool {
    field == prefix
        || field
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// The message beside one field, with the id its input points at; nothing when the field is fine. With
/// `exact`, only a message about the field itself (a list's length, not its entries, which their rows show).
#[component]
pub fn FieldError(
    errors: FieldErrors,
    field: String,
    id: String,
    #[prop(optional)] exact: bool,
) -> impl IntoView {
    move || {
        let message = if exact {
            errors.exact(&field)
        } else {
            errors.message(&field)
        };
        message.map(|m| view! { <p class="error field-error" id=id.clone() role="alert">{m}</p> })
    }
}

/// Under a form: messages about fields it shows nowhere else (`shown` are those it does), and a refusal
/// that is about no field at all, so none is lost.
#[component]
pub fn FormErrors(
    errors: FieldErrors,
    shown: Vec<&'static str>,
    refused: Signal<Option<ConsoleError>>,
) -> impl IntoView {
    view! {
        <div aria-live="polite">
            {move || errors.others(&shown).into_iter().map(|m| view! { <p class="error field-error" role="alert">{m}</p> }).collect_view()}
            {move || refused.get().filter(|e| !matches!(e, ConsoleError::Invalid(_))).map(|e| {
                view! { <p class="error field-error" role="alert">{e.to_string()}</p> }
            })}
        </div>
    }
}

/// A rule in the console's words: short, because it stands beside the field it is about.
pub fn words(rule: &Rule) -> String {
    match rule {
        Rule::Required => "Required.".into(),
        Rule::TooLong { max } => format!("At most {max} characters."),
        Rule::NameCharacters => "Use letters, digits, '-', '_' and '.' only, not starting with '.'.".into(),
        Rule::PathShape { value } => {
            format!(
                "“{value}”: start with '/' and use only letters, digits and /-_.~ (at most 255 characters)."
            )
        }
        Rule::HttpUrl { value } => format!("“{value}” is not an http:// or https:// URL."),
        Rule::OutOfRange { value, min, max } => format!("{value} is out of range: {min} to {max}."),
        Rule::TooMany { max } => format!("At most {max} entries."),
        Rule::HttpMethod { value } => format!("“{value}” is not an HTTP method."),
        Rule::HeaderName { value } => format!("“{value}” is not a header name (letters, digits and '-')."),
        Rule::Origin { value } => {
            format!("“{value}” is not an origin: write * or scheme://host[:port] without a path or the default port, such as https://app.example.com.")
        }
        Rule::Duplicate { value } => format!("“{value}” is listed twice."),
        Rule::AnyOriginWithCredentials => {
            "Not with * among the allowed origins: list the origins that may send credentials.".into()
        }
        Rule::AddressRefused { value, refusal } => format!(
            "“{value}” is refused: {}.",
            match refusal {
                Refusal::Portico => "it is Portico itself",
                Refusal::LinkLocal => "it is link-local, where cloud metadata lives",
                Refusal::NotUnicast => "it is not a unicast address",
                Refusal::Loopback => "it is this machine, which a system admin has not allowed",
                Refusal::Denied => "it is in a range a system admin denied",
            }
        ),
    }
}
