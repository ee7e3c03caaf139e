//! Portico's deploy domain.
//!
//! Everything an operator can do is one function in this crate, whichever door (console, REST API, command
//! line) the request came through, so both doors behave identically. The crate knows nothing of HTTP.

#[cfg(feature = "storage")]
pub mod access;
#[cfg(feature = "storage")]
mod actor;
#[cfg(feature = "storage")]
pub mod archive;
#[cfg(feature = "storage")]
pub mod audit;
#[cfg(feature = "backends")]
pub mod backends;
#[cfg(feature = "storage")]
mod clock;
#[cfg(feature = "storage")]
pub mod db;
#[cfg(feature = "storage")]
pub mod demo;
#[cfg(feature = "storage")]
pub mod deployments;
pub mod diff;
#[cfg(feature = "storage")]
pub mod environments;
mod error;
pub mod export_format;
#[cfg(feature = "storage")]
pub mod gateway;
#[cfg(feature = "storage")]
pub mod groups;
#[cfg(feature = "storage")]
pub mod history;
#[cfg(feature = "storage")]
mod ids;
#[cfg(feature = "storage")]
pub mod live_feed;
#[cfg(feature = "storage")]
pub mod live_paths;
pub mod model;
#[cfg(feature = "storage")]
pub mod moving;
mod names;
#[cfg(feature = "storage")]
pub mod node_tokens;
#[cfg(feature = "storage")]
pub mod nodes;
#[cfg(feature = "storage")]
pub mod overview;
#[cfg(feature = "storage")]
pub mod pages;
#[cfg(feature = "storage")]
pub mod projects;
#[cfg(feature = "storage")]
pub mod proxies;
#[cfg(feature = "storage")]
pub mod publish;
#[cfg(feature = "storage")]
pub mod rollback;
#[cfg(feature = "storage")]
mod rows;
#[cfg(feature = "storage")]
pub mod sign_in_limit;
#[cfg(feature = "storage")]
mod steps;
#[cfg(feature = "storage")]
mod store;
#[cfg(feature = "storage")]
pub mod timeline;
#[cfg(feature = "storage")]
pub mod tokens;
#[cfg(feature = "storage")]
pub mod traffic;
#[cfg(feature = "storage")]
pub mod transfer;
#[cfg(feature = "storage")]
pub mod user_admin;
#[cfg(feature = "storage")]
pub mod users;

#[cfg(feature = "storage")]
pub use actor::{Actor, Channel};
pub use error::{Error, Result};
#[cfg(feature = "storage")]
pub use store::{CompanionPool, ControlPlane};
