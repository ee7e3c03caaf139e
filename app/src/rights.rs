//! What the signed-in user may do in a project, so pages can disable what the server would refuse anyway
//! and say why.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub manage: bool,
    pub deploy: bool,
    pub export_import: bool,
    pub project_admin: bool,
}

impl Rights {
    /// The sentence shown beside an action the user may not take.
    pub fn lacking(permission: &str) -> String {
        format!("You need the API_MANAGEMENT + {permission} permission in this project.")
    }
}

#[cfg(feature = "ssr")]
pub async fn rights(
    cp: &deploy::ControlPlane,
    actor: &deploy::Actor,
    project: &str,
) -> Result<Rights, crate::ConsoleError> {
    use deploy::access::{may, Need, Permission};
    Ok(Rights {
        manage: may(cp, actor, project, Need::Permission(Permission::Manage)).await?,
        deploy: may(cp, actor, project, Need::Permission(Permission::DeployUndeploy)).await?,
        export_import: may(cp, actor, project, Need::Permission(Permission::ExportImport)).await?,
        project_admin: may(cp, actor, project, Need::ProjectAdmin).await?,
    })
}
