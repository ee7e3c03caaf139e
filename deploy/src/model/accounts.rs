//! Console accounts as a system admin manages them.

use serde::{Deserialize, Serialize};

/// One account in the users list. Carries nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub username: String,
    pub system_admin: bool,
    /// When it was disabled; `None` while it may sign in.
    pub disabled_at: Option<String>,
    pub created_at: String,
}
