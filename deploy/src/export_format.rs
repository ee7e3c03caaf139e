//! The export file (`{name}.json` inside the export ZIP) and the import metadata form field: their shapes,
//! and the checks that turn bad input into a sentence saying what is wrong.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{ProxySpec, RoutingAddress, RoutingAlgorithm};
use crate::names::check_name;
use crate::{Error, Result};

/// The export format this Portico writes. It reads this one and every older one.
pub const EXPORT_FORMAT_VERSION: u64 = 1;

/// The JSON inside an export archive: everything about one API proxy that another installation needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportFile {
    pub format_version: u64,
    pub exported_at: String,
    pub api_proxy: ExportedProxy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportedProxy {
    pub name: String,
    /// Routing, maintenance mode, CORS, cache and the rest of the configuration.
    pub configuration: ProxySpec,
    /// The environments the proxy may be deployed to, by name.
    pub deploy_list: Vec<String>,
}

fn not_an_export(why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!(
        "apiProxyExportFile is not a valid API Proxy export: {why}"
    ))
}

impl ExportFile {
    /// Reads an export JSON: the format version first, so a file from a newer Portico is named as such
    /// rather than as a file of the wrong shape.
    pub fn parse(json: &[u8]) -> Result<Self> {
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| not_an_export(format_args!("the JSON does not parse ({e}).")))?;
        // serde would also read a struct from a positional array; an export is objects by name.
        if !value.is_object() || !value.get("apiProxy").is_none_or(Value::is_object) {
            return Err(not_an_export(
                "the JSON does not have the shape of an export (it and its apiProxy must be objects).",
            ));
        }
        let version = match value.get("formatVersion") {
            None => return Err(not_an_export("the JSON has no formatVersion.")),
            Some(v) => v
                .as_u64()
                .filter(|v| *v >= 1)
                .ok_or_else(|| not_an_export("formatVersion must be a whole number from 1."))?,
        };
        if version > EXPORT_FORMAT_VERSION {
            return Err(not_an_export(format_args!(
                "its format version ({version}) is newer than this Portico reads ({EXPORT_FORMAT_VERSION})."
            )));
        }
        let file: ExportFile = serde_json::from_value(value).map_err(|e| {
            not_an_export(format_args!(
                "the JSON does not have the shape of an export ({e})."
            ))
        })?;
        check_name("apiProxy.name", &file.api_proxy.name, 100).map_err(not_an_export)?;
        // An export may come from an older Portico: it is held to the rules it was saved under.
        file.api_proxy
            .configuration
            .validate_stored()
            .map_err(not_an_export)?;
        Ok(file)
    }
}

/// The `metadata` form field of an import. Every field may be left out or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportMetadata {
    #[serde(default)]
    pub deploy: Option<bool>,
    #[serde(default)]
    pub deploy_target_environment_name_list: Option<Vec<String>>,
    /// Applied over the file's routing: the fields given replace the file's.
    #[serde(default)]
    pub routing: Option<RoutingOverride>,
    #[serde(default)]
    pub maintenance_mode: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutingOverride {
    #[serde(default)]
    pub algorithm: Option<RoutingAlgorithm>,
    #[serde(default)]
    pub address_list: Option<Vec<RoutingAddress>>,
}

/// The longest metadata field read; real metadata is a few hundred bytes.
const MAX_METADATA_BYTES: usize = 256 * 1024;

