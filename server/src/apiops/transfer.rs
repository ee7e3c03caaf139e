//! Export an API proxy as a ZIP download; import one from a multipart upload (`metadata` and
//! `apiProxyExportFile`), overriding by name (PUT) or as a new proxy (POST).

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use deploy::archive::ArchiveLimits;
use deploy::deployments::DeploymentResult;
use deploy::transfer::{self, ImportTarget, Upload};
use serde::Serialize;

use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::ApiState;

#[utoipa::path(
    get,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/export/",
    tag = "Export and import",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name")),
    responses(
        (status = 200, description = "apiProxyExportFile.zip, holding {apiProxyName}.json", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn export(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let zip = transfer::export_proxy(&s.cp, &actor, &p, &name).await?;
    let disposition = format!("attachment; filename=\"{}\"", transfer::EXPORT_FILE_NAME);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        zip,
    )
        .into_response())
}

/// `{"status": "SUCCESS", "deploymentResult": {...}}`, the result only when the import deployed.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReply {
    status: &'static str,
    /// The name the proxy was imported as (POST only: it may have got a suffix).
    #[serde(skip_serializing_if = "Option::is_none")]
    api_proxy_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployment_result: Option<DeploymentResult>,
}

/// The multipart form of an import request.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// JSON: `{"deploy": bool, "deployTargetEnvironmentNameList": [..], "routing": {..}, "maintenanceMode": bool}`.
    metadata: String,
    /// The export ZIP; its name must end in .zip.
    #[schema(value_type = String, format = Binary)]
    #[allow(dead_code)]
    api_proxy_export_file: Vec<u8>,
}

/// The fields read from an import form. The console's upload reads the same form.
#[derive(Default)]
pub(crate) struct Form {
    pub metadata: Option<String>,
    /// The file's name as sent, and its bytes.
    pub file: Option<(String, Vec<u8>)>,
    /// The console's upload names the proxy to override here; the REST API names it in the path.
    pub api_proxy_name: Option<String>,
}

fn unreadable(e: MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::BadRequest(format!(
            "Request body is larger than the import limit of {limit} bytes!"
        ))
    } else {
        ApiError::BadRequest(format!(
            "Request body is not a readable multipart form: {}",
            e.body_text()
        ))
    }
}

/// Reads a field, refusing it as soon as it grows past `limit` bytes.
async fn read_capped(
    mut field: Field<'_>,
    what: &str,
    limit: usize,
    body_limit: usize,
) -> ApiResult<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(e, body_limit))? {
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::BadRequest(format!(
                "{what} is larger than the limit of {limit} bytes!"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub(crate) async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
    limits: &ArchiveLimits,
) -> ApiResult<Form> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::BadRequest("Content-Type must be multipart/form-data with a boundary!".into())
    })?;
    let body_limit = import_body_limit(limits);
    let read = read_fields(&mut multipart, limits, body_limit).await;
    if read.is_err() {
        // Read what the client is still sending (the body limit bounds it) before answering: a client still
        // writing its upload would otherwise see the connection reset instead of the answer.
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    read
}

async fn read_fields(
    multipart: &mut Multipart,
    limits: &ArchiveLimits,
    body_limit: usize,
) -> ApiResult<Form> {
    let mut form = Form::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| unreadable(e, body_limit))?
    {
        match field.name() {
            Some("metadata") if form.metadata.is_none() => {
                let bytes = read_capped(field, "metadata", 256 * 1024, body_limit).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| ApiError::BadRequest("metadata parameter must be UTF-8 text!".into()))?;
                form.metadata = Some(text);
            }
            Some("apiProxyExportFile") if form.file.is_none() => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes =
                    read_capped(field, "apiProxyExportFile", limits.max_archive_bytes, body_limit).await?;
                form.file = Some((file_name, bytes));
            }
            Some("apiProxyName") if form.api_proxy_name.is_none() => {
                let bytes = read_capped(field, "apiProxyName", 1024, body_limit).await?;
                form.api_proxy_name = Some(String::from_utf8_lossy(&bytes).trim().to_owned());
            }
            Some(name @ ("metadata" | "apiProxyExportFile" | "apiProxyName")) => {
                return Err(ApiError::BadRequest(format!(
                    "{name} parameter is given more than once!"
                )));
            }
            // Other fields are not read: the body limit still bounds them.
            _ => {}
        }
    }
    Ok(form)
}

/// The body an import may send: the archive and room for the metadata and the form's framing.
pub fn import_body_limit(limits: &ArchiveLimits) -> usize {
    limits.max_archive_bytes + 512 * 1024
}

async fn import(
    s: &ApiState,
    actor: &deploy::Actor,
    project: &str,
    target: ImportTarget<'_>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<deploy::transfer::ImportOutcome> {
    let form = read_form(multipart, &s.limits).await?;
    let upload = form
        .file
        .as_ref()
        .map(|(file_name, bytes)| Upload { file_name, bytes });
    Ok(transfer::import_proxy(
        &s.cp,
        actor,
        project,
        target,
        upload,
        form.metadata.as_deref(),
        &s.limits,
    )
    .await?)
}

#[utoipa::path(
    put,
    path = "/apiops/projects/{projectName}/apiProxies/{apiProxyName}/import/",
    tag = "Export and import",
    params(("projectName" = String, Path, description = "Project name"), ("apiProxyName" = String, Path, description = "API proxy name: overridden if it exists, created if not")),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImportReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn import_override(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((p, name)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportReply>> {
    let outcome = import(&s, &actor, &p, ImportTarget::Override(&name), multipart).await?;
    Ok(Json(ImportReply {
        status: "SUCCESS",
        api_proxy_name: None,
        deployment_result: outcome.deployment_result,
    }))
}

#[utoipa::path(
    post,
    path = "/apiops/projects/{projectName}/apiProxies/import/",
    tag = "Export and import",
    params(("projectName" = String, Path, description = "Project name")),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImportReply),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn import_new(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(p): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportReply>> {
    let outcome = import(&s, &actor, &p, ImportTarget::New, multipart).await?;
    Ok(Json(ImportReply {
        status: "SUCCESS",
        api_proxy_name: Some(outcome.api_proxy_name),
        deployment_result: outcome.deployment_result,
    }))
}
