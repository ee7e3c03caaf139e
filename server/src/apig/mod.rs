//! The cloud API gateway form of batch publishing, under `/v2/`: callers authenticate with `X-Auth-Token`
//! (a personal access token) and name projects, APIs, groups and environments by their stable ids. Errors
//! answer `{"error_code": "APIG.xxxx", "error_msg": ...}`.

mod publish;

use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;
use deploy::ControlPlane;

#[doc(hidden)]
pub use publish::__path_publish as __path_publish_path;
pub use publish::{publish as publish_path, ApigError, PublishReply};

#[derive(Clone)]
pub struct ApigState {
    pub cp: ControlPlane,
}

pub fn router(cp: ControlPlane) -> Router {
    let path = "/v2/{project_id}/apigw/instances/{instance_id}/apis/publish";
    Router::new()
        .route(path, post(publish::publish))
        .route(&format!("{path}/"), post(publish::publish))
        .method_not_allowed_fallback(publish::method_not_allowed)
        .layer(DefaultBodyLimit::max(crate::apiops::BODY_LIMIT))
        .with_state(ApigState { cp })
}
