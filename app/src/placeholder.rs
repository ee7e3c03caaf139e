//! Pages whose features arrive in later work, and the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    view! {
        <Title text="Environments · Portico" />
        <h1>"Environments"</h1>
        <p class="empty">"Coming soon: test, staging and production environments, and what is live in each."</p>
    }
}

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    view! {
        <Title text="Access tokens · Portico" />
        <h1>"Access tokens"</h1>
        <p class="empty">"Coming soon: personal access tokens for the APIOps REST API."</p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Portico" />
        <main class="page">
            <h1>"Page not found"</h1>
            <p><a href="/projects">"Go to your projects"</a></p>
        </main>
    }
}
