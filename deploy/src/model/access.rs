//! Who may do what: the API_MANAGEMENT permissions and project members.

use serde::{Deserialize, Serialize};

/// A permission on the API_MANAGEMENT module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Permission {
    View,
    Manage,
    DeployUndeploy,
    ExportImport,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::View,
        Permission::Manage,
        Permission::DeployUndeploy,
        Permission::ExportImport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::View => "VIEW",
            Permission::Manage => "MANAGE",
            Permission::DeployUndeploy => "DEPLOY_UNDEPLOY",
            Permission::ExportImport => "EXPORT_IMPORT",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// A project member and what they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub username: String,
    pub project_admin: bool,
    pub permissions: Vec<Permission>,
}

/// What a list shows of a node token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NodeTokenInfo {
    pub id: i64,
    pub environment: String,
    pub name: String,
    pub hint: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// What the caller may do in a project, so a page can offer only what the operation would allow (the
/// operation checks again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rights {
    pub manage: bool,
    pub deploy: bool,
    pub export_import: bool,
    pub project_admin: bool,
}
