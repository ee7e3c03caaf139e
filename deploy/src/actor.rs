//! Who does an operation, and through which door: what every operation and the audit record take.

use serde::{Deserialize, Serialize};

/// Which door a request came through, recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Console,
    Api,
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Console => "CONSOLE",
            Channel::Api => "API",
            Channel::Cli => "CLI",
        }
    }
}

/// A signed-in user as the doors see it. The password hash never leaves this crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub system_admin: bool,
}

/// The user an operation is done as, and through which door.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub channel: Channel,
}

impl Actor {
    pub fn new(user: User, channel: Channel) -> Self {
        Self { user, channel }
    }

    /// The command line's actor, used for bootstrapping before any user exists.
    pub fn system(channel: Channel) -> Self {
        let user = User {
            id: 0,
            username: "system".into(),
            system_admin: true,
        };
        Self { user, channel }
    }
}
