//! The console's file transfers, which a server function does not fit: downloading an export ZIP and
//! uploading one to import (the browser reports upload progress). Authenticated by the console session,
//! answered like the REST API, and each a thin adapter of the same `deploy` function.

use app::session::ConsoleSession;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use deploy::archive::ArchiveLimits;
use deploy::transfer::{self, ImportOutcome, ImportTarget, Upload};
use deploy::{Actor, Channel, ControlPlane};

use crate::apiops::error::{ApiError, ApiResult};
use crate::apiops::transfer::{import_body_limit, read_form};

#[derive(Clone)]
struct Files {
    cp: ControlPlane,
    limits: ArchiveLimits,
}

pub fn router(cp: ControlPlane, limits: ArchiveLimits) -> Router {
    Router::new()
        .route(
            "/console/files/projects/{project}/apiProxies/{proxy}/export",
            get(export),
        )
        .route(
            "/console/files/projects/{project}/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(import_body_limit(&limits))),
        )
        .with_state(Files { cp, limits })
}

fn signed_in(auth: ConsoleSession) -> ApiResult<Actor> {
    let signed_in = auth.user.ok_or(ApiError::SignedOut)?;
    Ok(Actor::new(signed_in.0.user, Channel::Console))
}

async fn export(
    State(files): State<Files>,
    auth: ConsoleSession,
    Path((project, proxy)): Path<(String, String)>,
) -> ApiResult<Response> {
    let actor = signed_in(auth)?;
    let zip = transfer::export_proxy(&files.cp, &actor, &project, &proxy).await?;
    // Named after the proxy, so several downloads do not overwrite each other.
    let disposition = format!("attachment; filename=\"{proxy}.zip\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        zip,
    )
        .into_response())
}

async fn import(
    State(files): State<Files>,
    auth: ConsoleSession,
    Path(project): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportOutcome>> {
    let actor = signed_in(auth)?;
    let form = read_form(multipart, &files.limits).await?;
    let name = form.api_proxy_name.filter(|n| !n.is_empty());
    let target = match &name {
        Some(name) => ImportTarget::Override(name),
        None => ImportTarget::New,
    };
    let upload = form
        .file
        .as_ref()
        .map(|(file_name, bytes)| Upload { file_name, bytes });
    Ok(Json(
        transfer::import_proxy(
            &files.cp,
            &actor,
            &project,
            target,
            upload,
            form.metadata.as_deref(),
            &files.limits,
        )
        .await?,
    ))
}
