//! The projects list, and the form a system admin creates projects with.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::layout::SignedIn;
use crate::ConsoleError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    /// API proxies in the project, and live deployments of them.
    pub proxies: usize,
    pub live: usize,
}

#[cfg(feature = "ssr")]
impl From<deploy::projects::Project> for ProjectSummary {
    fn from(p: deploy::projects::Project) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            created_at: p.created_at,
            proxies: 0,
            live: 0,
        }
    }
}

#[server(endpoint = "list_projects")]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let projects = deploy::projects::list_projects(&cp, &actor).await?;
    let counts = deploy::projects::project_counts(&cp, &actor).await?;
    Ok(projects
        .into_iter()
        .map(|project| {
            let (proxies, live) = counts
                .iter()
                .find(|(name, _, _)| *name == project.name)
                .map_or((0, 0), |(_, proxies, live)| (*proxies as usize, *live as usize));
            ProjectSummary {
                proxies,
                live,
                ..ProjectSummary::from(project)
            }
        })
        .collect())
}

#[server(endpoint = "create_project")]
pub async fn create_project(name: String, description: String) -> Result<ProjectSummary, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::projects::create_project(&cp, &actor, &name, &description)
        .await?
        .into())
}

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let create = ServerAction::<CreateProject>::new();
    let projects = Resource::new(move || create.version().get(), |_| list_projects());
    let me = SignedIn::expect().0;
    view! {
        <Title text="Projects · Portico" />
        <h1>"Projects"</h1>
        // Its own boundary, so the form keeps what was typed while the list reloads.
        <Suspense>
            {move || Suspend::new(async move {
                let may_create = matches!(me.await, Ok(Some(u)) if u.may_create_projects);
                may_create.then(|| view! { <NewProjectForm action=create /> })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="loading">"Loading projects…"</p> }>
            {move || Suspend::new(async move {
                match projects.await {
                    Ok(list) => view! { <ProjectTable projects=list /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewProjectForm(action: ServerAction<CreateProject>) -> impl IntoView {
    let form = NodeRef::<Form>::new();
    // Clear the form once the project exists; keep what was typed when it was refused.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (action.value().get(), form.get()) {
            form.reset();
        }
    });
    let outcome = move || {
        action.value().get().map(|result| match result {
            Ok(p) => {
                view! { <p class="notice" role="status">"Project " <strong>{p.name}</strong> " created."</p> }
                    .into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="new-project-title">
            <h2 id="new-project-title">"New project"</h2>
            <ActionForm action node_ref=form>
                <div class="fields">
                    <div class="field">
                        <label for="project-name">"Name"</label>
                        <input
                            id="project-name"
                            name="name"
                            required
                            maxlength="100"
                            pattern="[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]*"
                            title="Letters, digits, '-', '_' and '.'"
                        />
                    </div>
                    <div class="field grow">
                        <label for="project-description">"Description"</label>
                        <input id="project-description" name="description" maxlength="1000" />
                    </div>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create project" }}
                    </button>
                </div>
                {outcome}
            </ActionForm>
        </section>
    }
}

#[component]
fn ProjectTable(projects: Vec<ProjectSummary>) -> impl IntoView {
    if projects.is_empty() {
        return view! {
            <p class="empty">
                "No projects yet. A system admin creates projects here; ask one to add you to a project."
            </p>
        }
        .into_any();
    }
    view! {
        <table class="list" aria-label="Projects">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col" class="minor">"Description"</th>
                    <th scope="col">"API proxies"</th>
                    <th scope="col">"Live deployments"</th>
                    <th scope="col" class="minor">"Created"</th>
                </tr>
            </thead>
            <tbody>
                {projects
                    .into_iter()
                    .map(|p| {
                        view! {
                            <tr>
                                <td class="name"><a href=crate::project::project_href(&p.name)>{p.name.clone()}</a></td>
                                <td class="minor">{p.description}</td>
                                <td>{p.proxies}</td>
                                <td>{p.live}</td>
                                <td class="minor"><time datetime=p.created_at.clone()>{p.created_at.get(..10).unwrap_or_default().to_string()}</time></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
