//! Export an API proxy as a ZIP archive, and import one: overriding the proxy of a given name, or adding
//! a new proxy. An import is one transaction: the proxy, its deploy list, its history record and every
//! deploy it asks for are written together, or nothing is.

use crate::db::Conn;

use crate::archive::{self, ArchiveLimits};
use crate::export_format::{ExportFile, ExportedProxy, ImportMetadata, EXPORT_FORMAT_VERSION};
use crate::model::Action;
use crate::model::Permission;
use crate::model::{from_json, ProxySpec, Snapshot};
use crate::model::{DeployOptions, DeploymentResult, EnvironmentResult};
use crate::names::check_name;
use crate::proxies::{insert_proxy, load_one, set_deploy_list, write_spec};
use crate::rows::find_proxy;
use crate::rows::project_environment;
use crate::rows::{authorize, Need};
use crate::steps::{make_live, not_allowed, record_only, LiveGroup, Step};
use crate::{clock, Actor, ControlPlane, Error, Result};

pub use crate::model::ImportOutcome;

/// The file name the export is downloaded as.
pub const EXPORT_FILE_NAME: &str = "apiProxyExportFile.zip";
const IMPORT_DEPLOY_DESCRIPTION: &str = "Deployed by import";
const IMPORT_DESCRIPTION: &str = "Overridden by import; this record keeps the configuration it replaced";

/// The export archive of a proxy: `{name}.json` holding its definition.
pub async fn export_proxy(cp: &ControlPlane, actor: &Actor, project: &str, proxy: &str) -> Result<Vec<u8>> {
    let mut conn = cp.pool().acquire().await?;
    let p = authorize(
        &mut conn,
        actor,
        project,
        Need::Permission(Permission::ExportImport),
    )
    .await?;
    let found = load_one(&mut conn, p.id, proxy).await?;
    let file = ExportFile {
        format_version: EXPORT_FORMAT_VERSION,
        exported_at: clock::now(),
        api_proxy: ExportedProxy {
            name: found.name.clone(),
            configuration: found.spec,
            deploy_list: found.deploy_list,
        },
    };
    let json = serde_json::to_vec_pretty(&file).map_err(Error::internal)?;
    archive::write_single(&format!("{}.json", found.name), &json)
}

/// Where an import goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTarget<'a> {
    /// Override the proxy of this name, or create it.
    Override(&'a str),
    /// Add a new proxy named as in the file; a name already taken gets a `-copy` suffix.
    New,
}

/// The uploaded file as the request carried it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Everything read and checked from the request before the database is touched.
struct Checked {
    name: Option<String>,
    spec: ProxySpec,
    deploy_list: Vec<String>,
    targets: Vec<String>,
    file_name: String,
}

fn check_request(
    project: &str,
    target: ImportTarget<'_>,
    upload: Option<Upload<'_>>,
    metadata: Option<&str>,
    limits: &ArchiveLimits,
) -> Result<Checked> {
    if project.trim().is_empty() {
        return Err(Error::Invalid("projectName value can not be empty!".into()));
    }
    let name = match target {
        ImportTarget::Override(name) => {
            check_name("apiProxyName", name.trim(), 100)?;
            Some(name.trim().to_owned())
        }
        ImportTarget::New => None,
    };
    let upload = upload
        .filter(|u| !u.bytes.is_empty())
        .ok_or_else(|| Error::Invalid(archive::EMPTY_FILE.into()))?;
    archive::check_file_name(upload.file_name)?;
    let metadata = ImportMetadata::parse(metadata)?;
    let targets = metadata.targets()?;
    let json = archive::read_export_json(upload.bytes, limits)?;
    let file = ExportFile::parse(&json)?;
    let spec = metadata.apply(file.api_proxy.configuration)?;
    Ok(Checked {
        name,
        spec,
        deploy_list: file.api_proxy.deploy_list,
        targets,
        file_name: file.api_proxy.name,
    })
}

