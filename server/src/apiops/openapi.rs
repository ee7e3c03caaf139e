//! The OpenAPI 3.1 document of the whole REST API, generated from the handlers' own annotations and the
//! types they read and write, served at `GET /apiops/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{deploys, environments, gateway, groups, node_tokens, projects, proxies, rollback, transfer};
use crate::apig;

#[derive(OpenApi)]
#[openapi(
    info(title = "Portico APIOps REST API", description = "Manage API proxies, groups, environments and deployments with a personal access token."),
    paths(
        projects::list_projects, projects::create_project, projects::get_project, projects::list_members,
        projects::get_member, projects::put_member, projects::delete_member, projects::get_settings,
        projects::put_settings, projects::audit_log, projects::assign_environment,
        environments::list_environments, environments::create_environment, environments::project_environments,
        environments::environment_nodes,
        node_tokens::create_node_token, node_tokens::list_node_tokens, node_tokens::revoke_node_token,
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

pub async fn document() -> Json<serde_json::Value> {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(
        DOCUMENT
            .get_or_init(|| open_flattened_parts(ApiDoc::openapi()))
            .clone(),
    )
}

/// A type that refuses unknown fields on input is documented `additionalProperties: false`; where an answer
/// flattens it beside other fields (an API proxy is its configuration plus id, name, deployments), the
/// generator writes `allOf` of the two, which that `false` makes impossible to satisfy. Such parts are opened.
fn open_flattened_parts(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    use serde_json::Value;
    fn flattened(v: &Value, into: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Array(parts)) = map.get("allOf") {
                    for part in parts {
                        if let Some(r) = part.get("$ref").and_then(Value::as_str) {
                            into.push(r.trim_start_matches("#/components/schemas/").to_owned());
                        }
                    }
                }
                map.values().for_each(|v| flattened(v, into));
            }
            Value::Array(items) => items.iter().for_each(|v| flattened(v, into)),
            _ => {}
        }
    }
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    let mut names = Vec::new();
    flattened(&doc, &mut names);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in names {
            if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
                schema.remove("additionalProperties");
            }
        }
    }
    doc
}
