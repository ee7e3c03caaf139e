//! The signed-in console: header, navigation, and the page inside.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, Redirect, A};

use crate::login::{current_user, Logout, Viewer};
use crate::ConsoleError;

/// The signed-in user, shared with every page inside the console.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Result<Option<Viewer>, ConsoleError>>);

impl SignedIn {
    pub fn expect() -> Self {
        expect_context::<SignedIn>()
    }
}

/// The console frame renders at once, so every page creates its resources in the request's own reactive
/// owner; only the header's user badge waits for the signed-in user.
#[component]
pub fn Console() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    provide_context(SignedIn(user));
    let whoami = move || {
        Suspend::new(async move {
            match user.await {
                Ok(Some(user)) => view! { <WhoAmI user /> }.into_any(),
                // Signed out in another tab, or the session expired: back to the sign-in page.
                Ok(None) | Err(ConsoleError::SignedOut) => view! { <Redirect path="/login" /> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            }
        })
    };
    view! {
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">"Portico"</a>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Overview"</A>
                    <A href="/projects">"Projects"</A>
                    <A href="/environments">"Environments"</A>
                    <A href="/tokens">"Access tokens"</A>
                </nav>
                <Suspense fallback=|| view! { <div class="whoami"></div> }>{whoami}</Suspense>
            </header>
            <main class="page">
                <Outlet />
            </main>
        </div>
    }
}

#[component]
fn WhoAmI(user: Viewer) -> impl IntoView {
    view! {
        <div class="whoami">
            {user.system_admin.then(|| view! { <A href="/users">"Users"</A> })}
            <span>
                <A href="/account" attr:title="Your account">{user.username}</A>
                {user.system_admin.then(|| view! { <span class="badge">"system admin"</span> })}
            </span>
            // A plain form: signing out reloads the whole page, so nothing private stays in memory.
            <form method="post" action=Logout::url()>
                <button type="submit" class="link">"Log out"</button>
            </form>
        </div>
    }
}
