//! Portico's data plane. Each environment's gateway serves what is deployed to it: longest-prefix matching,
//! six routing algorithms with passive health and one retry, maintenance mode, CORS and a response cache,
//! and a routing table that is swapped whole when a deploy, undeploy or rollback changes what is live.

pub mod admission;
pub mod balance;
pub mod cache;
pub mod cache_dir;
pub mod console_cookie;
mod forward;
pub mod idle;
pub mod listen;
pub mod metrics;
pub mod node;
mod path;
mod policy;
pub mod remote;
pub mod table;
pub mod tls;
pub mod tls_listener;
pub mod traffic;
mod upstream;

pub use listen::{bind, Listeners};
pub use node::{Applied, LiveSource, Node, Options, Update};

/// Why a body broke off: the client or the backend went away, or a backend stalled past its deadline.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Bodies the gateway sends, whether streamed from a backend or its own.
pub type Body = http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, BoxError>;
