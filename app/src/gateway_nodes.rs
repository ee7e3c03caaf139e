//! The environment page's list of gateway nodes: every node that follows the environment, on this machine or
//! another, with the version it serves and whether that is what is live.

use deploy::model::{EnvironmentNodes, NodeState};
use leptos::prelude::*;

fn state_badge(state: NodeState) -> impl IntoView {
    let attention = state != NodeState::InSync;
    view! { <span class="badge" class:warn=attention>{state.label()}</span> }
}

/// "2026-12-05T08:24:30.1Z" as "2026-12-05 08:24:30".
pub(crate) fn when(at: &str) -> String {
    at.get(..19).unwrap_or(at).replace('T', " ")
}

#[component]
pub fn GatewayNodes(nodes: EnvironmentNodes) -> impl IntoView {
    let summary = if nodes.nodes.is_empty() {
        "No gateway node follows this environment yet.".to_owned()
    } else if nodes.in_sync {
        format!("Every connected node serves live version {}.", nodes.live_version)
    } else {
        format!(
            "Not every connected node serves live version {} yet.",
            nodes.live_version
        )
    };
    view! {
        <section aria-labelledby="nodes-title">
            <h2 id="nodes-title">"Gateway nodes"</h2>
            <p class="muted">{summary}</p>
            {(!nodes.nodes.is_empty()).then(|| view! {
                <table class="list" aria-label="Gateway nodes">
                    <thead><tr>
                        <th scope="col">"Node"</th><th scope="col" class="minor">"Host"</th><th scope="col" class="minor">"Portico"</th>
                        <th scope="col">"Serves version"</th><th scope="col">"State"</th>
                        <th scope="col" class="minor">"Connected since"</th><th scope="col">"Last seen"</th>
                    </tr></thead>
                    <tbody>
                        {nodes.nodes.into_iter().map(|n| view! {
                            <tr>
                                <td class="name"><code>{n.node_id}</code></td>
                                <td class="minor">{n.host}</td>
                                <td class="minor">{n.portico_version}</td>
                                <td>{n.applied_version.map_or_else(|| "none yet".to_owned(), |v| v.to_string())}</td>
                                <td>{state_badge(n.state)}</td>
                                <td class="minor">{n.connected_since.as_deref().map(when).unwrap_or_default()}</td>
                                <td>{when(&n.last_seen)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
