//! The configuration of API proxies and groups: what is edited, snapshotted, deployed and exported.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiType {
    #[default]
    Rest,
    Soap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoutingAlgorithm {
    #[default]
    RoundRobin,
    WeightedRoundRobin,
    LeastConnections,
    Random,
    IpHash,
    UrlHash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SoapType {
    #[serde(rename = "SOAP11")]
    Soap11,
    #[serde(rename = "SOAP12")]
    Soap12,
}

fn default_weight() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutingAddress {
    pub address: String,
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default)]
    pub soap_type: Option<SoapType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Routing {
    #[serde(default)]
    pub algorithm: RoutingAlgorithm,
    #[serde(default)]
    pub address_list: Vec<RoutingAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cors {
    pub enabled: bool,
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cache {
    pub enabled: bool,
    pub ttl_seconds: u32,
    /// The most responses kept for the proxy at once.
    pub max_entries: u32,
    /// Request headers the cache key includes. A request carrying `Authorization` or `Cookie` is answered
    /// from (and kept in) the cache only when that header is listed here, so one caller's private answer
    /// is never served to another.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vary_headers: Vec<String>,
}

/// An API proxy's configuration: everything a deploy makes live, except its deploy list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxySpec {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub api_type: ApiType,
    pub relative_path: String,
    #[serde(default)]
    pub routing: Routing,
    #[serde(default)]
    pub maintenance_mode: bool,
    #[serde(default)]
    pub cors: Cors,
    #[serde(default)]
    pub cache: Cache,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientRoute {
    pub relative_path_list: Vec<String>,
    pub method_list: Vec<String>,
}

/// A group's own settings, deployed with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GroupSpec {
    pub description: String,
    pub client_route: ClientRoute,
    pub cors: Cors,
    pub cache: Cache,
}

/// What a deploy makes live for one proxy, and what its history record keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub name: String,
    pub proxy: ProxySpec,
    /// The group the proxy was deployed with, and that group's settings.
    #[serde(default)]
    pub group: Option<GroupSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshot {
    pub name: String,
    pub settings: GroupSpec,
}

impl Snapshot {
    /// The request paths this snapshot answers at once live: its relative path, and that path under each of
    /// its group's client route paths; without a trailing '/', so the root is "". The gateway routes by
    /// these, and a deploy is refused when one of them overlaps another proxy's in the environment.
    pub fn route_prefixes(&self) -> Vec<String> {
        let own = self.proxy.relative_path.trim_end_matches('/');
        let mut prefixes: Vec<String> = self
            .group
            .iter()
            .flat_map(|g| &g.settings.client_route.relative_path_list)
            .map(|base| format!("{}{own}", base.trim_end_matches('/')))
            .collect();
        prefixes.push(own.to_owned());
        prefixes
    }
}

const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// Enough for a proxy balancing over a large fleet (cloud target groups stop at 1000 too).
const MAX_ADDRESSES: usize = 1000;
const MAX_WEIGHT: u32 = 1000;

fn check_path(what: &str, path: &str) -> Result<()> {
    let ok = path.starts_with('/')
        && path.len() <= 255
        && !path.contains("//")
        && !path.split('/').any(|segment| segment == "..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} ({path}) must start with '/' and use only letters, digits and '/-_.~' (at most 255)."
        )))
    }
}

