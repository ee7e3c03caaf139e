#![recursion_limit = "256"]
//! Hydrates the server-rendered console so its forms and links work without full page loads.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are split into chunks loaded on demand; hydration waits for the chunk of the page in view.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Browser tests wait for this mark before they interact, so they test the hydrated page.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
