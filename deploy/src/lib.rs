//! Portico's deploy domain.
//!
//! Everything an operator can do is one function in this crate, whichever door (console, REST API, command
//! line) the request came through, so both doors behave identically. The crate knows nothing of HTTP.

pub mod audit;
mod clock;
pub mod demo;
mod error;
mod ids;
mod names;
pub mod projects;
mod store;
pub mod users;

pub use error::{Error, Result};
pub use store::ControlPlane;
pub use users::{Actor, Channel};
