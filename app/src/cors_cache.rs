//! The CORS and response-cache settings an API proxy and a group both carry: their form fields, and what the
//! fields read back as. One place, so both forms parse and word them alike.

use deploy::model::{Cache, Cors};
use leptos::prelude::*;

use crate::field_errors::{FieldError, FieldErrors};
use crate::proxy_form::list;

/// The fields' state, started from saved settings.
#[derive(Clone, Copy)]
pub struct CorsCacheFields {
    cors_on: RwSignal<bool>,
    origins: RwSignal<String>,
    methods: RwSignal<String>,
    headers: RwSignal<String>,
    credentials: RwSignal<bool>,
    max_age: RwSignal<String>,
    cache_on: RwSignal<bool>,
    ttl: RwSignal<String>,
    entries: RwSignal<String>,
    vary: RwSignal<String>,
}

impl CorsCacheFields {
    pub fn new(cors: &Cors, cache: &Cache) -> Self {
        Self {
            cors_on: RwSignal::new(cors.enabled),
            origins: RwSignal::new(cors.allow_origins.join(", ")),
            methods: RwSignal::new(cors.allow_methods.join(", ")),
            headers: RwSignal::new(cors.allow_headers.join(", ")),
            credentials: RwSignal::new(cors.allow_credentials),
            max_age: RwSignal::new(cors.max_age_seconds.to_string()),
            cache_on: RwSignal::new(cache.enabled),
            ttl: RwSignal::new(cache.ttl_seconds.to_string()),
            entries: RwSignal::new(cache.max_entries.to_string()),
            vary: RwSignal::new(cache.vary_headers.join(", ")),
        }
    }

    /// The settings as typed; a TTL or entry count that is not a whole number is reported beside its field.
    pub fn read(&self, errors: FieldErrors) -> Option<(Cors, Cache)> {
        let number = |text: String, field: &str| {
            let n = text.trim().parse::<u32>().ok();
            if n.is_none() {
                errors.add(field, "Write a whole number.");
            }
            n
        };
        let max_age_seconds = number(self.max_age.get(), "cors.maxAgeSeconds");
        let ttl_seconds = number(self.ttl.get(), "cache.ttlSeconds");
        let max_entries = number(self.entries.get(), "cache.maxEntries");
        let (Some(max_age_seconds), Some(ttl_seconds), Some(max_entries)) =
            (max_age_seconds, ttl_seconds, max_entries)
        else {
            return None;
        };
        let cors = Cors {
            enabled: self.cors_on.get(),
            allow_origins: list(&self.origins.get()),
            allow_methods: list(&self.methods.get())
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
            allow_headers: list(&self.headers.get()),
            allow_credentials: self.credentials.get(),
            max_age_seconds,
        };
        let cache = Cache {
            enabled: self.cache_on.get(),
            ttl_seconds,
            max_entries,
            vary_headers: list(&self.vary.get()),
        };
        Some((cors, cache))
    }
}

/// One row: the CORS switch (labelled `label`), allowed origins and methods. `id` prefixes the inputs' ids.
#[component]
pub fn CorsRow(
    fields: CorsCacheFields,
    id: &'static str,
    label: &'static str,
    errors: FieldErrors,
) -> impl IntoView {
    view! {
        <div class="fields">
            <div class="field check">
                <input id=format!("{id}-cors") type="checkbox" bind:checked=fields.cors_on />
                <label for=format!("{id}-cors")>{label}</label>
            </div>
            <TextField id=format!("{id}-origins") label="Allowed origins" value=fields.origins field="cors.allowOrigins" errors placeholder="https://shop.example.com, ..." grow=true />
            <TextField id=format!("{id}-cors-methods") label="Allowed methods" value=fields.methods field="cors.allowMethods" errors placeholder="GET, POST" />
        </div>
        <div class="fields">
            <TextField id=format!("{id}-cors-headers") label="Allowed headers" value=fields.headers field="cors.allowHeaders" errors placeholder="Content-Type, X-Request-Id" grow=true />
            <TextField id=format!("{id}-cors-age") label="Preflight cache (seconds)" value=fields.max_age field="cors.maxAgeSeconds" errors numeric=true />
            <div class="field check">
                <input id=format!("{id}-cors-credentials") type="checkbox" bind:checked=fields.credentials
                    aria-invalid=invalid(errors, "cors.allowCredentials") aria-describedby=format!("{id}-cors-credentials-error") />
                <label for=format!("{id}-cors-credentials")>"Allow credentials"</label>
                <FieldError errors field="cors.allowCredentials".into() id=format!("{id}-cors-credentials-error") />
            </div>
        </div>
    }
}

/// One row: the cache switch (labelled `label`), its TTL and how many entries it keeps.
#[component]
pub fn CacheRow(
    fields: CorsCacheFields,
    id: &'static str,
    label: &'static str,
    errors: FieldErrors,
) -> impl IntoView {
    view! {
        <div class="fields">
            <div class="field check">
                <input id=format!("{id}-cache") type="checkbox" bind:checked=fields.cache_on />
                <label for=format!("{id}-cache")>{label}</label>
            </div>
            <TextField id=format!("{id}-ttl") label="Cache TTL (seconds)" value=fields.ttl field="cache.ttlSeconds" errors numeric=true />
            <TextField id=format!("{id}-entries") label="Cache entries at most" value=fields.entries field="cache.maxEntries" errors numeric=true />
            // Requests with Authorization or Cookie are cached only when that header is listed.
            <TextField id=format!("{id}-vary") label="Vary on headers" value=fields.vary field="cache.varyHeaders" errors placeholder="Accept-Language, Authorization" grow=true />
        </div>
    }
}

fn invalid(errors: FieldErrors, field: &'static str) -> impl Fn() -> String + Copy {
    move || errors.message(field).is_some().to_string()
}

/// A labelled text input with its message beside it: `field` is the JSON path its errors name.
#[component]
fn TextField(
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    field: &'static str,
    errors: FieldErrors,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] numeric: bool,
    #[prop(optional)] grow: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:grow=grow>
            <label for=id.clone()>{label}</label>
            <input id=id bind:value=value placeholder=placeholder inputmode=numeric.then_some("numeric")
                aria-invalid=invalid(errors, field) aria-describedby=error_id.clone() />
            <FieldError errors field=field.into() id=error_id />
        </div>
    }
}

/// The fields these rows show messages beside, for a form to leave out of its list of other messages.
pub const CORS_CACHE_FIELDS: [&str; 8] = [
    "cors.allowOrigins",
    "cors.allowMethods",
    "cors.allowHeaders",
    "cors.maxAgeSeconds",
    "cors.allowCredentials",
    "cache.ttlSeconds",
    "cache.maxEntries",
    "cache.varyHeaders",
];
