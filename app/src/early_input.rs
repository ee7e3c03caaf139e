//! What a person typed, ticked or chose in a form before the page's code arrived. A field bound to a signal
//! gets the signal's value when the page hydrates, which would wipe it; a component that starts its signals
//! from these readings keeps it instead.

/// Runs `read` on the page only while it is being hydrated: then the document is the server's HTML, which
/// the person may have changed. At any other time (on the server, or a page built in the browser) there is
/// nothing typed early, and the document may hold another page.
fn while_hydrating<T>(read: impl FnOnce() -> Option<T>) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let hydrating = leptos::prelude::Owner::current_shared_context()
            .is_some_and(|context| context.during_hydration());
        if hydrating {
            return read();
        }
    }
    let _ = read;
    None
}

/// The value of the field with this id (an input, a text area or a select).
pub fn value(id: &str) -> Option<String> {
    while_hydrating(|| {
        use wasm_bindgen::JsCast;
        let element = leptos::prelude::document().get_element_by_id(id)?;
        if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
            return Some(input.value());
        }
        if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            return Some(area.value());
        }
        element
            .dyn_ref::<web_sys::HtmlSelectElement>()
            .map(web_sys::HtmlSelectElement::value)
    })
}

/// Whether the checkbox or radio button with this id is ticked.
pub fn checked(id: &str) -> Option<bool> {
    while_hydrating(|| {
        use wasm_bindgen::JsCast;
        let element = leptos::prelude::document().get_element_by_id(id)?;
        element
            .dyn_ref::<web_sys::HtmlInputElement>()
            .map(web_sys::HtmlInputElement::checked)
    })
}

/// The values of the ticked boxes that `selector` finds.
pub fn ticked(selector: &str) -> Option<Vec<String>> {
    while_hydrating(|| {
        use wasm_bindgen::JsCast;
        let found = leptos::prelude::document().query_selector_all(selector).ok()?;
        Some(
            (0..found.length())
                .filter_map(|i| found.item(i))
                .filter_map(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(|input| input.checked())
                .map(|input| input.value())
                .collect(),
        )
    })
}
