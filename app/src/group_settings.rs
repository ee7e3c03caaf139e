//! A group's own settings: its client route (extra paths its members are reached under, and the methods they
//! accept) and the CORS and cache that apply to members whose own are off. Saved for the next group deploy.

use deploy::model::{ApiProxyGroup, ClientRoute, GroupSpec};
use leptos::prelude::*;

use crate::cors_cache::{CacheRow, CorsCacheFields, CorsRow, CORS_CACHE_FIELDS};
use crate::field_errors::{FieldError, FieldErrors, FormErrors};
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

/// The form's own fields that show messages beside them (with the CORS and cache rows' fields); a message
/// about any other goes under the form.
const OWN_FIELDS: [&str; 2] = ["clientRoute.relativePathList", "clientRoute.methodList"];

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
    let cors_cache = CorsCacheFields::new(&current.cors, &current.cache);
    let errors = FieldErrors::new();
    let refused = Signal::derive(move || saved.value().get().and_then(Result::err));
    errors.follow(refused);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let Some((cors, cache)) = cors_cache.read(errors) else {
            return;
        };
        let settings = GroupSpec {
            description: current.description.clone(),
            client_route: ClientRoute {
                relative_path_list: list(&paths.get()),
                method_list: list(&methods.get())
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
            },
            cors,
            cache,
        };
        // The same checks the server makes, before anything is sent.
        errors.add_violations(settings.violations());
        if !errors.is_empty() {
            return;
        }
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
                        <input id="group-paths" bind:value=paths placeholder="/shop, /checkout"
                            aria-invalid=move || errors.message("clientRoute.relativePathList").is_some().to_string()
                            aria-describedby="group-paths-error" />
                        <FieldError errors field="clientRoute.relativePathList".into() id="group-paths-error".into() />
                    </div>
                    <div class="field">
                        <label for="group-methods">"Client route methods"</label>
                        <input id="group-methods" bind:value=methods placeholder="GET, POST (empty: any)"
                            aria-invalid=move || errors.message("clientRoute.methodList").is_some().to_string()
                            aria-describedby="group-methods-error" />
                        <FieldError errors field="clientRoute.methodList".into() id="group-methods-error".into() />
                    </div>
                </div>
                <CorsRow fields=cors_cache id="group" label="Group CORS" errors />
                <CacheRow fields=cors_cache id="group" label="Group cache" errors />
                <FormErrors errors shown=[&OWN_FIELDS[..], &CORS_CACHE_FIELDS[..]].concat() refused />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || !may || saved.pending().get()>
                        {move || if saved.pending().get() { "Saving…" } else { "Save settings" }}
                    </button>
                    {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("MANAGE")}</span> })}
                    <span role="status">
                        {move || matches!(saved.value().get(), Some(Ok(_))).then(|| view! { <span class="notice">"Saved."</span> })}
                    </span>
                </div>
            </form>
        </section>
    }
}