/// Imports an export archive. `metadata` is the form field's text (deploy, targets, routing, maintenance).
pub async fn import_proxy(
    cp: &ControlPlane,
    actor: &Actor,
    project: &str,
    target: ImportTarget<'_>,
    upload: Option<Upload<'_>>,
    metadata: Option<&str>,
    limits: &ArchiveLimits,
) -> Result<ImportOutcome> {
    let checked = check_request(project, target, upload, metadata, limits)?;
    cp.backends().check_routing(&checked.spec.routing)?;
    let mut tx = cp.begin_write().await?;
    let p = authorize(
        &mut tx,
        actor,
        project,
        Need::Permission(Permission::ExportImport),
    )
    .await?;
    if !checked.targets.is_empty() {
        authorize(
            &mut tx,
            actor,
            project,
            Need::Permission(Permission::DeployUndeploy),
        )
        .await?;
    }
    let mut targets = Vec::with_capacity(checked.targets.len());
    for name in &checked.targets {
        let (env_id, env) = project_environment(&mut tx, p.id, name).await?;
        targets.push((env_id, env.name));
    }
    let (deploy_list, skipped) = known_environments(&mut tx, p.id, &checked.deploy_list).await?;
    let name = match &checked.name {
        Some(name) => name.clone(),
        None => free_name(&mut tx, p.id, &checked.file_name).await?,
    };
    let existing = match find_proxy(&mut tx, p.id, &name).await {
        Ok(row) => Some(row),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let options = DeployOptions::default();
    let step = Step {
        actor,
        project: &p,
        environment: None,
        description: IMPORT_DESCRIPTION,
        options: &options,
        backends: cp.backends(),
        keep_revision: None,
    };
    let (proxy_id, name, replaced_revision) = match existing {
        Some(row) => {
            let config: String = sqlx::query_scalar("SELECT config FROM api_proxies WHERE id = $1")
                .bind(row.id)
                .fetch_one(&mut *tx)
                .await?;
            let replaced = Snapshot {
                name: row.name.clone(),
                proxy: from_json(&config)?,
                group: None,
            };
            let record = record_only(&mut tx, &step, row.id, &replaced, Action::Import).await?;
            write_spec(&mut tx, row.id, &checked.spec).await?;
            (row.id, row.name, Some(record.revision))
        }
        None => (insert_proxy(&mut tx, &p, &name, &checked.spec).await?, name, None),
    };
    set_deploy_list(&mut tx, p.id, proxy_id, &deploy_list).await?;
    let deployment_result = if targets.is_empty() {
        None
    } else {
        Some(deploy_imported(&mut tx, &step, proxy_id, &name, &checked.spec, &targets).await?)
    };
    let detail = match (replaced_revision, skipped.is_empty()) {
        (Some(r), true) => format!("overrode; replaced configuration kept as revision {r}"),
        (Some(r), false) => format!(
            "overrode; replaced configuration kept as revision {r}; unknown deploy list environments left out: {}",
            skipped.join(", ")
        ),
        (None, true) => "created".to_owned(),
        (None, false) => format!("created; unknown deploy list environments left out: {}", skipped.join(", ")),
    };
    crate::rows::record_audit(&mut tx, actor, "IMPORT", "API_PROXY", &name, Some(p.id), &detail).await?;
    tx.commit().await?;
    Ok(ImportOutcome {
        api_proxy_name: name,
        created: replaced_revision.is_none(),
        replaced_revision,
        skipped_deploy_list: skipped,
        deployment_result,
    })
}

/// Splits a file's deploy list into the environments this project has and the ones it does not.
async fn known_environments(
    conn: &mut Conn,
    project_id: i64,
    names: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut known = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        match project_environment(conn, project_id, name).await {
            Ok((_, env)) => known.push(env.name),
            Err(Error::Invalid(_) | Error::NotFound(_)) => skipped.push(name.clone()),
            Err(e) => return Err(e),
        }
    }
    Ok((known, skipped))
}

/// The file's proxy name, or the first of `{name}-copy`, `{name}-copy-2`, ... that is free.
async fn free_name(conn: &mut Conn, project_id: i64, wanted: &str) -> Result<String> {
    for n in 1..=100 {
        let candidate = match n {
            1 => wanted.to_owned(),
            2 => format!("{wanted}-copy"),
            _ => format!("{wanted}-copy-{}", n - 1),
        };
        check_name("apiProxyName", &candidate, 100)?;
        match find_proxy(conn, project_id, &candidate).await {
            Err(Error::NotFound(_)) => return Ok(candidate),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
    Err(Error::Conflict(format!(
        "API Proxy ({wanted}) and its first 99 copies already exist; import it under another name!"
    )))
}

async fn deploy_imported(
    conn: &mut Conn,
    step: &Step<'_>,
    proxy_id: i64,
    name: &str,
    spec: &ProxySpec,
    targets: &[(i64, String)],
) -> Result<DeploymentResult> {
    let snapshot = Snapshot {
        name: name.to_owned(),
        proxy: spec.clone(),
        group: None,
    };
    let mut results = Vec::with_capacity(targets.len());
    for (env_id, env_name) in targets {
        let crate::db::Flag(allowed) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM proxy_deploy_targets WHERE proxy_id = $1 AND environment_id = $2)",
        )
        .bind(proxy_id)
        .bind(env_id)
        .fetch_one(&mut *conn)
        .await?;
        let result = if allowed {
            let step = Step {
                environment: Some((*env_id, env_name)),
                description: IMPORT_DEPLOY_DESCRIPTION,
                ..*step
            };
            // A refused deploy (a path another proxy owns there) leaves the import standing, as a deploy
            // list refusal does.
            match make_live(
                conn,
                &step,
                proxy_id,
                snapshot.clone(),
                LiveGroup::Lookup,
                Action::Deploy,
            )
            .await
            .map_err(Error::refusal)
            {
                Ok(_) => EnvironmentResult {
                    environment_name: env_name.clone(),
                    success: true,
                    message: "Deployed successfully".into(),
                },
                Err(Ok(message)) => EnvironmentResult {
                    environment_name: env_name.clone(),
                    success: false,
                    message,
                },
                Err(Err(e)) => return Err(e),
            }
        } else {
            EnvironmentResult {
                environment_name: env_name.clone(),
                success: false,
                message: not_allowed(name, env_name),
            }
        };
        results.push(result);
    }
    let success = results.iter().all(|r| r.success);
    Ok(DeploymentResult {
        success,
        message: if success {
            "Deployment completed successfully".into()
        } else {
            "Deployment completed with errors".into()
        },
        environment_results: results,
    })
}
