//! The APIOps REST API under `/apiops/`: what CI pipelines call with personal access tokens. Every handler
//! adapts one `deploy` function; the paths are the documented ones, trailing slash included (the same path
//! without it is accepted too).

mod auth;
mod body;
mod deploys;
mod environments;
pub(crate) mod error;
mod gateway;
mod groups;
mod node_feed;
mod node_tokens;
mod openapi;
mod projects;
mod proxies;
mod reply;
mod rollback;
pub(crate) mod transfer;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use deploy::archive::ArchiveLimits;
use deploy::ControlPlane;

pub use error::ApiError;

/// The largest JSON body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct ApiState {
    pub cp: ControlPlane,
    /// What an uploaded export archive may be.
    pub limits: ArchiveLimits,
    /// The node feed's open streams.
    pub(crate) streams: std::sync::Arc<node_feed::Streams>,
}

/// Registers a documented path and its twin without the trailing slash.
fn both(router: Router<ApiState>, path: &str, methods: MethodRouter<ApiState>) -> Router<ApiState> {
    let bare = path.trim_end_matches('/');
    router.route(path, methods.clone()).route(bare, methods)
}

pub fn router(cp: ControlPlane, limits: ArchiveLimits) -> Router {
    let p = "/apiops/projects/{projectName}";
    let proxy = format!("{p}/apiProxies/{{apiProxyName}}");
    let group = format!("{p}/apiProxyGroups/{{apiProxyGroupName}}");
    let mut r = Router::new();
    r = both(
        r,
        "/apiops/projects/",
        get(projects::list_projects).post(projects::create_project),
    );
    r = both(r, &format!("{p}/"), get(projects::get_project));
    r = both(r, &format!("{p}/members/"), get(projects::list_members));
    r = both(
        r,
        &format!("{p}/members/{{username}}/"),
        get(projects::get_member)
            .put(projects::put_member)
            .delete(projects::delete_member),
    );
    r = both(
        r,
        &format!("{p}/settings/"),
        get(projects::get_settings).put(projects::put_settings),
    );
    r = both(r, &format!("{p}/audit/"), get(projects::audit_log));
    r = both(
        r,
        &format!("{p}/environments/{{environmentName}}/"),
        put(projects::assign_environment),
    );
    r = both(
        r,
        "/apiops/environments/",
        get(environments::list_environments).post(environments::create_environment),
    );
    r = both(
        r,
        "/apiops/node-tokens/",
        get(node_tokens::list_node_tokens).post(node_tokens::create_node_token),
    );
    r = both(
        r,
        "/apiops/node-tokens/{tokenId}/",
        delete(node_tokens::revoke_node_token),
    );
    r = both(
        r,
        "/apiops/environments/{projectName}/",
        get(environments::project_environments),
    );
    r = both(
        r,
        "/apiops/environments/{projectName}/{environmentName}/nodes/",
        get(environments::environment_nodes),
    );
    // Not in the OpenAPI document: the protocol between Portico's own processes, for node tokens only.
    r = both(r, "/apiops/node-feed/", get(node_feed::feed));
    r = both(r, "/apiops/node-feed/acks/", post(node_feed::ack));
    r = both(
        r,
        &format!("{p}/apiProxies/"),
        get(proxies::list_proxies).post(proxies::create_proxy),
    );
    r = both(
        r,
        &format!("{proxy}/"),
        get(proxies::get_proxy)
            .put(proxies::update_proxy)
            .delete(proxies::delete_proxy),
    );
    r = both(
        r,
        &format!("{proxy}/environments/{{environmentName}}/"),
        post(deploys::deploy_proxy).delete(deploys::undeploy_proxy),
    );
    r = both(
        r,
        &format!("{proxy}/deploy-histories/"),
        get(proxies::list_history),
    );
    r = both(
        r,
        &format!("{proxy}/deploy-histories/{{revision}}/"),
        get(proxies::get_history_record).put(proxies::put_history_record),
    );
    r = both(
        r,
        &format!("{proxy}/deploy-histories/{{revision}}/rollback/"),
        post(rollback::rollback),
    );
    r = both(
        r,
        &format!("{proxy}/deploy-histories/{{revision}}/diff/"),
        get(rollback::diff),
    );
    r = both(r, &format!("{proxy}/export/"), get(transfer::export));
    let upload = DefaultBodyLimit::max(transfer::import_body_limit(&limits));
    r = both(
        r,
        &format!("{proxy}/import/"),
        put(transfer::import_override).layer(upload),
    );
    r = both(
        r,
        &format!("{p}/apiProxies/import/"),
        post(transfer::import_new).layer(upload),
    );
    r = both(r, "/apiops/gateway/", get(gateway::gateway));
    r = both(
        r,
        &format!("{p}/apiProxyGroups/"),
        get(groups::list_groups).post(groups::create_group),
    );
    r = both(
        r,
        &format!("{group}/"),
        get(groups::get_group)
            .put(groups::update_group)
            .delete(groups::delete_group),
    );
    r = both(
        r,
        &format!("{group}/apiProxies/{{apiProxyName}}/"),
        post(groups::add_member).delete(groups::remove_member),
    );
    r = both(
        r,
        &format!("{group}/environments/{{environmentName}}/"),
        post(deploys::deploy_group).delete(deploys::undeploy_group),
    );
    r.route("/apiops/openapi.json", get(openapi::document))
        .route("/apiops", get(not_found))
        .route("/apiops/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(ApiState {
            cp,
            limits,
            streams: Default::default(),
        })
}

async fn not_found() -> ApiError {
    ApiError::NotFound("No such APIOps endpoint.".into())
}

/// The documented error shape for a method the path does not take (axum adds the `Allow` header).
async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::MethodNotAllowed(format!("This endpoint does not accept {method} requests."))
}