pub(crate) fn check_address(address: &str) -> Result<()> {
    let rest = address
        .strip_prefix("http://")
        .or_else(|| address.strip_prefix("https://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) && address.len() <= 2048 => Ok(()),
        _ => Err(Error::Invalid(format!(
            "Routing address ({address}) must be an http:// or https:// URL."
        ))),
    }
}

impl Routing {
    pub fn validate(&self) -> Result<()> {
        if self.address_list.len() > MAX_ADDRESSES {
            return Err(Error::Invalid(format!(
                "Routing may list at most {MAX_ADDRESSES} addresses."
            )));
        }
        for a in &self.address_list {
            check_address(&a.address)?;
            if a.weight == 0 || a.weight > MAX_WEIGHT {
                return Err(Error::Invalid(format!(
                    "Routing address ({}) weight must be 1 to {MAX_WEIGHT}.",
                    a.address
                )));
            }
        }
        Ok(())
    }
}

fn check_cors(cors: &Cors) -> Result<()> {
    for m in &cors.allow_methods {
        if !HTTP_METHODS.contains(&m.as_str()) {
            return Err(Error::Invalid(format!(
                "CORS method ({m}) is not an HTTP method."
            )));
        }
    }
    if cors.allow_origins.len() > 100 || cors.allow_headers.len() > 100 {
        return Err(Error::Invalid("CORS lists may hold at most 100 entries.".into()));
    }
    if let Some(long) = cors
        .allow_origins
        .iter()
        .chain(&cors.allow_headers)
        .find(|entry| entry.len() > 1024)
    {
        return Err(Error::Invalid(format!(
            "CORS entry ({}...) must be at most 1024 characters.",
            long.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

fn check_cache(cache: &Cache) -> Result<()> {
    if cache.enabled && (cache.ttl_seconds == 0 || cache.ttl_seconds > 86_400) {
        return Err(Error::Invalid("Cache TTL must be 1 to 86400 seconds.".into()));
    }
    if cache.max_entries > 100_000 {
        return Err(Error::Invalid("Cache may keep at most 100000 entries.".into()));
    }
    if cache.vary_headers.len() > 10 {
        return Err(Error::Invalid("Cache may vary on at most 10 headers.".into()));
    }
    if let Some(bad) = cache
        .vary_headers
        .iter()
        .find(|h| h.is_empty() || h.len() > 64 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(Error::Invalid(format!(
            "Cache vary header ({}) must be a header name: letters, digits and '-' (at most 64).",
            bad.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}

impl ProxySpec {
    pub fn validate(&self) -> Result<()> {
        crate::names::check_text("description", &self.description, 1000)?;
        check_path("relativePath", &self.relative_path)?;
        self.routing.validate()?;
        check_cors(&self.cors)?;
        check_cache(&self.cache)
    }
}

impl GroupSpec {
    pub fn validate(&self) -> Result<()> {
        crate::names::check_text("description", &self.description, 1000)?;
        for p in &self.client_route.relative_path_list {
            check_path("client route path", p)?;
        }
        for m in &self.client_route.method_list {
            if !HTTP_METHODS.contains(&m.as_str()) {
                return Err(Error::Invalid(format!(
                    "Client route method ({m}) is not an HTTP method."
                )));
            }
        }
        check_cors(&self.cors)?;
        check_cache(&self.cache)
    }
}

#[cfg(feature = "storage")]
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::internal)
}

#[cfg(feature = "storage")]
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::internal(format!("stored configuration does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProxySpec {
        ProxySpec {
            relative_path: "/petstore".into(),
            ..Default::default()
        }
    }

    #[test]
    fn routing_enums_use_the_documented_names() {
        let json = r#"{"algorithm":"WEIGHTED_ROUND_ROBIN","addressList":[{"address":"https://b1.example.com","weight":3,"soapType":"SOAP12"}]}"#;
        let routing: Routing = serde_json::from_str(json).unwrap();
        assert_eq!(routing.algorithm, RoutingAlgorithm::WeightedRoundRobin);
        assert_eq!(routing.address_list[0].soap_type, Some(SoapType::Soap12));
        assert_eq!(serde_json::to_string(&routing).unwrap(), json);
        assert!(serde_json::from_str::<Routing>(r#"{"algorithm":"FASTEST"}"#).is_err());
        let weightless: RoutingAddress = serde_json::from_str(r#"{"address":"http://a"}"#).unwrap();
        assert_eq!(weightless.weight, 1);
    }

    #[test]
    fn bad_configuration_is_refused_with_the_field_named() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.relative_path = "petstore".into();
        assert!(matches!(s.validate(), Err(Error::Invalid(m)) if m.contains("relativePath")));
        let mut s = spec();
        s.routing.address_list.push(RoutingAddress {
            address: "ftp://x".into(),
            weight: 1,
            soap_type: None,
        });
        assert!(matches!(s.validate(), Err(Error::Invalid(m)) if m.contains("ftp://x")));
        let mut s = spec();
        s.routing.address_list.push(RoutingAddress {
            address: "http://x".into(),
            weight: 0,
            soap_type: None,
        });
        assert!(matches!(s.validate(), Err(Error::Invalid(m)) if m.contains("weight")));
        let mut s = spec();
        s.cache = Cache {
            enabled: true,
            ttl_seconds: 0,
            max_entries: 10,
            ..Default::default()
        };
        assert!(s.validate().is_err());
        let mut s = spec();
        s.relative_path = "/a/../b".into();
        assert!(s.validate().is_err());
    }
}
