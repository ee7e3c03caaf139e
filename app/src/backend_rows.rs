//! The backends of an API proxy as rows (address, weight, SOAP type, remove), where a text area of
//! `URL weight` lines made people learn a syntax. Weights are greyed out while the algorithm ignores them.

use deploy::model::{RoutingAddress, SoapType};
use leptos::prelude::*;

use crate::field_errors::{FieldError, FieldErrors};

/// One row's inputs. `key` stays with the row when rows above it are removed.
#[derive(Clone, Copy)]
struct Row {
    key: u32,
    address: RwSignal<String>,
    weight: RwSignal<String>,
    soap: RwSignal<String>,
}

impl Row {
    fn new(key: u32, address: &str, weight: u32, soap: Option<SoapType>) -> Self {
        let soap = match soap {
            Some(SoapType::Soap11) => "SOAP11",
            Some(SoapType::Soap12) => "SOAP12",
            None => "",
        };
        Row {
            key,
            address: RwSignal::new(address.to_owned()),
            weight: RwSignal::new(weight.to_string()),
            soap: RwSignal::new(soap.to_owned()),
        }
    }
}

/// The rows' state, started from the saved addresses.
#[derive(Clone, Copy)]
pub struct BackendRows {
    rows: RwSignal<Vec<Row>>,
    next: StoredValue<u32>,
}

impl BackendRows {
    pub fn is_empty(&self) -> bool {
        self.rows.with(Vec::is_empty)
    }

    pub fn new(saved: &[RoutingAddress]) -> Self {
        // Built before the signal exists: writing a signal while the page renders on the server would
        // disturb the render.
        let rows: Vec<Row> = saved
            .iter()
            .zip(0..)
            .map(|(a, key)| Row::new(key, &a.address, a.weight, a.soap_type))
            .collect();
        BackendRows {
            next: StoredValue::new(rows.len() as u32),
            rows: RwSignal::new(rows),
        }
    }

    fn push(&self, address: &str, weight: u32, soap: Option<SoapType>) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let row = Row::new(key, address, weight, soap);
        self.rows.update(|rows| rows.push(row));
    }

    /// The addresses as typed. A weight that is not a whole number is reported at its row, and the list is
    /// not sent.
    pub fn read(&self, errors: FieldErrors) -> Option<Vec<RoutingAddress>> {
        let mut list = Vec::new();
        let mut readable = true;
        for (i, row) in self.rows.get().into_iter().enumerate() {
            let weight = match row.weight.get().trim().parse::<u32>() {
                Ok(w) => w,
                Err(_) => {
                    errors.add(
                        format!("routing.addressList[{i}].weight"),
                        "Write a whole number from 1 to 1000.",
                    );
                    readable = false;
                    continue;
                }
            };
            list.push(RoutingAddress {
                address: row.address.get().trim().to_owned(),
                weight,
                soap_type: match row.soap.get().as_str() {
                    "SOAP11" => Some(SoapType::Soap11),
                    "SOAP12" => Some(SoapType::Soap12),
                    _ => None,
                },
            });
        }
        readable.then_some(list)
    }
}

/// The editor: one row a backend, an add button, and a note when the list is empty.
#[component]
pub fn BackendEditor(
    rows: BackendRows,
    errors: FieldErrors,
    /// Whether the algorithm reads the weights (WEIGHTED_ROUND_ROBIN only).
    #[prop(into)]
    weighted: Signal<bool>,
    /// What no row at all means here.
    empty_note: &'static str,
) -> impl IntoView {
    let remove = move |key: u32| rows.rows.update(|all| all.retain(|r| r.key != key));
    view! {
        <fieldset class="backends" aria-describedby="backends-note">
            <legend>"Backends"</legend>
            // Rows are drawn again when one is added or removed (what they hold lives in their signals), so
            // each knows its place: its label and the errors the server names by index follow it.
            {move || rows.rows.get().into_iter().enumerate().map(|(i, row)| {
                    let index = move || i;
                    let address_field = move || format!("routing.addressList[{}].address", index());
                    let weight_field = move || format!("routing.addressList[{}].weight", index());
                    let address_id = format!("backend-{}-address", row.key);
                    let weight_id = format!("backend-{}-weight", row.key);
                    let address_error = format!("{address_id}-error");
                    let weight_error = format!("{weight_id}-error");
                    view! {
                        <div class="backend-row" role="group" aria-label=move || format!("Backend {}", index() + 1)>
                            <div class="field grow">
                                <label for=address_id.clone()>"Address"</label>
                                <input id=address_id inputmode="url" spellcheck="false" autocomplete="off" bind:value=row.address
                                    placeholder="https://backend1.example.com"
                                    aria-invalid=move || errors.message(&address_field()).is_some().to_string()
                                    aria-describedby=address_error.clone() />
                                {move || view! { <FieldError errors field=address_field() id=address_error.clone() /> }}
                            </div>
                            <div class="field weight">
                                <label for=weight_id.clone()>"Weight"</label>
                                <input id=weight_id inputmode="numeric" bind:value=row.weight
                                    disabled=move || !weighted.get()
                                    title=move || (!weighted.get()).then_some("Only WEIGHTED_ROUND_ROBIN reads weights.")
                                    aria-invalid=move || errors.message(&weight_field()).is_some().to_string()
                                    aria-describedby=weight_error.clone() />
                                {move || view! { <FieldError errors field=weight_field() id=weight_error.clone() /> }}
                            </div>
                            <div class="field">
                                <label for=format!("backend-{}-soap", row.key)>"SOAP type"</label>
                                <select id=format!("backend-{}-soap", row.key)
                                    on:change=move |ev| row.soap.set(event_target_value(&ev))
                                    prop:value=move || row.soap.get()>
                                    <option value="">"none"</option>
                                    <option value="SOAP11">"SOAP 1.1"</option>
                                    <option value="SOAP12">"SOAP 1.2"</option>
                                </select>
                            </div>
                            <button type="button" class="link remove"
                                aria-label=move || format!("Remove backend {}", index() + 1)
                                on:click=move |_| remove(row.key)>"Remove"</button>
                        </div>
                    }
                }).collect_view()}
            <FieldError errors field="routing.addressList".to_owned() id="backends-error".to_owned() exact=true />
            <p id="backends-note" class="muted">
                {move || if rows.rows.with(Vec::is_empty) {
                    empty_note
                } else if weighted.get() {
                    "Each backend gets requests in proportion to its weight."
                } else {
                    "Weights are ignored by this algorithm; choose WEIGHTED_ROUND_ROBIN to use them."
                }}
            </p>
            <button type="button" on:click=move |_| rows.push("", 1, None)>"Add backend"</button>
        </fieldset>
    }
}
