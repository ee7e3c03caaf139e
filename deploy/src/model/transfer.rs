//! What an import answers, and the batch publish request and answer.

use serde::{Deserialize, Serialize};

use super::DeploymentResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub api_proxy_name: String,
    /// True when no proxy of that name existed.
    pub created: bool,
    /// The IMPORT record keeping the replaced configuration, when an existing proxy was overridden.
    pub replaced_revision: Option<i64>,
    /// Environments named in the file's deploy list that this project does not have, left out.
    pub skipped_deploy_list: Vec<String>,
    /// Present when the metadata asked to deploy.
    pub deployment_result: Option<DeploymentResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// API ids, at most 1000. When given, `group_id` only has to name an existing group.
    #[serde(default)]
    pub apis: Option<Vec<String>>,
    pub env_id: Option<String>,
    /// Publish every API of this group (when `apis` is left out).
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishResult {
    pub success: Vec<Published>,
    pub failure: Vec<PublishFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Published {
    /// The id of the deploy history record written.
    pub publish_id: String,
    pub api_id: String,
    pub api_name: String,
    pub env_id: String,
    pub remark: String,
    pub publish_time: String,
    /// The id of the configuration published (or taken offline): equal configurations share it.
    pub version_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishFailure {
    pub api_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    pub error_code: String,
    pub error_msg: String,
}
