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
            <div class="field grow">
                <label for=format!("{id}-origins")>"Allowed origins"</label>
                <input id=format!("{id}-origins") bind:value=fields.origins placeholder="https://shop.example.com, ..."
                    aria-invalid=invalid(errors, "cors.allowOrigins") aria-describedby=format!("{id}-origins-error") />
                <FieldError errors field="cors.allowOrigins".into() id=format!("{id}-origins-error") />
            </div>
            <div class="field">
                <label for=format!("{id}-cors-methods")>"Allowed methods"</label>
                <input id=format!("{id}-cors-methods") bind:value=fields.methods placeholder="GET, POST"
                    aria-invalid=invalid(errors, "cors.allowMethods") aria-describedby=format!("{id}-cors-methods-error") />
                <FieldError errors field="cors.allowMethods".into() id=format!("{id}-cors-methods-error") />
            </div>
        </div>
        <div class="fields">
            <div class="field grow">
                <label for=format!("{id}-cors-headers")>"Allowed headers"</label>
                <input id=format!("{id}-cors-headers") bind:value=fields.headers placeholder="Content-Type, X-Request-Id"
                    aria-invalid=invalid(errors, "cors.allowHeaders") aria-describedby=format!("{id}-cors-headers-error") />
                <FieldError errors field="cors.allowHeaders".into() id=format!("{id}-cors-headers-error") />
            </div>
            <div class="field">
                <label for=format!("{id}-cors-age")>"Preflight cache (seconds)"</label>
                <input id=format!("{id}-cors-age") inputmode="numeric" bind:value=fields.max_age
                    aria-invalid=invalid(errors, "cors.maxAgeSeconds") aria-describedby=format!("{id}-cors-age-error") />
                <FieldError errors field="cors.maxAgeSeconds".into() id=format!("{id}-cors-age-error") />
            </div>
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
            <div class="field">
                <label for=format!("{id}-ttl")>"Cache TTL (seconds)"</label>
                <input id=format!("{id}-ttl") inputmode="numeric" bind:value=fields.ttl
                    aria-invalid=invalid(errors, "cache.ttlSeconds") aria-describedby=format!("{id}-ttl-error") />
                <FieldError errors field="cache.ttlSeconds".into() id=format!("{id}-ttl-error") />
            </div>
            <div class="field">
                <label for=format!("{id}-entries")>"Cache entries at most"</label>
                <input id=format!("{id}-entries") inputmode="numeric" bind:value=fields.entries
                    aria-invalid=invalid(errors, "cache.maxEntries") aria-describedby=format!("{id}-entries-error") />
                <FieldError errors field="cache.maxEntries".into() id=format!("{id}-entries-error") />
            </div>
            <div class="field grow">
                // Requests with Authorization or Cookie are cached only when that header is listed.
                <label for=format!("{id}-vary")>"Vary on headers"</label>
                <input id=format!("{id}-vary") bind:value=fields.vary placeholder="Accept-Language, Authorization"
                    aria-invalid=invalid(errors, "cache.varyHeaders") aria-describedby=format!("{id}-vary-error") />
                <FieldError errors field="cache.varyHeaders".into() id=format!("{id}-vary-error") />
            </div>
        </div>
    }
}

fn invalid(errors: FieldErrors, field: &'static str) -> impl Fn() -> String + Copy {
    move || errors.message(field).is_some().to_string()
}
