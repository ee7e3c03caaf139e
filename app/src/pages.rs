//! The console pages an operator opens now and then are lazily loaded routes: the browser downloads their
//! code (a split WASM chunk) when someone first opens one. Only three: every split point multiplies the
//! chunks the splitter makes for the code they share (twelve made 180 files, 50 to 100 requests a page, and
//! 6.8 s to an interactive page on a slow network), so the pages of the daily round (overview, projects,
//! API proxies, history, groups, environments) are in the main module, loaded once.
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

lazy_page!(Import, crate::import::ImportPage);
lazy_page!(AccessTokens, crate::tokens::AccessTokensPage);
lazy_page!(Users, crate::accounts::UsersPage);
