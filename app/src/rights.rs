//! What the signed-in user may do in a project, so pages can disable what the server would refuse anyway
//! and say why.

pub use deploy::model::Rights;

/// The sentence shown beside an action the user may not take.
pub fn lacking(permission: &str) -> String {
    format!("You need the API_MANAGEMENT + {permission} permission in this project.")
}
