//! A group's own settings: its client route (extra paths its members are reached under, and the methods they
//! accept) and the CORS and cache that apply to members whose own are off. Saved for the next group deploy.

use deploy::model::{ApiProxyGroup, Cache, ClientRoute, Cors, GroupSpec};
use leptos::prelude::*;

use crate::proxy_form::list;
use crate::ConsoleError;

#[server(endpoint = "save_group_settings")]
pub async fn save_group_settings(
    project: String,
    group: String,
    settings: GroupSpec,
) -> Result<ApiProxyGroup, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::groups::update_group(&cp, &actor, &project, &group, settings).await?)
}

#[component]
pub fn GroupSettings(
    project: Memo<String>,
    group: Memo<String>,
    current: GroupSpec,
    saved: ServerAction<SaveGroupSettings>,
    may: bool,
) -> impl IntoView {
    let paths = RwSignal::new(current.client_route.relative_path_list.join(", "));
    let methods = RwSignal::new(current.client_route.method_list.join(", "));
    let cors_on = RwSignal::new(current.cors.enabled);
    let origins = RwSignal::new(current.cors.allow_origins.join(", "));
    let cors_methods = RwSignal::new(current.cors.allow_methods.join(", "));
    let cache_on = RwSignal::new(current.cache.enabled);
    let ttl = RwSignal::new(current.cache.ttl_seconds.to_string());
    let entries = RwSignal::new(current.cache.max_entries.to_string());
    let local_error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |text: String, what: &str| {
            text.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what} must be a whole number."))
        };
        let (ttl_seconds, max_entries) = match (
            number(ttl.get(), "Cache TTL"),
            number(entries.get(), "Cache entries"),
        ) {
            (Ok(t), Ok(e)) => (t, e),
            (Err(why), _) | (_, Err(why)) => return local_error.set(Some(why)),
        };
        local_error.set(None);
        let settings = GroupSpec {
            description: current.description.clone(),
            client_route: ClientRoute {
                relative_path_list: list(&paths.get()),
                method_list: list(&methods.get())
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
            },
            cors: Cors {
                enabled: cors_on.get(),
                allow_origins: list(&origins.get()),
                allow_methods: list(&cors_methods.get()),
                ..current.cors.clone()
            },
            cache: Cache {
                enabled: cache_on.get(),
                ttl_seconds,
                max_entries,
            },
        };
        saved.dispatch(SaveGroupSettings {
            project: project.get(),
            group: group.get(),
            settings,
        });
    };
    view! {
        <section class="card" aria-labelledby="group-settings-title">
            <h2 id="group-settings-title">"Group settings"</h2>
            <p class="muted">"They go live with the group's next deploy. A member's own CORS and cache, when on, win over these."</p>
            <form on:submit=submit aria-label="Group settings">
                <div class="fields">
                    <div class="field grow">
                        <label for="group-paths">"Client route paths"</label>
                        <input id="group-paths" bind:value=paths placeholder="/shop, /checkout" />
                    </div>
                    <div class="field">
                        <label for="group-methods">"Client route methods"</label>
                        <input id="group-methods" bind:value=methods placeholder="GET, POST (empty: any)" />
                    </div>
                </div>
                <div class="fields">
                    <div class="field check">
                        <input id="group-cors" type="checkbox" bind:checked=cors_on />
                        <label for="group-cors">"Group CORS"</label>
                    </div>
                    <div class="field grow">
                        <label for="group-origins">"Allowed origins"</label>
                        <input id="group-origins" bind:value=origins placeholder="https://shop.example.com, ..." />
                    </div>
                    <div class="field">
                        <label for="group-cors-methods">"Allowed methods"</label>
                        <input id="group-cors-methods" bind:value=cors_methods placeholder="GET, POST" />
                    </div>
                </div>
                <div class="fields">
                    <div class="field check">
                        <input id="group-cache" type="checkbox" bind:checked=cache_on />
                        <label for="group-cache">"Group cache"</label>
                    </div>
                    <div class="field">
                        <label for="group-ttl">"Cache TTL (seconds)"</label>
                        <input id="group-ttl" inputmode="numeric" bind:value=ttl />
                    </div>
                    <div class="field">
                        <label for="group-entries">"Cache entries at most"</label>
                        <input id="group-entries" inputmode="numeric" bind:value=entries />
                    </div>
                </div>
                <div aria-live="polite">
                    {move || local_error.get().map(|why| view! { <p class="error" role="alert">{why}</p> })}
                    {move || saved.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || !may || saved.pending().get()>
                        {move || if saved.pending().get() { "Saving…" } else { "Save settings" }}
                    </button>
                    {(!may).then(|| view! { <span class="reason">{crate::rights::Rights::lacking("MANAGE")}</span> })}
                    <span role="status">
                        {move || matches!(saved.value().get(), Some(Ok(_))).then(|| view! { <span class="notice">"Saved."</span> })}
                    </span>
                </div>
            </form>
        </section>
    }
}