impl ImportMetadata {
    /// Reads the metadata form field, which the import document makes required.
    pub fn parse(text: Option<&str>) -> Result<Self> {
        let text = text
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Invalid("metadata parameter can not be empty!".into()))?;
        if text.len() > MAX_METADATA_BYTES {
            return Err(Error::Invalid(format!(
                "metadata parameter must be at most {MAX_METADATA_BYTES} bytes!"
            )));
        }
        let invalid = |why: &dyn std::fmt::Display| {
            Error::Invalid(format!("metadata parameter is not valid metadata JSON: {why}"))
        };
        let value: Value = serde_json::from_str(text).map_err(|e| invalid(&e))?;
        // serde would also read a struct from a positional array; the document's metadata is an object.
        if !value.is_object() {
            return Err(invalid(&"it must be a JSON object"));
        }
        serde_json::from_value(value).map_err(|e| invalid(&e))
    }

    pub fn deploys(&self) -> bool {
        self.deploy == Some(true)
    }

    /// The environments to deploy to, each once, in the order given; refused when deploying to none.
    pub fn targets(&self) -> Result<Vec<String>> {
        if !self.deploys() {
            return Ok(Vec::new());
        }
        let mut targets: Vec<String> = Vec::new();
        for name in self.deploy_target_environment_name_list.iter().flatten() {
            let name = name.trim();
            if !name.is_empty() && !targets.iter().any(|t| t == name) {
                targets.push(name.to_owned());
            }
        }
        if targets.is_empty() {
            return Err(Error::Invalid(
                "deployTargetEnvironmentNameList can not be empty when deploy is true!".into(),
            ));
        }
        Ok(targets)
    }

    /// The file's configuration with the metadata's routing and maintenance mode applied over it.
    pub fn apply(&self, mut spec: ProxySpec) -> Result<ProxySpec> {
        if let Some(routing) = &self.routing {
            if let Some(algorithm) = routing.algorithm {
                spec.routing.algorithm = algorithm;
            }
            if let Some(list) = &routing.address_list {
                spec.routing.address_list = list.clone();
            }
        }
        if let Some(on) = self.maintenance_mode {
            spec.maintenance_mode = on;
        }
        // The file's part is held to the rules it was saved under; backends given now, to today's.
        spec.validate_stored()?;
        if self.routing.as_ref().is_some_and(|r| r.address_list.is_some()) {
            spec.routing.validate()?;
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(version: &str, configuration: &str) -> Vec<u8> {
        format!(
            r#"{{"formatVersion":{version},"exportedAt":"2026-01-01T00:00:00Z","apiProxy":{{"name":"a","configuration":{configuration},"deployList":[]}}}}"#
        )
        .into_bytes()
    }

    fn message(r: Result<impl std::fmt::Debug>) -> String {
        match r {
            Err(e @ (Error::Invalid(_) | Error::Violation(_))) => e.to_string(),
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn versions_and_shapes_are_checked() {
        assert!(ExportFile::parse(&export("1", r#"{"relativePath":"/a"}"#)).is_ok());
        assert!(message(ExportFile::parse(&export("2", r#"{"relativePath":"/a"}"#))).contains("newer"));
        assert!(
            message(ExportFile::parse(&export("\"1\"", r#"{"relativePath":"/a"}"#))).contains("whole number")
        );
        assert!(message(ExportFile::parse(b"[1,2]")).contains("must be objects"));
        assert!(message(ExportFile::parse(b"{not json")).contains("does not parse"));
        let unknown = r#"{"relativePath":"/a","routing":{"algorithm":"FASTEST"}}"#;
        assert!(message(ExportFile::parse(&export("1", unknown))).contains("FASTEST"));
        let soap =
            r#"{"relativePath":"/a","routing":{"addressList":[{"address":"http://a","soapType":"SOAP13"}]}}"#;
        assert!(message(ExportFile::parse(&export("1", soap))).contains("SOAP13"));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(message(ExportFile::parse(deep.as_bytes())).contains("does not parse"));
    }

    #[test]
    fn metadata_applies_over_the_file() {
        let m = ImportMetadata::parse(Some(
            r#"{"deploy":false,"routing":{"algorithm":"WEIGHTED_ROUND_ROBIN","addressList":[{"address":"https://b1.example.com","weight":3}]},"maintenanceMode":true}"#,
        ))
        .unwrap();
        let spec = m
            .apply(ProxySpec {
                relative_path: "/a".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(spec.routing.algorithm, RoutingAlgorithm::WeightedRoundRobin);
        assert_eq!(spec.routing.address_list[0].weight, 3);
        assert!(spec.maintenance_mode);
        assert!(message(ImportMetadata::parse(Some("{deploy:"))).contains("not valid metadata JSON"));
        assert!(message(ImportMetadata::parse(Some("[true]"))).contains("must be a JSON object"));
        assert!(message(ImportMetadata::parse(Some(r#"{"deploy":"yes"}"#))).contains("not valid"));
        assert!(message(ImportMetadata::parse(None)).contains("can not be empty"));
        let no_targets = ImportMetadata::parse(Some(r#"{"deploy":true}"#)).unwrap();
        assert!(message(no_targets.targets()).contains("deployTargetEnvironmentNameList"));
    }
}
