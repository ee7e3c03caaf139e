//! Each console page is a lazily loaded route: the browser downloads a page's code (a split WASM chunk) when
//! someone first opens it, so the first load carries only the frame, the router and the page in view.
//! The server renders them all as usual; the split only exists in the browser build (`cargo leptos --split`).

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Declares a route type whose view is the given page component, loaded on demand.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(Overview, crate::overview::OverviewPage);
lazy_page!(Projects, crate::projects::ProjectsPage);
lazy_page!(Project, crate::project::ProjectPage);
lazy_page!(Import, crate::import::ImportPage);
lazy_page!(Group, crate::group::GroupPage);
lazy_page!(Proxy, crate::proxy::ProxyPage);
lazy_page!(History, crate::history::HistoryPage);
lazy_page!(Environments, crate::environments::EnvironmentsPage);
lazy_page!(Environment, crate::environments::EnvironmentPage);
lazy_page!(AccessTokens, crate::tokens::AccessTokensPage);
lazy_page!(Users, crate::accounts::UsersPage);
lazy_page!(Account, crate::accounts::AccountPage);
