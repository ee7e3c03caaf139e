//! Portico's data plane. Each environment's gateway serves what is deployed to it: longest-prefix matching,
//! six routing algorithms with passive health and one retry, maintenance mode, CORS and a response cache,
//! and a routing table that is swapped whole when a deploy, undeploy or rollback changes what is live.

pub mod balance;
pub mod cache;
mod forward;
pub mod listen;
pub mod metrics;
pub mod node;
mod policy;
pub mod supervisor;
pub mod table;
mod upstream;

pub use listen::{bind, Listeners};
pub use node::{start, Node, Options};

/// Bodies the gateway sends, whether streamed from a backend or its own.
pub type Body = http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, hyper::Error>;
