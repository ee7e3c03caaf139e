//! API proxies and groups as they are shown, what is live where, and what a deploy answers.

use serde::{Deserialize, Serialize};

use super::{ApiType, GroupSpec, ProxySpec};

/// The optional body of a deploy or undeploy request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeployOptions {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub persistent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentResult {
    pub success: bool,
    pub message: String,
    pub environment_results: Vec<EnvironmentResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentResult {
    pub environment_name: String,
    pub success: bool,
    pub message: String,
}

/// A live deployment as an environment lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LiveProxy {
    pub proxy: String,
    pub revision: i64,
    pub deployed_by: String,
    pub deployed_at: String,
    pub redeploy_required: bool,
}

/// An API proxy as the doors show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiProxy {
    /// Stable opaque id (32 lower-case hex).
    pub id: String,
    pub name: String,
    pub spec: ProxySpec,
    /// The environments it may be deployed to.
    pub deploy_list: Vec<String>,
    pub live: Vec<LiveDeployment>,
    pub created_at: String,
    pub updated_at: String,
}

/// One line of a project's API proxy list: enough to find a proxy and see where it is live, without its
/// whole configuration (a project may have thousands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxySummary {
    pub id: String,
    pub name: String,
    pub api_type: ApiType,
    pub relative_path: String,
    pub live: Vec<LiveDeployment>,
}

/// What is live of a proxy in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LiveDeployment {
    pub environment: String,
    pub revision: i64,
    pub deployed_by: String,
    pub deployed_at: String,
    /// The current configuration differs from what is live.
    pub redeploy_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiProxyGroup {
    /// Stable opaque id (32 lower-case hex).
    pub id: String,
    pub name: String,
    pub spec: GroupSpec,
    /// Member proxy names.
    pub members: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}
