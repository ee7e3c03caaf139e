//! What Portico's operations read and write, as plain data: API proxy configuration, and the records and
//! answers of every operation. Pure types with no storage, so the browser half of the console uses them too.

mod access;
mod accounts;
mod audit;
mod config;
mod deploys;
mod environments;
mod history;
mod live;
mod overview;
mod pages;
mod projects;
mod traffic;
mod transfer;
mod violation;

pub use crate::diff::{ChangeKind, FieldChange};
pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use config::*;
pub use deploys::*;
pub use environments::*;
pub use history::*;
pub use live::*;
pub use overview::*;
pub use pages::*;
pub use projects::*;
pub use traffic::*;
pub use transfer::*;
pub use violation::*;
