//! The OpenAPI 3.1 document of the whole REST API, generated from the handlers' own annotations and the
//! types they read and write, served at `GET /apiops/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{deploys, environments, gateway, groups, projects, proxies, rollback, transfer};
use crate::apig;

#[derive(OpenApi)]
#[openapi(
    info(title = "Portico APIOps REST API", description = "Manage API proxies, groups, environments and deployments with a personal access token."),
    paths(
        projects::list_projects, projects::create_project, projects::get_project, projects::list_members,
        projects::get_member, projects::put_member, projects::delete_member, projects::get_settings,
        projects::put_settings, projects::audit_log, projects::assign_environment,
        environments::list_environments, environments::create_environment, environments::project_environments,
        proxies::list_proxies, proxies::create_proxy, proxies::get_proxy, proxies::update_proxy,
        proxies::delete_proxy, proxies::list_history, proxies::get_history_record, proxies::put_history_record,
        groups::list_groups, groups::create_group, groups::get_group, groups::update_group, groups::delete_group,
        groups::add_member, groups::remove_member,
        deploys::deploy_group, deploys::undeploy_group, deploys::deploy_proxy, deploys::undeploy_proxy,
        rollback::rollback, rollback::diff, transfer::export, transfer::import_override, transfer::import_new,
        gateway::gateway, apig::publish_path,
    ),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme(
            "x_auth_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Auth-Token"))),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
