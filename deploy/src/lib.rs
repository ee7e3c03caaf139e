//! Portico's deploy domain.
//!
//! Everything an operator can do is one function in this crate, whichever door (console, REST API, command
//! line) the request came through, so both doors behave identically. The crate knows nothing of HTTP.

pub mod access;
pub mod archive;
pub mod audit;
mod clock;
pub mod demo;
pub mod deployments;
pub mod diff;
pub mod environments;
mod error;
pub mod export_format;
pub mod groups;
pub mod history;
mod ids;
pub mod model;
mod names;
pub mod projects;
pub mod proxies;
pub mod publish;
pub mod rollback;
mod store;
pub mod tokens;
pub mod transfer;
pub mod users;

pub use error::{Error, Result};
pub use store::ControlPlane;
pub use users::{Actor, Channel};
